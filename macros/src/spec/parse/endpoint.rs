//! Endpoints: method and path, parameters, body, and the queries or
//! handler that implement them.

use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;

use super::field_name;
use super::response::parse_responses;
use super::value::parse_value;
use crate::diag::Diagnostics;
use crate::names;
use crate::spec::model::*;
use crate::spec::yaml::{self, Map, Src};

pub(super) fn parse_endpoints(src: &Src, node: &Node, d: &mut Diagnostics) -> Vec<Endpoint> {
    let Some(map) = Map::of(src, node, "`endpoints`", d) else {
        return Vec::new();
    };
    map.entries()
        .filter_map(|(key, value)| parse_endpoint(src, key, value, d))
        .collect()
}

const ENDPOINT_KEYS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "summary",
    "description",
    "tags",
    "params",
    "body",
    "queries",
    "handler",
    "responses",
    "auth",
    "idempotency",
    "cache",
    "reads",
    "etag",
    "examples",
];

fn parse_endpoint(
    src: &Src,
    key: &MarkedScalarNode,
    value: &Node,
    d: &mut Diagnostics,
) -> Option<Endpoint> {
    let id = Spanned::new(key.as_str().to_owned(), src.loc(key.span()));
    if let Some(message) = names::unusable(&id.value) {
        d.error(&id.loc, message);
    } else if !names::is_snake_case(&id.value) {
        d.error_help(
            &id.loc,
            format!(
                "endpoint id `{}` must be snake_case (it is the operationId and a Rust name)",
                id.value
            ),
            format!("rename it to `{}`", names::to_snake_case(&id.value)),
        );
    }
    let what = format!("endpoint `{}`", id.value);
    let errors_before = d.count();
    let map = Map::of(src, value, &what, d)?;
    map.allow(src, ENDPOINT_KEYS, &what, d);

    let methods: Vec<(HttpMethod, &str)> = HttpMethod::ALL
        .iter()
        .filter(|(k, _)| map.get(k).is_some())
        .map(|(k, m)| (*m, *k))
        .collect();
    let (method, method_key) = match methods.as_slice() {
        [one] => *one,
        [] => {
            d.error_help(&id.loc, format!("{what} has no method and path"), "add one of `get: /path`, `post: /path`, `put: /path`, `patch: /path` or `delete: /path`");
            return None;
        }
        [_, second, ..] => {
            d.error(
                &map.key_loc(src, second.1).unwrap_or(id.loc.clone()),
                format!("{what} has more than one method; declare one endpoint per method"),
            );
            return None;
        }
    };
    let path = map.req_str(src, method_key, &what, d)?;
    let segments = parse_path(&path, &what, d);
    let (params, failed_params) = match map.get("params") {
        Some(node) => parse_params(src, node, &what, d),
        None => (Vec::new(), Vec::new()),
    };
    let body = map
        .get("body")
        .and_then(|node| parse_body(src, node, &what, d));
    let queries = match map.get("queries") {
        Some(node) => parse_query_uses(src, node, &what, d),
        None => Vec::new(),
    };
    let implementation = match map.opt_str(src, "handler", &what, d) {
        Some(path) => {
            let valid = path.value.split("::").all(names::is_snake_case);
            if !valid || path.value.is_empty() {
                d.error_help(
                    &path.loc,
                    format!("{what}: `handler` must be a Rust path such as `orders::create_order`, relative to the module that calls `keel::api!`"),
                    "write it like `orders::create_order`",
                );
            }
            for q in &queries {
                if q.paginate.is_some() || !q.bind.is_empty() || q.guard.is_some() {
                    d.error_help(&q.loc, format!("{what}: `bind`, `paginate` and `guard` apply to endpoints implemented by queries"), "the handler runs the queries itself; list them by name, or with `returns:` to have their rows mapped into a schema");
                }
            }
            Implementation::Handler { path, queries }
        }
        None => {
            for q in &queries {
                if let Some(returns) = &q.returns {
                    d.error_help(&returns.loc, format!("{what}: `returns` maps a query a handler runs; here the response says what each query fills"), "remove `returns`: a query without `into` fills the response itself");
                }
            }
            if queries.is_empty() {
                d.error_help(&id.loc, format!("{what} has neither `queries` nor `handler`"), "list the annotated queries that implement it, or name a Rust function with `handler:`");
            }
            Implementation::Queries(queries)
        }
    };
    let responses = match map.get("responses") {
        Some(node) => parse_responses(src, node, &what, d),
        None => {
            d.error(&id.loc, format!("{what} has no `responses`"));
            Vec::new()
        }
    };
    Some(Endpoint {
        id,
        method,
        path: path.clone(),
        segments,
        summary: map.opt_str(src, "summary", &what, d).map(|s| s.value),
        description: map.opt_str(src, "description", &what, d).map(|s| s.value),
        tags: map
            .get("tags")
            .map(|n| yaml::string_list(src, n, &format!("`tags` of {what}"), d))
            .unwrap_or_default(),
        params,
        body,
        implementation,
        responses,
        access: map
            .get("auth")
            .and_then(|n| super::security::parse_access(src, n, &what, d)),
        idempotency: map
            .get("idempotency")
            .and_then(|n| super::idempotency::parse_idempotency(src, n, &what, d)),
        cache: map
            .get("cache")
            .and_then(|n| super::cache::parse_cache(src, n, &what, d)),
        reads: map
            .get("reads")
            .and_then(|n| super::cache::parse_reads(src, n, &what, d)),
        etag: map.opt_str(src, "etag", &what, d),
        examples: map
            .get("examples")
            .map(|n| super::example::parse_examples(src, n, &what, d))
            .unwrap_or_default(),
        incomplete: d.count() > errors_before,
        failed_params,
    })
}

fn parse_path(path: &Spanned<String>, what: &str, d: &mut Diagnostics) -> Vec<Segment> {
    let Some(rest) = path.value.strip_prefix('/') else {
        d.error(&path.loc, format!("{what}: the path must start with `/`"));
        return Vec::new();
    };
    if rest.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for seg in rest.split('/') {
        if let Some(inner) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if !names::is_snake_case(inner) {
                d.error(
                    &path.loc,
                    format!("{what}: path parameter `{{{inner}}}` must be a snake_case name"),
                );
            }
            out.push(Segment::Param(inner.to_owned()));
        } else if seg.is_empty() {
            d.error(
                &path.loc,
                format!("{what}: the path has an empty segment (`//` or a trailing `/`)"),
            );
        } else if seg.contains(['{', '}']) {
            d.error_help(
                &path.loc,
                format!("{what}: segment `{seg}` mixes text and a parameter"),
                "a parameter must be a whole segment, like `/orders/{order_id}`",
            );
        } else if !seg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        {
            d.error(
                &path.loc,
                format!("{what}: segment `{seg}` has characters that need percent-encoding"),
            );
        } else {
            out.push(Segment::Static(seg.to_owned()));
        }
    }
    out
}

fn parse_params(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> (Vec<Param>, Vec<String>) {
    let Some(map) = Map::of(src, node, &format!("`params` of {what}"), d) else {
        return (Vec::new(), Vec::new());
    };
    let mut out = Vec::new();
    let mut failed = Vec::new();
    for (key, value) in map.entries() {
        let name = field_name(src, key, d);
        // Until the declaration is read in full, count it as failed.
        failed.push(name.value.clone());
        let pwhat = format!("parameter `{}` of {what}", name.value);
        let (spec, extra) =
            parse_value(src, value, &pwhat, &["in", "required", "name", "roles"], d);
        let (Some(spec), Some(extra)) = (spec, extra) else {
            if value.as_mapping().is_none() {
                d.error_help(
                    &name.loc,
                    format!("{pwhat} must be a mapping"),
                    "write it like `{ in: query, type: integer }`",
                );
            }
            continue;
        };
        let location = match extra.req_str(src, "in", &pwhat, d) {
            Some(s) => match s.value.as_str() {
                "path" => ParamIn::Path,
                "query" => ParamIn::Query,
                "header" => ParamIn::Header,
                other => {
                    d.error_suggest(
                        &s.loc,
                        format!("{pwhat}: `in` must be `path`, `query` or `header`, not `{other}`"),
                        other,
                        ["path", "query", "header"],
                    );
                    continue;
                }
            },
            None => continue,
        };
        let required_key = extra.get("required");
        let required = match location {
            ParamIn::Path => {
                if let Some(loc) = extra.key_loc(src, "required") {
                    d.error(
                        &loc,
                        format!("{pwhat}: path parameters are always required"),
                    );
                }
                true
            }
            _ => required_key.is_some_and(|n| {
                yaml::boolean(src, n, &format!("`required` of {pwhat}"), d).unwrap_or(false)
            }),
        };
        let wire_name = match extra.opt_str(src, "name", &pwhat, d) {
            Some(n) if location == ParamIn::Header => n.value.to_ascii_lowercase(),
            Some(n) => {
                d.error(
                    &n.loc,
                    format!("{pwhat}: `name` applies to header parameters only"),
                );
                name.value.clone()
            }
            None if location == ParamIn::Header => name.value.replace('_', "-"),
            None => name.value.clone(),
        };
        if matches!(spec.ty.kind, TypeKind::Array(_)) {
            d.error_help(
                &spec.ty.loc,
                format!("{pwhat}: parameters must be scalars"),
                "send lists and objects in the JSON body",
            );
        }
        if spec.nullable {
            d.error(&spec.ty.loc, format!("{pwhat}: parameters cannot be `nullable`; an absent optional parameter is already `None`"));
        }
        if required && spec.default.is_some() {
            d.error(
                &spec
                    .default
                    .as_ref()
                    .map_or(name.loc.clone(), |d| d.loc.clone()),
                format!("{pwhat}: a required parameter cannot have a `default`"),
            );
        }
        let roles = extra
            .get("roles")
            .map(|n| yaml::string_list(src, n, &format!("`roles` of {pwhat}"), d));
        if roles.is_some() && spec.default.is_some() {
            d.error_help(
                &extra
                    .key_loc(src, "roles")
                    .unwrap_or_else(|| name.loc.clone()),
                format!("{pwhat}: a parameter with a `default` cannot be limited to some roles"),
                "remove the `default`: the roles check refuses the parameter when it is sent",
            );
        }
        if roles.is_some() && required {
            d.error_help(
                &extra
                    .key_loc(src, "roles")
                    .unwrap_or_else(|| name.loc.clone()),
                format!("{pwhat}: a required parameter cannot be limited to some roles"),
                "make it optional, so that the other roles can call the endpoint without it",
            );
        }
        failed.pop();
        out.push(Param {
            name,
            location,
            wire_name,
            required,
            roles,
            spec,
        });
    }
    (out, failed)
}

fn parse_body(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<TypeRef> {
    let bwhat = format!("`body` of {what}");
    let name = match node {
        Node::Mapping(_) => {
            let map = Map::of(src, node, &bwhat, d)?;
            map.allow(src, &["schema"], &bwhat, d);
            map.req_str(src, "schema", &bwhat, d)?
        }
        _ => yaml::string(src, node, &bwhat, d)?,
    };
    if !names::is_pascal_case(&name.value) {
        d.error_help(
            &name.loc,
            format!("{bwhat} must name an object schema"),
            "declare the body under `schemas:` and name it here",
        );
        return None;
    }
    Some(TypeRef {
        kind: TypeKind::Named(name.value),
        loc: name.loc,
    })
}

fn parse_query_uses(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Vec<QueryUse> {
    let Some(list) = node.as_sequence() else {
        d.error_help(
            &src.node_loc(node),
            format!("`queries` of {what} must be a list"),
            "write `queries: [catalog.get_product]`",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in list.iter() {
        let loc = src.node_loc(item);
        let qwhat = format!("a query of {what}");
        match item {
            Node::Scalar(s) => out.push(QueryUse {
                query: Spanned::new(s.as_str().to_owned(), loc.clone()),
                into: None,
                bind: Vec::new(),
                paginate: None,
                guard: None,
                returns: None,
                loc,
            }),
            Node::Mapping(_) => {
                let Some(map) = Map::of(src, item, &qwhat, d) else {
                    continue;
                };
                map.allow(
                    src,
                    &["query", "into", "bind", "paginate", "guard", "returns"],
                    &qwhat,
                    d,
                );
                let Some(query) = map.req_str(src, "query", &qwhat, d) else {
                    continue;
                };
                let bind = map
                    .get("bind")
                    .map(|b| {
                        yaml::string_map(src, b, &format!("`bind` of {qwhat}"), "a `bind` input", d)
                    })
                    .unwrap_or_default();
                let paginate = map
                    .get("paginate")
                    .and_then(|p| parse_paginate(src, p, &qwhat, d));
                let guard = map
                    .get("guard")
                    .and_then(|g| parse_guard(src, g, &qwhat, d));
                out.push(QueryUse {
                    query,
                    into: map.opt_str(src, "into", &qwhat, d),
                    bind,
                    paginate,
                    guard,
                    returns: map.opt_str(src, "returns", &qwhat, d),
                    loc,
                });
            }
            Node::Sequence(_) => d.error(&loc, format!("{qwhat} must be a name or a mapping")),
        }
    }
    out
}

/// `guard: 409`: the status of the declared error response a row refuses
/// the request with.
fn parse_guard(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<Spanned<u16>> {
    let status = yaml::unsigned(src, node, &format!("`guard` of {what}"), d)?;
    match u16::try_from(status.value) {
        Ok(code) if (400..500).contains(&code) => Some(Spanned::new(code, status.loc)),
        _ => {
            d.error_help(
                &status.loc,
                format!(
                    "`guard` of {what} must be a client error status (400 to 499), not {}",
                    status.value
                ),
                "a guard refuses a request, such as `guard: 409`",
            );
            None
        }
    }
}

fn parse_paginate(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Option<Paginate> {
    let pwhat = format!("`paginate` of {what}");
    let map = Map::of(src, node, &pwhat, d)?;
    map.allow(
        src,
        &["key", "default_limit", "max_limit", "scan"],
        &pwhat,
        d,
    );
    let key = match map.get("key") {
        Some(k) => yaml::string_list(src, k, &format!("`key` of {pwhat}"), d),
        None => {
            d.error_help(&src.node_loc(node), format!("{pwhat} is missing `key`"), "list the result columns that order the rows uniquely, such as `key: [sort_key, id]`");
            return None;
        }
    };
    let default_limit = map
        .get("default_limit")
        .and_then(|n| yaml::unsigned(src, n, "`default_limit`", d))
        .map_or(20, |s| s.value);
    let max_limit = map
        .get("max_limit")
        .and_then(|n| yaml::unsigned(src, n, "`max_limit`", d))
        .map_or(100, |s| s.value);
    let loc = src.node_loc(node);
    if default_limit == 0 || default_limit > max_limit {
        d.error(&loc, format!("{pwhat}: `default_limit` ({default_limit}) must be between 1 and `max_limit` ({max_limit})"));
    }
    if max_limit > 1000 {
        d.error(
            &loc,
            format!("{pwhat}: `max_limit` ({max_limit}) must be at most 1000"),
        );
    }
    let scan = map
        .get("scan")
        .and_then(|n| yaml::unsigned(src, n, "`scan`", d))
        .map(|s| s.value);
    if let Some(scan) = scan
        && scan <= max_limit
    {
        d.error_help(
            &loc,
            format!("{pwhat}: `scan` ({scan}) must be larger than `max_limit` ({max_limit})"),
            "a full page needs one row more than it holds, to tell whether another page follows",
        );
    }
    Some(Paginate {
        key,
        default_limit,
        max_limit,
        scan,
        loc,
    })
}
