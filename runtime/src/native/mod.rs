//! The native target: serves a [`Service`] over HTTP/1.1 from an embedded
//! SQLite file.
//!
//! On start it reads the keys of the API's security schemes from the
//! environment and the env file (refusing to start when a scheme has no
//! usable key), creates the database file if needed, applies the embedded
//! migrations, loads the app's sample data into a database it has just
//! created (unless told not to), prints the URL it serves and logs one line
//! per request. `token` mints a bearer token with the same keys.
//!
//! ```no_run
//! # struct Api;
//! # impl keel::Service for Api {
//! #     const TITLE: &'static str = "t"; const VERSION: &'static str = "1";
//! #     const MIGRATIONS: &'static [keel::Migration] = &[];
//! #     const OPENAPI_JSON: &'static str = "{}";
//! #     const SECURITY: &'static keel::auth::Security = &keel::auth::Security::NONE;
//! #     async fn handle<D: keel::Database>(_: &keel::Context<'_, D>, _: keel::Request) -> keel::Response { todo!() }
//! # }
//! fn main() -> std::process::ExitCode {
//!     keel::native::Server::<Api>::new()
//!         .sample_data("INSERT INTO categories (slug, name) VALUES ('shoes', 'Shoes');")
//!         .main()
//! }
//! ```

mod jobs;
mod logging;
mod options;
mod secrets;
mod serve;
mod token;

use std::marker::PhantomData;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::auth::{KeyError, Keys};
use crate::db::sqlite::SqliteDatabase;
use crate::db::{DbError, migrate};
use crate::service::Service;
pub use options::{Command, Durability, LogFormat, Options, duration};
pub use secrets::Variables;
pub use token::{SIGNING_KEY_VARIABLE, TokenArgs, mint_token};

/// Why a native server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened, migrated or seeded.
    #[error("database {path}: {source}")]
    Database {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: DbError,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The env file could not be read.
    #[error("{0}")]
    EnvFile(String),
    /// A job's schedule (or its override) is unusable.
    #[error("{0}")]
    Jobs(String),
    /// A security scheme's keys are missing or unusable.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Keys(Vec<KeyError>),
    /// Anything else at the socket level.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// A native server for the API `S`.
#[derive(Debug)]
pub struct Server<S> {
    sample_data: Option<&'static str>,
    default_env_file: Option<PathBuf>,
    api: PhantomData<fn() -> S>,
}

impl<S: Service> Default for Server<S> {
    fn default() -> Self {
        Server {
            sample_data: None,
            default_env_file: None,
            api: PhantomData,
        }
    }
}

impl<S: Service> Server<S> {
    /// A server with no sample data.
    pub fn new() -> Self {
        Server::default()
    }

    /// SQL run once into a database this server creates, for development.
    /// It never runs against an existing database file.
    pub fn sample_data(mut self, sql: &'static str) -> Self {
        self.sample_data = Some(sql);
        self
    }

    /// The env file read when `--env-file` is not given, if it exists: for
    /// development keys (an app passes it only in debug builds).
    pub fn default_env_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.default_env_file = Some(path.into());
        self
    }

    /// The variables the security schemes' keys are read from.
    pub fn variables(&self, options: &Options) -> Result<Variables, ServerError> {
        Variables::load(
            options.env_file.as_deref(),
            self.default_env_file.as_deref(),
        )
        .map_err(ServerError::EnvFile)
    }

    /// Reads the verification keys of every security scheme; a scheme
    /// without a usable key is an error.
    pub fn keys(&self, variables: &Variables) -> Result<Keys, ServerError> {
        let (keys, mut errors) = Keys::read(S::SECURITY, |name| variables.get(name));
        if S::PAGINATED && keys.cursor().is_none() && errors.is_empty() {
            errors.push(KeyError::Cursor(format!(
                "{} is not set: the API's paginated endpoints sign their cursors with it; set it to a random secret of at least 32 bytes (`openssl rand -base64 32`), the same on every server",
                crate::cursor::CURSOR_KEY_VARIABLE
            )));
        }
        if errors.is_empty() {
            Ok(keys)
        } else {
            Err(ServerError::Keys(errors))
        }
    }

    /// Parses the command line and environment, then serves until Ctrl-C or
    /// SIGTERM (or runs the subcommand). The `main` of a native app.
    pub fn main(self) -> ExitCode {
        let options = Options::parse();
        if options.openapi {
            print!("{}", S::OPENAPI_JSON);
            return ExitCode::SUCCESS;
        }
        if options.changelog {
            print!("{}", S::API_CHANGELOG);
            return ExitCode::SUCCESS;
        }
        if let Some(Command::Token(args)) = &options.command {
            let minted = self
                .variables(&options)
                .map_err(|e| e.to_string())
                .and_then(|vars| mint_token(S::SECURITY, &vars, args));
            return match minted {
                Ok(token) => {
                    println!("{token}");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            };
        }
        let log = logging::init(&options.log, options.log_format);
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(err) => {
                log.flush();
                eprintln!("error: cannot start the async runtime: {err}");
                return ExitCode::FAILURE;
            }
        };
        let outcome = runtime.block_on(self.run(options, shutdown_signal()));
        // What the server logged comes before why it stopped.
        log.flush();
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        }
    }

    /// Opens (creating, migrating and seeding as needed) the database named
    /// by `options`.
    pub fn open_database(&self, options: &Options) -> Result<SqliteDatabase, ServerError> {
        let path = options.database.clone();
        let fail = |source| ServerError::Database {
            path: path.clone(),
            source,
        };
        let created = !path.exists();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                fail(DbError::Other(format!(
                    "cannot create {}: {e}",
                    parent.display()
                )))
            })?;
        }
        let db = SqliteDatabase::open_with(&path, options.pool()).map_err(fail)?;
        let applied = db
            .with_connection(|conn| migrate::apply(conn, S::MIGRATIONS))
            .and_then(|r| r)
            .map_err(fail)?;
        for name in &applied {
            tracing::info!("applied migration {name}");
        }
        if created
            && !options.no_sample_data
            && let Some(sql) = self.sample_data
        {
            db.with_connection(|conn| {
                let tx = conn.transaction()?;
                tx.execute_batch(sql)?;
                tx.commit()
            })
            .and_then(|r| r.map_err(crate::db::sqlite::sqlite_error))
            .map_err(|e| fail(DbError::Other(format!("sample data failed: {e}"))))?;
            tracing::info!("loaded sample data into new database {}", path.display());
        }
        Ok(db)
    }

    /// Serves until `shutdown` completes.
    pub async fn run(
        self,
        options: Options,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), ServerError> {
        let variables = self.variables(&options)?;
        let keys = self.keys(&variables)?;
        match (&variables.source, &options.env_file) {
            (Some(source), None) => tracing::warn!(
                "keys not set in the environment come from the development file {}: anyone who can read it can mint tokens; set them in the environment or pass --env-file anywhere but on a development machine (see docs/security.md)",
                source.display()
            ),
            (Some(source), Some(_)) => tracing::info!(
                "read keys not set in the environment from {}",
                source.display()
            ),
            (None, _) => {}
        }
        let scheduled = if options.no_jobs {
            Vec::new()
        } else {
            jobs::schedules(S::JOBS, &options.job_schedule).map_err(ServerError::Jobs)?
        };
        let db = self.open_database(&options)?;
        let addr = format!("{}:{}", options.host, options.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        let local: SocketAddr = listener.local_addr()?;
        println!(
            "{} {} listening on http://{local} (database {})",
            S::TITLE,
            S::VERSION,
            options.database.display()
        );
        if options.no_jobs && !S::JOBS.is_empty() {
            tracing::info!("jobs are not run by this process (--no-jobs)");
        }
        jobs::spawn(scheduled, db.clone(), variables);
        let limits = serve::Limits::from(&options);
        serve::accept_loop::<S>(listener, db, keys, limits, shutdown).await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
