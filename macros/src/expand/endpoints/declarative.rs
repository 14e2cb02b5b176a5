//! The body of an endpoint implemented by queries: bind its statements,
//! run them in one batch, refuse the request if a guard fired, and build
//! the response from the rows (with its page's cursor and link headers).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::check::plan::*;
use crate::expand::queries::{claim_value, static_name};
use crate::expand::{field_type, ident, is_copy};
use crate::sql::Cardinality;
use crate::sql::infer::SqlType;

pub(super) fn run(plan: &Plan, e: &EndpointPlan) -> TokenStream {
    let EndpointKind::Declarative {
        statements,
        guards,
        writes,
        response,
    } = &e.kind
    else {
        return TokenStream::new();
    };
    let mut out = TokenStream::new();
    let body_fields: &[FieldPlan] = e
        .body
        .as_ref()
        .and_then(|b| {
            plan.types.iter().find_map(|t| match t {
                TypePlan::Object { name, fields, .. } if name == b => Some(fields.as_slice()),
                _ => None,
            })
        })
        .unwrap_or(&[]);

    // An array or object of the body is bound as JSON text: written once,
    // however many statements read it.
    let mut written: Vec<&str> = Vec::new();
    for arg in statements.iter().flat_map(|s| &s.args) {
        if let ArgSource::BodyField(name, Ty::Vec(_) | Ty::Object(_)) = arg
            && !written.contains(&name.as_str())
        {
            written.push(name);
            let var = json_arg(name);
            let value = body_json(name, body_fields);
            out.extend(quote! { let #var: ::keel::Value = #value; });
        }
    }

    if statements
        .iter()
        .any(|s| s.args.contains(&ArgSource::Nonce))
    {
        out.extend(quote! { let __nonce = ::keel::Value::from(::keel::token::random_hex(16)?); });
    }

    if let Some(page) = &response.page {
        // A cursor continues the query it came from: the same filters and,
        // where the query binds the caller, the same caller.
        let adds = statements[page.stmt].args.iter().filter_map(|a| {
            let name = match a {
                ArgSource::Param(p) | ArgSource::BodyField(p, _) => p.clone(),
                ArgSource::Claim(c) => format!("auth_{}", plan.security.claim_name(*c)),
                ArgSource::Limit | ArgSource::Scan | ArgSource::After(_) | ArgSource::Nonce => {
                    return None;
                }
            };
            let value = arg_value(plan, a, e);
            Some(quote! { __fp.add(#name, &#value); })
        });
        let types = page.key_types.iter().map(|t| match t {
            SqlType::Integer => quote!(::keel::cursor::KeyType::Integer),
            SqlType::Real => quote!(::keel::cursor::KeyType::Real),
            SqlType::Text => quote!(::keel::cursor::KeyType::Text),
            SqlType::Blob | SqlType::Unknown => quote!(::keel::cursor::KeyType::Any),
        });
        out.extend(quote! {
            let mut __fp = ::keel::cursor::Fingerprint::new();
            #(#adds)*
            let __fp = __fp.finish();
            let __after: ::std::vec::Vec<::keel::Value> = match &cursor {
                ::std::option::Option::Some(__cursor) => {
                    match ::keel::cursor::decode(__cx.keys.cursor(), __cursor, __fp, &[#(#types),*]) {
                        ::std::result::Result::Ok(__keys) => __keys,
                        ::std::result::Result::Err(__err) => return ::std::result::Result::Err(__err.problem()),
                    }
                }
                ::std::option::Option::None => ::std::vec::Vec::new(),
            };
        });
    }

    let stmts = statements.iter().map(|s| {
        let q = &plan.queries[s.query];
        let module = ident(&q.module);
        let name = static_name(q);
        let args = s.args.iter().map(|a| arg_value(plan, a, e));
        quote! { ::keel::Statement { sql: &queries::#module::#name, params: ::std::vec![#(#args),*] } }
    });
    let count = statements.len();
    let results: Vec<Ident> = (0..count).map(|i| format_ident!("__r{}", i)).collect();
    out.extend(quote! {
        let __results = ::keel::Database::execute(__db, ::std::vec![#(#stmts),*]).await?;
        let [#(#results),*]: [::keel::ResultSet; #count] = match __results.try_into() {
            ::std::result::Result::Ok(all) => all,
            ::std::result::Result::Err(_) => return ::std::result::Result::Err(::keel::DbError::Other("the database returned the wrong number of results".into()).into()),
        };
    });

    for guard in guards {
        out.extend(super::guards::refuse(
            plan, guard, statements, writes, &results,
        ));
    }

    if let Some((stmt, cardinality)) = response.root {
        let r = &results[stmt];
        let query = &plan.queries[statements[stmt].query].full_name;
        out.extend(match cardinality {
            Cardinality::Optional => {
                let detail = &response.not_found;
                quote! {
                    let ::std::option::Option::Some(__root) = #r.rows().next() else {
                        return ::std::result::Result::Err(::keel::Problem::not_found(#detail));
                    };
                }
            }
            _ => quote! {
                let ::std::option::Option::Some(__root) = #r.rows().next() else {
                    return ::std::result::Result::Err(::keel::DbError::NoRow { query: #query }.into());
                };
            },
        });
    }

    if let (Some(page), Some(body)) = (&response.page, &response.body) {
        let r = &results[page.stmt];
        let item = body.fields.iter().find_map(|(_, f)| match f {
            Fill::Rows {
                paginated: true,
                item,
                ..
            } => Some(item),
            _ => None,
        });
        if let Some(item) = item {
            let row = format_ident!("__row");
            let item_expr = fill_expr(item, &row, &results);
            let keys = page
                .key_columns
                .iter()
                .map(|c| quote!(__last.value(#c)?.clone()));
            let keys = quote!(&[#(#keys),*]);
            // With `scan:`, the row marked `resume` is where the query
            // stopped examining rows, not an item: the next page continues
            // after it. Otherwise a row past the page says another follows,
            // after the page's last item.
            let resume = page.scan.map(|(_, resume)| {
                quote! {
                    if __row.get::<bool>(#resume)? {
                        __continue = ::std::option::Option::Some(__row);
                        break;
                    }
                }
            });
            out.extend(quote! {
                let __limit = usize::try_from(limit).unwrap_or(0);
                let mut __items = ::std::vec::Vec::with_capacity(__limit);
                let mut __last_item = ::std::option::Option::None;
                let mut __continue = ::std::option::Option::None;
                for __row in #r.rows() {
                    #resume
                    if __items.len() == __limit {
                        __continue = __last_item;
                        break;
                    }
                    __items.push(#item_expr);
                    __last_item = ::std::option::Option::Some(__row);
                }
                let __next_cursor = match __continue {
                    ::std::option::Option::Some(__last) => ::std::option::Option::Some(::keel::cursor::encode(__cx.keys.cursor(), __fp, #keys)?),
                    ::std::option::Option::None => ::std::option::Option::None,
                };
            });
        }
    }

    let status = response.status;
    match &response.body {
        Some(body) => {
            let root = format_ident!("__root");
            let value = object_expr(body, &root, &results);
            let set_links = super::links::set(&e.links_of(status), &quote!(__body));
            // `etag:`: the root row says which version this is; a GET's
            // validation uses it instead of hashing the body.
            let set_etag = response.etag.map(|col| {
                quote! {
                    __response.headers.insert(::keel::__private::header::ETAG, ::keel::cache::declared(__root.value(#col)?));
                }
            });
            out.extend(quote! {
                let __body = #value;
                let mut __response = ::keel::Response::json(::keel::http::status(#status), &__body);
                #set_links
                #set_etag
                ::std::result::Result::Ok(__response)
            });
        }
        None => out.extend(quote! {
            ::std::result::Result::Ok(::keel::Response::empty(::keel::http::status(#status)))
        }),
    }
    out
}

fn arg_value(plan: &Plan, arg: &ArgSource, e: &EndpointPlan) -> TokenStream {
    match arg {
        ArgSource::Claim(claim) => claim_value(plan, *claim, &quote!(__caller)),
        ArgSource::Param(name) => {
            let var = ident(name);
            match e.params.iter().find(|p| &p.name == name) {
                Some(p) if is_copy(&p.ty) => quote!(::keel::Value::from(#var)),
                _ => quote!(::keel::Value::from(#var.clone())),
            }
        }
        ArgSource::BodyField(name, ty) => {
            let f = ident(name);
            match ty {
                Ty::Vec(_) | Ty::Object(_) => {
                    let var = json_arg(name);
                    quote!(#var.clone())
                }
                t if is_copy(t) => quote!(::keel::Value::from(body.#f)),
                _ => quote!(::keel::Value::from(body.#f.clone())),
            }
        }
        ArgSource::Limit => quote!(::keel::Value::Integer(limit + 1)),
        ArgSource::Scan => {
            let scan = i64::try_from(response_scan(e)).unwrap_or(i64::MAX);
            quote!(::keel::Value::Integer(#scan))
        }
        ArgSource::After(k) => quote!(__after.get(#k).cloned().unwrap_or(::keel::Value::Null)),
        ArgSource::Nonce => quote!(__nonce.clone()),
    }
}

/// The variable holding body field `name` as JSON text.
fn json_arg(name: &str) -> Ident {
    format_ident!("__json_{}", name)
}

/// Body field `name` (an array or object) as a JSON text value, `NULL`
/// when it is absent or null.
fn body_json(name: &str, body_fields: &[FieldPlan]) -> TokenStream {
    let f = ident(name);
    let option = body_fields
        .iter()
        .find(|b| b.name == name)
        .is_some_and(|b| b.optional || b.nullable);
    if option {
        quote! {
            match &body.#f {
                ::std::option::Option::Some(__x) => ::keel::value::json_text(__x)?,
                ::std::option::Option::None => ::keel::Value::Null,
            }
        }
    } else {
        quote!(::keel::value::json_text(&body.#f)?)
    }
}

pub(crate) fn object_expr(fill: &ObjectFill, row: &Ident, results: &[Ident]) -> TokenStream {
    let t = format_ident!("{}", fill.type_name);
    let fields = fill.fields.iter().map(|(name, f)| {
        let n = ident(name);
        let v = fill_expr(f, row, results);
        quote!(#n: #v)
    });
    quote!(types::#t { #(#fields),* })
}

fn fill_expr(fill: &Fill, row: &Ident, results: &[Ident]) -> TokenStream {
    match fill {
        Fill::Column { col, ty, option } => {
            let t = field_type(ty, *option);
            quote!(#row.get::<#t>(#col)?)
        }
        Fill::Object(inner) => object_expr(inner, row, results),
        Fill::NextCursor => quote!(__next_cursor),
        Fill::Rows {
            paginated: true,
            field_option,
            ..
        } => {
            if *field_option {
                quote!(::std::option::Option::Some(__items))
            } else {
                quote!(__items)
            }
        }
        Fill::Rows {
            stmt,
            cardinality,
            item,
            field_option,
            ..
        } => {
            let r = &results[*stmt];
            let item_row = format_ident!("__row");
            let scalar_option = matches!(item.as_ref(), Fill::Column { option: true, .. });
            let item = fill_expr(item, &item_row, results);
            let method = match cardinality {
                Cardinality::One => quote!(one),
                Cardinality::Optional => quote!(optional),
                _ => quote!(many),
            };
            let rows =
                quote!(#r.#method(|__row| ::std::result::Result::Ok::<_, ::keel::DbError>(#item))?);
            match (cardinality, *field_option, scalar_option) {
                // An optional row holding a nullable scalar: either gives None.
                (Cardinality::Optional, _, true) => quote!(#rows.flatten()),
                (Cardinality::Optional, _, false) => rows,
                // Exactly one row, or a list, into a field that is an Option.
                (_, true, false) => quote!(::std::option::Option::Some(#rows)),
                _ => rows,
            }
        }
    }
}

/// The most rows a page of `e` examines (`paginate.scan`).
fn response_scan(e: &EndpointPlan) -> u64 {
    match &e.kind {
        EndpointKind::Declarative { response, .. } => response
            .page
            .as_ref()
            .and_then(|p| p.scan)
            .map_or(0, |(rows, _)| rows),
        EndpointKind::Handler { .. } => 0,
    }
}
