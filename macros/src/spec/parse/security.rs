//! The security model (`security:` at the top level) and who may call an
//! endpoint (`auth:`). Names are checked here only for their shape; which
//! role, scheme or claim they refer to is resolved by `check::access`.

use marked_yaml::Node;

use super::field_name;
use super::value::parse_value;
use crate::diag::Diagnostics;
use crate::spec::model::*;
use crate::spec::yaml::{self, Map, Src};

const SECURITY_KEYS: &[&str] = &["schemes", "role_claim", "claims", "roles"];
const SCHEME_KEYS: &[&str] = &[
    "type",
    "description",
    "keys",
    "issuer",
    "audience",
    "leeway",
];

/// Parses `security:`.
pub(super) fn parse_security(src: &Src, node: &Node, d: &mut Diagnostics) -> Option<Security> {
    let map = Map::of(src, node, "`security`", d)?;
    map.allow(src, SECURITY_KEYS, "`security`", d);
    let loc = src.node_loc(node);
    let schemes = match map.get("schemes") {
        Some(node) => parse_schemes(src, node, d),
        None => {
            d.error_help(
                &loc,
                "`security` declares no `schemes`",
                "add a scheme, such as `schemes: { bearer: { type: jwt, keys: { HS256: JWT_SECRET } } }`",
            );
            Vec::new()
        }
    };
    let claims = match map.get("claims") {
        Some(node) => parse_claims(src, node, d),
        None => Vec::new(),
    };
    let roles = match map.get("roles") {
        Some(node) => parse_roles(src, node, d),
        None => {
            d.error_help(
                &loc,
                "`security` declares no `roles`",
                "name the roles a caller can have, such as `roles: { customer: { owner: sub }, staff: {} }`",
            );
            Vec::new()
        }
    };
    Some(Security {
        loc,
        schemes,
        role_claim: map.opt_str(src, "role_claim", "`security`", d),
        claims,
        roles,
    })
}

fn parse_schemes(src: &Src, node: &Node, d: &mut Diagnostics) -> Vec<SecurityScheme> {
    let Some(map) = Map::of(src, node, "`security.schemes`", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.entries() {
        let name = field_name(src, key, d);
        let what = format!("scheme `{}`", name.value);
        let Some(body) = Map::of(src, value, &what, d) else {
            continue;
        };
        body.allow(src, SCHEME_KEYS, &what, d);
        let Some(kind) = body.req_str(src, "type", &what, d) else {
            continue;
        };
        let keys = match body.get("keys") {
            Some(keys) => {
                yaml::string_map(src, keys, &format!("`keys` of {what}"), "a key variable", d)
            }
            None => {
                d.error_help(
                    &name.loc,
                    format!("{what} has no `keys`"),
                    "name the variable holding each algorithm's keys, such as `keys: { HS256: JWT_SECRET, EdDSA: JWT_PUBLIC_KEY }`",
                );
                Vec::new()
            }
        };
        out.push(SecurityScheme {
            kind,
            description: body.opt_str(src, "description", &what, d).map(|s| s.value),
            keys,
            issuer: body.opt_str(src, "issuer", &what, d),
            audience: body.opt_str(src, "audience", &what, d),
            leeway: body
                .get("leeway")
                .and_then(|n| yaml::unsigned(src, n, &format!("`leeway` of {what}"), d)),
            name,
        });
    }
    if map.entries().next().is_none() {
        d.error_help(
            &src.node_loc(node),
            "`security.schemes` declares no scheme",
            "add one, such as `bearer: { type: jwt, keys: { HS256: JWT_SECRET } }`",
        );
    }
    out
}

fn parse_claims(src: &Src, node: &Node, d: &mut Diagnostics) -> Vec<ClaimDecl> {
    let Some(map) = Map::of(src, node, "`security.claims`", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.entries() {
        let name = field_name(src, key, d);
        let what = format!("claim `{}`", name.value);
        let (spec, extra) = parse_value(src, value, &what, &["optional", "claim"], d);
        let Some(spec) = spec else { continue };
        let optional = extra.is_some_and(|m| m.flag(src, "optional", &what, d));
        let claim = extra.and_then(|m| m.opt_str(src, "claim", &what, d));
        out.push(ClaimDecl {
            name,
            claim,
            optional,
            spec,
        });
    }
    out
}

fn parse_roles(src: &Src, node: &Node, d: &mut Diagnostics) -> Vec<RoleDecl> {
    let Some(map) = Map::of(src, node, "`security.roles`", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.entries() {
        let name = field_name(src, key, d);
        let what = format!("role `{}`", name.value);
        let (description, owner, schemes) = match value {
            // `staff: {}` or `staff:` with nothing under it.
            Node::Scalar(s) if s.as_str().is_empty() => (None, None, None),
            _ => {
                let Some(body) = Map::of(src, value, &what, d) else {
                    continue;
                };
                body.allow(src, &["description", "owner", "schemes"], &what, d);
                (
                    body.opt_str(src, "description", &what, d).map(|s| s.value),
                    body.opt_str(src, "owner", &what, d),
                    body.get("schemes")
                        .map(|n| yaml::string_list(src, n, &format!("`schemes` of {what}"), d)),
                )
            }
        };
        out.push(RoleDecl {
            name,
            description,
            owner,
            schemes,
        });
    }
    if map.entries().next().is_none() {
        d.error_help(
            &src.node_loc(node),
            "`security.roles` declares no role",
            "name the roles a caller can have, such as `roles: { customer: { owner: sub }, staff: {} }`",
        );
    }
    out
}

/// Parses an endpoint's `auth:`: `public`, a list of roles, or a mapping
/// of `roles`, `schemes` and `unscoped`.
pub(super) fn parse_access(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Access> {
    let loc = src.node_loc(node);
    let awhat = format!("`auth` of {what}");
    match node {
        Node::Scalar(s) if s.as_str() == "public" => Some(Access::Public(loc)),
        Node::Scalar(_) | Node::Sequence(_) => Some(Access::Callers(Callers {
            roles: Some(yaml::string_list(src, node, &awhat, d)),
            schemes: None,
            unscoped: None,
            loc,
        })),
        Node::Mapping(_) => {
            let map = Map::of(src, node, &awhat, d)?;
            map.allow(src, &["roles", "schemes", "unscoped"], &awhat, d);
            let list = |key: &str, d: &mut Diagnostics| {
                map.get(key)
                    .map(|n| yaml::string_list(src, n, &format!("`{key}` of {awhat}"), d))
            };
            let roles = list("roles", d);
            let schemes = list("schemes", d);
            let unscoped = map.opt_str(src, "unscoped", &awhat, d);
            if let Some(reason) = &unscoped
                && reason.value.trim().is_empty()
            {
                d.error_help(
                    &reason.loc,
                    format!("{awhat}: `unscoped` needs the reason"),
                    "say why every owner's data may be seen here, such as `unscoped: the catalog belongs to no customer`",
                );
            }
            Some(Access::Callers(Callers {
                loc,
                roles,
                schemes,
                unscoped,
            }))
        }
    }
}
