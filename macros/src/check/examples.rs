//! Declared examples: their callers are checked here, against the
//! security model; their values are held to the document's schemas once
//! it is rendered (`openapi::examples`).

use serde_json::Value;

use super::plan::{CallerPlan, EndpointPlan, ExamplePlan, SecurityPlan, Ty};
use crate::diag::Diagnostics;
use crate::spec::{Example, ExampleCaller, Sample, Spec};

/// Plans every endpoint's examples onto its plan.
pub(super) fn plan(
    spec: &Spec,
    security: &SecurityPlan,
    endpoints: &mut [EndpointPlan],
    d: &mut Diagnostics,
) {
    for endpoint in &spec.endpoints {
        let Some(plan) = endpoints.iter_mut().find(|e| e.id == endpoint.id.value) else {
            continue;
        };
        for example in &endpoint.examples {
            let what = format!(
                "example `{}` of endpoint `{}`",
                example.name.value, endpoint.id.value
            );
            let caller = match &example.caller {
                Some(caller) => match resolve_caller(caller, security, plan, &what, d) {
                    Some(caller) => Some(caller),
                    None => continue,
                },
                None => {
                    if plan.access.is_some() && example.status.value != 401 {
                        d.error_help(
                            &example.name.loc,
                            format!("{what} sends no credentials, so it would get a 401, not a {}", example.status.value),
                            "say who sends it, as `as: { role: customer, sub: 7 }`, or expect `status: 401`",
                        );
                        continue;
                    }
                    None
                }
            };
            plan.examples.push(planned(example, caller));
        }
    }
}

fn planned(example: &Example, caller: Option<CallerPlan>) -> ExamplePlan {
    let values = |list: &[(crate::spec::Spanned<String>, Sample)]| -> Vec<(String, Value)> {
        list.iter()
            .map(|(name, value)| (name.value.clone(), value.to_json()))
            .collect()
    };
    ExamplePlan {
        name: example.name.value.clone(),
        summary: example.summary.clone(),
        description: example.description.clone(),
        caller,
        path: values(&example.path),
        query: values(&example.query),
        headers: values(&example.headers),
        body: example.body.as_ref().map(Sample::to_json),
        status: example.status.value,
        response: example.response.as_ref().map(Sample::to_json),
    }
}

/// The role, a scheme that grants it here, and the claims, each declared
/// and of its type; every claim a token must carry is given.
fn resolve_caller(
    caller: &ExampleCaller,
    security: &SecurityPlan,
    endpoint: &EndpointPlan,
    what: &str,
    d: &mut Diagnostics,
) -> Option<CallerPlan> {
    let Some(role) = security.roles.iter().find(|r| r.name == caller.role.value) else {
        let names: Vec<&str> = security.roles.iter().map(|r| r.name.as_str()).collect();
        d.error_suggest(
            &caller.role.loc,
            format!(
                "{what} is sent as role `{}`, which `security.roles` does not declare",
                caller.role.value
            ),
            &caller.role.value,
            names,
        );
        return None;
    };
    let accepted = |scheme: usize| {
        endpoint
            .access
            .as_ref()
            .is_none_or(|access| access.schemes.contains(&scheme))
    };
    let granting = (0..security.schemes.len()).filter(|&s| role.granted_by(s));
    let Some(scheme) = granting
        .clone()
        .find(|&s| accepted(s))
        .or_else(|| granting.clone().next())
    else {
        d.error_help(
            &caller.role.loc,
            format!(
                "{what} is sent as role `{}`, which no security scheme may grant",
                role.name
            ),
            "list a scheme under the role's `schemes`",
        );
        return None;
    };
    let errors = d.count();
    let mut claims = Vec::new();
    for (name, value) in &caller.claims {
        let Some(claim) = security.claims.iter().find(|c| c.name == name.value) else {
            let names: Vec<&str> = security.claims.iter().map(|c| c.name.as_str()).collect();
            d.error_suggest(
                &name.loc,
                format!(
                    "{what}: `{}` is not a claim `security.claims` declares (besides `role`)",
                    name.value
                ),
                &name.value,
                names,
            );
            continue;
        };
        let json = value.to_json();
        let fits = match claim.ty {
            Ty::I64 | Ty::I32 => json.is_i64(),
            Ty::Str(_) => json.is_string(),
            _ => true,
        };
        if !fits {
            let wanted = match claim.ty {
                Ty::Str(_) => "a string",
                _ => "an integer",
            };
            d.error(
                &value.loc,
                format!(
                    "{what}: claim `{}` must be {wanted}, found `{json}`",
                    name.value
                ),
            );
            continue;
        }
        claims.push((claim.claim.clone(), json));
    }
    for claim in security.claims.iter().filter(|c| !c.optional) {
        if !caller
            .claims
            .iter()
            .any(|(name, _)| name.value == claim.name)
        {
            d.error_help(
                &caller.loc,
                format!(
                    "{what}: `as` lacks claim `{}`, which every token carries",
                    claim.name
                ),
                format!("add `{}: …` beside `role`", claim.name),
            );
        }
    }
    (d.count() == errors).then(|| CallerPlan {
        role: role.name.clone(),
        scheme: security.schemes[scheme].name.clone(),
        claims,
    })
}
