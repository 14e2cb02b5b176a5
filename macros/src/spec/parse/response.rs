//! An endpoint's responses: success schemas and headers, error
//! descriptions and problem extension members.

use marked_yaml::Node;

use super::parse_fields;
use super::value::{named_type, parse_value};
use crate::diag::Diagnostics;
use crate::names;
use crate::spec::model::*;
use crate::spec::yaml::{self, Map, Src};

pub(super) fn parse_responses(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<Response> {
    let Some(map) = Map::of(src, node, &format!("`responses` of {what}"), d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.entries() {
        let loc = src.loc(key.span());
        let Some(status) = key
            .as_str()
            .parse::<u16>()
            .ok()
            .filter(|s| (100..=599).contains(s))
        else {
            d.error(
                &loc,
                format!(
                    "{what}: response key `{}` must be an HTTP status code",
                    key.as_str()
                ),
            );
            continue;
        };
        let rwhat = format!("response {status} of {what}");
        let success = (200..300).contains(&status);
        let mut response = Response {
            status: Spanned::new(status, loc.clone()),
            description: None,
            schema: None,
            headers: Vec::new(),
            extensions: Vec::new(),
        };
        match value {
            Node::Scalar(s) if success => {
                response.schema = named_type(src, s.as_str(), &src.node_loc(value), &rwhat, d);
            }
            Node::Scalar(s) => response.description = Some(s.as_str().to_owned()),
            _ => {
                let Some(rmap) = Map::of(src, value, &rwhat, d) else {
                    continue;
                };
                rmap.allow(
                    src,
                    &["description", "schema", "headers", "extensions"],
                    &rwhat,
                    d,
                );
                if let Some(extensions) = rmap.get("extensions") {
                    if success {
                        d.error_help(
                            &rmap.key_loc(src, "extensions").unwrap_or_else(|| loc.clone()),
                            format!("{rwhat}: `extensions` describe the members of a problem, so they apply to error responses only"),
                            "give a success response a `schema` instead",
                        );
                    } else {
                        let context = format!(
                            "{}Problem{status}",
                            names::to_pascal_case(
                                what.trim_start_matches("endpoint `").trim_end_matches('`')
                            )
                        );
                        response.extensions = parse_fields(src, extensions, &context, d);
                    }
                }
                response.description = rmap.opt_str(src, "description", &rwhat, d).map(|s| s.value);
                if let Some(schema) = rmap.opt_str(src, "schema", &rwhat, d) {
                    if success {
                        response.schema = named_type(src, &schema.value, &schema.loc, &rwhat, d);
                    } else {
                        d.error_help(
                            &schema.loc,
                            format!(
                                "{rwhat}: error responses are always `application/problem+json`"
                            ),
                            "remove `schema`; describe the error with `description`",
                        );
                    }
                }
                if let Some(headers) = rmap.get("headers") {
                    response.headers = parse_response_headers(src, headers, &rwhat, d);
                }
            }
        }
        out.push(response);
    }
    out
}

fn parse_response_headers(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<ResponseHeader> {
    let Some(map) = Map::of(src, node, &format!("`headers` of {what}"), d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.entries() {
        let name = Spanned::new(key.as_str().to_owned(), src.loc(key.span()));
        if name.value.is_empty()
            || !name
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            d.error(
                &name.loc,
                format!("{what}: `{}` is not a valid header name", name.value),
            );
            continue;
        }
        // The header becomes a field of the handler's output, named in
        // snake_case (`X-Count` → `x_count`).
        let field = names::to_snake_case(&name.value);
        if !name.value.starts_with(|c: char| c.is_ascii_alphabetic()) {
            d.error_help(
                &name.loc,
                format!("{what}: header `{}` does not start with a letter", name.value),
                format!("it becomes the field `{field}` of the handler's output, which must start with a letter"),
            );
            continue;
        }
        if let Some(message) = names::unusable(&field) {
            d.error(
                &name.loc,
                format!(
                    "{what}: header `{}` becomes the field `{field}` of the handler's output: {message}",
                    name.value
                ),
            );
            continue;
        }
        let hwhat = format!("header `{}` of {what}", name.value);
        let (spec, extra) = parse_value(src, value, &hwhat, &["required"], d);
        let Some(spec) = spec else { continue };
        if !matches!(
            spec.ty.kind,
            TypeKind::String { .. } | TypeKind::Integer { .. }
        ) {
            d.error(
                &spec.ty.loc,
                format!("{hwhat}: response headers must be strings or integers"),
            );
        }
        let required = match extra.and_then(|m| m.get("required")) {
            Some(n) => yaml::boolean(src, n, &format!("`required` of {hwhat}"), d).unwrap_or(true),
            None => true,
        };
        out.push(ResponseHeader {
            name,
            required,
            spec,
        });
    }
    out
}
