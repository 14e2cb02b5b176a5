//! The Worker's JavaScript entry point (`app/worker/`), which answers a
//! failure of the Rust code (a panic aborts the WebAssembly instance) as a
//! 500 problem with the request id: its tests, run by Node's own runner.
//! The HTTP suite runs every request of the Worker through it.

use std::path::Path;
use std::process::Command;

#[test]
fn the_worker_entry_answers_failures_as_problems() {
    let test = Path::new(env!("CARGO_MANIFEST_DIR")).join("worker/recover.test.mjs");
    let out = Command::new("node")
        .arg("--test")
        .arg(&test)
        .output()
        .expect("node is installed (scripts/test.sh needs it for wrangler)");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
