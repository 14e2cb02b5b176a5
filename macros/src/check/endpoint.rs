//! Checking one endpoint: its route, parameters, body, responses and how
//! its queries are bound to its inputs.

use marked_yaml::Node;

use super::Resolved;
use super::mapping::{self, Mapped, Target};
use super::plan::*;
use super::types::{TypeTable, describe, is_scalar, rules};
use crate::diag::{Diagnostics, Loc};
use crate::names;
use crate::spec::{Endpoint, Implementation, ParamIn, Segment, Spanned};

/// Checks `endpoint` and plans its code.
pub fn check(
    types: &mut TypeTable,
    sql: &Resolved<'_>,
    endpoint: &Endpoint,
    d: &mut Diagnostics,
) -> Option<EndpointPlan> {
    let errors = d.count();
    let what = format!("endpoint `{}`", endpoint.id.value);
    if let Some(loc) = &endpoint.security {
        d.error_help(
            loc,
            format!("{what}: `security` is not supported yet"),
            "authentication is planned; remove `security` for now",
        );
    }

    let mut params = params(types, endpoint, &what, d);
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
    let mut problems = Vec::new();
    for r in endpoint
        .responses
        .iter()
        .filter(|r| !r.extensions.is_empty())
    {
        let mut fields = Vec::new();
        for field in &r.extensions {
            let name = &field.name.value;
            if ["type", "title", "status", "detail", "instance", "errors"].contains(&name.as_str())
            {
                d.error(
                    &field.name.loc,
                    format!(
                        "{what}: `{name}` is a standard member of every problem, not an extension"
                    ),
                );
                continue;
            }
            let context = format!(
                "{}Problem{}{}",
                names::to_pascal_case(&endpoint.id.value),
                r.status.value,
                names::to_pascal_case(name)
            );
            let fwhat = format!(
                "problem member `{name}` of response {} of {what}",
                r.status.value
            );
            if let Some(ty) = types.resolve(&field.spec.ty, &context, &fwhat, d) {
                fields.push(FieldPlan {
                    name: name.clone(),
                    ty,
                    optional: field.optional,
                    nullable: field.spec.nullable,
                    rules: rules(&field.spec.rules),
                    description: field.spec.description.clone(),
                });
            }
        }
        problems.push((r.status.value, fields));
    }

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

    let kind = match &endpoint.implementation {
        Implementation::Handler { path, queries } => {
            for q in queries {
                sql.lookup(&q.query, d);
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
            EndpointKind::Handler {
                path: path.value.clone(),
                outputs,
            }
        }
        Implementation::Queries(uses) => {
            if successes.len() > 1 {
                d.error_help(&successes[1].status.loc, format!("{what}: an endpoint implemented by queries has exactly one success response"), "use a `handler` to choose between responses");
            }
            for r in &endpoint.responses {
                if !r.headers.is_empty() && (200..300).contains(&r.status.value) {
                    d.error_help(
                        &r.status.loc,
                        format!("{what}: response headers need a `handler` to set them"),
                        "remove `headers`, or implement the endpoint with a handler",
                    );
                }
            }
            let mut mapped = Vec::new();
            for (stmt, entry) in uses.iter().enumerate() {
                let Some(index) = sql.lookup(&entry.query, d) else {
                    continue;
                };
                let Some(described) = sql.described(index) else {
                    continue;
                };
                mapped.push(Mapped {
                    entry,
                    query: &sql.queries[index],
                    columns: &described.columns,
                    uses: &described.params,
                    stmt,
                });
            }
            if mapped.len() != uses.len() {
                return None;
            }
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
            };
            if target.schema.is_some_and(|(s, _)| types.is_broken(s)) {
                return None;
            }
            let response = mapping::plan(types, &target, &mapped, d)?;
            if let Some(page) = &response.page {
                add_page_params(&mut params, page, endpoint, &what, d);
            }
            let statements = mapped
                .iter()
                .map(|m| StatementPlan {
                    query: sql.index_of(&m.query.full_name).unwrap_or(0),
                    args: bind(
                        types,
                        &Inputs {
                            endpoint,
                            params: &params,
                            body: body.as_deref(),
                        },
                        m,
                        response.page.as_ref().filter(|p| p.stmt == m.stmt),
                        &what,
                        d,
                    ),
                })
                .collect();
            EndpointKind::Declarative {
                statements,
                response,
            }
        }
    };

    (d.count() == errors).then(|| EndpointPlan {
        id: endpoint.id.value.clone(),
        method: endpoint.method,
        segments: endpoint.segments.clone(),
        params,
        body,
        kind,
        summary: endpoint.summary.clone(),
        problems,
    })
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

fn params(
    types: &mut TypeTable,
    endpoint: &Endpoint,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<ParamPlan> {
    let path_params: Vec<&str> = endpoint
        .segments
        .iter()
        .filter_map(|s| match s {
            Segment::Param(p) => Some(p.as_str()),
            Segment::Static(_) => None,
        })
        .collect();
    for (i, p) in path_params.iter().enumerate() {
        if path_params[..i].contains(p) {
            d.error(
                &endpoint.path.loc,
                format!("{what}: path parameter `{{{p}}}` appears twice"),
            );
        }
        let declared = endpoint
            .params
            .iter()
            .any(|q| q.location == ParamIn::Path && q.name.value == *p);
        if !declared && !endpoint.failed_params.iter().any(|f| f == p) {
            d.error_help(
                &endpoint.path.loc,
                format!("{what}: path parameter `{{{p}}}` is not declared"),
                format!("add it under `params:`, like `{p}: {{ in: path, type: integer }}`"),
            );
        }
    }
    let mut out = Vec::new();
    for param in &endpoint.params {
        let pwhat = format!("parameter `{}` of {what}", param.name.value);
        if out
            .iter()
            .any(|p: &ParamPlan| p.location == param.location && p.wire_name == param.wire_name)
        {
            d.error(
                &param.name.loc,
                format!(
                    "{pwhat}: another {} parameter is also called `{}`",
                    param.location.as_str(),
                    param.wire_name
                ),
            );
        }
        let path_index = path_params.iter().position(|p| *p == param.name.value);
        if param.location == ParamIn::Path && path_index.is_none() {
            d.error_suggest(
                &param.name.loc,
                format!(
                    "{pwhat} is `in: path` but the path `{}` has no `{{{}}}`",
                    endpoint.path.value, param.name.value
                ),
                &param.name.value,
                path_params.iter().copied(),
            );
        }
        let context = format!(
            "{}{}",
            names::to_pascal_case(&endpoint.id.value),
            names::to_pascal_case(&param.name.value)
        );
        let Some(ty) = types.resolve(&param.spec.ty, &context, &pwhat, d) else {
            continue;
        };
        if !is_scalar(&ty) {
            d.error_help(
                &param.spec.ty.loc,
                format!("{pwhat}: parameters must be scalars, not {}", describe(&ty)),
                "send objects and lists in the JSON body",
            );
            continue;
        }
        let default = param
            .spec
            .default
            .as_ref()
            .and_then(|node| default_value(types, &ty, node, &pwhat, d));
        out.push(ParamPlan {
            name: param.name.value.clone(),
            location: param.location,
            wire_name: param.wire_name.clone(),
            ty,
            required: param.required,
            default,
            rules: rules(&param.spec.rules),
            path_index: if param.location == ParamIn::Path {
                path_index
            } else {
                None
            },
        });
    }
    out
}

fn default_value(
    types: &TypeTable,
    ty: &Ty,
    node: &Spanned<Node>,
    what: &str,
    d: &mut Diagnostics,
) -> Option<DefaultValue> {
    let scalar = node.value.as_scalar();
    let parsed = match ty {
        Ty::I64 | Ty::I32 => scalar.and_then(|s| s.as_i64()).map(DefaultValue::Int),
        Ty::F64 => scalar.and_then(|s| s.as_f64()).map(DefaultValue::Number),
        Ty::Bool => scalar.and_then(|s| s.as_bool()).map(DefaultValue::Bool),
        Ty::Str(_) => scalar.map(|s| DefaultValue::Str(s.as_str().to_owned())),
        Ty::Enum(name) => {
            let value = scalar.map(|s| s.as_str().to_owned());
            match (types.get(name), value) {
                (Some(TypePlan::Enum { variants, .. }), Some(v)) => match variants
                    .iter()
                    .find(|(w, _)| *w == v)
                {
                    Some((_, ident)) => Some(DefaultValue::Variant(name.clone(), ident.clone())),
                    None => {
                        d.error_suggest(
                            &node.loc,
                            format!("{what}: default `{v}` is not one of its values"),
                            &v,
                            variants.iter().map(|(w, _)| w.as_str()),
                        );
                        return None;
                    }
                },
                _ => None,
            }
        }
        _ => None,
    };
    if parsed.is_none() {
        d.error(
            &node.loc,
            format!("{what}: the default must be a {}", describe(ty)),
        );
    }
    parsed
}

fn add_page_params(
    params: &mut Vec<ParamPlan>,
    page: &PagePlan,
    endpoint: &Endpoint,
    what: &str,
    d: &mut Diagnostics,
) {
    for name in ["limit", "cursor"] {
        if let Some(p) = endpoint.params.iter().find(|p| p.name.value == name) {
            d.error_help(
                &p.name.loc,
                format!("{what}: parameter `{name}` is added by `paginate`"),
                "remove it from `params`; set `default_limit` and `max_limit` under `paginate`",
            );
        }
    }
    params.push(ParamPlan {
        name: "limit".into(),
        location: ParamIn::Query,
        wire_name: "limit".into(),
        ty: Ty::I64,
        required: false,
        default: Some(DefaultValue::Int(
            i64::try_from(page.default_limit).unwrap_or(20),
        )),
        rules: RulesPlan {
            minimum: Some(1.0),
            maximum: Some(page.max_limit as f64),
            ..RulesPlan::default()
        },
        path_index: None,
    });
    params.push(ParamPlan {
        name: "cursor".into(),
        location: ParamIn::Query,
        wire_name: "cursor".into(),
        ty: Ty::Str(None),
        required: false,
        default: None,
        rules: RulesPlan {
            max_length: Some(4096),
            ..RulesPlan::default()
        },
        path_index: None,
    });
}

/// An endpoint's inputs, for binding.
struct Inputs<'a> {
    endpoint: &'a Endpoint,
    params: &'a [ParamPlan],
    /// The body's schema.
    body: Option<&'a str>,
}

/// Binds each SQL parameter of a declarative query to an input.
fn bind(
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
        match (from_param, from_body) {
            (Some(_), Some(_)) => d.error_help(
                &sql_param.loc,
                format!("`:{input}` of query `{}` could be the parameter or the body field `{input}` of {what}", m.query.full_name),
                "rename one of them, or choose with `bind:`",
            ),
            (Some(p), None) => {
                let declared = endpoint.params.iter().find(|e| e.name.value == p.name);
                check_param_type(m, &sql_param.value, &p.ty, declared.map(|e| &e.spec.ty.loc), &format!("parameter `{}` of {what}", p.name), d);
                out.push(ArgSource::Param(p.name.clone()));
            }
            (None, Some(f)) => {
                check_param_type(m, &sql_param.value, &f.ty, None, &format!("body field `{}` of {what}", f.name), d);
                out.push(ArgSource::BodyField(f.name.clone(), f.ty.clone()));
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

/// Checks that an input of type `ty` suits every typed use of SQL parameter
/// `name`. The error points at the input's declared type in the spec when
/// there is one (`spec`), else at the use in the query.
fn check_param_type(
    m: &Mapped<'_>,
    name: &str,
    ty: &Ty,
    spec: Option<&Loc>,
    input: &str,
    d: &mut Diagnostics,
) {
    if m.query.param_types.iter().any(|(n, _)| n.value == name) {
        // An annotation (`-- param x: ...`) overrides the inferred type.
        return;
    }
    let Some(clash) = m
        .uses
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, u)| u)
        .find(|u| !mapping::accepts(u.ty, ty))
    else {
        return;
    };
    let at = m.query.loc_at_line_col(clash.at);
    let loc = spec.unwrap_or(&at);
    if d.reported_at(loc) {
        // One mistake in the spec, however many queries it meets.
        return;
    }
    let message = format!(
        "{input} is {}, but `:{name}` of query `{}` meets {} (at {at})",
        mapping::describe_field(ty),
        m.query.full_name,
        clash.against,
    );
    let help = format!(
        "declare it `type: {}`, or say otherwise in the query with `-- param {name}: <type>`",
        mapping::spec_type_for(clash.ty)
    );
    d.error_help(loc, message, help);
}
