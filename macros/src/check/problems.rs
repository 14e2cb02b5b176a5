//! The problems an endpoint declares: each error response's `type`,
//! `title` and extension members.

use super::plan::ProblemPlan;
use super::types::{TypeTable, field_plan};
use crate::diag::Diagnostics;
use crate::names;
use crate::spec::Endpoint;

/// The members RFC 9457 and keel give every problem.
const STANDARD_MEMBERS: &[&str] = &["type", "title", "status", "detail", "instance", "errors"];

/// The problem keel answers `status` with when the spec names no `type`:
/// the same `type` and `title` as the runtime's own constructors
/// (`keel::Problem::not_found`, …).
pub fn standard_problem(status: u16) -> Option<(&'static str, &'static str)> {
    Some(match status {
        400 => ("invalid-request", "Invalid request"),
        403 => ("forbidden", "Forbidden"),
        404 => ("not-found", "Not found"),
        409 => ("conflict", "Conflict"),
        412 => ("precondition-failed", "Precondition failed"),
        422 => ("invalid-body", "Request body does not match the schema"),
        _ => return None,
    })
}

/// Plans the problem of each error response of `endpoint`.
pub(super) fn problems(
    types: &mut TypeTable,
    endpoint: &Endpoint,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<ProblemPlan> {
    let mut problems = Vec::new();
    for r in endpoint.responses.iter().filter(|r| r.status.value >= 400) {
        let status = r.status.value;
        let mut members = Vec::new();
        for field in &r.extensions {
            let name = &field.name.value;
            if STANDARD_MEMBERS.contains(&name.as_str()) {
                d.error(
                    &field.name.loc,
                    format!(
                        "{what}: `{name}` is a standard member of every problem, not an extension"
                    ),
                );
                continue;
            }
            let context = format!(
                "{}Problem{status}{}",
                names::to_pascal_case(&endpoint.id.value),
                names::to_pascal_case(name)
            );
            let fwhat = format!("problem member `{name}` of response {status} of {what}");
            if let Some(ty) = types.resolve(&field.spec.ty, &context, &fwhat, d) {
                members.push(field_plan(field, ty));
            }
        }
        let identity = match (&r.problem_type, &r.title) {
            (Some(kind), Some(title)) => Some((kind.value.clone(), title.value.clone())),
            _ => standard_problem(status).map(|(k, t)| (k.to_owned(), t.to_owned())),
        };
        problems.push(ProblemPlan {
            status,
            identity,
            members,
        });
    }
    problems
}
