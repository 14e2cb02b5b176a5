//! The runtime's modules form layers: no module reaches, through `crate::`
//! paths in its code, back to itself. A cycle makes two modules one in all
//! but name (neither can be read, tested or changed alone), so it fails
//! here with the modules it goes through.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The module each name `lib.rs` re-exports (`pub use db::{Database, ..}`)
/// comes from, so that `crate::Database` counts as a use of `db`.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for item in lib.split(';') {
        let Some(used) = item.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, rest)) = used.split_once("::") else {
            continue;
        };
        for name in rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if !name.is_empty() {
                names.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    names
}

/// Each top-level module of `src/` and the top-level modules its code
/// names with `crate::` (comments and `#[cfg(test)]` modules aside).
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let reexported = reexports(&fs::read_to_string(src.join("lib.rs")).expect("read lib.rs"));
    let mut modules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).expect("under src");
            let first = relative.components().next().expect("a component");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            if module == "lib" {
                continue;
            }
            let text = fs::read_to_string(&path).expect("read module");
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .lines()
                .map(|line| line.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n");
            let uses = modules.entry(module.clone()).or_default();
            for name in crate_paths(&code) {
                let used = reexported.get(&name).cloned().unwrap_or(name);
                if used != module {
                    uses.insert(used);
                }
            }
        }
    }
    modules
}

/// The first segment of every path `code` starts with `crate::`, including
/// each of a group (`crate::{db::Database, Problem}`).
fn crate_paths(code: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let mut depth = 0usize;
                let mut item_start = true;
                for (i, c) in group.char_indices() {
                    if item_start && !c.is_whitespace() {
                        names.push(ident(&group[i..]));
                        item_start = false;
                    }
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => item_start = true,
                        _ => {}
                    }
                }
            }
            None => names.push(ident(rest)),
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// A path from `from` back to `start`, if there is one.
fn cycle_through(
    modules: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    from: &str,
    path: &mut Vec<String>,
) -> bool {
    for next in modules.get(from).into_iter().flatten() {
        if next == start {
            return true;
        }
        if path.contains(next) || !modules.contains_key(next) {
            continue;
        }
        path.push(next.clone());
        if cycle_through(modules, start, next, path) {
            return true;
        }
        path.pop();
    }
    false
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let modules = dependencies();
    assert!(modules.contains_key("http") && modules.contains_key("problem"));
    let cycles: Vec<String> = modules
        .keys()
        .filter_map(|start| {
            let mut path = vec![start.clone()];
            cycle_through(&modules, start, start, &mut path).then(|| {
                path.push(start.clone());
                path.join(" -> ")
            })
        })
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn paths_and_groups_are_read() {
    assert_eq!(
        crate_paths(
            "use crate::db::Database;\nuse crate::{\n    problem::Problem,\n    Value, http::{Request, Response},\n};\nlet x = crate::log::error(\"\");"
        ),
        ["db", "problem", "Value", "http", "log"]
    );
}

#[test]
fn a_cycle_is_found() {
    let modules: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(m, deps)| (m.to_owned(), deps.into_iter().map(str::to_owned).collect()))
    .collect();
    let mut path = vec!["a".to_owned()];
    assert!(cycle_through(&modules, "a", "a", &mut path));
    assert_eq!(path, ["a", "b", "c"]);
    let mut path = vec!["d".to_owned()];
    assert!(!cycle_through(&modules, "d", "d", &mut path));
}
