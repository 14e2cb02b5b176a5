//! Guards: queries whose rows refuse a request with a declared problem.
//!
//! The rules, documented in `docs/spec.md#guards`:
//! - `guard: <status>` names one of the endpoint's error responses, whose
//!   `type` and `title` (declared, or keel's standard ones for the status)
//!   the problem takes;
//! - a guard is `:optional` or `:many`, and comes before every write of the
//!   batch, so it sees the state the writes would change;
//! - its columns fill the problem: `detail` (from the first row), the
//!   declared extension members (a scalar from the first row, a list with
//!   one item per row), and `errors_pointer` with `errors_detail` (one
//!   violation per row); any other column is an error, and so is a
//!   required member no column fills.

use super::mapping::{Mapped, check_column, column_facts};
use super::plan::{FieldPlan, GuardPlan, MemberFill, ProblemPlan, Ty};
use super::types::describe;
use crate::diag::Diagnostics;
use crate::names;
use crate::sql::Cardinality;

/// The columns every guard may return besides extension members.
const STANDARD_COLUMNS: &[&str] = &["detail", "errors_pointer", "errors_detail"];

/// Plans the guards among `mapped`, or reports why they cannot refuse.
/// `writes` are the statements that write.
pub(super) fn plan(
    mapped: &[Mapped<'_>],
    writes: &[usize],
    problems: &[ProblemPlan],
    what: &str,
    d: &mut Diagnostics,
) -> Vec<GuardPlan> {
    let mut out = Vec::new();
    for m in mapped {
        let Some(status) = &m.entry.guard else {
            continue;
        };
        let q = &m.query.full_name;
        let errors = d.count();
        if m.entry.into.is_some() || m.entry.paginate.is_some() {
            d.error_help(
                &m.entry.loc,
                format!("{what}: guard `{q}` fills the problem it refuses with, not a field of the response"),
                "remove `into` and `paginate` from the guard",
            );
        }
        match m.query.cardinality {
            Cardinality::Optional | Cardinality::Many => {}
            other => d.error_help(
                &m.entry.loc,
                format!(
                    "{what}: guard `{q}` is `{}`, but a guard refuses the request when it returns a row",
                    other.as_str()
                ),
                "declare it `:optional` (one row refuses) or `:many` (each row adds to the problem)",
            ),
        }
        if let Some(&write) = writes.iter().find(|&&w| w < m.stmt) {
            d.error_help(
                &m.entry.loc,
                format!(
                    "{what}: guard `{q}` comes after `{}`, which writes; guards see the state before the writes",
                    mapped[write].query.full_name
                ),
                "list every guard before the queries that write",
            );
        }
        let Some(problem) = problems.iter().find(|p| p.status == status.value) else {
            let declared: Vec<String> = problems.iter().map(|p| p.status.to_string()).collect();
            d.error_help(
                &status.loc,
                format!(
                    "{what}: guard `{q}` refuses with a {} problem, which the endpoint does not declare{}",
                    status.value,
                    if declared.is_empty() {
                        String::new()
                    } else {
                        format!(" (it declares {})", names::join_or(&declared))
                    }
                ),
                format!(
                    "declare it under `responses`, like `{}: {{ description: ..., type: ..., title: ... }}`",
                    status.value
                ),
            );
            continue;
        };
        let Some((kind, title)) = problem.identity.clone() else {
            d.error_help(
                &status.loc,
                format!(
                    "{what}: guard `{q}` refuses with the {} problem, which has no `type` and `title`, and keel has no standard one for {}",
                    status.value, status.value
                ),
                format!(
                    "give response {} a `type` (a slug) and a `title`",
                    status.value
                ),
            );
            continue;
        };
        let fill = columns(m, problem, what, d);
        if d.count() == errors
            && let Some((detail, errors, members)) = fill
        {
            out.push(GuardPlan {
                stmt: m.stmt,
                query: q.clone(),
                status: status.value,
                kind,
                title,
                detail,
                errors,
                members,
            });
        }
    }
    out
}

type Filled = (
    Option<(usize, bool)>,
    Option<(usize, usize)>,
    Vec<MemberFill>,
);

/// What each column of guard `m` fills in `problem`.
fn columns(
    m: &Mapped<'_>,
    problem: &ProblemPlan,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Filled> {
    let q = &m.query.full_name;
    let status = problem.status;
    let position = |name: &str| m.columns.iter().position(|c| c.name == name);
    let text = Ty::Str(None);
    let detail = position("detail").map(|i| {
        check_column(m, i, &text, true, "the problem's `detail`", what, d);
        (i, nullable(m, i))
    });
    let errors = match (position("errors_pointer"), position("errors_detail")) {
        (Some(pointer), Some(detail)) => {
            check_column(
                m,
                pointer,
                &text,
                true,
                "the `pointer` of a violation",
                what,
                d,
            );
            check_column(
                m,
                detail,
                &text,
                false,
                "the `detail` of a violation",
                what,
                d,
            );
            Some((pointer, detail))
        }
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            d.error_help(
                &m.query.name.loc,
                format!("{what}: guard `{q}` returns only one of `errors_pointer` and `errors_detail`"),
                "return both: each row with an `errors_pointer` adds a violation `{ pointer, detail }` to `errors`",
            );
            None
        }
    };
    let mut members = Vec::new();
    for (i, column) in m.columns.iter().enumerate() {
        if STANDARD_COLUMNS.contains(&column.name.as_str()) {
            continue;
        }
        let Some(member) = problem.members.iter().find(|f| f.name == column.name) else {
            let known: Vec<&str> = STANDARD_COLUMNS
                .iter()
                .copied()
                .chain(problem.members.iter().map(|f| f.name.as_str()))
                .collect();
            d.error_suggest(
                &m.query.loc_at_line_col(column.at),
                format!(
                    "column `{}` of guard `{q}` fills no member of the {status} problem of {what}; a guard's columns are {}",
                    column.name,
                    names::one_of(&known)
                ),
                &column.name,
                known.iter().copied(),
            );
            continue;
        };
        members.push(member_fill(m, i, member, status, what, d)?);
    }
    for member in &problem.members {
        if !member.optional && !members.iter().any(|f| f.name == member.name) {
            d.error_help(
                &m.entry.loc,
                format!(
                    "{what}: guard `{q}` does not fill `{}`, which every {status} problem has",
                    member.name
                ),
                format!(
                    "return a column `{}`, or declare the member `optional: true`",
                    member.name
                ),
            );
        }
    }
    Some((detail, errors, members))
}

/// How column `i` fills `member`: a scalar from the first row, or a list
/// of scalars with one item per row (NULLs left out).
fn member_fill(
    m: &Mapped<'_>,
    i: usize,
    member: &FieldPlan,
    status: u16,
    what: &str,
    d: &mut Diagnostics,
) -> Option<MemberFill> {
    let path = format!("member `{}` of the {status} problem", member.name);
    let (ty, list) = match &member.ty {
        Ty::Vec(item) if !matches!(item.as_ref(), Ty::Vec(_) | Ty::Object(_)) => {
            (item.as_ref().clone(), true)
        }
        Ty::Vec(_) | Ty::Object(_) => {
            d.error(
                &m.query.loc_at_line_col(m.columns[i].at),
                format!(
                    "column `{}` of guard `{}` cannot fill {path}: it is {}, and a guard fills scalars and lists of scalars",
                    m.columns[i].name,
                    m.query.full_name,
                    describe(&member.ty)
                ),
            );
            return None;
        }
        scalar => (scalar.clone(), false),
    };
    // A list leaves NULLs out; a scalar member may be left out only when
    // it is optional or nullable.
    let option = list || member.optional || member.nullable;
    let target = if list {
        format!("the items of {path}")
    } else {
        path
    };
    check_column(m, i, &ty, option, &target, what, d);
    Some(MemberFill {
        name: member.name.clone(),
        col: i,
        ty,
        option: nullable(m, i),
        list,
    })
}

/// Whether column `i` of `m` may be NULL, by its annotation or inference.
fn nullable(m: &Mapped<'_>, i: usize) -> bool {
    column_facts(m, i).is_some_and(|(_, nullable, _)| nullable)
}
