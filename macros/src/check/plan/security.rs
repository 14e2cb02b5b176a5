//! The security model: schemes, roles, claims, and who may call an
//! endpoint.

use super::Ty;

/// A value of the authenticated caller that SQL can bind (`:auth_<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRef {
    /// The caller's role, as its name.
    Role,
    /// Declared claim `n`.
    Claim(usize),
}

/// The security model: how callers are verified and what they can be.
#[derive(Debug, Clone, Default)]
pub struct SecurityPlan {
    /// Schemes, in declaration order.
    pub schemes: Vec<SchemePlan>,
    /// The claim naming the role.
    pub role_claim: String,
    /// Roles, in declaration order.
    pub roles: Vec<RolePlan>,
    /// Claims, in declaration order.
    pub claims: Vec<ClaimPlan>,
}

impl SecurityPlan {
    /// The Rust field and SQL suffix of a claim reference (`role`, `sub`).
    pub fn claim_name(&self, claim: ClaimRef) -> &str {
        match claim {
            ClaimRef::Role => "role",
            ClaimRef::Claim(i) => self.claims.get(i).map_or("", |c| c.name.as_str()),
        }
    }
}

/// The algorithms a scheme can accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC-SHA256 with a shared secret.
    Hs256,
    /// Ed25519 with the issuer's public key.
    EdDsa,
}

impl Algorithm {
    /// Every algorithm, by its JOSE name.
    pub const ALL: &'static [(&'static str, Algorithm)] =
        &[("HS256", Algorithm::Hs256), ("EdDSA", Algorithm::EdDsa)];

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::EdDsa => "EdDSA",
        }
    }
}

/// A bearer-JWT scheme.
#[derive(Debug, Clone)]
pub struct SchemePlan {
    /// Name.
    pub name: String,
    /// Docs.
    pub description: Option<String>,
    /// Accepted algorithms and the variables holding their keys.
    pub keys: Vec<(Algorithm, String)>,
    /// Required `iss`.
    pub issuer: Option<String>,
    /// Required `aud`.
    pub audience: Option<String>,
    /// Allowed clock skew in seconds.
    pub leeway: u64,
}

/// A role.
#[derive(Debug, Clone)]
pub struct RolePlan {
    /// Name, as the role claim carries it.
    pub name: String,
    /// Rust variant.
    pub variant: String,
    /// Docs.
    pub description: Option<String>,
    /// The claim that scopes its data.
    pub owner: Option<usize>,
    /// The schemes whose tokens may grant it (every scheme when empty).
    pub schemes: Vec<usize>,
}

impl RolePlan {
    /// Whether tokens of scheme `index` may grant this role.
    pub fn granted_by(&self, index: usize) -> bool {
        self.schemes.is_empty() || self.schemes.contains(&index)
    }
}

/// A claim.
#[derive(Debug, Clone)]
pub struct ClaimPlan {
    /// Name in SQL and Rust.
    pub name: String,
    /// Member of the JWT payload.
    pub claim: String,
    /// `I64` or `Str(None)`.
    pub ty: Ty,
    /// May be absent.
    pub optional: bool,
    /// Docs.
    pub description: Option<String>,
}

/// Who may call a protected endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPlan {
    /// Accepted schemes.
    pub schemes: Vec<usize>,
    /// Admitted roles.
    pub roles: Vec<usize>,
}
