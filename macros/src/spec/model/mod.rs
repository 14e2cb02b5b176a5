//! The typed model of `api.yaml`. Every name keeps the location it was
//! written at, so later checks can point at it.
//!
//! Documentation members (descriptions, examples, servers) are parsed and
//! validated with the rest but not used by code generation.
#![allow(dead_code)]

use crate::diag::Loc;

mod endpoint;
mod example;
mod types;

pub use endpoint::*;
pub use example::*;
pub use types::*;

/// A value and where it was written.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where.
    pub loc: Loc,
}

impl<T> Spanned<T> {
    /// Pairs a value with its location.
    pub fn new(value: T, loc: Loc) -> Self {
        Spanned { value, loc }
    }
}

/// The whole spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// `info:`.
    pub info: Info,
    /// `servers:`.
    pub servers: Vec<Server>,
    /// `tags:`.
    pub tags: Vec<Tag>,
    /// `schemas:`, in file order.
    pub schemas: Vec<Schema>,
    /// `endpoints:`, in file order.
    pub endpoints: Vec<Endpoint>,
    /// `security:`, if declared.
    pub security: Option<Security>,
    /// `jobs:`, in file order.
    pub jobs: Vec<Job>,
}

/// A scheduled job: SQL run on a cron schedule.
#[derive(Debug, Clone)]
pub struct Job {
    /// snake_case name.
    pub name: Spanned<String>,
    /// What it does, for docs and logs.
    pub description: Option<String>,
    /// The cron schedule (five fields, UTC, as Workers' cron triggers).
    pub schedule: Spanned<String>,
    /// The queries it runs, in one batch.
    pub queries: Vec<Spanned<String>>,
    /// Values for the queries' parameters, from variables.
    pub settings: Vec<JobSetting>,
}

/// A job's parameter, read from a variable (the environment natively, a
/// Workers var or secret at the edge), with a default.
#[derive(Debug, Clone)]
pub struct JobSetting {
    /// The SQL parameter it binds (without `:`).
    pub param: Spanned<String>,
    /// The variable it is read from.
    pub variable: Spanned<String>,
    /// The value when the variable is unset.
    pub default: Spanned<SettingValue>,
}

/// A setting's default, which also gives its type.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    /// A whole number.
    Integer(i64),
    /// Text.
    Text(String),
}

/// `security:`: how callers prove who they are, which claims identify them,
/// and the roles they can have.
#[derive(Debug, Clone)]
pub struct Security {
    /// Where `security:` was written.
    pub loc: Loc,
    /// `schemes:`, in file order.
    pub schemes: Vec<SecurityScheme>,
    /// `role_claim:`, the claim naming the caller's role (`role` if absent).
    pub role_claim: Option<Spanned<String>>,
    /// `claims:`, in file order.
    pub claims: Vec<ClaimDecl>,
    /// `roles:`, in file order.
    pub roles: Vec<RoleDecl>,
}

/// One scheme under `security.schemes`.
#[derive(Debug, Clone)]
pub struct SecurityScheme {
    /// Its name.
    pub name: Spanned<String>,
    /// `type:` (`jwt`).
    pub kind: Spanned<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// `keys:`: algorithm → the variable holding its keys.
    pub keys: Vec<(Spanned<String>, Spanned<String>)>,
    /// `issuer:`.
    pub issuer: Option<Spanned<String>>,
    /// `audience:`.
    pub audience: Option<Spanned<String>>,
    /// `leeway:` in seconds.
    pub leeway: Option<Spanned<u64>>,
}

/// One claim under `security.claims`.
#[derive(Debug, Clone)]
pub struct ClaimDecl {
    /// The name SQL (`:auth_<name>`) and Rust use.
    pub name: Spanned<String>,
    /// `claim:`, the payload member when it differs from the name.
    pub claim: Option<Spanned<String>>,
    /// Whether a token may lack it.
    pub optional: bool,
    /// Type and docs.
    pub spec: ValueSpec,
}

/// One role under `security.roles`.
#[derive(Debug, Clone)]
pub struct RoleDecl {
    /// Its name, as the role claim carries it.
    pub name: Spanned<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// `owner:`, the claim whose value scopes this role's data.
    pub owner: Option<Spanned<String>>,
    /// `schemes:`, the only schemes whose tokens may grant the role.
    pub schemes: Option<Vec<Spanned<String>>>,
}

/// Who may call an endpoint (`auth:`).
#[derive(Debug, Clone)]
pub enum Access {
    /// `auth: public`: anyone, no credential read.
    Public(Loc),
    /// Authenticated callers, perhaps narrowed.
    Callers(Callers),
}

/// `auth:` naming who may call, in its list or mapping form.
#[derive(Debug, Clone)]
pub struct Callers {
    /// Where `auth:` was written.
    pub loc: Loc,
    /// `roles:` (all roles when absent).
    pub roles: Option<Vec<Spanned<String>>>,
    /// `schemes:` (all schemes when absent).
    pub schemes: Option<Vec<Spanned<String>>>,
    /// `unscoped:`, why an owner-scoped role may see every owner's data here.
    pub unscoped: Option<Spanned<String>>,
}

/// `info:`.
#[derive(Debug, Clone, Default)]
pub struct Info {
    /// The API's title.
    pub title: String,
    /// The API's version.
    pub version: String,
    /// Markdown description.
    pub description: Option<String>,
}

/// One entry of `servers:`.
#[derive(Debug, Clone)]
pub struct Server {
    /// Base URL.
    pub url: String,
    /// What it is.
    pub description: Option<String>,
}

/// One entry of `tags:`.
#[derive(Debug, Clone)]
pub struct Tag {
    /// The tag.
    pub name: Spanned<String>,
    /// What it groups.
    pub description: Option<String>,
}
