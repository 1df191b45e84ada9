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
        let message = match message.rfind(" at line ") {
            Some(at) => format!("{}{}", cap_echo(&message[..at]), &message[at..]),
            None => cap_echo(&message),
        };
        InputError::Invalid {
            path: path.to_path_buf(),
            json_path,
            message,
        }
    }
}

/// The longest piece of input echoed in a message; the rest is elided.
pub const ECHO_BUDGET: usize = 300;

/// Shortens echoed input (a string value, a line of code) to [`ECHO_BUDGET`] characters,
/// saying how much was left out, so a 1 MB value never becomes a 1 MB error line.
pub fn cap_echo(text: &str) -> String {
    match text.char_indices().nth(ECHO_BUDGET) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}… ({} more bytes)", &text[..cut], text.len() - cut),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn echoed_input_is_capped() {
        let long = "x".repeat(1_000_000);
        let capped = cap_echo(&long);
        assert!(capped.len() < ECHO_BUDGET + 40, "{}", capped.len());
        assert!(capped.ends_with("… (999700 more bytes)"), "{capped}");
        assert_eq!(cap_echo("short"), "short");
    }

    #[test]
    fn a_huge_json_value_is_capped_and_keeps_its_place() {
        let text = format!("{{\"n\": \"{}\"}}", "y".repeat(1_000_000));
        let error = serde_json::from_str::<std::collections::BTreeMap<String, u64>>(&text).unwrap_err();
        let message = InputError::at(std::path::Path::new("s.json"), "$.n".into(), &error).to_string();
        assert!(message.len() < 500, "{}", message.len());
        assert!(message.ends_with("column 1000008"), "{message}");
    }
}
