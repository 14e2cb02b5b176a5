//! Who may call what: the security model checked and resolved, each
//! endpoint's callers, the caller's claims as SQL bindings, and the rule
//! that makes owner scoping a compile-time guarantee: an endpoint that
//! admits a role whose data belongs to its callers must bind the claim
//! that says which caller it is.

use super::plan::*;
use crate::diag::{Diagnostics, Loc};
use crate::names;
use crate::spec::{self, Access, Endpoint, Spanned, TypeKind};

/// What one query of an endpoint binds, for the owner-scoping rule.
pub struct StatementScope<'a> {
    /// `file.name`.
    pub query: &'a str,
    /// Its entry under `queries:`.
    pub loc: &'a Loc,
    /// Whether its row is the response's root (no row: a 404).
    pub root: bool,
    /// Whether it writes.
    pub writes: bool,
    /// The claims it binds.
    pub claims: Vec<ClaimRef>,
}

/// The variable names accepted for keys: what a shell, `.dev.vars` and
/// `wrangler secret put` all accept.
fn is_variable_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The prefix of SQL parameters bound to the caller's claims.
pub const CLAIM_PREFIX: &str = "auth_";

/// The security model while the spec is checked: the plan, and where each
/// part was declared, for messages.
pub struct SecurityModel<'a> {
    /// What is generated.
    pub plan: SecurityPlan,
    decl: Option<&'a spec::Security>,
    /// Where each claim's type was written, in plan order.
    claim_locs: Vec<Loc>,
}

impl<'a> SecurityModel<'a> {
    /// Checks `security:` and resolves it.
    pub fn build(decl: Option<&'a spec::Security>, d: &mut Diagnostics) -> Self {
        let mut model = SecurityModel {
            plan: SecurityPlan {
                role_claim: "role".to_owned(),
                ..SecurityPlan::default()
            },
            decl,
            claim_locs: Vec::new(),
        };
        let Some(decl) = decl else {
            return model;
        };
        if let Some(role_claim) = &decl.role_claim {
            if role_claim.value.is_empty() {
                d.error(&role_claim.loc, "`role_claim` must name a claim");
            }
            model.plan.role_claim = role_claim.value.clone();
        }
        model.plan.schemes = decl.schemes.iter().map(|s| scheme(s, d)).collect();
        check_shared_variables(decl, &model.plan, d);
        for (i, s) in decl.schemes.iter().enumerate() {
            if decl.schemes[..i]
                .iter()
                .any(|o| o.name.value == s.name.value)
            {
                d.error(
                    &s.name.loc,
                    format!("scheme `{}` is declared twice", s.name.value),
                );
            }
        }
        for (i, claim) in decl.claims.iter().enumerate() {
            let name = &claim.name.value;
            if name == "role" {
                d.error_help(
                    &claim.name.loc,
                    "claim name `role` is taken by the caller's role (`:auth_role`)",
                    "the role is read from `role_claim`; give this claim another name",
                );
            }
            if decl.claims[..i].iter().any(|c| c.name.value == *name) {
                d.error(&claim.name.loc, format!("claim `{name}` is declared twice"));
            }
            let ty = match &claim.spec.ty.kind {
                TypeKind::Integer { int32: false } => Ty::I64,
                TypeKind::String { format: None } => Ty::Str(None),
                _ => {
                    d.error_help(
                        &claim.spec.ty.loc,
                        format!("claim `{name}` must be an `integer` (int64) or a `string`"),
                        "a claim is one value that SQL binds, such as a customer id",
                    );
                    Ty::Any
                }
            };
            if claim.spec.nullable || claim.spec.default.is_some() {
                d.error_help(
                    &claim.spec.ty.loc,
                    format!("claim `{name}` cannot be `nullable` or have a `default`"),
                    "mark it `optional: true` if tokens may lack it (it then binds NULL)",
                );
            }
            model.plan.claims.push(ClaimPlan {
                name: name.clone(),
                claim: claim
                    .claim
                    .as_ref()
                    .map_or_else(|| name.clone(), |c| c.value.clone()),
                ty,
                optional: claim.optional,
                description: claim.spec.description.clone(),
            });
            model.claim_locs.push(claim.spec.ty.loc.clone());
        }
        for (i, role) in decl.roles.iter().enumerate() {
            let name = &role.name.value;
            if name == "public" {
                d.error_help(
                    &role.name.loc,
                    "role name `public` is taken: `auth: public` opens an endpoint to everyone",
                    "choose another name",
                );
            }
            if decl.roles[..i].iter().any(|r| r.name.value == *name) {
                d.error(&role.name.loc, format!("role `{name}` is declared twice"));
            }
            let owner = role.owner.as_ref().and_then(|owner| {
                let found = model.plan.claims.iter().position(|c| c.name == owner.value);
                match found {
                    None => d.error_suggest(
                        &owner.loc,
                        format!(
                            "role `{name}`: owner claim `{}` is not declared under `security.claims`",
                            owner.value
                        ),
                        &owner.value,
                        model.plan.claims.iter().map(|c| c.name.as_str()),
                    ),
                    Some(i) if model.plan.claims[i].optional => d.error_help(
                        &owner.loc,
                        format!("role `{name}`: owner claim `{}` is optional", owner.value),
                        "a caller of an owner-scoped role must always say who they are: make the claim required",
                    ),
                    Some(_) => {}
                }
                found
            });
            let scheme_names: Vec<&str> =
                decl.schemes.iter().map(|s| s.name.value.as_str()).collect();
            let schemes = match &role.schemes {
                Some(list) => resolve_list(
                    list,
                    "scheme",
                    &scheme_names,
                    &role.name.loc,
                    &format!("role `{name}`"),
                    d,
                ),
                None => Vec::new(),
            };
            model.plan.roles.push(RolePlan {
                name: name.clone(),
                variant: names::to_pascal_case(name),
                description: role.description.clone(),
                owner,
                schemes,
            });
        }
        model
    }

    /// The resolved model.
    pub fn into_plan(self) -> SecurityPlan {
        self.plan
    }

    fn role_names(&self) -> Vec<&str> {
        self.plan.roles.iter().map(|r| r.name.as_str()).collect()
    }

    /// Who may call `endpoint`: `Some(None)` when it is public, `None` when
    /// its `auth:` is wrong (reported).
    pub fn access(
        &self,
        endpoint: &Endpoint,
        what: &str,
        d: &mut Diagnostics,
    ) -> Option<Option<AccessPlan>> {
        let all_schemes: Vec<usize> = (0..self.plan.schemes.len()).collect();
        let all_roles: Vec<usize> = (0..self.plan.roles.len()).collect();
        let callers = match &endpoint.access {
            Some(Access::Public(_)) => return Some(None),
            Some(Access::Callers(callers)) => Some(callers),
            None => None,
        };
        if self.plan.schemes.is_empty() {
            let loc = callers.map_or(&endpoint.id.loc, |c| &c.loc);
            d.error_help(
                loc,
                format!("{what} needs an authenticated caller (endpoints are closed unless they say `auth: public`), but the spec declares no security schemes"),
                "declare `security:` with a scheme and roles (see docs/security.md), or open the endpoint with `auth: public`",
            );
            return None;
        }
        let Some(callers) = callers else {
            return Some(Some(AccessPlan {
                schemes: all_schemes,
                roles: all_roles,
            }));
        };
        let errors = d.count();
        let roles = match &callers.roles {
            Some(list) => resolve_list(list, "role", &self.role_names(), &callers.loc, what, d),
            None => all_roles,
        };
        let scheme_names: Vec<&str> = self.plan.schemes.iter().map(|s| s.name.as_str()).collect();
        let schemes = match &callers.schemes {
            Some(list) => resolve_list(list, "scheme", &scheme_names, &callers.loc, what, d),
            None => all_schemes,
        };
        for &role in &roles {
            let Some(plan) = self.plan.roles.get(role) else {
                continue;
            };
            if !schemes.iter().any(|&s| plan.granted_by(s)) && d.count() == errors {
                d.error_help(
                    &callers.loc,
                    format!(
                        "{what} admits role `{}`, but none of the schemes it accepts may grant that role",
                        plan.name
                    ),
                    "accept a scheme the role names under `security.roles`, or do not admit the role here",
                );
            }
        }
        (d.count() == errors).then_some(Some(AccessPlan { schemes, roles }))
    }

    /// The claim a SQL parameter named `auth_<claim>` binds, if any.
    pub fn claim_of_param(&self, param: &str) -> Option<ClaimRef> {
        self.claim_named(param.strip_prefix(CLAIM_PREFIX)?)
    }

    /// The claim `name` (`role` or a declared claim).
    pub fn claim_named(&self, name: &str) -> Option<ClaimRef> {
        self.decl?;
        if name == "role" {
            return Some(ClaimRef::Role);
        }
        self.plan
            .claims
            .iter()
            .position(|c| c.name == name)
            .map(ClaimRef::Claim)
    }

    /// Every claim binding, as SQL names it (`auth_role`, `auth_sub`).
    pub fn param_names(&self) -> Vec<String> {
        std::iter::once("role")
            .chain(self.plan.claims.iter().map(|c| c.name.as_str()))
            .map(|n| format!("{CLAIM_PREFIX}{n}"))
            .collect()
    }

    /// The type a claim binds as.
    pub fn ty(&self, claim: ClaimRef) -> Ty {
        match claim {
            ClaimRef::Role => Ty::Str(None),
            ClaimRef::Claim(i) => self.plan.claims.get(i).map_or(Ty::Any, |c| c.ty.clone()),
        }
    }

    /// Where a claim's type was declared.
    pub fn type_loc(&self, claim: ClaimRef) -> Option<&Loc> {
        match claim {
            ClaimRef::Role => self
                .decl
                .and_then(|s| s.role_claim.as_ref().map(|r| &r.loc).or(Some(&s.loc))),
            ClaimRef::Claim(i) => self.claim_locs.get(i),
        }
    }

    /// Reports a claim bound on a public endpoint: it has no caller.
    pub fn public_binding(
        &self,
        claim: ClaimRef,
        param: &str,
        query: &str,
        loc: &Loc,
        what: &str,
        d: &mut Diagnostics,
    ) {
        d.error_help(
            loc,
            format!(
                "`:{param}` of query `{query}` is the caller's `{}`, but {what} is public (`auth: public`): it has no caller",
                self.plan.claim_name(claim)
            ),
            "remove `auth: public` so that only authenticated callers reach it, or bind the parameter to an input",
        );
    }

    /// The owner-scoping rule: every admitted role that has an owner claim
    /// must find that claim bound by one of the endpoint's queries and, in
    /// an endpoint implemented by queries, by the query that decides whether
    /// there is anything to answer (its root) and by every query that
    /// writes; unless the spec says why not (`unscoped`).
    pub fn check_scoping(
        &self,
        endpoint: &Endpoint,
        access: &AccessPlan,
        statements: &[StatementScope<'_>],
        what: &str,
        d: &mut Diagnostics,
    ) {
        let callers = match &endpoint.access {
            Some(Access::Callers(c)) => Some(c),
            _ => None,
        };
        let loc = callers.map_or(&endpoint.id.loc, |c| &c.loc);
        let unscoped = callers.and_then(|c| c.unscoped.as_ref());
        let mut scoped_roles = 0;
        for &role in &access.roles {
            let Some(plan) = self.plan.roles.get(role) else {
                continue;
            };
            let Some(owner) = plan.owner else { continue };
            scoped_roles += 1;
            if unscoped.is_some() {
                continue;
            }
            let owner = ClaimRef::Claim(owner);
            let claim = self.plan.claim_name(owner);
            if statements.iter().any(|s| s.claims.contains(&owner)) {
                // Bound somewhere; it must also be where it decides.
                for s in statements.iter().filter(|s| !s.claims.contains(&owner)) {
                    let why = match (s.root, s.writes) {
                        (true, _) => "decides whether there is anything to answer",
                        (false, true) => "writes",
                        (false, false) => continue,
                    };
                    d.error_help(
                        s.loc,
                        format!(
                            "{what} admits role `{}`, whose data is scoped by its `{claim}` claim, and query `{}` {why} without binding `:{CLAIM_PREFIX}{claim}`: one {} could reach another {}'s data through it",
                            plan.name, s.query, plan.name, plan.name
                        ),
                        format!(
                            "bind the claim in `{}` too (`AND owner_column = :{CLAIM_PREFIX}{claim}`), or say why every owner's rows may be reached here: `unscoped: <why>`",
                            s.query
                        ),
                    );
                }
                continue;
            }
            let role_list: Vec<&str> = access
                .roles
                .iter()
                .filter_map(|&r| self.plan.roles.get(r))
                .map(|r| r.name.as_str())
                .collect();
            d.error_help(
                loc,
                format!(
                    "{what} admits role `{}`, whose data is scoped by its `{claim}` claim, but none of its queries binds `:{CLAIM_PREFIX}{claim}`: one {} could read or change another {}'s data",
                    plan.name, plan.name, plan.name
                ),
                format!(
                    "bind the claim where the rows are chosen (`WHERE owner_column = :{CLAIM_PREFIX}{claim}`); if every {} may see every owner's rows here, say so: `auth: {{ roles: [{}], unscoped: <why> }}`",
                    plan.name,
                    role_list.join(", ")
                ),
            );
        }
        if let Some(reason) = unscoped
            && scoped_roles == 0
        {
            d.error_help(
                &reason.loc,
                format!("{what}: `unscoped` has no effect: no role it admits is scoped by an owner claim"),
                "remove `unscoped`",
            );
        }
    }

    /// The roles a parameter is limited to, checked against the endpoint's.
    pub fn param_roles(
        &self,
        roles: &[Spanned<String>],
        loc: &Loc,
        access: Option<&AccessPlan>,
        what: &str,
        d: &mut Diagnostics,
    ) -> Option<Vec<usize>> {
        let Some(access) = access else {
            d.error_help(
                loc,
                format!(
                    "{what}: `roles` limits a parameter to some callers, but the endpoint is public"
                ),
                "remove `roles`, or remove `auth: public`",
            );
            return None;
        };
        let errors = d.count();
        let resolved = resolve_list(roles, "role", &self.role_names(), loc, what, d);
        // Unknown names are reported already; check the rest only when
        // every name resolved, so that names and indexes line up.
        let aligned = resolved.len() == roles.len();
        for (name, index) in roles.iter().zip(&resolved).filter(|_| aligned) {
            if !access.roles.contains(index) {
                d.error(
                    &name.loc,
                    format!(
                        "{what}: role `{}` may not call this endpoint at all",
                        name.value
                    ),
                );
            }
        }
        (d.count() == errors).then_some(resolved)
    }
}

/// A variable holding keys for two algorithms, in two schemes, would let a
/// public key serve as an HMAC secret (the same rule as within a scheme).
fn check_shared_variables(decl: &spec::Security, plan: &SecurityPlan, d: &mut Diagnostics) {
    for (i, (scheme, decl_scheme)) in plan.schemes.iter().zip(&decl.schemes).enumerate() {
        for (algorithm, variable) in &scheme.keys {
            let clash = plan.schemes[..i].iter().find_map(|other| {
                other
                    .keys
                    .iter()
                    .find(|(a, v)| v == variable && a != algorithm)
                    .map(|(a, _)| (other, *a))
            });
            let Some((other, other_algorithm)) = clash else {
                continue;
            };
            let loc = decl_scheme
                .keys
                .iter()
                .find(|(_, v)| v.value == *variable)
                .map_or(&decl_scheme.name.loc, |(_, v)| &v.loc);
            d.error_help(
                loc,
                format!(
                    "scheme `{}`: `{variable}` holds {} keys, but scheme `{}` reads it for {}",
                    scheme.name,
                    algorithm.name(),
                    other.name,
                    other_algorithm.name()
                ),
                "give each algorithm its own variable: a shared secret and a public key must never be confused",
            );
        }
    }
}

/// Resolves names of roles or schemes (`kind`) to their indexes in `known`.
fn resolve_list(
    list: &[Spanned<String>],
    kind: &str,
    known: &[&str],
    loc: &Loc,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<usize> {
    if list.is_empty() {
        d.error(
            loc,
            format!("{what}: an empty list of {kind}s admits nobody"),
        );
    }
    let mut out = Vec::new();
    for (i, name) in list.iter().enumerate() {
        match known.iter().position(|k| *k == name.value) {
            Some(_) if list[..i].iter().any(|n| n.value == name.value) => {
                d.error(
                    &name.loc,
                    format!("{what}: {kind} `{}` is listed twice", name.value),
                );
            }
            Some(index) => out.push(index),
            None => d.error_suggest(
                &name.loc,
                format!(
                    "{what}: unknown {kind} `{}`; the spec declares {}",
                    name.value,
                    names::one_of(known)
                ),
                &name.value,
                known.iter().copied(),
            ),
        }
    }
    out
}

fn scheme(s: &spec::SecurityScheme, d: &mut Diagnostics) -> SchemePlan {
    let what = format!("scheme `{}`", s.name.value);
    if s.kind.value != "jwt" {
        d.error_suggest(
            &s.kind.loc,
            format!(
                "{what}: unknown `type: {}`; the supported type is `jwt` (a bearer JWT)",
                s.kind.value
            ),
            &s.kind.value,
            ["jwt"],
        );
    }
    let mut keys: Vec<(Algorithm, String)> = Vec::new();
    for (alg, variable) in &s.keys {
        let algorithm = Algorithm::ALL
            .iter()
            .find(|(n, _)| *n == alg.value)
            .map(|(_, a)| *a);
        match algorithm {
            _ if alg.value.eq_ignore_ascii_case("none") => d.error_help(
                &alg.loc,
                format!("{what}: `none` would accept unsigned tokens, from anyone"),
                "accept `HS256` (a shared secret) or `EdDSA` (the issuer's Ed25519 public key)",
            ),
            None => d.error_suggest(
                &alg.loc,
                format!(
                    "{what}: unsupported algorithm `{}`; supported are `HS256` (a shared secret) and `EdDSA` (an Ed25519 public key)",
                    alg.value
                ),
                &alg.value,
                Algorithm::ALL.iter().map(|(n, _)| *n),
            ),
            Some(algorithm) => {
                if !is_variable_name(&variable.value) {
                    d.error_help(
                        &variable.loc,
                        format!("{what}: `{}` is not a variable name", variable.value),
                        "name the environment variable (or Worker secret) that holds the keys, such as `JWT_SECRET`",
                    );
                }
                if let Some((other, _)) = keys.iter().find(|(_, v)| *v == variable.value) {
                    d.error_help(
                        &variable.loc,
                        format!(
                            "{what}: `{}` holds the keys of both {} and {}",
                            variable.value,
                            other.name(),
                            algorithm.name()
                        ),
                        "give each algorithm its own variable: a shared secret and a public key must never be confused",
                    );
                }
                keys.push((algorithm, variable.value.clone()));
            }
        }
    }
    if s.keys.is_empty() {
        d.error(&s.name.loc, format!("{what}: `keys` names no algorithm"));
    }
    for value in [&s.issuer, &s.audience].into_iter().flatten() {
        if value.value.is_empty() {
            d.error(
                &value.loc,
                format!("{what}: an empty issuer or audience matches no token"),
            );
        }
    }
    let leeway = s.leeway.as_ref().map_or(30, |l| l.value);
    if let Some(l) = &s.leeway
        && l.value > 300
    {
        d.error_help(
            &l.loc,
            format!(
                "{what}: a `leeway` of {} s would accept tokens long expired",
                l.value
            ),
            "allow at most 300 s of clock skew",
        );
    }
    SchemePlan {
        name: s.name.value.clone(),
        description: s.description.clone(),
        keys,
        issuer: s.issuer.as_ref().map(|i| i.value.clone()),
        audience: s.audience.as_ref().map(|a| a.value.clone()),
        leeway,
    }
}
