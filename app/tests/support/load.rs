//! A bare HTTP/1.1 client for the fault tests: one connection per request,
//! and an exact account of how far each exchange got, which a client
//! library would blur into one error.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::Server;

/// How far one request got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No byte of a response arrived (refused, reset or closed first).
    NoResponse,
    /// A status line arrived but not the whole response.
    Incomplete { status: u16 },
    /// A whole response: its status and body.
    Complete { status: u16, body: Vec<u8> },
}

impl Server {
    /// The `host:port` the server listens on.
    pub(crate) fn authority(&self) -> String {
        self.url("").trim_start_matches("http://").to_owned()
    }

    /// Sends one request on a new connection and reports how far it got.
    pub(crate) fn attempt(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Outcome {
        let authority = self.authority();
        let Ok(mut stream) = TcpStream::connect(&authority) else {
            return Outcome::NoResponse;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        if stream.write_all(&request).is_err() {
            return Outcome::NoResponse;
        }
        read_outcome(BufReader::new(stream))
    }
}

fn read_outcome(mut reader: BufReader<TcpStream>) -> Outcome {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) | Err(_) => return Outcome::NoResponse,
        Ok(_) => {}
    }
    let Some(status) = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()) else {
        return Outcome::NoResponse;
    };
    let mut length = None;
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return Outcome::Incomplete { status },
            Ok(_) => {}
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let Some(length) = length else {
        return Outcome::Incomplete { status };
    };
    let mut body = vec![0; length];
    match reader.read_exact(&mut body) {
        Ok(()) => Outcome::Complete { status, body },
        Err(_) => Outcome::Incomplete { status },
    }
}
