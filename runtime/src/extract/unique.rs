//! Parsing JSON whose objects give each member once.
//!
//! RFC 8259 leaves an object with a repeated member name to the parser,
//! and parsers disagree (most keep the last value, some the first). Two
//! readers of one request could then see two different requests, so keel
//! refuses them: a request body with a repeated member is a 422 naming each
//! repeat, and a token with one is not valid. This parser reads JSON as
//! `serde_json` does and notes where each repeat is.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value as Json};

use super::escape_pointer;

/// A JSON text and the pointers of its repeated members.
#[derive(Debug)]
pub struct Parsed {
    /// The value, with the last of each repeated member (as `serde_json`).
    pub value: Json,
    /// The JSON pointer (under the root given to [`parse`]) of each member
    /// given more than once, in the order found.
    pub repeated: Vec<String>,
}

/// Parses `bytes` as one JSON value; `root` prefixes the pointers
/// (`#/body`).
pub fn parse(bytes: &[u8], root: &str) -> Result<Parsed, serde_json::Error> {
    let mut repeated = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Node {
        at: At::Root(root),
        repeated: &mut repeated,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(Parsed { value, repeated })
}

/// Where a value is: built into a pointer only when a repeat is found.
#[derive(Clone, Copy)]
enum At<'a> {
    Root(&'a str),
    Member(&'a At<'a>, &'a str),
    Item(&'a At<'a>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root(root) => (*root).to_owned(),
            At::Member(parent, name) => format!("{}/{}", parent.pointer(), escape_pointer(name)),
            At::Item(parent, index) => format!("{}/{index}", parent.pointer()),
        }
    }
}

struct Node<'a, 'r> {
    at: At<'a>,
    repeated: &'r mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        loop {
            let at = At::Item(&self.at, items.len());
            let node = Node {
                at,
                repeated: &mut *self.repeated,
            };
            match seq.next_element_seed(node)? {
                Some(item) => items.push(item),
                None => return Ok(Json::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Json, A::Error> {
        let mut map = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            let at = At::Member(&self.at, &name);
            if map.contains_key(&name) {
                self.repeated.push(at.pointer());
            }
            let value = access.next_value_seed(Node {
                at,
                repeated: &mut *self.repeated,
            })?;
            map.insert(name, value);
        }
        Ok(Json::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_members_are_found_at_any_depth() {
        let parsed = parse(
            br#"{"status":"cancelled","status":"paid","items":[{"sku":"A","sku":"B"}],"a/b":{"x":1,"x":2}}"#,
            "#/body",
        )
        .unwrap();
        assert_eq!(
            parsed.repeated,
            ["#/body/status", "#/body/items/0/sku", "#/body/a~1b/x"]
        );
        assert_eq!(
            parsed.value["status"], "paid",
            "the last wins, as serde_json"
        );
        let plain = parse(br#"{"a":[1,2.5,null,true,"s"],"b":{"c":{}}}"#, "#").unwrap();
        assert!(plain.repeated.is_empty());
        assert_eq!(
            plain.value,
            serde_json::json!({"a":[1,2.5,null,true,"s"],"b":{"c":{}}})
        );
        assert!(parse(b"{\"a\":1} x", "#").is_err());
    }
}
