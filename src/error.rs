//! Typed errors of the stages that read user input; each maps to exit code 2.

use std::path::PathBuf;

/// Something the user gave us is wrong: always names the file and, where known, the place.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: cannot read: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{}: at {json_path}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        json_path: String,
        message: String,
    },
    #[error("{path}:{line}: {message}")]
    Rule { path: String, line: usize, message: String },
    #[error("{0}")]
    Usage(String),
}

impl InputError {
    /// Wraps a serde_json error, keeping its line and column and the JSON path.
    pub fn at(path: &std::path::Path, json_path: String, error: &serde_json::Error) -> Self {
        let json_path = if json_path.is_empty() || json_path == "." {
            "$".to_string()
        } else {
            json_path
        };
        // serde_json's message ends with "at line L column C": keep it, it is where to look.
        let message = error.to_string();
        InputError::Invalid {
            path: path.to_path_buf(),
            json_path,
            message,
        }
    }
}
