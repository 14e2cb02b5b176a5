//! Queries: `WITH`, compound selects, `SELECT` lists, joins and the
//! sources they read.

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident,
    JoinOperator, Query, Select, SelectItem, SetExpr, Spanned, TableFactor, TableWithJoins, Value,
};

use super::catalog::{Catalog, CatalogColumn};
use super::expr::type_expr;
use super::params::use_param;
use super::scope::{Scope, Source, last_ident, named};
use super::types::{ColumnType, ParamUse, SqlType, Typed};

pub(super) fn infer_query(
    query: &Query,
    catalog: &Catalog,
    outer: &Scope,
    params: &mut Vec<(String, ParamUse)>,
) -> Vec<ColumnType> {
    let mut scope = Scope {
        outer: Some(Box::new(outer.clone())),
        ..Scope::default()
    };
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            let columns = infer_query(&cte.query, catalog, &scope, params);
            let names: Vec<Ident> = cte.alias.columns.iter().map(|c| c.name.clone()).collect();
            scope
                .ctes
                .push((cte.alias.name.value.clone(), named(columns, &names)));
        }
    }
    if let Some(limit) = &query.limit_clause {
        let exprs: Vec<&Expr> = match limit {
            sqlparser::ast::LimitClause::LimitOffset { limit, offset, .. } => limit
                .iter()
                .chain(offset.as_ref().map(|o| &o.value))
                .collect(),
            sqlparser::ast::LimitClause::OffsetCommaLimit { offset, limit } => vec![offset, limit],
        };
        for e in exprs {
            use_param(e, SqlType::Integer, "LIMIT or OFFSET, an INTEGER", params);
        }
    }
    let columns = infer_set(&query.body, catalog, &scope, params);
    if let Some(order_by) = &query.order_by
        && let sqlparser::ast::OrderByKind::Expressions(exprs) = &order_by.kind
    {
        let inner = select_scope(&query.body, catalog, &scope, params);
        for e in exprs {
            type_expr(&e.expr, &inner, catalog, params);
        }
    }
    columns
}

/// The scope inside the (first) SELECT of a set expression, for ORDER BY.
pub(super) fn select_scope(
    body: &SetExpr,
    catalog: &Catalog,
    scope: &Scope,
    params: &mut Vec<(String, ParamUse)>,
) -> Scope {
    match body {
        SetExpr::Select(select) => {
            let mut ignored = Vec::new();
            let _ = params;
            scope_of(&select.from, catalog, scope, &mut ignored)
        }
        _ => scope.clone(),
    }
}

pub(super) fn infer_set(
    body: &SetExpr,
    catalog: &Catalog,
    scope: &Scope,
    params: &mut Vec<(String, ParamUse)>,
) -> Vec<ColumnType> {
    match body {
        SetExpr::Select(select) => infer_select(select, catalog, scope, params),
        SetExpr::Query(q) => infer_query(q, catalog, scope, params),
        SetExpr::SetOperation { left, right, .. } => {
            let l = infer_set(left, catalog, scope, params);
            let r = infer_set(right, catalog, scope, params);
            l.into_iter()
                .zip(r)
                .map(|(a, b)| {
                    // Point at the branch that makes the column NULL-able,
                    // if only a later one does.
                    let b_decides = (b.typed.nullable && !a.typed.nullable)
                        || (a.at == (0, 0) && b.typed.nullable == a.typed.nullable);
                    let (why, at) = if b_decides {
                        (b.typed.why.or(a.typed.why), b.at)
                    } else {
                        (a.typed.why.or(b.typed.why), a.at)
                    };
                    ColumnType {
                        name: a.name,
                        typed: Typed {
                            ty: a.typed.ty.merge(b.typed.ty),
                            nullable: a.typed.nullable || b.typed.nullable,
                            why,
                        },
                        at,
                    }
                })
                .collect()
        }
        SetExpr::Values(values) => {
            // Every row counts: `VALUES (1), (NULL)` can be NULL.
            let mut columns: Vec<ColumnType> = Vec::new();
            for row in &values.rows {
                for (i, e) in row.iter().enumerate() {
                    let typed = type_expr(e, scope, catalog, params);
                    let null = matches!(e, Expr::Value(v) if matches!(v.value, Value::Null));
                    match columns.get_mut(i) {
                        Some(c) => {
                            if !null {
                                c.typed.ty = c.typed.ty.merge(typed.ty);
                            }
                            if typed.nullable {
                                c.typed.nullable = true;
                                c.typed.why = c.typed.why.take().or(typed.why);
                            }
                        }
                        None => {
                            let span = e.span();
                            columns.push(ColumnType {
                                name: format!("column{}", i + 1),
                                typed,
                                at: (span.start.line, span.start.column),
                            });
                        }
                    }
                }
            }
            columns
        }
        _ => Vec::new(),
    }
}

pub(super) fn infer_select(
    select: &Select,
    catalog: &Catalog,
    outer: &Scope,
    params: &mut Vec<(String, ParamUse)>,
) -> Vec<ColumnType> {
    let mut scope = scope_of(&select.from, catalog, outer, params);
    scope.grouped =
        matches!(&select.group_by, GroupByExpr::Expressions(exprs, _) if !exprs.is_empty());
    for e in select.selection.iter().chain(select.having.iter()) {
        type_expr(e, &scope, catalog, params);
    }
    if let Some(selection) = &select.selection {
        let mut filtered = Vec::new();
        non_null_in(selection, &mut filtered);
        for (qualifier, name) in filtered {
            scope.narrow(qualifier.as_deref(), &name);
        }
    }
    let mut columns = project(&select.projection, &scope, catalog, params);
    // An aggregate query without GROUP BY gives one row even over no rows;
    // its plain columns are then NULL.
    let items: Vec<Option<&Expr>> = select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        })
        .collect();
    if !scope.grouped
        && items.iter().flatten().any(|e| has_aggregate(e))
        && items.len() == columns.len()
    {
        for (column, item) in columns.iter_mut().zip(&items) {
            if !item.is_some_and(has_aggregate) {
                column.typed = column.typed.clone().nullable_because(
                    "an aggregate query over no rows gives NULL for its other columns",
                );
            }
        }
    }
    columns
}

/// The columns a WHERE clause proves are not NULL in the rows it keeps:
/// those its top-level `AND`s test with `IS NOT NULL`, compare, match with
/// `IN`, `BETWEEN` or `LIKE` (any of which is NULL, so false, for a NULL).
pub(super) fn non_null_in(expr: &Expr, out: &mut Vec<(Option<String>, String)>) {
    let mut column = |e: &Expr| match e {
        Expr::Identifier(i) => out.push((None, i.value.clone())),
        Expr::CompoundIdentifier(parts) => {
            if let [.., q, c] = parts.as_slice() {
                out.push((Some(q.value.clone()), c.value.clone()));
            }
        }
        _ => {}
    };
    match expr {
        Expr::Nested(inner) => non_null_in(inner, out),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            non_null_in(left, out);
            non_null_in(right, out);
        }
        Expr::BinaryOp {
            left,
            op:
                BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq,
            right,
        } => {
            column(left);
            column(right);
        }
        Expr::IsNotNull(e)
        | Expr::In {
            expr: e,
            negated: false,
            ..
        }
        | Expr::Between {
            expr: e,
            negated: false,
            ..
        }
        | Expr::Like {
            expr: e,
            negated: false,
            ..
        } => column(e),
        _ => {}
    }
}

pub(super) fn project(
    items: &[SelectItem],
    scope: &Scope,
    catalog: &Catalog,
    params: &mut Vec<(String, ParamUse)>,
) -> Vec<ColumnType> {
    let mut out = Vec::new();
    for item in items {
        match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                let span = expr.span();
                let name = match item {
                    SelectItem::ExprWithAlias { alias, .. } => alias.value.clone(),
                    _ => match expr {
                        Expr::Identifier(i) => i.value.clone(),
                        Expr::CompoundIdentifier(parts) => {
                            parts.last().map(|i| i.value.clone()).unwrap_or_default()
                        }
                        other => other.to_string(),
                    },
                };
                out.push(ColumnType {
                    name,
                    typed: type_expr(expr, scope, catalog, params),
                    // A column passed through from a CTE or subquery is
                    // reported where it is computed.
                    at: scope
                        .defined_at(expr)
                        .unwrap_or((span.start.line, span.start.column)),
                });
            }
            SelectItem::Wildcard(_) => {
                for source in &scope.sources {
                    out.extend(source.columns.iter().map(|c| ColumnType {
                        name: c.name.clone(),
                        typed: c.typed.clone(),
                        at: c.at,
                    }));
                }
            }
            SelectItem::QualifiedWildcard(kind, _) => {
                let name = kind.to_string();
                let name = name.trim_end_matches(".*");
                if let Some(source) = scope
                    .sources
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(name))
                {
                    out.extend(source.columns.iter().map(|c| ColumnType {
                        name: c.name.clone(),
                        typed: c.typed.clone(),
                        at: c.at,
                    }));
                }
            }
            SelectItem::ExprWithAliases { expr, .. } => {
                out.push(ColumnType {
                    name: expr.to_string(),
                    typed: type_expr(expr, scope, catalog, params),
                    at: (0, 0),
                });
            }
        }
    }
    out
}

/// The sources of a FROM clause; the outer sides of joins become nullable.
pub(super) fn scope_of(
    from: &[TableWithJoins],
    catalog: &Catalog,
    outer: &Scope,
    params: &mut Vec<(String, ParamUse)>,
) -> Scope {
    let mut scope = Scope {
        ctes: Vec::new(),
        sources: Vec::new(),
        outer: Some(Box::new(outer.clone())),
        grouped: false,
    };
    for twj in from {
        if let Some(source) = source_of(&twj.relation, catalog, &scope, params) {
            scope.sources.push(source);
        }
        for join in &twj.joins {
            let source = source_of(&join.relation, catalog, &scope, params);
            let (left_outer, right_outer) = match &join.join_operator {
                JoinOperator::Left(_) | JoinOperator::LeftOuter(_) => (false, true),
                JoinOperator::Right(_) | JoinOperator::RightOuter(_) => (true, false),
                JoinOperator::FullOuter(_) => (true, true),
                _ => (false, false),
            };
            let kind = if left_outer && right_outer {
                "FULL"
            } else if left_outer {
                "RIGHT"
            } else {
                "LEFT"
            };
            let mut source = source;
            if right_outer && let Some(source) = &mut source {
                let why = format!("`{}` is on the outer side of a {kind} JOIN", source.name);
                for c in &mut source.columns {
                    c.typed.nullable = true;
                    c.typed.why = Some(why.clone());
                    // The join, not the CTE or subquery, makes it NULL.
                    c.at = (0, 0);
                }
            }
            if left_outer {
                for s in &mut scope.sources {
                    let why = format!("`{}` is on the outer side of a {kind} JOIN", s.name);
                    for c in &mut s.columns {
                        c.typed.nullable = true;
                        c.typed.why = Some(why.clone());
                        c.at = (0, 0);
                    }
                }
            }
            // A source that cannot be read is left out: its columns are
            // then unknown, so NULL is assumed.
            scope.sources.extend(source);
            if let Some(constraint) = join_constraint(&join.join_operator) {
                type_expr(constraint, &scope, catalog, params);
            }
        }
    }
    scope
}

/// Whether a query surely returns exactly one row: a SELECT of aggregates
/// only, with no GROUP BY, HAVING, LIMIT or OFFSET (aggregates over no rows
/// still give one row).
pub(super) fn always_one_row(query: &Query) -> bool {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    let aggregate = |e: &Expr| matches!(e, Expr::Function(f) if is_aggregate(f));
    query.limit_clause.is_none()
        && select.having.is_none()
        && matches!(&select.group_by, GroupByExpr::Expressions(exprs, _) if exprs.is_empty())
        && !select.projection.is_empty()
        && select.projection.iter().all(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => aggregate(e),
            _ => false,
        })
}

/// Whether `f` is an aggregate (not a window function: `OVER` keeps the
/// rows).
pub(super) fn is_aggregate(f: &sqlparser::ast::Function) -> bool {
    let name = last_ident(&f.name).to_ascii_lowercase();
    let one_arg = matches!(&f.args, FunctionArguments::List(list) if list.args.len() == 1);
    f.over.is_none()
        && (matches!(
            name.as_str(),
            "count"
                | "total"
                | "sum"
                | "avg"
                | "group_concat"
                | "string_agg"
                | "json_group_array"
                | "json_group_object"
        ) || (matches!(name.as_str(), "min" | "max") && one_arg))
}

/// Whether `expr` contains an aggregate call outside any subquery.
pub(super) fn has_aggregate(expr: &Expr) -> bool {
    match expr {
        Expr::Function(f) => {
            is_aggregate(f)
                || matches!(&f.args, FunctionArguments::List(list) if list.args.iter().any(|a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) if has_aggregate(e))))
        }
        Expr::BinaryOp { left, right, .. } => has_aggregate(left) || has_aggregate(right),
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) | Expr::Cast { expr, .. } => {
            has_aggregate(expr)
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(has_aggregate)
                || conditions
                    .iter()
                    .any(|c| has_aggregate(&c.condition) || has_aggregate(&c.result))
                || else_result.as_deref().is_some_and(has_aggregate)
        }
        _ => false,
    }
}

pub(super) fn join_constraint(op: &JoinOperator) -> Option<&Expr> {
    let constraint = match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c) => c,
        _ => return None,
    };
    match constraint {
        sqlparser::ast::JoinConstraint::On(e) => Some(e),
        _ => None,
    }
}

pub(super) fn source_of(
    factor: &TableFactor,
    catalog: &Catalog,
    scope: &Scope,
    params: &mut Vec<(String, ParamUse)>,
) -> Option<Source> {
    match factor {
        TableFactor::Table {
            name, alias, args, ..
        } => {
            let table = last_ident(name);
            let alias = alias.as_ref().map(|a| a.name.value.clone());
            let lower = table.to_ascii_lowercase();
            if let Some(args) = args {
                // Table-valued functions: json_each and json_tree.
                for arg in &args.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = arg {
                        use_param(
                            e,
                            SqlType::Text,
                            &format!("the JSON text {lower}() reads"),
                            params,
                        );
                        type_expr(e, scope, catalog, params);
                    }
                }
                if lower == "json_each" || lower == "json_tree" {
                    let why = format!("{lower}() gives it no value for some elements");
                    let col = |name: &str, ty: SqlType, nullable: bool| CatalogColumn {
                        name: name.to_owned(),
                        typed: if nullable {
                            Typed::new(ty, true).nullable_because(why.clone())
                        } else {
                            Typed::new(ty, false)
                        },
                        at: (0, 0),
                    };
                    return Some(Source {
                        name: alias.unwrap_or(lower.clone()).to_ascii_lowercase(),
                        table: lower,
                        columns: vec![
                            col("key", SqlType::Unknown, true),
                            col("value", SqlType::Unknown, true),
                            col("type", SqlType::Text, false),
                            col("atom", SqlType::Unknown, true),
                            col("id", SqlType::Integer, false),
                            col("parent", SqlType::Integer, true),
                            col("fullkey", SqlType::Text, false),
                            col("path", SqlType::Text, false),
                        ],
                    });
                }
                return None;
            }
            let columns = scope
                .cte(&table)
                .cloned()
                .or_else(|| catalog.tables.get(&lower).cloned())?;
            Some(Source {
                name: alias.unwrap_or_else(|| table.clone()).to_ascii_lowercase(),
                table,
                columns,
            })
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let columns = infer_query(subquery, catalog, scope, params);
            let names: Vec<Ident> = alias
                .as_ref()
                .map(|a| a.columns.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default();
            let name = alias
                .as_ref()
                .map(|a| a.name.value.clone())
                .unwrap_or_default();
            Some(Source {
                name: name.to_ascii_lowercase(),
                table: if name.is_empty() {
                    "(subquery)".to_owned()
                } else {
                    name
                },
                columns: named(columns, &names),
            })
        }
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            let nested = scope_of(
                std::slice::from_ref(table_with_joins.as_ref()),
                catalog,
                scope,
                params,
            );
            nested.sources.into_iter().next()
        }
        _ => None,
    }
}
