//! Pre-deploy inputs: a Terraform plan (`terraform show -json`) or a CloudFormation template,
//! read as planned changes to snapshot items, applied to the deployed base to give the planned
//! state that every rule then judges. What a plan leaves unknown ("known after apply", an
//! intrinsic that cannot be resolved) stays unknown: the facts it feeds are marked incomplete.

pub mod apply;
mod apply_iam;
mod apply_regional;
mod attrs;
pub mod base;
pub mod cloudformation;
mod cloudformation_map;
mod items;
mod resource_policies;
pub mod terraform;
mod terraform_map;
mod workloads;

pub use apply::{apply_changes, PlanOverlay};
pub use attrs::{Attrs, Reference};
pub use items::Item;

use crate::error::InputError;
use crate::finding::PlannedOrigin;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// One planned resource: where it is written, what it was and what it becomes.
#[derive(Debug, Clone)]
pub struct Change {
    pub origin: Arc<PlannedOrigin>,
    pub account: String,
    pub region: String,
    /// The items as deployed (updates, deletes, replaces); empty when created.
    pub before: Vec<Item>,
    /// The items as planned; empty when deleted.
    pub after: Vec<Item>,
    /// Attributes of `after` the rules need that are known only after apply, with the reason.
    pub unknown: Vec<String>,
    /// The identity the planned resource is reported under when it has no ARN yet.
    pub placeholder: Option<Placeholder>,
}

/// A planned resource without a known id: the id the snapshot holds it under (prefixed like
/// AWS's own, so facts that read the prefix still work) and the label reports give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub id: String,
    pub label: String,
}

/// Everything the pre-deploy inputs planned, over every file.
#[derive(Debug, Default)]
pub struct PlannedChanges {
    pub changes: Vec<Change>,
    /// Resource types no mapping knows (`aws_s3_bucket`, `AWS::S3::Bucket`), sorted, once each.
    pub unmapped: BTreeSet<String>,
    /// `plan:<path>` and `cloudformation:<path>`, in the order given.
    pub labels: Vec<String>,
}

impl PlannedChanges {
    /// The accounts the changes apply to, sorted.
    pub fn accounts(&self) -> BTreeSet<String> {
        self.changes.iter().map(|c| c.account.clone()).collect()
    }
}

/// Which pre-deploy files to read and the account and region they apply to by default.
#[derive(Debug, Clone, Default)]
pub struct PlanInputs {
    pub terraform: Vec<PathBuf>,
    pub cloudformation: Vec<PathBuf>,
    /// The account of a Terraform plan that names none itself.
    pub plan_account: Option<String>,
    /// The account a CloudFormation template is deployed to.
    pub cfn_account: Option<String>,
    /// The region of a CloudFormation template (default `us-east-1`).
    pub cfn_region: Option<String>,
}

impl PlanInputs {
    pub fn is_empty(&self) -> bool {
        self.terraform.is_empty() && self.cloudformation.is_empty()
    }

    /// The plan and template files (no output may replace them).
    pub fn files(&self) -> impl Iterator<Item = &PathBuf> {
        self.terraform.iter().chain(&self.cloudformation)
    }
}

/// Reads every plan and template; errors name the file and the JSON path or line. `base_account`
/// is the base's account when it has exactly one: the default for files that name none.
pub fn read(inputs: &PlanInputs, base_account: Option<&str>) -> Result<PlannedChanges, InputError> {
    let mut planned = PlannedChanges::default();
    for path in &inputs.terraform {
        let account = inputs.plan_account.as_deref().or(base_account);
        terraform::read(path, account, &mut planned)?;
        planned.labels.push(format!("plan:{}", path.display()));
    }
    for path in &inputs.cloudformation {
        let region = inputs.cfn_region.as_deref().unwrap_or("us-east-1");
        let account = inputs.cfn_account.as_deref().or(base_account);
        cloudformation::read(path, account, region, &mut planned)?;
        planned.labels.push(format!("cloudformation:{}", path.display()));
    }
    Ok(planned)
}

/// An input error at a place in a pre-deploy file.
pub(crate) fn invalid(path: &std::path::Path, place: impl Into<String>, message: impl Into<String>) -> InputError {
    InputError::Invalid {
        path: path.to_path_buf(),
        json_path: place.into(),
        message: crate::error::cap_echo(&message.into()),
    }
}

/// A 12-digit account id given on the command line.
pub fn parse_account(text: &str) -> Result<String, String> {
    account_id(text).ok_or_else(|| format!("{text:?} is not a 12-digit AWS account id"))
}

/// A 12-digit account id, or `None`.
pub(crate) fn account_id(text: &str) -> Option<String> {
    (text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_string())
}

/// The account field of an ARN (`arn:aws:iam::111122223333:role/x` → `111122223333`).
pub(crate) fn arn_account(arn: &str) -> Option<String> {
    arn.strip_prefix("arn:")
        .and_then(|rest| rest.split(':').nth(3))
        .and_then(account_id)
}

/// The region field of an ARN, when it has one.
pub(crate) fn arn_region(arn: &str) -> Option<String> {
    let region = arn.strip_prefix("arn:")?.split(':').nth(2)?;
    (!region.is_empty()).then(|| region.to_string())
}
