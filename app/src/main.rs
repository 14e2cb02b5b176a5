//! The shop API served natively from an embedded SQLite file.
//!
//! `cargo run -p app` serves on http://127.0.0.1:8787; `--help` lists the
//! flags (host, port, database path) and their environment variables.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    keel::native::Server::<app::Api>::new()
        .sample_data(app::SAMPLE_DATA)
        .main()
}

/// On Workers the entry point is the `fetch` event in the library; this
/// binary exists only natively.
#[cfg(target_arch = "wasm32")]
fn main() {}
