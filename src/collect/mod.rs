//! Live collection with the official AWS SDK for Rust, into the snapshot model. Only this module
//! knows the SDK. Accounts × regions × services fan out under a concurrency limit; every call
//! that fails becomes a [`CoverageGap`](crate::snapshot::CoverageGap) and the scan goes on.

mod accounting;
mod aggregator;
mod config;
mod ec2;
mod ecr;
mod guardduty;
mod iam;
mod kms;
mod lambda;
mod offered;
mod organization;
mod paging;
pub mod push;
mod regions;
mod resource_policy;
mod s3;
mod secretsmanager;
mod securityhub;
mod sns;
mod sqs;
mod workloads;

pub use accounting::CallCounter;
pub(crate) use accounting::{Gaps, ServiceCalls};

use crate::snapshot::{AccountSnapshot, RegionSnapshot, Snapshot};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Where the calls go and what to collect.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    pub profile: Option<String>,
    /// Regions to scan; empty means every enabled region of each account.
    pub regions: Vec<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub org: bool,
    pub role_name: String,
    pub accounts: Vec<String>,
    pub exclude_accounts: Vec<String>,
    pub concurrency: usize,
    pub progress: bool,
    /// AWS Config aggregator whose advanced query fills the organisation's network data.
    pub config_aggregator: Option<String>,
    /// With `org`: only the accounts of this shard.
    pub shard: Option<crate::shard::Shard>,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot identify the caller (sts:GetCallerIdentity): {0}")]
    Identity(String),
    #[error("cannot list the organisation's accounts: {0}")]
    Organization(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

/// A short, credential-free description of an SDK error: the AWS error code and message.
pub(crate) fn describe<E>(error: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error {
        SdkError::TimeoutError(_) => "TimeoutError: the call timed out".into(),
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                "TimeoutError: connection timed out".into()
            } else {
                "DispatchFailure: could not reach the endpoint".into()
            }
        }
        SdkError::ConstructionFailure(_) => "ConstructionFailure: the request could not be built".into(),
        _ => match (error.code(), error.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_string(),
            // No AWS error code (an emulator's "not implemented", a proxy): say what came back.
            _ => match error.raw_response().map(|r| r.status().as_u16()) {
                Some(status) => format!("HTTP{status}: the service answered without an AWS error code"),
                None => "UnknownError: the service returned an unrecognised error".into(),
            },
        },
    }
}

/// The error code alone (for decisions such as "Security Hub is not enabled").
pub(crate) fn code<E>(error: &SdkError<E, HttpResponse>) -> Option<String>
where
    E: ProvideErrorMetadata,
{
    error.code().map(str::to_string)
}

/// One account's credentials, with a retry partition of its own so that throttling in one
/// account does not slow the others.
#[derive(Clone)]
pub(crate) struct AccountContext {
    pub account_id: String,
    pub config: SdkConfig,
    pub gaps: Gaps,
    pub calls: Arc<CallCounter>,
    pub limit: Arc<Semaphore>,
}

impl AccountContext {
    pub(crate) fn regional(&self, region: &str) -> SdkConfig {
        self.config.to_builder().region(Region::new(region.to_string())).build()
    }
    pub(crate) fn partition(&self, service: &str) -> aws_sdk_ec2::config::retry::RetryPartition {
        aws_sdk_ec2::config::retry::RetryPartition::new(format!("posture-{}-{service}", self.account_id))
    }
}

/// Runs the collection on a fresh multi-threaded runtime (the rest of posture is synchronous).
pub fn collect_blocking(options: &CollectOptions, calls: Arc<CallCounter>) -> Result<Snapshot, CollectError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| CollectError::Runtime(error.to_string()))?;
    runtime.block_on(collect(options, calls))
}

/// The SDK settings every client of posture shares: adaptive retry (client-side rate limiting
/// on throttling; AWS_MAX_ATTEMPTS tunes it as in the CLI) and a timeout on every call, so an
/// unreachable endpoint is a coverage gap or an error in bounded time, never a hang.
pub(crate) fn sdk_loader(profile: Option<&str>) -> aws_config::ConfigLoader {
    let attempts = std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let retry = aws_config::retry::RetryConfig::adaptive().with_max_attempts(attempts);
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .operation_attempt_timeout(std::time::Duration::from_secs(60))
        .operation_timeout(std::time::Duration::from_secs(300))
        .build();
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .timeout_config(timeouts);
    match profile {
        Some(profile) => loader.profile_name(profile),
        None => loader,
    }
}

async fn base_config(options: &CollectOptions) -> SdkConfig {
    let mut config = sdk_loader(options.profile.as_deref()).load().await;
    if config.region().is_none() {
        config = config.to_builder().region(Region::new("us-east-1")).build();
    }
    match &options.role_arn {
        Some(role_arn) => assume(&config, role_arn, options.external_id.as_deref()).await,
        None => config,
    }
}

async fn assume(config: &SdkConfig, role_arn: &str, external_id: Option<&str>) -> SdkConfig {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name("posture")
        .configure(config);
    if let Some(external_id) = external_id {
        builder = builder.external_id(external_id);
    }
    let provider = builder.build().await;
    config
        .to_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
        .build()
}

async fn caller_account(config: &SdkConfig) -> Result<String, String> {
    let client = aws_sdk_sts::Client::new(config);
    match client.get_caller_identity().send().await {
        Ok(output) => output
            .account()
            .map(str::to_string)
            .ok_or_else(|| "no account in the answer".to_string()),
        Err(error) => Err(describe(&error)),
    }
}

/// Lists the organisation's ACTIVE accounts (`Status` is retired: `State` is what counts).
async fn organization_accounts(config: &SdkConfig) -> Result<Vec<(String, Option<String>)>, String> {
    active_accounts(&aws_sdk_organizations::Client::new(config)).await
}

/// The ACTIVE accounts through a given client; a listing that breaks off, or goes round, is an
/// error: a partial list would leave accounts unscanned without a word.
async fn active_accounts(client: &aws_sdk_organizations::Client) -> Result<Vec<(String, Option<String>)>, String> {
    let mut pages = client.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    let mut tokens = paging::PageTokens::default();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| describe(&error))?;
        if tokens.repeats(page.next_token()) {
            return Err(paging::LOOP.into());
        }
        for account in page.accounts() {
            let active = account.state().is_some_and(|s| s.as_str() == "ACTIVE");
            if let (true, Some(id)) = (active, account.id()) {
                accounts.push((id.to_string(), account.name().map(str::to_string)));
            }
        }
    }
    Ok(accounts)
}

pub async fn collect(options: &CollectOptions, calls: Arc<CallCounter>) -> Result<Snapshot, CollectError> {
    let base = base_config(options).await;
    let caller = caller_account(&base).await.map_err(CollectError::Identity)?;
    let mut targets: Vec<(String, Option<String>)> = if options.org {
        organization_accounts(&base).await.map_err(CollectError::Organization)?
    } else {
        vec![(caller.clone(), None)]
    };
    if !options.accounts.is_empty() {
        targets.retain(|(id, _)| options.accounts.contains(id));
    }
    targets.retain(|(id, _)| !options.exclude_accounts.contains(id));
    targets.retain(|(id, _)| options.shard.is_none_or(|shard| shard.contains(id)));
    let limit = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let progress = progress_bar(options.progress, targets.len());
    let mut tasks = Vec::new();
    for (account_id, name) in targets {
        let options = options.clone();
        let base = base.clone();
        let caller = caller.clone();
        let calls = calls.clone();
        let limit = limit.clone();
        let progress = progress.clone();
        tasks.push(tokio::spawn(async move {
            let account = collect_account(&options, &base, &caller, account_id, name, calls, limit).await;
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            account
        }));
    }
    let mut accounts = Vec::new();
    for task in tasks {
        match task.await {
            Ok(account) => accounts.push(account),
            Err(error) => tracing::error!("an account collection task failed: {error}"),
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if let Some(aggregator) = &options.config_aggregator {
        let context = AccountContext {
            account_id: caller.clone(),
            config: base.clone(),
            gaps: Gaps::new(&caller),
            calls: calls.clone(),
            limit: limit.clone(),
        };
        let client = aws_sdk_config::Client::new(&base);
        if let Some(sections) = aggregator::query(&client, &context, aggregator).await {
            aggregator::merge(&mut accounts, sections);
        }
        let gaps = context.gaps.take();
        if let Some(account) = accounts.iter_mut().find(|a| a.account_id == caller) {
            account.coverage_gaps.extend(gaps);
        }
    }
    let org_context = AccountContext {
        account_id: caller.clone(),
        config: base.clone(),
        gaps: Gaps::new(&caller),
        calls: calls.clone(),
        limit: limit.clone(),
    };
    let mut organization = organization::collect(&org_context).await;
    let org_gaps = org_context.gaps.take();
    match (&mut organization, accounts.iter_mut().find(|a| a.account_id == caller)) {
        (Some(organization), _) => organization.coverage_gaps = org_gaps,
        // No organisation data: the failures are gaps of the caller's account, which made them.
        (None, Some(account)) => account.coverage_gaps.extend(org_gaps),
        (None, None) => {
            for gap in org_gaps {
                tracing::warn!("{} {} failed: {}", gap.service, gap.operation, gap.error);
            }
        }
    }
    let mut snapshot = Snapshot::new("collect", accounts);
    snapshot.organization = organization;
    snapshot.sort();
    Ok(snapshot)
}

fn progress_bar(enabled: bool, accounts: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(accounts as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} collecting {pos}/{len} accounts {elapsed}") {
        bar.set_style(style);
    }
    Some(bar)
}

async fn collect_account(
    options: &CollectOptions,
    base: &SdkConfig,
    caller: &str,
    account_id: String,
    name: Option<String>,
    calls: Arc<CallCounter>,
    limit: Arc<Semaphore>,
) -> AccountSnapshot {
    let gaps = Gaps::new(&account_id);
    let mut snapshot = AccountSnapshot {
        account_id: account_id.clone(),
        name,
        ..Default::default()
    };
    let config = if account_id == caller {
        base.clone()
    } else {
        let role_arn = format!("arn:aws:iam::{account_id}:role/{}", options.role_name);
        let assumed = assume(base, &role_arn, options.external_id.as_deref()).await;
        // Credentials are fetched lazily: prove them now, so a refusal is one clear gap.
        if let Err(error) = caller_account(&assumed).await {
            gaps.add("global", "sts", "AssumeRole", error);
            snapshot.coverage_gaps = gaps.take();
            return snapshot;
        }
        assumed
    };
    let context = AccountContext {
        account_id: account_id.clone(),
        config,
        gaps: gaps.clone(),
        calls,
        limit,
    };
    let regions = if options.regions.is_empty() {
        regions::enabled_regions(&context).await
    } else {
        options.regions.clone()
    };
    let iam_task = {
        let context = context.clone();
        tokio::spawn(async move { iam::collect(&context).await })
    };
    let s3_task = {
        let context = context.clone();
        tokio::spawn(async move { Box::pin(s3::collect(&context)).await })
    };
    let mut region_tasks = Vec::new();
    for region in regions {
        let context = context.clone();
        region_tasks.push(tokio::spawn(async move { collect_region(&context, region).await }));
    }
    snapshot.iam = iam_task.await.ok().flatten();
    snapshot.s3 = s3_task.await.ok().flatten();
    for task in region_tasks {
        if let Ok(region) = task.await {
            snapshot.regions.push(region);
        }
    }
    snapshot.coverage_gaps = gaps.take();
    snapshot
}

async fn collect_region(context: &AccountContext, region: String) -> RegionSnapshot {
    let (network, guardduty, securityhub, config, policies, workloads) = tokio::join!(
        ec2::collect(context, &region),
        guardduty::collect(context, &region),
        securityhub::collect(context, &region),
        config::collect(context, &region),
        Box::pin(resource_policy::RegionalPolicies::collect(context, &region)),
        Box::pin(workloads::collect(context, &region)),
    );
    let mut snapshot = RegionSnapshot {
        region,
        guardduty,
        securityhub,
        network,
        config,
        workloads,
        ..Default::default()
    };
    policies.fill(&mut snapshot);
    snapshot
}

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod mock_tests;
#[cfg(test)]
mod resource_mock_tests;
#[cfg(test)]
mod workload_mock_tests;
