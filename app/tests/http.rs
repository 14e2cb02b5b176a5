//! The HTTP suite: every endpoint, its happy paths and its error paths,
//! asserting exact statuses, bodies and the database state left behind.
//!
//! One suite, two targets: the native server on SQLite and the Worker under
//! `wrangler dev` on a local D1. Both must pass it whole.

mod cases;
mod support;

use std::panic::AssertUnwindSafe;

use support::Server;

fn run_suite(server: &Server) {
    let mut failures = Vec::new();
    for (name, case) in cases::ALL {
        if let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(|| case(server))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("- {name}: {message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed against the {:?} target:\n{}",
        failures.len(),
        cases::ALL.len(),
        server.target,
        failures.join("\n")
    );
}

#[test]
fn native_server_passes_the_suite() {
    run_suite(&Server::native());
}

#[test]
fn worker_under_wrangler_dev_passes_the_suite() {
    run_suite(&Server::worker());
}
