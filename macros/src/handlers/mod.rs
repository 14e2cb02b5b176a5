//! Checks that each custom handler named in the spec exists and has the
//! signature its endpoint needs, by reading the Rust source the way the
//! compiler would find it: from the file that calls `keel::api!`, down the
//! handler's module path (`orders::create_order` is `fn create_order` in
//! `orders.rs` or `orders/mod.rs`, or in an inline `mod orders { .. }`).
//!
//! The check is syntactic and says nothing where it cannot be sure (a
//! function brought in by `use`, made by a macro, or a module it cannot
//! find); the generated code calls the handler with the exact types, so the
//! compiler catches whatever this lets through.

use std::path::{Path, PathBuf};
use std::rc::Rc;

mod find;
mod locate;
mod signature;

use crate::diag::{Diagnostics, Loc};
use crate::spec::{Implementation, Spec};
use find::find;
use locate::locate;
use signature::signature_problem;

/// Where the macro is called from.
pub struct CallSite<'a> {
    /// The file that calls `keel::api!`.
    pub file: &'a Path,
    /// The line and column (1-based) of the call, when known: handlers'
    /// paths start from the module the call is in.
    pub at: Option<(usize, usize)>,
    /// Turns a path into how messages show it.
    pub display: &'a dyn Fn(&Path) -> Rc<str>,
}

/// Checks every handler of `spec`; files read are added to `tracked`.
pub fn check(spec: &Spec, site: &CallSite<'_>, tracked: &mut Vec<PathBuf>, d: &mut Diagnostics) {
    let ids: Vec<&str> = spec.endpoints.iter().map(|e| e.id.value.as_str()).collect();
    for endpoint in &spec.endpoints {
        let Implementation::Handler { path, .. } = &endpoint.implementation else {
            continue;
        };
        let id = &endpoint.id.value;
        let segments: Vec<&str> = path.value.split("::").collect();
        let Some((name, modules)) = segments.split_last() else {
            continue;
        };
        if modules
            .first()
            .is_some_and(|m| matches!(*m, "super" | "self" | "crate"))
        {
            // Outside what this check follows; the compiler checks it.
            continue;
        }
        let expected = expected_signature(name, id);
        match find(site, modules, name, tracked) {
            Found::Fn {
                file,
                text,
                item,
                inline,
            } => {
                let loc = locate(&text, name, &inline).map_or_else(
                    || Loc::file_start(&(site.display)(&file)),
                    |(line, col)| Loc::new(&(site.display)(&file), line, col),
                );
                if let Some(problem) = signature_problem(&item, id, &ids) {
                    d.error_help(
                        &loc,
                        format!("handler `{}` of endpoint `{id}` {problem}", path.value),
                        format!("the endpoint needs `{expected}`"),
                    );
                }
            }
            Found::Missing { file, fns } => {
                let shown = (site.display)(&file);
                let near = crate::names::did_you_mean(name, fns.iter().map(String::as_str));
                let help = match near {
                    Some(n) => {
                        format!("did you mean `{n}`? The endpoint needs `{expected}`")
                    }
                    None => format!("add `{expected} {{ .. }}` to {shown}"),
                };
                d.error_help(
                    &path.loc,
                    format!(
                        "endpoint `{id}`: handler `{}` does not exist: {shown} has no `fn {name}`",
                        path.value
                    ),
                    help,
                );
            }
            Found::NoModule {
                module,
                looked,
                declared,
            } => {
                let looked: Vec<String> = looked
                    .iter()
                    .map(|p| (site.display)(p).to_string())
                    .collect();
                let looked = looked.join(" or ");
                d.error_help(
                    &path.loc,
                    format!(
                        "endpoint `{id}`: handler `{}` is in module `{module}`, which is not declared",
                        path.value
                    ),
                    match crate::names::did_you_mean(&module, declared.iter().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}::{name}`?"),
                        None => format!(
                            "declare `mod {module};` next to the `keel::api!` call, with the module in {looked}; the endpoint needs `{expected}`"
                        ),
                    },
                );
            }
            Found::Unknown => {}
        }
    }
}

/// The signature an endpoint's handler must have.
pub fn expected_signature(name: &str, id: &str) -> String {
    format!(
        "pub async fn {name}(db: &impl keel::Database, input: endpoints::{id}::Input) -> Result<endpoints::{id}::Output, keel::Problem>"
    )
}

pub(super) enum Found {
    /// The function, in `file` (whose text is `text`), inside the inline
    /// modules `inline`.
    Fn {
        file: PathBuf,
        text: String,
        item: Box<syn::ItemFn>,
        inline: Vec<String>,
    },
    /// The module exists and surely has no such function; its functions.
    Missing { file: PathBuf, fns: Vec<String> },
    /// A module on the path is not declared at all.
    NoModule {
        module: String,
        looked: Vec<PathBuf>,
        declared: Vec<String>,
    },
    /// Cannot tell.
    Unknown,
}
