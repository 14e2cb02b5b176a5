//! An endpoint's plan: its inputs, the statements it runs and how they are
//! bound, the response it builds, the problems it refuses with, and its
//! links.

use super::{AccessPlan, ClaimRef, FieldPlan, MappedPlan, RulesPlan, Ty};
use crate::spec::{HttpMethod, ParamIn, Segment};
use crate::sql::Cardinality;

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

/// A problem type the spec declares, as its page at `/problems/{slug}`
/// documents it.
#[derive(Debug, Clone)]
pub struct ProblemTypePlan {
    /// The slug.
    pub slug: String,
    /// Its status.
    pub status: u16,
    /// Its title.
    pub title: String,
    /// When it happens: each declaring operation and its description.
    pub when: String,
    /// What a client should do.
    pub action: String,
    /// Its members: name, JSON type as text, description, required.
    pub members: Vec<(String, String, String, bool)>,
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
    /// Declared examples.
    pub examples: Vec<super::ExamplePlan>,
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
