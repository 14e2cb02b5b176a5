//! `POST /v1/orders`, written as `app/src/orders.rs` and
//! `app/queries/orders.sql` write an order: one transaction that reads the
//! availability, inserts the order only if every line can be served, then
//! its lines, and reads back what it wrote.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use rusqlite::{OptionalExtension, TransactionBehavior, named_params};
use serde::{Deserialize, Serialize};

use super::{Money, StockLine, check_lines, json, json_body, random_hex, to_json_text, violation};
use crate::App;
use crate::auth::{self, Caller, Role};
use crate::problem::Problem;

#[derive(Serialize)]
struct OrderLine {
    line: i64,
    sku: String,
    product_id: i64,
    name: String,
    quantity: i64,
    unit_price: Money,
    line_total: Money,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Address {
    name: String,
    line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line2: Option<String>,
    city: String,
    postal_code: String,
    country: String,
}

#[derive(Serialize)]
struct Order {
    id: i64,
    customer_id: i64,
    status: String,
    items: Vec<OrderLine>,
    total: Money,
    shipping_address: Address,
    created_at: String,
    updated_at: String,
}

// ---------------------------------------------------------------------------
// POST /v1/orders

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateOrderRequest {
    #[serde(default)]
    customer_id: Option<i64>,
    items: Vec<StockLine>,
    shipping_address: Address,
}

/// `check_lines` as `insert_order` saw the stock.
struct CheckedLine {
    line: i64,
    sku: String,
    requested: i64,
    available: i64,
    known: bool,
    sufficient: bool,
}

struct PlacedOrder {
    id: i64,
    customer_id: i64,
    status: String,
    total_cents: i64,
    currency: String,
    address: Address,
    created_at: String,
    updated_at: String,
}

pub(crate) async fn create_order(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    // Who is calling, before anything about the request is read.
    let caller = auth::authenticate(&app.keys, &headers, auth::now())?;
    if headers.contains_key("idempotency-key") {
        // The generated server records the response under the key; this
        // baseline does not, and the load test sends no key (with which
        // the generated server does no idempotency work either).
        return Err(Problem::new(
            StatusCode::NOT_IMPLEMENTED,
            "not-implemented",
            "Not implemented",
        )
        .with_detail("this baseline does not implement Idempotency-Key"));
    }
    let request: CreateOrderRequest = json_body(&headers, body)?;
    let mut errors = Vec::new();
    if request.customer_id.is_some_and(|id| id < 1) {
        errors.push(violation("#/body/customer_id", "must be at least 1"));
    }
    check_lines(&request.items, &mut errors);
    let address = &request.shipping_address;
    for (pointer, value, min, max) in [
        ("#/body/shipping_address/name", Some(&address.name), 1, 200),
        (
            "#/body/shipping_address/line1",
            Some(&address.line1),
            1,
            200,
        ),
        (
            "#/body/shipping_address/line2",
            address.line2.as_ref(),
            0,
            200,
        ),
        ("#/body/shipping_address/city", Some(&address.city), 1, 100),
        (
            "#/body/shipping_address/postal_code",
            Some(&address.postal_code),
            1,
            20,
        ),
    ] {
        if value.is_some_and(|v| !(min..=max).contains(&v.chars().count())) {
            errors.push(violation(
                pointer,
                format!("must be {min} to {max} characters"),
            ));
        }
    }
    if address.country.len() != 2 || !address.country.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.push(violation(
            "#/body/shipping_address/country",
            "must match ^[A-Z]{2}$",
        ));
    }
    if !errors.is_empty() {
        return Err(Problem::invalid_body(errors));
    }
    check_customer(caller, request.customer_id)?;
    reject_duplicate_skus(&request.items)?;

    let order_ref = random_hex::<16>()?;
    let items = to_json_text(&request.items)?;
    let customer_id = request.customer_id;
    let address = to_json_text(&request.shipping_address)?;
    let (role, sub) = (caller.role.as_str(), caller.sub);
    // One transaction, with the app's SQL: read the availability (to
    // explain a refusal), insert the order only if every line can be
    // served, its lines (whose trigger reserves the stock), then read back
    // what was written, by the request's random token as the generated
    // server finds it by its nonce. (The generated server explains a
    // refusal with its guards instead of the availability read.)
    let (lines, order, order_lines) = app
        .db
        .write(move |conn, sql| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let lines = tx
                .prepare_cached(sql.check_lines)?
                .query_map(named_params! { ":items": items }, |r| {
                    Ok(CheckedLine {
                        line: r.get(0)?,
                        sku: r.get(1)?,
                        requested: r.get(2)?,
                        available: r.get(3)?,
                        known: r.get(4)?,
                        sufficient: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tx.prepare_cached(sql.insert_order)?
                .execute(named_params! {
                    ":nonce": order_ref,
                    ":auth_role": role,
                    ":customer_id": customer_id,
                    ":auth_sub": sub,
                    ":shipping_address": address,
                    ":items": items,
                })?;
            let by_token =
                named_params! { ":nonce": order_ref, ":auth_role": role, ":auth_sub": sub };
            tx.prepare_cached(sql.insert_order_lines)?
                .execute(named_params! {
                    ":nonce": order_ref,
                    ":auth_role": role,
                    ":auth_sub": sub,
                    ":items": items,
                })?;
            let order = tx
                .prepare_cached(sql.placed_order)?
                .query_row(by_token, |r| {
                    Ok(PlacedOrder {
                        id: r.get(0)?,
                        customer_id: r.get(1)?,
                        status: r.get(2)?,
                        total_cents: r.get(3)?,
                        currency: r.get(4)?,
                        address: Address {
                            name: r.get(5)?,
                            line1: r.get(6)?,
                            line2: r.get(7)?,
                            city: r.get(8)?,
                            postal_code: r.get(9)?,
                            country: r.get(10)?,
                        },
                        created_at: r.get(11)?,
                        updated_at: r.get(12)?,
                    })
                })
                .optional()?;
            let order_lines = tx
                .prepare_cached(sql.placed_order_lines)?
                .query_map(named_params! { ":nonce": order_ref }, |r| {
                    Ok(OrderLine {
                        line: r.get(0)?,
                        sku: r.get(1)?,
                        product_id: r.get(2)?,
                        name: r.get(3)?,
                        quantity: r.get(4)?,
                        unit_price: Money {
                            amount_cents: r.get(5)?,
                            currency: r.get(6)?,
                        },
                        line_total: Money {
                            amount_cents: r.get(7)?,
                            currency: r.get(8)?,
                        },
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tx.commit()?;
            Ok((lines, order, order_lines))
        })
        .await?;

    let Some(order) = order else {
        // `insert_order` wrote nothing; the availability read says why.
        return Err(refusal(&lines));
    };
    let location = HeaderValue::try_from(format!("/v1/orders/{}", order.id))
        .map_err(|_| Problem::internal("an order id that is no header value"))?;
    let mut response = json(
        StatusCode::CREATED,
        &Order {
            id: order.id,
            customer_id: order.customer_id,
            status: order.status,
            items: order_lines,
            total: Money {
                amount_cents: order.total_cents,
                currency: order.currency,
            },
            shipping_address: order.address,
            created_at: order.created_at,
            updated_at: order.updated_at,
        },
    )?;
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// A customer orders for themselves; staff name the customer.
fn check_customer(caller: Caller, customer_id: Option<i64>) -> Result<(), Problem> {
    match (caller.role, customer_id) {
        (Role::Customer, Some(id)) if id != caller.sub => Err(Problem::forbidden(
            "a customer orders for themselves: leave out `customer_id`, or give your own",
        )),
        (Role::Staff, None) => Err(Problem::invalid_body(Vec::new())
            .with_detail("staff must name the customer the order is for")
            .with_violation(
                "#/body/customer_id",
                "is required when staff place an order",
            )),
        _ => Ok(()),
    }
}

fn reject_duplicate_skus(items: &[StockLine]) -> Result<(), Problem> {
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    let mut problem: Option<Problem> = None;
    for (index, item) in items.iter().enumerate() {
        if let Some(first) = first_line.insert(&item.sku, index) {
            problem = Some(
                problem
                    .unwrap_or_else(|| {
                        Problem::invalid_body(Vec::new())
                            .with_detail("each SKU may appear in one line only")
                    })
                    .with_violation(
                        format!("#/body/items/{index}/sku"),
                        format!(
                            "repeats the SKU of line {first}; order it once with the total quantity"
                        ),
                    ),
            );
        }
    }
    problem.map_or(Ok(()), Err)
}

/// Why `insert_order` wrote nothing: unknown SKUs (422), short stock (409)
/// or mixed currencies (422).
fn refusal(lines: &[CheckedLine]) -> Problem {
    let unknown: Vec<&CheckedLine> = lines.iter().filter(|l| !l.known).collect();
    if !unknown.is_empty() {
        let skus: Vec<&str> = unknown.iter().map(|l| l.sku.as_str()).collect();
        return unknown.iter().fold(
            Problem::invalid_body(Vec::new())
                .with_detail(format!("unknown SKU: {}", skus.join(", "))),
            |p, l| {
                p.with_violation(
                    format!("#/body/items/{}/sku", l.line),
                    "no product has this SKU",
                )
            },
        );
    }
    let short: Vec<&CheckedLine> = lines.iter().filter(|l| !l.sufficient).collect();
    if !short.is_empty() {
        let skus: Vec<&str> = short.iter().map(|l| l.sku.as_str()).collect();
        let problem = Problem::new(
            StatusCode::CONFLICT,
            "insufficient-stock",
            "Insufficient stock",
        )
        .with_detail(format!(
            "not enough stock for {}; nothing was reserved",
            skus.join(", ")
        ))
        .with_extension("short_skus", skus.clone());
        return short.iter().fold(problem, |p, l| {
            p.with_violation(
                format!("#/body/items/{}/quantity", l.line),
                format!(
                    "{} of {} requested, {} available",
                    l.sku, l.requested, l.available
                ),
            )
        });
    }
    Problem::invalid_body(Vec::new())
        .with_detail("all lines of an order must be priced in one currency")
        .with_violation(
            "#/body/items",
            "the products of these lines are priced in different currencies",
        )
}
