//! What every API serves besides its endpoints: its OpenAPI document at
//! `/openapi.json` and `/openapi.yaml`, a page for each problem type at its
//! `type` URI (`/problems/…`, see `problems`), and, with the `docs-portal`
//! feature (on by default), an interactive reference at `/docs`.
//!
//! The portal is Swagger UI, from its release archive (vendored on
//! crates.io): it works with no network at all, on both targets. Natively its
//! files are embedded in the binary. On Workers they would weigh 1.7 MB in
//! the wasm (most of the upload), so they are served by Workers Static
//! Assets instead, from the files `scripts/docs-assets.mjs` writes out of the
//! same archive; only the page itself and its small `init.js` come from the
//! Worker. The page refers to its assets and to the document by relative
//! URLs, so it loads behind a path prefix too (where "Try it out" sends
//! requests is up to the document's `servers`).

mod problems;
pub mod yaml;

use http::{Method, StatusCode, header};

use crate::http::{Request, Response};
use crate::problem::Problem;
use crate::service::Service;

/// The paths served here, which no endpoint may use.
pub const RESERVED_PATHS: &[&str] = &["/openapi.json", "/openapi.yaml", "/docs", "/problems"];

/// Answers `req` if it is for the document or the portal.
pub fn respond<S: Service>(req: &Request) -> Option<Response> {
    let path = req.path.as_str();
    let found = match path {
        "/openapi.json" => Some(document(S::OPENAPI_JSON, "application/json")),
        "/openapi.yaml" => match yaml::of_embedded(S::OPENAPI_JSON) {
            Some(text) => Some(document(text, "application/yaml")),
            None => {
                crate::log::error("the embedded OpenAPI document is not JSON");
                Some(Problem::internal().into_response())
            }
        },
        _ if path.starts_with("/problems") => {
            problems::respond(S::PROBLEM_TYPES, S::TITLE, path, &req.headers)
        }
        _ => portal::<S>(path),
    }?;
    if req.method != Method::GET {
        return Some(Problem::method_not_allowed(&req.method, &["GET", "HEAD"]).into_response());
    }
    Some(found)
}

fn document(text: &'static str, content_type: &'static str) -> Response {
    let mut response = Response::new(StatusCode::OK, content_type, text.as_bytes());
    response.headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    response
}

#[cfg(feature = "docs-portal")]
fn portal<S: Service>(path: &str) -> Option<Response> {
    const INIT: &str = "window.ui = SwaggerUIBundle({\n  url: 'openapi.json',\n  dom_id: '#swagger-ui',\n  deepLinking: true,\n  displayOperationId: true,\n  defaultModelsExpandDepth: 1,\n});\n";
    let asset = |body: &'static [u8], content_type: &'static str| {
        let mut response = Response::new(StatusCode::OK, content_type, body);
        // The page asks for them with a `?v=` that changes with each keel
        // or Swagger UI release, so they can be cached for good.
        response.headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
        response
    };
    Some(match path {
        "/docs" => {
            let mut response =
                Response::new(StatusCode::OK, "text/html; charset=utf-8", page(S::TITLE));
            response.headers.insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-cache"),
            );
            // The page runs on the API's own origin: it may load only its
            // own assets and call only the API, and nobody may frame it.
            // (Swagger UI sets inline styles and draws icons as data: URLs.)
            response.headers.insert(
                header::CONTENT_SECURITY_POLICY,
                header::HeaderValue::from_static(PORTAL_POLICY),
            );
            response.headers.insert(
                header::X_FRAME_OPTIONS,
                header::HeaderValue::from_static("DENY"),
            );
            response.headers.insert(
                header::REFERRER_POLICY,
                header::HeaderValue::from_static("no-referrer"),
            );
            response
        }
        // The page's relative URLs resolve against `/docs`, not `/docs/`:
        // send the slashed form there (relative, so it works behind a prefix).
        "/docs/" => {
            let mut response = Response::empty(StatusCode::PERMANENT_REDIRECT);
            response.headers.insert(
                header::LOCATION,
                header::HeaderValue::from_static("../docs"),
            );
            response
        }
        "/docs/init.js" => asset(INIT.as_bytes(), "text/javascript; charset=utf-8"),
        _ => {
            let (body, content_type) = embedded(path)?;
            asset(body, content_type)
        }
    })
}

/// Swagger UI's own files, embedded in the native binary.
#[cfg(all(feature = "docs-portal", not(target_arch = "wasm32")))]
fn embedded(path: &str) -> Option<(&'static [u8], &'static str)> {
    Some(match path {
        "/docs/swagger-ui-bundle.js" => (
            include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui-bundle.js")),
            "text/javascript; charset=utf-8",
        ),
        "/docs/swagger-ui.css" => (
            include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui.css")),
            "text/css; charset=utf-8",
        ),
        "/docs/favicon-32x32.png" => (
            include_bytes!(concat!(env!("OUT_DIR"), "/favicon-32x32.png")),
            "image/png",
        ),
        _ => return None,
    })
}

/// On Workers, Workers Static Assets serves Swagger UI's files before the
/// Worker runs (`[assets]` in `wrangler.toml`); a request for one that
/// reaches the Worker finds no such asset, as for any other unknown path.
#[cfg(all(feature = "docs-portal", target_arch = "wasm32"))]
fn embedded(_path: &str) -> Option<(&'static [u8], &'static str)> {
    None
}

/// The portal page's `Content-Security-Policy`.
#[cfg(feature = "docs-portal")]
pub const PORTAL_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

#[cfg(not(feature = "docs-portal"))]
fn portal<S: Service>(_path: &str) -> Option<Response> {
    None
}

#[cfg(feature = "docs-portal")]
fn page(title: &str) -> String {
    let title = escape_html(title);
    let v = concat!(
        env!("CARGO_PKG_VERSION"),
        "-",
        env!("KEEL_SWAGGER_UI_VERSION")
    );
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}: API reference</title>\n\
         <link rel=\"stylesheet\" href=\"docs/swagger-ui.css?v={v}\">\n\
         <link rel=\"icon\" type=\"image/png\" href=\"docs/favicon-32x32.png?v={v}\">\n\
         </head>\n<body>\n<div id=\"swagger-ui\"></div>\n\
         <script src=\"docs/swagger-ui-bundle.js?v={v}\"></script>\n\
         <script src=\"docs/init.js?v={v}\"></script>\n</body>\n</html>\n"
    )
}

/// `text` safe inside HTML text and attribute values.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
