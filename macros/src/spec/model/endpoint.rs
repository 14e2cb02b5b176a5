//! Endpoints: routes, parameters, queries, responses and delivery.

use super::types::{Field, TypeRef, ValueSpec};
use super::{Access, Spanned};
use crate::diag::Loc;

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
    /// `guard: <status>`: a row refuses the request with the endpoint's
    /// declared problem of that status.
    pub guard: Option<Spanned<u16>>,
    /// `returns: <Schema>` (handlers): the query's rows become this type,
    /// its lists filled by the entries with `into:` that follow.
    pub returns: Option<Spanned<String>>,
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
    /// `link:`: the header is the URL of another endpoint, made from the
    /// response body (and then always set, by keel).
    pub link: Option<Link>,
}

/// A response header that links to another endpoint.
#[derive(Debug, Clone)]
pub struct Link {
    /// The endpoint linked to (its id).
    pub endpoint: Spanned<String>,
    /// Its path parameters, each from a field of the response body:
    /// `(parameter, field)`. A parameter not listed takes the field of its
    /// own name.
    pub with: Vec<(Spanned<String>, Spanned<String>)>,
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
    /// The problem's `type` (a slug: `invalid-transition` is
    /// `/problems/invalid-transition`), for the problems keel makes from
    /// the spec (guards); errors only.
    pub problem_type: Option<Spanned<String>>,
    /// The problem's `title`; errors only.
    pub title: Option<Spanned<String>>,
    /// What a client should do about the problem (its type's page says
    /// it); errors only.
    pub action: Option<String>,
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
    /// `etag:`: the column of the root query whose value is the success
    /// response's `ETag`.
    pub etag: Option<Spanned<String>>,
    /// `examples:`, in file order.
    pub examples: Vec<super::Example>,
    /// Whether part of the endpoint could not be read (already reported);
    /// checks that depend on the missing part are skipped.
    pub incomplete: bool,
    /// Parameters whose declaration could not be read.
    pub failed_params: Vec<String>,
}

impl Endpoint {
    /// The names of its path parameters, in path order.
    pub fn path_params(&self) -> Vec<&str> {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Param(p) => Some(p.as_str()),
                Segment::Static(_) => None,
            })
            .collect()
    }
}
