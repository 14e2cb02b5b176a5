//! The command line and environment of a native server.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use super::token::TokenArgs;
use crate::db::sqlite::{DEFAULT_POOL_SIZE, PoolOptions, Synchronous};

/// Command-line flags and environment variables of a native server.
///
/// Durations take a unit: `500ms`, `10s`, `2m`, `1h`.
#[derive(Debug, Clone, Parser)]
#[command(about = "Serve the API from an embedded SQLite database")]
pub struct Options {
    /// Address to listen on.
    #[arg(long, env = "KEEL_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "KEEL_PORT", default_value_t = 8787)]
    pub port: u16,
    /// SQLite database file; created, migrated and filled with sample data if missing.
    #[arg(long, env = "KEEL_DATABASE", default_value = "shop.sqlite3")]
    pub database: PathBuf,
    /// Do not load sample data into a newly created database.
    #[arg(long, env = "KEEL_NO_SAMPLE_DATA")]
    pub no_sample_data: bool,
    /// Size of the connection pool: the most database connections open at once.
    #[arg(long, env = "KEEL_POOL_SIZE", default_value_t = DEFAULT_POOL_SIZE)]
    pub pool_size: usize,
    /// How long a request waits for a free database connection before it is
    /// answered 503 with `Retry-After`.
    #[arg(long, env = "KEEL_POOL_TIMEOUT", default_value = "3s", value_parser = duration)]
    pub pool_timeout: Duration,
    /// Commit durability: `full` (no acknowledged write is lost on power
    /// failure) or `normal` (faster; the last commits may be lost on power
    /// failure, never on a crash of the process).
    #[arg(long, env = "KEEL_SYNCHRONOUS", value_enum, default_value_t = Durability::Full)]
    pub synchronous: Durability,
    /// Time a client has to send a request's head (request line and
    /// headers), counted from the connection's start or, on a kept-alive
    /// connection, from the end of the previous response: it is also how
    /// long an idle kept-alive connection stays open.
    #[arg(long, env = "KEEL_HEADER_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,
    /// Time a client has to send a request's body once its head arrived;
    /// a slower one is answered 408.
    #[arg(long, env = "KEEL_REQUEST_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub request_timeout: Duration,
    /// The most client connections open at once; further ones wait in the
    /// listen backlog until one closes.
    #[arg(long, env = "KEEL_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// On SIGTERM or Ctrl-C, how long in-flight requests may take to finish
    /// before the server exits anyway.
    #[arg(long, env = "KEEL_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub shutdown_timeout: Duration,
    /// Do not run the spec's jobs in this process: when several servers
    /// share one database, run them in one.
    #[arg(long, env = "KEEL_NO_JOBS")]
    pub no_jobs: bool,
    /// Run a job on another schedule here: `NAME=CRON` (a sixth, leading
    /// field gives seconds), repeatable; in the environment, `;`-separated.
    #[arg(long, env = "KEEL_JOB_SCHEDULE", value_delimiter = ';')]
    pub job_schedule: Vec<String>,
    /// Log filter, in `tracing` syntax (`info`, `keel=debug`, ...).
    #[arg(long, env = "KEEL_LOG", default_value = "info")]
    pub log: String,
    /// Log format: `text` for people, `json` for one JSON object per line.
    #[arg(long, env = "KEEL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// File of NAME=value lines (the `.dev.vars` format) holding the keys the
    /// security schemes name; the environment takes precedence over it.
    #[arg(long, env = "KEEL_ENV_FILE")]
    pub env_file: Option<PathBuf>,
    /// Print the OpenAPI document (JSON) to standard output and exit.
    #[arg(long)]
    pub openapi: bool,
    /// Print the API's changelog since its released contract (Markdown) to
    /// standard output and exit.
    #[arg(long)]
    pub changelog: bool,
    /// Something to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Options {
    /// The options of the database's connection pool.
    pub fn pool(&self) -> PoolOptions {
        PoolOptions {
            size: self.pool_size,
            wait: self.pool_timeout,
            synchronous: match self.synchronous {
                Durability::Full => Synchronous::Full,
                Durability::Normal => Synchronous::Normal,
            },
        }
    }
}

/// What the binary can do besides serving.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Mint a bearer token signed with the configured key, for local use.
    Token(TokenArgs),
}

/// `--synchronous`: see [`Synchronous`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Durability {
    /// `PRAGMA synchronous = FULL`.
    Full,
    /// `PRAGMA synchronous = NORMAL`.
    Normal,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, with the request's fields as members.
    Json,
}

/// Parses a duration with its unit: `250ms`, `10s`, `2m`, `1h`.
pub fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} has no unit; write it as 500ms, 10s, 2m or 1h"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a whole number"))?;
    let millis = match unit {
        "ms" => Some(number),
        "s" => number.checked_mul(1_000),
        "m" => number.checked_mul(60_000),
        "h" => number.checked_mul(3_600_000),
        _ => {
            return Err(format!(
                "{text:?} has an unknown unit {unit:?}; use ms, s, m or h"
            ));
        }
    };
    millis
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{text:?} is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(duration("10").unwrap_err().contains("no unit"));
        assert!(duration("10d").unwrap_err().contains("unknown unit"));
        assert!(duration("s").unwrap_err().contains("whole number"));
        assert!(
            duration("99999999999999999h")
                .unwrap_err()
                .contains("too long")
        );
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let options = Options::parse_from(["app"]);
        assert_eq!(options.header_timeout, Duration::from_secs(10));
        assert_eq!(options.request_timeout, Duration::from_secs(30));
        assert_eq!(options.shutdown_timeout, Duration::from_secs(10));
        assert_eq!(options.max_connections, 4096);
        assert_eq!(options.pool(), PoolOptions::default());
        assert_eq!(options.log_format, LogFormat::Text);
    }
}
