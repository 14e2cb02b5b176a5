//! The OpenAPI 3.1 document, built from the checked spec with `utoipa`'s
//! types and embedded in the generated code as JSON and YAML.
//!
//! Everything in it comes from `api.yaml` and the plan the checks produced,
//! so it cannot drift from what the handlers do: the parameters carry the
//! constraints the handlers enforce, and every operation lists the problem
//! responses it can return.
//!
//! One file per concern: the document and its operations here, value
//! schemas in `schema`, problem responses in `problems`, security schemes
//! and requirements in `security`, and caching and replica headers in
//! `delivery`.

mod delivery;
pub mod examples;
mod links;
mod problems;
mod schema;
mod security;

use links::uri_reference_schema;
use problems::{
    COMMON_RESPONSES, common_types, default_description, problem_response, problem_schema,
    violation_schema, with_types,
};
use schema::{default_json, integer_schema, string_schema};

use std::collections::BTreeMap;

use serde_json::Value;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod as OaMethod, OperationBuilder, ParameterBuilder, ParameterIn as OaIn, Paths,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{ComponentsBuilder, ObjectBuilder, Ref, Schema, Type};
use utoipa::openapi::server::ServerBuilder;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, RefOr, Required, Response};

use crate::check::plan::{
    EndpointKind, EndpointPlan, FieldPlan, IdempotencyPlan, Plan, ResponseDoc, TypePlan,
};
use crate::spec::{HttpMethod, ParamIn};

/// Schema names the document itself uses.
pub const RESERVED_SCHEMAS: &[&str] = &["Problem", "Violation"];

const JSON: &str = "application/json";
/// 2^53 - 1, as a JSON number.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
const PROBLEM_JSON: &str = "application/problem+json";

/// The document, as the server serves it.
#[derive(Debug, Clone)]
pub struct Document {
    /// Pretty JSON, with a final newline (the server makes the YAML form
    /// from it).
    pub json: String,
}

impl Document {
    /// The finished document (its examples in place) as pretty JSON.
    pub fn new(value: Value) -> Result<Self, String> {
        let mut json = serde_json::to_string_pretty(&value)
            .map_err(|e| format!("cannot render the OpenAPI document: {e}"))?;
        json.push('\n');
        Ok(Document { json })
    }
}

/// The document without its examples, which [`examples::emit`] adds once
/// [`examples::check`] has held them to it.
pub fn render(plan: &Plan) -> Result<Value, String> {
    let mut value = serde_json::to_value(build(plan))
        .map_err(|e| format!("cannot render the OpenAPI document: {e}"))?;
    mark_required(&mut value);
    Ok(value)
}

/// Writes `required: true` where the required marker stands, in its place.
fn mark_required(value: &mut Value) {
    match value {
        Value::Object(members) => {
            if members.contains_key(REQUIRED_MARKER) {
                let renamed = std::mem::take(members)
                    .into_iter()
                    .map(|(k, v)| match k.as_str() {
                        REQUIRED_MARKER => ("required".to_owned(), v),
                        _ => (k, v),
                    })
                    .collect();
                *members = renamed;
            }
            members.values_mut().for_each(mark_required);
        }
        Value::Array(items) => items.iter_mut().for_each(mark_required),
        _ => {}
    }
}

/// Builds the document.
pub fn build(plan: &Plan) -> OpenApi {
    let docs = Docs { plan };
    let info = InfoBuilder::new()
        .title(&plan.title)
        .version(&plan.version)
        .description(plan.description.clone())
        .build();
    let servers: Vec<_> = plan
        .servers
        .iter()
        .map(|(url, description)| {
            ServerBuilder::new()
                .url(url)
                .description(description.clone())
                .build()
        })
        .collect();
    let tags: Vec<_> = plan
        .tags
        .iter()
        .map(|(name, description)| {
            TagBuilder::new()
                .name(name)
                .description(description.clone())
                .build()
        })
        .collect();

    let mut paths = Paths::new();
    for endpoint in &plan.endpoints {
        let method = match endpoint.method {
            HttpMethod::Get => OaMethod::Get,
            HttpMethod::Post => OaMethod::Post,
            HttpMethod::Put => OaMethod::Put,
            HttpMethod::Patch => OaMethod::Patch,
            HttpMethod::Delete => OaMethod::Delete,
        };
        paths.add_path_operation(endpoint.route(), vec![method], docs.operation(endpoint));
    }

    let mut components = ComponentsBuilder::new();
    for name in &plan.schemas {
        if let Some(ty) = plan.types.iter().find(|t| type_name(t) == name) {
            components = components.schema(name, docs.component(ty));
        }
    }
    components = components
        .schema("Problem", problem_schema())
        .schema("Violation", violation_schema());
    components = docs.security_schemes(components);
    let secured = !plan.security.schemes.is_empty();
    for (name, status, description) in COMMON_RESPONSES {
        if matches!(status, 401 | 403) && !secured {
            continue;
        }
        let types = common_types(*status);
        let mut response = problem_response(
            &with_types(description, &types),
            docs.problem_members(&types, &[]),
        );
        add_framework_header(&mut response, *status);
        components = components.response(*name, response);
    }

    OpenApiBuilder::new()
        .info(info)
        .servers((!servers.is_empty()).then_some(servers))
        .tags((!tags.is_empty()).then_some(tags))
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

/// utoipa's `Header` has no `required` member; this extension marks the
/// headers that have it, and `render` puts the real member in its place.
const REQUIRED_MARKER: &str = "x-keel-required";

fn required_marker() -> utoipa::openapi::extensions::Extensions {
    utoipa::openapi::extensions::ExtensionsBuilder::new()
        .add(REQUIRED_MARKER, true)
        .build()
}

fn type_name(t: &TypePlan) -> &str {
    match t {
        TypePlan::Object { name, .. } | TypePlan::Enum { name, .. } => name,
    }
}

struct Docs<'a> {
    plan: &'a Plan,
}

/// Documentation of one value: description and example.
#[derive(Default)]
struct Notes {
    description: Option<String>,
    example: Option<Value>,
}

impl Notes {
    fn of(field: &FieldPlan) -> Self {
        Notes {
            description: field.description.clone(),
            example: field.example.clone(),
        }
    }
}

impl Docs<'_> {
    fn operation(&self, endpoint: &EndpointPlan) -> utoipa::openapi::path::Operation {
        let description = [
            endpoint.description.as_deref().map(str::trim_end),
            self.access_note(endpoint).as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n");
        let mut op = OperationBuilder::new()
            .operation_id(Some(&endpoint.id))
            .summary(endpoint.summary.clone())
            .description((!description.is_empty()).then_some(description))
            .tags(Some(endpoint.tags.clone()))
            .securities(
                (!self.plan.security.schemes.is_empty()).then(|| self.requirements(endpoint)),
            );

        for param in &endpoint.params {
            let notes = Notes {
                description: param.description.clone(),
                example: param.example.clone(),
            };
            let description = match &param.roles {
                Some(roles) => Some(
                    [
                        notes.description.clone(),
                        Some(self.param_roles_note(roles)),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                ),
                None => notes.description.clone(),
            };
            let mut schema = self.schema(
                &param.ty,
                false,
                &param.rules,
                Notes {
                    description: None,
                    example: notes.example.clone(),
                },
            );
            // A cursor's form: base64url payload, `.`, a 16-byte base64url tag.
            if !param.declared
                && param.name == "cursor"
                && let RefOr::T(Schema::Object(object)) = &mut schema
            {
                object.pattern = Some(CURSOR_PATTERN.to_owned());
            }
            if let Some(default) = &param.default {
                let value = Some(default_json(default, self.plan));
                match &mut schema {
                    RefOr::T(Schema::Object(object)) => object.default = value,
                    RefOr::Ref(reference) => reference.default = value,
                    RefOr::T(_) => {}
                }
            }
            let location = match param.location {
                ParamIn::Path => OaIn::Path,
                ParamIn::Query => OaIn::Query,
                ParamIn::Header => OaIn::Header,
            };
            op = op.parameter(
                ParameterBuilder::new()
                    .name(&param.wire_name)
                    .parameter_in(location)
                    .required(if param.required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .description(description)
                    .schema(Some(schema))
                    .build(),
            );
        }

        if let Some(idempotency) = &endpoint.idempotency {
            op = op.parameter(idempotency_key(idempotency));
        }
        for parameter in delivery::parameters(endpoint) {
            op = op.parameter(parameter);
        }

        if let Some(body) = &endpoint.body {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        JSON,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name(body)))
                            .build(),
                    )
                    .build(),
            ));
        }

        let mut responses = ResponsesBuilder::new();
        let declared: BTreeMap<u16, &ResponseDoc> =
            endpoint.responses.iter().map(|r| (r.status, r)).collect();
        for (status, response) in &declared {
            if !(200..300).contains(status) {
                continue;
            }
            let mut built = ResponseBuilder::new().description(
                response
                    .description
                    .clone()
                    .unwrap_or_else(|| default_description(*status).to_owned()),
            );
            if let Some(schema) = &response.schema {
                built = built.content(
                    JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(schema)))
                        .build(),
                );
            }
            for header in &response.headers {
                let link = endpoint
                    .links
                    .iter()
                    .find(|(s, l)| s == status && l.wire_name == header.name.to_ascii_lowercase());
                let schema = match (header.integer, link) {
                    (_, Some(_)) => uri_reference_schema(),
                    (true, None) => integer_schema(),
                    (false, None) => string_schema(),
                };
                let description = match link {
                    Some((_, link)) => {
                        Some(self.link_description(link, header.description.as_deref()))
                    }
                    None => header.description.clone(),
                };
                let mut built_header = HeaderBuilder::new()
                    .schema(Some(schema))
                    .description(description)
                    .build();
                if header.required {
                    built_header.extensions = Some(required_marker());
                }
                built = built.header(&header.name, built_header);
            }
            if endpoint.method != HttpMethod::Get && declares_etag(endpoint) {
                built = built.header(
                    "ETag",
                    HeaderBuilder::new()
                        .schema(Some(string_schema()))
                        .description(Some(
                            "The entity tag of the resource as this response shows it, as a GET of it would give: send it in `If-Match` to change it only if it is still so.",
                        ))
                        .build(),
                );
            }
            for (_, link) in endpoint.links.iter().filter(|(s, _)| s == status) {
                built = built.link(&link.endpoint, self.link(link));
            }
            if endpoint.idempotency.is_some() {
                built = built.header(
                    "Idempotent-Replayed",
                    HeaderBuilder::new()
                        .schema(Some(string_schema()))
                        .description(Some(
                            "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`.",
                        ))
                        .build(),
                );
            }
            built = delivery::success_headers(endpoint, built);
            responses = responses.response(status.to_string(), built.build());
        }
        if let Some(not_modified) = delivery::not_modified(endpoint) {
            responses = responses.response("304", not_modified);
        }
        for (status, reference) in self.error_responses(endpoint) {
            let members = endpoint
                .problems
                .iter()
                .find(|p| p.status == status)
                .map_or(&[][..], |p| p.members.as_slice());
            let types = self.types_of(endpoint, status);
            let idempotency_note = endpoint
                .idempotency
                .as_ref()
                .and_then(|_| idempotency_problem(status));
            let declared_description = declared.get(&status).and_then(|r| r.description.clone());
            let declared_description = match (declared_description, idempotency_note) {
                (Some(d), Some(note)) => Some(format!("{d} Also: {note}")),
                (None, Some(note)) => Some(note.to_owned()),
                (d, None) => d,
            };
            let response: RefOr<Response> = match (declared_description, reference) {
                (None, Some(name)) if members.is_empty() && types == common_types(status) => {
                    Ref::from_response_name(name).into()
                }
                (description, _) => {
                    // A status the spec describes can still come from the
                    // framework for its usual reason; say both.
                    let shared = match status {
                        400 | 409 | 422 => true,
                        401 | 403 => endpoint.access.is_some(),
                        _ => false,
                    };
                    let common = COMMON_RESPONSES
                        .iter()
                        .find(|(_, s, _)| *s == status && shared)
                        .map(|(_, _, text)| *text);
                    let text = match (description, common) {
                        (Some(d), Some(c)) => format!("{d} Also: {c}"),
                        (Some(d), None) => d,
                        (None, _) => default_description(status).to_owned(),
                    };
                    let mut response = problem_response(
                        &with_types(&text, &types),
                        self.problem_members(&types, members),
                    );
                    if shared {
                        add_framework_header(&mut response, status);
                    }
                    if status == 409 && idempotency_note.is_some() {
                        response.headers.insert(
                            "Retry-After".to_owned(),
                            RefOr::T(
                                HeaderBuilder::new()
                                    .schema(Some(integer_schema()))
                                    .description(Some(
                                        "With `/problems/idempotency-key-in-use`: seconds to wait before retrying.",
                                    ))
                                    .build(),
                            ),
                        );
                    }
                    response.into()
                }
            };
            responses = responses.response(status.to_string(), response);
        }
        op.responses(responses.build()).build()
    }
}

/// The `Idempotency-Key` header parameter of an idempotent operation.
fn idempotency_key(idempotency: &IdempotencyPlan) -> utoipa::openapi::path::Parameter {
    let hours = idempotency.expires_seconds / 3600;
    let lifetime = if hours > 0 && idempotency.expires_seconds.is_multiple_of(3600) {
        format!("{hours} hour{}", if hours == 1 { "" } else { "s" })
    } else {
        format!("{} seconds", idempotency.expires_seconds)
    };
    let description = format!(
        "A unique key (a UUID, say) that makes retrying safe ({}): a retry with the same key and the same request gets the first response again, marked `Idempotent-Replayed: true`, instead of doing the work twice. The same key with a different request is a 422 (`/problems/idempotency-key-reused`). Keys are the caller's own and are kept for {lifetime}. Sent bare or as a quoted string, 1 to 255 visible ASCII characters.",
        if idempotency.required {
            "required"
        } else {
            "optional, recommended"
        }
    );
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(OaIn::Header)
        .required(if idempotency.required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_IDEMPOTENCY_KEY))
                .pattern(Some("^[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?$"))
                .build(),
        ))
        .build()
}

/// What an idempotent operation's problem of `status` may also mean.
fn idempotency_problem(status: u16) -> Option<&'static str> {
    match status {
        409 => Some(
            "A request with the same `Idempotency-Key` is still being handled (`/problems/idempotency-key-in-use`); retry after `Retry-After` seconds.",
        ),
        422 => Some(
            "The `Idempotency-Key` was already used for a different request (`/problems/idempotency-key-reused`).",
        ),
        _ => None,
    }
}

/// What a cursor the server issues looks like.
const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}$";

/// The longest `Idempotency-Key` the runtime accepts.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Adds the header the framework sends with a problem of `status`, if any
/// (`WWW-Authenticate` on 401 and 403, `Allow` on 405, `Retry-After` on 503).
fn add_framework_header(response: &mut Response, status: u16) {
    let (name, description, schema) = match status {
        401 | 403 => (
            "WWW-Authenticate",
            "The RFC 6750 `Bearer` challenge: `error=\"invalid_token\"` for an expired or invalid token, none for a missing one, `error=\"insufficient_scope\"` on a 403.",
            string_schema(),
        ),
        405 => ("Allow", "The methods the path accepts.", string_schema()),
        503 => (
            "Retry-After",
            "Seconds to wait before retrying.",
            integer_schema(),
        ),
        _ => return,
    };
    let mut header = HeaderBuilder::new()
        .schema(Some(schema))
        .description(Some(description))
        .build();
    header.extensions = Some(required_marker());
    response.headers.insert(name.to_owned(), RefOr::T(header));
}

/// Whether the endpoint tags its response from a column (`etag:`).
fn declares_etag(endpoint: &EndpointPlan) -> bool {
    matches!(&endpoint.kind, EndpointKind::Declarative { response, .. } if response.etag.is_some())
}
