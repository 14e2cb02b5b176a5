//! Typing parameters by where they are used: `RETURNING`, `INSERT`
//! sources, comparisons and assignments.

use sqlparser::ast::{Expr, ObjectName, Query, SelectItem, SetExpr, Spanned, Value};

use super::catalog::Catalog;
use super::query::project;
use super::scope::{Scope, last_ident};
use super::types::{ColumnType, ParamUse, SqlType, Typed};

pub(super) fn returning(
    items: Option<&[SelectItem]>,
    scope: &Scope,
    catalog: &Catalog,
    params: &mut Vec<(String, ParamUse)>,
) -> Vec<ColumnType> {
    items
        .map(|items| project(items, scope, catalog, params))
        .unwrap_or_default()
}

/// `INSERT INTO t (a, b) VALUES (:x, :y)` or `INSERT ... SELECT :x, ...`:
/// each parameter takes its target column's type.
pub(super) fn bind_insert_source(
    source: &Query,
    targets: &[Option<Typed>],
    names: &[ObjectName],
    table: &str,
    catalog: &Catalog,
    params: &mut Vec<(String, ParamUse)>,
) {
    let rows: Vec<Vec<&Expr>> = match source.body.as_ref() {
        SetExpr::Values(values) => values.rows.iter().map(|r| r.iter().collect()).collect(),
        SetExpr::Select(select) => vec![
            select
                .projection
                .iter()
                .filter_map(|item| match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        Some(e)
                    }
                    _ => None,
                })
                .collect(),
        ],
        _ => Vec::new(),
    };
    let _ = catalog;
    for row in rows {
        for ((expr, target), name) in row.into_iter().zip(targets).zip(names) {
            if let Some(typed) = target {
                let against = format!(
                    "the {} column {table}.{}",
                    typed.ty.name(),
                    last_ident(name)
                );
                use_param(expr, typed.ty, &against, params);
            }
        }
    }
}

/// Records `expr` as a typed use of a parameter, if it is one.
pub(super) fn use_param(
    expr: &Expr,
    ty: SqlType,
    against: &str,
    params: &mut Vec<(String, ParamUse)>,
) {
    if ty == SqlType::Unknown {
        return;
    }
    if let Some(name) = placeholder(expr) {
        let span = expr.span();
        params.push((
            name,
            ParamUse {
                ty,
                against: against.to_owned(),
                at: (span.start.line, span.start.column),
            },
        ));
    }
}

pub(super) fn placeholder(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Placeholder(p) => p.strip_prefix(':').map(str::to_owned),
            _ => None,
        },
        Expr::Nested(inner) => placeholder(inner),
        _ => None,
    }
}
