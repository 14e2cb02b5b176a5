//! Compile-time errors, as a developer sees them: each case in `tests/ui/`
//! makes one mistake in a copy of this app (its `api.yaml`, queries,
//! migrations and Rust) and must fail to build with exactly the output
//! in its `.stderr` file.
//!
//! A case says what it changes in comments the harness reads:
//!
//! ```text
//! //! edit app/queries/catalog.sql
//! //!   replace `       p.description,`
//! //!   with    `       p.descripton,`
//! //! add migrations/0003_drop.sql
//! //!   `ALTER TABLE products DROP COLUMN description;`
//! ```
//!
//! In quoted text, `\n` stands for a line break.
//!
//! The copies are made fresh from the app's current files for every run
//! (in `tests/ui/copies/`, not committed), so a case keeps testing its one
//! mistake as the app changes; a `replace` whose text is no longer in the
//! file, or is there more than once, fails the run with a clear message.
//! `unchanged.rs` builds the unmodified copy, so a case's errors come from
//! its mistake alone. A case that says `//! It builds and runs.` makes a
//! change the checks must let through: it must build, and its `main` run. Refresh the expected output with
//! `TRYBUILD=overwrite cargo test -p app --test ui`.

#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

/// The files a copy of the app is made of: where they are in the workspace,
/// and where in the copy.
const COPIED: &[(&str, &str)] = &[
    ("api.yaml", "api.yaml"),
    ("app/queries", "queries"),
    ("migrations", "migrations"),
    ("app/src", "src"),
];

/// One change a case makes to its copy.
#[derive(Debug)]
enum Edit {
    Replace {
        file: String,
        from: String,
        to: String,
    },
    Add {
        file: String,
        text: String,
    },
}

#[test]
fn each_mistake_fails_the_build_where_it_is() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest
        .parent()
        .expect("the app is in the workspace")
        .to_path_buf();
    let ui = manifest.join("tests/ui");
    let copies = ui.join("copies");
    if copies.exists() {
        fs::remove_dir_all(&copies).expect("remove old copies");
    }

    let mut cases: Vec<PathBuf> = fs::read_dir(&ui)
        .expect("read tests/ui")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    cases.sort();
    assert!(cases.len() > 1, "no cases in {}", ui.display());

    let t = trybuild::TestCases::new();
    for case in &cases {
        let name = case
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("case names are UTF-8");
        let source = fs::read_to_string(case).expect("read case");
        let edits = parse_edits(name, &source);
        let copy = copies.join(name);
        make_copy(&workspace, &copy);
        for edit in &edits {
            apply(name, &copy, edit);
        }
        if name == "unchanged" {
            assert!(edits.is_empty(), "`unchanged` must not edit anything");
            t.pass(case);
        } else if source
            .lines()
            .any(|l| l.trim() == "//! It builds and runs.")
        {
            // A change the checks must let through, which its `main` checks.
            assert!(!edits.is_empty(), "case `{name}` makes no edit");
            t.pass(case);
        } else {
            assert!(!edits.is_empty(), "case `{name}` makes no edit");
            assert!(
                case.with_extension("stderr").exists() || std::env::var_os("TRYBUILD").is_some(),
                "case `{name}` has no .stderr; create it with TRYBUILD=overwrite"
            );
            t.compile_fail(case);
        }
    }
}

fn make_copy(workspace: &Path, copy: &Path) {
    for (from, to) in COPIED {
        let from = workspace.join(from);
        let to = copy.join(to);
        if from.is_dir() {
            fs::create_dir_all(&to).expect("create copy directory");
            for entry in fs::read_dir(&from).expect("read directory to copy") {
                let path = entry.expect("directory entry").path();
                if path.is_file() {
                    let name = path.file_name().expect("file name");
                    fs::copy(&path, to.join(name)).expect("copy file");
                }
            }
        } else {
            fs::create_dir_all(to.parent().expect("parent")).expect("create copy directory");
            fs::copy(&from, &to).expect("copy file");
        }
    }
}

/// Where a workspace path of the app is in a copy.
fn in_copy(copy: &Path, file: &str) -> PathBuf {
    for (from, to) in COPIED {
        if file == *from {
            return copy.join(to);
        }
        if let Some(rest) = file.strip_prefix(&format!("{from}/")) {
            return copy.join(to).join(rest);
        }
    }
    panic!("`{file}` is not part of the copied app; copied are {COPIED:?}");
}

fn apply(case: &str, copy: &Path, edit: &Edit) {
    match edit {
        Edit::Replace { file, from, to } => {
            let path = in_copy(copy, file);
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("case `{case}`: cannot read {file}: {e}"));
            let found = text.matches(from.as_str()).count();
            assert_eq!(
                found, 1,
                "case `{case}`: `{from}` is in {file} {found} times, not once; update the case"
            );
            fs::write(&path, text.replacen(from.as_str(), to, 1)).expect("write edit");
        }
        Edit::Add { file, text } => {
            let path = in_copy(copy, file);
            assert!(!path.exists(), "case `{case}`: {file} exists already");
            fs::write(&path, text).expect("write added file");
        }
    }
}

/// Reads a case's `//! edit` and `//! add` comments.
fn parse_edits(case: &str, source: &str) -> Vec<Edit> {
    let quoted = |line: &str, prefix: &str| -> Option<String> {
        let rest = line.strip_prefix(prefix)?.trim_start();
        let inner = rest.strip_prefix('`')?.strip_suffix('`')?;
        Some(inner.replace("\\n", "\n"))
    };
    let mut edits = Vec::new();
    let mut file: Option<String> = None;
    let mut pending: Option<String> = None;
    for line in source.lines().filter_map(|l| l.strip_prefix("//!")) {
        if let Some(path) = line.strip_prefix(" edit ") {
            file = Some(path.trim().to_owned());
        } else if let Some(path) = line.strip_prefix(" add ") {
            let path = path.trim().to_owned();
            edits.push(Edit::Add {
                file: path.clone(),
                text: String::new(),
            });
            file = Some(path);
        } else if let Some(from) = quoted(line, "   replace") {
            pending = Some(from);
        } else if let Some(to) = quoted(line, "   with") {
            let from = pending
                .take()
                .unwrap_or_else(|| panic!("case `{case}`: `with` without `replace`"));
            let file = file
                .clone()
                .unwrap_or_else(|| panic!("case `{case}`: `replace` before any `edit`"));
            edits.push(Edit::Replace { file, from, to });
        } else if let Some(text) = quoted(line, "  ") {
            match edits.last_mut() {
                Some(Edit::Add { text: body, .. }) => {
                    body.push_str(&text);
                    body.push('\n');
                }
                _ => panic!("case `{case}`: a quoted line outside an `add`"),
            }
        }
    }
    assert!(pending.is_none(), "case `{case}`: `replace` without `with`");
    edits
}
