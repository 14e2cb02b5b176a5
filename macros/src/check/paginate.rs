//! `paginate:` of a declarative endpoint's query: the key columns and
//! their types, the page sizes, and the parameters the query must use to
//! continue after a cursor (see `docs/spec.md#pagination`).

use super::mapping::Mapped;
use super::plan::PagePlan;
use crate::diag::Diagnostics;
use crate::sql::Cardinality;

/// Plans the pagination of `m`, if its entry asks for it.
pub(super) fn plan(m: &Mapped<'_>, what: &str, d: &mut Diagnostics) -> Option<PagePlan> {
    let paginate = m.entry.paginate.as_ref()?;
    let errors = d.count();
    if m.query.cardinality != Cardinality::Many {
        d.error(
            &paginate.loc,
            format!(
                "{what}: only a `:many` query can be paginated; `{}` is `{}`",
                m.query.full_name,
                m.query.cardinality.as_str()
            ),
        );
    }
    if paginate.key.is_empty() {
        d.error(
            &paginate.loc,
            format!("{what}: `paginate.key` must name at least one column"),
        );
    }
    let mut key_columns = Vec::new();
    for key in &paginate.key {
        match m.columns.iter().position(|c| c.name == key.value) {
            Some(i) => key_columns.push(i),
            None => d.error_suggest(
                &key.loc,
                format!(
                    "{what}: pagination key `{}` is not a column of `{}`",
                    key.value, m.query.full_name
                ),
                &key.value,
                m.columns.iter().map(|c| c.name.as_str()),
            ),
        }
    }
    // Past the declaration itself, a mistake in the query (a parameter it
    // does not use, a wrong `resume` column) is its own error: the page
    // plan stands, so that the response is checked as it will be, and the
    // mistake is the only error reported.
    let ok = d.count() == errors;
    let mut needed: Vec<String> = vec!["limit".to_owned()];
    needed.extend(paginate.key.iter().map(|k| format!("after_{}", k.value)));
    if paginate.scan.is_some() {
        needed.push("scan".to_owned());
    }
    for name in &needed {
        if name == "scan" && !m.query.params.iter().any(|p| p.value == "scan") {
            d.error_help(
                &m.query.name.loc,
                format!("paginated query `{}` does not use `:scan`", m.query.full_name),
                "stop examining rows after `LIMIT :scan` (bound to `paginate.scan`), before the filters that make a page short",
            );
            continue;
        }
        if !m.query.params.iter().any(|p| &p.value == name) {
            d.error_help(
                &m.query.name.loc,
                format!("paginated query `{}` does not use `:{name}`", m.query.full_name),
                format!(
                    "continue after the cursor with `WHERE (:after_{k} IS NULL OR ({keys}) > ({afters}))`, order by the key, and end with `LIMIT :limit` (bound to the page size plus one)",
                    k = paginate.key.first().map_or("id", |k| k.value.as_str()),
                    keys = paginate.key.iter().map(|k| k.value.as_str()).collect::<Vec<_>>().join(", "),
                    afters = paginate.key.iter().map(|k| format!(":after_{}", k.value)).collect::<Vec<_>>().join(", "),
                ),
            );
        }
    }
    let key_types = key_columns.iter().map(|&i| m.columns[i].typed.ty).collect();
    let scan = paginate
        .scan
        .and_then(|rows| scan_column(m, rows, &paginate.loc, what, d).map(|column| (rows, column)));
    ok.then_some(PagePlan {
        stmt: m.stmt,
        key_columns,
        key_types,
        default_limit: paginate.default_limit,
        max_limit: paginate.max_limit,
        scan,
    })
}

/// The `resume` column a query with `scan:` must return: true on the row
/// where it stopped examining rows before the page was full.
fn scan_column(
    m: &Mapped<'_>,
    rows: u64,
    loc: &crate::diag::Loc,
    what: &str,
    d: &mut Diagnostics,
) -> Option<usize> {
    let help = format!(
        "stop after `LIMIT :scan` rows ({rows}); return the matches with `FALSE AS resume`, then, when fewer than `:limit` matched, the last row examined with `TRUE AS resume` (see docs/spec.md#bounded-pages)"
    );
    let Some(i) = m.columns.iter().position(|c| c.name == "resume") else {
        d.error_help(
            loc,
            format!(
                "{what}: `paginate.scan` needs a `resume` column in `{}`",
                m.query.full_name
            ),
            help,
        );
        return None;
    };
    let typed = &m.columns[i].typed;
    if typed.ty != crate::sql::infer::SqlType::Integer || typed.nullable {
        d.error_help(
            loc,
            format!(
                "{what}: column `resume` of `{}` must be a boolean that is never NULL",
                m.query.full_name
            ),
            help,
        );
        return None;
    }
    Some(i)
}
