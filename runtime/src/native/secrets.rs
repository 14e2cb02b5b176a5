//! Where the native server finds the variables its security schemes name:
//! the process environment first, then an env file of `NAME=value` lines
//! (the `.dev.vars` format `wrangler dev` reads, so one file serves both
//! targets in development).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The variables the server can read.
#[derive(Debug, Default, Clone)]
pub struct Variables {
    file: HashMap<String, String>,
    /// The env file read, for the start-up message.
    pub source: Option<PathBuf>,
}

impl Variables {
    /// Reads `file` if given (it must then exist), else `fallback` if it
    /// exists, else nothing: only the environment counts.
    pub fn load(file: Option<&Path>, fallback: Option<&Path>) -> Result<Variables, String> {
        let path = match (file, fallback) {
            (Some(path), _) => path,
            (None, Some(path)) if path.is_file() => path,
            _ => return Ok(Variables::default()),
        };
        let entries = dotenvy::from_path_iter(path)
            .map_err(|err| format!("cannot read the env file {}: {err}", path.display()))?;
        let mut vars = HashMap::new();
        for entry in entries {
            let (name, value) = entry
                .map_err(|err| format!("the env file {} is malformed: {err}", path.display()))?;
            vars.insert(name, value);
        }
        Ok(Variables {
            file: vars,
            source: Some(path.to_path_buf()),
        })
    }

    /// The value of `name`: the environment's if set, else the file's.
    pub fn get(&self, name: &str) -> Option<String> {
        std::env::var(name)
            .ok()
            .or_else(|| self.file.get(name).cloned())
    }
}
