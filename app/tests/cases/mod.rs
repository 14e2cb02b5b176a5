//! The cases of the HTTP suite, grouped by area. Each is a test of its own
//! on each target (`tests/http.rs`), named by its entry below. Each runs
//! against a fresh, seeded database shared by the cases of one target, in
//! this order; cases that change stock use SKUs no other case reads
//! exactly, and a case that adds rows others would see removes them.

mod access;
mod caching;
mod catalog;
mod contract;
pub(crate) mod examples;
mod idempotency;
mod inventory;
mod jobs;
mod orders;
mod protocol;
mod staff;
mod stock;

use crate::support::Server;

/// A named case.
pub(crate) type Case = (&'static str, fn(&Server));

/// Every case, by name.
pub(crate) const ALL: &[Case] = &[
    ("health answers", protocol::health_answers),
    (
        "answers carry the declared Cache-Control and an ETag",
        caching::answers_carry_declared_cache_control_and_an_etag,
    ),
    (
        "If-None-Match revalidates with a 304",
        caching::if_none_match_revalidates_with_a_304,
    ),
    (
        "authenticated answers stay out of shared caches",
        caching::authenticated_answers_stay_out_of_shared_caches,
    ),
    (
        "bookmarks let a client read its writes",
        caching::bookmarks_let_a_client_read_its_writes,
    ),
    (
        "every response names its request",
        protocol::every_response_names_its_request,
    ),
    (
        "/openapi.json is the committed document",
        contract::openapi_json_is_the_committed_document,
    ),
    (
        "/openapi.yaml is the same document",
        contract::openapi_yaml_is_the_same_document,
    ),
    (
        "every problem type has its page",
        contract::every_problem_type_has_its_page,
    ),
    (
        "the docs portal is served by the server",
        contract::docs_portal_is_served_from_the_server,
    ),
    (
        "the docs portal lists every operation and authorizes in a browser",
        contract::docs_portal_lists_every_operation_and_authorizes_in_a_browser,
    ),
    (
        "HEAD is GET without a body",
        protocol::head_is_get_without_body,
    ),
    (
        "unknown routes are 404 problems",
        protocol::unknown_routes_are_404,
    ),
    (
        "wrong methods are 405 with Allow",
        protocol::wrong_methods_are_405_with_allow,
    ),
    (
        "concrete paths win over templated ones",
        protocol::concrete_paths_win_over_templated_ones,
    ),
    ("malformed JSON is a 400", protocol::malformed_json_is_400),
    (
        "repeated JSON members are refused",
        protocol::repeated_json_members_are_refused,
    ),
    ("unknown methods are 405", protocol::unknown_methods_are_405),
    (
        "dot segments resolve as in URLs",
        protocol::dot_segments_resolve_as_in_urls,
    ),
    (
        "query strings must be UTF-8",
        protocol::query_strings_must_be_utf8,
    ),
    ("bodies must be JSON", protocol::bodies_must_be_json),
    ("missing bodies are a 400", protocol::missing_body_is_400),
    (
        "oversized bodies are a 413",
        protocol::oversized_body_is_413,
    ),
    (
        "unknown query parameters are refused",
        protocol::unknown_query_parameters_are_refused,
    ),
    (
        "the first page of products",
        catalog::first_page_of_products,
    ),
    (
        "every sort pages through each product once",
        catalog::pages_yield_each_product_once,
    ),
    ("filters narrow the list", catalog::filters_narrow_the_list),
    (
        "the last page has no cursor",
        catalog::last_page_has_no_cursor,
    ),
    ("pages are bounded", catalog::pages_are_bounded),
    (
        "bad list parameters are all reported",
        catalog::bad_list_parameters_are_all_reported,
    ),
    ("cursors are checked", catalog::cursors_are_checked),
    ("a product with its availability", catalog::product_detail),
    (
        "a product without stock rows",
        catalog::product_without_stock,
    ),
    (
        "a missing product is a 404",
        catalog::missing_product_is_404,
    ),
    (
        "product ids are validated",
        catalog::product_ids_are_validated,
    ),
    ("categories with counts", catalog::categories_with_counts),
    (
        "stock of a SKU per warehouse",
        inventory::stock_per_warehouse,
    ),
    ("a SKU without stock rows", inventory::sku_without_stock),
    ("an unknown SKU is a 404", inventory::unknown_sku_is_404),
    ("SKUs are validated", inventory::skus_are_validated),
    ("availability check per line", inventory::availability_check),
    (
        "availability check when all lines fit",
        inventory::availability_check_all_available,
    ),
    (
        "availability check bodies are validated",
        inventory::availability_check_validation,
    ),
    (
        "placing an order reserves stock",
        orders::placing_an_order_reserves_stock,
    ),
    (
        "a short line refuses the whole order",
        orders::short_line_refuses_the_order,
    ),
    ("stock is never oversold", stock::stock_is_never_oversold),
    (
        "an order storm never oversells",
        stock::an_order_storm_never_oversells,
    ),
    (
        "stale pending orders are cancelled by the job",
        jobs::stale_pending_orders_are_cancelled_by_the_job,
    ),
    (
        "a retry with the same idempotency key gets the first response",
        idempotency::a_retry_with_the_same_key_gets_the_first_response,
    ),
    (
        "the same idempotency key for another request is a 422",
        idempotency::the_same_key_for_another_request_is_a_422,
    ),
    (
        "an expired idempotency key is free again",
        idempotency::an_expired_key_is_free_again,
    ),
    (
        "concurrent requests with one idempotency key place one order",
        idempotency::concurrent_requests_with_one_key_place_one_order,
    ),
    (
        "malformed idempotency keys are 400",
        idempotency::malformed_keys_are_400,
    ),
    (
        "unknown SKUs refuse the order",
        orders::unknown_sku_refuses_the_order,
    ),
    (
        "duplicate SKUs are refused",
        orders::duplicate_skus_are_refused,
    ),
    (
        "order bodies are validated",
        orders::order_bodies_are_validated,
    ),
    ("an order and its status", orders::order_and_status),
    ("a missing order is a 404", orders::missing_order_is_404),
    ("orders move through their life cycle", orders::life_cycle),
    (
        "cancelling releases stock",
        orders::cancelling_releases_stock,
    ),
    (
        "forbidden moves are 409s naming the allowed ones",
        orders::forbidden_moves_are_409,
    ),
    (
        "status updates are validated",
        orders::status_updates_are_validated,
    ),
    (
        "public endpoints ignore credentials",
        access::public_endpoints_ignore_credentials,
    ),
    (
        "every protected endpoint against every credential",
        access::every_protected_endpoint_against_every_credential,
    ),
    (
        "customers order for themselves",
        access::customers_order_for_themselves,
    ),
    (
        "customers may only cancel their own open orders",
        access::customers_may_only_cancel_their_own_open_orders,
    ),
    (
        "order lists are scoped, paged and filtered",
        access::order_lists_are_scoped_paged_and_filtered,
    ),
    ("staff add products", staff::staff_add_products),
    (
        "staff change products only as last read",
        staff::staff_change_products_only_as_last_read,
    ),
    (
        "staff count stock, never below what is reserved",
        staff::staff_count_stock_never_below_reserved,
    ),
];
