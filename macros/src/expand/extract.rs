//! Reading an endpoint's inputs: its path, query and header parameters and
//! its JSON body, each parsed and checked against the spec's rules, every
//! violation collected before the request is refused.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::endpoints::path_arity;
use super::{ident, rules_static, rust_type};
use crate::check::plan::*;
use crate::names;
use crate::spec::ParamIn;

/// An input after extraction: its variable, final type and whether it is
/// always present once the violations are clear.
pub(super) struct InputVar {
    pub(super) name: Ident,
    pub(super) ty: TokenStream,
    pub(super) present: bool,
}

fn parse_expr(ty: &Ty, raw: TokenStream, pointer: &str, rules: &TokenStream) -> TokenStream {
    match ty {
        Ty::I64 => quote!(::keel::extract::integer(#raw, #pointer, #rules, &mut __v)),
        Ty::I32 => {
            quote!(::keel::extract::integer(#raw, #pointer, #rules, &mut __v).and_then(|v| i32::try_from(v).ok()))
        }
        Ty::F64 => quote!(::keel::extract::number(#raw, #pointer, #rules, &mut __v)),
        Ty::Str(_) => quote!(::keel::extract::string(#raw, #pointer, #rules, &mut __v)),
        Ty::Bool => quote!(::keel::extract::boolean(#raw, #pointer, &mut __v)),
        Ty::Enum(_) => {
            let t = rust_type(ty);
            quote!(::keel::extract::enumeration::<#t>(#raw, #pointer, &mut __v))
        }
        Ty::Vec(_) | Ty::Object(_) | Ty::Any => {
            quote!(::std::option::Option::<::keel::Value>::None)
        }
    }
}

fn default_expr(value: &DefaultValue) -> TokenStream {
    match value {
        DefaultValue::Int(i) => quote!(#i),
        DefaultValue::Number(f) => quote!(#f),
        DefaultValue::Bool(b) => quote!(#b),
        DefaultValue::Str(s) => quote!(::std::string::String::from(#s)),
        DefaultValue::Variant(t, v) => {
            let t = format_ident!("{}", t);
            let v = format_ident!("{}", v);
            quote!(types::#t::#v)
        }
    }
}

pub(super) fn extraction(e: &EndpointPlan) -> (TokenStream, Vec<InputVar>) {
    let mut out = TokenStream::new();
    let mut vars = Vec::new();
    let arity = path_arity(e);
    if arity > 0 {
        let segs = (0..arity).map(|i| format_ident!("__seg{}", i));
        out.extend(quote! { let [#(#segs),*] = __path; });
    }
    let query_names: Vec<&str> = e
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Query)
        .map(|p| p.wire_name.as_str())
        .collect();
    out.extend(quote! {
        let __query = ::keel::extract::QueryParams::parse(__req.query.as_deref(), &[#(#query_names),*], &mut __v);
    });
    for p in &e.params {
        let name = ident(&p.name);
        let pointer = format!("#/{}/{}", p.location.as_str(), p.wire_name);
        let rules_name = format_ident!("__RULES_{}", names::to_shouty(&p.name));
        let (decl, rules_ref) = rules_static(&rules_name, &p.ty, &p.rules);
        out.extend(decl);
        let wire = &p.wire_name;
        let raw_name = format_ident!("__raw_{}", p.name);
        let raw_decl = match p.location {
            ParamIn::Path => {
                let seg = format_ident!("__seg{}", p.path_index.unwrap_or(0));
                quote! { let #raw_name = ::keel::extract::path_segment(#seg, #pointer, &mut __v); }
            }
            ParamIn::Query => quote! { let #raw_name = __query.get(#wire); },
            ParamIn::Header => {
                quote! { let #raw_name = ::keel::extract::header(__req, #wire, #pointer, &mut __v); }
            }
        };
        out.extend(raw_decl);
        let raw_ref = if p.location == ParamIn::Path {
            quote!(#raw_name.as_deref())
        } else {
            quote!(#raw_name)
        };
        let parse = parse_expr(&p.ty, raw_ref.clone(), &pointer, &rules_ref);
        let value = match (&p.default, p.required, p.location) {
            (_, _, ParamIn::Path) => parse,
            (Some(default), _, _) => {
                let d = default_expr(default);
                quote!(if #raw_ref.is_some() { #parse } else { ::std::option::Option::Some(#d) })
            }
            (None, true, _) => {
                quote!(::keel::extract::require(#parse, #raw_ref.is_some(), #pointer, &mut __v))
            }
            (None, false, _) => parse,
        };
        out.extend(quote! { let #name = #value; });
        let present = p.location == ParamIn::Path || p.required || p.default.is_some();
        vars.push(InputVar {
            name,
            ty: rust_type(&p.ty),
            present,
        });
    }
    if let Some(body) = &e.body {
        let t = format_ident!("{}", body);
        out.extend(quote! {
            let __json = ::keel::extract::json_body(__req)?;
            let body = match &__json {
                ::std::option::Option::Some(__json) => <types::#t as ::keel::extract::FromJson>::from_json(
                    __json,
                    &mut ::keel::extract::JsonCx::new("#/body", &mut __v),
                ),
                ::std::option::Option::None => {
                    __v.missing_body();
                    ::std::option::Option::None
                }
            };
        });
        vars.push(InputVar {
            name: format_ident!("body"),
            ty: quote!(types::#t),
            present: true,
        });
    }
    if e.replica {
        // The bookmark a replica read starts at, as the document describes it.
        out.extend(quote! { ::keel::extract::bookmark(__req, &mut __v); });
    }
    out.extend(quote! {
        if !__v.is_empty() {
            return ::std::result::Result::Err(__v.into_problem());
        }
    });
    let present: Vec<&Ident> = vars.iter().filter(|v| v.present).map(|v| &v.name).collect();
    if !present.is_empty() {
        out.extend(quote! {
            let (#(::std::option::Option::Some(#present),)*) = (#(#present,)*) else {
                return ::std::result::Result::Err(__v.into_problem());
            };
        });
    }
    (out, vars)
}
