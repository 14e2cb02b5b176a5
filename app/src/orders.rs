//! The two endpoints whose logic SQL alone cannot express: placing an order
//! (which must explain *why* it refused one) and moving an order along its
//! life cycle (which must tell a missing order from a forbidden move).
//!
//! Who may do what is decided in SQL too: the queries bind the caller's
//! role and id (`:auth_role`, `:auth_sub`), so a refused request changes
//! nothing whatever this code does; the Rust only explains the refusal.
//!
//! Both still reach the database in one round trip: the SQL is written so
//! that a refused write changes nothing, and the reads that explain the
//! outcome run in the same batch.

use std::collections::HashMap;

use keel::http::StatusCode;
use keel::{Database, Problem, StringEnum};

use crate::auth::{Caller, Role};
use crate::endpoints::{create_order, update_order_status};
use crate::queries::{inventory, orders};
use crate::types::{
    Address, Money, Order, OrderLine, OrderStatus, OrderStatusHistory, StatusChange, StockLine,
};

/// `POST /v1/orders`: reserves stock for every line and stores the order,
/// or writes nothing and says which lines are at fault.
pub async fn create_order(
    db: &impl Database,
    input: create_order::Input,
) -> Result<create_order::Output, Problem> {
    let request = input.body;
    check_customer(&input.caller, request.customer_id)?;
    reject_duplicate_skus(&request.items)?;

    let order_ref = keel::token::random_hex(16)?;
    let items = keel::value::json_string(&request.items)?;
    let address = request.shipping_address;
    let (lines, _, _, order, order_lines) = db
        .run((
            inventory::check_lines(inventory::CheckLinesParams {
                items: items.clone(),
            }),
            orders::insert_order(
                &input.caller,
                orders::InsertOrderParams {
                    order_ref: order_ref.clone(),
                    customer_id: request.customer_id,
                    items: items.clone(),
                    ship_name: address.name,
                    ship_line1: address.line1,
                    ship_line2: address.line2,
                    ship_city: address.city,
                    ship_postal_code: address.postal_code,
                    ship_country: address.country,
                },
            ),
            orders::insert_order_lines(orders::InsertOrderLinesParams {
                order_ref: order_ref.clone(),
                items,
            }),
            orders::order_by_ref(orders::OrderByRefParams {
                order_ref: order_ref.clone(),
            }),
            orders::order_lines_by_ref(orders::OrderLinesByRefParams { order_ref }),
        ))
        .await?;

    let Some(order) = order else {
        // `insert_order` refused, so nothing was written; the availability
        // read in the same batch says why.
        return Err(refusal(&lines));
    };
    let location = format!("/v1/orders/{}", order.id);
    Ok(create_order::Output::Created {
        body: Order {
            id: order.id,
            customer_id: order.customer_id,
            status: order.status,
            items: order_lines
                .into_iter()
                .map(|line| OrderLine {
                    line: line.line,
                    sku: line.sku,
                    product_id: line.product_id,
                    name: line.name,
                    quantity: line.quantity,
                    unit_price: Money {
                        amount_cents: line.unit_price_cents,
                        currency: line.currency.clone(),
                    },
                    line_total: Money {
                        amount_cents: line.line_total_cents,
                        currency: line.currency,
                    },
                })
                .collect(),
            total: Money {
                amount_cents: order.total_cents,
                currency: order.currency,
            },
            shipping_address: Address {
                name: order.ship_name,
                line1: order.ship_line1,
                line2: order.ship_line2,
                city: order.ship_city,
                postal_code: order.ship_postal_code,
                country: order.ship_country,
            },
            created_at: order.created_at,
            updated_at: order.updated_at,
        },
        location,
    })
}

/// Whom the order is for: a customer orders for themselves, staff for the
/// customer they name.
fn check_customer(caller: &Caller, customer_id: Option<i64>) -> Result<(), Problem> {
    match (caller.role(), customer_id) {
        (Role::Customer, Some(id)) if id != caller.sub() => Err(Problem::forbidden(
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
            let detail =
                format!("repeats the SKU of line {first}; order it once with the total quantity");
            let pointer = format!("#/body/items/{index}/sku");
            problem = Some(
                problem
                    .unwrap_or_else(|| {
                        Problem::invalid_body(Vec::new())
                            .with_detail("each SKU may appear in one line only")
                    })
                    .with_violation(pointer, detail),
            );
        }
    }
    problem.map_or(Ok(()), Err)
}

/// Why `insert_order` wrote nothing: unknown SKUs (422), short stock (409)
/// or mixed currencies (422).
fn refusal(lines: &[inventory::CheckLinesRow]) -> Problem {
    let unknown: Vec<&inventory::CheckLinesRow> = lines.iter().filter(|l| !l.known).collect();
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
    let short: Vec<&inventory::CheckLinesRow> = lines.iter().filter(|l| !l.sufficient).collect();
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

/// `PATCH /v1/orders/{order_id}/status`: moves the order if its life cycle
/// allows, and answers with its status and history either way it can.
pub async fn update_order_status(
    db: &impl Database,
    input: update_order_status::Input,
) -> Result<update_order_status::Output, Problem> {
    let order_id = input.order_id;
    let target = input.body.status;
    let caller = &input.caller;
    let (changed, current, history, next) = db
        .run((
            orders::set_order_status(
                caller,
                orders::SetOrderStatusParams {
                    order_id,
                    status: target,
                },
            ),
            orders::order_status(caller, orders::OrderStatusParams { order_id }),
            orders::order_history(orders::OrderHistoryParams { order_id }),
            orders::order_next_statuses(orders::OrderNextStatusesParams { order_id }),
        ))
        .await?;

    let Some(current) = current else {
        return Err(Problem::not_found(format!("no order has id {order_id}")));
    };
    let next: Vec<_> = next.into_iter().map(|row| row.status).collect();
    if changed == 0 && caller.role() == Role::Customer {
        return Err(Problem::forbidden(if target == OrderStatus::Cancelled {
            format!(
                "order {order_id} is {}: a customer may cancel an order only while it is pending or paid",
                current.status
            )
        } else {
            format!("a customer may only cancel an order, not make it {target}")
        }));
    }
    if changed == 0 {
        let allowed: Vec<&str> = next.iter().map(StringEnum::as_str).collect();
        let detail = match allowed.as_slice() {
            [] => format!(
                "order {order_id} is {} and can no longer change status",
                current.status
            ),
            _ => format!(
                "order {order_id} is {} and can move to {} only, not {target}",
                current.status,
                allowed.join(" or ")
            ),
        };
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "invalid-transition",
            "Status change not allowed",
        )
        .with_detail(detail)
        .with_extension("current_status", current.status.as_str())
        .with_extension("allowed", allowed)
        .with_violation(
            "#/body/status",
            format!("cannot move from {} to {target}", current.status),
        ));
    }
    Ok(update_order_status::Output::Ok {
        body: OrderStatusHistory {
            order_id: current.order_id,
            status: current.status,
            updated_at: current.updated_at,
            history: history
                .into_iter()
                .map(|row| StatusChange {
                    status: row.status,
                    at: row.at,
                })
                .collect(),
            next,
        },
    })
}
