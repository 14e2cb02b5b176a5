//! The `endpoints` module: one handler per endpoint. Each reads and checks
//! every input (collecting all violations; see `extract`), then either runs
//! its queries in one batch and builds the response from the rows, or calls
//! the custom handler with typed inputs and renders its typed output.

mod declarative;
mod guards;
mod handler;
mod links;

use proc_macro2::TokenStream;
use quote::quote;

pub(super) use declarative::object_expr;

use super::ident;
use crate::check::plan::*;
use crate::spec::Segment;

pub(super) fn expand(plan: &Plan) -> TokenStream {
    let endpoints = plan.endpoints.iter().map(|e| endpoint(plan, e));
    quote! {
        /// One handler per endpoint of the spec.
        pub mod endpoints {
            #(#endpoints)*
        }
    }
}

/// The number of `{params}` in an endpoint's path.
pub(super) fn path_arity(e: &EndpointPlan) -> usize {
    e.segments
        .iter()
        .filter(|s| matches!(s, Segment::Param(_)))
        .count()
}

fn endpoint(plan: &Plan, e: &EndpointPlan) -> TokenStream {
    let module = ident(&e.id);
    let arity = path_arity(e);
    let (extract, inputs) = super::extract::extraction(e);
    let (io_types, run) = match &e.kind {
        EndpointKind::Declarative { .. } => (TokenStream::new(), declarative::run(plan, e)),
        EndpointKind::Handler { path, outputs, .. } => handler::run(e, path, outputs, &inputs),
    };
    // Who the caller is, before any input is read: an unauthenticated
    // request learns nothing about what the endpoint accepts.
    let authenticate = e
        .access
        .as_ref()
        .map(super::auth::authenticate)
        .unwrap_or_default();
    // The handler's input takes the caller: it is made where it is used.
    let caller = if e.access.is_some() {
        super::auth::make_caller()
    } else {
        TokenStream::new()
    };
    let param_roles = e.params.iter().filter_map(|p| {
        p.roles
            .as_ref()
            .map(|roles| super::auth::param_roles(&plan.security, &p.name, roles))
    });
    let doc = format!(
        " `{} {}`{}",
        e.method.as_str(),
        e.route(),
        e.summary
            .as_ref()
            .map(|s| format!(": {s}"))
            .unwrap_or_default()
    );
    let serve = quote! {
        let mut __v = ::keel::Violations::new();
        #extract
        #(#param_roles)*
        #run
    };
    let body = match &e.idempotency {
        None => quote! {
            let __db = __cx.db;
            #authenticate
            #caller
            #serve
        },
        Some(idempotency) => {
            super::idempotency::serve(plan, e, idempotency, &authenticate, &caller, &serve)
        }
    };
    quote! {
        #[doc = #doc]
        pub mod #module {
            #[allow(unused_imports)]
            use super::super::types;
            #[allow(unused_imports)]
            use super::super::queries;
            #[allow(unused_imports)]
            use super::super::auth;

            #io_types

            #[allow(unused_variables, unused_mut, clippy::all)]
            pub(crate) async fn handle<D: ::keel::Database>(
                __cx: &::keel::Context<'_, D>,
                __req: &::keel::Request,
                __path: [&str; #arity],
            ) -> ::std::result::Result<::keel::Response, ::keel::Problem> {
                #body
            }
        }
    }
}
