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

use std::collections::HashMap;

use rusqlite::Connection;
use sqlparser::ast::Spanned;
use sqlparser::ast::{
    BinaryOperator, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr,
    Ident, JoinOperator, ObjectName, Query, Select, SelectItem, SetExpr, Statement, TableFactor,
    TableWithJoins, UnaryOperator, Value,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

/// A storage class, as far as it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// `INTEGER` (booleans too: comparisons give 0 or 1).
    Integer,
    /// `REAL`.
    Real,
    /// `TEXT`.
    Text,
    /// `BLOB`.
    Blob,
    /// Not known, or varying.
    Unknown,
}

impl SqlType {
    /// SQLite's affinity rules for a declared type.
    pub fn from_decl(decl: &str) -> SqlType {
        let d = decl.to_ascii_uppercase();
        if d.contains("INT") {
            SqlType::Integer
        } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
            SqlType::Text
        } else if d.contains("BLOB") {
            SqlType::Blob
        } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
            SqlType::Real
        } else if d.contains("BOOL") {
            // NUMERIC affinity; booleans are stored as 0 and 1.
            SqlType::Integer
        } else {
            // No declared type (values stay as stored) or NUMERIC affinity
            // (`DATE`, `DATETIME`, `DECIMAL`: text or numbers, by value).
            SqlType::Unknown
        }
    }

    /// The name in messages.
    pub fn name(self) -> &'static str {
        match self {
            SqlType::Integer => "INTEGER",
            SqlType::Real => "REAL",
            SqlType::Text => "TEXT",
            SqlType::Blob => "BLOB",
            SqlType::Unknown => "of unknown type",
        }
    }

    fn merge(self, other: SqlType) -> SqlType {
        match (self, other) {
            (a, b) if a == b => a,
            (SqlType::Integer, SqlType::Real) | (SqlType::Real, SqlType::Integer) => SqlType::Real,
            _ => SqlType::Unknown,
        }
    }
}

/// A value's type, whether it can be NULL, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// The storage class.
    pub ty: SqlType,
    /// Whether it can be NULL.
    pub nullable: bool,
    /// Why it can be NULL, for messages.
    pub why: Option<String>,
}

impl Typed {
    fn new(ty: SqlType, nullable: bool) -> Self {
        Typed {
            ty,
            nullable,
            why: None,
        }
    }

    fn unknown() -> Self {
        Typed {
            ty: SqlType::Unknown,
            nullable: true,
            why: None,
        }
    }

    fn nullable_because(mut self, why: impl Into<String>) -> Self {
        if !self.nullable || self.why.is_none() {
            self.why = Some(why.into());
        }
        self.nullable = true;
        self
    }
}

/// A result column: its type, and where its expression starts in the query
/// (1-based line and column of the query text).
#[derive(Debug, Clone)]
pub struct ColumnType {
    /// Its name in the result, as SQLite names it.
    pub name: String,
    /// Type and nullability.
    pub typed: Typed,
    /// Where it is written.
    pub at: (u64, u64),
}

/// What a parameter is used as.
#[derive(Debug, Clone)]
pub struct ParamUse {
    /// The type it takes from its use.
    pub ty: SqlType,
    /// What it meets, for messages (`the INTEGER column products.id`).
    pub against: String,
    /// Where the use is (line and column in the query text).
    pub at: (u64, u64),
}

/// Everything inferred about one query.
#[derive(Debug, Clone, Default)]
pub struct Inferred {
    /// Result columns, in order.
    pub columns: Vec<ColumnType>,
    /// Typed uses of each parameter (by name, without `:`).
    pub params: Vec<(String, ParamUse)>,
}

/// A column of a table or view.
#[derive(Debug, Clone)]
struct CatalogColumn {
    name: String,
    typed: Typed,
    /// Where a CTE's or subquery's column is written in the query, for
    /// `*` to point at; `(0, 0)` for tables and views.
    at: (u64, u64),
}

/// The tables and views the migrations create.
#[derive(Debug, Default)]
pub struct Catalog {
    tables: HashMap<String, Vec<CatalogColumn>>,
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

fn returning(
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
fn bind_insert_source(
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
fn use_param(expr: &Expr, ty: SqlType, against: &str, params: &mut Vec<(String, ParamUse)>) {
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

fn placeholder(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Placeholder(p) => p.strip_prefix(':').map(str::to_owned),
            _ => None,
        },
        Expr::Nested(inner) => placeholder(inner),
        _ => None,
    }
}

/// Names SQLite knows without a table declaring them: the rowid (never
/// NULL when the query reads one table, so no outer join can blank it), and
/// the current time.
fn builtin(name: &str, scope: &Scope) -> Option<Typed> {
    match name.to_ascii_lowercase().as_str() {
        "rowid" | "oid" | "_rowid_" => Some(Typed::new(SqlType::Integer, scope.sources.len() > 1)),
        "current_timestamp" | "current_date" | "current_time" => {
            Some(Typed::new(SqlType::Text, false))
        }
        _ => None,
    }
}

fn last_ident(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_default()
}

/// The tables and derived tables a query reads, by name or alias.
#[derive(Debug, Default, Clone)]
struct Scope {
    sources: Vec<Source>,
    /// Common table expressions visible here.
    ctes: Vec<(String, Vec<CatalogColumn>)>,
    /// The enclosing query's scope, for correlated subqueries.
    outer: Option<Box<Scope>>,
    /// Whether the SELECT has a GROUP BY: its aggregates see at least one
    /// row, so `SUM(x)` is NULL only if `x` is.
    grouped: bool,
}

#[derive(Debug, Clone)]
struct Source {
    name: String,
    table: String,
    columns: Vec<CatalogColumn>,
}

impl Scope {
    fn of_table(catalog: &Catalog, table: &str, alias: Option<&str>) -> Scope {
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
    fn defined_at(&self, expr: &Expr) -> Option<(u64, u64)> {
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
    fn column(&self, qualifier: Option<&str>, name: &str) -> Option<(Typed, String)> {
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
    fn narrow(&mut self, qualifier: Option<&str>, name: &str) {
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

    fn cte(&self, name: &str) -> Option<&Vec<CatalogColumn>> {
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
fn named(columns: Vec<ColumnType>, names: &[Ident]) -> Vec<CatalogColumn> {
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

/// Parses SQLite SQL, or `None` if `sqlparser` cannot.
///
/// SQLite's `WITH x AS [NOT] MATERIALIZED (...)` hints, which `sqlparser`'s
/// SQLite dialect does not accept, are blanked first: they tell SQLite how
/// to plan, not what a column holds. Blanking with spaces keeps every line
/// and column, so locations still point into the query as written.
fn parse(sql: &str) -> Option<Vec<Statement>> {
    let hinted = sql.to_ascii_uppercase().contains("MATERIALIZED");
    let text = if hinted {
        std::borrow::Cow::Owned(without_materialization_hints(sql)?)
    } else {
        std::borrow::Cow::Borrowed(sql)
    };
    Parser::parse_sql(&SQLiteDialect {}, &text).ok()
}

fn without_materialization_hints(sql: &str) -> Option<String> {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&SQLiteDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let words: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let keyword = |i: usize, k: Keyword| {
        words
            .get(i)
            .is_some_and(|t| matches!(&t.token, Token::Word(w) if w.keyword == k))
    };
    // Byte offset of each line's start, to turn (line, column) into bytes.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let skip = usize::try_from(column).ok()?.checked_sub(1)?;
        Some(start + sql[start..].char_indices().nth(skip)?.0)
    };
    let mut out = sql.to_owned().into_bytes();
    for i in 0..words.len() {
        if !keyword(i, Keyword::AS) {
            continue;
        }
        let hint = if keyword(i + 1, Keyword::MATERIALIZED) {
            i + 1..i + 2
        } else if keyword(i + 1, Keyword::NOT) && keyword(i + 2, Keyword::MATERIALIZED) {
            i + 1..i + 3
        } else {
            continue;
        };
        if !matches!(words.get(hint.end).map(|t| &t.token), Some(Token::LParen)) {
            continue;
        }
        for word in &words[hint] {
            let from = offset(word.span.start.line, word.span.start.column)?;
            let to = offset(word.span.end.line, word.span.end.column)?;
            out.get_mut(from..to)?.fill(b' ');
        }
    }
    String::from_utf8(out).ok()
}

fn infer_query(
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
fn select_scope(
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

fn infer_set(
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

fn infer_select(
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
fn non_null_in(expr: &Expr, out: &mut Vec<(Option<String>, String)>) {
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

fn project(
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
fn scope_of(
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
fn always_one_row(query: &Query) -> bool {
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
fn is_aggregate(f: &sqlparser::ast::Function) -> bool {
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
fn has_aggregate(expr: &Expr) -> bool {
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

fn join_constraint(op: &JoinOperator) -> Option<&Expr> {
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

fn source_of(
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

fn ident_name(i: &Ident) -> &str {
    &i.value
}

/// The type of an expression in `scope`, recording typed parameter uses.
fn type_expr(
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
fn describe_column(expr: &Expr, scope: &Scope) -> Option<String> {
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
fn compare(
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

fn binary(
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

fn numeric(ty: SqlType) -> SqlType {
    match ty {
        SqlType::Integer | SqlType::Real => ty,
        _ => SqlType::Unknown,
    }
}

fn cast_type(data_type: &DataType) -> SqlType {
    SqlType::from_decl(&data_type.to_string())
}

fn function(
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

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "
        CREATE TABLE categories (id INTEGER PRIMARY KEY, slug TEXT NOT NULL, name TEXT);
        CREATE TABLE products (
            id INTEGER PRIMARY KEY,
            category_id INTEGER NOT NULL REFERENCES categories (id),
            name TEXT NOT NULL,
            price REAL NOT NULL,
            note TEXT,
            tags TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE stock (product_id INTEGER NOT NULL, on_hand INTEGER NOT NULL);
        CREATE TABLE lines (order_id INTEGER, line INTEGER, qty INTEGER NOT NULL,
                            PRIMARY KEY (order_id, line));
        CREATE VIEW product_stock AS
            SELECT product_id, SUM(on_hand) AS on_hand FROM stock GROUP BY product_id;
    ";

    fn catalog() -> Catalog {
        let conn = Connection::open_in_memory().expect("in-memory SQLite");
        conn.execute_batch(SCHEMA).expect("schema");
        Catalog::load(&conn)
    }

    /// `(type, nullable)` of each result column.
    fn columns(sql: &str) -> Vec<(SqlType, bool)> {
        infer(sql, &catalog())
            .unwrap_or_else(|| panic!("cannot infer {sql}"))
            .columns
            .into_iter()
            .map(|c| (c.typed.ty, c.typed.nullable))
            .collect()
    }

    /// `(name, type)` of each typed parameter use.
    fn params(sql: &str) -> Vec<(String, SqlType)> {
        infer(sql, &catalog())
            .unwrap_or_else(|| panic!("cannot infer {sql}"))
            .params
            .into_iter()
            .map(|(n, u)| (n, u.ty))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .collect()
    }

    use SqlType::{Integer, Real, Text, Unknown};

    #[test]
    fn table_columns_keep_their_declared_type_and_not_null() {
        assert_eq!(
            columns("SELECT id, name, price, note FROM products"),
            [(Integer, false), (Text, false), (Real, false), (Text, true)]
        );
    }

    #[test]
    fn outer_joins_make_the_outer_side_nullable() {
        assert_eq!(
            columns(
                "SELECT p.name, c.slug FROM products p LEFT JOIN categories c ON c.id = p.category_id"
            ),
            [(Text, false), (Text, true)]
        );
        assert_eq!(
            columns(
                "SELECT p.name, c.slug FROM products p JOIN categories c ON c.id = p.category_id"
            ),
            [(Text, false), (Text, false)]
        );
        let why = infer(
            "SELECT s.on_hand FROM products p LEFT JOIN product_stock s ON s.product_id = p.id",
            &catalog(),
        )
        .and_then(|i| i.columns.into_iter().next())
        .and_then(|c| c.typed.why);
        assert_eq!(
            why.as_deref(),
            Some("`s` is on the outer side of a LEFT JOIN")
        );
    }

    #[test]
    fn coalesce_cast_case_and_arithmetic() {
        assert_eq!(
            columns(
                "SELECT COALESCE(note, ''), CAST(price AS INTEGER), \
                 CASE WHEN price > 10 THEN 'high' ELSE 'low' END, price * 2, note || '!' \
                 FROM products"
            ),
            [
                (Text, false),
                (Integer, false),
                (Text, false),
                (Real, false),
                (Text, true)
            ]
        );
    }

    #[test]
    fn aggregates_over_no_rows_are_null_unless_grouped() {
        assert_eq!(
            columns("SELECT COUNT(*), SUM(on_hand), MAX(on_hand) FROM stock"),
            [(Integer, false), (Integer, true), (Integer, true)]
        );
        assert_eq!(
            columns("SELECT product_id, SUM(on_hand) FROM stock GROUP BY product_id"),
            [(Integer, false), (Integer, false)]
        );
        // A view is inferred like the query that defines it.
        assert_eq!(
            columns("SELECT on_hand FROM product_stock"),
            [(Integer, false)]
        );
    }

    #[test]
    fn where_clauses_narrow_nullable_columns() {
        assert_eq!(
            columns("SELECT note FROM products WHERE note IS NOT NULL"),
            [(Text, false)]
        );
        assert_eq!(
            columns("SELECT note FROM products WHERE note IS NOT NULL OR id = 1"),
            [(Text, true)]
        );
        assert_eq!(
            columns("SELECT value FROM products, json_each(products.tags)"),
            [(Unknown, true)]
        );
    }

    #[test]
    fn ctes_subqueries_and_returning() {
        assert_eq!(
            columns("WITH cheap AS (SELECT id, note FROM products) SELECT id, note FROM cheap"),
            [(Integer, false), (Text, true)]
        );
        assert_eq!(
            columns(
                "SELECT (SELECT COUNT(*) FROM stock) AS n, (SELECT on_hand FROM stock LIMIT 1) AS m"
            ),
            [(Integer, false), (Integer, true)]
        );
        assert_eq!(
            columns("UPDATE products SET note = :note WHERE id = :id RETURNING id, note"),
            [(Integer, false), (Text, true)]
        );
    }

    #[test]
    fn materialization_hints_are_read_past_where_written() {
        assert_eq!(
            columns(
                "WITH m AS NOT MATERIALIZED (SELECT id, note FROM products) SELECT id, note FROM m"
            ),
            [(Integer, false), (Text, true)]
        );
        assert_eq!(
            columns("with m as materialized (select name from products) select name from m"),
            [(Text, false)]
        );
        // Blanked, not removed: columns keep their line and column (a
        // column passed through from a CTE is where the CTE computes it).
        let sql = "WITH m AS NOT MATERIALIZED (SELECT note FROM products)\nSELECT  note, 1 FROM m";
        let inferred = infer(sql, &catalog()).expect("parsed");
        assert_eq!(inferred.columns[0].at, (1, 36));
        assert_eq!(inferred.columns[1].at, (2, 15));
        // A column or table that happens to be named so is left alone.
        assert!(infer("SELECT 1 AS materialized", &catalog()).is_some());
    }

    #[test]
    fn columns_are_located_where_they_are_computed() {
        let at = |sql: &str| -> Vec<(u64, u64)> {
            let inferred = infer(sql, &catalog()).expect("parsed");
            inferred.columns.iter().map(|c| c.at).collect()
        };
        // Through a CTE, a subquery and `*`, and in the branch that makes a
        // compound's column NULL-able.
        assert_eq!(
            at("WITH c AS (SELECT id, note FROM products)\nSELECT c.note, id FROM c"),
            [(1, 23), (1, 19)]
        );
        assert_eq!(
            at("SELECT * FROM (SELECT id,\n note FROM products)"),
            [(1, 23), (2, 2)]
        );
        assert_eq!(
            at("SELECT name FROM products\nUNION ALL SELECT note FROM products"),
            [(2, 18)]
        );
        assert_eq!(
            at("SELECT note FROM products\nUNION ALL SELECT name FROM products"),
            [(1, 8)]
        );
        // A column an outer join makes NULL-able is where the query reads it.
        assert_eq!(
            at(
                "WITH s AS (SELECT product_id, SUM(on_hand) AS t FROM stock GROUP BY 1)\n\
                SELECT s.t FROM products p LEFT JOIN s ON s.product_id = p.id"
            ),
            [(2, 8)]
        );
    }

    #[test]
    fn parameters_take_the_type_of_what_they_meet() {
        assert_eq!(
            params(
                "SELECT id FROM products WHERE id = :id AND name LIKE :q AND price <= :max LIMIT :limit"
            ),
            [
                ("id".to_owned(), Integer),
                ("limit".to_owned(), Integer),
                ("max".to_owned(), Real),
                ("q".to_owned(), Text)
            ]
        );
        assert_eq!(
            params("INSERT INTO stock (product_id, on_hand) VALUES (:product, :qty)"),
            [("product".to_owned(), Integer), ("qty".to_owned(), Integer)]
        );
        assert_eq!(
            params("UPDATE products SET name = :name WHERE category_id IN (:a, :b)"),
            [
                ("a".to_owned(), Integer),
                ("b".to_owned(), Integer),
                ("name".to_owned(), Text)
            ]
        );
    }

    #[test]
    fn what_sqlite_can_make_null_stays_nullable() {
        // `*` in a CTE: names come from the expanded columns.
        assert_eq!(
            columns(
                "WITH x AS (SELECT p.*, c.name AS category FROM products p \
                 LEFT JOIN categories c ON c.id = p.category_id) SELECT category, name FROM x"
            ),
            [(Text, true), (Text, false)]
        );
        // Plain columns beside an aggregate, without GROUP BY: one row of
        // NULLs over no rows.
        assert_eq!(
            columns("SELECT name, MAX(price), COUNT(*) FROM products"),
            [(Text, true), (Real, true), (Integer, false)]
        );
        // Division by zero, unless the divisor is a non-zero literal.
        assert_eq!(
            columns("SELECT price / id, price / 2 FROM products"),
            [(Real, true), (Real, false)]
        );
        // IN over a nullable list or subquery; BETWEEN a nullable bound.
        assert_eq!(
            columns(
                "SELECT id IN (SELECT note FROM products), id IN (1, 2), \
                 id BETWEEN 1 AND (SELECT MAX(id) FROM products) FROM products"
            ),
            [(Integer, true), (Integer, false), (Integer, true)]
        );
        // FILTER can leave a group without rows; OVER is not an aggregate.
        assert_eq!(
            columns(
                "SELECT SUM(on_hand) FILTER (WHERE on_hand > 5), SUM(on_hand) \
                 FROM stock GROUP BY product_id"
            ),
            [(Integer, true), (Integer, false)]
        );
        assert_eq!(
            columns("SELECT row_number() OVER (ORDER BY id), rowid FROM products"),
            [(Integer, false), (Integer, false)]
        );
        // Only a sole INTEGER PRIMARY KEY is the never-NULL rowid.
        assert_eq!(
            columns("SELECT order_id, line, qty FROM lines"),
            [(Integer, true), (Integer, true), (Integer, false)]
        );
        // Every row of VALUES counts.
        assert_eq!(
            columns("WITH t(x) AS (VALUES (1), (NULL)) SELECT x FROM t"),
            [(Integer, true)]
        );
        // Times: only the current time surely reads as one.
        assert_eq!(
            columns("SELECT date('now'), date(note), datetime('now', '+1 bogus') FROM products"),
            [(Text, false), (Text, true), (Text, true)]
        );
        // RIGHT JOIN: the left side may be missing.
        assert_eq!(
            columns(
                "SELECT p.name, c.slug FROM products p RIGHT JOIN categories c ON c.id = p.category_id"
            ),
            [(Text, true), (Text, false)]
        );
    }

    #[test]
    fn substr_takes_integer_positions() {
        assert_eq!(
            params("SELECT substr(name, :start, :len) FROM products WHERE name = :name"),
            [
                ("len".to_owned(), Integer),
                ("name".to_owned(), Text),
                ("start".to_owned(), Integer)
            ]
        );
    }
}
