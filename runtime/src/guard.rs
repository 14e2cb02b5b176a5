//! Guards: queries whose rows refuse a request with a problem the spec
//! declares (`guard: 409` in an endpoint's `queries:`).
//!
//! A guard runs in the same batch as the writes, before them, and the
//! writes are written so that they change nothing when it fires (D1 runs a
//! batch as one transaction, but cannot stop halfway through it). The
//! generated code builds the problem from the guard's rows and hands it to
//! [`refuse`], which checks that promise: a write that changed rows while a
//! guard refused the request is a bug in its SQL, logged and answered with
//! a 500 rather than with a refusal that did not hold.

use http::StatusCode;
use serde::Serialize;

use crate::problem::Problem;

/// The problem a guard starts from: `status`, with the declared `type`
/// slug and `title`. The standard 403 (`forbidden`) carries the
/// `WWW-Authenticate` challenge the framework's own 403 does.
pub fn problem(status: StatusCode, kind: &'static str, title: &'static str) -> Problem {
    let problem = Problem::new(status, kind, title);
    if status == StatusCode::FORBIDDEN && kind == "forbidden" {
        problem.with_header(
            http::header::WWW_AUTHENTICATE,
            crate::auth::INSUFFICIENT_SCOPE,
        )
    } else {
        problem
    }
}

/// Adds extension member `name` with `value`, as JSON. A value that does
/// not serialize (which generated types always do) is logged and left out.
pub fn member<T: Serialize + ?Sized>(problem: Problem, name: &str, value: &T) -> Problem {
    match serde_json::to_value(value) {
        Ok(value) => problem.with_extension(name, value),
        Err(err) => {
            crate::log::error(&format!(
                "problem member `{name}` does not serialize: {err}"
            ));
            problem
        }
    }
}

/// Adds the violation `{ pointer, detail }` to `errors`, unless it is
/// listed already (a guard's rows may repeat it).
pub fn violation(problem: Problem, pointer: String, detail: String) -> Problem {
    if problem
        .errors()
        .iter()
        .any(|v| v.pointer == pointer && v.detail == detail)
    {
        problem
    } else {
        problem.with_violation(pointer, detail)
    }
}

/// The answer when guard `guard` fired: `problem`, if every write of the
/// batch (`(query, rows changed)`) changed nothing; otherwise a 500, with
/// the write that broke the promise in the log.
pub fn refuse(problem: Problem, guard: &str, writes: &[(&str, u64)]) -> Problem {
    match writes.iter().find(|(_, changed)| *changed > 0) {
        None => problem,
        Some((write, changed)) => {
            crate::log::error(&format!(
                "guard `{guard}` refused the request with a {}, but `{write}` changed {changed} row(s) in the same batch; \
                 write it so that it changes nothing when the guard returns a row",
                problem.status().as_u16()
            ));
            Problem::internal()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_holds_only_when_nothing_was_written() {
        let conflict = || problem(StatusCode::CONFLICT, "out-of-stock", "Out of stock");
        let kept = refuse(conflict(), "stock.short", &[("stock.reserve", 0)]);
        assert_eq!(kept.status(), StatusCode::CONFLICT);
        assert_eq!(kept.type_uri(), "/problems/out-of-stock");
        let broken = refuse(
            conflict(),
            "stock.short",
            &[("stock.reserve", 0), ("stock.log", 2)],
        );
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn the_standard_forbidden_problem_challenges_like_the_framework_s() {
        let response = problem(StatusCode::FORBIDDEN, "forbidden", "Forbidden").into_response();
        assert_eq!(
            response
                .headers
                .get(http::header::WWW_AUTHENTICATE)
                .map(|v| v.as_bytes()),
            Some(&b"Bearer error=\"insufficient_scope\""[..])
        );
        let own = problem(StatusCode::FORBIDDEN, "not-yours", "Not yours").into_response();
        assert!(own.headers.get(http::header::WWW_AUTHENTICATE).is_none());
    }

    #[test]
    fn a_repeated_violation_is_listed_once() {
        let p = problem(StatusCode::CONFLICT, "c", "C");
        let p = violation(p, "#/body/status".into(), "no".into());
        let p = violation(p, "#/body/status".into(), "no".into());
        let p = violation(p, "#/body/status".into(), "other".into());
        assert_eq!(p.errors().len(), 2);
    }

    #[test]
    fn members_are_json() {
        let body = member(
            problem(StatusCode::CONFLICT, "c", "C"),
            "allowed",
            &["paid", "cancelled"],
        )
        .into_response()
        .body;
        let json: serde_json::Value = serde_json::from_slice(&body).expect("a problem is JSON");
        assert_eq!(json["allowed"], serde_json::json!(["paid", "cancelled"]));
    }
}
