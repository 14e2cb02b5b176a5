//! `api.yaml` text → [`Spec`], reporting every mistake with its location.
//! This pass checks shape and local rules only; names that refer to other
//! parts of the spec or to SQL are resolved by `check`.
//!
//! One file per part of the spec: the top level and schemas here, value
//! types in `value`, endpoints in `endpoint`, their responses in
//! `response`, idempotency keys in `idempotency`, scheduled jobs in
//! `jobs`, and the security model in `security`.

mod cache;
mod endpoint;
mod example;
mod idempotency;
mod jobs;
mod response;
mod security;

mod value;

use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{LoaderOptions, Node};

use super::model::*;
use super::yaml::{self, Map, Src};
use crate::diag::{Diagnostics, Loc};
use crate::names;
use endpoint::parse_endpoints;
use value::parse_value;

const TOP_KEYS: &[&str] = &[
    "info",
    "servers",
    "tags",
    "security",
    "schemas",
    "endpoints",
    "jobs",
];
const PRIMITIVES: &[&str] = &["integer", "number", "string", "boolean", "array"];

/// `` `integer`, `number`, `string`, `boolean`, `array` `` for messages.
fn primitive_list() -> String {
    PRIMITIVES
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses the spec. Returns `None` only when the YAML itself is unreadable.
pub fn parse(src: &Src, text: &str, d: &mut Diagnostics) -> Option<Spec> {
    // A quoted scalar is a string, as YAML means it: `"7"` is not a number.
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    // The YAML loader is third-party code; a panic inside it must become a
    // diagnostic, never a crashed build.
    let loaded =
        std::panic::catch_unwind(|| marked_yaml::parse_yaml_with_options(0, text, options));
    let root = match loaded {
        Ok(Ok(root)) => root,
        Ok(Err(err)) => {
            report_load_error(src, &err, d);
            return None;
        }
        Err(_) => {
            d.error(
                &Loc::file_start(&src.file),
                "the YAML parser failed on this file; check its syntax",
            );
            return None;
        }
    };
    let top = Map::of(src, &root, "the spec", d)?;
    top.allow(src, TOP_KEYS, "the spec", d);
    let info = top
        .get("info")
        .map(|n| parse_info(src, n, d))
        .unwrap_or_else(|| {
            d.error(
                &Loc::file_start(&src.file),
                "the spec is missing `info` (title and version)",
            );
            Info::default()
        });
    let servers = top
        .get("servers")
        .map(|n| parse_servers(src, n, d))
        .unwrap_or_default();
    let tags = top
        .get("tags")
        .map(|n| parse_tags(src, n, d))
        .unwrap_or_default();
    let security = top
        .get("security")
        .and_then(|n| security::parse_security(src, n, d));
    let schemas = match top.get("schemas") {
        Some(node) => parse_schemas(src, node, d),
        None => Vec::new(),
    };
    let endpoints = match top.get("endpoints") {
        Some(node) => parse_endpoints(src, node, d),
        None => {
            d.error(&Loc::file_start(&src.file), "the spec has no `endpoints`");
            Vec::new()
        }
    };
    let jobs = top
        .get("jobs")
        .map(|n| jobs::parse_jobs(src, n, d))
        .unwrap_or_default();
    Some(Spec {
        info,
        servers,
        tags,
        schemas,
        endpoints,
        security,
        jobs,
    })
}

fn report_load_error(src: &Src, err: &marked_yaml::LoadError, d: &mut Diagnostics) {
    use marked_yaml::LoadError as E;
    let at = |m: &marked_yaml::Marker| Loc::new(&src.file, m.line(), m.column());
    match err {
        E::TopLevelMustBeMapping(m) => {
            d.error(&at(m), "the spec must be a YAML mapping at the top level")
        }
        E::TopLevelMustBeSequence(m) => d.error(&at(m), "unexpected top-level list"),
        E::UnexpectedAnchor(m) => d.error_help(
            &at(m),
            "YAML anchors are not supported",
            "repeat the value instead",
        ),
        E::MappingKeyMustBeScalar(m) => d.error(&at(m), "mapping keys must be plain strings"),
        E::UnexpectedTag(m) => d.error(&at(m), "YAML tags (`!tag`) are not supported"),
        E::ScanError(m, e) => {
            let text = e.to_string();
            // yaml-rust2 appends its own position; ours is at the front.
            let message = match text.find(" at byte ") {
                Some(cut) => text[..cut].to_owned(),
                None => text,
            };
            d.error_help(
                &at(m),
                format!("invalid YAML: {message}"),
                "check the indentation: nested keys must be indented further than their parent, with spaces, consistently",
            );
        }
        E::DuplicateKey(inner) => {
            let first = src.loc(inner.prev_key.span());
            d.error(
                &src.loc(inner.key.span()),
                format!(
                    "duplicate key `{}` (first defined at {first})",
                    inner.key.as_str()
                ),
            );
        }
    }
}

fn parse_info(src: &Src, node: &Node, d: &mut Diagnostics) -> Info {
    let Some(map) = Map::of(src, node, "`info`", d) else {
        return Info::default();
    };
    map.allow(src, &["title", "version", "description"], "`info`", d);
    Info {
        title: map
            .req_str(src, "title", "`info`", d)
            .map(|s| s.value)
            .unwrap_or_default(),
        version: map
            .req_str(src, "version", "`info`", d)
            .map(|s| s.value)
            .unwrap_or_default(),
        description: map
            .opt_str(src, "description", "`info`", d)
            .map(|s| s.value),
    }
}

fn parse_servers(src: &Src, node: &Node, d: &mut Diagnostics) -> Vec<Server> {
    let Some(list) = node.as_sequence() else {
        d.error(
            &src.node_loc(node),
            "`servers` must be a list of `{ url, description }`",
        );
        return Vec::new();
    };
    list.iter()
        .filter_map(|item| {
            let map = Map::of(src, item, "a server", d)?;
            map.allow(src, &["url", "description"], "a server", d);
            Some(Server {
                url: map.req_str(src, "url", "a server", d)?.value,
                description: map
                    .opt_str(src, "description", "a server", d)
                    .map(|s| s.value),
            })
        })
        .collect()
}

fn parse_tags(src: &Src, node: &Node, d: &mut Diagnostics) -> Vec<Tag> {
    let Some(list) = node.as_sequence() else {
        d.error(
            &src.node_loc(node),
            "`tags` must be a list of `{ name, description }`",
        );
        return Vec::new();
    };
    list.iter()
        .filter_map(|item| {
            let map = Map::of(src, item, "a tag", d)?;
            map.allow(src, &["name", "description"], "a tag", d);
            Some(Tag {
                name: map.req_str(src, "name", "a tag", d)?,
                description: map.opt_str(src, "description", "a tag", d).map(|s| s.value),
            })
        })
        .collect()
}

fn parse_schemas(src: &Src, node: &Node, d: &mut Diagnostics) -> Vec<Schema> {
    let Some(map) = Map::of(src, node, "`schemas`", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.entries() {
        let name = Spanned::new(key.as_str().to_owned(), src.loc(key.span()));
        if !names::is_pascal_case(&name.value) {
            d.error_help(
                &name.loc,
                format!("schema name `{}` must be PascalCase", name.value),
                format!("rename it to `{}`", names::to_pascal_case(&name.value)),
            );
        }
        let what = format!("schema `{}`", name.value);
        let Some(body) = Map::of(src, value, &what, d) else {
            continue;
        };
        body.allow(src, &["description", "properties", "enum"], &what, d);
        let description = body.opt_str(src, "description", &what, d).map(|s| s.value);
        let kind = match (body.get("properties"), body.get("enum")) {
            (Some(props), None) => SchemaKind::Object(parse_fields(src, props, &name.value, d)),
            (None, Some(values)) => SchemaKind::Enum(parse_enum_values(src, values, &what, d)),
            (Some(_), Some(_)) => {
                d.error(
                    &name.loc,
                    format!(
                        "{what} has both `properties` and `enum`; a schema is an object or an enum"
                    ),
                );
                continue;
            }
            (None, None) => {
                d.error_help(
                    &name.loc,
                    format!("{what} has neither `properties` nor `enum`"),
                    "give an object its fields under `properties:`, or list an enum's values under `enum:`",
                );
                continue;
            }
        };
        out.push(Schema {
            name,
            description,
            kind,
        });
    }
    out
}

fn parse_enum_values(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<Spanned<String>> {
    let values = yaml::string_list(src, node, &format!("the `enum` of {what}"), d);
    if values.is_empty() {
        d.error(
            &src.node_loc(node),
            format!("the `enum` of {what} must list at least one value"),
        );
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].iter().any(|w| w.value == v.value) {
            d.error(&v.loc, format!("enum value `{}` is listed twice", v.value));
        }
        if v.value.is_empty()
            || !v
                .value
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            || !v
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            d.error(&v.loc, format!("enum value `{}` must start with a letter and use only letters, digits, `_` and `-`", v.value));
        }
    }
    values
}

fn parse_fields(src: &Src, node: &Node, schema: &str, d: &mut Diagnostics) -> Vec<Field> {
    let Some(map) = Map::of(src, node, &format!("`properties` of `{schema}`"), d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.entries() {
        let name = field_name(src, key, d);
        let what = format!("field `{schema}.{}`", name.value);
        let (spec, extra) = parse_value(src, value, &what, &["optional"], d);
        let Some(spec) = spec else { continue };
        let optional = extra.and_then(|m| m.get("optional")).is_some_and(|n| {
            yaml::boolean(src, n, &format!("`optional` of {what}"), d).unwrap_or(false)
        });
        if let Some(default) = &spec.default {
            d.error_help(&default.loc, format!("{what} has a `default`"), "defaults apply to parameters only; make the field `optional: true` and handle absence");
        }
        out.push(Field {
            name,
            optional,
            spec,
        });
    }
    out
}

fn field_name(src: &Src, key: &MarkedScalarNode, d: &mut Diagnostics) -> Spanned<String> {
    let name = Spanned::new(key.as_str().to_owned(), src.loc(key.span()));
    if let Some(message) = names::unusable(&name.value) {
        d.error(&name.loc, message);
    } else if !names::is_snake_case(&name.value) {
        d.error_help(
            &name.loc,
            format!("`{}` must be snake_case", name.value),
            format!("rename it to `{}`", names::to_snake_case(&name.value)),
        );
    }
    name
}
