//! `idempotency:` of an endpoint: it must write, and every query it may run
//! must be one whose result a record can hold.

use super::Resolved;
use super::plan::IdempotencyPlan;
use crate::diag::Diagnostics;
use crate::spec::{Endpoint, HttpMethod, Idempotency, Implementation, Spec};
use crate::sql::analyze::Schema;

/// What the runtime reads and writes of the records' table.
const TABLE_PROBE: &str = "SELECT principal, operation, key, fingerprint, results, expires_at \
     FROM keel_idempotency WHERE principal = '' AND operation = '' AND key = ''";

/// When an endpoint takes idempotency keys, the migrations must create the
/// table their records live in.
pub fn check_table(spec: &Spec, schema: &Schema, d: &mut Diagnostics) {
    let Some(first) = spec.endpoints.iter().find_map(|e| e.idempotency.as_ref()) else {
        return;
    };
    if let Err(message) = schema.prepares(TABLE_PROBE) {
        d.error_help(
            &first.loc,
            format!(
                "`idempotency` keeps its records in the table `keel_idempotency`, which the migrations do not create as it needs ({message})"
            ),
            "add a migration that creates it: its text is `keel::idempotency::MIGRATION` (see docs/reliability.md)",
        );
    }
}

/// Checks an endpoint's idempotency declaration and plans it.
pub(super) fn check(
    sql: &Resolved<'_>,
    endpoint: &Endpoint,
    declared: &Idempotency,
    what: &str,
    d: &mut Diagnostics,
) -> Option<IdempotencyPlan> {
    let errors = d.count();
    if endpoint.method == HttpMethod::Get {
        d.error_help(
            &declared.loc,
            format!("{what}: `idempotency` applies to endpoints that write, not to GET"),
            "a GET is idempotent already; declare `idempotency` on the POST, PUT, PATCH or DELETE a client retries",
        );
    }
    let uses = match &endpoint.implementation {
        Implementation::Queries(uses) | Implementation::Handler { queries: uses, .. } => uses,
    };
    let mut reads = Vec::new();
    for entry in uses {
        let Some(index) = sql.index_of(&entry.query.value) else {
            continue;
        };
        let Some(described) = sql.described(index) else {
            continue;
        };
        if described.readonly {
            reads.push(index);
        } else if !described.columns.is_empty() {
            d.error_help(
                &entry.loc,
                format!(
                    "{what}: query `{}` writes and returns rows, which an idempotency record cannot copy",
                    entry.query.value
                ),
                "drop its `RETURNING` and read what the response needs with a SELECT after it in the same batch",
            );
        }
    }
    (d.count() == errors).then(|| IdempotencyPlan {
        required: declared.required,
        expires_seconds: u32::try_from(declared.expires_seconds).unwrap_or(u32::MAX),
        reads,
    })
}
