//! Cross-checks the spec against itself and against the SQL, and plans the
//! code to generate. Every mistake is recorded; nothing stops at the first.

mod access;
mod binding;
mod cache;
mod endpoint;
mod examples;
mod guard;
pub mod idempotency;
pub mod jobs;
mod links;
mod mapping;
mod paginate;
mod params;
pub mod plan;
pub mod problems;
mod returns;
mod typed;
mod types;

use std::collections::HashMap;

use crate::diag::Diagnostics;
use crate::names;
use crate::spec::{Implementation, Segment, Spanned, Spec};
use crate::sql::Query;
use crate::sql::analyze::Described;
use access::SecurityModel;
use plan::{Plan, QueryPlan};
pub use types::TypeTable;

/// The SQL side: every query and what SQLite said about it.
pub struct Resolved<'a> {
    /// All queries.
    pub queries: &'a [Query],
    /// `describe` of each, `None` where SQLite refused it.
    pub described: &'a [Option<Described>],
    index: HashMap<&'a str, usize>,
}

impl<'a> Resolved<'a> {
    /// Indexes the queries by `file.name`.
    pub fn new(queries: &'a [Query], described: &'a [Option<Described>]) -> Self {
        let index = queries
            .iter()
            .enumerate()
            .map(|(i, q)| (q.full_name.as_str(), i))
            .collect();
        Resolved {
            queries,
            described,
            index,
        }
    }

    /// The index of query `name`, if it exists.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The index of the query a spec entry names, or a did-you-mean error.
    pub fn lookup(&self, name: &Spanned<String>, d: &mut Diagnostics) -> Option<usize> {
        if let Some(i) = self.index_of(&name.value) {
            return Some(i);
        }
        let known: Vec<&str> = self.queries.iter().map(|q| q.full_name.as_str()).collect();
        if !name.value.contains('.') {
            let matching: Vec<&str> = known
                .iter()
                .copied()
                .filter(|k| k.ends_with(&format!(".{}", name.value)))
                .collect();
            d.error_help(
                &name.loc,
                format!("unknown query `{}`: name it as `file.query`", name.value),
                match matching.as_slice() {
                    [one] => format!("did you mean `{one}`?"),
                    _ => {
                        "the file is `app/queries/<file>.sql`, the query its `-- name:`".to_owned()
                    }
                },
            );
        } else {
            let message = format!("unknown query `{}`", name.value);
            d.error_suggest(&name.loc, message, &name.value, known);
        }
        None
    }

    /// What SQLite said about query `index`, if it accepted it.
    pub fn described(&self, index: usize) -> Option<&'a Described> {
        self.described.get(index).and_then(|d| d.as_ref())
    }
}

/// Checks everything and plans the code.
pub fn check(
    spec: &Spec,
    sql: &Resolved<'_>,
    sources: plan::Sources,
    d: &mut Diagnostics,
) -> Option<(Plan, TypeTable)> {
    let mut types = TypeTable::build(&spec.schemas, d);
    let security = SecurityModel::build(spec.security.as_ref(), d);
    check_tags(spec, d);
    check_routes(spec, d);
    let mut endpoints = Vec::new();
    for endpoint in &spec.endpoints {
        if let Some(plan) = endpoint::check(&mut types, sql, &security, endpoint, d) {
            endpoints.push(plan);
        }
    }
    links::plan(spec, &types, &mut endpoints, d);
    examples::plan(spec, &security.plan, &mut endpoints, d);
    let problem_types = problems::catalogue(spec, &types, &endpoints, d);
    let jobs = jobs::check(spec, sql, d);

    let handler_queries: Vec<usize> = spec
        .endpoints
        .iter()
        .filter_map(|e| match &e.implementation {
            Implementation::Handler { queries, .. } => Some(queries),
            Implementation::Queries(_) => None,
        })
        .flatten()
        .filter_map(|q| sql.index_of(&q.query.value))
        .collect();
    let used: Vec<&str> = spec
        .endpoints
        .iter()
        .flat_map(|e| match &e.implementation {
            Implementation::Queries(uses) | Implementation::Handler { queries: uses, .. } => uses,
        })
        .map(|q| q.query.value.as_str())
        .chain(jobs::used_queries(spec))
        // A misspelled name (reported already) stands for what it is
        // closest to, which is then not reported unused as well.
        .filter_map(|name| match sql.index_of(name) {
            Some(_) => Some(name),
            None => names::did_you_mean(name, sql.queries.iter().map(|q| q.full_name.as_str())),
        })
        .collect();
    let mut queries = Vec::new();
    for (i, query) in sql.queries.iter().enumerate() {
        if !used.contains(&query.full_name.as_str()) {
            d.error_help(
                &query.name.loc,
                format!("query `{}` is not used by any endpoint", query.full_name),
                "list it under an endpoint's `queries:` (a handler lists the queries it runs), or delete it",
            );
        }
        let Some(described) = sql.described.get(i).and_then(|d| d.as_ref()) else {
            continue;
        };
        // Every annotation names a type (a handler's queries resolve them
        // again for their bindings, with the errors reported here).
        for (_, t) in query.param_types.iter().chain(&query.column_types) {
            types.resolve_annotation(&t.name, &t.loc, d);
        }
        for (name, _) in &query.column_types {
            if !described.columns.iter().any(|c| c.name == name.value) {
                d.error_suggest(
                    &name.loc,
                    format!(
                        "`-- column {}` names no column of query `{}`",
                        name.value, query.full_name
                    ),
                    &name.value,
                    described.columns.iter().map(|c| c.name.as_str()),
                );
            }
        }
        for (name, _) in &query.param_types {
            if !query.params.iter().any(|p| p.value == name.value) {
                d.error_suggest(
                    &name.loc,
                    format!(
                        "`-- param {}` names no parameter of query `{}`",
                        name.value, query.full_name
                    ),
                    &name.value,
                    query.params.iter().map(|p| p.value.as_str()),
                );
            }
        }
        if described.columns.is_empty() && query.cardinality != crate::sql::Cardinality::Exec {
            d.error_help(
                &query.name.loc,
                format!(
                    "query `{}` returns no columns but is `{}`",
                    query.full_name,
                    query.cardinality.as_str()
                ),
                "declare it `:exec`, or add a RETURNING clause",
            );
        }
        if !described.columns.is_empty() && query.cardinality == crate::sql::Cardinality::Exec {
            d.error_help(
                &query.name.loc,
                format!("query `{}` returns columns but is `:exec`", query.full_name),
                "declare it `:one`, `:optional` or `:many`",
            );
        }
        for (n, column) in described.columns.iter().enumerate() {
            if described.columns[..n].iter().any(|c| c.name == column.name) {
                d.error_help(
                    &query.name.loc,
                    format!(
                        "query `{}` returns two columns named `{}`",
                        query.full_name, column.name
                    ),
                    "give one an alias with `AS`; D1 returns rows keyed by column name",
                );
            }
            if !names::is_snake_case(&column.name) {
                d.error_help(
                    &query.name.loc,
                    format!(
                        "column `{}` of query `{}` is not a snake_case name",
                        column.name, query.full_name
                    ),
                    "give it an alias with `AS`, like `count(*) AS product_count`",
                );
            } else if let Some(message) = names::unusable(&column.name) {
                // A column becomes a field of the query's row type.
                d.error_help(
                    &query.loc_at_line_col(column.at),
                    format!("column of query `{}`: {message}", query.full_name),
                    "give it an alias with `AS`",
                );
            }
        }
        let binding = handler_queries
            .contains(&i)
            .then(|| typed::for_handlers(&types, &security, sql, spec, &endpoints, i, d))
            .flatten();
        queries.push(QueryPlan {
            full_name: query.full_name.clone(),
            module: query.module.clone(),
            name: query.name.value.clone(),
            doc: query.doc.clone(),
            rewritten: query.rewritten.clone(),
            param_count: query.params.len(),
            text: query.text.clone(),
            columns: described.columns.iter().map(|c| c.name.clone()).collect(),
            readonly: described.readonly,
            // At most one row, found by key.
            lookup: described.lookup
                && matches!(
                    query.cardinality,
                    crate::sql::Cardinality::One | crate::sql::Cardinality::Optional
                ),
            cardinality: query.cardinality,
            binding,
        });
    }
    if d.has_errors() {
        return None;
    }
    // Every query was described (or an error returned above), so statement
    // plans' indexes into `sql.queries` are indexes into `queries` too.
    let plan = Plan {
        title: spec.info.title.clone(),
        version: spec.info.version.clone(),
        description: spec.info.description.clone(),
        servers: spec
            .servers
            .iter()
            .map(|s| (s.url.clone(), s.description.clone()))
            .collect(),
        tags: spec
            .tags
            .iter()
            .map(|t| (t.name.value.clone(), t.description.clone()))
            .collect(),
        schemas: spec.schemas.iter().map(|s| s.name.value.clone()).collect(),
        problem_types,
        types: types.types.clone(),
        queries,
        endpoints,
        jobs,
        security: security.into_plan(),
        migrations: sources.migrations,
        tracked: sources.tracked,
    };
    Some((plan, types))
}

fn check_tags(spec: &Spec, d: &mut Diagnostics) {
    let declared: Vec<&str> = spec.tags.iter().map(|t| t.name.value.as_str()).collect();
    for (i, tag) in spec.tags.iter().enumerate() {
        if declared[..i].contains(&tag.name.value.as_str()) {
            d.error(
                &tag.name.loc,
                format!("tag `{}` is declared twice", tag.name.value),
            );
        }
    }
    for endpoint in &spec.endpoints {
        for tag in &endpoint.tags {
            if !declared.contains(&tag.value.as_str()) {
                d.error_suggest(
                    &tag.loc,
                    format!(
                        "endpoint `{}`: tag `{}` is not declared under `tags:`",
                        endpoint.id.value, tag.value
                    ),
                    &tag.value,
                    declared.iter().copied(),
                );
            }
        }
    }
}

fn check_routes(spec: &Spec, d: &mut Diagnostics) {
    let shape = |segments: &[Segment]| -> Vec<Option<String>> {
        segments
            .iter()
            .map(|s| match s {
                Segment::Static(s) => Some(s.clone()),
                Segment::Param(_) => None,
            })
            .collect()
    };
    for (i, endpoint) in spec.endpoints.iter().enumerate() {
        let first = endpoint.segments.first().and_then(|s| match s {
            Segment::Static(s) => Some(s.as_str()),
            Segment::Param(_) => None,
        });
        if matches!(
            first,
            Some("docs" | "openapi.json" | "openapi.yaml" | "problems")
        ) {
            d.error_help(
                &endpoint.path.loc,
                format!(
                    "endpoint `{}`: {} is served by keel itself (the OpenAPI document, the docs portal and the problem type pages)",
                    endpoint.id.value, endpoint.path.value
                ),
                "choose another path",
            );
        }
        let mine = shape(&endpoint.segments);
        if let Some(other) = spec.endpoints[..i]
            .iter()
            .find(|o| o.method == endpoint.method && shape(&o.segments) == mine)
        {
            d.error(
                &endpoint.path.loc,
                format!(
                    "endpoint `{}`: {} {} overlaps endpoint `{}` ({} {}); no request could tell them apart",
                    endpoint.id.value,
                    endpoint.method.as_str(),
                    endpoint.path.value,
                    other.id.value,
                    other.method.as_str(),
                    other.path.value
                ),
            );
        }
    }
}
