//! The checked, resolved model that expansion turns into Rust: every name
//! resolved, every type known, every SQL parameter bound, every response
//! field fed. Nothing here can be wrong any more.
//!
//! By concern: types here; `endpoint` (inputs, statements, responses,
//! refusals, links), `queries` (the queries and handlers' typed bindings),
//! `security` and `jobs`.

mod endpoint;
mod example;
mod jobs;
mod queries;
mod security;

pub use endpoint::*;
pub use example::*;
pub use jobs::*;
pub use queries::*;
pub use security::*;

use crate::spec::StringFormat;

/// A resolved type.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `i64`.
    I64,
    /// `i32`.
    I32,
    /// `f64`.
    F64,
    /// `String`, maybe with a format.
    Str(Option<StringFormat>),
    /// `bool`.
    Bool,
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// A generated string enum.
    Enum(String),
    /// A generated struct.
    Object(String),
    /// `keel::Value`, for SQL whose type is not known.
    Any,
}

/// Constraints, resolved per type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulesPlan {
    /// Integer/number bounds.
    pub minimum: Option<f64>,
    /// Integer/number bounds.
    pub maximum: Option<f64>,
    /// String length.
    pub min_length: Option<u64>,
    /// String length.
    pub max_length: Option<u64>,
    /// Regular expression.
    pub pattern: Option<String>,
    /// Array length.
    pub min_items: Option<u64>,
    /// Array length.
    pub max_items: Option<u64>,
}

/// A generated type.
#[derive(Debug, Clone)]
pub enum TypePlan {
    /// A struct.
    Object {
        /// Name.
        name: String,
        /// Docs.
        description: Option<String>,
        /// Fields.
        fields: Vec<FieldPlan>,
    },
    /// A string enum.
    Enum {
        /// Name.
        name: String,
        /// Docs.
        description: Option<String>,
        /// `(wire name, Rust variant)`.
        variants: Vec<(String, String)>,
    },
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct FieldPlan {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: Ty,
    /// May be absent.
    pub optional: bool,
    /// May be null.
    pub nullable: bool,
    /// Constraints (checked when read from a body).
    pub rules: RulesPlan,
    /// Docs.
    pub description: Option<String>,
    /// An example value, for the document.
    pub example: Option<serde_json::Value>,
}

/// Everything expansion needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// API title.
    pub title: String,
    /// API version.
    pub version: String,
    /// API description.
    pub description: Option<String>,
    /// Servers: URL and description.
    pub servers: Vec<(String, Option<String>)>,
    /// Tags: name and description.
    pub tags: Vec<(String, Option<String>)>,
    /// The declared schemas' names, in declaration order (the types made
    /// for inline enums are not among them).
    pub schemas: Vec<String>,
    /// The problem types the spec declares.
    pub problem_types: Vec<ProblemTypePlan>,
    /// Types.
    pub types: Vec<TypePlan>,
    /// Queries.
    pub queries: Vec<QueryPlan>,
    /// Endpoints.
    pub endpoints: Vec<EndpointPlan>,
    /// Scheduled jobs.
    pub jobs: Vec<JobPlan>,
    /// The security model.
    pub security: SecurityPlan,
    /// Migrations: name and absolute path.
    pub migrations: Vec<(String, std::path::PathBuf)>,
    /// Files whose change must rebuild the app.
    pub tracked: Vec<std::path::PathBuf>,
}

/// What the driver read besides the spec and the queries, which the plan
/// carries to the emitters.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Migrations: name and absolute path.
    pub migrations: Vec<(String, std::path::PathBuf)>,
    /// Every file read (spec, queries, migrations, handlers, …), whose
    /// change must rebuild the app.
    pub tracked: Vec<std::path::PathBuf>,
}
