//! Property-based tests of the API from its OpenAPI document: Schemathesis
//! (from PyPI, pinned with hashes in `app/tests/clients/python/
//! requirements.txt`) generates requests from `/openapi.json` and checks
//! every response against it, with all of its checks on, against **both**
//! targets, as a staff member so the protected operations are reached.
//!
//! What is narrowed, and why, is in `app/tests/schemathesis/` and listed in
//! `docs/reliability.md`. `SCHEMATHESIS_SEED` picks another seed;
//! `SCHEMATHESIS_EXAMPLES` more cases per operation.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::Server;
use support::tokens::staff;

/// At least this many requests per target.
const MIN_CASES: u64 = 1000;

fn run(server: &Server) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis");
    let st = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/st");
    assert!(
        st.exists(),
        "{} is missing: scripts/test.sh installs it from app/tests/clients/python/requirements.txt",
        st.display()
    );
    let seed = std::env::var("SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261130".into());
    let examples = std::env::var("SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "60".into());
    // One worker: with two, Hypothesis parses source (to describe its
    // filters) from two threads at once, which CPython 3.11's `ast` module
    // does not survive ("AST constructor recursion depth mismatch",
    // CPython gh-106905: its recursion counter is shared between threads).
    let out = Command::new(&st)
        .current_dir(&dir)
        .env("PYTHONPATH", &dir)
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["--config-file", "schemathesis.toml", "--no-color", "run"])
        .arg(server.url("/openapi.json"))
        .args(["--checks", "all", "--workers", "1", "--seed", &seed])
        .args(["--max-examples", &examples, "--generation-database", "none"])
        .args(["--header", &format!("Authorization: {}", staff(7))])
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found problems on the {:?} target (seed {seed}):\n{stdout}\n{stderr}",
        server.target
    );
    // "1508 generated, 1508 passed, ..."
    let generated = stdout
        .lines()
        .find_map(|line| {
            let (count, rest) = line.trim().split_once(' ')?;
            rest.starts_with("generated")
                .then(|| count.parse::<u64>().ok())?
        })
        .unwrap_or_else(|| panic!("no count of generated cases in:\n{stdout}"));
    assert!(
        generated >= MIN_CASES,
        "only {generated} cases generated on the {:?} target (at least {MIN_CASES} wanted):\n{stdout}",
        server.target
    );
    println!("{:?}: {generated} cases, seed {seed}", server.target);
}

#[test]
fn the_native_server_conforms_to_its_document() {
    run(&Server::native());
}

#[test]
fn the_worker_conforms_to_its_document() {
    run(&Server::worker());
}
