//! What happens to every request around the generated router, on both
//! targets: the adapters hand each request to [`serve`], and every response
//! leaves through [`finish`].

use http::Method;

use crate::db::Database;
use crate::http::Response;
use crate::service::{Context, Service};

/// Handles one request with `S`: the entry point of every adapter.
///
/// Serves the OpenAPI document and the docs portal (see [`crate::docs`]),
/// answers `HEAD` as `GET` without the body, as HTTP requires, tags every
/// successful `GET` and answers its revalidation (see [`crate::cache`]), and
/// [`finish`]es every response.
pub async fn serve<S: Service, D: Database>(
    cx: &Context<'_, D>,
    mut request: crate::http::Request,
) -> Response {
    let id = crate::request_id::assign(&mut request.headers);
    let head = request.method == Method::HEAD;
    if head {
        request.method = Method::GET;
    }
    let get = request.method == Method::GET;
    let if_none_match = get
        .then(|| crate::cache::if_none_match(&request.headers))
        .flatten();
    let mut response = match crate::docs::respond::<S>(&request) {
        Some(response) => response,
        None => S::handle(cx, request).await,
    };
    if get {
        response = crate::cache::validate(if_none_match.as_ref(), response);
    }
    if head {
        response.body = bytes::Bytes::new();
    }
    finish(response, &id)
}

/// What every response gets, including those an adapter makes itself (for
/// a request it could not read, say): the request id (see
/// [`crate::request_id`]) and `X-Content-Type-Options: nosniff`, as no
/// response of an API is to be sniffed into another type (a JSON string
/// rendered as HTML, say).
pub fn finish(mut response: Response, request_id: &http::HeaderValue) -> Response {
    crate::request_id::stamp(&mut response, request_id);
    response.headers.insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        http::HeaderValue::from_static("nosniff"),
    );
    response
}
