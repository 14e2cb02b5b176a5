//! Inputs the fuzzer (`fuzz/`) and the probes written around it found to
//! make the macro panic, hang or crash, each reduced to the mistake that did
//! it, run under a time limit and checked for what it must do instead.

use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::{MIGRATION, QUERIES, SPEC, run};
use crate::diag::Diagnostics;
use crate::sql::analyze::{MigrationFile, Schema};

/// Runs `f` on another thread with the compiler's stack size, and fails if
/// it takes longer than a generous limit (a hang), or panics.
fn in_time<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn");
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(value) => value,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("the macro hangs"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the macro panicked"),
    }
}

/// The macro's messages for the small spec's three files, computed in time.
fn run_in_time(spec: &str, queries: &str, migration: &str) -> Vec<String> {
    let (spec, queries, migration) = (spec.to_owned(), queries.to_owned(), migration.to_owned());
    in_time(move || run(&spec, &queries, &migration))
}

/// The files of the expansion fixture with a custom handler, as (path,
/// text).
fn handler_fixture() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand/handler");
    [
        "api.yaml",
        "queries/counters.sql",
        "migrations/0001_counters.sql",
    ]
    .iter()
    .map(|f| {
        let text = std::fs::read_to_string(dir.join(f)).expect("fixture");
        ((*f).to_owned(), text)
    })
    .collect()
}

/// The macro's messages for a crate of `files` (path, text), edited by
/// `edit` (path, text → new text), computed in time. With a `src/lib.rs`,
/// the macro is called from its first line, and handlers are checked.
fn crate_in_time(
    files: Vec<(String, String)>,
    edit: impl Fn(&str, String) -> String,
) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let text = edit(&path, text);
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    in_time(move || {
        let lib = dir.path().join("src/lib.rs");
        let files = crate::driver::Files {
            base: dir.path(),
            spec: "api.yaml",
            queries: "queries",
            migrations: "migrations",
            contract: None,
            call_file: lib.is_file().then_some(lib.as_path()),
            call_at: Some((1, 1)),
        };
        crate::driver::generate(&files).err().unwrap_or_default()
    })
}

/// A schema that contains itself was reported, but filling a response of
/// that schema from columns then recursed forever.
#[test]
fn a_response_schema_that_contains_itself_is_reported_once() {
    let spec = SPEC.replace(
        "      name: string\n  ItemList:",
        "      name: string\n      parent: Item\n  ItemList:",
    );
    assert_eq!(
        run_in_time(&spec, QUERIES, MIGRATION),
        vec![
            "api.yaml:5:3: schema `Item` contains itself (Item → Item) and would be infinitely large\n  help: break the cycle with an array, or make the field refer to an id"
        ]
    );
}

/// A misspelt name thousands of characters long: the edit distance behind
/// "did you mean" is quadratic in the length (20,000 characters took over a
/// minute), so names that long get no suggestion.
#[test]
fn very_long_names_get_no_suggestion_and_no_hang() {
    let long = "a".repeat(20_000);
    let queries = QUERIES.replace("list_items :many", &format!("{long}b :many"));
    let spec = SPEC.replace("items.list_items", &format!("items.{long}c"));
    let errors = run_in_time(&spec, &queries, MIGRATION);
    assert_eq!(errors.len(), 2);
    let unknown = format!("api.yaml:24:18: unknown query `items.{long}c`\n  note: error 1 of 2");
    assert!(
        errors[0] == unknown,
        "{}",
        &errors[0][errors[0].len() - 80..]
    );
    assert!(errors[1].contains("is not used by any endpoint"));
}

/// A migration statement that never ends (here a recursive CTE with no
/// stop, inserting rows for ever) hung the build; the migrations are now
/// interrupted after a time limit and the statement reported.
#[test]
fn a_migration_that_never_ends_is_stopped() {
    let text = format!(
        "{MIGRATION}\n-- Seed data.\nCREATE TABLE n AS\n  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)\n  SELECT x FROM c;\n"
    );
    let migration = MigrationFile {
        name: "0001_items.sql".to_owned(),
        path: "migrations/0001_items.sql".into(),
        display: Rc::from("migrations/0001_items.sql"),
        text,
    };
    let mut d = Diagnostics::default();
    let started = Instant::now();
    let schema = Schema::build_within(&[migration], Duration::from_millis(300), &mut d);
    assert!(schema.is_none());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let errors: Vec<String> = d.into_vec().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        vec![
            "migrations/0001_items.sql:3:1: migration 0001_items.sql still runs after 0.3 s and is stopped here\n  help: the migrations are applied to an in-memory SQLite on every build, so a statement that never ends (such as a recursive CTE with no stop) hangs it"
        ]
    );
}

/// Statements that return rows (a `SELECT`, `PRAGMA table_info`) are valid
/// in a migration, as on D1; they failed with "Execute returned results".
#[test]
fn migration_statements_that_return_rows_apply() {
    let migration = format!("{MIGRATION}\nPRAGMA table_info(items);\nSELECT 1;\n");
    assert_eq!(run_in_time(SPEC, QUERIES, &migration), Vec::<String>::new());
}

/// A handler's module with an expression nested some thousands of levels
/// deep, in brackets or in operators (valid Rust: rustc grows its stack),
/// overflowed the stack in `syn`, which aborts the compiler; the handler
/// check now leaves such a file to the compiler.
#[test]
fn a_handler_file_nested_too_deep_for_syn_is_left_to_the_compiler() {
    let check = |expression: String| {
        let mut files = handler_fixture();
        files.push((
            "src/lib.rs".to_owned(),
            "keel::api!();\n\nmod counters;\n".to_owned(),
        ));
        let counters =
            format!("pub async fn bump() {{}}\n\nfn table() -> i64 {{\n    {expression}\n}}\n");
        files.push(("src/counters.rs".to_owned(), counters));
        crate_in_time(files, |_, text| text)
    };
    let brackets = |n: usize| format!("{}1{}[0]", "[".repeat(n), "]".repeat(n));
    // Shallow: the handler is read and its signature found wrong.
    for shallow in [brackets(3), "- - - 1".to_owned()] {
        let errors = check(shallow);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with(
                "counters.rs:1:14: handler `counters::bump` of endpoint `bump` takes 0 arguments"
            ),
            "{}",
            errors[0]
        );
    }
    // Deep: not parsed, no crash, nothing said.
    for deep in [brackets(5_000), format!("{}1", "- ".repeat(5_000))] {
        assert_eq!(check(deep), Vec::<String>::new());
    }
}

/// A query column named `crate`, `self` or `super` (snake_case, so not
/// reported) panicked when it became a field of the query's row type.
#[test]
fn a_column_rust_cannot_name_is_reported() {
    let errors = crate_in_time(handler_fixture(), |_, text| {
        text.replace("RETURNING value;", "RETURNING value AS crate;")
    });
    assert_eq!(
        errors,
        vec![
            "queries/counters.sql:4:11: column of query `counters.bump`: `crate` is reserved in Rust and cannot be used as a name here\n  help: give it an alias with `AS`"
        ]
    );
}

/// A response header whose field name Rust cannot use (`Self` becomes
/// `self`, `9-Count` starts with a digit, an empty name is none) panicked
/// when it became a field of the handler's output.
#[test]
fn response_headers_rust_cannot_name_are_reported() {
    let header = |name: &'static str| {
        crate_in_time(handler_fixture(), move |_, text| {
            text.replace("X-Count:", &format!("{name}:"))
        })
    };
    assert_eq!(
        header("Self"),
        vec![
            "api.yaml:22:11: response 200 of endpoint `bump`: header `Self` becomes the field `self` of the handler's output: `self` is reserved in Rust and cannot be used as a name here"
        ]
    );
    assert_eq!(
        header("9-Count"),
        vec![
            "api.yaml:22:11: response 200 of endpoint `bump`: header `9-Count` does not start with a letter\n  help: it becomes the field `9_count` of the handler's output, which must start with a letter"
        ]
    );
    assert_eq!(
        header("''"),
        vec!["api.yaml:22:11: response 200 of endpoint `bump`: `` is not a valid header name"]
    );
}
