//! Parsing JSON whose objects give each member once.
//!
//! RFC 8259 leaves an object with a repeated member name to the parser,
//! and parsers disagree (most keep the last value, some the first). Two
//! readers of one request could then see two different requests, so keel
//! refuses them: a request body with a repeated member is a 422 naming each
//! repeat, and a token with one is not valid. This parser reads JSON as
//! `serde_json` does and notes where each repeat is.
//!
//! The value it builds, [`Json`], borrows every string it can (those
//! without escapes) from the text, and keeps an object's members in a
//! vector in the order given: reading a request body allocates one vector
//! per object and array, and nothing per member.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Number;

use super::escape_pointer;

/// A JSON value whose strings borrow from the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as `serde_json` reads it.
    Number(Number),
    /// A string.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object's members, in the order given (names unique once
    /// [`Parsed::repeated`] is empty).
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// An object's members, in the order the client wrote them.
pub type Object<'a> = [(Cow<'a, str>, Json<'a>)];

/// The member `name` of `object`.
pub fn member<'j, 'a>(object: &'j Object<'a>, name: &str) -> Option<&'j Json<'a>> {
    object.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

impl<'a> Json<'a> {
    /// The member `name` of an object.
    pub fn get(&self, name: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => member(members, name),
            _ => None,
        }
    }

    /// The value as JSON text, with each object's members ordered by name
    /// (as `serde_json::Value` writes them).
    pub fn to_json_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut sorted: Vec<&(Cow<'_, str>, Json<'_>)> = members.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                let mut map = serializer.serialize_map(Some(sorted.len()))?;
                for (name, value) in sorted {
                    map.serialize_entry(name.as_ref(), value)?;
                }
                map.end()
            }
        }
    }
}

/// A JSON text and the pointers of its repeated members.
#[derive(Debug)]
pub struct Parsed<'a> {
    /// The value, every member kept where it appeared.
    pub value: Json<'a>,
    /// The JSON pointer (under the root given to [`parse`]) of each member
    /// given more than once, in the order found.
    pub repeated: Vec<String>,
}

/// Parses `bytes` as one JSON value; `root` prefixes the pointers
/// (`#/body`).
pub fn parse<'a>(bytes: &'a [u8], root: &str) -> Result<Parsed<'a>, serde_json::Error> {
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
    type Value = Json<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// A member name, borrowed when it has no escapes.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Objects up to this many members are searched for repeats one by one;
/// larger ones through a set, so that a huge object is not quadratic.
const SCAN_MEMBERS: usize = 16;

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
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

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut members: Vec<(Cow<'de, str>, Json<'de>)> = Vec::new();
        let mut names: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(name) = access.next_key_seed(Name)? {
            let seen = if members.len() < SCAN_MEMBERS {
                members.iter().any(|(n, _)| *n == name)
            } else {
                if names.is_empty() {
                    names.extend(members.iter().map(|(n, _)| n.clone()));
                }
                !names.insert(name.clone())
            };
            let at = At::Member(&self.at, &name);
            if seen {
                self.repeated.push(at.pointer());
            }
            let value = access.next_value_seed(Node {
                at,
                repeated: &mut *self.repeated,
            })?;
            members.push((name, value));
        }
        Ok(Json::Object(members))
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
        let plain = parse(br#"{"b":{"c":{}},"a":[1,2.5,null,true,"s\"q"]}"#, "#").unwrap();
        assert!(plain.repeated.is_empty());
        assert_eq!(
            plain.value.to_json_text(),
            serde_json::json!({"a":[1,2.5,null,true,"s\"q"],"b":{"c":{}}}).to_string(),
            "written back as serde_json writes the same value"
        );
        assert!(parse(b"{\"a\":1} x", "#").is_err());
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let parsed = parse(br#"{"sku":"A-1","note":"line\nbreak"}"#, "#").unwrap();
        assert!(matches!(
            parsed.value.get("sku"),
            Some(Json::String(Cow::Borrowed("A-1")))
        ));
        assert!(
            matches!(parsed.value.get("note"), Some(Json::String(Cow::Owned(s))) if s == "line\nbreak")
        );
    }

    #[test]
    fn repeats_in_large_objects_are_found_too() {
        let members: Vec<String> = (0..40).map(|i| format!("\"m{i}\":{i}")).collect();
        let text = format!("{{{},\"m3\":0,\"m39\":1}}", members.join(","));
        let parsed = parse(text.as_bytes(), "#").unwrap();
        assert_eq!(parsed.repeated, ["#/m3", "#/m39"]);
    }
}
