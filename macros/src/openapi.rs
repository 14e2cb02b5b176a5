//! The OpenAPI 3.1 document, built from the checked spec with `utoipa`'s
//! types and embedded in the generated code as JSON and YAML.
//!
//! Everything in it comes from `api.yaml` and the plan the checks produced,
//! so it cannot drift from what the handlers do: the parameters carry the
//! constraints the handlers enforce, and every operation lists the problem
//! responses it can return.

use std::collections::BTreeMap;

use marked_yaml::Node;
use serde_json::{Value, json};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod as OaMethod, OperationBuilder, ParameterBuilder, ParameterIn as OaIn, Paths,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ComponentsBuilder, KnownFormat, ObjectBuilder,
    OneOfBuilder, Ref, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::server::ServerBuilder;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, RefOr, Required, Response};

use crate::check::plan::{
    DefaultValue, EndpointKind, EndpointPlan, FieldPlan, Plan, RulesPlan, Ty, TypePlan,
};
use crate::spec::{self, HttpMethod, ParamIn, SchemaKind, Spec, StringFormat};

/// Schema names the document itself uses.
pub const RESERVED_SCHEMAS: &[&str] = &["Problem", "Violation"];

const JSON: &str = "application/json";
/// 2^53 - 1, as a JSON number.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
const PROBLEM_JSON: &str = "application/problem+json";

/// The document, as pretty JSON (with a final newline) and as YAML.
pub fn render(spec: &Spec, plan: &Plan) -> Result<(String, String), String> {
    let doc = build(spec, plan);
    let marker_json = format!("\"{REQUIRED_MARKER}\": true");
    let marker_yaml = format!("{REQUIRED_MARKER}: true");
    let mut json = doc
        .to_pretty_json()
        .map_err(|e| format!("cannot render the OpenAPI document: {e}"))?
        .replace(&marker_json, "\"required\": true");
    json.push('\n');
    let yaml = serde_yaml::to_string(&doc)
        .map_err(|e| format!("cannot render the OpenAPI document as YAML: {e}"))?
        .replace(&marker_yaml, "required: true");
    Ok((json, yaml))
}

/// Builds the document.
pub fn build(spec: &Spec, plan: &Plan) -> OpenApi {
    let docs = Docs { spec, plan };
    let info = InfoBuilder::new()
        .title(&spec.info.title)
        .version(&spec.info.version)
        .description(spec.info.description.clone())
        .build();
    let servers: Vec<_> = spec
        .servers
        .iter()
        .map(|s| {
            ServerBuilder::new()
                .url(&s.url)
                .description(s.description.clone())
                .build()
        })
        .collect();
    let tags: Vec<_> = spec
        .tags
        .iter()
        .map(|t| {
            TagBuilder::new()
                .name(&t.name.value)
                .description(t.description.clone())
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
    for schema in &spec.schemas {
        if let Some(ty) = plan
            .types
            .iter()
            .find(|t| type_name(t) == schema.name.value)
        {
            components = components.schema(&schema.name.value, docs.component(ty, schema));
        }
    }
    components = components
        .schema("Problem", problem_schema())
        .schema("Violation", violation_schema());
    for (name, status, description) in COMMON_RESPONSES {
        let mut response = problem_response(description, None);
        let header = match status {
            405 => Some(("Allow", "The methods the path accepts.", string_schema())),
            503 => Some((
                "Retry-After",
                "Seconds to wait before retrying.",
                integer_schema(),
            )),
            _ => None,
        };
        if let Some((name, description, schema)) = header {
            let mut header = HeaderBuilder::new()
                .schema(Some(schema))
                .description(Some(description))
                .build();
            header.extensions = Some(required_marker());
            response.headers.insert(name.to_owned(), RefOr::T(header));
        }
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
/// headers that have it, and `render` writes the real member in its place.
const REQUIRED_MARKER: &str = "x-keel-required";

fn required_marker() -> utoipa::openapi::extensions::Extensions {
    utoipa::openapi::extensions::ExtensionsBuilder::new()
        .add(REQUIRED_MARKER, true)
        .build()
}

/// The problem responses every operation may share, by component name.
const COMMON_RESPONSES: &[(&str, u16, &str)] = &[
    (
        "BadRequest",
        400,
        "A parameter is invalid, the body is missing or is not well-formed JSON; `errors` lists every violation.",
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

fn type_name(t: &TypePlan) -> &str {
    match t {
        TypePlan::Object { name, .. } | TypePlan::Enum { name, .. } => name,
    }
}

struct Docs<'a> {
    spec: &'a Spec,
    plan: &'a Plan,
}

/// Documentation of one value: description and example.
#[derive(Default)]
struct Notes {
    description: Option<String>,
    example: Option<Value>,
}

impl Notes {
    fn of(spec: &spec::ValueSpec) -> Self {
        Notes {
            description: spec.description.clone(),
            example: spec.example.as_ref().map(to_json),
        }
    }
}

impl Docs<'_> {
    fn is_declared(&self, name: &str) -> bool {
        self.spec.schemas.iter().any(|s| s.name.value == name)
    }

    fn component(&self, ty: &TypePlan, schema: &spec::Schema) -> Schema {
        match ty {
            TypePlan::Enum { variants, .. } => ObjectBuilder::new()
                .schema_type(Type::String)
                .description(schema.description.clone())
                .enum_values(Some(variants.iter().map(|(wire, _)| wire.clone())))
                .into(),
            TypePlan::Object { fields, .. } => {
                let spec_fields = match &schema.kind {
                    SchemaKind::Object(f) => f.as_slice(),
                    SchemaKind::Enum(_) => &[],
                };
                let mut object = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(schema.description.clone());
                if self.read_from_requests(&schema.name.value) {
                    // The server refuses members a request schema does not declare.
                    object =
                        object.additional_properties(Some(AdditionalProperties::FreeForm(false)));
                }
                self.properties(object, fields, |field| {
                    spec_fields
                        .iter()
                        .find(|f| f.name.value == field.name)
                        .map(|f| Notes::of(&f.spec))
                        .unwrap_or_default()
                })
                .into()
            }
        }
    }

    /// Whether schema `name` is read from a request body, directly or as a
    /// field of one.
    fn read_from_requests(&self, name: &str) -> bool {
        let mut pending: Vec<&str> = self
            .plan
            .endpoints
            .iter()
            .filter_map(|e| e.body.as_deref())
            .collect();
        let mut seen: Vec<&str> = Vec::new();
        while let Some(next) = pending.pop() {
            if next == name {
                return true;
            }
            if seen.contains(&next) {
                continue;
            }
            seen.push(next);
            let fields = self.plan.types.iter().find_map(|t| match t {
                TypePlan::Object {
                    name: n, fields, ..
                } if n == next => Some(fields),
                _ => None,
            });
            for field in fields.into_iter().flatten() {
                let mut ty = &field.ty;
                while let Ty::Vec(inner) = ty {
                    ty = inner;
                }
                if let Ty::Object(inner) | Ty::Enum(inner) = ty {
                    pending.push(inner);
                }
            }
        }
        false
    }

    /// The schema of a value of type `ty`.
    fn schema(&self, ty: &Ty, nullable: bool, rules: &RulesPlan, notes: Notes) -> RefOr<Schema> {
        let types = |t: Type| -> SchemaType {
            if nullable {
                SchemaType::from_iter([t, Type::Null])
            } else {
                SchemaType::new(t)
            }
        };
        // YAML types a bare `02139` as a number; a string field's example
        // is a string all the same.
        let examples: Vec<Value> = notes
            .example
            .clone()
            .map(|e| match (ty, e) {
                (Ty::Str(_), Value::Number(n)) => Value::String(n.to_string()),
                (Ty::Str(_), Value::Bool(b)) => Value::String(b.to_string()),
                (_, other) => other,
            })
            .into_iter()
            .collect();
        let primitive = |t: Type, format: Option<SchemaFormat>| {
            ObjectBuilder::new()
                .schema_type(types(t))
                .format(format)
                .description(notes.description.clone())
                .examples(examples.clone())
        };
        match ty {
            Ty::I64 | Ty::I32 => {
                let format = if matches!(ty, Ty::I32) {
                    KnownFormat::Int32
                } else {
                    KnownFormat::Int64
                };
                // The bounds the server enforces: int32's, or the integers a
                // JavaScript number (and so D1) carries exactly.
                let (lo, hi) = if matches!(ty, Ty::I32) {
                    (f64::from(i32::MIN), f64::from(i32::MAX))
                } else {
                    (-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
                };
                primitive(Type::Integer, Some(SchemaFormat::KnownFormat(format)))
                    .minimum(Some(rules.minimum.unwrap_or(lo).max(lo)))
                    .maximum(Some(rules.maximum.unwrap_or(hi).min(hi)))
                    .build()
                    .into()
            }
            Ty::F64 => primitive(
                Type::Number,
                Some(SchemaFormat::KnownFormat(KnownFormat::Double)),
            )
            .minimum(rules.minimum)
            .maximum(rules.maximum)
            .build()
            .into(),
            Ty::Str(format) => {
                let format = format.map(|f| match f {
                    StringFormat::DateTime => SchemaFormat::KnownFormat(KnownFormat::DateTime),
                    StringFormat::Date => SchemaFormat::KnownFormat(KnownFormat::Date),
                    StringFormat::Email => SchemaFormat::KnownFormat(KnownFormat::Email),
                    StringFormat::Uuid => SchemaFormat::Custom("uuid".to_owned()),
                });
                primitive(Type::String, format)
                    .min_length(rules.min_length.map(|v| v as usize))
                    .max_length(rules.max_length.map(|v| v as usize))
                    .pattern(rules.pattern.clone())
                    .build()
                    .into()
            }
            Ty::Bool => primitive(Type::Boolean, None).build().into(),
            Ty::Any => ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(notes.description)
                .build()
                .into(),
            Ty::Vec(item) => {
                let items = self.schema(item, false, &RulesPlan::default(), Notes::default());
                ArrayBuilder::new()
                    .schema_type(types(Type::Array))
                    .items(items)
                    .min_items(rules.min_items.map(|v| v as usize))
                    .max_items(rules.max_items.map(|v| v as usize))
                    .description(notes.description)
                    .examples(examples)
                    .build()
                    .into()
            }
            Ty::Enum(name) if !self.is_declared(name) => {
                let values = self
                    .plan
                    .types
                    .iter()
                    .find_map(|t| match t {
                        TypePlan::Enum {
                            name: n, variants, ..
                        } if n == name => Some(variants.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                let mut wires: Vec<Value> = values
                    .into_iter()
                    .map(|(wire, _)| Value::String(wire))
                    .collect();
                if nullable {
                    wires.push(Value::Null);
                }
                primitive(Type::String, None)
                    .enum_values(Some(wires))
                    .build()
                    .into()
            }
            Ty::Enum(name) | Ty::Object(name) => {
                let reference = Ref::from_schema_name(name);
                if nullable {
                    RefOr::T(Schema::OneOf(
                        OneOfBuilder::new()
                            .item(reference)
                            .item(ObjectBuilder::new().schema_type(Type::Null).build())
                            .description(notes.description)
                            .examples(examples)
                            .build(),
                    ))
                } else {
                    let mut reference = reference;
                    reference.description = notes.description.unwrap_or_default();
                    RefOr::Ref(reference)
                }
            }
        }
    }

    fn operation(&self, endpoint: &EndpointPlan) -> utoipa::openapi::path::Operation {
        let source = self
            .spec
            .endpoints
            .iter()
            .find(|e| e.id.value == endpoint.id);
        let mut op = OperationBuilder::new()
            .operation_id(Some(&endpoint.id))
            .summary(source.and_then(|s| s.summary.clone()))
            .description(source.and_then(|s| s.description.clone()))
            .tags(source.map(|s| s.tags.iter().map(|t| t.value.clone()).collect::<Vec<_>>()));

        for param in &endpoint.params {
            let declared =
                source.and_then(|s| s.params.iter().find(|p| p.name.value == param.name));
            let notes = match (declared, param.name.as_str()) {
                (Some(p), _) => Notes::of(&p.spec),
                (None, "limit") => Notes {
                    description: Some(format!(
                        "How many items a page holds, from 1 to {}.",
                        param.rules.maximum.unwrap_or_default()
                    )),
                    example: None,
                },
                (None, _) => Notes {
                    description: Some(
                        "Where to continue: the `next_cursor` of the previous page, unchanged."
                            .to_owned(),
                    ),
                    example: None,
                },
            };
            let description = notes.description.clone();
            let mut schema = self.schema(
                &param.ty,
                false,
                &param.rules,
                Notes {
                    description: None,
                    example: notes.example.clone(),
                },
            );
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
        let declared: BTreeMap<u16, &spec::Response> = source
            .map(|s| s.responses.iter().map(|r| (r.status.value, r)).collect())
            .unwrap_or_default();
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
            if let Some(schema) = response.schema.as_ref().and_then(|s| match &s.kind {
                spec::TypeKind::Named(name) => Some(name.clone()),
                _ => None,
            }) {
                built = built.content(
                    JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(schema)))
                        .build(),
                );
            }
            for header in &response.headers {
                let schema = match header.spec.ty.kind {
                    spec::TypeKind::Integer { .. } => integer_schema(),
                    _ => string_schema(),
                };
                let mut built_header = HeaderBuilder::new()
                    .schema(Some(schema))
                    .description(header.spec.description.clone())
                    .build();
                if header.required {
                    built_header.extensions = Some(required_marker());
                }
                built = built.header(&header.name.value, built_header);
            }
            responses = responses.response(status.to_string(), built.build());
        }
        for (status, reference) in self.error_responses(endpoint) {
            let members = endpoint
                .problems
                .iter()
                .find(|(s, _)| *s == status)
                .map(|(_, fields)| self.members(fields));
            let declared_description = declared.get(&status).and_then(|r| r.description.clone());
            let response: RefOr<Response> = match (declared_description, members, reference) {
                (None, None, Some(name)) => Ref::from_response_name(name).into(),
                (description, members, _) => {
                    // A status the spec describes can still come from the
                    // framework for its usual reason; say both.
                    let common = COMMON_RESPONSES
                        .iter()
                        .find(|(_, s, _)| *s == status && matches!(s, 400 | 409 | 422))
                        .map(|(_, _, text)| *text);
                    let text = match (description, common) {
                        (Some(d), Some(c)) => format!("{d} Also: {c}"),
                        (Some(d), None) => d,
                        (None, _) => default_description(status).to_owned(),
                    };
                    problem_response(&text, members).into()
                }
            };
            responses = responses.response(status.to_string(), response);
        }
        op.responses(responses.build()).build()
    }

    /// The schema of a problem's extension members.
    fn members(&self, fields: &[FieldPlan]) -> Schema {
        let object = ObjectBuilder::new().schema_type(Type::Object);
        self.properties(object, fields, |field| Notes {
            description: field.description.clone(),
            example: None,
        })
        .into()
    }

    /// Adds `fields` to `object` as properties (required unless optional),
    /// each described by `notes`.
    fn properties(
        &self,
        mut object: ObjectBuilder,
        fields: &[FieldPlan],
        notes: impl Fn(&FieldPlan) -> Notes,
    ) -> ObjectBuilder {
        for field in fields {
            object = object.property(
                &field.name,
                self.schema(&field.ty, field.nullable, &field.rules, notes(field)),
            );
            if !field.optional {
                object = object.required(&field.name);
            }
        }
        object
    }

    /// The error statuses an endpoint can answer with, and the shared
    /// response component for each, if there is one.
    fn error_responses(&self, endpoint: &EndpointPlan) -> Vec<(u16, Option<&'static str>)> {
        let common = |status: u16| {
            COMMON_RESPONSES
                .iter()
                .find(|(_, s, _)| *s == status)
                .map(|(n, _, _)| *n)
        };
        let source = self
            .spec
            .endpoints
            .iter()
            .find(|e| e.id.value == endpoint.id);
        let mut statuses = vec![400];
        match &endpoint.kind {
            EndpointKind::Declarative {
                statements,
                response,
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
        if let Some(source) = source {
            statuses.extend(
                source
                    .responses
                    .iter()
                    .map(|r| r.status.value)
                    .filter(|s| *s >= 400),
            );
        }
        statuses.extend([500, 503]);
        statuses.sort_unstable();
        statuses.dedup();
        statuses.into_iter().map(|s| (s, common(s))).collect()
    }
}

fn default_description(status: u16) -> &'static str {
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

/// A problem response; `members` are the extension members the problem
/// carries besides RFC 9457's.
fn problem_response(description: &str, members: Option<Schema>) -> Response {
    let problem = Ref::from_schema_name("Problem");
    let schema: RefOr<Schema> = match members {
        Some(members) => Schema::AllOf(
            utoipa::openapi::schema::AllOfBuilder::new()
                .item(problem)
                .item(members)
                .build(),
        )
        .into(),
        None => problem.into(),
    };
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

fn string_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .build()
        .into()
}

fn integer_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .build()
        .into()
}

fn problem_schema() -> Schema {
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
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .into()
}

fn violation_schema() -> Schema {
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

fn default_json(value: &DefaultValue, plan: &Plan) -> Value {
    match value {
        DefaultValue::Int(i) => json!(i),
        DefaultValue::Number(f) => json!(f),
        DefaultValue::Bool(b) => json!(b),
        DefaultValue::Str(s) => json!(s),
        DefaultValue::Variant(t, v) => plan
            .types
            .iter()
            .find_map(|ty| match ty {
                TypePlan::Enum { name, variants, .. } if name == t => variants
                    .iter()
                    .find(|(_, ident)| ident == v)
                    .map(|(wire, _)| json!(wire)),
                _ => None,
            })
            .unwrap_or(Value::Null),
    }
}

/// A YAML example as JSON: plain scalars are typed the way YAML types them
/// (numbers, booleans, null); quoted ones stay strings.
pub fn to_json(node: &Node) -> Value {
    match node {
        Node::Scalar(s) => {
            let text = s.as_str();
            if !s.may_coerce() {
                return Value::String(text.to_owned());
            }
            if let Some(b) = s.as_bool() {
                return Value::Bool(b);
            }
            if matches!(text, "null" | "~" | "") {
                return Value::Null;
            }
            if let Some(i) = s.as_i64() {
                return json!(i);
            }
            if let Some(f) = s.as_f64().filter(|f| f.is_finite()) {
                return json!(f);
            }
            Value::String(text.to_owned())
        }
        Node::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Node::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().to_owned(), to_json(v)))
                .collect(),
        ),
    }
}
