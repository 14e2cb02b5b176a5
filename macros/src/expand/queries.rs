//! The `queries` module: each annotated query as a `static` the batches
//! refer to, and a typed function plus row struct for queries a custom
//! handler runs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{field_type, ident};
use crate::check::plan::{BindingPlan, BoundParam, ClaimRef, Plan, QueryPlan};
use crate::names;
use crate::sql::Cardinality;

pub(super) fn expand(plan: &Plan) -> TokenStream {
    let mut modules: Vec<&str> = plan.queries.iter().map(|q| q.module.as_str()).collect();
    modules.dedup();
    // The reads of idempotent endpoints, whose rows a record copies.
    let copied: Vec<usize> = plan
        .endpoints
        .iter()
        .filter_map(|e| e.idempotency.as_ref())
        .flat_map(|i| i.reads.iter().copied())
        .collect();
    let mods = modules.iter().map(|module| {
        let items = plan
            .queries
            .iter()
            .enumerate()
            .filter(|(_, q)| q.module == *module)
            .map(|(i, q)| {
                let mut item = query(plan, q);
                if copied.contains(&i) {
                    item.extend(snapshot(q));
                }
                item
            });
        let mname = ident(module);
        let mdoc = format!(" The queries of `{module}.sql`.");
        quote! {
            #[doc = #mdoc]
            pub mod #mname {
                #[allow(unused_imports)]
                use super::super::types;
                #[allow(unused_imports)]
                use super::super::auth;
                #(#items)*
            }
        }
    });
    quote! {
        /// The annotated SQL queries, ready to bind and run.
        pub mod queries {
            #(#mods)*
        }
    }
}

/// The name of the `static` that copies a query's rows into an
/// idempotency record.
pub(super) fn snapshot_name(q: &QueryPlan) -> proc_macro2::Ident {
    format_ident!("{}_SNAPSHOT", names::to_shouty(&q.name))
}

/// The statement that appends a read's rows to the idempotency record of
/// the request (see `keel::idempotency`): the query's own parameters, then
/// principal, operation and key.
fn snapshot(q: &QueryPlan) -> TokenStream {
    let name = snapshot_name(q);
    let full = format!("{}.snapshot", q.full_name);
    let columns = q
        .columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let n = q.param_count;
    // The query on lines of its own, so that a trailing comment in it
    // cannot swallow what follows.
    let text = format!(
        "UPDATE keel_idempotency SET results = json_insert(results, '$[#-1][#]', \
         json((SELECT json_group_array(json_array({columns})) FROM (\n{}\n)))) \
         WHERE principal = ?{} AND operation = ?{} AND key = ?{}",
        q.rewritten,
        n + 1,
        n + 2,
        n + 3
    );
    let doc = format!(
        " Copies the rows of `{}` into an idempotency record.",
        q.full_name
    );
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        pub static #name: ::keel::Sql = ::keel::Sql {
            name: #full,
            text: #text,
            columns: &[],
            readonly: false,
            lookup: false,
        };
    }
}

/// The name of a query's `static`.
pub(super) fn static_name(q: &QueryPlan) -> proc_macro2::Ident {
    format_ident!("{}", names::to_shouty(&q.name))
}

fn query(plan: &Plan, q: &QueryPlan) -> TokenStream {
    let static_name = static_name(q);
    let full = &q.full_name;
    let text = &q.rewritten;
    let columns = &q.columns;
    let readonly = q.readonly;
    let lookup = q.lookup;
    let mut doc_text = String::new();
    if let Some(doc) = &q.doc {
        doc_text.push_str(doc);
        doc_text.push_str("\n\n");
    }
    doc_text.push_str(&format!(
        "`{full}` ({}):\n\n```sql\n{}\n```",
        q.cardinality.as_str(),
        q.text
    ));
    let docs = doc_text.lines().map(|l| format!(" {l}"));
    let binding = q
        .binding
        .as_ref()
        .map(|b| binding(plan, q, b))
        .unwrap_or_default();
    quote! {
        #(#[doc = #docs])*
        pub static #static_name: ::keel::Sql = ::keel::Sql {
            name: #full,
            text: #text,
            columns: &[#(#columns),*],
            readonly: #readonly,
            lookup: #lookup,
        };
        #binding
    }
}

fn binding(plan: &Plan, q: &QueryPlan, b: &BindingPlan) -> TokenStream {
    let static_name = static_name(q);
    let fn_name = ident(&q.name);
    let pascal = names::to_pascal_case(&q.name);
    let params_name = format_ident!("{}Params", pascal);
    let row_name = format_ident!("{}Row", pascal);
    let full = &q.full_name;

    // `:auth_*` parameters come from the verified caller, never from
    // the handler's own values, so they are not fields of `…Params`.
    let values: Vec<TokenStream> = b
        .params
        .iter()
        .map(|(name, source)| match source {
            BoundParam::Field(..) => {
                let n = ident(name);
                quote!(::keel::Value::from(params.#n))
            }
            BoundParam::Claim(claim) => claim_value(plan, *claim, &quote!(caller)),
        })
        .collect();
    let fields: Vec<TokenStream> = b
        .params
        .iter()
        .filter_map(|(name, source)| match source {
            BoundParam::Field(ty, nullable) => {
                let n = ident(name);
                let t = field_type(ty, *nullable);
                let d = format!(" `:{name}`");
                Some(quote! { #[doc = #d] pub #n: #t, })
            }
            BoundParam::Claim(_) => None,
        })
        .collect();
    let caller_arg = b
        .params
        .iter()
        .any(|(_, s)| matches!(s, BoundParam::Claim(_)))
        .then(|| quote!(caller: &auth::Caller,));
    let (params_struct, params_arg) = if fields.is_empty() {
        (TokenStream::new(), TokenStream::new())
    } else {
        let pdoc = format!(" The parameters of `{full}`.");
        (
            quote! {
                #[doc = #pdoc]
                #[derive(Debug, Clone, PartialEq)]
                pub struct #params_name { #(#fields)* }
            },
            quote!(params: #params_name),
        )
    };

    let (row_struct, output, decode) = if q.cardinality == Cardinality::Exec {
        (
            TokenStream::new(),
            quote!(u64),
            quote!(|rs| ::std::result::Result::Ok(rs.changes())),
        )
    } else {
        let fields = b.row.iter().map(|(name, ty, nullable)| {
            let n = ident(name);
            let t = field_type(ty, *nullable);
            let d = format!(" Column `{name}`.");
            quote! { #[doc = #d] pub #n: #t, }
        });
        let gets = b.row.iter().enumerate().map(|(i, (name, _, _))| {
            let n = ident(name);
            quote!(#n: row.get(#i)?)
        });
        let rdoc = format!(" A row of `{full}`.");
        let output = match q.cardinality {
            Cardinality::One => quote!(#row_name),
            Cardinality::Optional => quote!(::std::option::Option<#row_name>),
            _ => quote!(::std::vec::Vec<#row_name>),
        };
        let method = match q.cardinality {
            Cardinality::One => quote!(one),
            Cardinality::Optional => quote!(optional),
            _ => quote!(many),
        };
        (
            quote! {
                #[doc = #rdoc]
                #[derive(Debug, Clone, PartialEq)]
                pub struct #row_name { #(#fields)* }

                impl #row_name {
                    fn from_row(row: ::keel::Row<'_>) -> ::std::result::Result<Self, ::keel::DbError> {
                        ::std::result::Result::Ok(Self { #(#gets),* })
                    }
                }
            },
            output,
            quote!(|rs| rs.#method(#row_name::from_row)),
        )
    };
    let fdoc = format!(" Binds `{full}` for [`keel::Database::run`].");
    quote! {
        #params_struct
        #row_struct
        #[doc = #fdoc]
        pub fn #fn_name(#caller_arg #params_arg) -> ::keel::Query<#output> {
            ::keel::Query::new(
                ::keel::Statement { sql: &#static_name, params: ::std::vec![#(#values),*] },
                #decode,
            )
        }
    }
}

/// The SQL value of a claim of `caller` (an `auth::Caller` expression).
pub(super) fn claim_value(plan: &Plan, claim: ClaimRef, caller: &TokenStream) -> TokenStream {
    let getter = ident(plan.security.claim_name(claim));
    quote!(::keel::Value::from(#caller.#getter()))
}
