//! Products and categories.

use serde_json::{Value, json};

use crate::support::Server;

/// Product ids in the order an independent query gives.
fn oracle(s: &Server, filter: &str, order: &str) -> Vec<i64> {
    let sql = format!(
        "SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id \
         LEFT JOIN (SELECT product_id, SUM(on_hand - reserved) AS available FROM stock GROUP BY product_id) a \
           ON a.product_id = p.id \
         WHERE {filter} ORDER BY {order}"
    );
    s.rows(&sql)
        .into_iter()
        .map(|r| r[0].as_i64().expect("id"))
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect()
}

/// Follows `next_cursor` from `first` to the end; returns every id in order.
fn walk(s: &Server, first: &str) -> Vec<i64> {
    let sep = if first.contains('?') { '&' } else { '?' };
    let mut all = Vec::new();
    let mut path = first.to_owned();
    for _ in 0..100 {
        let page = s.get(&path).ok(200);
        all.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{first}{sep}cursor={cursor}"),
            None => return all,
        }
    }
    panic!("more than 100 pages from {first}");
}

const NEWEST: &str = "p.created_at DESC, p.id";

/// Each `sort`, with the `ORDER BY` an independent query gives it.
const ORDERS: [(&str, &str); 4] = [
    ("price_asc", "p.price_cents, p.id"),
    ("price_desc", "p.price_cents DESC, p.id"),
    ("newest", NEWEST),
    ("name", "p.name, p.id"),
];

pub(super) fn first_page_of_products(s: &Server) {
    let page = s.get("/v1/products").ok(200);
    assert_eq!(ids(&page), oracle(s, "1", NEWEST)[..20]);
    assert!(page["next_cursor"].is_string());
    assert_eq!(
        page["items"][0],
        json!({
            "id": 16,
            "sku": "ACC-004",
            "name": "Headlamp",
            "category": {"slug": "accessories", "name": "Accessories"},
            "price": {"amount_cents": 4900, "currency": "USD"},
            "in_stock": true,
            "created_at": "2026-06-22T21:45:00.000Z",
        })
    );
}

pub(super) fn pages_yield_each_product_once(s: &Server) {
    for (sort, order) in ORDERS {
        for limit in [1, 5, 7, 24, 100] {
            let walked = walk(s, &format!("/v1/products?sort={sort}&limit={limit}"));
            assert_eq!(walked, oracle(s, "1", order), "sort={sort} limit={limit}");
        }
    }
    let filtered = walk(s, "/v1/products?category=shoes&sort=price_desc&limit=2");
    assert_eq!(
        filtered,
        oracle(s, "c.slug = 'shoes'", "p.price_cents DESC, p.id")
    );
}

pub(super) fn filters_narrow_the_list(s: &Server) {
    let cases = [
        ("category=shoes", "c.slug = 'shoes'"),
        ("q=TRAIL", "instr(lower(p.name), 'trail') > 0"),
        (
            "min_price=5000&max_price=10000",
            "p.price_cents BETWEEN 5000 AND 10000",
        ),
        ("in_stock=false", "COALESCE(a.available, 0) <= 0"),
        ("in_stock=true", "COALESCE(a.available, 0) > 0"),
        (
            "category=electronics&in_stock=true&min_price=4900",
            "c.slug = 'electronics' AND COALESCE(a.available, 0) > 0 AND p.price_cents >= 4900",
        ),
        ("category=nothing-here", "0"),
    ];
    for (query, filter) in cases {
        let page = s.get(&format!("/v1/products?{query}&limit=100")).ok(200);
        assert_eq!(ids(&page), oracle(s, filter, NEWEST), "{query}");
        assert_eq!(page["next_cursor"], Value::Null, "{query}");
    }
    let trail: Vec<Value> = s.get("/v1/products?q=trail&sort=name").ok(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(trail, vec![json!("Trail Backpack"), json!("Trail Runner")]);
}

pub(super) fn last_page_has_no_cursor(s: &Server) {
    let first = s.get("/v1/products?sort=name&limit=20").ok(200);
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    let last = s
        .get(&format!("/v1/products?sort=name&limit=20&cursor={cursor}"))
        .ok(200);
    assert_eq!(ids(&last), oracle(s, "1", "p.name, p.id")[20..]);
    assert_eq!(last["next_cursor"], Value::Null);
    let exact = s.get("/v1/products?limit=24").ok(200);
    assert_eq!(ids(&exact).len(), 24);
    assert_eq!(exact["next_cursor"], Value::Null);
}

/// A page examines at most `paginate.scan` (1,000) products, however few
/// match: a search nothing matches answers empty pages that say where to
/// continue, and walking them still yields every match exactly once.
pub(super) fn pages_are_bounded(s: &Server) {
    const BULK: i64 = 2_500;
    let mut db = s.db();
    let tx = db.transaction().expect("begin");
    for i in 1..=BULK {
        tx.execute(
            "INSERT INTO products (id, sku, name, category_id, price_cents, currency, created_at)
             VALUES (?1, printf('BLK-%05d', ?1), printf('Bulk item %d', ?1), 1 + ?1 % 4, 100 + ?1 % 977, 'USD',
                     strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', printf('+%d minutes', ?1)))",
            [20_000 + i],
        )
        .expect("insert");
    }
    tx.commit().expect("commit");
    // The products go again however this case ends, so that later cases
    // see the sample catalog.
    struct Remove<'a>(&'a Server);
    impl Drop for Remove<'_> {
        fn drop(&mut self) {
            let removed = self
                .0
                .db()
                .execute("DELETE FROM products WHERE id > 20000", []);
            if !std::thread::panicking() {
                removed.expect("delete");
            }
        }
    }
    let _remove = Remove(s);
    let total = s.scalar("SELECT count(*) FROM products");

    // Nothing matches: each page is empty and continues where its walk of
    // 1,000 products stopped, until the catalog ends.
    let mut pages = 0;
    let mut path = "/v1/products?q=matches-nothing&limit=20".to_owned();
    loop {
        let page = s.get(&path).ok(200);
        pages += 1;
        assert_eq!(page["items"], json!([]), "page {pages}");
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/v1/products?q=matches-nothing&limit=20&cursor={cursor}")
            }
            None => break,
        }
        assert!(pages < 10, "more pages than the catalog needs");
    }
    assert_eq!(pages, (total + 999) / 1000, "{total} products");

    // Few match: pages are short or empty, and the walk is still exact.
    let cases = [
        ("q=item%20201", "instr(lower(p.name), 'item 201') > 0"),
        (
            "in_stock=true&category=shoes",
            "c.slug = 'shoes' AND COALESCE(a.available, 0) > 0",
        ),
    ];
    for (query, filter) in cases {
        for (sort, order) in ORDERS {
            let walked = walk(s, &format!("/v1/products?{query}&sort={sort}&limit=7"));
            assert_eq!(walked, oracle(s, filter, order), "{query}&sort={sort}");
        }
    }
}

pub(super) fn bad_list_parameters_are_all_reported(s: &Server) {
    let problem = s
        .get("/v1/products?limit=0&sort=cheap&min_price=-1&in_stock=maybe&q=")
        .problem(400);
    assert_eq!(
        problem,
        json!({
            "type": "/problems/invalid-request",
            "title": "Invalid request",
            "status": 400,
            "detail": "5 violations; see `errors`",
            "errors": [
                {"pointer": "#/query/q", "detail": "must not be empty"},
                {"pointer": "#/query/min_price", "detail": "must be at least 0"},
                {"pointer": "#/query/in_stock", "detail": "must be true or false, got \"maybe\""},
                {"pointer": "#/query/sort", "detail": "must be one of: price_asc, price_desc, newest, name; got \"cheap\""},
                {"pointer": "#/query/limit", "detail": "must be at least 1"},
            ],
        })
    );
    let cases = [
        ("limit=101", "#/query/limit", "must be at most 100"),
        (
            "limit=abc",
            "#/query/limit",
            "must be an integer, got \"abc\"",
        ),
        (
            "limit=2&limit=3",
            "#/query/limit",
            "must be given at most once",
        ),
        (
            "max_price=1.5",
            "#/query/max_price",
            "must be an integer, got \"1.5\"",
        ),
        (
            "category=Shoes",
            "#/query/category",
            "must match the pattern ^[a-z0-9-]+$",
        ),
    ];
    for (query, pointer, detail) in cases {
        let problem = s.get(&format!("/v1/products?{query}")).problem(400);
        assert_eq!(
            problem["errors"],
            json!([{"pointer": pointer, "detail": detail}]),
            "{query}"
        );
    }
}

pub(super) fn cursors_are_checked(s: &Server) {
    let page = s.get("/v1/products?sort=price_asc&limit=3").ok(200);
    let cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
    let next = s
        .get(&format!(
            "/v1/products?sort=price_asc&limit=3&cursor={cursor}"
        ))
        .ok(200);
    assert_eq!(ids(&next), oracle(s, "1", "p.price_cents, p.id")[3..6]);

    let foreign = s
        .get(&format!("/v1/products?sort=name&limit=3&cursor={cursor}"))
        .problem(400);
    assert_eq!(
        foreign["errors"],
        json!([{"pointer": "#/query/cursor", "detail": "belongs to a query with other filters or sort order; start again without a cursor"}])
    );
    let refiltered = s
        .get(&format!(
            "/v1/products?sort=price_asc&category=shoes&cursor={cursor}"
        ))
        .problem(400);
    assert_eq!(refiltered["errors"][0]["pointer"], "#/query/cursor");
    // Forged: the payload of a real cursor with a price where it had one
    // (`sort=price_asc` keys on price, then id), re-encoded; the server's
    // signature no longer matches, so it is refused rather than followed.
    let (payload, tag) = cursor.split_once('.').expect("payload.tag");
    let json = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .expect("base64url"),
    )
    .expect("utf-8");
    let keys: Value = serde_json::from_str(&json).expect("json");
    let mut forged_keys = keys.clone();
    forged_keys[1] = json!("a string where a price goes");
    let forged_payload = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        forged_keys.to_string(),
    );
    let forged = format!("{forged_payload}.{tag}");
    let unsigned = payload.to_owned();
    for bad in [
        "garbage",
        "WyJ4Il0",
        "W10",
        forged.as_str(),
        unsigned.as_str(),
    ] {
        let problem = s.get(&format!("/v1/products?cursor={bad}")).problem(400);
        assert_eq!(
            problem["errors"],
            json!([{"pointer": "#/query/cursor", "detail": "is not a valid cursor; pass next_cursor from a previous page unchanged"}]),
            "{bad}"
        );
    }
}

pub(super) fn product_detail(s: &Server) {
    assert_eq!(
        s.get("/v1/products/3").ok(200),
        json!({
            "id": 3,
            "sku": "SHO-003",
            "name": "Marathon Racer",
            "description": "Carbon-plated racing flat.",
            "category": {"slug": "shoes", "name": "Shoes"},
            "price": {"amount_cents": 18900, "currency": "USD"},
            "created_at": "2026-01-15T06:22:00.000Z",
            "availability": {"on_hand": 27, "reserved": 0, "available": 27, "warehouses_in_stock": 2},
        })
    );
    let gaiters = s.get("/v1/products/18").ok(200);
    assert_eq!(
        gaiters["availability"],
        json!({"on_hand": 24, "reserved": 24, "available": 0, "warehouses_in_stock": 0})
    );
}

pub(super) fn product_without_stock(s: &Server) {
    assert_eq!(
        s.get("/v1/products/23").ok(200),
        json!({
            "id": 23,
            "sku": "ELE-005",
            "name": "Bike Light Set",
            "description": null,
            "category": {"slug": "electronics", "name": "Electronics"},
            "price": {"amount_cents": 3900, "currency": "USD"},
            "created_at": "2026-01-15T18:02:00.000Z",
            "availability": {"on_hand": 0, "reserved": 0, "available": 0, "warehouses_in_stock": 0},
        })
    );
}

pub(super) fn missing_product_is_404(s: &Server) {
    assert_eq!(
        s.get("/v1/products/999").problem(404),
        json!({"type": "/problems/not-found", "title": "Not found", "status": 404, "detail": "No product has this id."})
    );
}

pub(super) fn product_ids_are_validated(s: &Server) {
    let cases = [
        ("abc", "must be an integer, got \"abc\""),
        ("0", "must be at least 1"),
        ("-5", "must be at least 1"),
        (
            "9007199254740992",
            "must be between -9007199254740991 and 9007199254740991",
        ),
        (
            "99999999999999999999",
            "must be between -9007199254740991 and 9007199254740991",
        ),
        ("%FF", "must be valid UTF-8 once percent-decoded"),
    ];
    for (raw, detail) in cases {
        let problem = s.get(&format!("/v1/products/{raw}")).problem(400);
        assert_eq!(
            problem["errors"],
            json!([{"pointer": "#/path/product_id", "detail": detail}]),
            "{raw}"
        );
    }
}

pub(super) fn categories_with_counts(s: &Server) {
    let counts = |s: &Server| -> Vec<i64> {
        s.get("/v1/categories").ok(200)["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["product_count"].as_i64().expect("a count"))
            .collect()
    };
    assert_eq!(
        s.get("/v1/categories").ok(200),
        json!({"items": [
            {"id": 3, "slug": "accessories", "name": "Accessories", "product_count": 6},
            {"id": 2, "slug": "apparel", "name": "Apparel", "product_count": 6},
            {"id": 4, "slug": "electronics", "name": "Electronics", "product_count": 6},
            {"id": 1, "slug": "shoes", "name": "Shoes", "product_count": 6},
        ]})
    );
    // The counts are kept by triggers as products come, move and go
    // (in name order: accessories, apparel, electronics, shoes).
    let db = s.db();
    db.execute(
        "INSERT INTO products (id, sku, name, category_id, price_cents, currency, created_at)
         VALUES (9001, 'CNT-001', 'Counted', 4, 100, 'USD', '2026-01-01T00:00:00.000Z')",
        [],
    )
    .expect("insert");
    assert_eq!(counts(s), [6, 6, 7, 6]);
    db.execute("UPDATE products SET category_id = 1 WHERE id = 9001", [])
        .expect("move");
    assert_eq!(counts(s), [6, 6, 6, 7]);
    db.execute("DELETE FROM products WHERE id = 9001", [])
        .expect("delete");
    assert_eq!(counts(s), [6, 6, 6, 6]);
}
