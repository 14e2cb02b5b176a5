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
mod contract;
mod diag;
mod driver;
mod expand;
mod handlers;
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
/// ```text
/// keel::api!(spec = "../api.yaml", queries = "queries", migrations = "../migrations");
/// ```
///
/// Paths are relative to the crate's `Cargo.toml` (or, with
/// `paths_from = "file"`, to the file that calls the macro); the defaults
/// are `api.yaml`, `queries` and `migrations`.
#[proc_macro]
pub fn api(input: TokenStream) -> TokenStream {
    let input = proc_macro2::TokenStream::from(input);
    // The calling file, where handlers' modules are looked for. Relative
    // paths are relative to the compiler's working directory.
    let call_site = proc_macro::Span::call_site();
    let call_at = Some((call_site.line(), call_site.column()));
    let call_file = call_site.local_file().map(|file| {
        if file.is_relative() {
            std::env::current_dir().map_or(file.clone(), |cwd| cwd.join(&file))
        } else {
            file
        }
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        driver::run(input, call_file.as_deref(), call_at)
    }));
    match result {
        Ok(tokens) => tokens.into(),
        Err(_) => quote::quote! {
            ::core::compile_error!("keel: internal error while generating the API; please report it with the spec that caused it");
        }
        .into(),
    }
}
