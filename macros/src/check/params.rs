//! An endpoint's parameters: declared in the spec, resolved to types and
//! defaults, and the `limit` and `cursor` that pagination adds.

use super::plan::*;
use super::types::{TypeTable, describe, is_scalar, rules};
use crate::diag::Diagnostics;
use crate::names;
use crate::spec::{Endpoint, ParamIn, Scalar, Spanned};

/// Headers the framework reads and writes itself, which no parameter may
/// name.
const RESERVED_HEADERS: &[&str] = &["x-request-id"];

pub(super) fn params(
    types: &mut TypeTable,
    endpoint: &Endpoint,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<ParamPlan> {
    let path_params = endpoint.path_params();
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
        if param.location == ParamIn::Header
            && RESERVED_HEADERS
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&param.wire_name))
        {
            d.error_help(
                &param.name.loc,
                format!(
                    "{pwhat}: the header `{}` is the framework's own",
                    param.wire_name
                ),
                "`X-Request-Id` carries the request id every response and log line has (see docs/reliability.md); give this parameter another header name",
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
            roles: None,
            description: param.spec.description.clone(),
            example: param
                .spec
                .example
                .as_ref()
                .map(crate::spec::Sample::to_json),
            declared: true,
        });
    }
    out
}

fn default_value(
    types: &TypeTable,
    ty: &Ty,
    node: &Spanned<Option<Scalar>>,
    what: &str,
    d: &mut Diagnostics,
) -> Option<DefaultValue> {
    let scalar = node.value.as_ref();
    let parsed = match ty {
        Ty::I64 | Ty::I32 => scalar.and_then(|s| s.as_i64()).map(DefaultValue::Int),
        Ty::F64 => scalar.and_then(|s| s.as_f64()).map(DefaultValue::Number),
        Ty::Bool => scalar.and_then(|s| s.as_bool()).map(DefaultValue::Bool),
        Ty::Str(_) => scalar.map(|s| DefaultValue::Str(s.text.clone())),
        Ty::Enum(name) => {
            let value = scalar.map(|s| s.text.clone());
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

pub(super) fn add_page_params(
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
        roles: None,
        description: Some(match page.scan {
            None => format!("How many items a page holds, from 1 to {}.", page.max_limit),
            Some((rows, _)) => format!(
                "How many items a page holds at most, from 1 to {}. A page examines at most {rows} items, so when few match it may hold fewer, or none, and still have a `next_cursor`: follow it until it is null.",
                page.max_limit
            ),
        }),
        example: None,
        declared: false,
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
        roles: None,
        description: Some(
            "Where to continue: the `next_cursor` of the previous page, unchanged. Cursors are signed by the server and tied to the filters and sort that produced them; any other value is a 400."
                .to_owned(),
        ),
        example: None,
        declared: false,
    });
}
