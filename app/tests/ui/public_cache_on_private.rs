//! An endpoint that needs credentials declares a shared-cache policy: a
//! CDN would keep one customer's order and give it to the next caller.
//!
//! edit api.yaml
//!   replace `auth: [customer, staff]\n    reads: replica\n    params:\n      order_id`
//!   with    `auth: [customer, staff]\n    reads: replica\n    cache: { scope: public, max-age: 1m }\n    params:\n      order_id`

keel::api!(
    spec = "copies/public_cache_on_private/api.yaml",
    queries = "copies/public_cache_on_private/queries",
    migrations = "copies/public_cache_on_private/migrations",
    paths_from = "file"
);


fn main() {}
