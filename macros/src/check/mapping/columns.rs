//! Whether a column can feed what it is meant to: its type against the
//! field's, its nullability against the field's, and the column `etag:`
//! names.

use super::Mapped;
use crate::check::plan::Ty;
use crate::check::types::describe;
use crate::diag::Diagnostics;
use crate::names;
use crate::spec::Spanned;
use crate::sql::infer::SqlType;

/// The root column `etag:` names: present, never NULL, text or integer.
pub(in crate::check) fn etag_column(
    root: Option<&Mapped<'_>>,
    tag: &Spanned<String>,
    what: &str,
    used: &mut [Vec<bool>],
    d: &mut Diagnostics,
) -> Option<usize> {
    let Some(root) = root else {
        d.error_help(
            &tag.loc,
            format!("{what}: `etag` names a column of the query that fills the response's root, and there is none"),
            "add a `:one` or `:optional` query without `into`, or remove `etag`",
        );
        return None;
    };
    let Some(col) = root.columns.iter().position(|c| c.name == tag.value) else {
        d.error_suggest(
            &tag.loc,
            format!(
                "{what}: `etag: {}` names no column of `{}`, which returns {}",
                tag.value,
                root.query.full_name,
                names::one_of(
                    &root
                        .columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                )
            ),
            &tag.value,
            root.columns.iter().map(|c| c.name.as_str()),
        );
        return None;
    };
    used[root.stmt][col] = true;
    let column = &root.columns[col];
    let (sql, _, _) = column_facts(root, col)?;
    if !matches!(sql, SqlType::Text | SqlType::Integer | SqlType::Unknown) {
        d.error(
            &root.query.loc_at_line_col(column.at),
            format!(
                "column `{}` of query `{}` is {} but tags the response (`etag`), which takes text or an integer ({what})",
                column.name,
                root.query.full_name,
                sql.name()
            ),
        );
    } else {
        check_column(root, col, &Ty::Any, false, "the response's `ETag`", what, d);
    }
    Some(col)
}

/// What is known of column `index` of the query: its SQL type, whether it
/// may be NULL, and why. An annotation on the column (`-- column x: ...`)
/// overrides what was inferred.
pub(in crate::check) fn column_facts(
    m: &Mapped<'_>,
    index: usize,
) -> Option<(SqlType, bool, Option<String>)> {
    let column = m.columns.get(index)?;
    let annotation = m
        .query
        .column_types
        .iter()
        .find(|(n, _)| n.value == column.name)
        .map(|(_, t)| t);
    Some(match annotation {
        Some(t) => (
            annotated_sql_type(&t.name),
            t.nullable,
            Some("its annotation says `?`".to_owned()),
        ),
        None => (
            column.typed.ty,
            column.typed.nullable,
            column.typed.why.clone(),
        ),
    })
}

/// Checks that column `index` of the query can feed a field of type `ty`
/// (`option`: the field may be null or absent): a compatible type, and no
/// NULL into a field that cannot hold one. An annotation on the column
/// (`-- column x: ...`) overrides what was inferred.
pub(in crate::check) fn check_column(
    m: &Mapped<'_>,
    index: usize,
    ty: &Ty,
    option: bool,
    path: &str,
    what: &str,
    d: &mut Diagnostics,
) {
    let (Some(column), Some((sql, nullable, why))) = (m.columns.get(index), column_facts(m, index))
    else {
        return;
    };
    let loc = m.query.loc_at_line_col(column.at);
    let q = &m.query.full_name;
    if !compatible(ty, sql) {
        d.error_help(
            &loc,
            format!(
                "column `{}` of query `{q}` is {} but feeds {path}, {} ({what})",
                column.name,
                sql.name(),
                describe_field(ty)
            ),
            format!(
                "convert it in SQL (`CAST(... AS {})`), or change the field's type in the spec",
                cast_target(ty)
            ),
        );
    } else if nullable && !option {
        let because = why.map(|w| format!(" ({w})")).unwrap_or_default();
        d.error_help(
            &loc,
            format!(
                "column `{}` of query `{q}` can be NULL{because}, but feeds {path}, which cannot be null ({what})",
                column.name
            ),
            "give a default with `COALESCE(..., value)`, make the join an inner one, or declare the field `nullable: true`",
        );
    }
}

/// The SQL type an annotation's type name means.
fn annotated_sql_type(name: &str) -> SqlType {
    match name {
        "integer" | "int64" | "int32" | "boolean" => SqlType::Integer,
        "number" => SqlType::Real,
        "any" => SqlType::Unknown,
        // string, and enum schemas, which are stored as text
        _ => SqlType::Text,
    }
}

/// Whether a column of SQL type `sql` can fill a value of type `ty`.
fn compatible(ty: &Ty, sql: SqlType) -> bool {
    matches!(
        (ty, sql),
        (_, SqlType::Unknown)
            | (Ty::Any, _)
            | (Ty::I64 | Ty::I32 | Ty::Bool, SqlType::Integer)
            | (Ty::F64, SqlType::Integer | SqlType::Real)
            | (
                Ty::Str(_) | Ty::Enum(_) | Ty::Vec(_) | Ty::Object(_),
                SqlType::Text
            )
    )
}

pub(in crate::check) fn describe_field(ty: &Ty) -> String {
    match ty {
        Ty::I64 | Ty::I32 => "an integer".to_owned(),
        Ty::F64 => "a number".to_owned(),
        Ty::Bool => "a boolean (stored as 0 or 1)".to_owned(),
        Ty::Str(_) => "a string".to_owned(),
        Ty::Enum(name) => format!("the string enum `{name}`"),
        other => format!("a {}", describe(other)),
    }
}

fn cast_target(ty: &Ty) -> &'static str {
    match ty {
        Ty::I64 | Ty::I32 | Ty::Bool => "INTEGER",
        Ty::F64 => "REAL",
        _ => "TEXT",
    }
}

/// Whether an input of type `ty` can be bound where SQL of type `sql` is
/// expected: what feeds a field both ways, and an integer where a REAL is.
pub(in crate::check) fn accepts(sql: SqlType, ty: &Ty) -> bool {
    compatible(ty, sql) || matches!((ty, sql), (Ty::I64 | Ty::I32, SqlType::Real))
}

/// The spec type that suits SQL of type `sql`, for help lines.
pub(in crate::check) fn spec_type_for(sql: SqlType) -> &'static str {
    match sql {
        SqlType::Integer => "integer",
        SqlType::Real => "number",
        _ => "string",
    }
}
