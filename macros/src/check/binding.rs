//! Binding each SQL parameter of a declarative query to the endpoint input
//! it reads, and checking that the input's type suits the SQL.

use super::access::{CLAIM_PREFIX, SecurityModel};
use super::mapping::{self, Mapped};
use super::plan::*;
use super::types::TypeTable;
use crate::diag::{Diagnostics, Loc};
use crate::names;
use crate::spec::Endpoint;
use crate::sql::Query;
use crate::sql::infer::ParamUse;

/// The SQL parameter bound to the request's nonce (when no input has its
/// name): 32 random hex digits, the same for every statement of the
/// request, so that a row one statement inserts can be found by the next.
pub(super) const NONCE: &str = "nonce";

/// An endpoint's inputs, for binding.
pub(super) struct Inputs<'a> {
    pub endpoint: &'a Endpoint,
    pub params: &'a [ParamPlan],
    /// The body's schema.
    pub body: Option<&'a str>,
    /// The security model, for the caller's claims.
    pub security: &'a SecurityModel<'a>,
    /// Whether the endpoint is public (and so has no caller).
    pub public: bool,
}

/// Binds each SQL parameter of a declarative query to an input.
pub(super) fn bind(
    types: &TypeTable,
    inputs: &Inputs<'_>,
    m: &Mapped<'_>,
    page: Option<&PagePlan>,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<ArgSource> {
    let Inputs {
        endpoint,
        params,
        body,
        security,
        public,
    } = *inputs;
    let body_fields = body.map(|b| types.fields(b)).unwrap_or(&[]);
    let key_names: Vec<&str> = page
        .map(|p| {
            p.key_columns
                .iter()
                .map(|&i| m.columns[i].name.as_str())
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for sql_param in &m.query.params {
        let explicit = m
            .entry
            .bind
            .iter()
            .find(|(p, _)| p.value == sql_param.value);
        let input = explicit.map_or(sql_param.value.as_str(), |(_, i)| i.value.as_str());
        if page.is_some() && explicit.is_none() {
            if input == "limit" {
                out.push(ArgSource::Limit);
                continue;
            }
            if input == "scan" && page.is_some_and(|p| p.scan.is_some()) {
                out.push(ArgSource::Scan);
                continue;
            }
            if let Some(k) = input
                .strip_prefix("after_")
                .and_then(|k| key_names.iter().position(|n| *n == k))
            {
                out.push(ArgSource::After(k));
                continue;
            }
        }
        let from_param = params.iter().find(|p| {
            p.name == input && p.name != "cursor" && !(p.name == "limit" && page.is_some())
        });
        let from_body = body_fields.iter().find(|f| f.name == input);
        // The caller's claims: `:auth_<claim>`, or `bind: { x: auth.<claim> }`.
        let claim = match explicit.and_then(|(_, i)| i.value.strip_prefix("auth.")) {
            Some(name) => {
                let found = security.claim_named(name);
                if found.is_none() {
                    let known: Vec<String> = security
                        .param_names()
                        .iter()
                        .map(|n| n.replacen(CLAIM_PREFIX, "auth.", 1))
                        .collect();
                    let loc = explicit.map_or(&sql_param.loc, |(_, i)| &i.loc);
                    d.error_suggest(
                        loc,
                        format!(
                            "{what}: `{input}` names no claim of the caller; the claims are {}",
                            names::one_of(&known)
                        ),
                        input,
                        known.iter().map(String::as_str),
                    );
                    continue;
                }
                found
            }
            None if explicit.is_none() => security.claim_of_param(input),
            None => None,
        };
        if claim.is_none()
            && let Some((_, value)) = explicit
            && let Some(named) = security.claim_of_param(&sql_param.value)
        {
            // `:auth_*` reads as the caller's claim wherever the SQL is
            // read; it may not carry a request input instead.
            let name = security.plan.claim_name(named);
            d.error_help(
                &value.loc,
                format!(
                    "{what}: `:{}` of query `{}` is the caller's `{name}` and can only be bound to `auth.{name}`",
                    sql_param.value, m.query.full_name
                ),
                "rename the SQL parameter to bind an input (names starting with `auth_` are the caller's)",
            );
            continue;
        }
        if let Some(claim) = claim {
            if explicit.is_none() && (from_param.is_some() || from_body.is_some()) {
                d.error_help(
                    &sql_param.loc,
                    format!("`:{input}` of query `{}` could be the caller's claim or the input `{input}` of {what}", m.query.full_name),
                    "rename the input, or choose with `bind:`",
                );
                continue;
            }
            let loc = explicit.map_or(&sql_param.loc, |(_, i)| &i.loc);
            if public {
                security.public_binding(claim, &sql_param.value, &m.query.full_name, loc, what, d);
                continue;
            }
            check_claim_type(security, m.query, m.uses, &sql_param.value, claim, d);
            out.push(ArgSource::Claim(claim));
            continue;
        }
        match (from_param, from_body) {
            (Some(_), Some(_)) => d.error_help(
                &sql_param.loc,
                format!("`:{input}` of query `{}` could be the parameter or the body field `{input}` of {what}", m.query.full_name),
                "rename one of them, or choose with `bind:`",
            ),
            (Some(p), None) => {
                let declared = endpoint.params.iter().find(|e| e.name.value == p.name);
                check_param_type(m.query, m.uses, &sql_param.value, &p.ty, declared.map(|e| &e.spec.ty.loc), &format!("parameter `{}` of {what}", p.name), d);
                out.push(ArgSource::Param(p.name.clone()));
            }
            (None, Some(f)) => {
                check_param_type(m.query, m.uses, &sql_param.value, &f.ty, None, &format!("body field `{}` of {what}", f.name), d);
                out.push(ArgSource::BodyField(f.name.clone(), f.ty.clone()));
            }
            (None, None) if input == NONCE => {
                check_param_type(m.query, m.uses, &sql_param.value, &Ty::Str(None), None, "the request's nonce", d);
                out.push(ArgSource::Nonce);
            }
            (None, None) if input.starts_with(CLAIM_PREFIX) => {
                unknown_claim(security, input, &m.query.full_name, &sql_param.loc, d);
            }
            (None, None) => {
                let mut inputs: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
                inputs.extend(body_fields.iter().map(|f| f.name.as_str()));
                let loc = explicit.map_or(&sql_param.loc, |(_, i)| &i.loc);
                d.error_suggest(
                    loc,
                    format!(
                        "`:{}` of query `{}` is bound to nothing: {what} has no input `{input}`; its inputs are {}",
                        sql_param.value,
                        m.query.full_name,
                        names::one_of(&inputs)
                    ),
                    input,
                    inputs.iter().copied(),
                );
            }
        }
    }
    for (p, _) in &m.entry.bind {
        if !m.query.params.iter().any(|q| q.value == p.value) {
            d.error_suggest(
                &p.loc,
                format!(
                    "{what}: query `{}` has no parameter `:{}`",
                    m.query.full_name, p.value
                ),
                &p.value,
                m.query.params.iter().map(|q| q.value.as_str()),
            );
        }
    }
    out
}

/// Reports a `:auth_*` parameter that names no claim of the caller.
pub(super) fn unknown_claim(
    security: &SecurityModel<'_>,
    param: &str,
    query: &str,
    loc: &Loc,
    d: &mut Diagnostics,
) {
    let known = security.param_names();
    d.error_suggest(
        loc,
        format!(
            "`:{param}` of query `{query}` names no claim of the caller; {}",
            if security.plan.schemes.is_empty() {
                "the spec declares no `security`".to_owned()
            } else {
                format!("the claims bind as {}", names::one_of(&known))
            }
        ),
        param,
        known.iter().map(String::as_str),
    );
}

/// Checks that the caller's `claim` suits every typed use of SQL parameter
/// `param`, reporting a mismatch at the claim's declared type.
pub(super) fn check_claim_type(
    security: &SecurityModel<'_>,
    query: &Query,
    uses: &[(String, ParamUse)],
    param: &str,
    claim: ClaimRef,
    d: &mut Diagnostics,
) {
    check_param_type(
        query,
        uses,
        param,
        &security.ty(claim),
        security.type_loc(claim),
        &format!("the caller's claim `{}`", security.plan.claim_name(claim)),
        d,
    );
}

/// Checks that an input of type `ty` suits every typed use of SQL parameter
/// `name`. The error points at the input's declared type in the spec when
/// there is one (`spec`), else at the use in the query.
fn check_param_type(
    query: &Query,
    uses: &[(String, ParamUse)],
    name: &str,
    ty: &Ty,
    spec: Option<&Loc>,
    input: &str,
    d: &mut Diagnostics,
) {
    if query.param_types.iter().any(|(n, _)| n.value == name) {
        // An annotation (`-- param x: ...`) overrides the inferred type.
        return;
    }
    let Some(clash) = uses
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, u)| u)
        .find(|u| !mapping::accepts(u.ty, ty))
    else {
        return;
    };
    let at = query.loc_at_line_col(clash.at);
    let loc = spec.unwrap_or(&at);
    if d.reported_at(loc) {
        // One mistake in the spec, however many queries it meets.
        return;
    }
    let message = format!(
        "{input} is {}, but `:{name}` of query `{}` meets {} (at {at})",
        mapping::describe_field(ty),
        query.full_name,
        clash.against,
    );
    let help = format!(
        "declare it `type: {}`, or say otherwise in the query with `-- param {name}: <type>`",
        mapping::spec_type_for(clash.ty)
    );
    d.error_help(loc, message, help);
}
