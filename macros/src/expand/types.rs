//! The `types` module: a struct per object schema, an enum per string enum,
//! with serialization and checked reading from JSON.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{field_type, ident, rules_static, rust_type};
use crate::check::plan::{FieldPlan, Plan, RulesPlan, Ty, TypePlan};
use crate::names;

pub(super) fn expand(plan: &Plan) -> TokenStream {
    let items = plan.types.iter().map(|t| match t {
        TypePlan::Object {
            name,
            description,
            fields,
        } => object(name, description.as_deref(), fields),
        TypePlan::Enum {
            name,
            description,
            variants,
        } => enumeration(name, description.as_deref(), variants),
    });
    quote! {
        /// The API's types, generated from the `schemas` of the spec.
        pub mod types {
            #[allow(unused_imports)]
            use super::types;
            #(#items)*
        }
    }
}

fn doc(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => {
            let lines = text.lines().map(|l| format!(" {l}"));
            quote!(#(#[doc = #lines])*)
        }
        None => TokenStream::new(),
    }
}

fn object(name: &str, description: Option<&str>, fields: &[FieldPlan]) -> TokenStream {
    let type_name = format_ident!("{}", name);
    let docs = doc(Some(
        description.unwrap_or(&format!("The `{name}` schema.")),
    ));
    let decls = fields.iter().map(|f| {
        let fname = ident(&f.name);
        let ty = field_type(&f.ty, f.optional || f.nullable);
        let fdoc = doc(Some(
            f.description.as_deref().unwrap_or(&format!("`{}`", f.name)),
        ));
        let skip = if f.optional {
            quote!(#[serde(skip_serializing_if = "::std::option::Option::is_none")])
        } else {
            TokenStream::new()
        };
        quote! { #fdoc #skip pub #fname: #ty, }
    });
    let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let mut statics = TokenStream::new();
    let reads = fields
        .iter()
        .map(|f| {
            let fname = ident(&f.name);
            let key = &f.name;
            let read = read_expr(&f.ty, &f.rules, &names::to_shouty(&f.name), &mut statics);
            let read = if f.nullable {
                quote!(cx.nullable(v, |v, cx| #read))
            } else {
                read
            };
            if f.optional {
                let flatten = if f.nullable {
                    quote!(.map(::std::option::Option::flatten))
                } else {
                    TokenStream::new()
                };
                quote! { let #fname = cx.optional(object, #key, |v, cx| #read) #flatten; }
            } else {
                quote! { let #fname = cx.required(object, #key, |v, cx| #read); }
            }
        })
        .collect::<Vec<_>>();
    let build = fields.iter().map(|f| {
        let fname = ident(&f.name);
        quote!(#fname: #fname?)
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, ::keel::__private::serde::Serialize)]
        #[serde(crate = "::keel::__private::serde")]
        pub struct #type_name {
            #(#decls)*
        }

        impl ::keel::extract::FromJson for #type_name {
            #[allow(unused_variables)]
            fn from_json(
                value: &::keel::extract::Json<'_>,
                cx: &mut ::keel::extract::JsonCx<'_>,
            ) -> ::std::option::Option<Self> {
                #statics
                let object = cx.object(value, &[#(#known),*])?;
                #(#reads)*
                ::std::option::Option::Some(Self { #(#build),* })
            }
        }
    }
}

/// The expression reading `v` (a JSON value) as `ty` inside a `FromJson`
/// impl, declaring the rule statics it needs into `statics`.
fn read_expr(ty: &Ty, rules: &RulesPlan, name: &str, statics: &mut TokenStream) -> TokenStream {
    let rules_name = format_ident!("{}", name);
    let (decl, rules_ref) = rules_static(&rules_name, ty, rules);
    statics.extend(decl);
    match ty {
        Ty::I64 => quote!(cx.integer(v, #rules_ref)),
        Ty::I32 => quote!(cx.int32(v, #rules_ref)),
        Ty::F64 => quote!(cx.number(v, #rules_ref)),
        Ty::Str(_) => quote!(cx.string(v, #rules_ref)),
        Ty::Bool => quote!(cx.boolean(v)),
        Ty::Enum(_) => {
            let t = rust_type(ty);
            quote!(cx.enumeration::<#t>(v))
        }
        Ty::Object(_) => {
            let t = rust_type(ty);
            quote!(<#t as ::keel::extract::FromJson>::from_json(v, cx))
        }
        Ty::Vec(item) => {
            let item_read = read_expr(
                item,
                &RulesPlan::default(),
                &format!("{name}_ITEM"),
                statics,
            );
            quote!(cx.array(v, #rules_ref, |v, cx| #item_read))
        }
        Ty::Any => quote!(::std::option::Option::Some(::keel::Value::from(
            v.to_json_text()
        ))),
    }
}

pub(super) fn enumeration(
    name: &str,
    description: Option<&str>,
    variants: &[(String, String)],
) -> TokenStream {
    let type_name = format_ident!("{}", name);
    let docs = doc(Some(description.unwrap_or(&format!("The `{name}` enum."))));
    let wires: Vec<&str> = variants.iter().map(|(w, _)| w.as_str()).collect();
    let idents: Vec<_> = variants
        .iter()
        .map(|(_, i)| format_ident!("{}", i))
        .collect();
    let decls = variants.iter().zip(&idents).map(|((wire, _), id)| {
        let vdoc = format!(" `{wire}`");
        quote! { #[doc = #vdoc] #[serde(rename = #wire)] #id, }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::keel::__private::serde::Serialize)]
        #[serde(crate = "::keel::__private::serde")]
        pub enum #type_name {
            #(#decls)*
        }

        impl ::keel::StringEnum for #type_name {
            const VARIANTS: &'static [&'static str] = &[#(#wires),*];
            fn parse(s: &str) -> ::std::option::Option<Self> {
                match s {
                    #(#wires => ::std::option::Option::Some(Self::#idents),)*
                    _ => ::std::option::Option::None,
                }
            }
            fn as_str(&self) -> &'static str {
                match self {
                    #(Self::#idents => #wires,)*
                }
            }
        }

        impl ::std::fmt::Display for #type_name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(::keel::StringEnum::as_str(self))
            }
        }

        impl ::keel::FromValue for #type_name {
            fn from_value(value: &::keel::Value) -> ::std::result::Result<Self, ::keel::value::DecodeError> {
                ::keel::value::enum_from_value(value)
            }
        }

        impl ::std::convert::From<#type_name> for ::keel::Value {
            fn from(value: #type_name) -> Self {
                ::keel::Value::Text(::keel::StringEnum::as_str(&value).to_owned())
            }
        }

        impl ::keel::extract::FromJson for #type_name {
            fn from_json(
                value: &::keel::extract::Json<'_>,
                cx: &mut ::keel::extract::JsonCx<'_>,
            ) -> ::std::option::Option<Self> {
                cx.enumeration::<Self>(value)
            }
        }
    }
}
