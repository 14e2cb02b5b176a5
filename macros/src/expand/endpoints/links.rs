//! Link headers: the URL of another endpoint, made from the response body
//! (`Location: /v1/orders/42`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::check::plan::{LinkPlan, LinkSegment, Ty};
use crate::expand::ident;

/// Sets each of `links` on `__response` from `body` (an expression of the
/// response's body type).
pub(super) fn set(links: &[&LinkPlan], body: &TokenStream) -> TokenStream {
    let sets = links.iter().map(|link| {
        let wire = &link.wire_name;
        let parts = link.segments.iter().map(|s| match s {
            LinkSegment::Static(text) => {
                let text = format!("/{text}");
                quote! { __url.push_str(#text); }
            }
            LinkSegment::Field(field, ty) => {
                let f = ident(field);
                let value = match ty {
                    Ty::Str(_) => quote!(&#body.#f),
                    Ty::Enum(_) => quote!(::keel::StringEnum::as_str(&#body.#f)),
                    _ => quote!(&#body.#f.to_string()),
                };
                quote! {
                    __url.push('/');
                    ::keel::http::push_segment(&mut __url, #value);
                }
            }
        });
        quote! {
            {
                let mut __url = ::std::string::String::new();
                #(#parts)*
                __response = __response.with_header(::keel::__private::header::HeaderName::from_static(#wire), &__url)?;
            }
        }
    });
    quote! { #(#sets)* }
}
