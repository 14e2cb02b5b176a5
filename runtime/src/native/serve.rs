//! The HTTP/1.1 glue between hyper and a [`Service`].

use std::convert::Infallible;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::auth::Keys;
use crate::db::sqlite::SqliteDatabase;
use crate::http::{DEFAULT_BODY_LIMIT, Request, Response};
use crate::problem::Problem;
use crate::service::{Context, Service, serve};

pub(super) async fn accept_loop<S: Service>(
    listener: TcpListener,
    db: SqliteDatabase,
    keys: Keys,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let keys = std::sync::Arc::new(keys);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    tracing::warn!("accept failed: {err}");
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let db = db.clone();
        let keys = std::sync::Arc::clone(&keys);
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let db = db.clone();
                let keys = std::sync::Arc::clone(&keys);
                async move { Ok::<_, Infallible>(handle::<S>(&Context::new(&db, &keys), req).await) }
            });
            if let Err(err) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!("connection from {peer} ended: {err}");
            }
        });
    }
}

async fn handle<S: Service>(
    cx: &Context<'_, SqliteDatabase>,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let started = Instant::now();
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |pq| pq.to_string());
    let response = match read_request(req).await {
        Ok(request) => serve::<S, _>(cx, request).await,
        Err(problem) => problem.into_response(),
    };
    tracing::info!(
        "{method} {target} -> {} ({:.2} ms)",
        response.status.as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    into_hyper(response)
}

async fn read_request(req: hyper::Request<Incoming>) -> Result<Request, Problem> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > DEFAULT_BODY_LIMIT) {
        drain(body).await;
        return Err(Problem::payload_too_large(DEFAULT_BODY_LIMIT));
    }
    let body = match Limited::new(body, DEFAULT_BODY_LIMIT).collect().await {
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
    Ok(Request {
        method: parts.method,
        path: crate::http::normalize_path(parts.uri.path()).into_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    })
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
