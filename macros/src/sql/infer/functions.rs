//! SQLite's built-in functions: what each returns, and when NULL.

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Value};

use super::catalog::Catalog;
use super::expr::{numeric, type_expr};
use super::params::use_param;
use super::scope::{Scope, last_ident};
use super::types::{ParamUse, SqlType, Typed};

pub(super) fn function(
    f: &sqlparser::ast::Function,
    scope: &Scope,
    catalog: &Catalog,
    params: &mut Vec<(String, ParamUse)>,
) -> Typed {
    let name = last_ident(&f.name).to_ascii_lowercase();
    let args: Vec<&Expr> = match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let star = matches!(&f.args, FunctionArguments::List(list) if list.args.iter().any(|a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Wildcard))));
    if matches!(
        name.as_str(),
        "json_extract"
            | "json_each"
            | "json_tree"
            | "json_array_length"
            | "json_type"
            | "json_valid"
            | "json"
    ) && let Some(first) = args.first()
    {
        use_param(
            first,
            SqlType::Text,
            &format!("the JSON text {name}() reads"),
            params,
        );
    }
    if matches!(
        name.as_str(),
        "lower"
            | "upper"
            | "trim"
            | "ltrim"
            | "rtrim"
            | "instr"
            | "substr"
            | "substring"
            | "replace"
    ) {
        for (i, a) in args.iter().enumerate() {
            if matches!(name.as_str(), "substr" | "substring") && i > 0 {
                use_param(
                    a,
                    SqlType::Integer,
                    &format!("a position or length of {name}(), an INTEGER"),
                    params,
                );
            } else {
                use_param(
                    a,
                    SqlType::Text,
                    &format!("{name}(), which works on TEXT"),
                    params,
                );
            }
        }
    }
    let typed: Vec<Typed> = args
        .iter()
        .map(|a| type_expr(a, scope, catalog, params))
        .collect();
    let any_nullable = typed.iter().any(|t| t.nullable);
    let why = typed.iter().find_map(|t| t.why.clone());
    let first = typed.first().cloned().unwrap_or_else(Typed::unknown);
    // The current time, with no modifier: `date()`, `date('now')`,
    // `strftime('%s', 'now')`. Anything else may not read as a time.
    let is_now = |e: &Expr| matches!(e, Expr::Value(v) if matches!(&v.value, Value::SingleQuotedString(t) if t.eq_ignore_ascii_case("now")));
    let now = match (name.as_str(), args.as_slice()) {
        (_, []) => true,
        ("strftime", [format, time]) => {
            matches!(format, Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_)))
                && is_now(time)
        }
        ("strftime", _) => false,
        (_, [time]) => is_now(time),
        _ => false,
    };
    let with_args = |ty: SqlType| Typed {
        ty,
        nullable: any_nullable,
        why: why.clone(),
    };
    match name.as_str() {
        "count" => {
            let _ = star;
            Typed::new(SqlType::Integer, false)
        }
        "total" => Typed::new(SqlType::Real, false),
        "sum" | "avg" | "min" | "max" | "group_concat" | "string_agg"
            if args.len() == 1 || !matches!(name.as_str(), "min" | "max") =>
        {
            let ty = match name.as_str() {
                "sum" => numeric(first.ty),
                "avg" => SqlType::Real,
                "min" | "max" => first.ty,
                _ => SqlType::Text,
            };
            let typed = Typed { ty, ..first };
            if scope.grouped && f.filter.is_none() && f.over.is_none() {
                // Every group has a row (a FILTER may leave it none, and a
                // window frame may be empty).
                typed
            } else {
                typed.nullable_because(format!("{} of no rows is NULL", name.to_uppercase()))
            }
        }
        "min" | "max" => Typed {
            ty: typed
                .iter()
                .map(|t| t.ty)
                .reduce(SqlType::merge)
                .unwrap_or(SqlType::Unknown),
            nullable: any_nullable,
            why,
        },
        "coalesce" | "ifnull" => {
            let ty = typed
                .iter()
                .map(|t| t.ty)
                .find(|t| *t != SqlType::Unknown)
                .unwrap_or(SqlType::Unknown);
            let ty = if typed.iter().all(|t| t.ty == ty || t.ty == SqlType::Unknown) {
                ty
            } else {
                SqlType::Unknown
            };
            let nullable = typed.iter().all(|t| t.nullable);
            Typed {
                ty,
                nullable,
                why: if nullable { why } else { None },
            }
        }
        "nullif" => first.nullable_because("NULLIF gives NULL when its arguments are equal"),
        "iif" => {
            let a = typed.get(1).cloned().unwrap_or_else(Typed::unknown);
            let b = typed.get(2).cloned().unwrap_or_else(Typed::unknown);
            Typed {
                ty: a.ty.merge(b.ty),
                nullable: a.nullable || b.nullable,
                why: a.why.or(b.why),
            }
        }
        "abs" => Typed {
            ty: numeric(first.ty),
            ..first
        },
        "round" => with_args(SqlType::Real),
        "length" | "instr" | "unicode" | "octet_length" => with_args(SqlType::Integer),
        "sign" => with_args(SqlType::Integer).nullable_because("sign() of a non-number is NULL"),
        "random" | "changes" | "total_changes" | "last_insert_rowid" => {
            Typed::new(SqlType::Integer, false)
        }
        "unixepoch" | "julianday" => {
            let ty = if name == "unixepoch" {
                SqlType::Integer
            } else {
                SqlType::Real
            };
            if now {
                Typed::new(ty, false)
            } else {
                Typed::new(ty, true).nullable_because(format!(
                    "{name}() gives NULL for text it cannot read as a time"
                ))
            }
        }
        "strftime" | "date" | "time" | "datetime" | "timediff" => {
            if now {
                Typed::new(SqlType::Text, false)
            } else {
                Typed::new(SqlType::Text, true).nullable_because(format!(
                    "{name}() gives NULL for text it cannot read as a time"
                ))
            }
        }
        "lower" | "upper" | "trim" | "ltrim" | "rtrim" | "substr" | "substring" | "replace"
        | "quote" | "hex" | "char" | "printf" | "format" | "concat" | "concat_ws" => {
            with_args(SqlType::Text)
        }
        "typeof" => Typed::new(SqlType::Text, false),
        "current_timestamp" | "current_date" | "current_time" => Typed::new(SqlType::Text, false),
        "row_number" | "rank" | "dense_rank" | "ntile" if f.over.is_some() => {
            Typed::new(SqlType::Integer, false)
        }
        "percent_rank" | "cume_dist" if f.over.is_some() => Typed::new(SqlType::Real, false),
        "json_group_array" | "json_group_object" => Typed::new(SqlType::Text, false),
        "json_object" | "json_array" | "json_quote" => Typed::new(SqlType::Text, false),
        "json" => with_args(SqlType::Text),
        "json_array_length" if args.len() == 1 => with_args(SqlType::Integer),
        "json_array_length" => with_args(SqlType::Integer)
            .nullable_because("json_array_length() gives NULL for a missing path"),
        "json_extract" => {
            Typed::unknown().nullable_because("json_extract gives NULL for a missing path")
        }
        _ => Typed::unknown(),
    }
}
