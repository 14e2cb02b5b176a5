//! Feeding a response from query results: which column fills which field.
//!
//! The rules, documented in `docs/spec.md`:
//! - a query without `into` returning `:one` or `:optional` fills the
//!   response's root object (an `:optional` with no row answers 404);
//! - a field whose type is an object is filled from the same row by columns
//!   prefixed with the field's name (`price_amount_cents` fills
//!   `price.amount_cents`);
//! - `into: field` fills a field from another query's rows: an array from a
//!   `:many`, an object or scalar from a `:one` (or `:optional` if the field
//!   may be null);
//! - every field must be fed and every column must feed something.

use super::plan::{Fill, ObjectFill, ResponsePlan, Ty};
use super::types::{TypeTable, describe};
use crate::diag::{Diagnostics, Loc};
use crate::names;
use crate::spec::QueryUse;
use crate::spec::Spanned;
use crate::sql::analyze::Column;
use crate::sql::infer::ParamUse;
use crate::sql::{Cardinality, Query};

mod columns;

use columns::etag_column;
pub(super) use columns::{accepts, check_column, column_facts, describe_field, spec_type_for};

/// One query of a declarative endpoint, with what SQLite said about it.
pub struct Mapped<'a> {
    /// The entry in `queries:`.
    pub entry: &'a QueryUse,
    /// The query.
    pub query: &'a Query,
    /// Its result columns.
    pub columns: &'a [Column],
    /// Typed uses of its parameters.
    pub uses: &'a [(String, ParamUse)],
    /// Its position in the batch.
    pub stmt: usize,
}

impl<'a> Mapped<'a> {
    /// The query `entry` names, at position `stmt` of its batch, with its
    /// index into the queries; `None` (reported) when it is unknown or
    /// SQLite refused it.
    pub fn resolve(
        sql: &super::Resolved<'a>,
        entry: &'a QueryUse,
        stmt: usize,
        d: &mut Diagnostics,
    ) -> Option<(usize, Self)> {
        let index = sql.lookup(&entry.query, d)?;
        let described = sql.described(index)?;
        Some((
            index,
            Mapped {
                entry,
                query: &sql.queries[index],
                columns: &described.columns,
                uses: &described.params,
                stmt,
            },
        ))
    }
}

/// The response a declarative endpoint sends.
pub struct Target<'a> {
    /// `endpoint `x``, for messages.
    pub what: &'a str,
    /// Status.
    pub status: u16,
    /// The body schema, and where it was named.
    pub schema: Option<(&'a str, &'a Loc)>,
    /// The 404 detail for an `:optional` root without a row.
    pub not_found: String,
    /// `etag:`, the root column that tags the response.
    pub etag: Option<&'a Spanned<String>>,
    /// What the rows fill, for messages: `the response of endpoint `x``.
    pub filled: String,
}

/// Plans the response, or reports why it cannot be fed.
pub fn plan(
    types: &TypeTable,
    target: &Target<'_>,
    mapped: &[Mapped<'_>],
    d: &mut Diagnostics,
) -> Option<ResponsePlan> {
    let errors = d.count();
    let what = target.what;
    let mut root: Option<&Mapped<'_>> = None;
    // Guards fill the problem they refuse with (see `guard`), not the
    // response.
    let fed: Vec<&Mapped<'_>> = mapped.iter().filter(|m| m.entry.guard.is_none()).collect();
    for &m in &fed {
        if m.entry.into.is_some() {
            if m.query.cardinality == Cardinality::Exec {
                d.error(
                    &m.entry.loc,
                    format!(
                        "{what}: query `{}` is `:exec` and returns no rows to put `into` a field",
                        m.query.full_name
                    ),
                );
            }
            continue;
        }
        match m.query.cardinality {
            Cardinality::Exec => {}
            Cardinality::Many => d.error_help(
                &m.entry.loc,
                format!("{what}: query `{}` is `:many` but has no `into`", m.query.full_name),
                "a response is an object: put the rows into an array field, like `{ query: ..., into: items }`",
            ),
            Cardinality::One | Cardinality::Optional => match root {
                Some(first) => d.error_help(
                    &m.entry.loc,
                    format!("{what}: queries `{}` and `{}` both fill the response's root", first.query.full_name, m.query.full_name),
                    "give all but one an `into:` naming the field it fills",
                ),
                None => root = Some(m),
            },
        }
    }

    let page = fed
        .iter()
        .copied()
        .filter(|m| m.entry.paginate.is_some())
        .collect::<Vec<_>>();
    if let Some(second) = page.get(1) {
        d.error(
            &second.entry.loc,
            format!("{what}: only one query can be paginated"),
        );
    }
    let page_plan = page.first().and_then(|m| super::paginate::plan(m, what, d));

    let Some((schema, schema_loc)) = target.schema else {
        if let Some(m) = fed
            .iter()
            .find(|m| m.query.cardinality != Cardinality::Exec)
        {
            d.error(
                &m.entry.loc,
                format!(
                    "{what}: response {} has no body, so query `{}` has nowhere to go",
                    target.status, m.query.full_name
                ),
            );
        }
        return (d.count() == errors).then(|| ResponsePlan {
            status: target.status,
            body: None,
            root: None,
            not_found: target.not_found.clone(),
            page: None,
            etag: None,
        });
    };
    if !matches!(
        types.get(schema),
        Some(super::plan::TypePlan::Object { .. })
    ) {
        d.error(
            schema_loc,
            format!("{what}: the response body `{schema}` must be an object schema"),
        );
        return None;
    }

    let fields = types.fields(schema);
    let mut intos: Vec<(&str, &Mapped<'_>)> = Vec::new();
    for &m in &fed {
        let Some(into) = &m.entry.into else { continue };
        if !fields.iter().any(|f| f.name == into.value) {
            d.error_suggest(
                &into.loc,
                format!(
                    "{what}: `into: {}` names no field of `{schema}`; its fields are {}",
                    into.value,
                    names::one_of(&fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>())
                ),
                &into.value,
                fields.iter().map(|f| f.name.as_str()),
            );
        } else if intos.iter().any(|(f, _)| *f == into.value) {
            d.error(
                &into.loc,
                format!("{what}: two queries fill field `{}`", into.value),
            );
        } else {
            intos.push((into.value.as_str(), m));
        }
    }

    let mut used: Vec<Vec<bool>> = mapped
        .iter()
        .map(|m| vec![false; m.columns.len()])
        .collect();
    let mut filled = Vec::new();
    for field in fields {
        let path = format!("{schema}.{}", field.name);
        let option = field.optional || field.nullable;
        if let Some((_, m)) = intos.iter().find(|(f, _)| *f == field.name) {
            if let Some(fill) = fill_rows(
                types,
                m,
                &field.ty,
                option,
                &path,
                what,
                &mut used[m.stmt],
                d,
            ) {
                filled.push((field.name.clone(), fill));
            }
        } else if page_plan.is_some() && field.name == "next_cursor" {
            if field.ty != Ty::Str(None) || !field.nullable {
                d.error_help(schema_loc, format!("{what}: field `{path}` carries the next page's cursor, so it must be a nullable string"), "declare it as `next_cursor: { type: string, nullable: true }`");
            }
            filled.push((field.name.clone(), Fill::NextCursor));
        } else if let Some(r) = root {
            if let Some(fill) = fill_column(
                types,
                r,
                "",
                &field.name,
                &field.ty,
                option,
                &path,
                what,
                &mut used[r.stmt],
                d,
            ) {
                filled.push((field.name.clone(), fill));
            }
        } else {
            d.error_help(
                schema_loc,
                format!("{what}: field `{path}` is fed by nothing"),
                format!("add a query without `into` that returns a column `{}`, or a query with `into: {}`", field.name, field.name),
            );
        }
    }
    if let Some(p) = &page_plan {
        let m = &mapped[p.stmt];
        // With `scan:`, `resume` marks where the page stopped (checked in
        // `paginate`, reported there if it is wrong).
        let resume = m
            .entry
            .paginate
            .as_ref()
            .filter(|p| p.scan.is_some())
            .and_then(|_| m.columns.iter().position(|c| c.name == "resume"));
        for &k in p.key_columns.iter().chain(&resume) {
            used[p.stmt][k] = true;
        }
        let into_list = m
            .entry
            .into
            .as_ref()
            .and_then(|i| fields.iter().find(|f| f.name == i.value))
            .is_some_and(|f| matches!(f.ty, Ty::Vec(_)));
        if !into_list {
            d.error(
                &m.entry.loc,
                format!("{what}: a paginated query must fill an array field with `into`"),
            );
        }
        if !fields.iter().any(|f| f.name == "next_cursor") {
            d.error_help(
                schema_loc,
                format!("{what}: `{schema}` has no `next_cursor` field for the paginated query"),
                "add `next_cursor: { type: string, nullable: true }` to the schema",
            );
        }
    }
    let etag = target
        .etag
        .and_then(|tag| etag_column(root, tag, what, &mut used, d));
    for &m in &fed {
        for (i, column) in m.columns.iter().enumerate() {
            if !used[m.stmt][i] && m.query.cardinality != Cardinality::Exec {
                d.error_help(
                    &m.query.name.loc,
                    format!(
                        "column `{}` of query `{}` feeds nothing in {}",
                        column.name, m.query.full_name, target.filled
                    ),
                    "remove it from the SELECT list, or add a field for it to the schema",
                );
            }
        }
    }
    (d.count() == errors).then(|| ResponsePlan {
        status: target.status,
        body: Some(ObjectFill {
            type_name: schema.to_owned(),
            fields: filled,
        }),
        root: root.map(|r| (r.stmt, r.query.cardinality)),
        not_found: target.not_found.clone(),
        page: page_plan,
        etag,
    })
}

#[allow(clippy::too_many_arguments)]
fn fill_rows(
    types: &TypeTable,
    m: &Mapped<'_>,
    ty: &Ty,
    option: bool,
    path: &str,
    what: &str,
    used: &mut [bool],
    d: &mut Diagnostics,
) -> Option<Fill> {
    let card = m.query.cardinality;
    let q = &m.query.full_name;
    let (item_ty, accepted): (&Ty, &[Cardinality]) = match ty {
        Ty::Vec(item) => (item.as_ref(), &[Cardinality::Many]),
        other if option => (other, &[Cardinality::Optional, Cardinality::One]),
        other => (other, &[Cardinality::One]),
    };
    if !accepted.contains(&card) {
        let (expected, why) = match accepted {
            [Cardinality::Many] => ("a `:many`", "it is an array".to_owned()),
            [Cardinality::One] => ("a `:one`", format!("it is a required {}", describe(ty))),
            _ => (
                "an `:optional` or `:one`",
                "it may be null or absent".to_owned(),
            ),
        };
        d.error(&m.entry.loc, format!("{what}: field `{path}` must be filled by {expected} query because {why}; `{q}` is `{}`", card.as_str()));
        return None;
    }
    let item = match item_ty {
        Ty::Object(name) => Fill::Object(fill_object(types, m, "", name, path, what, used, d)?),
        Ty::Vec(_) => {
            d.error(
                &m.entry.loc,
                format!("{what}: field `{path}` is an array of arrays, which a query cannot fill"),
            );
            return None;
        }
        scalar => {
            if m.columns.len() != 1 {
                d.error_help(&m.entry.loc, format!("{what}: field `{path}` is a {} and needs a query with one column; `{q}` has {}", describe(scalar), m.columns.len()), "select exactly one column");
                return None;
            }
            used[0] = true;
            // A nullable scalar field may be fed a NULL by a row that
            // exists; the items of an array never are.
            let (option, target) = match ty {
                Ty::Vec(_) => (false, format!("the items of `{path}`")),
                _ => (option, format!("`{path}`")),
            };
            check_column(m, 0, scalar, option, &target, what, d);
            Fill::Column {
                col: 0,
                ty: scalar.clone(),
                option,
            }
        }
    };
    Some(Fill::Rows {
        stmt: m.stmt,
        cardinality: card,
        item: Box::new(item),
        field_option: option,
        paginated: m.entry.paginate.is_some(),
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn fill_object(
    types: &TypeTable,
    m: &Mapped<'_>,
    prefix: &str,
    type_name: &str,
    path: &str,
    what: &str,
    used: &mut [bool],
    d: &mut Diagnostics,
) -> Option<ObjectFill> {
    let mut fields = Vec::new();
    let mut ok = true;
    for field in types.fields(type_name) {
        let option = field.optional || field.nullable;
        let field_path = format!("{path}.{}", field.name);
        match fill_column(
            types,
            m,
            prefix,
            &field.name,
            &field.ty,
            option,
            &field_path,
            what,
            used,
            d,
        ) {
            Some(fill) => fields.push((field.name.clone(), fill)),
            None => ok = false,
        }
    }
    ok.then(|| ObjectFill {
        type_name: type_name.to_owned(),
        fields,
    })
}

#[allow(clippy::too_many_arguments)]
fn fill_column(
    types: &TypeTable,
    m: &Mapped<'_>,
    prefix: &str,
    name: &str,
    ty: &Ty,
    option: bool,
    path: &str,
    what: &str,
    used: &mut [bool],
    d: &mut Diagnostics,
) -> Option<Fill> {
    let column = format!("{prefix}{name}");
    match ty {
        Ty::Object(inner) => {
            if option {
                d.error_help(
                    &m.entry.loc,
                    format!("{what}: field `{path}` is an optional object, which columns of the same row cannot fill"),
                    format!("fill it with a separate `:optional` query and `into: {name}`"),
                );
                return None;
            }
            Some(Fill::Object(fill_object(
                types,
                m,
                &format!("{column}_"),
                inner,
                path,
                what,
                used,
                d,
            )?))
        }
        Ty::Vec(_) => {
            d.error_help(
                &m.entry.loc,
                format!("{what}: field `{path}` is an array, which a column cannot fill"),
                format!("fill it with a `:many` query and `into: {name}`"),
            );
            None
        }
        scalar => match m.columns.iter().position(|c| c.name == column) {
            Some(i) => {
                used[i] = true;
                check_column(m, i, scalar, option, &format!("`{path}`"), what, d);
                Some(Fill::Column {
                    col: i,
                    ty: scalar.clone(),
                    option,
                })
            }
            None => {
                d.error_suggest(
                    &m.entry.loc,
                    format!(
                        "{what}: field `{path}` needs a column `{column}` in query `{}`, which returns {}",
                        m.query.full_name,
                        names::one_of(&m.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>())
                    ),
                    &column,
                    m.columns.iter().map(|c| c.name.as_str()),
                );
                None
            }
        },
    }
}
