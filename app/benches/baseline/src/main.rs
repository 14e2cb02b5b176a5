//! The baseline of `scripts/bench/load.sh`: four of the shop's endpoints
//! written by hand with axum and rusqlite, as a careful Rust engineer
//! would write them without keel, over the same SQLite file, the same SQL
//! (`app/queries/*.sql`) and the same keys (`app/.dev.vars`):
//!
//! - `GET /v1/products/{product_id}`
//! - `GET /v1/products` (filters, sort, `limit` and signed cursors)
//! - `POST /v1/inventory/check`
//! - `POST /v1/orders` (a customer's EdDSA or staff's HS256 token)
//! - and `GET /healthz`.
//!
//! Each answers what the generated server answers: the same status, JSON
//! body byte for byte, `Location`, `X-Request-Id`,
//! `X-Content-Type-Options`, and on `GET` `Cache-Control` and a strong
//! `ETag` (with `304` for a matching `If-None-Match`), and problem details
//! for errors. It logs as the
//! generated server does at its default level: one info line per request.
//! It does not create, migrate or seed the database (run the app on the
//! file once for that), run the scheduled jobs, take `Idempotency-Key`s,
//! time out slow bodies, or cap open connections.
//!
//! ```sh
//! target/release/shop-baseline --env-file app/.dev.vars --database shop.sqlite3 --port 8788
//! ```

mod auth;
mod cursor;
mod db;
mod handlers;
mod problem;
mod serve;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use clap::Parser;

/// Serve four shop endpoints, written by hand, from an existing shop database.
#[derive(Debug, Parser)]
struct Options {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8788)]
    port: u16,
    /// The SQLite database, created and migrated by the app.
    #[arg(long)]
    database: PathBuf,
    /// File of NAME=value lines with JWT_PUBLIC_KEY, JWT_SECRET and
    /// KEEL_CURSOR_KEY; the environment takes precedence.
    #[arg(long)]
    env_file: Option<PathBuf>,
    /// Log filter, in `tracing` syntax.
    #[arg(long, default_value = "info")]
    log: String,
    /// Where reads run: lookups by key on the runtime thread and other
    /// reads on a blocking thread (`mixed`), or all on one or the other
    /// (`inline`, `blocking`); see `db.rs`.
    #[arg(long, value_enum, default_value_t = db::Reads::Mixed)]
    reads: db::Reads,
    /// Read connections kept open (and, with `--reads blocking`, the most
    /// reads running at once).
    #[arg(long, default_value_t = 8)]
    pool_size: usize,
    /// Seconds a client has to send a request's head; also how long an
    /// idle kept-alive connection stays open.
    #[arg(long, default_value_t = 10)]
    header_timeout: u64,
}

/// What every handler is served with.
#[derive(Clone)]
pub(crate) struct App {
    db: db::Db,
    keys: Arc<auth::Keys>,
    cursor: Arc<cursor::CursorKeys>,
}

fn main() -> ExitCode {
    let options = Options::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&options.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: Options) -> Result<(), String> {
    let file: HashMap<String, String> = match &options.env_file {
        Some(path) => dotenvy::from_path_iter(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", path.display()))?,
        None => HashMap::new(),
    };
    let lookup = |name: &str| {
        std::env::var(name)
            .ok()
            .or_else(|| file.get(name).cloned())
            .filter(|v| !v.trim().is_empty())
    };
    let app = App {
        db: db::Db::open(&options.database, options.reads, options.pool_size)?,
        keys: Arc::new(auth::Keys::read(lookup)?),
        cursor: Arc::new(cursor::CursorKeys::read(lookup("KEEL_CURSOR_KEY"))?),
    };
    let router = Router::new()
        .route("/healthz", get(handlers::health))
        .route("/v1/products", get(handlers::list_products))
        .route("/v1/products/{product_id}", get(handlers::get_product))
        .route("/v1/inventory/check", post(handlers::check_inventory))
        .route("/v1/orders", post(handlers::create_order))
        .fallback(handlers::no_route)
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(axum::middleware::from_fn(serve::log_requests))
        .with_state(app);

    // As the generated server: a worker thread per core, and Tokio's
    // default blocking pool (capping it at the pool's size measured the same).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let addr = format!("{}:{}", options.host, options.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!(
            "shop-baseline listening on http://{local} (database {}, reads {:?})",
            options.database.display(),
            options.reads
        );
        serve::run(
            listener,
            router,
            Duration::from_secs(options.header_timeout),
        )
        .await;
        Ok(())
    })
}
