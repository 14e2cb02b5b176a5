//! An endpoint's `examples:`: requests with the answers they get.

use marked_yaml::Node;

use crate::diag::Diagnostics;
use crate::spec::model::*;
use crate::spec::yaml::{self, Map, Src};

const EXAMPLE_KEYS: &[&str] = &[
    "summary",
    "description",
    "as",
    "path",
    "query",
    "headers",
    "body",
    "status",
    "response",
];

pub(super) fn parse_examples(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<Example> {
    let Some(map) = Map::of(src, node, &format!("`examples` of {what}"), d) else {
        return Vec::new();
    };
    map.entries()
        .filter_map(|(key, value)| {
            let name = Spanned::new(key.as_str().to_owned(), src.loc(key.span()));
            let valid = !name.value.is_empty()
                && name
                    .value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !valid {
                d.error_help(
                    &name.loc,
                    format!(
                        "{what}: example name `{}` is not usable in the document",
                        name.value
                    ),
                    "use letters, digits, `_`, `-` and `.` (OpenAPI's rule for example names)",
                );
            }
            parse_example(src, name, value, what, d)
        })
        .collect()
}

fn parse_example(
    src: &Src,
    name: Spanned<String>,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Example> {
    let ewhat = format!("example `{}` of {what}", name.value);
    let map = Map::of(src, node, &ewhat, d)?;
    map.allow(src, EXAMPLE_KEYS, &ewhat, d);
    let status = match map.get("status") {
        Some(node) => {
            let status = yaml::unsigned(src, node, &format!("`status` of {ewhat}"), d)?;
            match u16::try_from(status.value) {
                Ok(code) if (100..=599).contains(&code) => Spanned::new(code, status.loc),
                _ => {
                    d.error(
                        &status.loc,
                        format!("{ewhat}: `status` must be an HTTP status code"),
                    );
                    return None;
                }
            }
        }
        None => {
            d.error_help(
                &name.loc,
                format!("{ewhat} has no `status`"),
                "say which status the request gets, as `status: 200`",
            );
            return None;
        }
    };
    let members = |key: &str, d: &mut Diagnostics| -> Vec<(Spanned<String>, Sample)> {
        let Some(node) = map.get(key) else {
            return Vec::new();
        };
        let kwhat = format!("`{key}` of {ewhat}");
        let Some(inner) = Map::of(src, node, &kwhat, d) else {
            return Vec::new();
        };
        inner
            .entries()
            .map(|(k, v)| {
                (
                    Spanned::new(k.as_str().to_owned(), src.loc(k.span())),
                    yaml::sample(src, v),
                )
            })
            .collect()
    };
    let path = members("path", d);
    let query = members("query", d);
    let headers = members("headers", d);
    let caller = map
        .get("as")
        .and_then(|node| parse_caller(src, node, &ewhat, d));
    Some(Example {
        summary: map.opt_str(src, "summary", &ewhat, d).map(|s| s.value),
        description: map.opt_str(src, "description", &ewhat, d).map(|s| s.value),
        caller,
        path,
        query,
        headers,
        body: map.get("body").map(|node| yaml::sample(src, node)),
        status,
        response: map.get("response").map(|node| yaml::sample(src, node)),
        loc: name.loc.clone(),
        name,
    })
}

/// `as: { role: customer, sub: 7 }`: the role, and the other keys claims.
fn parse_caller(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<ExampleCaller> {
    let cwhat = format!("`as` of {what}");
    let map = Map::of(src, node, &cwhat, d)?;
    let Some(role) = map.get("role") else {
        d.error_help(
            &src.node_loc(node),
            format!("{cwhat} has no `role`"),
            "name the caller's role and claims, as `as: { role: customer, sub: 7 }`",
        );
        return None;
    };
    let role = yaml::string(src, role, &format!("`role` of {cwhat}"), d)?;
    let claims = map
        .entries()
        .filter(|(k, _)| k.as_str() != "role")
        .map(|(k, v)| {
            (
                Spanned::new(k.as_str().to_owned(), src.loc(k.span())),
                yaml::sample(src, v),
            )
        })
        .collect();
    Some(ExampleCaller {
        role,
        claims,
        loc: src.node_loc(node),
    })
}
