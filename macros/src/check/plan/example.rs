//! Declared examples, checked: who sends them, what they send and what
//! they get.

use serde_json::Value;

/// One example of an endpoint.
#[derive(Debug, Clone)]
pub struct ExamplePlan {
    /// Its name, unique in the endpoint.
    pub name: String,
    /// One line saying what it shows.
    pub summary: Option<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// Who sends it; `None` for an anonymous request.
    pub caller: Option<CallerPlan>,
    /// Path parameters by name.
    pub path: Vec<(String, Value)>,
    /// Query parameters by name.
    pub query: Vec<(String, Value)>,
    /// Request headers by name, as written.
    pub headers: Vec<(String, Value)>,
    /// The JSON request body.
    pub body: Option<Value>,
    /// The answer's status.
    pub status: u16,
    /// The answer's body, or the members of it that matter.
    pub response: Option<Value>,
}

/// The caller of an example: a token of `scheme` with `role` and `claims`.
#[derive(Debug, Clone)]
pub struct CallerPlan {
    /// The role.
    pub role: String,
    /// The scheme whose tokens grant it here.
    pub scheme: String,
    /// The other claims, by JWT payload member.
    pub claims: Vec<(String, Value)>,
}
