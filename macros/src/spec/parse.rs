//! `api.yaml` text → [`Spec`], reporting every mistake with its location.
//! This pass checks shape and local rules only; names that refer to other
//! parts of the spec or to SQL are resolved by `check`.

use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{LoaderOptions, Node};

use super::model::*;
use super::yaml::{self, Map, Src};
use crate::diag::{Diagnostics, Loc};
use crate::names;

const TOP_KEYS: &[&str] = &["info", "servers", "tags", "schemas", "endpoints"];
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
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
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
    Some(Spec {
        info,
        servers,
        tags,
        schemas,
        endpoints,
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

const VALUE_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "enum",
    "nullable",
    "description",
    "example",
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
];

/// Parses a type with its constraints: a bare name (`string`, `Money`), a
/// one-item list (`[Product]`), or a mapping. `extra_keys` are the keys the
/// caller reads itself from the returned mapping.
fn parse_value<'a>(
    src: &Src,
    node: &'a Node,
    what: &str,
    extra_keys: &[&str],
    d: &mut Diagnostics,
) -> (Option<ValueSpec>, Option<Map<'a>>) {
    let loc = src.node_loc(node);
    match node {
        Node::Scalar(s) => {
            let ty = named_type(src, s.as_str(), &loc, what, d);
            (ty.map(bare), None)
        }
        Node::Sequence(items) => {
            let [item] = items.as_slice() else {
                d.error_help(
                    &loc,
                    format!("{what}: a list type must name exactly one item type"),
                    "write `[Product]` for an array of `Product`",
                );
                return (None, None);
            };
            let inner = match item {
                Node::Scalar(s) => named_type(src, s.as_str(), &src.node_loc(item), what, d),
                _ => {
                    d.error(
                        &src.node_loc(item),
                        format!("{what}: the item type of `[...]` must be a type name"),
                    );
                    None
                }
            };
            let ty = inner.map(|inner| TypeRef {
                kind: TypeKind::Array(Box::new(inner)),
                loc,
            });
            (ty.map(bare), None)
        }
        Node::Mapping(_) => {
            let Some(map) = Map::of(src, node, what, d) else {
                return (None, None);
            };
            let mut allowed: Vec<&str> = VALUE_KEYS.to_vec();
            allowed.extend_from_slice(extra_keys);
            map.allow(src, &allowed, what, d);
            (parse_value_map(src, map, &loc, what, d), Some(map))
        }
    }
}

fn bare(ty: TypeRef) -> ValueSpec {
    ValueSpec {
        ty,
        nullable: false,
        rules: Rules::default(),
        description: None,
        example: None,
        default: None,
    }
}

fn named_type(
    src: &Src,
    name: &str,
    loc: &Loc,
    what: &str,
    d: &mut Diagnostics,
) -> Option<TypeRef> {
    let kind = match name {
        "integer" => TypeKind::Integer { int32: false },
        "number" => TypeKind::Number,
        "string" => TypeKind::String { format: None },
        "boolean" => TypeKind::Boolean,
        "array" => {
            d.error_help(
                loc,
                format!("{what}: `array` needs its item type"),
                "write `[Item]`, or `type: array` with `items: Item`",
            );
            return None;
        }
        other if names::is_pascal_case(other) => TypeKind::Named(other.to_owned()),
        other => {
            d.error_suggest(
                loc,
                format!(
                    "{what}: unknown type `{other}`; expected {} or a schema name",
                    primitive_list()
                ),
                other,
                PRIMITIVES.iter().copied(),
            );
            return None;
        }
    };
    let _ = src;
    Some(TypeRef {
        kind,
        loc: loc.clone(),
    })
}

fn parse_value_map(
    src: &Src,
    map: Map<'_>,
    loc: &Loc,
    what: &str,
    d: &mut Diagnostics,
) -> Option<ValueSpec> {
    let Some(type_node) = map.get("type") else {
        d.error_help(
            loc,
            format!("{what} has no `type`"),
            format!("add `type:` with {} or a schema name", primitive_list()),
        );
        return None;
    };
    let type_name = yaml::string(src, type_node, &format!("`type` of {what}"), d)?;
    let format = map.opt_str(src, "format", what, d);
    let kind = match type_name.value.as_str() {
        "integer" => {
            let int32 = match format.as_ref().map(|f| f.value.as_str()) {
                None | Some("int64") => false,
                Some("int32") => true,
                Some(other) => {
                    let loc = &format
                        .as_ref()
                        .map_or(type_name.loc.clone(), |f| f.loc.clone());
                    d.error_suggest(
                        loc,
                        format!(
                            "{what}: unknown integer format `{other}`; expected `int32` or `int64`"
                        ),
                        other,
                        ["int32", "int64"],
                    );
                    false
                }
            };
            TypeKind::Integer { int32 }
        }
        "number" => {
            if let Some(f) = &format
                && !matches!(f.value.as_str(), "float" | "double")
            {
                d.error(
                    &f.loc,
                    format!(
                        "{what}: unknown number format `{}`; expected `float` or `double`",
                        f.value
                    ),
                );
            }
            TypeKind::Number
        }
        "string" => {
            let parsed = format.as_ref().and_then(|f| {
                let found = StringFormat::ALL
                    .iter()
                    .find(|(n, _)| *n == f.value)
                    .map(|(_, v)| *v);
                if found.is_none() {
                    d.error_suggest(
                        &f.loc,
                        format!(
                            "{what}: unknown string format `{}`; expected one of {}",
                            f.value,
                            names::one_of(
                                &StringFormat::ALL
                                    .iter()
                                    .map(|(n, _)| *n)
                                    .collect::<Vec<_>>()
                            )
                        ),
                        &f.value,
                        StringFormat::ALL.iter().map(|(n, _)| *n),
                    );
                }
                found
            });
            match map.get("enum") {
                Some(values) => {
                    if format.is_some() {
                        d.error(loc, format!("{what}: an enum cannot also have a `format`"));
                    }
                    TypeKind::InlineEnum(parse_enum_values(src, values, what, d))
                }
                None => TypeKind::String { format: parsed },
            }
        }
        "boolean" => TypeKind::Boolean,
        "array" => {
            let Some(items) = map.get("items") else {
                d.error_help(
                    loc,
                    format!("{what} is an array without `items`"),
                    "add `items:` with the item type",
                );
                return None;
            };
            let (item, item_map) = parse_value(src, items, &format!("the items of {what}"), &[], d);
            let item = item?;
            if let Some(item_map) = item_map {
                let constrained = [
                    "minimum",
                    "maximum",
                    "minLength",
                    "maxLength",
                    "pattern",
                    "nullable",
                    "default",
                ]
                .iter()
                .find(|k| item_map.get(k).is_some());
                if let Some(key) = constrained {
                    d.error_help(
                        &item_map.key_loc(src, key).unwrap_or_else(|| loc.clone()),
                        format!("{what}: `{key}` on array items is not supported"),
                        "declare the items as a named schema, or constrain the array with minItems/maxItems",
                    );
                }
            }
            TypeKind::Array(Box::new(item.ty))
        }
        other => {
            if format.is_some() || map.get("items").is_some() {
                d.error(
                    loc,
                    format!(
                        "{what}: `format` and `items` apply to primitive types and arrays only"
                    ),
                );
            }
            named_type(src, other, &type_name.loc, what, d)?.kind
        }
    };
    if map.get("enum").is_some() && !matches!(kind, TypeKind::InlineEnum(_)) {
        d.error_help(
            &map.key_loc(src, "enum").unwrap_or_else(|| loc.clone()),
            format!("{what}: `enum` applies to strings only"),
            "use `type: string` with `enum:`",
        );
    }
    if map.get("items").is_some() && !matches!(kind, TypeKind::Array(_)) {
        d.error(
            &map.key_loc(src, "items").unwrap_or_else(|| loc.clone()),
            format!("{what}: `items` applies to arrays only"),
        );
    }
    let ty = TypeRef {
        kind,
        loc: type_name.loc.clone(),
    };
    let rules = parse_rules(src, map, &ty, what, d);
    Some(ValueSpec {
        ty,
        nullable: map.flag(src, "nullable", what, d),
        rules,
        description: map.opt_str(src, "description", what, d).map(|s| s.value),
        example: map.get("example").cloned(),
        default: map
            .get("default")
            .map(|n| Spanned::new(n.clone(), src.node_loc(n))),
    })
}

fn parse_rules(src: &Src, map: Map<'_>, ty: &TypeRef, what: &str, d: &mut Diagnostics) -> Rules {
    let numeric = matches!(ty.kind, TypeKind::Integer { .. } | TypeKind::Number);
    let stringy = matches!(ty.kind, TypeKind::String { .. });
    let array = matches!(ty.kind, TypeKind::Array(_));
    let mut rules = Rules::default();
    let misplaced = |key: &str, applies: &str, d: &mut Diagnostics| {
        d.error(
            &map.key_loc(src, key).unwrap_or_else(|| ty.loc.clone()),
            format!("{what}: `{key}` applies to {applies} only"),
        );
    };
    for key in ["minimum", "maximum"] {
        if let Some(node) = map.get(key) {
            if !numeric {
                misplaced(key, "integers and numbers", d);
                continue;
            }
            let value = yaml::number(src, node, &format!("`{key}` of {what}"), d);
            if let (Some(v), TypeKind::Integer { .. }) = (&value, &ty.kind)
                && v.value.fract() != 0.0
            {
                d.error(
                    &v.loc,
                    format!("{what}: `{key}` of an integer must be a whole number"),
                );
            }
            if key == "minimum" {
                rules.minimum = value
            } else {
                rules.maximum = value
            }
        }
    }
    for key in ["minLength", "maxLength", "pattern"] {
        if let Some(node) = map.get(key) {
            if !stringy {
                misplaced(key, "strings", d);
                continue;
            }
            match key {
                "minLength" => {
                    rules.min_length =
                        yaml::unsigned(src, node, &format!("`minLength` of {what}"), d)
                }
                "maxLength" => {
                    rules.max_length =
                        yaml::unsigned(src, node, &format!("`maxLength` of {what}"), d)
                }
                _ => {
                    rules.pattern = yaml::string(src, node, &format!("`pattern` of {what}"), d);
                    if let Some(p) = &rules.pattern
                        && let Err(err) = regex_lite::Regex::new(&p.value)
                    {
                        d.error(&p.loc, format!("{what}: invalid `pattern`: {err}"));
                    }
                }
            }
        }
    }
    for key in ["minItems", "maxItems"] {
        if let Some(node) = map.get(key) {
            if !array {
                misplaced(key, "arrays", d);
                continue;
            }
            let value = yaml::unsigned(src, node, &format!("`{key}` of {what}"), d);
            if key == "minItems" {
                rules.min_items = value
            } else {
                rules.max_items = value
            }
        }
    }
    let pairs = [
        (
            rules.minimum.as_ref().map(|s| (s.value, s.loc.clone())),
            rules.maximum.as_ref().map(|s| s.value),
            "minimum",
            "maximum",
        ),
        (
            rules
                .min_length
                .as_ref()
                .map(|s| (s.value as f64, s.loc.clone())),
            rules.max_length.as_ref().map(|s| s.value as f64),
            "minLength",
            "maxLength",
        ),
        (
            rules
                .min_items
                .as_ref()
                .map(|s| (s.value as f64, s.loc.clone())),
            rules.max_items.as_ref().map(|s| s.value as f64),
            "minItems",
            "maxItems",
        ),
    ];
    for (lo, hi, lo_name, hi_name) in pairs {
        if let (Some((lo, loc)), Some(hi)) = (lo, hi)
            && lo > hi
        {
            d.error(
                &loc,
                format!("{what}: `{lo_name}` ({lo}) is greater than `{hi_name}` ({hi})"),
            );
        }
    }
    rules
}

fn parse_endpoints(src: &Src, node: &Node, d: &mut Diagnostics) -> Vec<Endpoint> {
    let Some(map) = Map::of(src, node, "`endpoints`", d) else {
        return Vec::new();
    };
    map.entries()
        .filter_map(|(key, value)| parse_endpoint(src, key, value, d))
        .collect()
}

const ENDPOINT_KEYS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "summary",
    "description",
    "tags",
    "params",
    "body",
    "queries",
    "handler",
    "responses",
    "security",
];

fn parse_endpoint(
    src: &Src,
    key: &MarkedScalarNode,
    value: &Node,
    d: &mut Diagnostics,
) -> Option<Endpoint> {
    let id = Spanned::new(key.as_str().to_owned(), src.loc(key.span()));
    if let Some(message) = names::unusable(&id.value) {
        d.error(&id.loc, message);
    } else if !names::is_snake_case(&id.value) {
        d.error_help(
            &id.loc,
            format!(
                "endpoint id `{}` must be snake_case (it is the operationId and a Rust name)",
                id.value
            ),
            format!("rename it to `{}`", names::to_snake_case(&id.value)),
        );
    }
    let what = format!("endpoint `{}`", id.value);
    let errors_before = d.count();
    let map = Map::of(src, value, &what, d)?;
    map.allow(src, ENDPOINT_KEYS, &what, d);

    let methods: Vec<(HttpMethod, &str)> = HttpMethod::ALL
        .iter()
        .filter(|(k, _)| map.get(k).is_some())
        .map(|(k, m)| (*m, *k))
        .collect();
    let (method, method_key) = match methods.as_slice() {
        [one] => *one,
        [] => {
            d.error_help(&id.loc, format!("{what} has no method and path"), "add one of `get: /path`, `post: /path`, `put: /path`, `patch: /path` or `delete: /path`");
            return None;
        }
        [_, second, ..] => {
            d.error(
                &map.key_loc(src, second.1).unwrap_or(id.loc.clone()),
                format!("{what} has more than one method; declare one endpoint per method"),
            );
            return None;
        }
    };
    let path = map.req_str(src, method_key, &what, d)?;
    let segments = parse_path(&path, &what, d);
    let (params, failed_params) = match map.get("params") {
        Some(node) => parse_params(src, node, &what, d),
        None => (Vec::new(), Vec::new()),
    };
    let body = map
        .get("body")
        .and_then(|node| parse_body(src, node, &what, d));
    let queries = match map.get("queries") {
        Some(node) => parse_query_uses(src, node, &what, d),
        None => Vec::new(),
    };
    let implementation = match map.opt_str(src, "handler", &what, d) {
        Some(path) => {
            let valid = path.value.split("::").all(names::is_snake_case);
            if !valid || path.value.is_empty() {
                d.error_help(
                    &path.loc,
                    format!("{what}: `handler` must be a Rust path such as `orders::create_order`, relative to the module that calls `keel::api!`"),
                    "write it like `orders::create_order`",
                );
            }
            for q in &queries {
                if q.into.is_some() || q.paginate.is_some() || !q.bind.is_empty() {
                    d.error_help(&q.loc, format!("{what}: `into`, `bind` and `paginate` apply to endpoints implemented by queries"), "the handler runs the queries itself; list them by name only");
                }
            }
            Implementation::Handler { path, queries }
        }
        None => {
            if queries.is_empty() {
                d.error_help(&id.loc, format!("{what} has neither `queries` nor `handler`"), "list the annotated queries that implement it, or name a Rust function with `handler:`");
            }
            Implementation::Queries(queries)
        }
    };
    let responses = match map.get("responses") {
        Some(node) => parse_responses(src, node, &what, d),
        None => {
            d.error(&id.loc, format!("{what} has no `responses`"));
            Vec::new()
        }
    };
    Some(Endpoint {
        id,
        method,
        path: path.clone(),
        segments,
        summary: map.opt_str(src, "summary", &what, d).map(|s| s.value),
        description: map.opt_str(src, "description", &what, d).map(|s| s.value),
        tags: map
            .get("tags")
            .map(|n| yaml::string_list(src, n, &format!("`tags` of {what}"), d))
            .unwrap_or_default(),
        params,
        body,
        implementation,
        responses,
        security: map.key_loc(src, "security"),
        incomplete: d.count() > errors_before,
        failed_params,
    })
}

fn parse_path(path: &Spanned<String>, what: &str, d: &mut Diagnostics) -> Vec<Segment> {
    let Some(rest) = path.value.strip_prefix('/') else {
        d.error(&path.loc, format!("{what}: the path must start with `/`"));
        return Vec::new();
    };
    if rest.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for seg in rest.split('/') {
        if let Some(inner) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if !names::is_snake_case(inner) {
                d.error(
                    &path.loc,
                    format!("{what}: path parameter `{{{inner}}}` must be a snake_case name"),
                );
            }
            out.push(Segment::Param(inner.to_owned()));
        } else if seg.is_empty() {
            d.error(
                &path.loc,
                format!("{what}: the path has an empty segment (`//` or a trailing `/`)"),
            );
        } else if seg.contains(['{', '}']) {
            d.error_help(
                &path.loc,
                format!("{what}: segment `{seg}` mixes text and a parameter"),
                "a parameter must be a whole segment, like `/orders/{order_id}`",
            );
        } else if !seg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        {
            d.error(
                &path.loc,
                format!("{what}: segment `{seg}` has characters that need percent-encoding"),
            );
        } else {
            out.push(Segment::Static(seg.to_owned()));
        }
    }
    out
}

fn parse_params(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> (Vec<Param>, Vec<String>) {
    let Some(map) = Map::of(src, node, &format!("`params` of {what}"), d) else {
        return (Vec::new(), Vec::new());
    };
    let mut out = Vec::new();
    let mut failed = Vec::new();
    for (key, value) in map.entries() {
        let name = field_name(src, key, d);
        // Until the declaration is read in full, count it as failed.
        failed.push(name.value.clone());
        let pwhat = format!("parameter `{}` of {what}", name.value);
        let (spec, extra) = parse_value(src, value, &pwhat, &["in", "required", "name"], d);
        let (Some(spec), Some(extra)) = (spec, extra) else {
            if value.as_mapping().is_none() {
                d.error_help(
                    &name.loc,
                    format!("{pwhat} must be a mapping"),
                    "write it like `{ in: query, type: integer }`",
                );
            }
            continue;
        };
        let location = match extra.req_str(src, "in", &pwhat, d) {
            Some(s) => match s.value.as_str() {
                "path" => ParamIn::Path,
                "query" => ParamIn::Query,
                "header" => ParamIn::Header,
                other => {
                    d.error_suggest(
                        &s.loc,
                        format!("{pwhat}: `in` must be `path`, `query` or `header`, not `{other}`"),
                        other,
                        ["path", "query", "header"],
                    );
                    continue;
                }
            },
            None => continue,
        };
        let required_key = extra.get("required");
        let required = match location {
            ParamIn::Path => {
                if let Some(loc) = extra.key_loc(src, "required") {
                    d.error(
                        &loc,
                        format!("{pwhat}: path parameters are always required"),
                    );
                }
                true
            }
            _ => required_key.is_some_and(|n| {
                yaml::boolean(src, n, &format!("`required` of {pwhat}"), d).unwrap_or(false)
            }),
        };
        let wire_name = match extra.opt_str(src, "name", &pwhat, d) {
            Some(n) if location == ParamIn::Header => n.value.to_ascii_lowercase(),
            Some(n) => {
                d.error(
                    &n.loc,
                    format!("{pwhat}: `name` applies to header parameters only"),
                );
                name.value.clone()
            }
            None if location == ParamIn::Header => name.value.replace('_', "-"),
            None => name.value.clone(),
        };
        if matches!(spec.ty.kind, TypeKind::Array(_)) {
            d.error_help(
                &spec.ty.loc,
                format!("{pwhat}: parameters must be scalars"),
                "send lists and objects in the JSON body",
            );
        }
        if spec.nullable {
            d.error(&spec.ty.loc, format!("{pwhat}: parameters cannot be `nullable`; an absent optional parameter is already `None`"));
        }
        if required && spec.default.is_some() {
            d.error(
                &spec
                    .default
                    .as_ref()
                    .map_or(name.loc.clone(), |d| d.loc.clone()),
                format!("{pwhat}: a required parameter cannot have a `default`"),
            );
        }
        failed.pop();
        out.push(Param {
            name,
            location,
            wire_name,
            required,
            spec,
        });
    }
    (out, failed)
}

fn parse_body(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<TypeRef> {
    let bwhat = format!("`body` of {what}");
    let name = match node {
        Node::Mapping(_) => {
            let map = Map::of(src, node, &bwhat, d)?;
            map.allow(src, &["schema"], &bwhat, d);
            map.req_str(src, "schema", &bwhat, d)?
        }
        _ => yaml::string(src, node, &bwhat, d)?,
    };
    if !names::is_pascal_case(&name.value) {
        d.error_help(
            &name.loc,
            format!("{bwhat} must name an object schema"),
            "declare the body under `schemas:` and name it here",
        );
        return None;
    }
    Some(TypeRef {
        kind: TypeKind::Named(name.value),
        loc: name.loc,
    })
}

fn parse_query_uses(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Vec<QueryUse> {
    let Some(list) = node.as_sequence() else {
        d.error_help(
            &src.node_loc(node),
            format!("`queries` of {what} must be a list"),
            "write `queries: [catalog.get_product]`",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in list.iter() {
        let loc = src.node_loc(item);
        let qwhat = format!("a query of {what}");
        match item {
            Node::Scalar(s) => out.push(QueryUse {
                query: Spanned::new(s.as_str().to_owned(), loc.clone()),
                into: None,
                bind: Vec::new(),
                paginate: None,
                loc,
            }),
            Node::Mapping(_) => {
                let Some(map) = Map::of(src, item, &qwhat, d) else {
                    continue;
                };
                map.allow(src, &["query", "into", "bind", "paginate"], &qwhat, d);
                let Some(query) = map.req_str(src, "query", &qwhat, d) else {
                    continue;
                };
                let bind = match map.get("bind") {
                    Some(b) => match Map::of(src, b, &format!("`bind` of {qwhat}"), d) {
                        Some(bm) => bm
                            .entries()
                            .filter_map(|(k, v)| {
                                let input = yaml::string(src, v, "a `bind` input", d)?;
                                Some((
                                    Spanned::new(k.as_str().to_owned(), src.loc(k.span())),
                                    input,
                                ))
                            })
                            .collect(),
                        None => Vec::new(),
                    },
                    None => Vec::new(),
                };
                let paginate = map
                    .get("paginate")
                    .and_then(|p| parse_paginate(src, p, &qwhat, d));
                out.push(QueryUse {
                    query,
                    into: map.opt_str(src, "into", &qwhat, d),
                    bind,
                    paginate,
                    loc,
                });
            }
            Node::Sequence(_) => d.error(&loc, format!("{qwhat} must be a name or a mapping")),
        }
    }
    out
}

fn parse_paginate(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<Paginate> {
    let pwhat = format!("`paginate` of {what}");
    let map = Map::of(src, node, &pwhat, d)?;
    map.allow(src, &["key", "default_limit", "max_limit"], &pwhat, d);
    let key = match map.get("key") {
        Some(k) => yaml::string_list(src, k, &format!("`key` of {pwhat}"), d),
        None => {
            d.error_help(&src.node_loc(node), format!("{pwhat} is missing `key`"), "list the result columns that order the rows uniquely, such as `key: [sort_key, id]`");
            return None;
        }
    };
    let default_limit = map
        .get("default_limit")
        .and_then(|n| yaml::unsigned(src, n, "`default_limit`", d))
        .map_or(20, |s| s.value);
    let max_limit = map
        .get("max_limit")
        .and_then(|n| yaml::unsigned(src, n, "`max_limit`", d))
        .map_or(100, |s| s.value);
    let loc = src.node_loc(node);
    if default_limit == 0 || default_limit > max_limit {
        d.error(&loc, format!("{pwhat}: `default_limit` ({default_limit}) must be between 1 and `max_limit` ({max_limit})"));
    }
    if max_limit > 1000 {
        d.error(
            &loc,
            format!("{pwhat}: `max_limit` ({max_limit}) must be at most 1000"),
        );
    }
    Some(Paginate {
        key,
        default_limit,
        max_limit,
        loc,
    })
}

fn parse_responses(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Vec<Response> {
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
        if !name
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
