//! The OpenAPI document as its users meet it: committed and current, valid
//! by a real validator, and good enough to generate working clients from.
//!
//! The clients are generated from the live server's `/openapi.json`
//! (TypeScript: openapi-typescript + openapi-fetch, type-checked with
//! `tsc --strict`) and from the committed document (Python:
//! openapi-python-client), then call the running native server and check
//! what they decode. The tools come from `package-lock.json` and
//! `app/tests/clients/python/requirements.txt`; `scripts/test.sh` installs
//! them.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::Server;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A tool the test command installs; its absence is a failure, not a skip.
fn tool(relative: &str) -> PathBuf {
    let path = root().join(relative);
    assert!(
        path.exists(),
        "{} is missing: run ./scripts/test.sh, which installs the test tools",
        path.display()
    );
    path
}

#[track_caller]
fn succeed(command: &mut Command) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A fresh directory with `node_modules` linked in, so that Node and `tsc`
/// resolve the client's packages wherever the target directory is.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::os::unix::fs::symlink(tool("node_modules"), dir.join("node_modules"))
        .expect("link node_modules");
    dir
}

#[test]
fn committed_openapi_document_is_current() {
    let path = root().join("docs/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = app::OPENAPI_JSON;
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(generated.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "docs/openapi.json is stale: it differs from what api.yaml generates, first at line {line}.\n\
             Refresh it with:\n\n    cargo run -q -p app -- --openapi > docs/openapi.json\n"
        );
    }
}

/// The changelog against the released contract (`docs/contract/`) is the
/// one the build classified; breaking changes never get this far (the
/// build fails on them unless the major version was raised).
#[test]
fn api_changelog_is_current() {
    let path = root().join("docs/CHANGELOG-API.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = <app::Api as keel::Service>::API_CHANGELOG;
    assert!(
        committed == generated,
        "docs/CHANGELOG-API.md is stale. Refresh it with:\n\n    cargo run -q -p app -- --changelog > docs/CHANGELOG-API.md\n\nIt should read:\n{generated}"
    );
    assert!(generated.contains("## 1.0.0"), "{generated}");
}

#[test]
fn document_passes_the_openapi_validator() {
    let out = succeed(
        Command::new(tool(".venv/bin/openapi-spec-validator"))
            .arg(root().join("docs/openapi.json")),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));
}

/// Generates `schema.d.ts` from `source` (a URL or a file) next to the
/// TypeScript client test, and type-checks them with `tsc --strict`.
fn typescript_client(dir: &Path, source: &str) -> Output {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/typescript");
    for file in ["client.test.mts", "tsconfig.json"] {
        std::fs::copy(here.join(file), dir.join(file)).expect("copy the client");
    }
    succeed(
        Command::new("node")
            .arg(tool("node_modules/openapi-typescript/bin/cli.js"))
            .arg(source)
            .arg("--output")
            .arg(dir.join("schema.d.ts")),
    );
    Command::new("node")
        .arg(tool("node_modules/typescript/bin/tsc"))
        .arg("-p")
        .arg(dir)
        .output()
        .expect("tsc runs")
}

#[test]
fn typescript_client_works_against_the_server() {
    let server = Server::native();
    let dir = scratch("ts-client");
    let checked = typescript_client(&dir, &server.url("/openapi.json"));
    assert!(
        checked.status.success(),
        "tsc --strict rejected the client:\n{}",
        String::from_utf8_lossy(&checked.stdout)
    );
    let token = support::tokens::customer(9);
    let out = succeed(
        Command::new("node")
            .arg(dir.join("out/client.test.mjs"))
            .arg(server.url(""))
            .arg(token.trim_start_matches("Bearer ")),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "typescript client: ok"
    );
}

/// What a client sees when a field changes type in `api.yaml`: the document
/// changes, and code relying on the old type no longer type-checks. Here
/// `Money.amount_cents` becomes a string, as if `api.yaml` said
/// `amount_cents: string`.
#[test]
fn typescript_type_check_catches_a_changed_field_type() {
    let mut doc: Value = serde_json::from_str(app::OPENAPI_JSON).expect("the document is JSON");
    doc["components"]["schemas"]["Money"]["properties"]["amount_cents"] =
        serde_json::json!({"type": "string"});
    let dir = scratch("ts-client-changed");
    let changed = dir.join("openapi.json");
    std::fs::write(&changed, serde_json::to_string_pretty(&doc).expect("JSON")).expect("write");
    let checked = typescript_client(&dir, &changed.to_string_lossy());
    let report = String::from_utf8_lossy(&checked.stdout);
    assert!(
        !checked.status.success(),
        "tsc accepted a client that relies on the old type"
    );
    // Every error is a TS2322 on a line of the client that reads
    // `amount_cents` as a number, and there is at least one.
    let source = std::fs::read_to_string(dir.join("client.test.mts")).expect("client source");
    let lines: Vec<&str> = source.lines().collect();
    let errors: Vec<&str> = report.lines().filter(|l| l.contains("error TS")).collect();
    assert!(!errors.is_empty(), "no type errors reported:\n{report}");
    for error in errors {
        let line = error
            .split_once("client.test.mts(")
            .and_then(|(_, rest)| rest.split(',').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("unexpected tsc output: {error}"));
        assert!(error.contains("error TS2322"), "{error}");
        assert!(
            lines
                .get(line - 1)
                .is_some_and(|l| l.contains("amount_cents")),
            "the error is not where amount_cents is read: {error}"
        );
    }
}

#[test]
fn python_client_works_against_the_server() {
    let server = Server::native();
    let dir = scratch("py-client");
    let bin = tool(".venv/bin");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    succeed(
        Command::new(bin.join("openapi-python-client"))
            .args(["generate", "--meta", "none", "--path"])
            .arg(root().join("docs/openapi.json"))
            .arg("--output-path")
            .arg(dir.join("shop_client"))
            .env("PATH", &path),
    );
    let out = succeed(
        Command::new(bin.join("python"))
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/python/test_client.py"))
            .arg(server.url(""))
            .arg(support::tokens::customer(7).trim_start_matches("Bearer "))
            .env("PYTHONPATH", &dir),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "python client: ok"
    );
}
