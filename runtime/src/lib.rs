//! # keel
//!
//! The runtime of keel, a framework for typed JSON APIs generated from a
//! declarative spec. An app describes its API in `api.yaml`, writes its
//! queries as annotated SQL, and invokes [`api!`]; the macro generates the
//! types, the typed query bindings, one handler per endpoint and the router,
//! all written against this crate. The same generated code runs:
//!
//! - **on Cloudflare Workers with D1**, through [`worker`](crate::worker) and
//!   `db::d1`, for production at the edge;
//! - **natively on an embedded SQLite file**, through [`native`] and
//!   [`db::sqlite`], for development, tests and self-hosting.
//!
//! What lives here, by topic:
//!
//! - [`problem`]: RFC 9457 errors and the error policy; [`problem_types`]:
//!   the types, documented.
//! - [`auth`]: bearer JWTs, roles and the claims that identify a caller.
//! - [`extract`]: reading and validating parameters and JSON bodies.
//! - [`db`]: the [`Database`] trait, typed queries and batches, the two
//!   backends, and migrations.
//! - [`cursor`]: opaque keyset-pagination cursors.
//! - [`idempotency`]: `Idempotency-Key`, so a retried write is not done twice.
//! - [`guard`]: the problems a guard query refuses a request with.
//! - [`jobs`]: SQL run on a schedule.
//! - [`http`]: the target-neutral request and response.
//! - [`service`]: the [`Service`] trait every generated API implements.
//! - [`request_id`]: the id that ties a response to its log lines.
//!
//! See `docs/` in the repository for the spec format and guides.

#![cfg_attr(target_arch = "wasm32", allow(unreachable_pub))]

pub mod auth;
pub mod cache;
pub mod cursor;
pub mod db;
pub mod docs;
pub mod extract;
pub mod guard;
pub mod http;
pub mod idempotency;
pub mod jobs;
pub mod log;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod pipeline;
pub mod problem;
pub mod problem_types;
pub mod request_id;
pub mod router;
pub mod service;
pub mod token;
pub mod value;
#[cfg(target_arch = "wasm32")]
pub mod worker;

pub use db::{
    Batch, Database, DbError, Mapped, MaybeSend, MaybeSync, Migration, Query, ResultSet, Row, Sql,
    Statement,
};
pub use http::{Request, Response};
pub use keel_macros::api;
pub use pipeline::{finish, serve};
pub use problem::{Problem, Violation, Violations};
pub use service::{Context, Service};
pub use value::{FromValue, StringEnum, Value};

/// Re-exports for generated code. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use ::http::{HeaderValue, Method, StatusCode, header};
    pub use ::serde;
    pub use ::serde_json;
}
