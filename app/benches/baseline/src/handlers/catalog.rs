//! The catalog: `GET /healthz`, `GET /v1/products/{product_id}` and
//! `GET /v1/products`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, named_params};
use serde::{Deserialize, Serialize};

use super::{Money, json_get, violation};
use crate::App;
use crate::cursor::{self, Fingerprint};
use crate::problem::{Problem, Violation};

#[derive(Serialize)]
struct CategoryRef {
    slug: String,
    name: String,
}

#[derive(Serialize)]
struct Availability {
    on_hand: i64,
    reserved: i64,
    available: i64,
    warehouses_in_stock: i64,
}

#[derive(Serialize)]
struct ProductDetail {
    id: i64,
    sku: String,
    name: String,
    description: Option<String>,
    category: CategoryRef,
    price: Money,
    created_at: String,
    availability: Availability,
}

#[derive(Serialize)]
struct Product {
    id: i64,
    sku: String,
    name: String,
    category: CategoryRef,
    price: Money,
    in_stock: bool,
    created_at: String,
}

#[derive(Serialize)]
struct ProductPage {
    items: Vec<Product>,
    next_cursor: Option<String>,
}

/// `Cache-Control` of the catalog's answers: caches may reuse one for 30 s
/// and serve it a minute more while they revalidate it.
const CATALOG_CACHE: &str = "public, max-age=30, stale-while-revalidate=60";
/// The most products a listing page examines (`paginate.scan` in the spec).
const SCAN: i64 = 1000;

// ---------------------------------------------------------------------------
// GET /healthz

#[derive(Serialize)]
struct Health {
    status: String,
}

pub(crate) async fn health(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let status = app
        .db
        .lookup(|conn, sql| conn.prepare_cached(sql.ping)?.query_row([], |r| r.get(0)))
        .await?;
    json_get(&headers, "no-cache", &Health { status })
}

// ---------------------------------------------------------------------------
// GET /v1/products/{product_id}

pub(crate) async fn get_product(
    State(app): State<App>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let id = match raw.parse::<i64>() {
        Ok(id) if id >= 1 => id,
        Ok(_) => return Err(invalid_path("must be at least 1".to_owned())),
        Err(_) => return Err(invalid_path(format!("must be an integer, got {raw:?}"))),
    };
    let found = app
        .db
        .lookup(move |conn, sql| {
            // Two statements, one snapshot.
            let tx = conn.transaction()?;
            let product = tx
                .prepare_cached(sql.get_product)?
                .query_row(named_params! { ":product_id": id }, |r| {
                    Ok(ProductDetail {
                        id: r.get(0)?,
                        sku: r.get(1)?,
                        name: r.get(2)?,
                        description: r.get(3)?,
                        category: CategoryRef {
                            slug: r.get(4)?,
                            name: r.get(5)?,
                        },
                        price: Money {
                            amount_cents: r.get(6)?,
                            currency: r.get(7)?,
                        },
                        created_at: r.get(8)?,
                        availability: Availability {
                            on_hand: 0,
                            reserved: 0,
                            available: 0,
                            warehouses_in_stock: 0,
                        },
                    })
                })
                .optional()?;
            let availability = tx.prepare_cached(sql.product_stock)?.query_row(
                named_params! { ":product_id": id },
                |r| {
                    Ok(Availability {
                        on_hand: r.get(0)?,
                        reserved: r.get(1)?,
                        available: r.get(2)?,
                        warehouses_in_stock: r.get(3)?,
                    })
                },
            )?;
            tx.commit()?;
            Ok(product.map(|p| ProductDetail { availability, ..p }))
        })
        .await?;
    match found {
        Some(product) => json_get(&headers, CATALOG_CACHE, &product),
        None => Err(Problem::not_found("No product has this id.")),
    }
}

fn invalid_path(detail: String) -> Problem {
    Problem::invalid_request(vec![Violation {
        pointer: "#/path/product_id".into(),
        detail,
    }])
}

// ---------------------------------------------------------------------------
// GET /v1/products

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    category: Option<String>,
    q: Option<String>,
    min_price: Option<i64>,
    max_price: Option<i64>,
    in_stock: Option<bool>,
    #[serde(default)]
    sort: Sort,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Sort {
    PriceAsc,
    PriceDesc,
    #[default]
    Newest,
    Name,
}

impl Sort {
    fn as_str(self) -> &'static str {
        match self {
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
            Sort::Newest => "newest",
            Sort::Name => "name",
        }
    }
}

pub(crate) async fn list_products(
    State(app): State<App>,
    headers: HeaderMap,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Query(params) = query.map_err(|rejection| {
        Problem::invalid_request(vec![Violation {
            pointer: "#/query".into(),
            detail: rejection.body_text(),
        }])
    })?;
    let mut errors = Vec::new();
    if let Some(category) = &params.category
        && (category.len() > 64
            || category.is_empty()
            || !category
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        errors.push(violation(
            "#/query/category",
            "must be 1 to 64 of a-z, 0-9 and -",
        ));
    }
    if let Some(q) = &params.q
        && !(1..=100).contains(&q.chars().count())
    {
        errors.push(violation("#/query/q", "must be 1 to 100 characters"));
    }
    for (pointer, price) in [
        ("#/query/min_price", params.min_price),
        ("#/query/max_price", params.max_price),
    ] {
        if price.is_some_and(|p| p < 0) {
            errors.push(violation(pointer, "must be at least 0"));
        }
    }
    let limit = params.limit.unwrap_or(20);
    match limit {
        ..1 => errors.push(violation("#/query/limit", "must be at least 1")),
        101.. => errors.push(violation("#/query/limit", "must be at most 100")),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(Problem::invalid_request(errors));
    }

    // What the query binds, in the order it first names them.
    let sort = params.sort.as_str();
    let in_stock = params.in_stock.map(i64::from);
    let mut fp = Fingerprint::new();
    fp.add_text("category", params.category.as_deref());
    fp.add_text("q", params.q.as_deref());
    fp.add_integer("min_price", params.min_price);
    fp.add_integer("max_price", params.max_price);
    fp.add_text("sort", Some(sort));
    fp.add_integer("in_stock", in_stock);
    let fp = fp.finish();
    let (after_sort_key, after_id) = match &params.cursor {
        Some(raw) => {
            let (key, id) = cursor::decode(&app.cursor, raw, fp)?;
            (key, Some(id))
        }
        None => (Value::Null, None),
    };

    let ListParams {
        category,
        q,
        min_price,
        max_price,
        ..
    } = params;
    let mut rows = app
        .db
        .read(move |conn, sql| {
            let mut stmt = conn.prepare_cached(sql.list_products)?;
            let rows = stmt.query_map(
                named_params! {
                    ":category": category,
                    ":q": q,
                    ":min_price": min_price,
                    ":max_price": max_price,
                    ":sort": sort,
                    ":in_stock": in_stock,
                    ":after_sort_key": after_sort_key,
                    ":after_id": after_id,
                    // One more than a page: whether there is a next page.
                    ":limit": limit + 1,
                    // The most products a page examines.
                    ":scan": SCAN,
                },
                |r| {
                    let product = Product {
                        id: r.get(0)?,
                        sku: r.get(1)?,
                        name: r.get(2)?,
                        category: CategoryRef {
                            slug: r.get(3)?,
                            name: r.get(4)?,
                        },
                        price: Money {
                            amount_cents: r.get(5)?,
                            currency: r.get(6)?,
                        },
                        in_stock: r.get(7)?,
                        created_at: r.get(8)?,
                    };
                    let sort_key: Value = r.get(9)?;
                    let resume: bool = r.get(10)?;
                    Ok((product, sort_key, resume))
                },
            )?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
    // A short page ends with the product where the walk stopped, which is
    // where the next page continues, not an item.
    let resume = match rows.last() {
        Some((_, _, true)) => rows.pop(),
        _ => None,
    };
    let page = usize::try_from(limit).unwrap_or(0);
    let next_cursor = if rows.len() > page {
        rows.truncate(page);
        match rows.last() {
            Some((last, key, _)) => Some(cursor::encode(&app.cursor, fp, key, last.id)?),
            None => None,
        }
    } else {
        match resume {
            Some((last, key, _)) => Some(cursor::encode(&app.cursor, fp, &key, last.id)?),
            None => None,
        }
    };
    json_get(
        &headers,
        CATALOG_CACHE,
        &ProductPage {
            items: rows.into_iter().map(|(product, _, _)| product).collect(),
            next_cursor,
        },
    )
}
