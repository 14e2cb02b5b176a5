//! The pages of the problem types, at their `type` URIs: `/problems/{slug}`
//! for one, `/problems` for all. JSON for clients, HTML for browsers, by
//! the request's `Accept` header; the same on both targets, with nothing
//! fetched from elsewhere.

use http::{HeaderMap, StatusCode, header};
use serde_json::json;

use super::escape_html as escape;
use crate::http::Response;
use crate::problem_types::{BUILTIN, ProblemType, find};

/// The page for `path` (`/problems` or `/problems/{slug}`), if it is one.
pub(super) fn respond(
    declared: &'static [ProblemType],
    title: &str,
    path: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    let html = prefers_html(headers);
    let all = || declared.iter().chain(BUILTIN);
    let response = match path.strip_prefix("/problems") {
        Some("" | "/") => {
            if html {
                page(title, "Problem types", &index_html(all()))
            } else {
                let list: Vec<_> = all().map(as_json).collect();
                json_response(&json!({ "problem_types": list }))
            }
        }
        Some(rest) => {
            let problem = find(declared, rest.strip_prefix('/')?)?;
            if html {
                page(title, problem.title, &problem_html(problem))
            } else {
                json_response(&as_json(problem))
            }
        }
        None => return None,
    };
    Some(response)
}

/// Whether the client would rather have HTML than JSON: it names
/// `text/html` with a quality above that of any JSON type it names (a
/// browser's `Accept`). Without `Accept`, JSON.
fn prefers_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut html = 0.0_f32;
    let mut json = 0.0_f32;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if media == "text/html" {
            html = html.max(quality);
        } else if media == "application/json"
            || media == "application/problem+json"
            || media.ends_with("+json")
        {
            json = json.max(quality);
        }
    }
    html > 0.0 && html > json
}

fn as_json(p: &ProblemType) -> serde_json::Value {
    json!({
        "type": p.uri(),
        "status": p.status,
        "title": p.title,
        "when": p.when,
        "action": p.action,
        "members": p.members.iter().map(|m| json!({
            "name": m.name,
            "type": m.ty,
            "description": m.description,
            "required": m.required,
        })).collect::<Vec<_>>(),
    })
}

fn json_response(value: &serde_json::Value) -> Response {
    let mut response = Response::new(
        StatusCode::OK,
        "application/json",
        value.to_string().into_bytes(),
    );
    vary(&mut response);
    response
}

fn vary(response: &mut Response) {
    response
        .headers
        .insert(header::VARY, header::HeaderValue::from_static("Accept"));
    response.headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=300"),
    );
}

fn page(api: &str, heading: &str, body: &str) -> Response {
    let text = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{heading}: {api}</title>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}}\
         code{{background:#f3f3f3;padding:0 .2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}}</style>\n\
         </head>\n<body>\n<p><a href=\"/problems\">Problem types</a> · <a href=\"/docs\">API reference</a></p>\n\
         <h1>{heading}</h1>\n{body}</body>\n</html>\n",
        api = escape(api),
        heading = escape(heading),
    );
    let mut response = Response::new(
        StatusCode::OK,
        "text/html; charset=utf-8",
        text.into_bytes(),
    );
    vary(&mut response);
    response
}

fn problem_html(p: &ProblemType) -> String {
    let mut out = format!(
        "<p><code>type</code>: <code>{}</code> · status <strong>{}</strong></p>\n\
         <h2>When it happens</h2>\n<p>{}</p>\n<h2>What to do</h2>\n<p>{}</p>\n",
        escape(&p.uri()),
        p.status,
        inline(p.when),
        inline(p.action)
    );
    out.push_str("<h2>Members</h2>\n<p>Every problem has <code>type</code>, <code>title</code>, <code>status</code> and <code>request_id</code>, and usually <code>detail</code>, which says what happened this time.");
    if p.members.is_empty() {
        out.push_str(" This one has no others.</p>\n");
    } else {
        out.push_str(" This one may also have:</p>\n<table>\n<tr><th>member</th><th>type</th><th>what it holds</th></tr>\n");
        for m in p.members {
            out.push_str(&format!(
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(m.name),
                if m.required { "" } else { " (optional)" },
                escape(m.ty),
                inline(m.description)
            ));
        }
        out.push_str("</table>\n");
    }
    out
}

fn index_html<'a>(all: impl Iterator<Item = &'a ProblemType>) -> String {
    let mut out = String::from("<table>\n<tr><th>status</th><th>type</th><th>title</th></tr>\n");
    for p in all {
        out.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"{uri}\"><code>{uri}</code></a></td><td>{}</td></tr>\n",
            p.status,
            escape(p.title),
            uri = escape(&p.uri()),
        ));
    }
    out.push_str("</table>\n");
    out
}

/// Text with `code spans` as `<code>`, everything else escaped.
fn inline(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            header::HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn browsers_get_html_and_clients_json() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(prefers_html(&accept(browser)));
        assert!(!prefers_html(&HeaderMap::new()));
        assert!(!prefers_html(&accept("application/json")));
        assert!(!prefers_html(&accept("*/*")));
        assert!(!prefers_html(&accept("text/html;q=0.5, application/json")));
        assert!(prefers_html(&accept("application/json;q=0.5, text/html")));
        assert!(!prefers_html(&accept("text/html;q=0")));
    }

    #[test]
    fn every_page_is_served_in_both_forms() {
        let html = accept("text/html");
        for p in BUILTIN {
            let json = respond(&[], "API", &p.uri(), &HeaderMap::new()).expect("a page");
            assert_eq!(json.status, StatusCode::OK);
            let body: serde_json::Value = serde_json::from_slice(&json.body).expect("JSON");
            assert_eq!(body["type"], p.uri());
            assert_eq!(body["title"], p.title);
            let page = respond(&[], "API", &p.uri(), &html).expect("a page");
            let text = String::from_utf8_lossy(&page.body).into_owned();
            assert!(
                text.contains(&format!("<h1>{}</h1>", escape(p.title))),
                "{text}"
            );
        }
        assert!(respond(&[], "API", "/problems/nope", &html).is_none());
        assert!(respond(&[], "API", "/problemsx", &html).is_none());
    }

    #[test]
    fn code_spans_become_code_and_the_rest_is_escaped() {
        assert_eq!(
            inline("send `<b>` & retry"),
            "send <code>&lt;b&gt;</code> &amp; retry"
        );
    }
}
