//! The tables and derived tables a query reads, by name or alias, and
//! the names SQLite knows without a table.

use sqlparser::ast::{Expr, Ident, ObjectName};

use super::catalog::{Catalog, CatalogColumn};
use super::types::{ColumnType, SqlType, Typed};

/// Names SQLite knows without a table declaring them: the rowid (never
/// NULL when the query reads one table, so no outer join can blank it), and
/// the current time.
pub(super) fn builtin(name: &str, scope: &Scope) -> Option<Typed> {
    match name.to_ascii_lowercase().as_str() {
        "rowid" | "oid" | "_rowid_" => Some(Typed::new(SqlType::Integer, scope.sources.len() > 1)),
        "current_timestamp" | "current_date" | "current_time" => {
            Some(Typed::new(SqlType::Text, false))
        }
        _ => None,
    }
}

pub(super) fn last_ident(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_default()
}

/// The tables and derived tables a query reads, by name or alias.
#[derive(Debug, Default, Clone)]
pub(super) struct Scope {
    pub(super) sources: Vec<Source>,
    /// Common table expressions visible here.
    pub(super) ctes: Vec<(String, Vec<CatalogColumn>)>,
    /// The enclosing query's scope, for correlated subqueries.
    pub(super) outer: Option<Box<Scope>>,
    /// Whether the SELECT has a GROUP BY: its aggregates see at least one
    /// row, so `SUM(x)` is NULL only if `x` is.
    pub(super) grouped: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Source {
    pub(super) name: String,
    pub(super) table: String,
    pub(super) columns: Vec<CatalogColumn>,
}

impl Scope {
    pub(super) fn of_table(catalog: &Catalog, table: &str, alias: Option<&str>) -> Scope {
        let columns = catalog
            .tables
            .get(&table.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        Scope {
            sources: vec![Source {
                name: alias.unwrap_or(table).to_ascii_lowercase(),
                table: table.to_owned(),
                columns,
            }],
            ..Scope::default()
        }
    }

    /// Where a column of a CTE or subquery in this scope is written, if
    /// `expr` is a plain reference to one.
    pub(super) fn defined_at(&self, expr: &Expr) -> Option<(u64, u64)> {
        let (qualifier, name) = match expr {
            Expr::Identifier(i) => (None, i),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [q, n] => (Some(q.value.as_str()), n),
                _ => return None,
            },
            _ => return None,
        };
        self.sources
            .iter()
            .filter(|s| qualifier.is_none_or(|q| q.eq_ignore_ascii_case(&s.name)))
            .find_map(|s| {
                s.columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&name.value))
            })
            .map(|c| c.at)
            .filter(|at| *at != (0, 0))
    }

    /// A column by (optional) qualifier and name, with a description of
    /// where it comes from.
    pub(super) fn column(&self, qualifier: Option<&str>, name: &str) -> Option<(Typed, String)> {
        let name_lc = name.to_ascii_lowercase();
        for source in &self.sources {
            if qualifier.is_some_and(|q| !q.eq_ignore_ascii_case(&source.name)) {
                continue;
            }
            if let Some(c) = source
                .columns
                .iter()
                .find(|c| c.name.to_ascii_lowercase() == name_lc)
            {
                return Some((c.typed.clone(), format!("{}.{}", source.table, c.name)));
            }
        }
        self.outer.as_ref().and_then(|o| o.column(qualifier, name))
    }

    /// Marks a column as not NULL (a WHERE clause filtered NULLs out).
    pub(super) fn narrow(&mut self, qualifier: Option<&str>, name: &str) {
        let source = self.sources.iter_mut().find(|s| {
            qualifier.is_none_or(|q| q.eq_ignore_ascii_case(&s.name))
                && s.columns.iter().any(|c| c.name.eq_ignore_ascii_case(name))
        });
        if let Some(source) = source {
            for c in &mut source.columns {
                if c.name.eq_ignore_ascii_case(name) {
                    c.typed.nullable = false;
                    c.typed.why = None;
                }
            }
        }
    }

    pub(super) fn cte(&self, name: &str) -> Option<&Vec<CatalogColumn>> {
        self.ctes
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, c)| c)
            .or_else(|| self.outer.as_ref().and_then(|o| o.cte(name)))
    }
}

/// A view's, CTE's or subquery's columns: what its query gives, under the
/// names it declares (`cte(a, b)`) or else the query's own.
pub(super) fn named(columns: Vec<ColumnType>, names: &[Ident]) -> Vec<CatalogColumn> {
    if !names.is_empty() && names.len() != columns.len() {
        // SQLite refuses this; say nothing rather than guess.
        return Vec::new();
    }
    columns
        .into_iter()
        .enumerate()
        .map(|(i, c)| CatalogColumn {
            name: names.get(i).map_or(c.name, |n| n.value.clone()),
            typed: c.typed,
            at: c.at,
        })
        .collect()
}

pub(super) fn ident_name(i: &Ident) -> &str {
    &i.value
}
