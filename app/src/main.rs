//! The shop API served natively from an embedded SQLite file.
//!
//! `cargo run -p app` serves on http://127.0.0.1:8787; `--help` lists the
//! flags (host, port, database path, env file) and their environment
//! variables, and `cargo run -p app -- token --role staff --sub 7` mints a
//! token to call the protected endpoints with.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    let server = keel::native::Server::<app::Api>::new().sample_data(app::SAMPLE_DATA);
    // Development builds read the development keys from app/.dev.vars, as
    // `wrangler dev` does; release builds read keys only from the
    // environment or an explicit --env-file, so a forgotten secret stops the
    // server instead of falling back to a published one.
    #[cfg(debug_assertions)]
    let server = server.default_env_file(concat!(env!("CARGO_MANIFEST_DIR"), "/.dev.vars"));
    server.main()
}

/// On Workers the entry point is the `fetch` event in the library; this
/// binary exists only natively.
#[cfg(target_arch = "wasm32")]
fn main() {}
