//! The Workers target: serves a [`Service`] from a `fetch` event with a D1
//! binding.
//!
//! ```ignore
//! #[worker::event(fetch)]
//! async fn fetch(req: worker::Request, env: worker::Env, _: worker::Context) -> worker::Result<worker::Response> {
//!     keel::worker::fetch::<Api>(req, &env, "DB").await
//! }
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::auth::{Keys, Security};
use crate::db::d1::D1Database;
use crate::db::{BOOKMARK_HEADER, valid_bookmark};
use crate::http::{DEFAULT_BODY_LIMIT, Request, Response};
use crate::pipeline::{finish, serve};
use crate::problem::Problem;
use crate::service::{Context, Service};

/// Handles one `fetch` event with the API `S` and the D1 binding `binding`.
///
/// Never fails for a bad request: every error is a problem response. It
/// returns `Err` only if the runtime cannot build a response at all.
pub async fn fetch<S: Service>(
    req: worker::Request,
    env: &worker::Env,
    binding: &str,
) -> worker::Result<worker::Response> {
    let id = request_id(&req);
    let response = match read_request(req).await {
        Ok(mut request) => {
            request
                .headers
                .insert(crate::request_id::HEADER, id.clone());
            match D1Database::for_request(env, binding, bookmark(&request)) {
                Ok(db) => {
                    let keys = keys(S::SECURITY, env);
                    let mut response = serve::<S, _>(&Context::new(&db, &keys), request).await;
                    if let Some(bookmark) = db.bookmark()
                        && let Ok(value) = HeaderValue::from_str(&bookmark)
                    {
                        response.headers.insert(BOOKMARK_HEADER, value);
                    }
                    response
                }
                Err(err) => {
                    crate::log::error(&format!("request {id:?}: {err}"));
                    finish(Problem::internal().into_response(), &id)
                }
            }
        }
        Err(problem) => finish(problem.into_response(), &id),
    };
    into_worker(response)
}

/// The bookmark the client sent back (see [`crate::db::d1`]), if it is
/// one. An endpoint that may read a replica refuses any other value (a
/// 400, see [`crate::extract::bookmark`]) before it reads; the others
/// start at the primary and have no use for it.
fn bookmark(request: &Request) -> Option<String> {
    let value = request.headers.get(BOOKMARK_HEADER)?.to_str().ok()?;
    valid_bookmark(value).then(|| value.to_owned())
}

/// The request's id, read before anything else can fail (see
/// [`crate::request_id`]).
fn request_id(req: &worker::Request) -> HeaderValue {
    let mut headers = HeaderMap::new();
    for name in ["x-request-id", "cf-ray"] {
        if let Ok(Some(value)) = req.headers().get(name)
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            headers.insert(name, value);
        }
    }
    crate::request_id::assign(&mut headers)
}

thread_local! {
    /// The keys last read, with the variable values they were read from: an
    /// isolate serves many requests, and the secrets rarely change between
    /// them, so the keys are parsed once.
    static KEYS: RefCell<Option<(Variables, Rc<Keys>)>> = const { RefCell::new(None) };
}

/// Each variable a scheme names, with its value.
type Variables = Vec<(&'static str, Option<String>)>;

/// The verification keys, from the Worker's secrets (or vars) that the
/// schemes name. Unusable or missing keys are logged once per change; the
/// endpoints that need them answer 500 while public ones keep working.
fn keys(security: &'static Security, env: &worker::Env) -> Rc<Keys> {
    let values: Variables = security
        .schemes
        .iter()
        .flat_map(|s| s.keys.iter())
        .map(|&(_, variable)| variable)
        .chain([crate::cursor::CURSOR_KEY_VARIABLE])
        .map(|variable| (variable, env.var(variable).ok().map(|v| v.to_string())))
        .collect();
    KEYS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((seen, keys)) = cache.as_ref()
            && *seen == values
        {
            return Rc::clone(keys);
        }
        let (keys, errors) = Keys::read(security, |name| {
            values
                .iter()
                .find(|(variable, _)| *variable == name)
                .and_then(|(_, value)| value.clone())
        });
        for error in errors {
            crate::log::error(&error.to_string());
        }
        let keys = Rc::new(keys);
        *cache = Some((values, Rc::clone(&keys)));
        keys
    })
}

async fn read_request(mut req: worker::Request) -> Result<Request, Problem> {
    // The method as sent (the Fetch API has normalized its case already):
    // `worker::Method` would turn an unknown one into GET.
    let method = Method::from_bytes(req.inner().method().as_bytes()).map_err(|_| {
        Problem::new(
            http::StatusCode::BAD_REQUEST,
            "invalid-method",
            "Invalid method",
        )
    })?;
    let url = req.inner().url();
    let (path, query) = crate::http::path_and_query(&url)
        .ok_or_else(|| Problem::new(http::StatusCode::BAD_REQUEST, "invalid-url", "Invalid URL"))?;
    let mut headers = HeaderMap::new();
    for (name, value) in req.headers().entries() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > DEFAULT_BODY_LIMIT) {
        return Err(Problem::payload_too_large(DEFAULT_BODY_LIMIT));
    }
    let body = if method == Method::GET || method == Method::HEAD {
        Bytes::new()
    } else {
        read_body(&mut req).await?
    };
    Ok(Request {
        method,
        path: path.to_owned(),
        query: query.map(str::to_owned),
        headers,
        body,
    })
}

/// Reads the body chunk by chunk and stops at the limit, so that a large
/// upload without `Content-Length` never has to fit in the isolate.
async fn read_body(req: &mut worker::Request) -> Result<Bytes, Problem> {
    // `stream()` fails only when the request has no body at all.
    let Ok(mut stream) = req.stream() else {
        return Ok(Bytes::new());
    };
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| {
            Problem::new(
                http::StatusCode::BAD_REQUEST,
                "unreadable-body",
                "Unreadable body",
            )
            .with_detail(format!("the request body could not be read: {err}"))
        })?;
        if body.len() + chunk.len() > DEFAULT_BODY_LIMIT {
            return Err(Problem::payload_too_large(DEFAULT_BODY_LIMIT));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

fn into_worker(response: Response) -> worker::Result<worker::Response> {
    let headers = worker::Headers::new();
    for (name, value) in &response.headers {
        if let Ok(value) = value.to_str() {
            headers.append(name.as_str(), value)?;
        }
    }
    let out = if response.body.is_empty() {
        worker::Response::empty()?
    } else {
        worker::Response::from_bytes(response.body.to_vec())?
    };
    Ok(out
        .with_status(response.status.as_u16())
        .with_headers(headers))
}

/// Handles one `scheduled` event: runs every job of `S` whose schedule is
/// the cron trigger that fired, on the D1 binding `binding`. A job's
/// failure is logged; it runs again at the trigger's next time.
///
/// ```ignore
/// #[worker::event(scheduled)]
/// async fn scheduled(event: worker::ScheduledEvent, env: worker::Env, _: worker::ScheduleContext) {
///     keel::worker::scheduled::<Api>(&event.cron(), &env, "DB").await;
/// }
/// ```
pub async fn scheduled<S: Service>(cron: &str, env: &worker::Env, binding: &str) {
    let db = match D1Database::from_env(env, binding) {
        Ok(db) => db,
        Err(err) => {
            crate::log::error(&format!("scheduled {cron:?}: {err}"));
            return;
        }
    };
    let fired = cron.split_whitespace().collect::<Vec<_>>().join(" ");
    let variable = |name: &str| {
        env.var(name)
            .map(|v| v.to_string())
            .or_else(|_| env.secret(name).map(|s| s.to_string()))
            .ok()
    };
    let mut ran = false;
    for job in S::JOBS.iter().filter(|job| job.schedule == fired) {
        ran = true;
        match job.run(&db, &variable).await {
            Ok(done) => {
                worker::console_log!("job {} ran: rows changed {:?}", job.name, done.changed)
            }
            Err(err) => crate::log::error(&format!(
                "job {} failed: {err}; it runs again at its next time",
                job.name
            )),
        }
    }
    if !ran {
        crate::log::warn(&format!(
            "the cron trigger {cron:?} fired, but no job has that schedule"
        ));
    }
}
