//! Types with their constraints, as fields, parameters and headers write
//! them: a bare name, a one-item list, or a mapping.

use marked_yaml::Node;

use super::{PRIMITIVES, parse_enum_values, primitive_list};
use crate::diag::{Diagnostics, Loc};
use crate::names;
use crate::spec::model::*;
use crate::spec::yaml::{self, Map, Src};

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
pub(super) fn parse_value<'a>(
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

pub(super) fn named_type(
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
        example: map.get("example").map(|node| yaml::sample(src, node)),
        default: map
            .get("default")
            .map(|n| Spanned::new(yaml::scalar(n), src.node_loc(n))),
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
