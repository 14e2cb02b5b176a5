//! Reading marked YAML nodes with located errors: the small vocabulary the
//! spec parser is written in.

use std::rc::Rc;

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{Node, Span};

use super::model::{Sample, SampleValue, Scalar, Spanned};
use crate::diag::{Diagnostics, Loc};
use crate::names;

/// The file being read, for locations.
#[derive(Debug, Clone)]
pub struct Src {
    /// Display path.
    pub file: Rc<str>,
}

impl Src {
    /// The location where `span` starts.
    pub fn loc(&self, span: &Span) -> Loc {
        match span.start() {
            Some(m) => Loc::new(&self.file, m.line(), m.column()),
            None => Loc::file_start(&self.file),
        }
    }

    /// The location of `node`.
    pub fn node_loc(&self, node: &Node) -> Loc {
        self.loc(node.span())
    }
}

fn describe(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) => "a scalar",
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
    }
}

/// A mapping being read.
#[derive(Debug, Clone, Copy)]
pub struct Map<'a> {
    /// The node.
    pub node: &'a MarkedMappingNode,
}

impl<'a> Map<'a> {
    /// `node` as a mapping, or an error saying what `what` should be.
    pub fn of(src: &Src, node: &'a Node, what: &str, d: &mut Diagnostics) -> Option<Self> {
        match node {
            Node::Mapping(node) => Some(Map { node }),
            other => {
                d.error(
                    &src.node_loc(other),
                    format!("{what} must be a mapping, found {}", describe(other)),
                );
                None
            }
        }
    }

    /// Reports every key not in `allowed`.
    pub fn allow(&self, src: &Src, allowed: &[&str], what: &str, d: &mut Diagnostics) {
        for key in self.node.keys() {
            if !allowed.contains(&key.as_str()) {
                let help = names::did_you_mean(key.as_str(), allowed.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("expected one of {}", names::one_of(allowed)));
                d.error_help(
                    &src.loc(key.span()),
                    format!("unknown key `{}` in {what}", key.as_str()),
                    help,
                );
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get_node(key)
    }

    /// The entries in file order.
    pub fn entries(&self) -> impl Iterator<Item = (&'a MarkedScalarNode, &'a Node)> + 'a {
        self.node.iter()
    }

    /// The location of the key `key` if present.
    pub fn key_loc(&self, src: &Src, key: &str) -> Option<Loc> {
        self.node
            .keys()
            .find(|k| k.as_str() == key)
            .map(|k| src.loc(k.span()))
    }

    /// A required string value.
    pub fn req_str(
        &self,
        src: &Src,
        key: &str,
        what: &str,
        d: &mut Diagnostics,
    ) -> Option<Spanned<String>> {
        match self.get(key) {
            Some(node) => string(src, node, &format!("`{key}` of {what}"), d),
            None => {
                d.error(
                    &src.loc(self.node.span()),
                    format!("{what} is missing `{key}`"),
                );
                None
            }
        }
    }

    /// An optional string value.
    pub fn opt_str(
        &self,
        src: &Src,
        key: &str,
        what: &str,
        d: &mut Diagnostics,
    ) -> Option<Spanned<String>> {
        self.get(key)
            .and_then(|node| string(src, node, &format!("`{key}` of {what}"), d))
    }

    /// An optional boolean, `false` when absent.
    pub fn flag(&self, src: &Src, key: &str, what: &str, d: &mut Diagnostics) -> bool {
        self.get(key)
            .and_then(|node| boolean(src, node, &format!("`{key}` of {what}"), d))
            .unwrap_or(false)
    }
}

/// A scalar as text.
pub fn string(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<Spanned<String>> {
    match node {
        Node::Scalar(s) => Some(Spanned::new(s.as_str().to_owned(), src.loc(s.span()))),
        other => {
            d.error(
                &src.node_loc(other),
                format!("{what} must be a string, found {}", describe(other)),
            );
            None
        }
    }
}

/// A scalar as a boolean.
pub fn boolean(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<bool> {
    let parsed = node.as_scalar().and_then(MarkedScalarNode::as_bool);
    if parsed.is_none() {
        d.error(&src.node_loc(node), format!("{what} must be true or false"));
    }
    parsed
}

/// A scalar as a non-negative integer.
pub fn unsigned(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<Spanned<u64>> {
    let parsed = node.as_scalar().and_then(MarkedScalarNode::as_u64);
    if parsed.is_none() {
        d.error(
            &src.node_loc(node),
            format!("{what} must be a non-negative integer"),
        );
    }
    parsed.map(|v| Spanned::new(v, src.node_loc(node)))
}

/// A scalar as a number.
pub fn number(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<Spanned<f64>> {
    let parsed = node
        .as_scalar()
        .and_then(|s| s.as_i64().map(|i| i as f64).or_else(|| s.as_f64()))
        .filter(|f| f.is_finite());
    if parsed.is_none() {
        d.error(&src.node_loc(node), format!("{what} must be a number"));
    }
    parsed.map(|v| Spanned::new(v, src.node_loc(node)))
}

/// A list of strings; a single scalar is accepted as a list of one.
pub fn string_list(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<Spanned<String>> {
    match node {
        Node::Sequence(items) => items
            .iter()
            .filter_map(|item| string(src, item, &format!("an item of {what}"), d))
            .collect(),
        Node::Scalar(_) => string(src, node, what, d).into_iter().collect(),
        Node::Mapping(_) => {
            d.error(
                &src.node_loc(node),
                format!("{what} must be a list of strings"),
            );
            Vec::new()
        }
    }
}

/// A mapping of names to strings (`bind:`, `keys:`), both located; `what`
/// names the mapping and `value` its values, for messages.
pub fn string_map(
    src: &Src,
    node: &Node,
    what: &str,
    value: &str,
    d: &mut Diagnostics,
) -> Vec<(Spanned<String>, Spanned<String>)> {
    let Some(map) = Map::of(src, node, what, d) else {
        return Vec::new();
    };
    map.entries()
        .filter_map(|(key, node)| {
            let text = string(src, node, value, d)?;
            Some((
                Spanned::new(key.as_str().to_owned(), src.loc(key.span())),
                text,
            ))
        })
        .collect()
}

/// A YAML value as the JSON it stands for: an unquoted scalar that reads as
/// a boolean, `null`, an integer or a finite number is one; anything else
/// is a string. Every part keeps where it was written.
pub fn sample(src: &Src, node: &Node) -> Sample {
    let value = match node {
        Node::Scalar(s) => SampleValue::Scalar(scalar_json(s)),
        Node::Sequence(items) => {
            SampleValue::Array(items.iter().map(|item| sample(src, item)).collect())
        }
        Node::Mapping(map) => SampleValue::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        Spanned::new(k.as_str().to_owned(), src.loc(k.span())),
                        sample(src, v),
                    )
                })
                .collect(),
        ),
    };
    Sample {
        loc: src.node_loc(node),
        value,
    }
}

fn scalar_json(s: &MarkedScalarNode) -> serde_json::Value {
    use serde_json::Value;
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
        return Value::from(i);
    }
    if let Some(f) = s.as_f64().filter(|f| f.is_finite()) {
        return Value::from(f);
    }
    Value::String(text.to_owned())
}

/// A scalar node as written; `None` for a list or mapping.
pub fn scalar(node: &Node) -> Option<Scalar> {
    node.as_scalar().map(|s| Scalar {
        text: s.as_str().to_owned(),
        coercible: s.may_coerce(),
    })
}
