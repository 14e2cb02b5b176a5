//! The tables and views the migrations build, as inference reads them.

use std::collections::HashMap;

use rusqlite::Connection;
use sqlparser::ast::{Ident, Statement};

use super::parse::parse;
use super::query::infer_query;
use super::scope::{Scope, named};
use super::types::{SqlType, Typed};

/// A column of a table or view.
#[derive(Debug, Clone)]
pub(super) struct CatalogColumn {
    pub(super) name: String,
    pub(super) typed: Typed,
    /// Where a CTE's or subquery's column is written in the query, for
    /// `*` to point at; `(0, 0)` for tables and views.
    pub(super) at: (u64, u64),
}

/// The tables and views the migrations create.
#[derive(Debug, Default)]
pub struct Catalog {
    pub(super) tables: HashMap<String, Vec<CatalogColumn>>,
}

impl Catalog {
    /// Reads the schema of `conn`: tables from `PRAGMA table_info`, views by
    /// inferring their defining query.
    pub fn load(conn: &Connection) -> Catalog {
        let mut catalog = Catalog::default();
        let objects: Vec<(String, String, Option<String>)> = conn
            .prepare("SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY rowid")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap_or_default();
        for (kind, name, sql) in objects {
            let key = name.to_ascii_lowercase();
            if kind == "table" {
                // `table_xinfo` lists generated columns too; `hidden` 1 is a
                // virtual table's hidden column, which `*` does not return.
                let rows: Vec<(String, String, bool, i64, i64)> = conn
                    .prepare(&format!(
                        "PRAGMA table_xinfo(\"{}\")",
                        name.replace('"', "\"\"")
                    ))
                    .and_then(|mut s| {
                        s.query_map([], |r| {
                            Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(5)?, r.get(6)?))
                        })?
                        .collect::<Result<Vec<_>, _>>()
                    })
                    .unwrap_or_default();
                // Only a table's sole `INTEGER PRIMARY KEY` is its rowid,
                // which is never NULL; other key columns may be.
                let keys = rows.iter().filter(|r| r.3 > 0).count();
                let columns = rows
                    .into_iter()
                    .filter(|r| r.4 != 1)
                    .map(|(col, decl, notnull, pk, _)| {
                        let rowid = pk > 0 && keys == 1 && decl.eq_ignore_ascii_case("INTEGER");
                        let nullable = !(notnull || rowid);
                        let mut typed = Typed::new(SqlType::from_decl(&decl), nullable);
                        if nullable {
                            typed.why = Some(format!("`{name}.{col}` is not declared NOT NULL"));
                        }
                        CatalogColumn {
                            name: col,
                            typed,
                            at: (0, 0),
                        }
                    })
                    .collect();
                catalog.tables.insert(key, columns);
            } else if let Some(sql) = sql {
                let Some(statements) = parse(&sql) else {
                    continue;
                };
                if let Some(Statement::CreateView(view)) = statements.first() {
                    let inferred =
                        infer_query(&view.query, &catalog, &Scope::default(), &mut Vec::new());
                    let names: Vec<Ident> = view.columns.iter().map(|c| c.name.clone()).collect();
                    // Positions in a migration mean nothing in a query.
                    let mut columns = named(inferred, &names);
                    for column in &mut columns {
                        column.at = (0, 0);
                    }
                    catalog.tables.insert(key, columns);
                }
            }
        }
        catalog
    }
}
