//! The problem types an API answers with, documented: keel's own
//! ([`BUILTIN`]) and those its spec declares ([`crate::Service::PROBLEM_TYPES`]).
//! Each is served as a page at its `type` URI (`/problems/{slug}`, see
//! `docs`), as RFC 9457 asks of a type URI that can be dereferenced: the
//! status, the title, when it happens, its extension members, and what a
//! client should do.

/// One problem type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemType {
    /// Its slug: the `type` is `/problems/{slug}`.
    pub slug: &'static str,
    /// The HTTP status it comes with.
    pub status: u16,
    /// Its `title`, the same on every occurrence.
    pub title: &'static str,
    /// When it happens (Markdown).
    pub when: &'static str,
    /// What a client should do about it (Markdown).
    pub action: &'static str,
    /// The members it adds to RFC 9457's.
    pub members: &'static [Member],
}

/// An extension member of a problem type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Its name.
    pub name: &'static str,
    /// Its JSON type, as a reader would say it (`array of string`).
    pub ty: &'static str,
    /// What it holds.
    pub description: &'static str,
    /// Whether every occurrence has it.
    pub required: bool,
}

impl ProblemType {
    /// The `type` URI: `/problems/{slug}`.
    pub fn uri(&self) -> String {
        format!("/problems/{}", self.slug)
    }
}

const ERRORS: Member = Member {
    name: "errors",
    ty: "array of { pointer, detail }",
    description: "Every violation found: a JSON pointer into the request (`#/path/…`, `#/query/…`, `#/header/…`, `#/body/…`) and what is wrong there.",
    required: false,
};

const FIX_AND_RETRY: &str = "Correct the request as `detail` and `errors` say, and send it again; sent unchanged it fails the same way.";

/// keel's own problem types, which every API may answer with.
pub const BUILTIN: &[ProblemType] = &[
    ProblemType {
        slug: "invalid-request",
        status: 400,
        title: "Invalid request",
        when: "A path, query or header parameter is invalid (wrong type, out of range, unknown, repeated), the body is missing, or a cursor was not issued by this server for this query.",
        action: FIX_AND_RETRY,
        members: &[ERRORS],
    },
    ProblemType {
        slug: "malformed-json",
        status: 400,
        title: "Malformed JSON body",
        when: "The body is not well-formed JSON; `detail` gives the line and column.",
        action: FIX_AND_RETRY,
        members: &[],
    },
    ProblemType {
        slug: "unreadable-body",
        status: 400,
        title: "Unreadable body",
        when: "The body could not be read to its end: the connection failed or the framing was wrong.",
        action: "Send the request again.",
        members: &[],
    },
    ProblemType {
        slug: "invalid-url",
        status: 400,
        title: "Invalid URL",
        when: "The request's URL has no path the server can read.",
        action: FIX_AND_RETRY,
        members: &[],
    },
    ProblemType {
        slug: "invalid-method",
        status: 400,
        title: "Invalid method",
        when: "The request's method is not a valid HTTP method token.",
        action: FIX_AND_RETRY,
        members: &[],
    },
    ProblemType {
        slug: "unauthorized",
        status: 401,
        title: "Unauthorized",
        when: "The operation needs a bearer token, and the request has none, or one that is expired or not valid. `WWW-Authenticate` carries the RFC 6750 challenge.",
        action: "Get a new token from the identity provider that issues them for this API, and send it as `Authorization: Bearer <token>`.",
        members: &[],
    },
    ProblemType {
        slug: "forbidden",
        status: 403,
        title: "Forbidden",
        when: "The token is valid, but its role may not call the operation or send one of its parameters, or the operation refuses this caller what it asks (its description says when).",
        action: "Do not retry with the same token: the answer will not change. Call as a role the operation admits, or ask for what this caller may have.",
        members: &[],
    },
    ProblemType {
        slug: "not-found",
        status: 404,
        title: "Not found",
        when: "The resource the path names does not exist, or is not the caller's to see (the two are answered alike).",
        action: "Check the identifier. A resource just created elsewhere may be visible after the client sends back its latest `D1-Bookmark`.",
        members: &[],
    },
    ProblemType {
        slug: "no-route",
        status: 404,
        title: "No such route",
        when: "No operation of the API has this path.",
        action: "Check the path against the OpenAPI document at `/openapi.json`.",
        members: &[],
    },
    ProblemType {
        slug: "method-not-allowed",
        status: 405,
        title: "Method not allowed",
        when: "The path exists, but not with this method; the `Allow` header lists the methods it has.",
        action: "Use one of the methods `Allow` lists.",
        members: &[],
    },
    ProblemType {
        slug: "request-timeout",
        status: 408,
        title: "Request timeout",
        when: "The request's body did not arrive in time.",
        action: "Send the request again, with its whole body.",
        members: &[],
    },
    ProblemType {
        slug: "conflict",
        status: 409,
        title: "Conflict",
        when: "The request conflicts with the data as it is now: a constraint of the database refused the write, or the operation refuses it for a reason its description gives. Nothing was written.",
        action: "Read the resource again, and decide anew whether and how to retry.",
        members: &[ERRORS],
    },
    ProblemType {
        slug: "idempotency-key-in-use",
        status: 409,
        title: "Request in progress",
        when: "Another request with the same `Idempotency-Key` is still being handled.",
        action: "Wait the `Retry-After` seconds and send the request again with the same key: it then gets that request's response.",
        members: &[],
    },
    ProblemType {
        slug: "precondition-failed",
        status: 412,
        title: "Precondition failed",
        when: "A condition of the request (such as `If-Match`) does not hold for the resource as it is now. Nothing was written.",
        action: "Read the resource again, and decide anew whether to change it.",
        members: &[],
    },
    ProblemType {
        slug: "payload-too-large",
        status: 413,
        title: "Request body too large",
        when: "The body is larger than the server accepts (1 MiB).",
        action: "Send less at a time.",
        members: &[],
    },
    ProblemType {
        slug: "unsupported-media-type",
        status: 415,
        title: "Unsupported media type",
        when: "A body was sent without `Content-Type: application/json` (or another `application/*+json`).",
        action: "Send the body as JSON, with `Content-Type: application/json`.",
        members: &[],
    },
    ProblemType {
        slug: "invalid-body",
        status: 422,
        title: "Request body does not match the schema",
        when: "The body is well-formed JSON that breaks the operation's schema (types, constraints, required and unknown members, a member given twice), or a rule of the data the schema cannot express (the operation's description says which).",
        action: FIX_AND_RETRY,
        members: &[ERRORS],
    },
    ProblemType {
        slug: "idempotency-key-reused",
        status: 422,
        title: "Idempotency key reused",
        when: "The `Idempotency-Key` was used before for a different request (method, path, query or body).",
        action: "Use a new key for a new request; reuse a key only to retry the very same request.",
        members: &[],
    },
    ProblemType {
        slug: "internal",
        status: 500,
        title: "Internal server error",
        when: "The server failed. The details are in its log, under the `request_id` the problem gives.",
        action: "Retry later; if it persists, report the `request_id`.",
        members: &[],
    },
    ProblemType {
        slug: "unavailable",
        status: 503,
        title: "Service unavailable",
        when: "The database is busy. Nothing was done.",
        action: "Wait the `Retry-After` seconds and send the request again.",
        members: &[],
    },
];

/// The problem type `slug`, among an API's own (`declared`) and keel's.
pub fn find(declared: &'static [ProblemType], slug: &str) -> Option<&'static ProblemType> {
    declared
        .iter()
        .chain(BUILTIN)
        .find(|problem| problem.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_titles_match_the_constructors() {
        for (i, p) in BUILTIN.iter().enumerate() {
            assert!(
                !BUILTIN[..i].iter().any(|q| q.slug == p.slug),
                "{} twice",
                p.slug
            );
        }
        // The catalogue documents what the constructors make.
        use crate::problem::Problem;
        for made in [
            Problem::invalid_request(Vec::new()),
            Problem::malformed_json("x"),
            Problem::invalid_body(Vec::new()),
            Problem::not_found("x"),
            Problem::no_route(&http::Method::GET, "/x"),
            Problem::method_not_allowed(&http::Method::GET, &["POST"]),
            Problem::conflict("x"),
            Problem::payload_too_large(1),
            Problem::unsupported_media_type(None),
            Problem::internal(),
            Problem::unavailable(1),
            crate::idempotency::reused(),
            crate::idempotency::in_progress(),
        ] {
            let uri = made.type_uri();
            let slug = uri.trim_start_matches("/problems/");
            let documented = find(&[], slug).unwrap_or_else(|| panic!("{uri} has no page"));
            assert_eq!(documented.title, made.title(), "{uri}");
            assert_eq!(documented.status, made.status().as_u16(), "{uri}");
        }
    }
}
