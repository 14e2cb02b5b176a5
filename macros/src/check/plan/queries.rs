//! The queries, and the typed bindings of those a handler runs.

use super::{ClaimRef, ObjectFill, Ty};
use crate::sql::Cardinality;

/// A query, for the `queries` module.
#[derive(Debug, Clone)]
pub struct QueryPlan {
    /// `file.name`.
    pub full_name: String,
    /// File stem.
    pub module: String,
    /// Name.
    pub name: String,
    /// Docs.
    pub doc: Option<String>,
    /// The SQL to send.
    pub rewritten: String,
    /// How many parameters it binds (`?1` to `?N`).
    pub param_count: usize,
    /// The SQL as written.
    pub text: String,
    /// Result column names.
    pub columns: Vec<String>,
    /// Whether it only reads.
    pub readonly: bool,
    /// Whether it is a lookup by key (see `keel::Sql::lookup`).
    pub lookup: bool,
    /// Cardinality.
    pub cardinality: Cardinality,
    /// A typed binding for custom handlers, when a handler uses the query.
    pub binding: Option<BindingPlan>,
}

/// The typed function and row struct a handler calls.
#[derive(Debug, Clone)]
pub struct BindingPlan {
    /// Parameters in `?N` order (then those of `mapped`'s other queries
    /// that it does not share).
    pub params: Vec<(String, BoundParam)>,
    /// Row fields: name, type, nullable.
    pub row: Vec<(String, Ty, bool)>,
    /// With `returns:`, what its rows become instead of rows.
    pub mapped: Option<MappedPlan>,
}

/// A handler's query whose rows become a spec type (`returns:`).
#[derive(Debug, Clone)]
pub struct MappedPlan {
    /// The type.
    pub type_name: String,
    /// The query's cardinality: one object, maybe one, or one per row.
    pub cardinality: Cardinality,
    /// How a row fills it: statement 0 is the query, statement `n` the
    /// `n`th of `parts`.
    pub fill: ObjectFill,
    /// The queries that fill its lists (`into:`), as indexes into the
    /// plan's queries.
    pub parts: Vec<usize>,
    /// Each part's parameters in `?N` order (filled with the binding).
    pub part_params: Vec<Vec<(String, BoundParam)>>,
}

/// Where a handler query's parameter gets its value.
#[derive(Debug, Clone)]
pub enum BoundParam {
    /// A field of the `…Params` struct: type and nullability.
    Field(Ty, bool),
    /// A claim of the caller the function is given.
    Claim(ClaimRef),
}
