//! The problems an endpoint declares: each error response's `type`,
//! `title` and extension members.

use super::plan::{EndpointPlan, ProblemPlan, ProblemTypePlan, Ty, TypePlan};
use super::types::{TypeTable, field_plan};
use crate::diag::Diagnostics;
use crate::names;
use crate::spec::{Endpoint, Spec};

/// The members RFC 9457 and keel give every problem.
const STANDARD_MEMBERS: &[&str] = &["type", "title", "status", "detail", "instance", "errors"];

/// keel's own problem types and their statuses (documented, each with its
/// page, by `keel::problem_types::BUILTIN`).
pub const KEEL_TYPES: &[(&str, u16)] = &[
    ("invalid-request", 400),
    ("malformed-json", 400),
    ("unreadable-body", 400),
    ("invalid-url", 400),
    ("invalid-method", 400),
    ("unauthorized", 401),
    ("forbidden", 403),
    ("not-found", 404),
    ("no-route", 404),
    ("method-not-allowed", 405),
    ("request-timeout", 408),
    ("conflict", 409),
    ("idempotency-key-in-use", 409),
    ("precondition-failed", 412),
    ("payload-too-large", 413),
    ("unsupported-media-type", 415),
    ("invalid-body", 422),
    ("idempotency-key-reused", 422),
    ("internal", 500),
    ("unavailable", 503),
];

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

/// The problem types the spec declares, each documented from every error
/// response that names it; a slug declared with two statuses or titles, or
/// one of keel's own, is an error.
pub(super) fn catalogue(
    spec: &Spec,
    types: &TypeTable,
    endpoints: &[EndpointPlan],
    d: &mut Diagnostics,
) -> Vec<ProblemTypePlan> {
    let mut out: Vec<ProblemTypePlan> = Vec::new();
    for endpoint in &spec.endpoints {
        let Some(plan) = endpoints.iter().find(|e| e.id == endpoint.id.value) else {
            continue;
        };
        for response in &endpoint.responses {
            let (Some(slug), Some(title)) = (&response.problem_type, &response.title) else {
                continue;
            };
            let status = response.status.value;
            if KEEL_TYPES.iter().any(|(k, _)| *k == slug.value) {
                d.error_help(
                    &slug.loc,
                    format!("`{}` is one of keel's own problem types", slug.value),
                    "leave `type` and `title` out to answer with it, or name a type of this API's own",
                );
                continue;
            }
            let when = format!(
                "`{} {}`: {}",
                plan.method.as_str(),
                plan.route(),
                response
                    .description
                    .as_deref()
                    .unwrap_or("see the operation.")
                    .trim_end()
            );
            if let Some(known) = out.iter_mut().find(|p| p.slug == slug.value) {
                if known.status != status || known.title != title.value {
                    d.error_help(
                        &slug.loc,
                        format!(
                            "problem type `{}` is declared here as {status} `{}`, and elsewhere as {} `{}`",
                            slug.value, title.value, known.status, known.title
                        ),
                        "a type has one status and one title wherever it is used; name this one differently, or make them agree",
                    );
                }
                known.when.push_str("\n\n");
                known.when.push_str(&when);
                continue;
            }
            let members = plan
                .problems
                .iter()
                .find(|p| p.status == status)
                .map(|p| {
                    p.members
                        .iter()
                        .map(|m| {
                            (
                                m.name.clone(),
                                json_type(types, &m.ty),
                                m.description.clone().unwrap_or_default(),
                                !m.optional,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(ProblemTypePlan {
                slug: slug.value.clone(),
                status,
                title: title.value.clone(),
                when,
                action: response
                    .action
                    .clone()
                    .unwrap_or_else(|| default_action(status).to_owned()),
                members,
            });
        }
    }
    out
}

/// What a client should do about a problem of `status`, when the spec does
/// not say.
fn default_action(status: u16) -> &'static str {
    match status {
        400 | 422 => {
            "Correct the request as `detail` and `errors` say, and send it again; sent unchanged it fails the same way."
        }
        403 => {
            "Do not retry as it is: the answer will not change until the data or the caller does."
        }
        409 | 412 => "Read the resource again, and decide anew whether and how to retry.",
        _ => "See `detail` for this occurrence.",
    }
}

/// A value's JSON type, as a reader would say it.
fn json_type(types: &TypeTable, ty: &Ty) -> String {
    match ty {
        Ty::I64 | Ty::I32 => "integer".to_owned(),
        Ty::F64 => "number".to_owned(),
        Ty::Str(_) => "string".to_owned(),
        Ty::Bool => "boolean".to_owned(),
        Ty::Any => "any".to_owned(),
        Ty::Vec(item) => format!("array of {}", json_type(types, item)),
        Ty::Object(name) => format!("object `{name}`"),
        Ty::Enum(name) => match types.get(name) {
            Some(TypePlan::Enum { variants, .. }) => format!(
                "string, one of {}",
                variants
                    .iter()
                    .map(|(wire, _)| format!("`{wire}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "string".to_owned(),
        },
    }
}
