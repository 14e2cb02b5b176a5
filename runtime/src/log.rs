//! Where server-side failures are written: `tracing` natively, the Workers
//! console at the edge. Clients never see these messages.

/// Logs a failure the client only sees as a 5xx problem.
pub fn error(message: &str) {
    #[cfg(not(target_arch = "wasm32"))]
    tracing::error!("{message}");
    #[cfg(target_arch = "wasm32")]
    worker::console_error!("{message}");
}

/// Logs something unusual that was handled.
pub fn warn(message: &str) {
    #[cfg(not(target_arch = "wasm32"))]
    tracing::warn!("{message}");
    #[cfg(target_arch = "wasm32")]
    worker::console_warn!("{message}");
}

/// Logs what only an operator investigating a problem needs, such as why a
/// credential was refused (the client is told less).
pub fn debug(message: &str) {
    #[cfg(not(target_arch = "wasm32"))]
    tracing::debug!("{message}");
    #[cfg(target_arch = "wasm32")]
    worker::console_debug!("{message}");
}
