//! The HTTP/1.1 glue between hyper and a [`Service`], with the limits that
//! keep one client from starving the others: a header-read (and idle
//! keep-alive) timeout, a body timeout, a cap on open connections, backoff
//! when accepting fails (as on `EMFILE`), panics answered as 500 problems,
//! and a graceful shutdown with a deadline.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::FutureExt;
use http::HeaderValue;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::Options;
use crate::auth::Keys;
use crate::db::sqlite::SqliteDatabase;
use crate::http::{DEFAULT_BODY_LIMIT, Request, Response};
use crate::pipeline::{finish, serve};
use crate::problem::Problem;
use crate::service::{Context, Service};

/// The server's limits (see [`Options`] for what each means).
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_timeout: Duration,
}

impl From<&Options> for Limits {
    fn from(options: &Options) -> Self {
        Limits {
            header_timeout: options.header_timeout,
            request_timeout: options.request_timeout,
            max_connections: options.max_connections.max(1),
            shutdown_timeout: options.shutdown_timeout,
        }
    }
}

/// Accepts connections until `shutdown` completes, then stops accepting,
/// lets every in-flight request finish (up to the shutdown deadline) and
/// returns.
pub(super) async fn accept_loop<S: Service>(
    listener: TcpListener,
    db: SqliteDatabase,
    keys: Keys,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let keys = Arc::new(keys);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut backoff = Backoff::default();
    tokio::pin!(shutdown);
    loop {
        // At the cap, stop accepting: further clients wait in the listen
        // backlog rather than take file descriptors from the ones served.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => {
                    backoff.reset();
                    pair
                }
                Err(err) => {
                    // Out of file descriptors (or another resource): retrying
                    // at once would spin. Wait, longer each time.
                    let delay = backoff.next();
                    tracing::warn!("accept failed: {err}; retrying in {} ms", delay.as_millis());
                    tokio::select! {
                        () = tokio::time::sleep(delay) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        let db = db.clone();
        let keys = Arc::clone(&keys);
        let service = service_fn(move |req| {
            let db = db.clone();
            let keys = Arc::clone(&keys);
            async move {
                let cx = Context::new(&db, &keys);
                Ok::<_, Infallible>(handle::<S>(&cx, limits, req).await)
            }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(err) = connection.await {
                tracing::debug!("connection from {peer} ended: {err}");
            }
        });
    }
    // Closing the listener refuses new connections at once.
    drop(listener);
    tracing::info!(
        "shutting down: waiting up to {} ms for in-flight requests",
        limits.shutdown_timeout.as_millis()
    );
    match tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown()).await {
        Ok(()) => tracing::info!("shut down"),
        Err(_) => tracing::warn!(
            "shut down with connections still open after {} ms",
            limits.shutdown_timeout.as_millis()
        ),
    }
}

/// Exponential backoff for a failing accept: 5 ms doubling up to 1 s.
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(5);
    const MAX: Duration = Duration::from_secs(1);

    fn next(&mut self) -> Duration {
        let delay = Self::FIRST.saturating_mul(1 << self.failures.min(16));
        self.failures = self.failures.saturating_add(1);
        delay.min(Self::MAX)
    }

    fn reset(&mut self) {
        self.failures = 0;
    }
}

async fn handle<S: Service>(
    cx: &Context<'_, SqliteDatabase>,
    limits: Limits,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let started = Instant::now();
    let (mut parts, body) = req.into_parts();
    let id = crate::request_id::assign(&mut parts.headers);
    let span = tracing::info_span!("request", request_id = %id.to_str().unwrap_or_default());
    let method = parts.method.clone();
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.to_string());
    let response = async {
        match read_request(parts, body, limits.request_timeout).await {
            Ok(request) => match AssertUnwindSafe(serve::<S, _>(cx, request))
                .catch_unwind()
                .await
            {
                Ok(response) => response,
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic without a message".to_owned());
                    tracing::error!("the handler panicked: {message}");
                    finish(Problem::internal().into_response(), &id)
                }
            },
            Err(problem) => {
                let mut response = finish(problem.into_response(), &id);
                // The rest of a request that could not be read is unknown:
                // close the connection rather than guess where the next
                // request starts.
                response
                    .headers
                    .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
                response
            }
        }
    }
    .instrument(span.clone())
    .await;
    span.in_scope(|| {
        tracing::info!(
            target: "keel::request",
            method = %method,
            path = %target,
            status = response.status.as_u16(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "{method} {target} -> {}",
            response.status.as_u16()
        );
    });
    into_hyper(response)
}

async fn read_request(
    parts: http::request::Parts,
    body: Incoming,
    timeout: Duration,
) -> Result<Request, Problem> {
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > DEFAULT_BODY_LIMIT) {
        // Bounded by the same deadline as any body.
        let _ = tokio::time::timeout(timeout, drain(body)).await;
        return Err(Problem::payload_too_large(DEFAULT_BODY_LIMIT));
    }
    // Most requests have no body: no timer to arm, nothing to collect.
    if hyper::body::Body::is_end_stream(&body) {
        return Ok(into_request(parts, Bytes::new()));
    }
    let collected = tokio::time::timeout(timeout, Limited::new(body, DEFAULT_BODY_LIMIT).collect())
        .await
        .map_err(|_| {
            Problem::new(
                http::StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "Request timeout",
            )
            .with_detail(format!(
                "the request body did not arrive within {} ms",
                timeout.as_millis()
            ))
        })?;
    let body = match collected {
        Ok(collected) => collected.to_bytes(),
        Err(err)
            if err
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return Err(Problem::payload_too_large(DEFAULT_BODY_LIMIT));
        }
        Err(err) => {
            return Err(Problem::new(
                http::StatusCode::BAD_REQUEST,
                "unreadable-body",
                "Unreadable body",
            )
            .with_detail(format!("the request body could not be read: {err}")));
        }
    };
    Ok(into_request(parts, body))
}

fn into_request(parts: http::request::Parts, body: Bytes) -> Request {
    Request {
        method: parts.method,
        path: crate::http::normalize_path(parts.uri.path()).into_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    }
}

/// Reads and discards an oversized body (up to a bound), so that a client
/// that sends its whole body before reading the response still gets the 413
/// rather than a reset connection.
async fn drain(mut body: Incoming) {
    const DRAIN_LIMIT: usize = 16 * DEFAULT_BODY_LIMIT;
    let mut seen = 0;
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            seen += data.len();
        }
        if seen > DRAIN_LIMIT {
            break;
        }
    }
}

fn into_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(response.body));
    *out.status_mut() = response.status;
    *out.headers_mut() = response.headers;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_backoff_doubles_up_to_a_second_and_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<u128> = (0..10).map(|_| backoff.next().as_millis()).collect();
        assert_eq!(delays, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.next(), Duration::from_millis(5));
    }
}
