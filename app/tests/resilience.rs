//! What the native server guarantees under faults and abuse, shown on the
//! real binary over real sockets: a crash loses no acknowledged order and
//! leaves nothing half-written, SIGTERM lets in-flight requests finish,
//! slow clients cannot starve the others, clients that hang up cannot grow
//! the connection pool, and overload is shed with a 503.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use support::Server;
use support::load::Outcome;
use support::tokens::customer;

const CUSTOMER: i64 = 42;

/// Gives every SKU plenty of stock, so that orders succeed while a test
/// runs, and returns a SKU to order.
fn stock_up(s: &Server) -> String {
    s.db()
        .execute("UPDATE stock SET on_hand = 1000000", [])
        .expect("stock up");
    s.rows("SELECT sku FROM products ORDER BY id LIMIT 1")[0][0]
        .as_str()
        .expect("a SKU")
        .to_owned()
}

fn order(sku: &str, quantity: i64) -> Vec<u8> {
    json!({
        "customer_id": CUSTOMER,
        "items": [{"sku": sku, "quantity": quantity}],
        "shipping_address": {"name": "Ada Lovelace", "line1": "Keizersgracht 1", "city": "Amsterdam", "postal_code": "1015 CJ", "country": "NL"},
    })
    .to_string()
    .into_bytes()
}

/// Places orders from `threads` threads until `stop` is set; returns every
/// outcome.
fn place_orders_until(s: &Server, threads: usize, sku: &str, stop: &AtomicBool) -> Vec<Outcome> {
    let token = customer(CUSTOMER);
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let body = order(sku, 1);
                let headers = [
                    ("authorization", token.as_str()),
                    ("content-type", "application/json"),
                ];
                let mut mine = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    mine.push(s.attempt("POST", "/v1/orders", &headers, &body));
                }
                outcomes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(mine);
            });
        }
    });
    outcomes
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Places orders from `threads` threads; 1.5 s in, sends the server
/// `signal`; `after` that, stops the clients. Returns every outcome.
fn orders_interrupted_by(
    s: &Server,
    threads: usize,
    sku: &str,
    signal: &str,
    after: Duration,
) -> Vec<Outcome> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let load = scope.spawn(|| place_orders_until(s, threads, sku, &stop));
        std::thread::sleep(Duration::from_millis(1500));
        s.signal(signal);
        std::thread::sleep(after);
        stop.store(true, Ordering::Relaxed);
        load.join().expect("the load ran")
    })
}

/// What the database held before a test's orders.
struct Before {
    orders: i64,
    first_id: i64,
    reserved: i64,
}

impl Before {
    fn of(s: &Server) -> Before {
        Before {
            orders: s.scalar("SELECT COUNT(*) FROM orders"),
            first_id: s.scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM orders"),
            reserved: s.scalar("SELECT SUM(reserved) FROM stock"),
        }
    }
}

/// The ids of the orders answered 201.
fn created(outcomes: &[Outcome]) -> Vec<i64> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Complete { status: 201, body } => serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|b| b["id"].as_i64()),
            _ => None,
        })
        .collect()
}

/// Every order after `first_id` is whole: it has its line, the units it
/// reserved match its lines, and the stock counts exactly those units.
#[track_caller]
fn assert_orders_whole(s: &Server, before: &Before) {
    let scalar = |sql: &str| s.scalar(&sql.replace("{first}", &before.first_id.to_string()));
    assert_eq!(
        scalar(
            "SELECT COUNT(*) FROM orders o WHERE o.id >= {first} \
             AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)"
        ),
        0,
        "an order without lines"
    );
    assert_eq!(
        scalar(
            "SELECT COUNT(*) FROM orders o WHERE o.id >= {first} AND \
             (SELECT SUM(quantity) FROM order_items WHERE order_id = o.id) IS NOT \
             (SELECT SUM(quantity) FROM stock_reservations WHERE order_id = o.id)"
        ),
        0,
        "an order whose reservations differ from its lines"
    );
    assert_eq!(
        scalar("SELECT SUM(reserved) FROM stock") - before.reserved,
        scalar(
            "SELECT COALESCE(SUM(quantity), 0) FROM stock_reservations WHERE order_id >= {first}"
        ),
        "the stock's reserved units differ from the orders' reservations"
    );
}

#[test]
fn a_crash_loses_no_acknowledged_order_and_leaves_nothing_half_written() {
    let mut s = Server::native();
    let sku = stock_up(&s);
    let before = Before::of(&s);
    // SIGKILL: no chance to finish anything.
    let outcomes = orders_interrupted_by(&s, 6, &sku, "KILL", Duration::from_millis(200));
    s.crash_and_restart(&[]);
    let acknowledged = created(&outcomes);
    assert!(
        acknowledged.len() >= 20,
        "too few orders placed before the crash to show anything: {}",
        acknowledged.len()
    );
    for id in &acknowledged {
        assert_eq!(
            s.scalar(&format!("SELECT COUNT(*) FROM orders WHERE id = {id}")),
            1,
            "order {id} was answered 201 but is gone after the crash"
        );
    }
    assert_orders_whole(&s, &before);
    // The restarted server serves them.
    let reply = s
        .by(&customer(CUSTOMER))
        .get(&format!("/v1/orders/{}", acknowledged[0]));
    assert_eq!(reply.ok(200)["id"], acknowledged[0]);
}

#[test]
fn sigterm_lets_in_flight_requests_finish_and_answers_every_order_it_keeps() {
    let mut s = Server::native();
    let sku = stock_up(&s);
    let before = Before::of(&s);
    // Clients keep trying while the server drains and exits.
    let outcomes = orders_interrupted_by(&s, 8, &sku, "TERM", Duration::from_millis(1500));
    assert!(
        s.wait_exit(Duration::from_secs(20)),
        "the server exits with success after SIGTERM"
    );
    let incomplete: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Incomplete { .. }))
        .collect();
    assert!(
        incomplete.is_empty(),
        "responses cut short by the shutdown: {incomplete:?}"
    );
    let answered = created(&outcomes);
    assert!(answered.len() >= 20, "too few orders: {}", answered.len());
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM orders") - before.orders,
        i64::try_from(answered.len()).expect("a count"),
        "every order stored was answered 201, and no other"
    );
    assert_orders_whole(&s, &before);
}

#[test]
fn slow_clients_do_not_delay_others_and_are_closed_by_the_header_timeout() {
    const SLOW: usize = 1000;
    let s = Server::native_with(&["--header-timeout", "3s"]);
    let authority = s.authority();
    let opened = Instant::now();
    let mut slow: Vec<TcpStream> = (0..SLOW)
        .map(|_| TcpStream::connect(&authority).expect("open a slow connection"))
        .collect();
    let head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n";
    let stop = Arc::new(AtomicBool::new(false));
    let mut streams: Vec<TcpStream> = slow.iter().map(|s| s.try_clone().expect("clone")).collect();
    let dripping = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            // One byte a second on every connection.
            for byte in head.iter().cycle() {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                for stream in &mut streams {
                    let _ = stream.write_all(&[*byte]);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    };
    // Normal requests are served at once meanwhile.
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(s.get("/healthz").status, 200);
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "a normal request took {took:?} beside {SLOW} slow clients"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // By the header timeout (and a wide margin, for a loaded machine), the
    // server closed every slow connection: reading one ends instead of
    // waiting.
    let mut closed = 0;
    for stream in &mut slow {
        let left = (opened + Duration::from_secs(20)).saturating_duration_since(Instant::now());
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(10))))
            .expect("timeout");
        let mut sink = Vec::new();
        match std::io::Read::read_to_end(stream, &mut sink) {
            Ok(_) => closed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => closed += 1,
            Err(_) => {}
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = dripping.join();
    assert_eq!(closed, SLOW, "slow connections the server did not close");
    assert_eq!(s.get("/healthz").status, 200);
}

/// How many descriptors the process `pid` has open on `file`: one per
/// SQLite connection.
fn open_handles(pid: u32, file: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| std::fs::read_link(e.path()).is_ok_and(|target| target == file))
        .count()
}

#[test]
fn a_disconnect_storm_leaves_at_most_pool_size_connections() {
    const POOL: usize = 3;
    let s = Server::native_with(&["--pool-size", &POOL.to_string()]);
    let database = std::fs::canonicalize(s.database()).expect("the database file");
    let authority = s.authority();
    let stop = AtomicBool::new(false);
    let most = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut most = 0;
            while !stop.load(Ordering::Relaxed) {
                most = most.max(open_handles(s.pid(), &database));
                std::thread::sleep(Duration::from_millis(2));
            }
            most
        });
        std::thread::scope(|storm| {
            for _ in 0..8 {
                storm.spawn(|| {
                    for _ in 0..250 {
                        // Send a request that reads, then hang up at once.
                        if let Ok(mut stream) = TcpStream::connect(&authority) {
                            let _ = stream.write_all(
                                b"GET /v1/products?limit=100 HTTP/1.1\r\nHost: x\r\n\r\n",
                            );
                        }
                    }
                });
            }
        });
        // Let the database work the storm left behind finish.
        std::thread::sleep(Duration::from_secs(2));
        stop.store(true, Ordering::Relaxed);
        watcher.join().expect("the watcher ran")
    });
    let now = open_handles(s.pid(), &database);
    assert!(most >= 1, "the watcher saw the database open");
    assert!(
        most <= POOL && now <= POOL,
        "database connections open: at most {most} during the storm, {now} after; the pool holds {POOL}"
    );
    assert_eq!(s.get("/healthz").status, 200);
    assert_eq!(s.get("/v1/products?limit=1").status, 200);
}

#[test]
fn a_request_that_cannot_get_a_connection_in_time_is_answered_503_with_retry_after() {
    let s = Server::native_with(&["--pool-size", "1", "--pool-timeout", "200ms"]);
    let sku = stock_up(&s);
    let token = customer(CUSTOMER);
    let headers = [
        ("authorization", token.as_str()),
        ("content-type", "application/json"),
    ];
    // Another process holds the write lock: the one connection waits on it.
    let blocker = s.db();
    blocker
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let outcomes = std::thread::scope(|scope| {
        let first = scope.spawn(|| s.attempt("POST", "/v1/orders", &headers, &order(&sku, 1)));
        std::thread::sleep(Duration::from_millis(500));
        let second = s.attempt("POST", "/v1/orders", &headers, &order(&sku, 1));
        blocker.execute_batch("ROLLBACK").expect("release the lock");
        (first.join().expect("the first request ran"), second)
    });
    let Outcome::Complete { status, body } = &outcomes.1 else {
        panic!("no response: {outcomes:?}");
    };
    assert_eq!(*status, 503, "{}", String::from_utf8_lossy(body));
    let problem: Value = serde_json::from_slice(body).expect("a problem");
    assert_eq!(problem["type"], "/problems/unavailable");
    // The first one waited for the lock, which was released in time.
    assert!(
        matches!(&outcomes.0, Outcome::Complete { status: 201, .. }),
        "{:?}",
        outcomes.0
    );
    let reply = s.send("POST", "/v1/orders", &headers, Some(&order(&sku, 1)));
    assert_eq!(reply.status, 201);
}

#[test]
fn json_logs_carry_the_request_id_of_each_request() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_app"))
        .args([
            "--port",
            &port.to_string(),
            "--log-format",
            "json",
            "--database",
        ])
        .arg(dir.path().join("shop.sqlite3"))
        .arg("--env-file")
        .arg(support::tokens::dev_vars())
        .env("KEEL_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the app");
    let lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut sent = false;
    let deadline = Instant::now() + Duration::from_secs(30);
    let found = loop {
        if !sent && TcpStream::connect(("127.0.0.1", port)).is_ok() {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            stream
                .write_all(b"GET /v1/products/999999 HTTP/1.1\r\nHost: x\r\nX-Request-Id: ticket-2718\r\nConnection: close\r\n\r\n")
                .expect("send");
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut stream, &mut sink);
            sent = true;
        }
        let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) else {
            assert!(Instant::now() < deadline, "no log line for the request");
            continue;
        };
        let entry: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
        if entry["target"] == "keel::request" {
            break entry;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(found["span"]["request_id"], "ticket-2718", "{found}");
    assert_eq!(found["status"], 404, "{found}");
    assert_eq!(found["method"], "GET", "{found}");
    assert_eq!(found["path"], "/v1/products/999999", "{found}");
    assert_eq!(found["level"], "INFO", "{found}");
}

/// Waits (up to 10 s) until `check` holds.
#[track_caller]
fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within 10 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn jobs_run_on_their_schedule_with_their_settings() {
    let every_second = [
        "--job-schedule",
        "cancel_stale_orders=* * * * * *",
        "--job-schedule",
        "purge_idempotency_keys=* * * * * *",
    ];
    // Pending orders expire at once.
    let s = Server::native_with_env(&every_second, &[("PENDING_ORDER_MAX_AGE_MINUTES", "0")]);
    let sku = stock_up(&s);
    let reserved = || s.scalar("SELECT SUM(reserved) FROM stock");
    let before = reserved();
    let token = customer(CUSTOMER);
    let headers = [
        ("authorization", token.as_str()),
        ("content-type", "application/json"),
    ];
    let Outcome::Complete { status: 201, body } =
        s.attempt("POST", "/v1/orders", &headers, &order(&sku, 3))
    else {
        panic!("the order was not placed");
    };
    let id = serde_json::from_slice::<Value>(&body).expect("an order")["id"]
        .as_i64()
        .expect("an id");
    eventually("the stale order's cancellation", || {
        s.rows(&format!("SELECT status FROM orders WHERE id = {id}"))[0][0] == "cancelled"
    });
    assert_eq!(reserved(), before, "its stock is released");
    assert_eq!(
        s.scalar(&format!(
            "SELECT COUNT(*) FROM order_events WHERE order_id = {id} AND status = 'cancelled'"
        )),
        1
    );
    // Expired idempotency records are purged; live ones stay.
    s.db()
        .execute_batch(
            "INSERT INTO keel_idempotency VALUES ('p', 'create_order', 'old', 'f', '[]', 0);
             INSERT INTO keel_idempotency VALUES ('p', 'create_order', 'live', 'f', '[]', unixepoch() + 3600);",
        )
        .expect("records");
    eventually("the purge", || {
        s.scalar("SELECT COUNT(*) FROM keel_idempotency WHERE key = 'old'") == 0
    });
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM keel_idempotency WHERE key = 'live'"),
        1
    );
}

#[test]
fn a_failing_job_is_logged_and_the_server_carries_on() {
    let s = Server::native_with_env(
        &["--job-schedule", "cancel_stale_orders=* * * * * *"],
        &[("PENDING_ORDER_MAX_AGE_MINUTES", "an hour")],
    );
    let sku = stock_up(&s);
    let token = customer(CUSTOMER);
    let headers = [
        ("authorization", token.as_str()),
        ("content-type", "application/json"),
    ];
    assert!(matches!(
        s.attempt("POST", "/v1/orders", &headers, &order(&sku, 1)),
        Outcome::Complete { status: 201, .. }
    ));
    // Several failed runs later, the server answers and cancelled nothing.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(s.get("/healthz").status, 200);
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM orders WHERE status = 'cancelled'"),
        0
    );
}

/// Starts the app with `flags` on a new database and the keys of
/// `env_file`; asserts that it refuses to start, and returns the last line
/// it printed.
fn refusal(flags: &[&str], env_file: &std::path::Path) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_app"))
        .args(["--port", "0"])
        .args(flags)
        .arg("--database")
        .arg(dir.path().join("x.sqlite3"))
        .arg("--env-file")
        .arg(env_file)
        .env_remove("KEEL_CURSOR_KEY")
        .output()
        .expect("run the app");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the app started:\n{stderr}");
    stderr.lines().last().unwrap_or_default().to_owned()
}

#[test]
fn a_bad_job_schedule_stops_the_server_at_start() {
    assert_eq!(
        refusal(
            &["--job-schedule", "nightly=0 3 * * *"],
            &support::tokens::dev_vars()
        ),
        "error: --job-schedule: no job is called \"nightly\"; the spec's jobs are: cancel_stale_orders, purge_idempotency_keys"
    );
}

#[test]
fn a_server_without_a_cursor_key_does_not_start() {
    let dir = tempfile::tempdir().expect("dir");
    let vars = std::fs::read_to_string(support::tokens::dev_vars()).expect("dev vars");
    let without: String = vars
        .lines()
        .filter(|l| !l.starts_with("KEEL_CURSOR_KEY="))
        .map(|l| format!("{l}\n"))
        .collect();
    let env_file = dir.path().join("keys.env");
    std::fs::write(&env_file, without).expect("env file");
    assert_eq!(
        refusal(&[], &env_file),
        "error: KEEL_CURSOR_KEY is not set: the API's paginated endpoints sign their cursors with it; set it to a random secret of at least 32 bytes (`openssl rand -base64 32`), the same on every server"
    );
}
