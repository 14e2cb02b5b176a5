//! What the generated code costs: latency of the shop API's endpoints in
//! process on SQLite (`keel::serve`, from a parsed request to a finished
//! response, with the database round trip), next to hand-written Rust for
//! the same endpoints, on a catalog of 10,000 products in 3 warehouses.
//!
//! `cargo bench -p app --bench endpoints` measures; `cargo test` runs each
//! case once and checks that the hand-written handlers answer byte for byte
//! what the generated ones answer, so the comparison stays honest. Results
//! and how to read them: `docs/benchmarks.md`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keel::__private::{HeaderValue, Method, StatusCode, header};
use keel::auth::{Access, Algorithm, Keys, SigningKey};
use keel::db::sqlite::SqliteDatabase;
use keel::{Context, Problem, Request, Response, Service};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use tokio::runtime::Runtime;

struct Fixture {
    _dir: tempfile::TempDir,
    db: SqliteDatabase,
    keys: Keys,
    vars: keel::native::Variables,
    rt: Runtime,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = SqliteDatabase::open(dir.path().join("bench.sqlite3"), 4).expect("open");
        db.with_connection(fill).expect("connection");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        // The development keys, as `cargo run -p app` reads them.
        let dev_vars = concat!(env!("CARGO_MANIFEST_DIR"), "/.dev.vars");
        let vars = keel::native::Variables::load(Some(std::path::Path::new(dev_vars)), None)
            .expect("app/.dev.vars");
        let (keys, errors) = Keys::read(<app::Api as Service>::SECURITY, |n| vars.get(n));
        assert!(errors.is_empty(), "{errors:?}");
        Fixture {
            _dir: dir,
            db,
            keys,
            vars,
            rt,
        }
    }

    fn generated(&self, request: &Request) -> Response {
        self.rt.block_on(keel::serve::<app::Api, _>(
            &Context::new(&self.db, &self.keys),
            request.clone(),
        ))
    }

    /// `Authorization: Bearer …` for `role` and `sub`, signed with `alg`'s
    /// development key.
    fn bearer(&self, alg: Algorithm, role: &str, sub: i64) -> HeaderValue {
        let key = match alg {
            Algorithm::Hs256 => self.vars.get("JWT_SECRET"),
            Algorithm::EdDsa => self.vars.get(keel::native::SIGNING_KEY_VARIABLE),
        }
        .expect("a development key");
        let key = SigningKey::parse(alg, &key).expect("signing key");
        let claims = serde_json::json!({
            "sub": sub.to_string(), "role": role, "aud": "shop-api",
            "exp": keel::auth::now() + 3600,
        });
        let Value::Object(claims) = claims else {
            unreachable!()
        };
        HeaderValue::from_str(&format!("Bearer {}", keel::auth::mint(&key, &claims)))
            .expect("header value")
    }

    fn by_hand(&self, handler: Handler, request: &Request) -> Response {
        self.rt.block_on(handler(self.db.clone(), request.clone()))
    }
}

fn fill(conn: &mut Connection) {
    keel::db::migrate::apply(conn, <app::Api as Service>::MIGRATIONS).expect("migrate");
    conn.execute_batch(app::SAMPLE_DATA).expect("sample data");
    conn.execute_batch(include_str!("catalog.sql"))
        .expect("products and stock");
    conn.execute_batch(
        "INSERT INTO orders (id, ref, customer_id, status, currency, total_cents, ship_name, ship_line1,
                             ship_city, ship_postal_code, ship_country, created_at, updated_at)
         VALUES (1, 'bench', 42, 'pending', 'USD', 12900, 'Ada', 'Main 1', 'Amsterdam', '1000 AA', 'NL',
                 '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
         INSERT INTO order_items (order_id, line, product_id, quantity, unit_price_cents, currency)
         VALUES (1, 1, 1, 1, 12900, 'USD');",
    )
    .expect("an order");
}

fn get(path: &str) -> Request {
    Request::new(Method::GET, path)
}

fn post_json(path: &str, body: &Value) -> Request {
    let mut request = Request::new(Method::POST, path);
    request.headers.insert(
        keel::__private::header::CONTENT_TYPE,
        keel::__private::HeaderValue::from_static("application/json"),
    );
    request.body = serde_json::to_vec(body).expect("json").into();
    request
}

type Handler = fn(
    SqliteDatabase,
    Request,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>;

// ---------------------------------------------------------------------------
// Hand-written handlers: what a careful engineer would write for the same
// endpoints without keel: the same connection pool (without its limit on
// concurrent use, which a single-threaded benchmark never reaches), the
// same queries, a transaction where there are two, and the same JSON out.

#[derive(Serialize)]
struct CategoryRef {
    slug: String,
    name: String,
}

#[derive(Serialize)]
struct Money {
    amount_cents: i64,
    currency: String,
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
struct Category {
    id: i64,
    slug: String,
    name: String,
    product_count: i64,
}

#[derive(Serialize)]
struct CategoryList {
    items: Vec<Category>,
}

fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => Response::new(StatusCode::OK, "application/json", body),
        Err(_) => Problem::internal().into_response(),
    }
}

fn get_product_by_hand(
    db: SqliteDatabase,
    request: Request,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>> {
    Box::pin(async move {
        let id = request
            .path
            .strip_prefix("/v1/products/")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id >= 1);
        let Some(id) = id else {
            return Problem::internal().into_response();
        };
        let found = tokio::task::spawn_blocking(move || {
            db.with_connection(|conn| -> rusqlite::Result<Option<ProductDetail>> {
                let tx = conn.transaction()?;
                let product = tx
                    .prepare_cached(
                        "SELECT p.id, p.sku, p.name, p.description, c.slug, c.name,
                                p.price_cents, p.currency, p.created_at
                         FROM products p JOIN categories c ON c.id = p.category_id
                         WHERE p.id = ?1",
                    )?
                    .query_row([id], |r| {
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
                let availability = tx
                    .prepare_cached(
                        "SELECT COALESCE(SUM(on_hand), 0), COALESCE(SUM(reserved), 0),
                                COALESCE(SUM(on_hand - reserved), 0),
                                COUNT(*) FILTER (WHERE on_hand > reserved)
                         FROM stock WHERE product_id = ?1",
                    )?
                    .query_row([id], |r| {
                        Ok(Availability {
                            on_hand: r.get(0)?,
                            reserved: r.get(1)?,
                            available: r.get(2)?,
                            warehouses_in_stock: r.get(3)?,
                        })
                    })?;
                tx.commit()?;
                Ok(product.map(|p| ProductDetail { availability, ..p }))
            })
        })
        .await;
        match found {
            Ok(Ok(Ok(Some(detail)))) => json(&detail),
            Ok(Ok(Ok(None))) => Problem::not_found("no product has this id").into_response(),
            _ => Problem::internal().into_response(),
        }
    })
}

fn list_categories_by_hand(
    db: SqliteDatabase,
    _request: Request,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>> {
    Box::pin(async move {
        let found = tokio::task::spawn_blocking(move || {
            db.with_connection(|conn| -> rusqlite::Result<CategoryList> {
                let mut stmt = conn.prepare_cached(
                    "SELECT id, slug, name, product_count FROM categories ORDER BY name",
                )?;
                let items = stmt
                    .query_map([], |r| {
                        Ok(Category {
                            id: r.get(0)?,
                            slug: r.get(1)?,
                            name: r.get(2)?,
                            product_count: r.get(3)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(CategoryList { items })
            })
        })
        .await;
        match found {
            Ok(Ok(Ok(list))) => json(&list),
            _ => Problem::internal().into_response(),
        }
    })
}

// ---------------------------------------------------------------------------

/// Checks that both answer the same, then measures both.
fn compare(c: &mut Criterion, f: &Fixture, name: &str, request: &Request, handler: Handler) {
    let generated = f.generated(request);
    let by_hand = f.by_hand(handler, request);
    assert_eq!(generated.status, StatusCode::OK, "{name}");
    assert_eq!(
        String::from_utf8_lossy(&by_hand.body),
        String::from_utf8_lossy(&generated.body),
        "{name}: the hand-written handler must answer what the generated one does"
    );
    let mut group = c.benchmark_group(name);
    group.bench_function("generated", |b| {
        b.iter(|| black_box(f.generated(black_box(request))))
    });
    group.bench_function("hand-written", |b| {
        b.iter(|| black_box(f.by_hand(handler, black_box(request))))
    });
    group.finish();
}

/// Measures the generated handler alone, after checking its status.
fn measure(c: &mut Criterion, f: &Fixture, name: &str, request: &Request, status: u16) {
    assert_eq!(f.generated(request).status.as_u16(), status, "{name}");
    c.bench_function(name, |b| {
        b.iter(|| black_box(f.generated(black_box(request))))
    });
}

fn endpoints(c: &mut Criterion) {
    let f = Fixture::new();

    compare(
        c,
        &f,
        "get_product",
        &get("/v1/products/5000"),
        get_product_by_hand,
    );
    compare(
        c,
        &f,
        "list_categories",
        &get("/v1/categories"),
        list_categories_by_hand,
    );

    measure(c, &f, "list_products/first_page", &get("/v1/products"), 200);
    // Page 2, and page 100 (past half the catalog), of 50 by price.
    let mut cursor = String::new();
    for page in 1..100 {
        let path = match page {
            1 => "/v1/products?sort=price_asc&limit=50".to_owned(),
            _ => format!("/v1/products?sort=price_asc&limit=50&cursor={cursor}"),
        };
        let body: Value = serde_json::from_slice(&f.generated(&get(&path)).body).expect("page");
        cursor = body["next_cursor"]
            .as_str()
            .expect("a next page")
            .to_owned();
        if page == 1 {
            measure(
                c,
                &f,
                "list_products/page_2_by_price",
                &get(&format!(
                    "/v1/products?sort=price_asc&limit=50&cursor={cursor}"
                )),
                200,
            );
        }
    }
    measure(
        c,
        &f,
        "list_products/page_100_by_price",
        &get(&format!(
            "/v1/products?sort=price_asc&limit=50&cursor={cursor}"
        )),
        200,
    );
    // The worst case: a filter nothing passes examines `paginate.scan`
    // products.
    measure(
        c,
        &f,
        "list_products/no_match",
        &get("/v1/products?q=nothing%20like%20this"),
        200,
    );
    measure(
        c,
        &f,
        "list_products/filtered",
        &get(
            "/v1/products?category=shoes&min_price=1000&max_price=50000&in_stock=true&sort=newest",
        ),
        200,
    );
    measure(
        c,
        &f,
        "list_products/search",
        &get("/v1/products?q=item%2099"),
        200,
    );
    measure(c, &f, "get_inventory", &get("/v1/inventory/BEN-04242"), 200);
    let lines: Vec<Value> = (1..=20)
        .map(|i| serde_json::json!({ "sku": format!("BEN-{:05}", i * 97), "quantity": 2 }))
        .collect();
    measure(
        c,
        &f,
        "check_inventory/20_lines",
        &post_json(
            "/v1/inventory/check",
            &serde_json::json!({ "items": lines }),
        ),
        200,
    );
    measure(
        c,
        &f,
        "rejected/invalid_query",
        &get("/v1/products?limit=0&sort=cheapest&min_price=x"),
        400,
    );
    measure(c, &f, "rejected/no_route", &get("/v2/nothing"), 404);

    authentication(c, &f);
}

/// What verifying a caller costs, per algorithm (no database is involved),
/// and an authenticated endpoint end to end.
fn authentication(c: &mut Criterion, f: &Fixture) {
    // Both schemes, as the order endpoints accept them: a staff token is
    // tried on the storefront's scheme first, which refuses HS256 at once.
    static EVERY_CALLER: Access = Access {
        schemes: &[0, 1],
        roles: &[0, 1],
    };
    for (name, alg, role) in [
        ("auth/verify_hs256", Algorithm::Hs256, "staff"),
        ("auth/verify_eddsa", Algorithm::EdDsa, "customer"),
    ] {
        let mut request = get("/v1/orders/1");
        request
            .headers
            .insert(header::AUTHORIZATION, f.bearer(alg, role, 42));
        let security = <app::Api as Service>::SECURITY;
        assert!(keel::auth::authenticate(security, &f.keys, &request, &EVERY_CALLER).is_ok());
        c.bench_function(name, |b| {
            b.iter(|| {
                black_box(keel::auth::authenticate(
                    security,
                    &f.keys,
                    black_box(&request),
                    &EVERY_CALLER,
                ))
            })
        });
    }
    let mut owner = get("/v1/orders/1");
    owner.headers.insert(
        header::AUTHORIZATION,
        f.bearer(Algorithm::EdDsa, "customer", 42),
    );
    measure(c, f, "get_order/owner_eddsa", &owner, 200);
    let mut staff = get("/v1/orders/1");
    staff.headers.insert(
        header::AUTHORIZATION,
        f.bearer(Algorithm::Hs256, "staff", 7),
    );
    measure(c, f, "get_order/staff_hs256", &staff, 200);
    let mut other = get("/v1/orders/1");
    other.headers.insert(
        header::AUTHORIZATION,
        f.bearer(Algorithm::EdDsa, "customer", 43),
    );
    measure(c, f, "get_order/another_customer", &other, 404);
    measure(c, f, "rejected/no_token", &get("/v1/orders/1"), 401);
}

criterion_group!(benches, endpoints);
criterion_main!(benches);
