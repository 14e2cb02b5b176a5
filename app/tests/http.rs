//! The HTTP suite: every endpoint, its happy paths and its error paths,
//! asserting exact statuses, bodies and the database state left behind.
//!
//! One suite, two targets: the native server on SQLite and the Worker under
//! `wrangler dev` on a local D1. Each case is a test of its own on each
//! target, named `<target>: <case>`, so that `cargo test -p app --test http
//! "order storm"` runs one case on both targets (`native:` or `worker:` in
//! the filter picks one), and a failure is reported per case. A target's
//! server starts when the first of its selected cases runs; its cases share
//! it and its database, one at a time, in the order of [`cases::ALL`].
//! The last test of each target checks every response the cases received
//! against `docs/openapi.json`.

mod cases;
mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Failed, Trial};
use support::Server;
use support::conformance::{Contract, Exchange};

/// A target's server, started on first use.
struct Target {
    start: fn() -> Server,
    server: OnceLock<Result<Server, String>>,
}

impl Target {
    fn new(start: fn() -> Server) -> Arc<Self> {
        Arc::new(Target {
            start,
            server: OnceLock::new(),
        })
    }

    /// The server, started if it is not yet; a server that failed to start
    /// fails every case of its target with the same message.
    fn server(&self) -> Result<&Server, Failed> {
        let started = self.server.get_or_init(|| {
            catch_unwind(self.start)
                .map_err(|panic| format!("the server did not start: {}", message(&*panic)))
        });
        started.as_ref().map_err(|e| Failed::from(e.clone()))
    }
}

fn message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// The native server; stale orders are cancelled every second rather than
/// every five minutes, so the job's case sees it run.
fn native() -> Server {
    Server::native_with(&["--job-schedule", "cancel_stale_orders=* * * * * *"])
}

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // The cases of a target share its server and database: one at a time.
    if args.test_threads.is_none() {
        args.test_threads = Some(1);
    }
    let mut trials = vec![
        Trial::test("conformance check catches nonconforming responses", || {
            conformance_check_catches_nonconforming_responses();
            Ok(())
        }),
        Trial::test("every endpoint and declared problem has an example", || {
            cases::examples::every_endpoint_and_declared_problem_has_an_example();
            Ok(())
        }),
    ];
    for (name, start) in [
        ("native", native as fn() -> Server),
        ("worker", Server::worker),
    ] {
        // The declared examples are replayed on a server of their own, on
        // the sample data as it is loaded, in the order the spec declares
        // them; every answer must also match the document.
        let examples = Target::new(start);
        trials.push(Trial::test(
            format!("{name}: every declared example gets its declared answer"),
            move || {
                let server = examples.server()?;
                catch_unwind(AssertUnwindSafe(|| {
                    cases::examples::every_example_gets_its_declared_answer(server)
                }))
                .map_err(|panic| Failed::from(message(&*panic)))?;
                responses_match_the_document(server)
            },
        ));
        let target = Target::new(start);
        for &(case_name, case) in cases::ALL {
            let target = Arc::clone(&target);
            trials.push(Trial::test(format!("{name}: {case_name}"), move || {
                let server = target.server()?;
                catch_unwind(AssertUnwindSafe(|| case(server)))
                    .map_err(|panic| Failed::from(message(&*panic)))
            }));
        }
        trials.push(Trial::test(
            format!("{name}: every response matches docs/openapi.json"),
            move || responses_match_the_document(target.server()?),
        ));
    }
    // Running the trials drops them, and with them the servers.
    libtest_mimic::run(&args, trials).exit_code()
}

/// Every response the cases received must be what the document says.
fn responses_match_the_document(server: &Server) -> Result<(), Failed> {
    let mut contract = Contract::load();
    let exchanges = server.exchanges();
    let mismatches: Vec<String> = exchanges
        .iter()
        .filter_map(|ex| contract.check(ex).err())
        .collect();
    if mismatches.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} of {} responses do not match docs/openapi.json on the {:?} target:\n{}",
        mismatches.len(),
        exchanges.len(),
        server.target,
        mismatches.join("\n")
    )
    .into())
}

/// The conformance check can fail: responses that break the document in
/// each way it checks are caught.
fn conformance_check_catches_nonconforming_responses() {
    let ex = |method: &str, path: &str, status: u16, content_type: &str, body: &str| Exchange {
        method: method.into(),
        path: path.into(),
        status,
        content_type: Some(content_type.into()),
        headers: vec!["content-type".into()],
        body: body.as_bytes().to_vec(),
    };
    let good_health = ex(
        "GET",
        "/healthz",
        200,
        "application/json",
        r#"{"status":"ok"}"#,
    );
    let cases = [
        (
            ex(
                "GET",
                "/healthz",
                200,
                "application/json",
                r#"{"status":1}"#,
            ),
            "body does not match",
        ),
        (
            ex(
                "GET",
                "/healthz",
                200,
                "application/json",
                r#"{"status":"ok","extra":true}"#,
            ),
            "body does not match",
        ),
        (
            ex("GET", "/healthz", 200, "text/plain", "ok"),
            "is not documented",
        ),
        (
            ex("GET", "/healthz", 418, "application/problem+json", "{}"),
            "status 418 is not documented",
        ),
        (
            ex(
                "GET",
                "/v1/categories",
                200,
                "application/json",
                r#"{"items":[{"id":1,"slug":"a","name":"A"}]}"#,
            ),
            "body does not match",
        ),
        (
            ex(
                "GET",
                "/v1/products/1",
                200,
                "application/json",
                r#"{"id":1,"sku":"A","name":"A","description":null,"category":{"slug":"a","name":"A"},"price":{"amount_cents":1,"currency":"USD"},"created_at":"yesterday","availability":{"on_hand":0,"reserved":0,"available":0,"warehouses_in_stock":0}}"#,
            ),
            "body does not match",
        ),
        (
            ex("DELETE", "/v1/products", 200, "application/json", "{}"),
            "only a 405 is expected",
        ),
        (
            ex("GET", "/nowhere", 200, "application/json", "{}"),
            "only a 404 is expected",
        ),
        (
            ex(
                "POST",
                "/v1/orders",
                409,
                "application/problem+json",
                r#"{"type":"/problems/conflict","title":"Conflict","status":400}"#,
            ),
            "the problem's status member is 400",
        ),
        (
            ex(
                "POST",
                "/v1/orders",
                409,
                "application/problem+json",
                r#"{"type":"/problems/insufficient-stock","title":"T","status":409,"short_skus":"SHO-001"}"#,
            ),
            "body does not match",
        ),
        (
            ex("POST", "/v1/orders", 201, "application/json", "{}"),
            "the required header Location is missing",
        ),
    ];
    let mut contract = Contract::load();
    assert_eq!(contract.check(&good_health), Ok(()));
    for (exchange, expected) in cases {
        let outcome = contract.check(&exchange);
        assert!(
            outcome.as_ref().is_err_and(|e| e.contains(expected)),
            "{} {} {}: expected an error containing {expected:?}, got {outcome:?}",
            exchange.method,
            exchange.path,
            exchange.status
        );
    }
}
