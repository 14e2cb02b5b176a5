//! Types and nullability of a query's result columns and parameters,
//! inferred from the schema the migrations build.
//!
//! SQLite tells the declared type of a column read straight from a table,
//! and nothing about expressions, outer joins or parameters. This pass
//! parses the query (with `sqlparser`) and works them out: `NOT NULL` and
//! primary keys, the outer side of `LEFT`/`RIGHT`/`FULL` joins, `COALESCE`,
//! aggregates (`COUNT` is never NULL, `SUM` of no rows is), `CAST`, `CASE`,
//! arithmetic and comparisons, CTEs, subqueries, views and `json_each`. A
//! parameter takes the type of the column it is compared with, inserted into
//! or assigned to. What cannot be told is `Unknown` and is never reported as
//! a mismatch: an annotation (`-- column x: integer`) can say it instead.

mod catalog;
mod expr;
mod functions;
mod params;
mod parse;
mod query;
mod scope;
#[cfg(test)]
mod tests;
mod types;

use sqlparser::ast::Statement;

use expr::type_expr;
use params::{bind_insert_source, returning, use_param};
use parse::parse;
use query::{infer_query, scope_of};
use scope::{Scope, last_ident};

pub use catalog::Catalog;
pub use types::{Inferred, ParamUse, SqlType, Typed};

/// Infers the columns and parameters of `sql`, or `None` when it cannot
/// be parsed (then nothing is reported about it).
pub fn infer(sql: &str, catalog: &Catalog) -> Option<Inferred> {
    let statements = parse(sql)?;
    let [statement] = statements.as_slice() else {
        return None;
    };
    let mut params = Vec::new();
    let columns = match statement {
        Statement::Query(query) => infer_query(query, catalog, &Scope::default(), &mut params),
        Statement::Insert(insert) => {
            // `main.t` and `"t"` are `t`.
            let written = insert.table.to_string();
            let table = written
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .trim_matches(['"', '`', '[', ']'])
                .to_owned();
            let scope = Scope::of_table(catalog, &table, None);
            if let Some(source) = &insert.source {
                let targets: Vec<Option<Typed>> = insert
                    .columns
                    .iter()
                    .map(|c| scope.column(None, &last_ident(c)).map(|(t, _)| t))
                    .collect();
                bind_insert_source(
                    source,
                    &targets,
                    &insert.columns,
                    &table,
                    catalog,
                    &mut params,
                );
                infer_query(source, catalog, &Scope::default(), &mut params);
            }
            returning(insert.returning.as_deref(), &scope, catalog, &mut params)
        }
        Statement::Update(update) => {
            let scope = scope_of(
                std::slice::from_ref(&update.table),
                catalog,
                &Scope::default(),
                &mut params,
            );
            for assignment in &update.assignments {
                if let sqlparser::ast::AssignmentTarget::ColumnName(column) = &assignment.target {
                    let name = last_ident(column);
                    if let Some((typed, origin)) = scope.column(None, &name) {
                        use_param(
                            &assignment.value,
                            typed.ty,
                            &format!("the {} column {origin}", typed.ty.name()),
                            &mut params,
                        );
                    }
                }
                type_expr(&assignment.value, &scope, catalog, &mut params);
            }
            if let Some(selection) = &update.selection {
                type_expr(selection, &scope, catalog, &mut params);
            }
            returning(update.returning.as_deref(), &scope, catalog, &mut params)
        }
        Statement::Delete(delete) => {
            let tables = match &delete.from {
                sqlparser::ast::FromTable::WithFromKeyword(t)
                | sqlparser::ast::FromTable::WithoutKeyword(t) => t.clone(),
            };
            let scope = scope_of(&tables, catalog, &Scope::default(), &mut params);
            if let Some(selection) = &delete.selection {
                type_expr(selection, &scope, catalog, &mut params);
            }
            returning(delete.returning.as_deref(), &scope, catalog, &mut params)
        }
        _ => return None,
    };
    Some(Inferred { columns, params })
}
