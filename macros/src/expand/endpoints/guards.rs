//! A guard's check: when its query returned a row, the request is refused
//! with the declared problem, filled from the rows (see `check::guard`).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::check::plan::{GuardPlan, Plan, StatementPlan};
use crate::expand::field_type;

/// Returns the guard's problem from the handler when its statement
/// returned a row. `results` are the batch's result variables.
pub(super) fn refuse(
    plan: &Plan,
    g: &GuardPlan,
    statements: &[StatementPlan],
    writes: &[usize],
    results: &[Ident],
) -> TokenStream {
    let r = &results[g.stmt];
    let status = g.status;
    let kind = &g.kind;
    let title = &g.title;
    let query = &g.query;
    let detail = g.detail.map(|(col, nullable)| {
        if nullable {
            quote! {
                if let ::std::option::Option::Some(__detail) = __first.get::<::std::option::Option<::std::string::String>>(#col)? {
                    __problem = __problem.with_detail(__detail);
                }
            }
        } else {
            quote! { __problem = __problem.with_detail(__first.get::<::std::string::String>(#col)?); }
        }
    });
    let members = g.members.iter().map(|m| {
        let name = &m.name;
        let col = m.col;
        let t = field_type(&m.ty, false);
        if m.list {
            // One item per row; a NULL adds none.
            quote! {
                let __items = #r
                    .rows()
                    .filter_map(|__row| __row.get::<::std::option::Option<#t>>(#col).transpose())
                    .collect::<::std::result::Result<::std::vec::Vec<#t>, ::keel::DbError>>()?;
                __problem = ::keel::guard::member(__problem, #name, &__items);
            }
        } else if m.option {
            quote! {
                if let ::std::option::Option::Some(__value) = __first.get::<::std::option::Option<#t>>(#col)? {
                    __problem = ::keel::guard::member(__problem, #name, &__value);
                }
            }
        } else {
            quote! { __problem = ::keel::guard::member(__problem, #name, &__first.get::<#t>(#col)?); }
        }
    });
    let errors = g.errors.map(|(pointer, detail)| {
        quote! {
            for __row in #r.rows() {
                if let ::std::option::Option::Some(__pointer) = __row.get::<::std::option::Option<::std::string::String>>(#pointer)? {
                    __problem = ::keel::guard::violation(__problem, __pointer, __row.get::<::std::string::String>(#detail)?);
                }
            }
        }
    });
    let written = writes.iter().map(|&w| {
        let name = &plan.queries[statements[w].query].full_name;
        let result = &results[w];
        quote!((#name, #result.changes()))
    });
    quote! {
        if let ::std::option::Option::Some(__first) = #r.rows().next() {
            let mut __problem = ::keel::guard::problem(::keel::http::status(#status), #kind, #title);
            #detail
            #(#members)*
            #errors
            return ::std::result::Result::Err(::keel::guard::refuse(__problem, #query, &[#(#written),*]));
        }
    }
}
