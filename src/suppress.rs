//! Suppressions (`.posture-ignore.yaml`): accepted risks with a reason and an expiry. A failing
//! finding that matches a live entry becomes `muted`, with a typed suppression; it stays in every
//! output, marked. Applied when the finding is built, before the score and the gate, so
//! renderers only render.

use crate::finding::Resource;
use chrono::NaiveDate;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file looked for in the working directory when `--ignore-file` is not given.
pub const DEFAULT_IGNORE_FILE: &str = ".posture-ignore.yaml";

#[derive(Debug, thiserror::Error)]
pub enum SuppressionError {
    #[error("{}: cannot read: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: suppressions[{index}]: {message}", path.display())]
    Entry {
        path: PathBuf,
        index: usize,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    suppressions: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    rule: Option<String>,
    account: Option<String>,
    region: Option<String>,
    resource: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// One checked entry. Every matcher it names must match (an entry with only `rule` mutes that
/// rule everywhere).
#[derive(Debug, Clone)]
pub struct Suppression {
    pub index: usize,
    pub rule: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub resource: Option<GlobMatcher>,
    pub resource_pattern: Option<String>,
    pub reason: String,
    pub expires: NaiveDate,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SuppressionFile {
    pub path: PathBuf,
    pub entries: Vec<Suppression>,
}

impl SuppressionFile {
    pub fn load(path: &Path) -> Result<Self, SuppressionError> {
        let text = crate::config::read_bounded_yaml(path).map_err(|error| match error {
            crate::config::YamlReadError::Unreadable(source) => SuppressionError::Unreadable {
                path: path.to_path_buf(),
                source,
            },
            other => SuppressionError::Invalid {
                path: path.to_path_buf(),
                message: format!("line {}: {other}", other.line()),
            },
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, SuppressionError> {
        // An empty file is a valid file with no entries.
        let raw: RawFile = if text.trim().is_empty() {
            RawFile {
                suppressions: Vec::new(),
            }
        } else {
            yaml_serde::from_str(text).map_err(|error| SuppressionError::Invalid {
                path: path.to_path_buf(),
                message: capped(&one_line(&error.to_string())),
            })?
        };
        let entries = raw
            .suppressions
            .into_iter()
            .enumerate()
            .map(|(index, entry)| check_entry(path, index, entry))
            .collect::<Result<_, _>>()?;
        Ok(SuppressionFile {
            path: path.to_path_buf(),
            entries,
        })
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Caps the echoed input in a message (a 1 MB value is not a 1 MB error line) and keeps its
/// "at line L column C" tail, which says where to look.
fn capped(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => format!("{}{}", crate::error::cap_echo(&message[..at]), &message[at..]),
        None => crate::error::cap_echo(message),
    }
}

fn check_entry(path: &Path, index: usize, raw: RawEntry) -> Result<Suppression, SuppressionError> {
    let invalid = |message: String| SuppressionError::Entry {
        path: path.to_path_buf(),
        index,
        message: capped(&message),
    };
    let reason = raw
        .reason
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| invalid("`reason` is required".into()))?;
    let expires_text = raw
        .expires
        .ok_or_else(|| invalid("`expires` (YYYY-MM-DD) is required".into()))?;
    let expires = NaiveDate::parse_from_str(&expires_text, "%Y-%m-%d")
        .map_err(|_| invalid(format!("`expires` {expires_text:?} is not a YYYY-MM-DD date")))?;
    if raw.rule.is_none() && raw.account.is_none() && raw.region.is_none() && raw.resource.is_none() {
        return Err(invalid(
            "names nothing to match: give at least one of rule, account, region, resource".into(),
        ));
    }
    let resource = match &raw.resource {
        Some(pattern) => Some(
            Glob::new(pattern)
                .map_err(|error| invalid(format!("`resource` glob {pattern:?}: {error}")))?
                .compile_matcher(),
        ),
        None => None,
    };
    Ok(Suppression {
        index,
        rule: raw.rule,
        account: raw.account,
        region: raw.region,
        resource,
        resource_pattern: raw.resource,
        reason,
        expires,
        tags: raw.tags,
    })
}

impl Suppression {
    /// Valid through the day it names.
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        today > self.expires
    }

    fn matches(&self, rule_id: &str, resource: &Resource) -> bool {
        self.rule.as_deref().is_none_or(|r| r.eq_ignore_ascii_case(rule_id))
            && self.account.as_deref().is_none_or(|a| a == resource.account)
            && self.region.as_deref().is_none_or(|r| r == resource.region)
            && self.resource.as_ref().is_none_or(|g| g.is_match(&resource.arn))
    }
}

/// The entries of a file in force today, each with the typed suppression a finding carries.
pub struct LiveSuppressions {
    entries: Vec<(Suppression, std::sync::Arc<crate::finding::Suppression>)>,
    /// One line per expired entry (not applied).
    pub expired: Vec<String>,
    /// Failing findings muted so far.
    pub muted: std::sync::atomic::AtomicUsize,
    pub path: PathBuf,
}

impl LiveSuppressions {
    pub fn new(file: SuppressionFile, today: NaiveDate) -> Self {
        let path_text = file.path.display().to_string();
        let mut expired = Vec::new();
        let mut entries = Vec::new();
        for entry in file.entries {
            if entry.is_expired(today) {
                expired.push(format!(
                    "{}: suppressions[{}] expired on {} and is not applied ({})",
                    path_text, entry.index, entry.expires, entry.reason
                ));
                continue;
            }
            let typed = std::sync::Arc::new(crate::finding::Suppression {
                reason: entry.reason.clone(),
                expires: entry.expires.to_string(),
                file: path_text.clone(),
                entry: entry.index,
                tags: entry.tags.clone(),
            });
            entries.push((entry, typed));
        }
        LiveSuppressions {
            entries,
            expired,
            muted: std::sync::atomic::AtomicUsize::new(0),
            path: file.path,
        }
    }

    /// The first live entry that matches a failing finding of `rule_id` on `resource`.
    pub fn matching(&self, rule_id: &str, resource: &Resource) -> Option<std::sync::Arc<crate::finding::Suppression>> {
        let found = self
            .entries
            .iter()
            .find(|(entry, _)| entry.matches(rule_id, resource))
            .map(|(_, typed)| typed.clone());
        if found.is_some() {
            self.muted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SuppressionFile, SuppressionError> {
        SuppressionFile::parse(Path::new("ignore.yaml"), text)
    }

    #[test]
    fn entries_need_reason_expiry_and_a_matcher() {
        let error = parse("suppressions:\n  - rule: IAM-001\n    expires: 2030-01-01\n")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("ignore.yaml: suppressions[0]: `reason` is required")
        );
        let error = parse("suppressions:\n  - rule: IAM-001\n    reason: x\n    expires: 2030-13-01\n")
            .err()
            .map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("suppressions[0]") && e.contains("YYYY-MM-DD")));
        let error = parse("suppressions:\n  - reason: x\n    expires: 2030-01-01\n")
            .err()
            .map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("names nothing to match")));
        assert!(parse("").is_ok_and(|f| f.entries.is_empty()));
    }

    #[test]
    fn expiry_is_inclusive() {
        let file = parse("suppressions:\n  - rule: X\n    reason: r\n    expires: 2030-01-01\n");
        let entry = file.ok().and_then(|f| f.entries.into_iter().next());
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        assert_eq!(
            entry.as_ref().zip(day("2030-01-01")).map(|(e, d)| e.is_expired(d)),
            Some(false)
        );
        assert_eq!(
            entry.as_ref().zip(day("2030-01-02")).map(|(e, d)| e.is_expired(d)),
            Some(true)
        );
    }
}
