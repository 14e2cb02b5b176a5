//! Declared examples: a request and the answer it gets, replayed by tests
//! and shown in the document.

use super::Spanned;
use crate::diag::Loc;

/// A JSON value as written in the spec, with the location of every part,
/// so that a value that breaks its schema is reported where it is.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Where the value starts.
    pub loc: Loc,
    /// The value.
    pub value: SampleValue,
}

/// The kinds of JSON value.
#[derive(Debug, Clone)]
pub enum SampleValue {
    /// A scalar: `null`, a boolean, a number or a string.
    Scalar(serde_json::Value),
    /// A list.
    Array(Vec<Sample>),
    /// A mapping, in file order.
    Object(Vec<(Spanned<String>, Sample)>),
}

impl Sample {
    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            SampleValue::Scalar(v) => v.clone(),
            SampleValue::Array(items) => items.iter().map(Sample::to_json).collect(),
            SampleValue::Object(members) => serde_json::Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// One declared example of an endpoint (`examples:`).
#[derive(Debug, Clone)]
pub struct Example {
    /// Its name: the key under `examples`.
    pub name: Spanned<String>,
    /// One line saying what it shows.
    pub summary: Option<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// `as:`, who sends it; absent for an anonymous request.
    pub caller: Option<ExampleCaller>,
    /// `path:`, a value for every path parameter.
    pub path: Vec<(Spanned<String>, Sample)>,
    /// `query:`, query parameters.
    pub query: Vec<(Spanned<String>, Sample)>,
    /// `headers:`, request headers, by wire name.
    pub headers: Vec<(Spanned<String>, Sample)>,
    /// `body:`, the JSON request body.
    pub body: Option<Sample>,
    /// `status:`, the status of the answer.
    pub status: Spanned<u16>,
    /// `response:`, the answer's body, or the members of it that matter.
    pub response: Option<Sample>,
    /// Where the example was written.
    pub loc: Loc,
}

/// `as:`: a role and the claims of a caller with it.
#[derive(Debug, Clone)]
pub struct ExampleCaller {
    /// The role.
    pub role: Spanned<String>,
    /// Claim values, by claim name.
    pub claims: Vec<(Spanned<String>, Sample)>,
    /// Where `as:` was written.
    pub loc: Loc,
}
