//! The typed bindings of the queries a handler runs: a `…Params` struct
//! and a function per query, and a row struct, or with `returns:` the spec
//! type its rows become.

use super::access::SecurityModel;
use super::plan::{BindingPlan, BoundParam, EndpointKind, EndpointPlan, MappedPlan, Ty};
use super::types::TypeTable;
use crate::diag::Diagnostics;
use crate::spec::{Implementation, Spec};
use crate::sql::Query;
use crate::sql::analyze::Described;
use crate::sql::infer::SqlType;

/// The typed binding of a query a handler runs. Annotation errors were
/// reported already, so here they only make the binding absent.
pub(super) fn binding(
    types: &TypeTable,
    security: &SecurityModel<'_>,
    query: &Query,
    described: &Described,
) -> Option<BindingPlan> {
    let mut params = Vec::new();
    for p in &query.params {
        if let Some(claim) = security.claim_of_param(&p.value) {
            params.push((p.value.clone(), BoundParam::Claim(claim)));
            continue;
        }
        let annotated = query.param_types.iter().find(|(n, _)| n.value == p.value);
        let (ty, nullable) = match annotated {
            Some((_, t)) => (
                types.resolve_annotation(&t.name, &t.loc, &mut Diagnostics::default())?,
                t.nullable,
            ),
            // The type of what it is compared with, inserted into or
            // assigned to; `keel::Value` when nothing tells.
            None => {
                let used = described
                    .params
                    .iter()
                    .filter(|(n, _)| *n == p.value)
                    .map(|(_, u)| u.ty)
                    .find(|t| *t != SqlType::Unknown);
                (used.map_or(Ty::Any, sql_ty), false)
            }
        };
        params.push((p.value.clone(), BoundParam::Field(ty, nullable)));
    }
    let mut row = Vec::new();
    for column in &described.columns {
        let annotated = query
            .column_types
            .iter()
            .find(|(n, _)| n.value == column.name);
        let (ty, nullable) = match annotated {
            Some((_, t)) => (
                types.resolve_annotation(&t.name, &t.loc, &mut Diagnostics::default())?,
                t.nullable,
            ),
            None => (sql_ty(column.typed.ty), column.typed.nullable),
        };
        row.push((column.name.clone(), ty, nullable));
    }
    Some(BindingPlan {
        params,
        row,
        mapped: None,
    })
}

/// The Rust type for an inferred SQL type; `Any` where it is not known.
fn sql_ty(ty: SqlType) -> Ty {
    match ty {
        SqlType::Integer => Ty::I64,
        SqlType::Real => Ty::F64,
        SqlType::Text => Ty::Str(None),
        SqlType::Blob | SqlType::Unknown => Ty::Any,
    }
}

/// The binding of query `index` for the handlers that run it: mapped into
/// a spec type when they declare `returns:` for it (all alike), with the
/// parameters of the queries that fill its lists.
pub(super) fn for_handlers(
    types: &TypeTable,
    security: &SecurityModel<'_>,
    sql: &super::Resolved<'_>,
    spec: &Spec,
    endpoints: &[EndpointPlan],
    index: usize,
    d: &mut Diagnostics,
) -> Option<BindingPlan> {
    let query = &sql.queries[index];
    let described = sql.described(index)?;
    let mut binding = binding(types, security, query, described)?;
    let maps: Vec<&MappedPlan> = endpoints
        .iter()
        .filter_map(|e| match &e.kind {
            EndpointKind::Handler { mapped, .. } => mapped.iter().find(|(q, _)| *q == index),
            EndpointKind::Declarative { .. } => None,
        })
        .map(|(_, m)| m)
        .collect();
    let flat = spec.endpoints.iter().any(|e| match &e.implementation {
        Implementation::Handler { queries, .. } => queries
            .iter()
            .any(|q| q.query.value == query.full_name && q.returns.is_none() && q.into.is_none()),
        Implementation::Queries(_) => false,
    });
    let Some(first) = maps.first() else {
        return Some(binding);
    };
    if flat
        || maps
            .iter()
            .any(|m| m.type_name != first.type_name || m.parts != first.parts)
    {
        d.error_help(
            &query.name.loc,
            format!(
                "the handlers that run query `{}` want its rows in different forms; its typed binding is one function",
                query.full_name
            ),
            "give it the same `returns:` (and `into:` entries) in every handler's `queries:`, or map a copy of the query",
        );
        return None;
    }
    let mut mapped = (*first).clone();
    for &part in &mapped.parts {
        let part_binding = binding_of(types, security, sql, part)?;
        mapped.part_params.push(part_binding.params);
    }
    binding.mapped = Some(mapped);
    Some(binding)
}

fn binding_of(
    types: &TypeTable,
    security: &SecurityModel<'_>,
    sql: &super::Resolved<'_>,
    index: usize,
) -> Option<BindingPlan> {
    binding(types, security, &sql.queries[index], sql.described(index)?)
}
