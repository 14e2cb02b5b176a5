//! Token generation from a checked [`Plan`]. The generated items:
//!
//! - `types`: one struct or enum per schema (and per inline enum);
//! - `auth`: the security model, the `Role` enum and the verified `Caller`;
//! - `queries::<file>`: one `static` [`keel::Sql`] per query, plus a typed
//!   function and row struct for each query a custom handler runs;
//! - `endpoints::<id>`: one handler per endpoint (and, for custom handlers,
//!   the `Input` and `Output` types their function takes and returns);
//! - `Api`: the [`keel::Service`] with the router and the migrations.
//!
//! Generated code names the runtime as `::keel` and refers to sibling
//! modules relatively, so the macro can be invoked in any module.

mod auth;
mod endpoints;
mod extract;
mod idempotency;
mod jobs;
mod pattern;
mod queries;
mod router;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::check::plan::{Plan, RulesPlan, Ty};
use crate::openapi::Document;
use crate::spec::StringFormat;

/// All generated code; the API serves `document`, and carries `changelog`
/// (its changes since the released contract).
pub fn expand(plan: &Plan, document: &Document, changelog: &str) -> TokenStream {
    let types = types::expand(plan);
    let auth = auth::expand(plan);
    let queries = queries::expand(plan);
    let endpoints = endpoints::expand(plan);
    let router = router::expand(plan, document, changelog);
    let tracked = plan.tracked.iter().map(|p| {
        let p = p.to_string_lossy();
        quote! { const _: &[u8] = ::core::include_bytes!(#p); }
    });
    quote! {
        #types
        #auth
        #queries
        #endpoints
        #router
        // Rebuild when the spec, a query or a migration changes.
        const _: () = { #(#tracked)* };
    }
}

/// An identifier, raw if it is a keyword.
pub fn ident(name: &str) -> Ident {
    if syn::parse_str::<Ident>(name).is_ok() {
        Ident::new(name, Span::call_site())
    } else {
        Ident::new_raw(name, Span::call_site())
    }
}

/// The Rust type of `ty`, with `types` in scope.
pub fn rust_type(ty: &Ty) -> TokenStream {
    match ty {
        Ty::I64 => quote!(i64),
        Ty::I32 => quote!(i32),
        Ty::F64 => quote!(f64),
        Ty::Str(_) => quote!(::std::string::String),
        Ty::Bool => quote!(bool),
        Ty::Vec(inner) => {
            let inner = rust_type(inner);
            quote!(::std::vec::Vec<#inner>)
        }
        Ty::Enum(name) | Ty::Object(name) => {
            let name = format_ident!("{}", name);
            quote!(types::#name)
        }
        Ty::Any => quote!(::keel::Value),
    }
}

/// `ty`, wrapped in `Option` when `option`.
pub fn field_type(ty: &Ty, option: bool) -> TokenStream {
    let inner = rust_type(ty);
    if option {
        quote!(::std::option::Option<#inner>)
    } else {
        inner
    }
}

/// Whether values of `ty` are `Copy`.
pub fn is_copy(ty: &Ty) -> bool {
    matches!(ty, Ty::I64 | Ty::I32 | Ty::F64 | Ty::Bool | Ty::Enum(_))
}

fn opt<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

/// The `static` rule set for a scalar of type `ty`, named `name`, if the
/// type has rules at all. Returns the statics to declare and the expression
/// referring to them.
pub fn rules_static(name: &Ident, ty: &Ty, rules: &RulesPlan) -> (TokenStream, TokenStream) {
    let rules_mod = quote!(::keel::extract::rules);
    match ty {
        Ty::I64 | Ty::I32 => {
            let min = opt(rules.minimum.map(|f| f as i64));
            let max = opt(rules.maximum.map(|f| f as i64));
            let int32 = matches!(ty, Ty::I32);
            (
                quote! { static #name: #rules_mod::IntRules = #rules_mod::IntRules { minimum: #min, maximum: #max, int32: #int32 }; },
                quote!(&#name),
            )
        }
        Ty::F64 => {
            let min = opt(rules.minimum);
            let max = opt(rules.maximum);
            (
                quote! { static #name: #rules_mod::NumberRules = #rules_mod::NumberRules { minimum: #min, maximum: #max }; },
                quote!(&#name),
            )
        }
        Ty::Str(format) => {
            let min = opt(rules.min_length.map(|v| v as usize));
            let max = opt(rules.max_length.map(|v| v as usize));
            let format = opt(format.map(|f| match f {
                StringFormat::DateTime => quote!(#rules_mod::Format::DateTime),
                StringFormat::Date => quote!(#rules_mod::Format::Date),
                StringFormat::Email => quote!(#rules_mod::Format::Email),
                StringFormat::Uuid => quote!(#rules_mod::Format::Uuid),
            }));
            let (pattern_static, pattern) = match &rules.pattern {
                Some(source) => {
                    let pname = format_ident!("{}_PATTERN", name);
                    let pattern = match pattern::compile(source) {
                        Some(dfa) => {
                            let dname = format_ident!("{}_DFA", name);
                            let pattern::Dfa {
                                classes,
                                width,
                                next,
                                accept,
                            } = dfa;
                            quote! {
                                static #dname: #rules_mod::Dfa = #rules_mod::Dfa {
                                    classes: [#(#classes),*],
                                    width: #width,
                                    next: &[#(#next),*],
                                    accept: &[#(#accept),*],
                                };
                                static #pname: #rules_mod::Pattern = #rules_mod::Pattern::with_dfa(#source, &#dname);
                            }
                        }
                        None => quote! {
                            static #pname: #rules_mod::Pattern = #rules_mod::Pattern::new(#source);
                        },
                    };
                    (pattern, quote!(::std::option::Option::Some(&#pname)))
                }
                None => (TokenStream::new(), quote!(::std::option::Option::None)),
            };
            (
                quote! {
                    #pattern_static
                    static #name: #rules_mod::StringRules = #rules_mod::StringRules { min_length: #min, max_length: #max, pattern: #pattern, format: #format };
                },
                quote!(&#name),
            )
        }
        Ty::Vec(_) => {
            let min = opt(rules.min_items.map(|v| v as usize));
            let max = opt(rules.max_items.map(|v| v as usize));
            (
                quote! { static #name: #rules_mod::ArrayRules = #rules_mod::ArrayRules { min_items: #min, max_items: #max }; },
                quote!(&#name),
            )
        }
        _ => (TokenStream::new(), TokenStream::new()),
    }
}
