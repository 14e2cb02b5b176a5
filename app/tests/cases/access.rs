//! Who may call what: every endpoint against every kind of credential, and
//! owner scoping of orders. A refused write leaves the database as it was;
//! no customer reads or changes another's order.

use keel::auth::Algorithm;
use serde_json::{Value, json};

use crate::support::tokens::{bearer, claims, customer, forged, staff, unsigned};
use crate::support::{Reply, Server};

/// The customer who owns the orders the matrix reads and changes.
const OWNER: i64 = 501;
/// Another customer.
const OTHER: i64 = 502;
/// A member of staff.
const STAFF: i64 = 9;
/// A SKU with stock to spare that no other case reads exactly.
const SKU: &str = "APP-001";

/// The credentials every endpoint is tried with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    None,
    Malformed,
    BadSignature,
    AlgNone,
    Expired,
    WrongRole,
    /// The storefront's identity provider's key, claiming staff.
    StaffFromStorefront,
    OtherCustomer,
    Owner,
    Staff,
}

const CREDENTIALS: [Credential; 10] = [
    Credential::None,
    Credential::Malformed,
    Credential::BadSignature,
    Credential::AlgNone,
    Credential::Expired,
    Credential::WrongRole,
    Credential::StaffFromStorefront,
    Credential::OtherCustomer,
    Credential::Owner,
    Credential::Staff,
];

impl Credential {
    /// The `Authorization` header value, if any.
    fn header(self) -> Option<String> {
        let owner = claims("customer", OWNER);
        Some(match self {
            Credential::None => return None,
            Credential::Malformed => "Bearer not-a.jwt.at-all".to_owned(),
            // The owner's claims, with an HMAC made with a secret the
            // server does not have.
            Credential::BadSignature => forged(
                &json!({"alg": "HS256", "typ": "JWT"}),
                &owner,
                b"a-secret-that-is-not-the-servers-secret",
            ),
            Credential::AlgNone => unsigned(&claims("staff", STAFF)),
            Credential::Expired => {
                let mut expired = owner;
                expired.insert("exp".into(), json!(keel::auth::now() - 3600));
                bearer(Algorithm::EdDsa, &expired)
            }
            Credential::WrongRole => bearer(Algorithm::Hs256, &claims("guest", OWNER)),
            Credential::StaffFromStorefront => bearer(Algorithm::EdDsa, &claims("staff", STAFF)),
            Credential::OtherCustomer => customer(OTHER),
            Credential::Owner => customer(OWNER),
            Credential::Staff => staff(STAFF),
        })
    }

    /// The answer of a protected endpoint that does not admit this
    /// credential: the status, the problem type and the exact challenge.
    fn refusal(self) -> Option<(u16, &'static str, &'static str)> {
        const INVALID: &str =
            "Bearer error=\"invalid_token\", error_description=\"the token is not valid\"";
        Some(match self {
            Credential::None => (401, "/problems/unauthorized", "Bearer"),
            Credential::Malformed | Credential::BadSignature | Credential::AlgNone => {
                (401, "/problems/unauthorized", INVALID)
            }
            Credential::Expired => (
                401,
                "/problems/unauthorized",
                "Bearer error=\"invalid_token\", error_description=\"the token has expired\"",
            ),
            Credential::WrongRole | Credential::StaffFromStorefront => (
                403,
                "/problems/forbidden",
                "Bearer error=\"insufficient_scope\"",
            ),
            _ => return None,
        })
    }
}

fn send(
    s: &Server,
    credential: Credential,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let header = credential.header();
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(value) = &header {
        headers.push(("authorization", value));
    }
    let bytes = body.map(|b| serde_json::to_vec(b).expect("json"));
    if bytes.is_some() {
        headers.push(("content-type", "application/json"));
    }
    s.send(method, path, &headers, bytes.as_deref())
}

/// Everything an order request can write, summed up.
fn written(s: &Server) -> Vec<Value> {
    s.rows(
        "SELECT (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM order_items),
                (SELECT COUNT(*) FROM order_events), (SELECT COUNT(*) FROM stock_reservations),
                (SELECT SUM(reserved) FROM stock), (SELECT SUM(on_hand) FROM stock),
                (SELECT group_concat(id || status, ',') FROM orders)",
    )
}

fn order_body(customer_id: Option<i64>) -> Value {
    let mut body = json!({
        "items": [{"sku": SKU, "quantity": 1}],
        "shipping_address": {"name": "Ada", "line1": "Main 1", "city": "Utrecht", "postal_code": "3511", "country": "NL"},
    });
    if let Some(id) = customer_id {
        body["customer_id"] = json!(id);
    }
    body
}

/// Places a pending order for the owner; returns its id.
fn owners_order(s: &Server) -> i64 {
    let reply = s
        .by(&customer(OWNER))
        .json("POST", "/v1/orders", &order_body(None));
    reply.ok(201)["id"].as_i64().expect("id")
}

#[track_caller]
fn assert_refused(reply: &Reply, credential: Credential, what: &str) {
    let (status, kind, challenge) = credential.refusal().expect("a refusal");
    let problem = reply.problem(status);
    assert_eq!(problem["type"], kind, "{what} with {credential:?}");
    assert_eq!(
        reply.header("www-authenticate"),
        Some(challenge),
        "{what} with {credential:?}"
    );
}

pub(super) fn public_endpoints_ignore_credentials(s: &Server) {
    let check = json!({"items": [{"sku": SKU, "quantity": 1}]});
    for credential in CREDENTIALS {
        for (method, path, body) in [
            ("GET", "/v1/products?limit=1", None),
            ("GET", "/v1/products/7", None),
            ("GET", "/v1/categories", None),
            ("GET", "/v1/inventory/APP-001", None),
            ("POST", "/v1/inventory/check", Some(&check)),
            ("GET", "/healthz", None),
        ] {
            let reply = send(s, credential, method, path, body);
            assert_eq!(reply.status, 200, "{method} {path} with {credential:?}");
            assert_eq!(reply.header("www-authenticate"), None);
        }
    }
}

pub(super) fn every_protected_endpoint_against_every_credential(s: &Server) {
    let order = owners_order(s);
    for credential in CREDENTIALS {
        let what = |e: &str| format!("{e} with {credential:?}");

        // POST /v1/orders, naming the owner as the customer.
        let before = written(s);
        let reply = send(
            s,
            credential,
            "POST",
            "/v1/orders",
            Some(&order_body(Some(OWNER))),
        );
        match credential {
            Credential::Owner | Credential::Staff => {
                let placed = reply.ok(201);
                assert_eq!(placed["customer_id"], OWNER, "{}", what("create_order"));
            }
            Credential::OtherCustomer => {
                let problem = reply.problem(403);
                assert_eq!(problem["type"], "/problems/forbidden");
                assert_eq!(written(s), before, "{}", what("create_order"));
            }
            _ => {
                assert_refused(&reply, credential, "create_order");
                assert_eq!(written(s), before, "{}", what("create_order"));
            }
        }

        // GET /v1/orders: a customer's own, staff's everyone's.
        let reply = send(s, credential, "GET", "/v1/orders?limit=100", None);
        match credential {
            Credential::Owner | Credential::Staff | Credential::OtherCustomer => {
                let page = reply.ok(200);
                let ids: Vec<i64> = page["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|o| o["id"].as_i64().expect("id"))
                    .collect();
                assert_eq!(
                    ids.contains(&order),
                    credential != Credential::OtherCustomer,
                    "{}",
                    what("list_orders")
                );
                if credential != Credential::Staff {
                    let own = if credential == Credential::Owner {
                        OWNER
                    } else {
                        OTHER
                    };
                    assert!(
                        page["items"]
                            .as_array()
                            .expect("items")
                            .iter()
                            .all(|o| o["customer_id"] == own),
                        "{}: {page}",
                        what("list_orders")
                    );
                }
            }
            _ => assert_refused(&reply, credential, "list_orders"),
        }

        // GET /v1/orders/{id} and its status.
        for path in [
            format!("/v1/orders/{order}"),
            format!("/v1/orders/{order}/status"),
        ] {
            let reply = send(s, credential, "GET", &path, None);
            match credential {
                Credential::Owner | Credential::Staff => {
                    let body = reply.ok(200);
                    let id = body.get("id").or_else(|| body.get("order_id"));
                    assert_eq!(id, Some(&json!(order)), "{}", what(&path));
                }
                // Exactly what a missing order answers: no existence oracle.
                Credential::OtherCustomer => assert_eq!(
                    reply.problem(404),
                    json!({"type": "/problems/not-found", "title": "Not found", "status": 404, "detail": "No order has this id."}),
                    "{}",
                    what(&path)
                ),
                _ => assert_refused(&reply, credential, &path),
            }
        }

        // PATCH /v1/orders/{id}/status, on an order of its own each time.
        let fresh = owners_order(s);
        let path = format!("/v1/orders/{fresh}/status");
        let before = written(s);
        let target = if credential == Credential::Staff {
            "paid"
        } else {
            "cancelled"
        };
        let reply = send(
            s,
            credential,
            "PATCH",
            &path,
            Some(&json!({"status": target})),
        );
        match credential {
            Credential::Owner | Credential::Staff => {
                assert_eq!(reply.ok(200)["status"], target, "{}", what(&path));
            }
            Credential::OtherCustomer => {
                assert_eq!(
                    reply.problem(404)["detail"],
                    "No order has this id.",
                    "{}",
                    what(&path)
                );
                assert_eq!(written(s), before, "{}", what(&path));
            }
            _ => {
                assert_refused(&reply, credential, &path);
                assert_eq!(written(s), before, "{}", what(&path));
            }
        }
    }
    // Only staff keep the catalog and count stock: everyone else is
    // refused before anything is read or written.
    let catalog = || {
        s.rows(
            "SELECT (SELECT COUNT(*) FROM products), (SELECT SUM(version) FROM products),
                    (SELECT SUM(on_hand) FROM stock), (SELECT COUNT(*) FROM stock)",
        )
    };
    let product = json!({"sku": "ACC-100", "name": "Map Case", "category": "accessories",
                         "price": {"amount_cents": 1500, "currency": "USD"}});
    let count = json!({"on_hand": 3});
    for credential in CREDENTIALS {
        if credential == Credential::Staff {
            continue;
        }
        let before = catalog();
        for (method, path, body) in [
            ("POST", "/v1/products", &product),
            ("PATCH", "/v1/products/13", &json!({"name": "Day Pack"})),
            ("PUT", "/v1/inventory/ACC-001/warehouses/LIS", &count),
        ] {
            let reply = send(s, credential, method, path, Some(body));
            let what = format!("{method} {path} with {credential:?}");
            match credential {
                Credential::OtherCustomer | Credential::Owner => {
                    let problem = reply.problem(403);
                    assert_eq!(problem["type"], "/problems/forbidden", "{what}");
                }
                _ => assert_refused(&reply, credential, &what),
            }
        }
        assert_eq!(catalog(), before, "{credential:?}");
    }

    // The other customer never saw or changed an order of the owner's.
    assert_eq!(
        s.scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE customer_id = {OTHER}"
        )),
        0
    );
}

pub(super) fn customers_order_for_themselves(s: &Server) {
    const BUYER: i64 = 601;
    let me = customer(BUYER);
    let placed = s
        .by(&me)
        .json("POST", "/v1/orders", &order_body(None))
        .ok(201);
    assert_eq!(placed["customer_id"], BUYER);
    let placed = s
        .by(&me)
        .json("POST", "/v1/orders", &order_body(Some(BUYER)))
        .ok(201);
    assert_eq!(placed["customer_id"], BUYER);
    let placed = s
        .by(&staff(STAFF))
        .json("POST", "/v1/orders", &order_body(Some(BUYER)))
        .ok(201);
    assert_eq!(placed["customer_id"], BUYER);
    assert_eq!(
        s.scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE customer_id = {BUYER}"
        )),
        3
    );

    let before = written(s);
    assert_eq!(
        s.by(&me)
            .json("POST", "/v1/orders", &order_body(Some(BUYER + 1)))
            .problem(403),
        json!({
            "type": "/problems/forbidden",
            "title": "Forbidden",
            "status": 403,
            "detail": "a customer orders for themselves: leave out `customer_id`, or give your own",
        })
    );
    assert_eq!(
        s.by(&staff(STAFF))
            .json("POST", "/v1/orders", &order_body(None))
            .problem(422),
        json!({
            "type": "/problems/invalid-body",
            "title": "Request body does not match the schema",
            "status": 422,
            "detail": "staff must name the customer the order is for",
            "errors": [{"pointer": "#/body/customer_id", "detail": "is required when staff place an order"}],
        })
    );
    assert_eq!(written(s), before);
}

pub(super) fn customers_may_only_cancel_their_own_open_orders(s: &Server) {
    const BUYER: i64 = 602;
    let me = customer(BUYER);
    let back_office = staff(STAFF);
    let place = || {
        s.by(&me)
            .json("POST", "/v1/orders", &order_body(None))
            .ok(201)["id"]
            .as_i64()
            .expect("id")
    };
    let patch = |who: &str, id: i64, status: &str| {
        s.by(who).json(
            "PATCH",
            &format!("/v1/orders/{id}/status"),
            &json!({ "status": status }),
        )
    };

    let open = place();
    let before = written(s);
    assert_eq!(
        patch(&me, open, "paid").problem(403),
        json!({
            "type": "/problems/forbidden",
            "title": "Forbidden",
            "status": 403,
            "detail": "a customer may only cancel an order, not make it paid",
        })
    );
    assert_eq!(written(s), before, "a refused move changes nothing");
    patch(&back_office, open, "paid").ok(200);
    assert_eq!(patch(&me, open, "cancelled").ok(200)["status"], "cancelled");

    let shipped = place();
    patch(&back_office, shipped, "paid").ok(200);
    patch(&back_office, shipped, "shipped").ok(200);
    let before = written(s);
    assert_eq!(
        patch(&me, shipped, "cancelled").problem(403)["detail"],
        format!(
            "order {shipped} is shipped: a customer may cancel an order only while it is pending or paid"
        )
    );
    assert_eq!(written(s), before);
    // Staff are told why, with the allowed moves: the life cycle's 409.
    assert_eq!(
        patch(&back_office, shipped, "cancelled").problem(409)["allowed"],
        json!(["delivered"])
    );
}

pub(super) fn order_lists_are_scoped_paged_and_filtered(s: &Server) {
    const BUYER: i64 = 701;
    let me = customer(BUYER);
    let ids: Vec<i64> = (0..3)
        .map(|_| {
            s.by(&me)
                .json("POST", "/v1/orders", &order_body(None))
                .ok(201)["id"]
                .as_i64()
                .expect("id")
        })
        .collect();
    let listed = |reply: Reply| -> (Vec<i64>, Value) {
        let page = reply.ok(200);
        let ids = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|o| o["id"].as_i64().expect("id"))
            .collect();
        (ids, page["next_cursor"].clone())
    };

    // Newest first, two to a page.
    let (first, cursor) = listed(s.by(&me).get("/v1/orders?limit=2"));
    assert_eq!(first, vec![ids[2], ids[1]]);
    let cursor = cursor.as_str().expect("a next page").to_owned();
    let (second, end) = listed(
        s.by(&me)
            .get(&format!("/v1/orders?limit=2&cursor={cursor}")),
    );
    assert_eq!((second, end), (vec![ids[0]], Value::Null));
    // A cursor continues its own caller's list only.
    assert_eq!(
        s.by(&customer(BUYER + 1))
            .get(&format!("/v1/orders?limit=2&cursor={cursor}"))
            .problem(400)["errors"][0]["pointer"],
        "#/query/cursor"
    );

    let page = s.by(&me).get("/v1/orders").ok(200);
    assert_eq!(
        page["items"][0],
        json!({
            "id": ids[2], "customer_id": BUYER, "status": "pending", "line_count": 1,
            "total": {"amount_cents": 4500, "currency": "USD"},
            "created_at": page["items"][0]["created_at"], "updated_at": page["items"][0]["created_at"],
        })
    );
    s.by(&me)
        .json(
            "PATCH",
            &format!("/v1/orders/{}/status", ids[1]),
            &json!({"status": "cancelled"}),
        )
        .ok(200);
    let (cancelled, _) = listed(s.by(&me).get("/v1/orders?status=cancelled"));
    assert_eq!(cancelled, vec![ids[1]]);

    // Only staff narrow the list to one customer.
    assert_eq!(
        s.by(&me)
            .get(&format!("/v1/orders?customer_id={BUYER}"))
            .problem(403)["detail"],
        "only the staff role may send the `customer_id` parameter"
    );
    let back_office = staff(STAFF);
    let (theirs, _) = listed(
        s.by(&back_office)
            .get(&format!("/v1/orders?customer_id={BUYER}")),
    );
    assert_eq!(theirs, vec![ids[2], ids[1], ids[0]]);
    let (everyone, _) = listed(s.by(&back_office).get("/v1/orders?limit=100"));
    assert!(everyone.len() > 3 && ids.iter().all(|id| everyone.contains(id)));
    assert!(everyone.windows(2).all(|w| w[0] > w[1]), "newest first");
}
