//! Link headers in the document: the header's schema and description, and
//! the response's `links` (OpenAPI 3.1 §4.8.20), which tell generators how
//! to call the linked operation with values from this response.

use utoipa::openapi::RefOr;
use utoipa::openapi::link::{Link, LinkBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};

use super::Docs;
use crate::check::plan::{LinkPlan, LinkSegment};

/// A string that is a URI reference (a link header's value).
pub(super) fn uri_reference_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("uri-reference".to_owned())))
        .build()
        .into()
}

impl Docs<'_> {
    /// What a link header holds: the declared description, then where it
    /// points.
    pub(super) fn link_description(&self, link: &LinkPlan, declared: Option<&str>) -> String {
        let path: String = link
            .segments
            .iter()
            .map(|s| match s {
                LinkSegment::Static(text) => format!("/{text}"),
                LinkSegment::Field(field, _) => format!("/{{{field}}}"),
            })
            .collect();
        let fields: Vec<String> = link
            .segments
            .iter()
            .filter_map(|s| match s {
                LinkSegment::Field(field, _) => Some(format!("`{field}`")),
                LinkSegment::Static(_) => None,
            })
            .collect();
        let points = format!(
            "It is `{path}`, the path of `{}`, with {} from the response body.",
            link.endpoint,
            fields.join(" and ")
        );
        match declared {
            Some(text) => format!("{} {points}", text.trim_end()),
            None => points,
        }
    }

    /// The response's `links` entry for `link`.
    pub(super) fn link(&self, link: &LinkPlan) -> Link {
        link.params
            .iter()
            .fold(
                LinkBuilder::new().operation_id(&link.endpoint),
                |b, (param, field)| b.parameter(param, format!("$response.body#/{field}")),
            )
            .build()
    }
}
