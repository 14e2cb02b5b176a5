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
    let mut needed: Vec<String> = vec!["limit".to_owned()];
    needed.extend(paginate.key.iter().map(|k| format!("after_{}", k.value)));
    for name in &needed {
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
    (d.count() == errors).then_some(PagePlan {
        stmt: m.stmt,
        key_columns,
        key_types,
        default_limit: paginate.default_limit,
        max_limit: paginate.max_limit,
    })
}
