//! Expressions: columns, literals, operators, comparisons and casts.

use sqlparser::ast::{BinaryOperator, DataType, Expr, UnaryOperator, Value};

use super::catalog::Catalog;
use super::functions::function;
use super::params::use_param;
use super::query::{always_one_row, infer_query};
use super::scope::{Scope, builtin, ident_name};
use super::types::{ParamUse, SqlType, Typed};

/// The type of an expression in `scope`, recording typed parameter uses.
pub(super) fn type_expr(
    expr: &Expr,
    scope: &Scope,
    catalog: &Catalog,
    params: &mut Vec<(String, ParamUse)>,
) -> Typed {
    match expr {
        Expr::Identifier(i) => scope
            .column(None, ident_name(i))
            .map(|(t, _)| t)
            .or_else(|| builtin(ident_name(i), scope))
            .unwrap_or_else(Typed::unknown),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [.., q, c] => scope
                .column(Some(ident_name(q)), ident_name(c))
                .map(|(t, _)| t)
                .or_else(|| builtin(ident_name(c), scope))
                .unwrap_or_else(Typed::unknown),
            _ => Typed::unknown(),
        },
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => {
                let ty = if n.contains(['.', 'e', 'E']) {
                    SqlType::Real
                } else {
                    SqlType::Integer
                };
                Typed::new(ty, false)
            }
            Value::SingleQuotedString(_) | Value::DoubleQuotedString(_) => {
                Typed::new(SqlType::Text, false)
            }
            Value::Boolean(_) => Typed::new(SqlType::Integer, false),
            Value::Null => Typed::unknown().nullable_because("it is NULL"),
            Value::Placeholder(_) => Typed::unknown().nullable_because("a parameter can be NULL"),
            _ => Typed::unknown(),
        },
        Expr::Nested(inner) => type_expr(inner, scope, catalog, params),
        Expr::IsNull(e) | Expr::IsNotNull(e) => {
            type_expr(e, scope, catalog, params);
            Typed::new(SqlType::Integer, false)
        }
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            compare(a, b, scope, catalog, params);
            Typed::new(SqlType::Integer, false)
        }
        Expr::Substring {
            expr: text,
            substring_from,
            substring_for,
            ..
        } => {
            use_param(text, SqlType::Text, "substr(), which works on TEXT", params);
            let mut typed = type_expr(text, scope, catalog, params);
            typed.ty = SqlType::Text;
            for bound in substring_from.iter().chain(substring_for.iter()) {
                use_param(
                    bound,
                    SqlType::Integer,
                    "a position or length of substr(), an INTEGER",
                    params,
                );
                let t = type_expr(bound, scope, catalog, params);
                if t.nullable {
                    typed = typed
                        .nullable_because(t.why.unwrap_or_else(|| "a bound can be NULL".into()));
                }
            }
            typed
        }
        Expr::Trim {
            expr: text,
            trim_what,
            trim_characters,
            ..
        } => {
            let mut typed = type_expr(text, scope, catalog, params);
            typed.ty = SqlType::Text;
            for other in trim_what
                .iter()
                .map(|b| b.as_ref())
                .chain(trim_characters.iter().flatten())
                .chain(std::iter::once(text.as_ref()))
            {
                use_param(other, SqlType::Text, "trim(), which works on TEXT", params);
                let t = type_expr(other, scope, catalog, params);
                if t.nullable {
                    typed.nullable = true;
                    typed.why = typed.why.or(t.why);
                }
            }
            typed
        }
        Expr::Exists { subquery, .. } => {
            infer_query(subquery, catalog, scope, params);
            Typed::new(SqlType::Integer, false)
        }
        Expr::In { expr, target, .. } => {
            let left = type_expr(expr, scope, catalog, params);
            // `x IN (...)` is NULL when `x` is, or when no item matches and
            // one of them is NULL.
            let mut result = Typed {
                ty: SqlType::Integer,
                ..left.clone()
            };
            let mut add = |t: Typed| {
                if t.nullable {
                    result.nullable = true;
                    result.why = result.why.take().or(t.why);
                }
            };
            match target {
                sqlparser::ast::InTarget::List(list) => {
                    for item in list {
                        if let Some(against) = describe_column(expr, scope) {
                            use_param(item, left.ty, &against, params);
                        }
                        add(type_expr(item, scope, catalog, params));
                    }
                }
                sqlparser::ast::InTarget::Subquery(subquery) => {
                    for c in infer_query(subquery, catalog, scope, params) {
                        add(c.typed);
                    }
                }
                _ => add(Typed::unknown()),
            }
            result
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            let mut left = compare(expr, low, scope, catalog, params);
            let right = compare(expr, high, scope, catalog, params);
            if right.nullable {
                left.nullable = true;
                left.why = left.why.or(right.why);
            }
            left
        }
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            let left = type_expr(expr, scope, catalog, params);
            use_param(pattern, SqlType::Text, "a LIKE pattern, TEXT", params);
            use_param(expr, SqlType::Text, "LIKE, which compares TEXT", params);
            let right = type_expr(pattern, scope, catalog, params);
            Typed::new(SqlType::Integer, left.nullable || right.nullable)
        }
        Expr::UnaryOp { op, expr } => {
            let inner = type_expr(expr, scope, catalog, params);
            match op {
                UnaryOperator::Not => Typed {
                    ty: SqlType::Integer,
                    ..inner
                },
                _ => inner,
            }
        }
        Expr::BinaryOp { left, op, right } => binary(left, op, right, scope, catalog, params),
        Expr::Cast {
            expr, data_type, ..
        } => {
            let inner = type_expr(expr, scope, catalog, params);
            Typed {
                ty: cast_type(data_type),
                ..inner
            }
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if let Some(operand) = operand {
                let op = type_expr(operand, scope, catalog, params);
                for c in conditions {
                    let when = type_expr(&c.condition, scope, catalog, params);
                    use_param(
                        operand,
                        when.ty,
                        &format!("CASE values that are {}", when.ty.name()),
                        params,
                    );
                    let _ = op.ty;
                }
            } else {
                for c in conditions {
                    type_expr(&c.condition, scope, catalog, params);
                }
            }
            let mut result: Option<Typed> = None;
            for r in conditions
                .iter()
                .map(|c| &c.result)
                .chain(else_result.as_deref())
            {
                let t = type_expr(r, scope, catalog, params);
                result = Some(match result {
                    None => t,
                    Some(acc) => Typed {
                        ty: acc.ty.merge(t.ty),
                        nullable: acc.nullable || t.nullable,
                        why: acc.why.or(t.why),
                    },
                });
            }
            let result = result.unwrap_or_else(Typed::unknown);
            if else_result.is_none() {
                result.nullable_because("a CASE without ELSE gives NULL when nothing matches")
            } else {
                result
            }
        }
        Expr::Subquery(q) => {
            let columns = infer_query(q, catalog, scope, params);
            let one_row = always_one_row(q);
            columns
                .into_iter()
                .next()
                .map(|c| {
                    if one_row {
                        c.typed
                    } else {
                        c.typed
                            .nullable_because("a scalar subquery that finds no row gives NULL")
                    }
                })
                .unwrap_or_else(Typed::unknown)
        }
        Expr::Tuple(items) => {
            for i in items {
                type_expr(i, scope, catalog, params);
            }
            Typed::unknown()
        }
        Expr::Function(f) => function(f, scope, catalog, params),
        _ => Typed::unknown(),
    }
}

/// Describes a column expression for messages (`the INTEGER column products.id`).
pub(super) fn describe_column(expr: &Expr, scope: &Scope) -> Option<String> {
    let (t, origin) = match expr {
        Expr::Identifier(i) => scope.column(None, &i.value)?,
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [.., q, c] => scope.column(Some(&q.value), &c.value)?,
            _ => return None,
        },
        Expr::Nested(inner) => return describe_column(inner, scope),
        _ => return None,
    };
    Some(format!("the {} column {origin}", t.ty.name()))
}

/// Types a comparison, letting a parameter on either side take the type of
/// the other.
pub(super) fn compare(
    a: &Expr,
    b: &Expr,
    scope: &Scope,
    catalog: &Catalog,
    params: &mut Vec<(String, ParamUse)>,
) -> Typed {
    if let (Expr::Tuple(xs), Expr::Tuple(ys)) = (a, b) {
        let mut nullable = false;
        for (x, y) in xs.iter().zip(ys) {
            nullable |= compare(x, y, scope, catalog, params).nullable;
        }
        return Typed::new(SqlType::Integer, nullable);
    }
    let ta = type_expr(a, scope, catalog, params);
    let tb = type_expr(b, scope, catalog, params);
    let against = |e: &Expr, t: &Typed| {
        describe_column(e, scope)
            .unwrap_or_else(|| format!("an expression that is {}", t.ty.name()))
    };
    use_param(a, tb.ty, &against(b, &tb), params);
    use_param(b, ta.ty, &against(a, &ta), params);
    let why = ta.why.clone().or(tb.why.clone());
    Typed {
        ty: SqlType::Integer,
        nullable: ta.nullable || tb.nullable,
        why,
    }
}

pub(super) fn binary(
    left: &Expr,
    op: &BinaryOperator,
    right: &Expr,
    scope: &Scope,
    catalog: &Catalog,
    params: &mut Vec<(String, ParamUse)>,
) -> Typed {
    use BinaryOperator as B;
    match op {
        B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq | B::Spaceship => {
            compare(left, right, scope, catalog, params)
        }
        B::And | B::Or | B::Xor => {
            let a = type_expr(left, scope, catalog, params);
            let b = type_expr(right, scope, catalog, params);
            Typed {
                ty: SqlType::Integer,
                nullable: a.nullable || b.nullable,
                why: a.why.or(b.why),
            }
        }
        B::StringConcat => {
            let a = type_expr(left, scope, catalog, params);
            let b = type_expr(right, scope, catalog, params);
            Typed {
                ty: SqlType::Text,
                nullable: a.nullable || b.nullable,
                why: a.why.or(b.why),
            }
        }
        B::Plus | B::Minus | B::Multiply | B::Divide | B::Modulo => {
            let a = type_expr(left, scope, catalog, params);
            let b = type_expr(right, scope, catalog, params);
            use_param(left, numeric(b.ty), "arithmetic", params);
            use_param(right, numeric(a.ty), "arithmetic", params);
            let ty = match (a.ty, b.ty) {
                (SqlType::Integer, SqlType::Integer) => SqlType::Integer,
                (SqlType::Real, SqlType::Integer | SqlType::Real)
                | (SqlType::Integer, SqlType::Real) => SqlType::Real,
                _ => SqlType::Unknown,
            };
            let typed = Typed {
                ty,
                nullable: a.nullable || b.nullable,
                why: a.why.or(b.why),
            };
            // Dividing by zero gives NULL, unless the divisor is a literal
            // that is not zero.
            let safe_divisor = matches!(right, Expr::Value(v) if matches!(&v.value, Value::Number(n, _) if n.parse::<f64>().is_ok_and(|x| x != 0.0)));
            if matches!(op, B::Divide | B::Modulo) && !safe_divisor {
                typed.nullable_because("division by zero gives NULL")
            } else {
                typed
            }
        }
        _ => {
            type_expr(left, scope, catalog, params);
            type_expr(right, scope, catalog, params);
            Typed::unknown()
        }
    }
}

pub(super) fn numeric(ty: SqlType) -> SqlType {
    match ty {
        SqlType::Integer | SqlType::Real => ty,
        _ => SqlType::Unknown,
    }
}

pub(super) fn cast_type(data_type: &DataType) -> SqlType {
    SqlType::from_decl(&data_type.to_string())
}
