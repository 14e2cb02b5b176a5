//! The `keel::api!` macro: reads `api.yaml`, the annotated SQL in
//! `queries/` and the `migrations/` at compile time and generates the API's
//! types, typed query bindings, handlers and router.
//!
//! The pipeline, one module each: `spec` and `sql` parse the files into
//! located models; `sql::analyze` prepares every query against the
//! migrations in an in-memory SQLite; `check` resolves and cross-checks
//! everything into a plan; `expand` turns the plan into tokens. Every stage
//! records all the mistakes it finds in [`diag::Diagnostics`]; the macro
//! reports them together, each as `file:line:col: message`, and never
//! panics on bad input.

// Everything is internal to the macro; `pub` marks a module's interface.
#![allow(unreachable_pub)]

mod check;
mod diag;
mod expand;
mod load;
mod names;
mod openapi;
mod spec;
mod sql;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Generates an API from its spec. See the crate `keel` for the full
/// documentation.
///
/// ```ignore
/// keel::api!(spec = "../api.yaml", queries = "queries", migrations = "../migrations");
/// ```
///
/// Paths are relative to the crate's `Cargo.toml`; the defaults are
/// `api.yaml`, `queries` and `migrations`.
#[proc_macro]
pub fn api(input: TokenStream) -> TokenStream {
    let input = proc_macro2::TokenStream::from(input);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load::run(input)));
    match result {
        Ok(tokens) => tokens.into(),
        Err(_) => quote::quote! {
            ::core::compile_error!("keel: internal error while generating the API; please report it with the spec that caused it");
        }
        .into(),
    }
}
