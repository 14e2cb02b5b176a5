//! What the document says about how answers are delivered: the validators
//! and `Cache-Control` of GET operations (`cache:`), their `304`, and the
//! `D1-Bookmark` that replica reads (`reads:`) are consistent with.

use utoipa::openapi::Required;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};

use super::schema::string_schema;
use crate::check::plan::EndpointPlan;

/// The bookmark header's name, as the runtime sends it (`keel::db::d1`).
const BOOKMARK: &str = "D1-Bookmark";

/// The request headers an operation reads besides its declared parameters.
pub(super) fn parameters(endpoint: &EndpointPlan) -> Vec<Parameter> {
    let mut out = Vec::new();
    if endpoint.cache_control.is_some() {
        out.push(
            ParameterBuilder::new()
                .name("If-None-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The `ETag` of a copy the client has: when it still matches, the answer is a `304` without a body.",
                ))
                .schema(Some(string_schema()))
                .build(),
        );
    }
    if endpoint.replica {
        out.push(
            ParameterBuilder::new()
                .name(BOOKMARK)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "On Workers, this operation may read a nearby D1 replica. Send the `D1-Bookmark` of the last answer you got to read at least what that answer saw or wrote (your own new order, say). Without it, the replica may lag a little. A value that is not a bookmark is a 400. Natively it is checked the same way, but (SQLite) there are no replicas: it has no other effect.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .max_length(Some(256))
                        .pattern(Some("^[0-9a-fA-F]+(-[0-9a-fA-F]+)*$"))
                        .build(),
                ))
                .build(),
        );
    }
    out
}

/// Adds the headers of an operation's successful answers.
pub(super) fn success_headers(
    endpoint: &EndpointPlan,
    mut built: ResponseBuilder,
) -> ResponseBuilder {
    if let Some(cache_control) = &endpoint.cache_control {
        built = validators(built, cache_control);
    }
    built.header(
        BOOKMARK,
        string_header(
            "On Workers: where in D1's history this answer was read or written. Send it back as `D1-Bookmark` on a replica read to see at least this state. Absent natively.",
        ),
    )
}

/// The `304` of a GET operation.
pub(super) fn not_modified(endpoint: &EndpointPlan) -> Option<Response> {
    let cache_control = endpoint.cache_control.as_ref()?;
    let built = ResponseBuilder::new()
        .description("The copy the client named in `If-None-Match` is current; no body.");
    Some(validators(built, cache_control).build())
}

/// The `ETag` and `Cache-Control` of a GET operation's `200` and `304`.
fn validators(built: ResponseBuilder, cache_control: &str) -> ResponseBuilder {
    built
        .header(
            "ETag",
            string_header(
                "A strong validator of this representation: send it back in `If-None-Match` to revalidate a stored copy.",
            ),
        )
        .header("Cache-Control", string_header(format!("`{cache_control}`")))
}

fn string_header(description: impl Into<String>) -> Header {
    HeaderBuilder::new()
        .schema(Some(string_schema()))
        .description(Some(description))
        .build()
}
