//! Security in the document: an `http` `bearer` scheme per scheme of the
//! spec, each operation's `security` (an empty list for public ones, the
//! admitted roles otherwise), and what an operation's readers need to know
//! about who may call it.

use utoipa::openapi::schema::ComponentsBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};

use super::Docs;
use crate::check::plan::{EndpointPlan, SchemePlan, Ty};
use crate::names;

impl Docs<'_> {
    /// Adds the spec's schemes to the components.
    pub(super) fn security_schemes(&self, mut components: ComponentsBuilder) -> ComponentsBuilder {
        for scheme in &self.plan.security.schemes {
            let http = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(self.scheme_description(scheme)))
                .build();
            components = components.security_scheme(&scheme.name, SecurityScheme::Http(http));
        }
        components
    }

    fn scheme_description(&self, scheme: &SchemePlan) -> String {
        let security = &self.plan.security;
        let mut out = String::new();
        if let Some(description) = &scheme.description {
            out.push_str(description.trim_end());
            out.push_str("\n\n");
        }
        let algorithms: Vec<&str> = scheme.keys.iter().map(|(a, _)| a.name()).collect();
        out.push_str(&format!(
            "A JWT (RFC 7519) sent as `Authorization: Bearer <token>`, signed with {}. It must carry `exp`",
            names::one_of(&algorithms)
        ));
        if let Some(issuer) = &scheme.issuer {
            out.push_str(&format!(", `iss` equal to `{issuer}`"));
        }
        if let Some(audience) = &scheme.audience {
            out.push_str(&format!(", `aud` naming `{audience}`"));
        }
        out.push_str(&format!(
            " and the caller's role in `{}`",
            security.role_claim
        ));
        if security.claims.is_empty() {
            out.push('.');
        } else {
            out.push_str(", with these claims:\n");
            for claim in &security.claims {
                let ty = match claim.ty {
                    Ty::I64 => "integer",
                    _ => "string",
                };
                let presence = if claim.optional { ", optional" } else { "" };
                out.push_str(&format!("\n- `{}` ({ty}{presence})", claim.claim));
                if let Some(description) = &claim.description {
                    out.push_str(&format!(": {description}"));
                }
            }
        }
        out.push_str("\n\nRoles its tokens may carry:\n");
        let index = security
            .schemes
            .iter()
            .position(|s| s.name == scheme.name)
            .unwrap_or(usize::MAX);
        for role in security.roles.iter().filter(|r| r.granted_by(index)) {
            out.push_str(&format!("\n- `{}`", role.name));
            if let Some(description) = &role.description {
                out.push_str(&format!(": {description}"));
            }
            if let Some(owner) = role.owner.and_then(|o| security.claims.get(o)) {
                out.push_str(&format!(
                    " Sees and changes only the data its `{}` owns.",
                    owner.claim
                ));
            }
        }
        out.push_str(
            "\n\nA missing, expired or invalid token is a 401 problem with a `WWW-Authenticate: Bearer` challenge; a role the operation does not admit is a 403.",
        );
        out
    }

    /// The operation's `security`: empty for a public one, else one
    /// requirement per accepted scheme listing the admitted roles (OpenAPI
    /// 3.1 lets non-OAuth schemes list roles there).
    pub(super) fn requirements(&self, endpoint: &EndpointPlan) -> Vec<SecurityRequirement> {
        let Some(access) = &endpoint.access else {
            return Vec::new();
        };
        let security = &self.plan.security;
        access
            .schemes
            .iter()
            .filter_map(|&s| {
                let scheme = security.schemes.get(s)?;
                // The roles this scheme's tokens may grant, of those admitted.
                let roles: Vec<&str> = access
                    .roles
                    .iter()
                    .filter_map(|&r| security.roles.get(r))
                    .filter(|r| r.granted_by(s))
                    .map(|r| r.name.as_str())
                    .collect();
                (!roles.is_empty()).then(|| SecurityRequirement::new(&scheme.name, roles))
            })
            .collect()
    }

    /// Who may call, for the operation's description.
    pub(super) fn access_note(&self, endpoint: &EndpointPlan) -> Option<String> {
        if self.plan.security.schemes.is_empty() {
            return None;
        }
        let Some(access) = &endpoint.access else {
            return Some("**Access:** public; no token is needed.".to_owned());
        };
        let security = &self.plan.security;
        let roles: Vec<String> = access
            .roles
            .iter()
            .filter_map(|&r| security.roles.get(r))
            .map(|r| match r.owner.and_then(|o| security.claims.get(o)) {
                Some(owner) => format!("`{}` (only what its `{}` owns)", r.name, owner.claim),
                None => format!("`{}`", r.name),
            })
            .collect();
        Some(format!(
            "**Access:** a bearer token with the role {}.",
            names::join_or(&roles)
        ))
    }

    /// What a role-limited parameter's description adds.
    pub(super) fn param_roles_note(&self, roles: &[usize]) -> String {
        let names: Vec<&str> = roles
            .iter()
            .filter_map(|&r| self.plan.security.roles.get(r))
            .map(|r| r.name.as_str())
            .collect();
        format!(
            "Only the {} role{} may send it; any other caller gets a 403.",
            names::one_of(&names),
            if names.len() > 1 { "s" } else { "" }
        )
    }
}
