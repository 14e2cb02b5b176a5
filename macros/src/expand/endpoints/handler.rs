//! The body of an endpoint implemented by a Rust function: its `Input`
//! and `Output` types, the call, and the rendering of each output.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::check::plan::*;
use crate::expand::{field_type, ident};

pub(super) fn run(
    e: &EndpointPlan,
    path: &str,
    outputs: &[OutputVariant],
    inputs: &[crate::expand::extract::InputVar],
) -> (TokenStream, TokenStream) {
    let id = &e.id;
    let fields = inputs.iter().map(|v| {
        let n = &v.name;
        let t = &v.ty;
        let d = if n == "body" {
            " The request body.".to_owned()
        } else {
            format!(" Parameter `{n}`.")
        };
        if v.present {
            quote!(#[doc = #d] pub #n: #t,)
        } else {
            quote!(#[doc = #d] pub #n: ::std::option::Option<#t>,)
        }
    });
    let names: Vec<&Ident> = inputs.iter().map(|v| &v.name).collect();
    let (caller_field, caller_value) = if e.access.is_some() {
        (
            quote!(#[doc = " The verified caller."] pub caller: auth::Caller,),
            quote!(caller: __caller,),
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    let variants = outputs.iter().map(|o| {
        let v = format_ident!("{}", o.variant);
        let doc = format!(" {} response.", o.status);
        let body = o.body.as_ref().map(|b| {
            let t = format_ident!("{}", b);
            quote!(#[doc = " The response body."] body: types::#t,)
        });
        let headers = o.headers.iter().map(|h| {
            let f = ident(&h.field);
            let t = field_type(&h.ty, !h.required);
            let hdoc = format!(" The `{}` header.", h.wire_name);
            quote!(#[doc = #hdoc] #f: #t,)
        });
        if o.body.is_none() && o.headers.is_empty() {
            quote!(#[doc = #doc] #v,)
        } else {
            quote!(#[doc = #doc] #v { #body #(#headers)* },)
        }
    });
    let arms = outputs.iter().map(|o| {
        let v = format_ident!("{}", o.variant);
        let status = o.status;
        let header_names: Vec<Ident> = o.headers.iter().map(|h| ident(&h.field)).collect();
        let sets = o.headers.iter().map(|h| {
            let f = ident(&h.field);
            let wire = &h.wire_name;
            let text = if matches!(h.ty, Ty::Str(_)) { quote!(&#f) } else { quote!(&#f.to_string()) };
            if h.required {
                quote! { __response = __response.with_header(::keel::__private::header::HeaderName::from_static(#wire), #text)?; }
            } else {
                let text = if matches!(h.ty, Ty::Str(_)) { quote!(&__h) } else { quote!(&__h.to_string()) };
                quote! {
                    if let ::std::option::Option::Some(__h) = #f {
                        __response = __response.with_header(::keel::__private::header::HeaderName::from_static(#wire), #text)?;
                    }
                }
            }
        });
        let make = if o.body.is_some() {
            quote!(::keel::Response::json(::keel::http::status(#status), &body))
        } else {
            quote!(::keel::Response::empty(::keel::http::status(#status)))
        };
        let pattern = if o.body.is_none() && o.headers.is_empty() {
            quote!(Output::#v)
        } else if o.body.is_some() {
            quote!(Output::#v { body, #(#header_names),* })
        } else {
            quote!(Output::#v { #(#header_names),* })
        };
        let set_links = super::links::set(&e.links_of(status), &quote!(body));
        quote! {
            #pattern => {
                let mut __response = #make;
                #(#sets)*
                #set_links
                ::std::result::Result::Ok(__response)
            }
        }
    });
    let segments = path.split("::").map(ident);
    let input_doc = format!(" The checked inputs of `{id}`.");
    let output_doc =
        format!(" What `{id}` responds with when it succeeds; errors are [`keel::Problem`]s.");
    let io = quote! {
        #[doc = #input_doc]
        #[derive(Debug, Clone, PartialEq)]
        pub struct Input { #caller_field #(#fields)* }

        #[doc = #output_doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum Output { #(#variants)* }
    };
    let run = quote! {
        let __input = Input { #caller_value #(#names),* };
        let __output: Output = super::super::#(#segments)::*(__db, __input).await?;
        match __output {
            #(#arms)*
        }
    };
    (io, run)
}
