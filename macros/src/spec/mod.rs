//! The spec: `api.yaml` parsed into a located model.

pub mod model;
pub mod parse;
pub mod yaml;

pub use model::*;
