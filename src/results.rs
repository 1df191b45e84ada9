//! The outcome of one rule on one resource.

use crate::facts::ResourceRef;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Fail,
    NotEvaluated,
    Muted,
    Pass,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotEvaluated => "not_evaluated",
            Status::Muted => "muted",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RuleResult {
    /// Index into `RuleSet::rules`.
    pub rule: usize,
    /// Shared with the other results about the same resource.
    pub resource: std::sync::Arc<ResourceRef>,
    pub status: Status,
    pub message: String,
    pub evidence: serde_json::Value,
}
