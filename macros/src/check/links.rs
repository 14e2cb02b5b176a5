//! Response headers that link to another endpoint (`Location: { link:
//! get_order, with: { order_id: id } }`): the target must be a GET
//! endpoint, and each of its path parameters must come from a field of
//! the response body that is always there and has a suitable type.

use super::plan::{EndpointPlan, LinkPlan, LinkSegment, Ty};
use super::types::{TypeTable, describe};
use crate::diag::Diagnostics;
use crate::names;
use crate::spec::{HttpMethod, Segment, Spec, TypeKind};

/// Plans every link header of the spec onto the endpoints' plans.
pub(super) fn plan(
    spec: &Spec,
    types: &TypeTable,
    endpoints: &mut [EndpointPlan],
    d: &mut Diagnostics,
) {
    for endpoint in &spec.endpoints {
        let what = format!("endpoint `{}`", endpoint.id.value);
        for response in &endpoint.responses {
            for header in &response.headers {
                let Some(link) = &header.link else { continue };
                let hwhat = format!(
                    "header `{}` of response {} of {what}",
                    header.name.value, response.status.value
                );
                let Some(target) = spec
                    .endpoints
                    .iter()
                    .find(|e| e.id.value == link.endpoint.value)
                else {
                    let ids: Vec<&str> =
                        spec.endpoints.iter().map(|e| e.id.value.as_str()).collect();
                    d.error_suggest(
                        &link.endpoint.loc,
                        format!(
                            "{hwhat} links to `{}`, which is not an endpoint",
                            link.endpoint.value
                        ),
                        &link.endpoint.value,
                        ids.iter().copied(),
                    );
                    continue;
                };
                if target.method != HttpMethod::Get {
                    d.error_help(
                        &link.endpoint.loc,
                        format!("{hwhat} links to `{}`, which is a {}; a link points at what a client can GET", target.id.value, target.method.as_str()),
                        "link to the GET endpoint of the resource",
                    );
                    continue;
                }
                let body = match response.schema.as_ref().map(|s| &s.kind) {
                    Some(TypeKind::Named(name)) => types.fields(name),
                    _ => {
                        d.error(
                            &header.name.loc,
                            format!("{hwhat}: a link is made from the response body, and this response has none"),
                        );
                        continue;
                    }
                };
                let Some(target_plan) = endpoints.iter().find(|e| e.id == target.id.value) else {
                    continue;
                };
                let path_params = target.path_params();
                let mut ok = true;
                for (param, field) in &link.with {
                    if !path_params.contains(&param.value.as_str()) {
                        ok = false;
                        d.error_suggest(
                            &param.loc,
                            format!(
                                "{hwhat}: `{}` has no path parameter `{}`; its path parameters are {}",
                                target.id.value,
                                param.value,
                                names::one_of(&path_params)
                            ),
                            &param.value,
                            path_params.iter().copied(),
                        );
                    }
                    if !body.iter().any(|f| f.name == field.value) {
                        ok = false;
                        d.error_suggest(
                            &field.loc,
                            format!(
                                "{hwhat}: the response body has no field `{}`; its fields are {}",
                                field.value,
                                names::one_of(
                                    &body.iter().map(|f| f.name.as_str()).collect::<Vec<_>>()
                                )
                            ),
                            &field.value,
                            body.iter().map(|f| f.name.as_str()),
                        );
                    }
                }
                if !ok {
                    continue;
                }
                let mut segments = Vec::new();
                let mut params = Vec::new();
                for segment in &target.segments {
                    let param = match segment {
                        Segment::Static(s) => {
                            segments.push(LinkSegment::Static(s.clone()));
                            continue;
                        }
                        Segment::Param(p) => p,
                    };
                    let field_name = link
                        .with
                        .iter()
                        .find(|(p, _)| &p.value == param)
                        .map_or(param.as_str(), |(_, f)| f.value.as_str());
                    let Some(field) = body.iter().find(|f| f.name == field_name) else {
                        d.error_help(
                            &link.endpoint.loc,
                            format!("{hwhat}: `{}` needs its path parameter `{param}`, and the response body has no field of that name", target.id.value),
                            format!("say which field gives it: `with: {{ {param}: <field> }}`"),
                        );
                        ok = false;
                        continue;
                    };
                    let expected = target_plan
                        .params
                        .iter()
                        .find(|p| &p.name == param)
                        .map(|p| &p.ty);
                    let suits = match (&field.ty, expected) {
                        (Ty::I64 | Ty::I32, Some(Ty::I64 | Ty::I32)) => true,
                        (Ty::Str(_) | Ty::Enum(_), Some(Ty::Str(_))) => true,
                        (a, Some(b)) => a == b,
                        (_, None) => true,
                    };
                    if field.optional || field.nullable || !suits {
                        let why = if suits {
                            "it may be absent or null, and a link is always made".to_owned()
                        } else {
                            format!(
                                "it is {}, and `{param}` of `{}` is {}",
                                describe(&field.ty),
                                target.id.value,
                                expected.map_or_else(String::new, describe)
                            )
                        };
                        d.error(
                            &link.endpoint.loc,
                            format!("{hwhat}: field `{}` of the response body cannot give `{param}`: {why}", field.name),
                        );
                        ok = false;
                        continue;
                    }
                    segments.push(LinkSegment::Field(field.name.clone(), field.ty.clone()));
                    params.push((param.clone(), field.name.clone()));
                }
                if !ok {
                    continue;
                }
                if let Some(plan) = endpoints.iter_mut().find(|e| e.id == endpoint.id.value) {
                    plan.links.push((
                        response.status.value,
                        LinkPlan {
                            wire_name: header.name.value.to_ascii_lowercase(),
                            endpoint: target.id.value.clone(),
                            segments,
                            params,
                        },
                    ));
                }
            }
        }
    }
}
