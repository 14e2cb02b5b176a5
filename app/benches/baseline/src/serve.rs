//! Serving the router over HTTP/1.1, and what every request gets: a
//! request id (in `X-Request-Id`, in a problem body and in the log line),
//! `X-Content-Type-Options: nosniff`, and one info line in the log, as the
//! generated server logs at its default level.

use std::convert::Infallible;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tracing::Instrument as _;

use crate::problem::PROBLEM_JSON;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Accepts connections until Ctrl-C or SIGTERM, then lets in-flight
/// requests finish (for up to ten seconds).
pub(crate) async fn run(listener: TcpListener, router: Router, header_timeout: Duration) {
    let graceful = GracefulShutdown::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors, say: do not spin.
                    tracing::warn!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let router = router.clone();
            async move {
                // The router's error type is `Infallible`.
                match router.oneshot(req.map(Body::new)).await {
                    Ok(response) => Ok::<_, Infallible>(response),
                    Err(never) => match never {},
                }
            }
        });
        // The header timeout also closes idle kept-alive connections.
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!("connection from {peer} ended: {err}");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down");
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shut down with connections still open");
    }
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// The middleware around every request: its id, its log line, and the
/// headers every response gets.
pub(crate) async fn log_requests(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = assign_request_id(req.headers_mut());
    let span = tracing::info_span!("request", request_id = %id.to_str().unwrap_or_default());
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), ToString::to_string);
    let mut response = next.run(req).instrument(span.clone()).await;
    if is_problem(response.headers()) {
        response = stamp_problem(response, &id).await;
    }
    let headers = response.headers_mut();
    headers.insert(REQUEST_ID, id);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            target: "shop_baseline::request",
            method = %method,
            path = %target,
            status,
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "{method} {target} -> {status}"
        );
    });
    response
}

fn is_problem(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes())
}

/// Adds `"request_id"` to a problem body, which this server wrote and
/// whose id needs no escaping.
async fn stamp_problem(response: Response, id: &HeaderValue) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut stamped = Vec::with_capacity(bytes.len() + id.len() + 16);
    match bytes.strip_suffix(b"}") {
        Some(open) => {
            stamped.extend_from_slice(open);
            if open.len() > 1 {
                stamped.push(b',');
            }
            stamped.extend_from_slice(b"\"request_id\":\"");
            stamped.extend_from_slice(id.as_bytes());
            stamped.extend_from_slice(b"\"}");
        }
        None => stamped.extend_from_slice(&bytes),
    }
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(stamped))
}

/// The client's `X-Request-Id` if it is sane (1 to 128 of `A-Z a-z 0-9 -
/// _ . : + / =`), else a new one: a random per-process prefix and a
/// counter, 24 hexadecimal digits.
fn assign_request_id(headers: &mut HeaderMap) -> HeaderValue {
    if let Some(id) = headers.get(&REQUEST_ID).filter(|v| {
        (1..=128).contains(&v.len())
            && v.as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(b))
    }) {
        return id.clone();
    }
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 8];
        // Uniqueness within the process still holds through the counter.
        let _ = getrandom::fill(&mut bytes);
        u64::from_le_bytes(bytes)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let id = HeaderValue::try_from(format!("{prefix:016x}{:08x}", n & 0xffff_ffff))
        .unwrap_or_else(|_| HeaderValue::from_static("0"));
    headers.insert(REQUEST_ID, id.clone());
    id
}
