//! The `# METADATA` block at the top of a rule file (regorus ignores it; posture reads it).

use crate::snapshot::Section;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Weight in the score (docs/contracts.md §Score).
    pub fn weight(self) -> u32 {
        match self {
            Severity::Critical => 10,
            Severity::High => 5,
            Severity::Medium => 3,
            Severity::Low => 1,
            Severity::Info => 0,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
    /// Highest first, for reports.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Pillar {
    Identity,
    Network,
    Detection,
    Data,
}

impl Pillar {
    pub const ALL: [Pillar; 4] = [Pillar::Identity, Pillar::Network, Pillar::Detection, Pillar::Data];
    pub fn as_str(self) -> &'static str {
        match self {
            Pillar::Identity => "identity",
            Pillar::Network => "network",
            Pillar::Detection => "detection",
            Pillar::Data => "data",
        }
    }
}

/// What posture knows of a rule, from its METADATA.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMetadata {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub pillar: Pillar,
    pub categories: Vec<String>,
    pub requires: Vec<Section>,
    pub compliance: Vec<String>,
    pub remediation: String,
}

#[derive(Deserialize)]
struct RawMetadata {
    title: Option<String>,
    description: Option<String>,
    custom: Option<RawCustom>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustom {
    id: Option<String>,
    severity: Option<Severity>,
    pillar: Option<Pillar>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    compliance: Vec<String>,
    remediation: Option<String>,
}

/// A METADATA problem, with the 1-based line of the file where it was found.
#[derive(Debug)]
pub struct MetadataError {
    pub line: usize,
    pub message: String,
}

/// Whether the file opens with a METADATA block (after blank lines).
pub fn has_metadata(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l == "# METADATA")
}

/// Parses and validates the leading METADATA block.
pub fn parse(text: &str) -> Result<RuleMetadata, MetadataError> {
    let mut lines = text.lines().enumerate().skip_while(|(_, l)| l.trim().is_empty());
    let Some((start, first)) = lines.next() else {
        return Err(MetadataError {
            line: 1,
            message: "empty rule file".into(),
        });
    };
    if first.trim() != "# METADATA" {
        return Err(MetadataError {
            line: start + 1,
            message: "a rule must open with a `# METADATA` comment block".into(),
        });
    }
    let mut yaml = String::new();
    for (_, line) in lines {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            break;
        };
        yaml.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        yaml.push('\n');
    }
    let yaml_line = start + 2;
    let raw: RawMetadata = yaml_serde::from_str(&yaml).map_err(|error| MetadataError {
        line: yaml_line + error.location().map(|l| l.line().saturating_sub(1)).unwrap_or(0),
        message: format!("METADATA is not valid: {error}"),
    })?;
    let bad = |message: String| MetadataError {
        line: yaml_line,
        message,
    };
    let custom = raw
        .custom
        .ok_or_else(|| bad("METADATA needs a `custom` section".into()))?;
    let id = custom.id.ok_or_else(|| bad("METADATA custom.id is missing".into()))?;
    if !valid_rule_id(&id) {
        return Err(bad(format!(
            "rule id {id:?} must look like ABC-123 (letters, a dash, digits)"
        )));
    }
    let mut requires = Vec::with_capacity(custom.requires.len());
    for name in &custom.requires {
        let Some(section) = Section::from_name(name) else {
            let known: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
            return Err(bad(format!(
                "custom.requires: unknown section {name:?}, expected one of {known:?}"
            )));
        };
        requires.push(section);
    }
    for control in &custom.compliance {
        if control
            .split_once(':')
            .is_none_or(|(framework, id)| framework.is_empty() || id.is_empty())
        {
            return Err(bad(format!(
                "custom.compliance: {control:?} must be framework:control, e.g. cis-aws-4.0:1.16"
            )));
        }
    }
    Ok(RuleMetadata {
        title: raw
            .title
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| bad("METADATA title is missing".into()))?,
        description: raw.description.unwrap_or_default().trim().to_string(),
        severity: custom
            .severity
            .ok_or_else(|| bad(format!("{id}: custom.severity is missing")))?,
        pillar: custom
            .pillar
            .ok_or_else(|| bad(format!("{id}: custom.pillar is missing")))?,
        remediation: custom.remediation.unwrap_or_default().trim().to_string(),
        categories: custom.categories,
        requires,
        compliance: custom.compliance,
        id,
    })
}

fn valid_rule_id(id: &str) -> bool {
    let Some((prefix, number)) = id.split_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && prefix.bytes().all(|b| b.is_ascii_uppercase())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "# METADATA\n# title: T\n# description: D\n# custom:\n#   id: IAM-001\n#   severity: critical\n#   pillar: identity\n#   requires: [iam]\n#   compliance: [cis-aws-4.0:1.16]\n#   remediation: R\npackage aws.iam.x\n";

    #[test]
    fn parses_a_good_block() {
        let meta = parse(GOOD).unwrap();
        assert_eq!(meta.id, "IAM-001");
        assert_eq!(meta.severity, Severity::Critical);
        assert_eq!(meta.requires, vec![Section::Iam]);
    }

    #[test]
    fn unknown_severity_is_an_error_with_a_line() {
        let error = parse(&GOOD.replace("critical", "urgent")).unwrap_err();
        assert!(error.message.contains("urgent"), "{}", error.message);
        assert!(error.line >= 2);
    }

    #[test]
    fn unknown_section_is_rejected() {
        let error = parse(&GOOD.replace("[iam]", "[dynamodb]")).unwrap_err();
        assert!(
            error.message.contains("unknown section \"dynamodb\""),
            "{}",
            error.message
        );
    }
}
