//! Problem responses: the shared components, which problems an operation
//! can answer with, and the RFC 9457 schemas.

use serde_json::json;
use utoipa::openapi::RefOr;
use utoipa::openapi::Response;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, Ref, Schema, SchemaFormat, Type,
};

use crate::check::plan::{EndpointKind, EndpointPlan, FieldPlan};
use crate::check::problems::KEEL_TYPES;

use super::{Docs, PROBLEM_JSON};

/// The problem responses every operation may share, by component name.
pub(super) const COMMON_RESPONSES: &[(&str, u16, &str)] = &[
    (
        "BadRequest",
        400,
        "A parameter is invalid, the body is missing or is not well-formed JSON; `errors` lists every violation.",
    ),
    (
        "Unauthorized",
        401,
        "The bearer token is missing, expired or not valid; `WWW-Authenticate` says which of the first two.",
    ),
    (
        "Forbidden",
        403,
        "The token is valid, but its role may not do this.",
    ),
    ("NotFound", 404, "The resource does not exist."),
    (
        "MethodNotAllowed",
        405,
        "The path exists but not with this method; `Allow` lists the methods it has.",
    ),
    (
        "Conflict",
        409,
        "The request conflicts with the current state of the data.",
    ),
    ("PayloadTooLarge", 413, "The request is larger than 1 MiB."),
    (
        "UnsupportedMediaType",
        415,
        "The body is not `application/json`.",
    ),
    (
        "UnprocessableEntity",
        422,
        "The body is well-formed JSON that does not match the schema; `errors` lists every violation.",
    ),
    (
        "InternalError",
        500,
        "The server failed; the details are in its log.",
    ),
    (
        "ServiceUnavailable",
        503,
        "The database is busy; retry after `Retry-After` seconds.",
    ),
];

impl Docs<'_> {
    /// The error statuses an endpoint can answer with, and the shared
    /// response component for each, if there is one.
    pub(super) fn error_responses(
        &self,
        endpoint: &EndpointPlan,
    ) -> Vec<(u16, Option<&'static str>)> {
        let common = |status: u16| {
            COMMON_RESPONSES
                .iter()
                .find(|(_, s, _)| *s == status)
                .map(|(n, _, _)| *n)
        };
        let mut statuses = vec![400];
        if endpoint.access.is_some() {
            statuses.extend([401, 403]);
        }
        match &endpoint.kind {
            EndpointKind::Declarative {
                statements,
                response,
                ..
            } => {
                if matches!(response.root, Some((_, crate::sql::Cardinality::Optional))) {
                    statuses.push(404);
                }
                if statements
                    .iter()
                    .any(|s| !self.plan.queries[s.query].readonly)
                {
                    statuses.push(409);
                }
            }
            // A handler's writes can break a constraint too.
            EndpointKind::Handler { .. } => statuses.push(409),
        }
        // Any request over 1 MiB is refused, body or not.
        statuses.push(413);
        if endpoint.body.is_some() {
            statuses.extend([415, 422]);
        }
        if endpoint.idempotency.is_some() {
            // A key in use (409) or reused for another request (422).
            statuses.extend([409, 422]);
        }
        statuses.extend(
            endpoint
                .responses
                .iter()
                .map(|r| r.status)
                .filter(|s| *s >= 400),
        );
        statuses.extend([500, 503]);
        statuses.sort_unstable();
        statuses.dedup();
        statuses.into_iter().map(|s| (s, common(s))).collect()
    }
}

pub(super) fn default_description(status: u16) -> &'static str {
    match status {
        200 => "OK.",
        201 => "Created.",
        202 => "Accepted.",
        204 => "No content.",
        400 => "Bad request.",
        404 => "Not found.",
        409 => "Conflict.",
        422 => "Unprocessable body.",
        _ => "An error; see the problem.",
    }
}

/// keel's own problem types a shared response component stands for: those
/// of its status that any operation may answer with.
pub(super) fn common_types(status: u16) -> Vec<String> {
    KEEL_TYPES
        .iter()
        .filter(|(slug, s)| {
            *s == status
                && !matches!(
                    *slug,
                    "idempotency-key-in-use"
                        | "idempotency-key-reused"
                        | "precondition-failed"
                        | "request-timeout"
                )
        })
        .map(|(slug, _)| format!("/problems/{slug}"))
        .collect()
}

impl Docs<'_> {
    /// The problem types `endpoint` may answer `status` with: keel's own,
    /// and the one its declared response names.
    pub(super) fn types_of(&self, endpoint: &EndpointPlan, status: u16) -> Vec<String> {
        let mut types = common_types(status);
        let mut add = |slug: &str| {
            let uri = format!("/problems/{slug}");
            if !types.contains(&uri) {
                types.push(uri);
            }
        };
        if endpoint.idempotency.is_some() {
            match status {
                409 => add("idempotency-key-in-use"),
                422 => add("idempotency-key-reused"),
                _ => {}
            }
        }
        if let Some((slug, _)) = endpoint
            .problems
            .iter()
            .find(|p| p.status == status)
            .and_then(|p| p.identity.as_ref())
        {
            add(slug);
        }
        types
    }

    /// The members of a problem response besides the `Problem` schema's:
    /// its `type`, one of `types`, and the declared extension members.
    pub(super) fn problem_members(&self, types: &[String], fields: &[FieldPlan]) -> Schema {
        let kind = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(types.iter().cloned()))
            .description(Some(
                "The kind of problem: its page at this URI says when it happens and what to do.",
            ));
        let object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("type", kind)
            .required("type");
        self.properties(object, fields, |field| super::Notes {
            description: field.description.clone(),
            example: None,
        })
        .into()
    }
}

/// `description`, followed by the problem types it may carry, each linked
/// to its page.
pub(super) fn with_types(description: &str, types: &[String]) -> String {
    let links: Vec<String> = types.iter().map(|t| format!("[`{t}`]({t})")).collect();
    match links.as_slice() {
        [] => description.to_owned(),
        [one] => format!("{description} Its `type` is {one}."),
        _ => format!("{description} Its `type` is one of {}.", links.join(", ")),
    }
}

/// A problem response: `members` is the schema of its `type` and extension
/// members, besides the `Problem` schema's.
pub(super) fn problem_response(description: &str, members: Schema) -> Response {
    let problem = Ref::from_schema_name("Problem");
    let schema: RefOr<Schema> = Schema::AllOf(
        utoipa::openapi::schema::AllOfBuilder::new()
            .item(problem)
            .item(members)
            .build(),
    )
    .into();
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

pub(super) fn problem_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "An error, as RFC 9457 problem details. Problems may carry further members, documented with the operation.",
        ))
        .property(
            "type",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::Custom("uri-reference".to_owned())))
                .description(Some("Identifies the kind of problem (`/problems/...`); stable, for clients to switch on."))
                .build(),
        )
        .required("type")
        .property(
            "title",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("A short summary of the kind of problem."))
                .build(),
        )
        .required("title")
        .property(
            "status",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .description(Some("The HTTP status."))
                .build(),
        )
        .required("status")
        .property(
            "detail",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("What went wrong this time."))
                .build(),
        )
        .property(
            "errors",
            ArrayBuilder::new()
                .items(Ref::from_schema_name("Violation"))
                .description(Some("Every violation found in the request."))
                .build(),
        )
        .property(
            "request_id",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[A-Za-z0-9._:+/=-]{1,128}$"))
                .description(Some(
                    "The request's id, as in the `X-Request-Id` response header: quote it when reporting the problem.",
                ))
                .build(),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .into()
}

pub(super) fn violation_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("One thing wrong with a request."))
        .property(
            "pointer",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "JSON pointer (URI fragment form) into the request: `#/path/...`, `#/query/...`, `#/header/...` or `#/body/...`.",
                ))
                .examples([json!("#/body/items/0/quantity")])
                .build(),
        )
        .required("pointer")
        .property(
            "detail",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("What is wrong."))
                .examples([json!("must be at least 1")])
                .build(),
        )
        .required("detail")
        .into()
}
