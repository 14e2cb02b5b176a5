//! The shop API: product listings, inventory checks, orders and order
//! status updates.
//!
//! Almost all of it is declared: `api.yaml` (at the workspace root) says what
//! the API is, `queries/*.sql` how each endpoint reads and writes, and
//! `migrations/` what the database looks like. [`keel::api!`] generates the
//! rest at compile time: there is no hand-written endpoint.
//!
//! The same code serves natively (`src/main.rs`, on SQLite) and on
//! Cloudflare Workers (the `fetch` and `scheduled` events below, on D1).

keel::api!(
    spec = "../api.yaml",
    queries = "queries",
    migrations = "../migrations",
    // The contract as last released: a change that would break its
    // clients fails the build (docs/openapi.md, "Evolving the API").
    contract = "../docs/contract"
);

/// The sample data a new development database is filled with.
pub const SAMPLE_DATA: &str = include_str!("../seed/dev.sql");

/// The API's OpenAPI 3.1 document, as served at `/openapi.json` and
/// committed as `docs/openapi.json`.
pub const OPENAPI_JSON: &str = <Api as keel::Service>::OPENAPI_JSON;

/// The Workers entry point: every request goes to the generated API, with
/// the D1 database bound as `DB` in `wrangler.toml`.
#[cfg(target_arch = "wasm32")]
#[worker::event(fetch)]
async fn fetch(
    req: worker::Request,
    env: worker::Env,
    _ctx: worker::Context,
) -> worker::Result<worker::Response> {
    keel::worker::fetch::<Api>(req, &env, "DB").await
}

/// The Workers cron entry point: runs the spec's jobs whose schedule is the
/// trigger that fired (the triggers are in `wrangler.toml`).
#[cfg(target_arch = "wasm32")]
#[worker::event(scheduled)]
async fn scheduled(event: worker::ScheduledEvent, env: worker::Env, _ctx: worker::ScheduleContext) {
    keel::worker::scheduled::<Api>(&event.cron(), &env, "DB").await;
}
