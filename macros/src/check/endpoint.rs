//! Checking one endpoint: its parameters, body, responses, who may call
//! it, and how its queries are bound to its inputs.

use super::Resolved;
use super::access::{CLAIM_PREFIX, SecurityModel, StatementScope};
use super::binding::{Inputs, bind, check_claim_type, unknown_claim};
use super::mapping::{self, Mapped, Target};
use super::params::{add_page_params, params};
use super::plan::*;
use super::types::{TypeTable, describe};
use crate::diag::Diagnostics;
use crate::names;
use crate::spec::{Endpoint, Implementation, TypeKind};

/// Checks `endpoint` and plans its code.
pub fn check(
    types: &mut TypeTable,
    sql: &Resolved<'_>,
    security: &SecurityModel<'_>,
    endpoint: &Endpoint,
    d: &mut Diagnostics,
) -> Option<EndpointPlan> {
    let errors = d.count();
    let what = format!("endpoint `{}`", endpoint.id.value);
    let access = security.access(endpoint, &what, d);
    let public = matches!(access, Some(None));

    let mut params = params(types, endpoint, &what, d);
    for param in &endpoint.params {
        let Some(roles) = &param.roles else { continue };
        let pwhat = format!("parameter `{}` of {what}", param.name.value);
        let resolved = match &access {
            Some(access) => {
                security.param_roles(roles, &param.name.loc, access.as_ref(), &pwhat, d)
            }
            None => None,
        };
        if let Some(plan) = params.iter_mut().find(|p| p.name == param.name.value) {
            plan.roles = resolved;
        }
    }
    let handler = matches!(endpoint.implementation, Implementation::Handler { .. });
    if handler
        && !public
        && let Some(p) = endpoint.params.iter().find(|p| p.name.value == "caller")
    {
        d.error_help(
            &p.name.loc,
            format!("{what}: parameter name `caller` is taken by the authenticated caller"),
            "rename the parameter (a header keeps its wire name with `name:`)",
        );
    }
    if endpoint.body.is_some()
        && let Some(p) = endpoint.params.iter().find(|p| p.name.value == "body")
    {
        d.error_help(
            &p.name.loc,
            format!("{what}: parameter name `body` is taken by the request body"),
            "rename the parameter (a header keeps its wire name with `name:`)",
        );
    }
    let body = endpoint.body.as_ref().and_then(|b| {
        let ty = types.resolve(b, "", &format!("the body of {what}"), d)?;
        match ty {
            Ty::Object(name) => Some(name),
            other => {
                d.error(
                    &b.loc,
                    format!(
                        "{what}: the body must be an object schema, not {}",
                        describe(&other)
                    ),
                );
                None
            }
        }
    });

    let successes: Vec<_> = endpoint
        .responses
        .iter()
        .filter(|r| (200..300).contains(&r.status.value))
        .collect();
    if successes.is_empty() {
        d.error_help(
            &endpoint.id.loc,
            format!("{what} declares no success (2xx) response"),
            "add one, such as `200: ProductDetail`",
        );
    }
    let mut schemas = Vec::new();
    for r in &successes {
        let schema = match &r.schema {
            Some(s) => {
                match types.resolve(s, "", &format!("response {} of {what}", r.status.value), d) {
                    Some(Ty::Object(name)) => Some(name),
                    Some(other) => {
                        d.error(
                            &s.loc,
                            format!(
                                "{what}: response {} must be an object schema, not {}",
                                r.status.value,
                                describe(&other)
                            ),
                        );
                        None
                    }
                    None => None,
                }
            }
            None => {
                if r.status.value != 204 && !endpoint.incomplete {
                    d.error_help(
                        &r.status.loc,
                        format!("{what}: response {} has no schema", r.status.value),
                        "name its schema, or use 204 for a response without a body",
                    );
                }
                None
            }
        };
        schemas.push(schema);
    }
    for r in &endpoint.responses {
        if r.status.value == 204 && r.schema.is_some() {
            d.error(&r.status.loc, format!("{what}: a 204 response has no body"));
        }
    }
    let problems = super::problems::problems(types, endpoint, &what, d);

    let resolved = successes
        .iter()
        .zip(&schemas)
        .all(|(r, s)| r.schema.is_none() || s.is_some())
        && (endpoint.body.is_none() || body.is_some());
    if endpoint.incomplete || !resolved {
        // What the remaining checks depend on was reported already; only
        // the query names can still be checked on their own.
        let uses = match &endpoint.implementation {
            Implementation::Queries(uses) | Implementation::Handler { queries: uses, .. } => uses,
        };
        for q in uses {
            sql.lookup(&q.query, d);
        }
        return None;
    }

    // What each query binds of the caller: per statement for an endpoint
    // implemented by queries, all together for a handler (which decides
    // itself which query answers).
    let mut scopes: Vec<StatementScope<'_>> = Vec::new();
    let mut handler_claims: Vec<ClaimRef> = Vec::new();
    let kind = match &endpoint.implementation {
        Implementation::Handler { path, queries } => {
            for q in queries {
                let Some(index) = sql.lookup(&q.query, d) else {
                    continue;
                };
                // The typed binding fills `:auth_*` from the caller it is
                // given, so these are what the handler's queries bind.
                let query = &sql.queries[index];
                for param in &query.params {
                    let Some(claim) = security.claim_of_param(&param.value) else {
                        if param.value.starts_with(CLAIM_PREFIX) {
                            unknown_claim(security, &param.value, &query.full_name, &param.loc, d);
                        }
                        continue;
                    };
                    if public {
                        security.public_binding(
                            claim,
                            &param.value,
                            &query.full_name,
                            &param.loc,
                            &what,
                            d,
                        );
                        continue;
                    }
                    if let Some(described) = sql.described(index) {
                        check_claim_type(
                            security,
                            query,
                            &described.params,
                            &param.value,
                            claim,
                            d,
                        );
                    }
                    handler_claims.push(claim);
                }
            }
            let outputs = successes
                .iter()
                .zip(&schemas)
                .map(|(r, schema)| OutputVariant {
                    status: r.status.value,
                    variant: variant_name(r.status.value),
                    body: schema.clone(),
                    headers: r
                        .headers
                        .iter()
                        .filter(|h| h.link.is_none())
                        .filter_map(|h| {
                            let ty = types.resolve(
                                &h.spec.ty,
                                "",
                                &format!("header `{}` of {what}", h.name.value),
                                d,
                            )?;
                            Some(HeaderPlan {
                                wire_name: h.name.value.to_ascii_lowercase(),
                                field: names::to_snake_case(&h.name.value),
                                ty,
                                required: h.required,
                            })
                        })
                        .collect(),
                })
                .collect();
            if let Some(tag) = &endpoint.etag {
                d.error_help(
                    &tag.loc,
                    format!("{what}: `etag` names a column of the query that fills the response, and a handler fills it itself"),
                    "remove `etag`: keel tags a handler's GET answers with a hash of their body",
                );
            }
            EndpointKind::Handler {
                path: path.value.clone(),
                outputs,
                mapped: super::returns::plan(types, sql, queries, &what, d),
            }
        }
        Implementation::Queries(uses) => {
            if successes.len() > 1 {
                d.error_help(&successes[1].status.loc, format!("{what}: an endpoint implemented by queries has exactly one success response"), "use a `handler` to choose between responses");
            }
            for r in &endpoint.responses {
                if r.headers.iter().any(|h| h.link.is_none())
                    && (200..300).contains(&r.status.value)
                {
                    d.error_help(
                        &r.status.loc,
                        format!("{what}: response headers need a `handler` to set them"),
                        "remove `headers`, or implement the endpoint with a handler",
                    );
                }
            }
            let mut mapped = Vec::new();
            let mut writes = Vec::new();
            for (stmt, entry) in uses.iter().enumerate() {
                let Some((index, m)) = Mapped::resolve(sql, entry, stmt, d) else {
                    continue;
                };
                mapped.push(m);
                if sql.described(index).is_some_and(|d| !d.readonly) {
                    writes.push(stmt);
                }
            }
            if mapped.len() != uses.len() {
                return None;
            }
            let guards = super::guard::plan(&mapped, &writes, &problems, &what, d);
            let not_found = endpoint
                .responses
                .iter()
                .find(|r| r.status.value == 404)
                .and_then(|r| r.description.clone())
                .unwrap_or_else(|| "the requested resource does not exist".to_owned());
            let schema_loc = successes
                .first()
                .map(|r| r.schema.as_ref().map_or(&r.status.loc, |s| &s.loc));
            let target = Target {
                what: &what,
                status: successes.first().map_or(200, |r| r.status.value),
                schema: match (schemas.first(), schema_loc) {
                    (Some(Some(s)), Some(loc)) => Some((s.as_str(), loc)),
                    _ => None,
                },
                not_found,
                etag: endpoint.etag.as_ref(),
                filled: format!("the response of {what}"),
            };
            if target.schema.is_some_and(|(s, _)| types.is_broken(s)) {
                return None;
            }
            let response = mapping::plan(types, &target, &mapped, d)?;
            if let Some(page) = &response.page {
                add_page_params(&mut params, page, endpoint, &what, d);
            }
            let inputs = Inputs {
                endpoint,
                params: &params,
                body: body.as_deref(),
                security,
                public,
            };
            let statements: Vec<StatementPlan> = mapped
                .iter()
                .map(|m| StatementPlan {
                    query: sql.index_of(&m.query.full_name).unwrap_or(0),
                    args: bind(
                        types,
                        &inputs,
                        m,
                        response.page.as_ref().filter(|p| p.stmt == m.stmt),
                        &what,
                        d,
                    ),
                })
                .collect();
            for (m, statement) in mapped.iter().zip(&statements) {
                scopes.push(StatementScope {
                    query: &m.query.full_name,
                    loc: &m.entry.loc,
                    root: response.root.is_some_and(|(stmt, _)| stmt == m.stmt),
                    writes: sql.described(statement.query).is_some_and(|d| !d.readonly),
                    claims: statement
                        .args
                        .iter()
                        .filter_map(|a| match a {
                            ArgSource::Claim(claim) => Some(*claim),
                            _ => None,
                        })
                        .collect(),
                });
            }
            EndpointKind::Declarative {
                statements,
                guards,
                writes,
                response,
            }
        }
    };
    let idempotency = endpoint
        .idempotency
        .as_ref()
        .and_then(|declared| super::idempotency::check(sql, endpoint, declared, &what, d));
    let access = access?;
    let cache_control = super::cache::cache_control(endpoint, access.is_none(), &what, d);
    let replica = super::cache::replica(sql, endpoint, &what, d);
    if let Some(access) = &access {
        if scopes.is_empty() {
            scopes.push(StatementScope {
                query: "",
                loc: &endpoint.id.loc,
                root: false,
                writes: false,
                claims: handler_claims,
            });
        }
        security.check_scoping(endpoint, access, &scopes, &what, d);
    }

    (d.count() == errors).then(|| EndpointPlan {
        id: endpoint.id.value.clone(),
        method: endpoint.method,
        segments: endpoint.segments.clone(),
        params,
        body,
        kind,
        summary: endpoint.summary.clone(),
        description: endpoint.description.clone(),
        tags: endpoint.tags.iter().map(|t| t.value.clone()).collect(),
        responses: response_docs(endpoint),
        problems,
        links: Vec::new(),
        access,
        idempotency,
        cache_control,
        replica,
        examples: Vec::new(),
    })
}

/// The declared responses, as the document describes them.
fn response_docs(endpoint: &Endpoint) -> Vec<ResponseDoc> {
    endpoint
        .responses
        .iter()
        .map(|r| ResponseDoc {
            status: r.status.value,
            description: r.description.clone(),
            schema: r.schema.as_ref().and_then(|s| match &s.kind {
                TypeKind::Named(name) => Some(name.clone()),
                _ => None,
            }),
            headers: r
                .headers
                .iter()
                .map(|h| HeaderDoc {
                    name: h.name.value.clone(),
                    description: h.spec.description.clone(),
                    integer: matches!(h.spec.ty.kind, TypeKind::Integer { .. }),
                    required: h.required,
                })
                .collect(),
        })
        .collect()
}

fn variant_name(status: u16) -> String {
    match status {
        200 => "Ok".into(),
        201 => "Created".into(),
        202 => "Accepted".into(),
        203 => "NonAuthoritative".into(),
        204 => "NoContent".into(),
        other => format!("Status{other}"),
    }
}
