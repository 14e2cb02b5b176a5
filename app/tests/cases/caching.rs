//! HTTP caching as the spec declares it (`cache:`), and D1 bookmarks for
//! replica reads (`reads:`).

use serde_json::json;

use super::orders::{CUSTOMER, order_body};
use crate::support::tokens::{customer, staff};
use crate::support::{Server, Target};

const CATALOG: &str = "public, max-age=30, stale-while-revalidate=60";

/// The response's `ETag`, checked to be a strong one.
#[track_caller]
fn etag_of(reply: &crate::support::Reply) -> String {
    let tag = reply.header("etag").expect("an ETag").to_owned();
    assert!(
        tag.len() >= 3 && tag.starts_with('"') && tag.ends_with('"'),
        "a strong tag: {tag}"
    );
    assert!(
        tag[1..tag.len() - 1]
            .bytes()
            .all(|b| b == b'!' || (b'#'..=b'~').contains(&b)),
        "{tag}"
    );
    tag
}

/// Whether `tag` is keel's hash of the body (32 hex digits, quoted).
fn is_body_hash(tag: &str) -> bool {
    tag.len() == 34 && tag[1..33].bytes().all(|b| b.is_ascii_hexdigit())
}

pub(super) fn answers_carry_declared_cache_control_and_an_etag(s: &Server) {
    for (path, cache_control) in [
        ("/v1/products/1", CATALOG),
        ("/v1/products?limit=2", CATALOG),
        (
            "/v1/categories",
            "public, max-age=300, stale-while-revalidate=3600",
        ),
        // Not declared: any cache may keep it, but revalidates each time.
        ("/v1/inventory/SHO-001", "no-cache"),
    ] {
        let reply = s.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("cache-control"), Some(cache_control), "{path}");
        let tag = etag_of(&reply);
        // A product says its version and stock (`etag:` in the spec); the
        // others are tagged by a hash of their body.
        if path == "/v1/products/1" {
            assert_eq!(tag, "\"1-53-0-2\"");
        } else {
            assert!(is_body_hash(&tag), "{path}: {tag}");
        }
        // The same representation, the same tag.
        assert_eq!(s.get(path).header("etag"), Some(tag.as_str()), "{path}");
    }
    // Problems are not to be reused.
    let missing = s.get("/v1/products/999999");
    missing.problem(404);
    assert_eq!(missing.header("cache-control"), None);
    assert_eq!(missing.header("etag"), None);
}

pub(super) fn if_none_match_revalidates_with_a_304(s: &Server) {
    let path = "/v1/products/4";
    let first = s.get(path);
    let tag = etag_of(&first);
    for method in ["GET", "HEAD"] {
        for condition in [tag.clone(), format!("W/{tag}"), format!("\"x\", {tag}")] {
            let again = s.send(method, path, &[("if-none-match", &condition)], None);
            assert_eq!(again.status, 304, "{method} with {condition}");
            assert!(again.body.is_empty(), "a 304 has no body");
            assert_eq!(again.header("etag"), Some(tag.as_str()));
            assert_eq!(again.header("cache-control"), Some(CATALOG));
        }
    }
    // A tag of another representation gets the whole answer.
    let other = s.send("GET", path, &[("if-none-match", "\"0123\"")], None);
    assert_eq!(other.status, 200);
    assert_eq!(other.body, first.body);

    // When the product changes, so does its tag: the stored copy is stale.
    let original: String = s
        .db()
        .query_row("SELECT description FROM products WHERE id = 4", [], |r| {
            r.get(0)
        })
        .expect("product 4");
    s.db()
        .execute(
            "UPDATE products SET description = 'Waterproof mid-cut boot, resoled.' WHERE id = 4",
            [],
        )
        .expect("update");
    let changed = s.send("GET", path, &[("if-none-match", &tag)], None);
    s.db()
        .execute(
            "UPDATE products SET description = ?1 WHERE id = 4",
            [&original],
        )
        .expect("restore");
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(tag.as_str()));
    assert_eq!(
        changed.json()["description"],
        "Waterproof mid-cut boot, resoled."
    );
}

pub(super) fn authenticated_answers_stay_out_of_shared_caches(s: &Server) {
    for token in [customer(CUSTOMER), staff(7)] {
        for path in ["/v1/orders", "/v1/orders?limit=1"] {
            let reply = s.by(&token).get(path);
            assert_eq!(reply.status, 200, "{path}");
            assert_eq!(
                reply.header("cache-control"),
                Some("private, no-cache"),
                "{path}"
            );
            etag_of(&reply);
        }
    }
    let refused = s.get("/v1/orders");
    refused.problem(401);
    assert_eq!(refused.header("cache-control"), None);
}

pub(super) fn bookmarks_let_a_client_read_its_writes(s: &Server) {
    let token = customer(CUSTOMER);
    let placed = s.by(&token).json(
        "POST",
        "/v1/orders",
        &order_body(json!([{"sku": "ACC-005", "quantity": 1}])),
    );
    let order = placed.ok(201);
    let path = format!("/v1/orders/{}", order["id"]);
    match s.target {
        Target::Worker => {
            // The write's bookmark, sent back, reads at least that write.
            let bookmark = placed
                .header("d1-bookmark")
                .expect("a write answers with its D1 bookmark")
                .to_owned();
            let read = s
                .by(&token)
                .send("GET", &path, &[("d1-bookmark", &bookmark)], None);
            assert_eq!(read.json(), order);
            let after = read
                .header("d1-bookmark")
                .expect("a replica read answers with its bookmark");
            assert!(after >= bookmark.as_str(), "{after} < {bookmark}");
            // Reads without one work too, as does a listing.
            let listed = s.by(&token).get("/v1/orders?limit=1");
            assert_eq!(listed.json()["items"][0]["id"], order["id"]);
            assert!(listed.header("d1-bookmark").is_some());
        }
        Target::Native => {
            // No replicas: the declaration has no effect, and no header.
            assert_eq!(placed.header("d1-bookmark"), None);
            let read = s.by(&token).send(
                "GET",
                &path,
                &[("d1-bookmark", "0000002c-00000003-00004f85")],
                None,
            );
            assert_eq!(read.json(), order);
            assert_eq!(read.header("d1-bookmark"), None);
        }
    }
    // Something that is not a bookmark is refused, never sent to D1.
    for junk in ["first-primary", "zz", "12 34"] {
        let refused = s
            .by(&token)
            .send("GET", &path, &[("d1-bookmark", junk)], None)
            .problem(400);
        assert_eq!(
            refused["errors"][0]["pointer"], "#/header/D1-Bookmark",
            "{junk:?}: {refused}"
        );
    }
    // An endpoint that reads the primary has no use for it.
    let primary = s.send(
        "GET",
        "/v1/inventory/ACC-005",
        &[("d1-bookmark", "zz")],
        None,
    );
    assert_eq!(primary.status, 200);
}
