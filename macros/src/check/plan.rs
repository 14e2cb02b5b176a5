//! The checked, resolved model that expansion turns into Rust: every name
//! resolved, every type known, every SQL parameter bound, every response
//! field fed. Nothing here can be wrong any more.

use crate::spec::{HttpMethod, ParamIn, Segment, StringFormat};
use crate::sql::Cardinality;

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

/// A parameter to extract.
#[derive(Debug, Clone)]
pub struct ParamPlan {
    /// Name.
    pub name: String,
    /// Where from.
    pub location: ParamIn,
    /// Wire name.
    pub wire_name: String,
    /// Type.
    pub ty: Ty,
    /// Must be present.
    pub required: bool,
    /// Default value, as a Rust literal source.
    pub default: Option<DefaultValue>,
    /// Constraints.
    pub rules: RulesPlan,
    /// Position among the path's parameters.
    pub path_index: Option<usize>,
    /// The only roles that may send it (indexes into the security roles).
    pub roles: Option<Vec<usize>>,
    /// Docs.
    pub description: Option<String>,
    /// An example value, for the document.
    pub example: Option<serde_json::Value>,
    /// Whether the spec declares it (`limit` and `cursor` are added by
    /// `paginate`).
    pub declared: bool,
}

/// A parameter default.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// An integer.
    Int(i64),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
    /// An enum variant: (type, variant).
    Variant(String, String),
}

/// Where the value of a SQL parameter comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgSource {
    /// An endpoint parameter.
    Param(String),
    /// A top-level field of the body, with its type (arrays and objects are
    /// bound as JSON text).
    BodyField(String, Ty),
    /// The page size plus one.
    Limit,
    /// The most rows a page examines (`paginate.scan`).
    Scan,
    /// Key `n` of the cursor (`NULL` on the first page).
    After(usize),
    /// A claim of the authenticated caller.
    Claim(ClaimRef),
    /// The request's nonce (`:nonce`): random, the same for every
    /// statement of the request.
    Nonce,
}

/// A value of the authenticated caller that SQL can bind (`:auth_<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRef {
    /// The caller's role, as its name.
    Role,
    /// Declared claim `n`.
    Claim(usize),
}

/// The security model: how callers are verified and what they can be.
#[derive(Debug, Clone, Default)]
pub struct SecurityPlan {
    /// Schemes, in declaration order.
    pub schemes: Vec<SchemePlan>,
    /// The claim naming the role.
    pub role_claim: String,
    /// Roles, in declaration order.
    pub roles: Vec<RolePlan>,
    /// Claims, in declaration order.
    pub claims: Vec<ClaimPlan>,
}

impl SecurityPlan {
    /// The Rust field and SQL suffix of a claim reference (`role`, `sub`).
    pub fn claim_name(&self, claim: ClaimRef) -> &str {
        match claim {
            ClaimRef::Role => "role",
            ClaimRef::Claim(i) => self.claims.get(i).map_or("", |c| c.name.as_str()),
        }
    }
}

/// The algorithms a scheme can accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC-SHA256 with a shared secret.
    Hs256,
    /// Ed25519 with the issuer's public key.
    EdDsa,
}

impl Algorithm {
    /// Every algorithm, by its JOSE name.
    pub const ALL: &'static [(&'static str, Algorithm)] =
        &[("HS256", Algorithm::Hs256), ("EdDSA", Algorithm::EdDsa)];

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::EdDsa => "EdDSA",
        }
    }
}

/// A bearer-JWT scheme.
#[derive(Debug, Clone)]
pub struct SchemePlan {
    /// Name.
    pub name: String,
    /// Docs.
    pub description: Option<String>,
    /// Accepted algorithms and the variables holding their keys.
    pub keys: Vec<(Algorithm, String)>,
    /// Required `iss`.
    pub issuer: Option<String>,
    /// Required `aud`.
    pub audience: Option<String>,
    /// Allowed clock skew in seconds.
    pub leeway: u64,
}

/// A role.
#[derive(Debug, Clone)]
pub struct RolePlan {
    /// Name, as the role claim carries it.
    pub name: String,
    /// Rust variant.
    pub variant: String,
    /// Docs.
    pub description: Option<String>,
    /// The claim that scopes its data.
    pub owner: Option<usize>,
    /// The schemes whose tokens may grant it (every scheme when empty).
    pub schemes: Vec<usize>,
}

impl RolePlan {
    /// Whether tokens of scheme `index` may grant this role.
    pub fn granted_by(&self, index: usize) -> bool {
        self.schemes.is_empty() || self.schemes.contains(&index)
    }
}

/// A claim.
#[derive(Debug, Clone)]
pub struct ClaimPlan {
    /// Name in SQL and Rust.
    pub name: String,
    /// Member of the JWT payload.
    pub claim: String,
    /// `I64` or `Str(None)`.
    pub ty: Ty,
    /// May be absent.
    pub optional: bool,
    /// Docs.
    pub description: Option<String>,
}

/// Who may call a protected endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPlan {
    /// Accepted schemes.
    pub schemes: Vec<usize>,
    /// Admitted roles.
    pub roles: Vec<usize>,
}

/// One statement of a declarative endpoint.
#[derive(Debug, Clone)]
pub struct StatementPlan {
    /// Index into the plan's queries.
    pub query: usize,
    /// Arguments in `?N` order.
    pub args: Vec<ArgSource>,
}

/// How a struct is filled from rows.
#[derive(Debug, Clone)]
pub struct ObjectFill {
    /// The struct.
    pub type_name: String,
    /// Its fields in declaration order.
    pub fields: Vec<(String, Fill)>,
}

/// How one field is filled.
#[derive(Debug, Clone)]
pub enum Fill {
    /// From column `col` of the current row.
    Column {
        /// Index.
        col: usize,
        /// The field's type.
        ty: Ty,
        /// Whether the field is an `Option`.
        option: bool,
    },
    /// A nested struct from columns of the same row (`price_amount`, ...).
    Object(ObjectFill),
    /// From the rows of another statement (`into:`).
    Rows {
        /// Statement index.
        stmt: usize,
        /// Its cardinality.
        cardinality: Cardinality,
        /// How each row becomes a value.
        item: Box<Fill>,
        /// Whether the field is an `Option` (optional or nullable).
        field_option: bool,
        /// Whether these rows are the page of a paginated query.
        paginated: bool,
    },
    /// The next page's cursor.
    NextCursor,
}

/// Keyset pagination of a declarative endpoint.
#[derive(Debug, Clone)]
pub struct PagePlan {
    /// The paginated statement.
    pub stmt: usize,
    /// Key columns.
    pub key_columns: Vec<usize>,
    /// Their types, which a cursor's keys must have.
    pub key_types: Vec<crate::sql::infer::SqlType>,
    /// Default page size.
    pub default_limit: u64,
    /// Largest page size.
    pub max_limit: u64,
    /// With `scan:`, the most rows a page examines and the `resume` column
    /// that marks the row where the query stopped.
    pub scan: Option<(u64, usize)>,
}

/// A declarative endpoint's response.
#[derive(Debug, Clone)]
pub struct ResponsePlan {
    /// Status.
    pub status: u16,
    /// The body, if any.
    pub body: Option<ObjectFill>,
    /// The statement whose row is the root (`:one`/`:optional`).
    pub root: Option<(usize, Cardinality)>,
    /// Detail of the 404 when an `:optional` root has no row.
    pub not_found: String,
    /// Pagination.
    pub page: Option<PagePlan>,
    /// The root column whose value is the `ETag` (`etag:`).
    pub etag: Option<usize>,
}

/// A header a handler's response carries.
#[derive(Debug, Clone)]
pub struct HeaderPlan {
    /// Wire name.
    pub wire_name: String,
    /// Field name.
    pub field: String,
    /// Type (string or integer).
    pub ty: Ty,
    /// Whether it is always set.
    pub required: bool,
}

/// One success response of a handler.
#[derive(Debug, Clone)]
pub struct OutputVariant {
    /// Status.
    pub status: u16,
    /// Variant name (`Created`).
    pub variant: String,
    /// Body type.
    pub body: Option<String>,
    /// Headers.
    pub headers: Vec<HeaderPlan>,
}

/// A problem an endpoint declares (an error response): its identity and
/// members.
#[derive(Debug, Clone)]
pub struct ProblemPlan {
    /// Status.
    pub status: u16,
    /// Its `type` slug and `title`: as declared, or keel's standard ones
    /// for the status; `None` when neither exists (only a handler can
    /// then make it, with its own).
    pub identity: Option<(String, String)>,
    /// Extension members.
    pub members: Vec<FieldPlan>,
}

/// A guard: a query whose rows refuse the request with a declared problem.
#[derive(Debug, Clone)]
pub struct GuardPlan {
    /// Its statement.
    pub stmt: usize,
    /// `file.name`, for the log.
    pub query: String,
    /// Status.
    pub status: u16,
    /// `type` slug.
    pub kind: String,
    /// `title`.
    pub title: String,
    /// The `detail` column (of the first row), and whether it may be NULL.
    pub detail: Option<(usize, bool)>,
    /// The `errors_pointer` and `errors_detail` columns (one violation
    /// per row).
    pub errors: Option<(usize, usize)>,
    /// Extension members.
    pub members: Vec<MemberFill>,
}

/// How a guard fills one extension member of its problem.
#[derive(Debug, Clone)]
pub struct MemberFill {
    /// The member.
    pub name: String,
    /// The column.
    pub col: usize,
    /// The member's type (for a list, its items').
    pub ty: Ty,
    /// Whether the column may be NULL (the member is then left out).
    pub option: bool,
    /// Whether the member is a list of the column's values, one per row.
    pub list: bool,
}

/// A declared response, as the document describes it.
#[derive(Debug, Clone)]
pub struct ResponseDoc {
    /// Status.
    pub status: u16,
    /// What it means.
    pub description: Option<String>,
    /// The body's schema (success responses).
    pub schema: Option<String>,
    /// Declared headers, in declaration order.
    pub headers: Vec<HeaderDoc>,
}

/// A declared response header, as the document describes it.
#[derive(Debug, Clone)]
pub struct HeaderDoc {
    /// The name as written (`Location`).
    pub name: String,
    /// Docs.
    pub description: Option<String>,
    /// Whether it is an integer (else a string).
    pub integer: bool,
    /// Whether it is always sent.
    pub required: bool,
}

/// A response header that links to another endpoint.
#[derive(Debug, Clone)]
pub struct LinkPlan {
    /// Wire name (lowercase).
    pub wire_name: String,
    /// The endpoint linked to.
    pub endpoint: String,
    /// Its path: literal segments, and body fields for its parameters.
    pub segments: Vec<LinkSegment>,
    /// `(parameter, field)`, for the OpenAPI `links`.
    pub params: Vec<(String, String)>,
}

/// A segment of a link's path.
#[derive(Debug, Clone)]
pub enum LinkSegment {
    /// Literal text.
    Static(String),
    /// A field of the response body, and its type.
    Field(String, Ty),
}

/// How an endpoint is implemented.
// A plan is built once per endpoint, at compile time: the variants' sizes
// cost nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum EndpointKind {
    /// Queries only.
    Declarative {
        /// Statements in batch order.
        statements: Vec<StatementPlan>,
        /// Guards, in the order they are checked.
        guards: Vec<GuardPlan>,
        /// The statements that write, which must change nothing when a
        /// guard refuses the request.
        writes: Vec<usize>,
        /// The response.
        response: ResponsePlan,
    },
    /// A Rust function.
    Handler {
        /// Its path from the crate root.
        path: String,
        /// Its success responses.
        outputs: Vec<OutputVariant>,
        /// Its queries with `returns:`, by index into the plan's queries.
        mapped: Vec<(usize, MappedPlan)>,
    },
}

/// A checked endpoint.
#[derive(Debug, Clone)]
pub struct EndpointPlan {
    /// Operation id.
    pub id: String,
    /// Method.
    pub method: HttpMethod,
    /// Route.
    pub segments: Vec<Segment>,
    /// Parameters.
    pub params: Vec<ParamPlan>,
    /// Body type.
    pub body: Option<String>,
    /// Implementation.
    pub kind: EndpointKind,
    /// Summary, for docs.
    pub summary: Option<String>,
    /// Markdown description, for docs.
    pub description: Option<String>,
    /// Tags, for docs.
    pub tags: Vec<String>,
    /// Its declared responses, for docs.
    pub responses: Vec<ResponseDoc>,
    /// The declared error responses' problems.
    pub problems: Vec<ProblemPlan>,
    /// Response headers that link to other endpoints, by status.
    pub links: Vec<(u16, LinkPlan)>,
    /// Who may call it; `None` when it is public.
    pub access: Option<AccessPlan>,
    /// How it takes an `Idempotency-Key`, if it does.
    pub idempotency: Option<IdempotencyPlan>,
    /// The `Cache-Control` of its successful answers (GET only).
    pub cache_control: Option<String>,
    /// Whether it may read a replica (`reads: replica`).
    pub replica: bool,
}

/// A checked job.
#[derive(Debug, Clone)]
pub struct JobPlan {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// Its cron schedule, fields separated by one space.
    pub schedule: String,
    /// Its statements, in batch order.
    pub statements: Vec<JobStatement>,
    /// Its settings, by index.
    pub settings: Vec<SettingPlan>,
}

/// One query of a job: its index, and the setting bound to each `?N`.
#[derive(Debug, Clone)]
pub struct JobStatement {
    /// Index into the plan's queries.
    pub query: usize,
    /// Setting index for each parameter, in `?N` order.
    pub args: Vec<usize>,
}

/// A job's setting: the variable it is read from and its default.
#[derive(Debug, Clone)]
pub struct SettingPlan {
    /// The variable.
    pub variable: String,
    /// The default, which gives the type.
    pub default: crate::spec::SettingValue,
}

/// An endpoint's `idempotency:`, checked.
#[derive(Debug, Clone)]
pub struct IdempotencyPlan {
    /// Whether a request without a key is refused.
    pub required: bool,
    /// How long a record is kept, in seconds.
    pub expires_seconds: u32,
    /// The queries it may read with (indexes into the plan's queries),
    /// whose rows a record copies.
    pub reads: Vec<usize>,
}

impl EndpointPlan {
    /// The link headers of its response `status`.
    pub fn links_of(&self, status: u16) -> Vec<&LinkPlan> {
        self.links
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, l)| l)
            .collect()
    }

    /// The route as written in the spec and the OpenAPI document:
    /// `/v1/products/{product_id}`.
    pub fn route(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Static(s) => out.push_str(s),
                Segment::Param(p) => {
                    out.push('{');
                    out.push_str(p);
                    out.push('}');
                }
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }
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
