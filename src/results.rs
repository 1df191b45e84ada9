//! The outcome of one rule on one resource, as the evaluator gives it; it becomes a
//! [`crate::finding::Finding`] once its fingerprint, suppression and marks are known.

use crate::finding::Resource;
pub use crate::finding::Status;

#[derive(Debug, Clone)]
pub struct RuleResult {
    /// Index into `RuleSet::rules`.
    pub rule: usize,
    /// Shared with the other results about the same resource.
    pub resource: std::sync::Arc<Resource>,
    pub status: Status,
    pub message: String,
    pub evidence: serde_json::Value,
}
