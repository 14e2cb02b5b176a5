//! The `queries` module: each annotated query as a `static` the batches
//! refer to, and a typed function plus row struct for queries a custom
//! handler runs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{field_type, ident, is_copy};
use crate::check::plan::{BindingPlan, BoundParam, ClaimRef, MappedPlan, Plan, QueryPlan};
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
    // With `returns:`, the struct also takes the parameters of the queries
    // that fill the lists, once each.
    let mut all: Vec<&(String, BoundParam)> = b.params.iter().collect();
    for part in b.mapped.iter().flat_map(|m| m.part_params.iter().flatten()) {
        if !all.iter().any(|(n, _)| *n == part.0) {
            all.push(part);
        }
    }
    let fields: Vec<TokenStream> = all
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
    let caller_arg = all
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

    if let Some(mapped) = &b.mapped {
        let function = mapped_function(plan, q, mapped, &b.params, caller_arg, params_arg);
        return quote! { #params_struct #function };
    }
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

/// The function of a query mapped into a spec type (`returns:`): its
/// statement and those of the queries that fill the type's lists, in one
/// [`keel::Mapped`] that decodes into the type.
fn mapped_function(
    plan: &Plan,
    q: &QueryPlan,
    mapped: &MappedPlan,
    params: &[(String, BoundParam)],
    caller_arg: Option<TokenStream>,
    params_arg: TokenStream,
) -> TokenStream {
    let fn_name = ident(&q.name);
    let full = &q.full_name;
    let value = |(name, source): &(String, BoundParam)| match source {
        BoundParam::Field(ty, _) => {
            let n = ident(name);
            if is_copy(ty) {
                quote!(::keel::Value::from(params.#n))
            } else {
                quote!(::keel::Value::from(params.#n.clone()))
            }
        }
        BoundParam::Claim(claim) => claim_value(plan, *claim, &quote!(caller)),
    };
    let root_static = static_name(q);
    let root_values = params.iter().map(value);
    let parts = mapped
        .parts
        .iter()
        .zip(&mapped.part_params)
        .map(|(&part, part_params)| {
            let p = &plan.queries[part];
            let module = ident(&p.module);
            let name = static_name(p);
            let values = part_params.iter().map(value);
            quote! { ::keel::Statement { sql: &super::#module::#name, params: ::std::vec![#(#values),*] } }
        });
    let results: Vec<proc_macro2::Ident> = (0..=mapped.parts.len())
        .map(|i| format_ident!("__r{}", i))
        .collect();
    let root = format_ident!("__root");
    let object = crate::expand::endpoints::object_expr(&mapped.fill, &root, &results);
    let t = format_ident!("{}", mapped.type_name);
    let first = &results[0];
    let (output, body) = match mapped.cardinality {
        Cardinality::One => (
            quote!(types::#t),
            quote! {
                let ::std::option::Option::Some(#root) = #first.rows().next() else {
                    return ::std::result::Result::Err(::keel::DbError::NoRow { query: #full });
                };
                ::std::result::Result::Ok(#object)
            },
        ),
        Cardinality::Optional => (
            quote!(::std::option::Option<types::#t>),
            quote! {
                let ::std::option::Option::Some(#root) = #first.rows().next() else {
                    return ::std::result::Result::Ok(::std::option::Option::None);
                };
                ::std::result::Result::Ok(::std::option::Option::Some(#object))
            },
        ),
        _ => (
            quote!(::std::vec::Vec<types::#t>),
            quote!(#first.many(|#root| ::std::result::Result::Ok(#object))),
        ),
    };
    let fdoc = format!(
        " Binds `{full}` for [`keel::Database::run`]; its rows become [`types::{}`].",
        mapped.type_name
    );
    quote! {
        #[doc = #fdoc]
        pub fn #fn_name(#caller_arg #params_arg) -> ::keel::Mapped<#output> {
            ::keel::Mapped::new(
                ::std::vec![
                    ::keel::Statement { sql: &#root_static, params: ::std::vec![#(#root_values),*] },
                    #(#parts),*
                ],
                |__results: &[::keel::ResultSet]| {
                    let [#(#results),*] = __results else {
                        return ::std::result::Result::Err(::keel::DbError::Other("the database returned the wrong number of results".into()));
                    };
                    #body
                },
            )
        }
    }
}

/// The SQL value of a claim of `caller` (an `auth::Caller` expression).
pub(super) fn claim_value(plan: &Plan, claim: ClaimRef, caller: &TokenStream) -> TokenStream {
    let getter = ident(plan.security.claim_name(claim));
    quote!(::keel::Value::from(#caller.#getter()))
}
