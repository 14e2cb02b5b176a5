//! An idempotent endpoint's handler, run through `keel::idempotency`: on
//! the key's record instead of the database when the key was used before.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use super::queries::{snapshot_name, static_name};
use crate::check::plan::{EndpointPlan, IdempotencyPlan, Plan};

/// The body of an idempotent endpoint's `handle`: `authenticate` (binding
/// `__principal`), then `serve` (extraction and the handler, after
/// `caller` makes `__caller`) under the endpoint's policy.
pub(super) fn serve(
    plan: &Plan,
    e: &EndpointPlan,
    idempotency: &IdempotencyPlan,
    authenticate: &TokenStream,
    caller: &TokenStream,
    serve: &TokenStream,
) -> TokenStream {
    let policy = policy(plan, e, idempotency);
    let principal = if e.access.is_some() {
        quote!(::core::option::Option::Some(&__principal))
    } else {
        quote!(::core::option::Option::None)
    };
    // The handler runs on the key's record instead of the database
    // when the key was used before; when another request claimed
    // the key first, once more on that request's record.
    quote! {
        #policy
        #authenticate
        let __scope = ::keel::idempotency::scope(&auth::SECURITY, #principal);
        let mut __idem = ::keel::idempotency::Idempotent::begin(__cx.db, &__IDEMPOTENCY, __req, __scope).await?;
        loop {
            let __db = &__idem;
            let __result: ::std::result::Result<::keel::Response, ::keel::Problem> = async {
                #caller
                #serve
            }
            .await;
            match __idem.settle(__result).await {
                ::keel::idempotency::Settled::Done(__result) => return __result,
                ::keel::idempotency::Settled::Again(__next) => __idem = __next,
            }
        }
    }
}

/// The `static` policy of an idempotent endpoint.
fn policy(plan: &Plan, e: &EndpointPlan, i: &IdempotencyPlan) -> TokenStream {
    let operation = &e.id;
    let required = i.required;
    let expires = i.expires_seconds;
    let snapshots = i
        .reads
        .iter()
        .filter_map(|&index| plan.queries.get(index))
        .map(|q| {
            let module = ident(&q.module);
            let name = static_name(q);
            let snapshot = snapshot_name(q);
            quote!((&queries::#module::#name, &queries::#module::#snapshot))
        });
    quote! {
        static __IDEMPOTENCY: ::keel::idempotency::Policy = ::keel::idempotency::Policy {
            operation: #operation,
            required: #required,
            expires: #expires,
            snapshots: &[#(#snapshots),*],
        };
    }
}
