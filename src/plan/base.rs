//! A pre-deploy scan's two halves: the deployed base (a snapshot streamed for the accounts the
//! changes apply to, a GAAD dump, live collection, or nothing) scanned first and kept as the
//! baseline, then the same accounts with the changes applied, handed to the scan with the
//! overlay its facts need. New findings are then exactly what the change introduces.

use super::{apply_changes, PlanInputs};
use crate::error::InputError;
use crate::rules::RuleSet;
use crate::scan::{PreDeploy, ScanRequest, Source};
use crate::snapshot::{AccountSnapshot, Snapshot};
use crate::suppress::{LiveSuppressions, SuppressionFile};
use std::collections::BTreeSet;

/// The planned accounts as a source, with what the scan adds for them and the base's verdicts.
pub struct Prepared {
    pub source: Source,
    pub pre_deploy: PreDeploy,
    pub baseline: crate::report::v1::RecordedReport,
}

/// The base's accounts: ids first (to default the plan's account), data for the ones it needs.
struct Base {
    labels: Vec<String>,
    ids: Vec<String>,
    generated_at: Option<String>,
    /// The organisation the base belongs to: its SCPs and RCPs judge the planned state too.
    organization: Option<crate::snapshot::OrganizationSnapshot>,
    loaded: Vec<AccountSnapshot>,
    files: Vec<std::path::PathBuf>,
}

fn outline(sources: Vec<Source>) -> Result<Base, InputError> {
    let mut base = Base {
        labels: Vec::new(),
        ids: Vec::new(),
        generated_at: None,
        organization: None,
        loaded: Vec::new(),
        files: Vec::new(),
    };
    for source in sources {
        match source {
            Source::Snapshot(path) => {
                let outline = crate::import::snapshot::outline(&path)?;
                base.ids.extend(outline.accounts.iter().map(|a| a.account_id.clone()));
                base.generated_at = base.generated_at.max(outline.generated_at);
                base.organization = base.organization.take().or(outline.organization);
                base.labels.push(format!("snapshot:{}", path.display()));
                base.files.push(path);
            }
            Source::Gaad(path) => {
                let account = crate::import::gaad::load_gaad(&path)?;
                base.ids.push(account.account_id.clone());
                base.loaded.push(account);
                base.labels.push(format!("gaad:{}", path.display()));
            }
            Source::Collected { label, snapshot } => {
                let snapshot = *snapshot;
                base.generated_at = base.generated_at.max(snapshot.generated_at);
                base.organization = base.organization.take().or(snapshot.organization);
                base.ids.extend(snapshot.accounts.iter().map(|a| a.account_id.clone()));
                base.loaded.extend(snapshot.accounts);
                base.labels.push(label);
            }
            Source::Planned { labels, snapshot } => {
                let snapshot = *snapshot;
                base.generated_at = base.generated_at.max(snapshot.generated_at);
                base.organization = base.organization.take().or(snapshot.organization);
                base.ids.extend(snapshot.accounts.iter().map(|a| a.account_id.clone()));
                base.loaded.extend(snapshot.accounts);
                base.labels.extend(labels);
            }
        }
    }
    Ok(base)
}

/// Reads the plans, scans the base accounts they apply to, and applies the changes.
pub fn prepare(
    inputs: &PlanInputs,
    sources: Vec<Source>,
    rules: &RuleSet,
    suppressions: Option<&SuppressionFile>,
) -> anyhow::Result<Prepared> {
    let mut base = outline(sources)?;
    let single = match base.ids.as_slice() {
        [only] => Some(only.as_str()),
        _ => None,
    };
    let planned = super::read(inputs, single)?;
    let mut affected = planned.accounts();
    if planned.changes.is_empty() {
        affected.extend(
            inputs
                .plan_account
                .clone()
                .or(inputs.cfn_account.clone())
                .or(single.map(str::to_string)),
        );
    }
    let has_base = !base.labels.is_empty();
    if has_base {
        if let Some(missing) = affected.iter().find(|id| !base.ids.contains(id)) {
            return Err(InputError::Usage(format!(
                "the changes apply to account {missing}, which the base ({}) does not hold",
                base.labels.join(", ")
            ))
            .into());
        }
    }
    let mut accounts = base_accounts(&mut base, &affected)?;
    let labels = if has_base {
        base.labels.clone()
    } else {
        vec!["base:none".to_string()]
    };
    let snapshot = |accounts: Vec<AccountSnapshot>| {
        Box::new(Snapshot {
            generated_at: base.generated_at.clone(),
            organization: base.organization.clone(),
            ..Snapshot::new("plan", accounts)
        })
    };
    let baseline = scan_base(snapshot(accounts.clone()), labels.clone(), rules, suppressions)?;
    let overlay = apply_changes(&mut accounts, &planned.changes);
    Ok(Prepared {
        source: Source::Planned {
            labels: labels.into_iter().chain(planned.labels).collect(),
            snapshot: snapshot(accounts),
        },
        pre_deploy: PreDeploy {
            overlay,
            unmapped_resource_types: planned.unmapped.into_iter().collect(),
        },
        baseline,
    })
}

/// The affected accounts of the base, streamed from its files; empty ones for a plan alone.
fn base_accounts(base: &mut Base, affected: &BTreeSet<String>) -> Result<Vec<AccountSnapshot>, InputError> {
    let mut accounts: Vec<AccountSnapshot> = std::mem::take(&mut base.loaded)
        .into_iter()
        .filter(|a| affected.contains(&a.account_id))
        .collect();
    for path in &base.files {
        crate::import::snapshot::stream_accounts(path, &mut |account| {
            if affected.contains(&account.account_id) {
                accounts.push(account);
            }
            true
        })?;
    }
    for id in affected {
        if !accounts.iter().any(|a| a.account_id == *id) {
            accounts.push(AccountSnapshot {
                account_id: id.clone(),
                ..Default::default()
            });
        }
    }
    Ok(accounts)
}

/// Scans the base with no outputs, keeping every finding's status as the baseline.
fn scan_base(
    snapshot: Box<Snapshot>,
    labels: Vec<String>,
    rules: &RuleSet,
    suppressions: Option<&SuppressionFile>,
) -> anyhow::Result<crate::report::v1::RecordedReport> {
    let suppressions = suppressions.map(|file| {
        let mut live = LiveSuppressions::new(file.clone(), chrono::Utc::now().date_naive());
        // The planned scan warns about expired entries; the base scan says nothing twice.
        live.expired.clear();
        live
    });
    let request = ScanRequest {
        sources: vec![Source::Planned { labels, snapshot }],
        suppressions,
        baseline: None,
        outputs: Vec::new(),
        options: Default::default(),
        pre_deploy: None,
        record: true,
    };
    let outcome = crate::scan::scan(request, rules)?;
    outcome
        .recorded
        .ok_or_else(|| anyhow::anyhow!("the base scan kept no findings"))
}
