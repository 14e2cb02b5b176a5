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
            problem_type: None,
            title: None,
            action: None,
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
                    &[
                        "description",
                        "schema",
                        "headers",
                        "extensions",
                        "type",
                        "title",
                        "action",
                    ],
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
                let problem_type = rmap.opt_str(src, "type", &rwhat, d);
                let title = rmap.opt_str(src, "title", &rwhat, d);
                let action = rmap.opt_str(src, "action", &rwhat, d);
                if success {
                    if let Some(loc) = problem_type
                        .as_ref()
                        .or(title.as_ref())
                        .or(action.as_ref())
                        .map(|s| &s.loc)
                    {
                        d.error_help(
                            loc,
                            format!(
                                "{rwhat}: `type`, `title` and `action` describe the problem of an error response"
                            ),
                            "remove them from the success response",
                        );
                    }
                } else {
                    (response.problem_type, response.title) =
                        problem_identity(problem_type, title, &rwhat, d);
                    response.action = action.map(|a| a.value);
                }
            }
        }
        out.push(response);
    }
    out
}

/// `type:` and `title:` of an error response: a slug and the title that
/// goes with it, both or neither.
fn problem_identity(
    problem_type: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    what: &str,
    d: &mut Diagnostics,
) -> (Option<Spanned<String>>, Option<Spanned<String>>) {
    if let Some(t) = &problem_type
        && !names::is_slug(&t.value)
    {
        d.error_help(
            &t.loc,
            format!("{what}: the problem `type` `{}` must be a slug", t.value),
            "write lowercase words joined by `-`, like `insufficient-stock`: its URI is `/problems/insufficient-stock`",
        );
        return (None, None);
    }
    match (&problem_type, &title) {
        (Some(t), None) => d.error_help(
            &t.loc,
            format!("{what}: the problem `type` `{}` has no `title`", t.value),
            "add a short `title` that says what the problem is, like `title: Insufficient stock`",
        ),
        (None, Some(t)) => d.error_help(
            &t.loc,
            format!("{what}: a `title` needs the problem `type` it names"),
            "add `type:` (a slug such as `insufficient-stock`), or remove the title to keep the standard one of this status",
        ),
        _ => return (problem_type, title),
    }
    (None, None)
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
        if let Some(link) = value
            .as_mapping()
            .and_then(|_| Map::of(src, value, &hwhat, d))
            && link.get("link").is_some()
        {
            if let Some(header) = parse_link_header(src, &link, name, &hwhat, d) {
                out.push(header);
            }
            continue;
        }
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
            link: None,
        });
    }
    out
}

/// `Location: { link: get_order, with: { order_id: id } }`: a header whose
/// value is the URL of another endpoint, made from the response body.
fn parse_link_header(
    src: &Src,
    map: &Map<'_>,
    name: Spanned<String>,
    what: &str,
    d: &mut Diagnostics,
) -> Option<ResponseHeader> {
    map.allow(src, &["link", "with", "description"], what, d);
    let endpoint = map.req_str(src, "link", what, d)?;
    let with = map
        .get("with")
        .map(|w| {
            yaml::string_map(
                src,
                w,
                &format!("`with` of {what}"),
                "a field of the response body",
                d,
            )
        })
        .unwrap_or_default();
    let loc = endpoint.loc.clone();
    Some(ResponseHeader {
        name,
        required: true,
        spec: ValueSpec {
            ty: TypeRef {
                kind: TypeKind::String { format: None },
                loc,
            },
            nullable: false,
            rules: Rules::default(),
            description: map.opt_str(src, "description", what, d).map(|s| s.value),
            example: None,
            default: None,
        },
        link: Some(Link { endpoint, with }),
    })
}
