//! The typed model of `api.yaml`. Every name keeps the location it was
//! written at, so later checks can point at it.
//!
//! Documentation members (descriptions, examples, servers) are parsed and
//! validated with the rest but not used by code generation.
#![allow(dead_code)]

use crate::diag::Loc;

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

/// A named schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// PascalCase name; also the Rust type's name.
    pub name: Spanned<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// Object or enum.
    pub kind: SchemaKind,
}

/// What a schema is.
#[derive(Debug, Clone)]
pub enum SchemaKind {
    /// An object with fields.
    Object(Vec<Field>),
    /// A string enum.
    Enum(Vec<Spanned<String>>),
}

/// A type as written in the spec.
#[derive(Debug, Clone)]
pub struct TypeRef {
    /// The type.
    pub kind: TypeKind,
    /// Where it was written.
    pub loc: Loc,
}

/// The types a field or parameter can have.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// `integer` (`int64` unless `format: int32`).
    Integer {
        /// `format: int32`.
        int32: bool,
    },
    /// `number`.
    Number,
    /// `string`, optionally with a format.
    String {
        /// `format:`.
        format: Option<StringFormat>,
    },
    /// `boolean`.
    Boolean,
    /// `array` of `items`.
    Array(Box<TypeRef>),
    /// A string enum written inline (`type: string, enum: [...]`).
    InlineEnum(Vec<Spanned<String>>),
    /// A named schema.
    Named(String),
}

/// String formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringFormat {
    /// `date-time`.
    DateTime,
    /// `date`.
    Date,
    /// `email`.
    Email,
    /// `uuid`.
    Uuid,
}

impl StringFormat {
    /// Every format, with its spec name.
    pub const ALL: &'static [(&'static str, StringFormat)] = &[
        ("date-time", StringFormat::DateTime),
        ("date", StringFormat::Date),
        ("email", StringFormat::Email),
        ("uuid", StringFormat::Uuid),
    ];
}

/// Constraints on a value.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// `minimum:`.
    pub minimum: Option<Spanned<f64>>,
    /// `maximum:`.
    pub maximum: Option<Spanned<f64>>,
    /// `minLength:`.
    pub min_length: Option<Spanned<u64>>,
    /// `maxLength:`.
    pub max_length: Option<Spanned<u64>>,
    /// `pattern:`.
    pub pattern: Option<Spanned<String>>,
    /// `minItems:`.
    pub min_items: Option<Spanned<u64>>,
    /// `maxItems:`.
    pub max_items: Option<Spanned<u64>>,
}

/// What fields and parameters have in common.
#[derive(Debug, Clone)]
pub struct ValueSpec {
    /// The type.
    pub ty: TypeRef,
    /// Whether `null` is a value.
    pub nullable: bool,
    /// Constraints.
    pub rules: Rules,
    /// Markdown description.
    pub description: Option<String>,
    /// An example value, as JSON.
    pub example: Option<serde_json::Value>,
    /// The value used when the input is absent: the scalar as written, or
    /// `None` when a list or mapping was written (which no parameter takes).
    pub default: Option<Spanned<Option<Scalar>>>,
}

/// A YAML scalar as written: its text, and whether YAML lets it be read as
/// a number or boolean (a quoted one is only ever a string).
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The text.
    pub text: String,
    /// Whether it was written unquoted.
    pub coercible: bool,
}

impl Scalar {
    /// The scalar as an integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        self.coercible.then(|| self.text.parse().ok()).flatten()
    }

    /// The scalar as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        self.coercible.then(|| self.text.parse().ok()).flatten()
    }

    /// The scalar as a boolean, if it is one (`true`, `True`, `TRUE`, and
    /// the same for false).
    pub fn as_bool(&self) -> Option<bool> {
        match (self.coercible, self.text.as_str()) {
            (true, "true" | "True" | "TRUE") => Some(true),
            (true, "false" | "False" | "FALSE") => Some(false),
            _ => None,
        }
    }
}

/// A field of an object schema.
#[derive(Debug, Clone)]
pub struct Field {
    /// snake_case name; also the JSON key and the Rust field.
    pub name: Spanned<String>,
    /// Whether the key may be absent.
    pub optional: bool,
    /// Type, constraints, docs.
    pub spec: ValueSpec,
}

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

impl ParamIn {
    /// The name used in the spec and in JSON pointers.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
        }
    }
}

/// A parameter of an endpoint.
#[derive(Debug, Clone)]
pub struct Param {
    /// snake_case name, used by SQL (`:name`) and Rust.
    pub name: Spanned<String>,
    /// Where it comes from.
    pub location: ParamIn,
    /// The name on the wire (the header name for headers).
    pub wire_name: String,
    /// Whether it must be given.
    pub required: bool,
    /// `roles:`, the only roles that may send it.
    pub roles: Option<Vec<Spanned<String>>>,
    /// Type, constraints, docs.
    pub spec: ValueSpec,
}

/// HTTP methods an endpoint can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl HttpMethod {
    /// Every method, by its spec key.
    pub const ALL: &'static [(&'static str, HttpMethod)] = &[
        ("get", HttpMethod::Get),
        ("post", HttpMethod::Post),
        ("put", HttpMethod::Put),
        ("patch", HttpMethod::Patch),
        ("delete", HttpMethod::Delete),
    ];

    /// The method as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// A segment of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text.
    Static(String),
    /// `{name}`.
    Param(String),
}

/// How an endpoint is implemented.
#[derive(Debug, Clone)]
pub enum Implementation {
    /// By annotated queries, with no Rust.
    Queries(Vec<QueryUse>),
    /// By a Rust function, which may run the listed queries.
    Handler {
        /// The function's path from the module that calls `keel::api!` (`orders::create_order`).
        path: Spanned<String>,
        /// Queries the function runs.
        queries: Vec<QueryUse>,
    },
}

/// One query an endpoint runs.
#[derive(Debug, Clone)]
pub struct QueryUse {
    /// `file.name`.
    pub query: Spanned<String>,
    /// The response field it fills; `None` for the response's root.
    pub into: Option<Spanned<String>>,
    /// Explicit bindings: SQL parameter → endpoint input.
    pub bind: Vec<(Spanned<String>, Spanned<String>)>,
    /// Keyset pagination over this query's rows.
    pub paginate: Option<Paginate>,
    /// Where the entry was written.
    pub loc: Loc,
}

/// `paginate:` on a query.
#[derive(Debug, Clone)]
pub struct Paginate {
    /// Result columns that order the rows uniquely, in `ORDER BY` order.
    pub key: Vec<Spanned<String>>,
    /// Page size when `limit` is absent.
    pub default_limit: u64,
    /// Largest page size a client may ask for.
    pub max_limit: u64,
    /// Most rows a page may examine (`scan:`), bound to `:scan`; the query
    /// then marks where it stopped with its `resume` column.
    pub scan: Option<u64>,
    /// Where it was written.
    pub loc: Loc,
}

/// A header of a response.
#[derive(Debug, Clone)]
pub struct ResponseHeader {
    /// The header name as written (`Location`).
    pub name: Spanned<String>,
    /// Whether the handler must always set it.
    pub required: bool,
    /// Its type and docs.
    pub spec: ValueSpec,
}

/// One declared response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: Spanned<u16>,
    /// What it means.
    pub description: Option<String>,
    /// The body's schema (2xx only; errors are always problems).
    pub schema: Option<TypeRef>,
    /// Declared headers.
    pub headers: Vec<ResponseHeader>,
    /// Members an error response's problem adds to RFC 9457's (errors only).
    pub extensions: Vec<Field>,
}

/// How an endpoint takes an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// Whether a request without one is refused.
    pub required: bool,
    /// How long a record is kept, in seconds.
    pub expires_seconds: u64,
    /// Where it is declared.
    pub loc: Loc,
}

/// Who may keep an endpoint's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheScope {
    /// Any cache, shared ones (a CDN) included.
    Public,
    /// Only the caller's own cache.
    Private,
}

/// `cache:` of an endpoint.
#[derive(Debug, Clone)]
pub enum Cache {
    /// `no-store`: no cache keeps it.
    NoStore {
        /// Where it is declared.
        loc: Loc,
    },
    /// Kept and reused while fresh.
    Store {
        /// Who may keep it.
        scope: Spanned<CacheScope>,
        /// How long a stored answer stays fresh, in seconds.
        max_age: u64,
        /// How long a stale answer may still be served while the cache
        /// revalidates it in the background, in seconds.
        stale_while_revalidate: Option<u64>,
        /// Where it is declared.
        loc: Loc,
    },
}

impl Cache {
    /// Where it is declared.
    pub fn loc(&self) -> &Loc {
        match self {
            Cache::NoStore { loc } | Cache::Store { loc, .. } => loc,
        }
    }
}

/// Where an endpoint's queries may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// The primary database, always (the default).
    Primary,
    /// A read replica (D1's Sessions API), consistent with the caller's
    /// bookmark.
    Replica,
}

/// A declared endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// snake_case operation id.
    pub id: Spanned<String>,
    /// The method.
    pub method: HttpMethod,
    /// The path as written.
    pub path: Spanned<String>,
    /// The path, split.
    pub segments: Vec<Segment>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Vec<Spanned<String>>,
    /// Parameters.
    pub params: Vec<Param>,
    /// The JSON body's schema.
    pub body: Option<TypeRef>,
    /// Queries or a Rust function.
    pub implementation: Implementation,
    /// Declared responses.
    pub responses: Vec<Response>,
    /// `auth:`; `None` admits every authenticated caller.
    pub access: Option<Access>,
    /// `idempotency:`: whether it takes an `Idempotency-Key`.
    pub idempotency: Option<Idempotency>,
    /// `cache:`: how its answers may be reused.
    pub cache: Option<Cache>,
    /// `reads:`: whether it may read a replica.
    pub reads: Option<Spanned<Reads>>,
    /// Whether part of the endpoint could not be read (already reported);
    /// checks that depend on the missing part are skipped.
    pub incomplete: bool,
    /// Parameters whose declaration could not be read.
    pub failed_params: Vec<String>,
}
