//! `returns:` on a handler's query: its rows become a spec type, filled by
//! the same rules as a declarative endpoint's response (nested objects
//! from prefixed columns), and the entries with `into:` that follow it fill
//! its lists from their own rows. The handler's typed binding then runs
//! them together and gives it `types::Order`, not flat rows.

use super::Resolved;
use super::mapping::{self, Mapped, Target};
use super::plan::{MappedPlan, Ty};
use super::types::{TypeTable, describe};
use crate::diag::Diagnostics;
use crate::names;
use crate::spec::{QueryUse, TypeKind, TypeRef};
use crate::sql::Cardinality;

/// Plans the `returns:` entries of a handler's `queries:`, each with its
/// query's index.
pub(super) fn plan(
    types: &mut TypeTable,
    sql: &Resolved<'_>,
    uses: &[QueryUse],
    what: &str,
    d: &mut Diagnostics,
) -> Vec<(usize, MappedPlan)> {
    // Each `returns:` entry with the `into:` entries right after it.
    let mut groups: Vec<(&QueryUse, Vec<&QueryUse>)> = Vec::new();
    let mut open = false;
    for entry in uses {
        if entry.returns.is_some() {
            groups.push((entry, Vec::new()));
            open = true;
        } else if let Some(into) = &entry.into {
            match groups.last_mut() {
                Some((_, parts)) if open => parts.push(entry),
                _ => d.error_help(
                    &into.loc,
                    format!("{what}: `into: {}` fills a field of what a `returns:` entry maps, and none comes right before it", into.value),
                    "put it right after the entry with `returns:` whose field it fills",
                ),
            }
        } else {
            open = false;
        }
    }
    groups
        .into_iter()
        .filter_map(|(root, parts)| group(types, sql, root, &parts, what, d))
        .collect()
}

fn group(
    types: &mut TypeTable,
    sql: &Resolved<'_>,
    root: &QueryUse,
    parts: &[&QueryUse],
    what: &str,
    d: &mut Diagnostics,
) -> Option<(usize, MappedPlan)> {
    let returns = root.returns.as_ref()?;
    let ty = TypeRef {
        kind: TypeKind::Named(returns.value.clone()),
        loc: returns.loc.clone(),
    };
    let rwhat = format!("`returns` of query `{}` of {what}", root.query.value);
    let type_name = match types.resolve(&ty, "", &rwhat, d)? {
        Ty::Object(name) => name,
        other => {
            d.error(
                &returns.loc,
                format!("{rwhat} must be an object schema, not {}", describe(&other)),
            );
            return None;
        }
    };
    if types.is_broken(&type_name) {
        return None;
    }
    let mut indexes = Vec::new();
    let mut mapped = Vec::new();
    for (stmt, entry) in std::iter::once(root)
        .chain(parts.iter().copied())
        .enumerate()
    {
        let (index, m) = Mapped::resolve(sql, entry, stmt, d)?;
        indexes.push(index);
        mapped.push(m);
    }
    let cardinality = mapped[0].query.cardinality;
    let fill = match cardinality {
        Cardinality::Exec => {
            d.error_help(
                &returns.loc,
                format!(
                    "{rwhat}: query `{}` is `:exec` and returns no rows to map",
                    root.query.value
                ),
                "remove `returns`, or make the query return rows (`RETURNING`)",
            );
            return None;
        }
        Cardinality::Many => {
            if let Some(part) = parts.first() {
                d.error_help(
                    &part.loc,
                    format!("{what}: `into` fills a list of one object, and `{}` is `:many`: each of its rows is a `{type_name}`", root.query.value),
                    "map the lists with a query per object, or return them as columns",
                );
                return None;
            }
            // Each row one object, every column feeding it.
            let m = &mapped[0];
            let mut used = vec![false; m.columns.len()];
            let fill =
                mapping::fill_object(types, m, "", &type_name, &type_name, what, &mut used, d)?;
            if let Some(i) = used.iter().position(|u| !u) {
                d.error_help(
                    &m.query.loc_at_line_col(m.columns[i].at),
                    format!(
                        "column `{}` of query `{}` feeds nothing in the `{type_name}` that {rwhat} names",
                        m.columns[i].name, m.query.full_name
                    ),
                    format!(
                        "remove it from the SELECT list, or name a field of `{type_name}`: {}",
                        names::one_of(
                            &types
                                .fields(&type_name)
                                .iter()
                                .map(|f| f.name.as_str())
                                .collect::<Vec<_>>()
                        )
                    ),
                );
                return None;
            }
            fill
        }
        Cardinality::One | Cardinality::Optional => {
            let target = Target {
                what,
                status: 200,
                schema: Some((type_name.as_str(), &returns.loc)),
                not_found: String::new(),
                etag: None,
                filled: format!("the `{type_name}` that {rwhat} names"),
            };
            mapping::plan(types, &target, &mapped, d)?.body?
        }
    };
    Some((
        indexes[0],
        MappedPlan {
            type_name,
            cardinality,
            fill,
            parts: indexes[1..].to_vec(),
            part_params: Vec::new(),
        },
    ))
}
