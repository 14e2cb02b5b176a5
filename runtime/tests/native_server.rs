//! The native server's own behaviour, over real sockets, with a
//! hand-written service: what happens when a handler panics, and when a
//! client is too slow to send its body.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use clap::Parser;
use keel::auth::Security;
use keel::native::{Options, Server};
use keel::{Context, Database, Migration, Request, Response, Service};
use serde_json::Value;

struct Api;

impl Service for Api {
    const TITLE: &'static str = "Test";
    const VERSION: &'static str = "1";
    const MIGRATIONS: &'static [Migration] = &[];
    const OPENAPI_JSON: &'static str = "{}";
    const SECURITY: &'static Security = &Security::NONE;

    async fn handle<D: Database>(_: &Context<'_, D>, request: Request) -> Response {
        if request.path == "/panic" {
            panic!("the handler gave up");
        }
        Response::new(http::StatusCode::OK, "application/json", r#"{"ok":true}"#)
    }
}

/// Serves `Api` on a free port in a background thread; returns the address.
fn start(flags: &[&str]) -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("t.sqlite3");
    let mut args = vec![
        "test".to_owned(),
        "--port".to_owned(),
        port.to_string(),
        "--database".to_owned(),
        database.display().to_string(),
    ];
    args.extend(flags.iter().map(|f| (*f).to_owned()));
    let options = Options::parse_from(args);
    std::thread::spawn(move || {
        let _dir = dir;
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime
            .block_on(Server::<Api>::new().run(options, std::future::pending()))
            .expect("the server runs");
    });
    let addr = format!("127.0.0.1:{port}");
    for _ in 0..200 {
        if TcpStream::connect(&addr).is_ok() {
            return addr;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the server did not listen on {addr}");
}

/// Sends `request` on a new connection and reads until the server closes it.
fn exchange(addr: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(request).expect("send");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).expect("read the reply");
    String::from_utf8_lossy(&reply).into_owned()
}

fn body(reply: &str) -> Value {
    let (_, body) = reply.split_once("\r\n\r\n").expect("a head and a body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {reply}"))
}

#[test]
fn a_panicking_handler_is_answered_500_and_the_server_carries_on() {
    let addr = start(&[]);
    let reply = exchange(
        &addr,
        b"GET /panic HTTP/1.1\r\nHost: t\r\nX-Request-Id: ticket-7\r\nConnection: close\r\n\r\n",
    );
    assert!(reply.starts_with("HTTP/1.1 500 "), "{reply}");
    assert!(
        reply.contains("content-type: application/problem+json"),
        "{reply}"
    );
    assert!(reply.contains("x-request-id: ticket-7"), "{reply}");
    assert!(reply.contains("x-content-type-options: nosniff"), "{reply}");
    let problem = body(&reply);
    assert_eq!(problem["type"], "/problems/internal");
    assert_eq!(problem["status"], 500);
    assert_eq!(problem["request_id"], "ticket-7");

    let reply = exchange(
        &addr,
        b"GET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    );
    assert!(reply.starts_with("HTTP/1.1 200 "), "{reply}");
}

#[test]
fn a_body_slower_than_the_request_timeout_is_answered_408_and_the_connection_closed() {
    let addr = start(&["--request-timeout", "300ms"]);
    // Announces ten bytes, sends two, and waits.
    let reply = exchange(
        &addr,
        b"POST /ok HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{}",
    );
    assert!(reply.starts_with("HTTP/1.1 408 "), "{reply}");
    assert!(reply.contains("connection: close"), "{reply}");
    let problem = body(&reply);
    assert_eq!(problem["type"], "/problems/request-timeout");
    assert_eq!(
        problem["detail"],
        "the request body did not arrive within 300 ms"
    );
    assert!(problem["request_id"].is_string());
}

#[test]
fn a_head_slower_than_the_header_timeout_gets_the_connection_closed() {
    let addr = start(&["--header-timeout", "300ms"]);
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream.write_all(b"GET /ok HTTP/1.1\r\nHo").expect("send");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut reply = Vec::new();
    // The server closes the connection: the read ends (with whatever it
    // said) instead of timing out.
    match stream.read_to_end(&mut reply) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
        "{reply}"
    );
}
