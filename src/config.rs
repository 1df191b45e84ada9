//! The configuration file, `posture.yaml`: rule parameters that override the defaults of
//! `rules/data/params.json` (`data.posture.params`). The defaults live only in params.json;
//! this file names what differs. Unknown keys and wrong types are input errors (exit 2) that
//! name the file, the line and the key.
//!
//! ```yaml
//! params:
//!   organization_id: o-acme12345
//!   trusted_account_ids: ["444455556666"]
//!   guardduty_min_severity: 7.0
//! ```

use crate::error::InputError;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The file read when `--config` is not given, if it exists in the working directory.
pub const DEFAULT_PATH: &str = "posture.yaml";

/// YAML files are read whole and parsed in time that grows with the square of their nesting,
/// and both posture.yaml and .posture-ignore.yaml are picked up unasked: cap both.
pub const YAML_MAX_BYTES: u64 = 1024 * 1024;
/// Deeper than any real configuration (they nest four or five levels).
pub const YAML_MAX_DEPTH: usize = 64;

/// Why a YAML file was not read.
#[derive(Debug, thiserror::Error)]
pub enum YamlReadError {
    #[error("{0}")]
    Unreadable(std::io::Error),
    #[error("larger than {} KiB; posture reads configuration files up to that size", YAML_MAX_BYTES / 1024)]
    TooLarge,
    #[error("nested deeper than {YAML_MAX_DEPTH} levels")]
    TooDeep { line: usize },
}

impl YamlReadError {
    /// The 1-based line to blame.
    pub fn line(&self) -> usize {
        match self {
            YamlReadError::TooDeep { line } => *line,
            _ => 1,
        }
    }
}

/// Reads a YAML file, refusing one over [`YAML_MAX_BYTES`] or nested deeper than
/// [`YAML_MAX_DEPTH`] before the parser sees it (a device such as /dev/zero is never read whole).
pub fn read_bounded_yaml(path: &Path) -> Result<String, YamlReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(YamlReadError::Unreadable)?;
    let mut bytes = Vec::new();
    file.take(YAML_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(YamlReadError::Unreadable)?;
    if bytes.len() as u64 > YAML_MAX_BYTES {
        return Err(YamlReadError::TooLarge);
    }
    let text = String::from_utf8(bytes)
        .map_err(|error| YamlReadError::Unreadable(std::io::Error::new(std::io::ErrorKind::InvalidData, error)))?;
    if let Some(line) = too_deep(&text, YAML_MAX_DEPTH) {
        return Err(YamlReadError::TooDeep { line });
    }
    Ok(text)
}

/// The first line where the nesting may exceed `limit`: flow brackets, indentation levels and
/// compact block indicators (`- - -`) counted outside quotes, comments and block scalars. It
/// over-estimates a little (a cheap bound, not a parser), never under.
fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let mut flow = 0usize;
    let mut indents: Vec<usize> = Vec::new();
    let mut quote: Option<char> = None;
    // Lines indented more than this belong to a `|` or `>` block scalar.
    let mut block_scalar: Option<usize> = None;
    for (index, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = line.trim();
        if let Some(parent) = block_scalar {
            if content.is_empty() || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        if quote.is_none() && flow == 0 && !content.is_empty() && !content.starts_with('#') {
            while indents.last().is_some_and(|&top| top > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|&top| top < indent) {
                indents.push(indent);
            }
        }
        let mut compact = 0usize;
        let mut at_start = quote.is_none() && flow == 0;
        let mut previous = ' ';
        let mut chars = content.chars().peekable();
        while let Some(c) = chars.next() {
            match quote {
                Some(q) => {
                    if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    '#' if previous.is_whitespace() => break,
                    '"' | '\'' => quote = Some(c),
                    '[' | '{' => flow += 1,
                    ']' | '}' => flow = flow.saturating_sub(1),
                    '-' | '?' | ':' if at_start && chars.peek().is_none_or(|n| *n == ' ') => compact += 1,
                    ' ' => {}
                    _ => at_start = false,
                },
            }
            if flow + indents.len() + compact > limit {
                return Some(index + 1);
            }
            previous = c;
        }
        let tail = content.split(" #").next().unwrap_or_default().trim_end();
        if quote.is_none()
            && flow == 0
            && (tail.ends_with('|') || tail.ends_with('>') || tail.ends_with("|-") || tail.ends_with(">-"))
        {
            block_scalar = Some(indent);
        }
    }
    None
}

#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    text: String,
    /// Parameter overrides as written (validated against the defaults by [`Config::apply`]).
    pub params: Map<String, Value>,
    /// `history:`: the store every scan records into.
    pub history: Option<HistorySetting>,
}

/// `history: PATH` or `history: {path: PATH, keep: 400d, detail: failing|all}`; a relative
/// path is relative to the configuration file's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySetting {
    pub path: PathBuf,
    pub keep_days: Option<u32>,
    pub detail: Option<crate::history::Detail>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    params: Option<Map<String, Value>>,
    #[serde(default)]
    history: Option<RawHistory>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawHistory {
    Path(String),
    Table(RawHistoryTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistoryTable {
    path: String,
    #[serde(default)]
    keep: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

impl Config {
    /// `--config PATH` (must exist), else `./posture.yaml` when present, else none.
    pub fn resolve(explicit: Option<&Path>) -> Result<Option<Config>, InputError> {
        match explicit {
            Some(path) => Config::load(path).map(Some),
            None => {
                let default = Path::new(DEFAULT_PATH);
                if default.is_file() {
                    Config::load(default).map(Some)
                } else {
                    Ok(None)
                }
            }
        }
    }

    pub fn load(path: &Path) -> Result<Config, InputError> {
        let text = read_bounded_yaml(path).map_err(|error| match error {
            YamlReadError::Unreadable(source) => InputError::Unreadable {
                path: path.to_path_buf(),
                source,
            },
            other => InputError::Rule {
                path: path.display().to_string(),
                line: other.line(),
                message: other.to_string(),
            },
        })?;
        Config::parse(path, text)
    }

    pub fn parse(path: &Path, text: String) -> Result<Config, InputError> {
        let origin = path.display().to_string();
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig {
                params: None,
                history: None,
            }
        } else {
            yaml_serde::from_str(&text).map_err(|error| InputError::Rule {
                path: origin.clone(),
                line: error.location().map(|l| l.line()).unwrap_or(1),
                message: crate::error::cap_echo(format!("{error}").split(" at line ").next().unwrap_or_default()),
            })?
        };
        let mut config = Config {
            path: path.to_path_buf(),
            text,
            params: raw.params.unwrap_or_default(),
            history: None,
        };
        config.history = raw.history.map(|raw| config.history_setting(raw)).transpose()?;
        Ok(config)
    }

    fn history_setting(&self, raw: RawHistory) -> Result<HistorySetting, InputError> {
        let (path, keep, detail) = match raw {
            RawHistory::Path(path) => (path, None, None),
            RawHistory::Table(table) => (table.path, table.keep, table.detail),
        };
        if path.trim().is_empty() {
            return Err(self.error("history", "history: the path is empty".into()));
        }
        let keep_days = keep
            .map(|text| crate::history::parse_days(&text).map_err(|e| self.error("keep", format!("history.keep: {e}"))))
            .transpose()?;
        let detail = detail
            .map(|text| {
                crate::history::Detail::parse(&text)
                    .ok_or_else(|| self.error("detail", format!("history.detail: {text:?} is not failing or all")))
            })
            .transpose()?;
        let folder = self.path.parent().unwrap_or(Path::new(""));
        Ok(HistorySetting {
            path: folder.join(path),
            keep_days,
            detail,
        })
    }

    /// The 1-based line where `key:` is written, for messages.
    fn line_of(&self, key: &str) -> usize {
        self.text
            .lines()
            .position(|line| {
                let trimmed = line.trim_start();
                trimmed.starts_with(&format!("{key}:")) || trimmed.starts_with(&format!("\"{key}\":"))
            })
            .map(|i| i + 1)
            .unwrap_or(1)
    }

    fn error(&self, key: &str, message: String) -> InputError {
        InputError::Rule {
            path: self.path.display().to_string(),
            line: self.line_of(key),
            message: crate::error::cap_echo(&message),
        }
    }

    /// Overrides the parameters in `defaults` (the `params` document), checking each key exists
    /// there and keeps its type.
    pub fn apply(&self, defaults: &mut Map<String, Value>) -> Result<Vec<String>, InputError> {
        let mut overridden = Vec::new();
        for (key, value) in &self.params {
            let Some(default) = defaults.get(key) else {
                let known: Vec<&str> = defaults.keys().map(String::as_str).collect();
                return Err(self.error(
                    key,
                    format!("params.{key}: unknown parameter (known: {})", known.join(", ")),
                ));
            };
            check_type(key, default, value).map_err(|message| self.error(key, format!("params.{key}: {message}")))?;
            defaults.insert(key.clone(), value.clone());
            overridden.push(key.clone());
        }
        Ok(overridden)
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Checks a parameter override against its default's type; list elements against the
/// default's elements (or, for an empty `*_ids` default, strings).
pub(crate) fn check_type(key: &str, default: &Value, value: &Value) -> Result<(), String> {
    let ok = match (default, value) {
        // An unset default (organization_id) takes a string or stays unset.
        (Value::Null, Value::Null | Value::String(_)) => true,
        (Value::Array(defaults), Value::Array(items)) => {
            if key.ends_with("_ids") {
                if let Some(bad) = items.iter().find(|item| !item.is_string()) {
                    return Err(format!(
                        "expected a list of strings, found {}: quote ids (\"012345678901\") so YAML keeps them as text",
                        crate::error::cap_echo(&bad.to_string())
                    ));
                }
            }
            if let Some(sample) = defaults.first() {
                let integers = defaults.iter().all(|d| d.is_i64() || d.is_u64());
                let wrong = items.iter().enumerate().find(|(_, item)| {
                    std::mem::discriminant(*item) != std::mem::discriminant(sample)
                        || (integers && !(item.is_i64() || item.is_u64()))
                });
                if let Some((index, item)) = wrong {
                    let expected = if integers { "an integer" } else { kind(sample) };
                    return Err(format!(
                        "element {index}: expected {expected}, found {} {}",
                        kind(item),
                        crate::error::cap_echo(&item.to_string())
                    ));
                }
            }
            true
        }
        (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("expected {}, found {}", kind(default), kind(value)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn nesting_is_bounded_before_parsing() {
        let deep_flow = format!("params:\n  admin_ports: {}{}\n", "[".repeat(60_000), "]".repeat(60_000));
        assert_eq!(too_deep(&deep_flow, YAML_MAX_DEPTH), Some(2));
        let compact = format!("suppressions:\n  {}x\n", "- ".repeat(100));
        assert_eq!(too_deep(&compact, YAML_MAX_DEPTH), Some(2));
        let indented: String = (0..80)
            .map(|level| format!("{}k{level}:\n", " ".repeat(level)))
            .collect();
        assert!(too_deep(&indented, YAML_MAX_DEPTH).is_some());
        // Real files: brackets in quotes, comments and block scalars do not count.
        let real = "params:\n  # [[[[ a comment\n  admin_ports: [22, 3389]\n  organization_id: \"o-[[[[\"\nsuppressions:\n  - rule: IAM-001\n    reason: |\n      [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n    expires: 2030-01-01\n    tags: [a, {b: [c]}]\n";
        assert_eq!(too_deep(real, 8), None);
        let fixture = std::fs::read_to_string("fixtures/correlation/posture.yaml").unwrap();
        assert_eq!(too_deep(&fixture, 8), None);
    }

    #[test]
    fn history_is_a_path_or_a_table_relative_to_the_file() {
        let path = Path::new("/etc/posture/posture.yaml");
        let short = Config::parse(path, "history: posture.db\n".into()).unwrap();
        assert_eq!(short.history.unwrap().path, PathBuf::from("/etc/posture/posture.db"));
        let full = Config::parse(
            path,
            "history:\n  path: /var/h.db\n  keep: 400d\n  detail: all\n".into(),
        )
        .unwrap();
        let full = full.history.unwrap();
        assert_eq!(
            (full.path.as_path(), full.keep_days),
            (Path::new("/var/h.db"), Some(400))
        );
        let error = Config::parse(path, "params: {}\nhistory:\n  path: h.db\n  keep: forever\n".into()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("/etc/posture/posture.yaml:4: history.keep:"),
            "{error}"
        );
    }

    #[test]
    fn list_elements_follow_the_defaults() {
        assert!(check_type("admin_ports", &json!([22, 3389]), &json!([22])).is_ok());
        let error = check_type("admin_ports", &json!([22, 3389]), &json!([22, "3389"])).unwrap_err();
        assert_eq!(error, "element 1: expected an integer, found a string \"3389\"");
        assert!(check_type("admin_ports", &json!([22]), &json!([22.5])).is_err());
        assert!(check_type("guardduty_required_features", &json!(["S3"]), &json!([1])).is_err());
        assert!(check_type("trusted_account_ids", &json!([]), &json!([123])).is_err());
        assert!(check_type("gateway_endpoint_services", &json!(["s3"]), &json!([])).is_ok());
    }
}
