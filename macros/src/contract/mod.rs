//! The released contract and what a change does to its clients.
//!
//! With `contract = "<dir>"`, the macro compares the OpenAPI document it
//! has just built with the one last released (`<dir>/v<major>.json`, the
//! highest major not above `info.version`'s), and classifies each
//! difference as compatible or breaking for clients (the rules are in
//! `docs/openapi.md`). A breaking change is a compile error at its place in
//! `api.yaml`, unless `info.version`'s major was raised; every change goes
//! into the API changelog the generated code carries
//! (`Service::API_CHANGELOG`).

mod operations;
mod schema;

use std::path::Path;
use std::rc::Rc;

use serde_json::Value;

use crate::diag::{Diagnostics, Loc};
use crate::spec::Spec;

/// The two documents being compared.
pub(crate) struct Docs<'a> {
    pub old: &'a Value,
    pub new: &'a Value,
}

/// Where a change is, in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The spec as a whole (`info`).
    Spec,
    /// An endpoint, by operation id.
    Endpoint(String),
    /// A parameter of an endpoint.
    Param(String, String),
    /// A response of an endpoint.
    Response(String, u16),
    /// A schema.
    Schema(String),
    /// A property of a schema.
    Property(String, String),
}

/// One difference between the released contract and the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// Whether a client written against the released contract can break.
    pub breaking: bool,
    /// The rule that classified it (`response-property-removed`).
    pub rule: &'static str,
    /// What changed.
    pub text: String,
    /// Where.
    pub anchor: Anchor,
}

/// Every difference between `old` and `new`, in document order.
pub(crate) fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let docs = Docs { old, new };
    let mut out = Vec::new();
    operations::compare(&docs, &mut out);
    let schemes = |doc: &Value| -> Vec<String> {
        doc["components"]["securitySchemes"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let now = schemes(new);
    for scheme in schemes(old) {
        if !now.contains(&scheme) {
            out.push(Change {
                breaking: true,
                rule: "security-scheme-removed",
                text: format!("the security scheme `{scheme}` was removed"),
                anchor: Anchor::Spec,
            });
        }
    }
    out
}

/// The major number of a version (`1` of `1.4.0`).
fn major(version: &str) -> Option<u64> {
    version
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// The released contract for `version`: `v<major>.json` in `dir`, with the
/// highest major not above `version`'s.
pub(crate) fn released_path(
    dir: &Path,
    version: &str,
) -> Result<Option<std::path::PathBuf>, String> {
    let current = major(version).unwrap_or(0);
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the contract directory {}: {e}", dir.display()))?;
    let mut best: Option<(u64, std::path::PathBuf)> = None;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(n) = name
            .strip_prefix('v')
            .and_then(|s| s.strip_suffix(".json"))
            .and_then(|s| s.parse::<u64>().ok())
        else {
            continue;
        };
        if n <= current && best.as_ref().is_none_or(|(b, _)| n > *b) {
            best = Some((n, entry.path()));
        }
    }
    Ok(best.map(|(_, path)| path))
}

/// The released contract for `version`, by file name, and its document.
fn released(dir: &Path, version: &str) -> Result<Option<(String, Value)>, String> {
    let Some(path) = released_path(dir, version)? else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let doc = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a JSON document: {e}", path.display()))?;
    Ok(Some((
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        doc,
    )))
}

/// Checks the current document against the released contract in `dir`:
/// reports each breaking change (unless the major version was raised) at
/// its place in the spec, and returns the API changelog.
pub(crate) fn check(
    spec: &Spec,
    spec_file: &Rc<str>,
    dir: &Path,
    shown_dir: &str,
    document: &str,
    d: &mut Diagnostics,
) -> String {
    let version = &spec.info.version;
    let (file, old) = match released(dir, version) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return format!(
                "# API changelog\n\nNo version has been released yet: `{shown_dir}` holds no contract. Cut one with `cargo run -p app -- --openapi > {shown_dir}/v{}.json`.\n",
                major(version).unwrap_or(1)
            );
        }
        Err(message) => {
            d.error(&Loc::file_start(&Rc::from(shown_dir)), message);
            return String::new();
        }
    };
    let Ok(new) = serde_json::from_str::<Value>(document) else {
        return String::new();
    };
    let changes = diff(&old, &new);
    let old_version = old["info"]["version"].as_str().unwrap_or("?").to_owned();
    let raised = major(version) > major(&old_version);
    if !raised {
        for change in changes.iter().filter(|c| c.breaking) {
            d.error_help(
                &locate(spec, spec_file, &change.anchor),
                format!(
                    "breaking change to the released contract ({shown_dir}/{file}, version {old_version}): {} [{}]",
                    change.text, change.rule
                ),
                format!(
                    "clients written against {old_version} would break: keep it compatible (docs/openapi.md lists the rules), or raise the major version in `info.version` to release an incompatible API"
                ),
            );
        }
    }
    changelog(&changes, shown_dir, &file, &old_version, version)
}

/// The changelog of `changes` from `old_version` to `version`, in Markdown.
fn changelog(
    changes: &[Change],
    dir: &str,
    file: &str,
    old_version: &str,
    version: &str,
) -> String {
    let mut out = format!(
        "# API changelog\n\nChanges since the released contract `{dir}/{file}` (version {old_version}), \
         as the build classifies them (rules in `docs/openapi.md`). Generated: refresh with \
         `cargo run -q -p app -- --changelog > docs/CHANGELOG-API.md`.\n\n## {version}\n"
    );
    if changes.is_empty() {
        out.push_str("\nNo changes.\n");
        return out;
    }
    for (title, breaking) in [("Breaking", true), ("Compatible", false)] {
        let listed: Vec<&Change> = changes.iter().filter(|c| c.breaking == breaking).collect();
        if listed.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n"));
        for change in listed {
            out.push_str(&format!("- {} ({})\n", change.text, change.rule));
        }
    }
    out
}

/// Where `anchor` is in the spec; the file's start when it is gone.
fn locate(spec: &Spec, file: &Rc<str>, anchor: &Anchor) -> Loc {
    let start = || Loc::file_start(file);
    match anchor {
        Anchor::Spec => start(),
        Anchor::Endpoint(id) | Anchor::Param(id, _) | Anchor::Response(id, _) => {
            let Some(endpoint) = spec.endpoints.iter().find(|e| &e.id.value == id) else {
                return start();
            };
            match anchor {
                Anchor::Param(_, name) => endpoint
                    .params
                    .iter()
                    .find(|p| &p.name.value == name)
                    .map_or_else(|| endpoint.id.loc.clone(), |p| p.name.loc.clone()),
                Anchor::Response(_, status) => endpoint
                    .responses
                    .iter()
                    .find(|r| r.status.value == *status)
                    .map_or_else(|| endpoint.id.loc.clone(), |r| r.status.loc.clone()),
                _ => endpoint.id.loc.clone(),
            }
        }
        Anchor::Schema(name) | Anchor::Property(name, _) => {
            let Some(schema) = spec.schemas.iter().find(|s| &s.name.value == name) else {
                return start();
            };
            if let (Anchor::Property(_, property), crate::spec::SchemaKind::Object(fields)) =
                (anchor, &schema.kind)
                && let Some(field) = fields.iter().find(|f| &f.name.value == property)
            {
                return field.name.loc.clone();
            }
            schema.name.loc.clone()
        }
    }
}

#[cfg(test)]
mod tests;
