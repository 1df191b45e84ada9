//! The live fault matrix (issue 11): every operation the collectors call, put through
//! AccessDenied, throttling that outlasts the retries, a 5xx, a timeout and, for listings, a
//! page that fails midway and a next token that repeats, through the SDK's real clients and
//! types with `aws-smithy-mocks` (moto cannot fail on demand). Each case first runs healthy,
//! which proves its dependent verdicts can pass, then once per fault, and asserts that the
//! collection ends, that the fault is a coverage gap naming the account, region, service and
//! operation, that the section is absent or the affected data marked unknown, and, through the
//! facts and the rules, that no dependent verdict is `pass`.

use super::{AccountContext, CallCounter, Gaps};
use crate::finding::Status;
use crate::rules::RuleSet;
use crate::snapshot::{AccountSnapshot, CoverageGap, PolicyResources, RegionSnapshot, Snapshot};
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::ErrorMetadata;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub(super) const ACCOUNT: &str = "111122223333";
pub(super) const REGION: &str = "eu-west-1";
/// The dummy credentials of every mock client: no gap may repeat them.
pub(super) const KEY_ID: &str = "AKIAFAULTMATRIX00001";
pub(super) const SECRET: &str = "fault-matrix-secret-key-never-logged";
/// A policy that lets only the account itself in: DATA-001 and DATA-002 pass on it.
pub(super) const PRIVATE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"}]}"#;
/// Attempts per call (the live default is 5; fewer keep the matrix fast).
const MAX_ATTEMPTS: u32 = 3;
/// Longer than any case takes: a case that does not end by then hangs.
const CASE_BOUND: Duration = Duration::from_secs(10);

/// One way for a call to go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
    AccessDenied,
    /// ThrottlingException on every attempt.
    Throttled,
    /// HTTP 503 without an AWS error body, on every attempt.
    ServerError,
    /// No answer at all; the attempt timeout ends each attempt.
    Timeout,
    /// The first page answers with a next token, the second fails.
    PageFails,
    /// The second page hands back the token it was asked with.
    TokenRepeats,
}

impl Fault {
    /// The faults of a single call.
    pub(super) const CALL: &'static [Fault] = &[
        Fault::AccessDenied,
        Fault::Throttled,
        Fault::ServerError,
        Fault::Timeout,
    ];
    /// The faults of a paginated listing.
    pub(super) const LISTING: &'static [Fault] = &[
        Fault::AccessDenied,
        Fault::Throttled,
        Fault::ServerError,
        Fault::Timeout,
        Fault::PageFails,
        Fault::TokenRepeats,
    ];

    /// How the gap's error must begin.
    fn error_prefix(self) -> &'static str {
        match self {
            Fault::AccessDenied => "AccessDenied",
            Fault::Throttled => "ThrottlingException",
            Fault::ServerError => "HTTP503",
            Fault::Timeout => "TimeoutError",
            Fault::PageFails => "ServiceUnavailable",
            Fault::TokenRepeats => "PaginationLoop",
        }
    }
}

/// What a fault may leave of the section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    /// No section: the rules that require it report `not_evaluated`.
    Absent,
    /// The section stays, with what the call gives marked unknown.
    Kept,
}

/// One run of a case, healthy or under a fault.
pub(super) type Running = Pin<Box<dyn Future<Output = Outcome>>>;

/// One operation of one collector, with the verdicts that depend on it.
pub(super) struct Case {
    pub service: &'static str,
    pub operation: &'static str,
    /// `global` or [`REGION`].
    pub region: &'static str,
    /// Rule ids (or id prefixes) whose verdicts need the call's data: each a pass when healthy
    /// somewhere, none a pass under a fault. Empty when known data alone decides them.
    pub rules: &'static [&'static str],
    /// The status a healthy run must show among those verdicts (a pass, unless the rule can
    /// only fail on live data).
    pub healthy: Status,
    pub effect: Effect,
    pub faults: &'static [Fault],
    pub run: fn(&'static Case, Option<Fault>) -> Running,
}

/// What one run of a case left.
pub(super) struct Outcome {
    pub gaps: Vec<CoverageGap>,
    /// (rule id, resource ARN, status) of every result.
    pub verdicts: Vec<(String, String, Status)>,
    pub present: bool,
    /// Whether the data the faulted call gives is marked unknown in the kept section; `None`
    /// when the section holds no mark for it.
    pub unknown: Option<bool>,
    /// Answers the faulted operation's rules gave (every attempt counts).
    pub faulted_calls: usize,
}

impl Outcome {
    /// Judges a collected snapshot through the facts and the built-in rules.
    pub(super) fn judge(snapshot: Snapshot, present: bool, unknown: Option<bool>, mocks: &[&Mocks]) -> Outcome {
        let mut gaps: Vec<CoverageGap> = snapshot.accounts.iter().flat_map(|a| a.coverage_gaps.clone()).collect();
        gaps.extend(snapshot.organization.iter().flat_map(|o| o.coverage_gaps.clone()));
        let verdicts = crate::scan::statuses(snapshot, rules())
            .expect("evaluated")
            .into_iter()
            .map(|(_, rule, arn, status)| (rule, arn, status))
            .collect();
        Outcome {
            gaps,
            verdicts,
            present,
            unknown,
            faulted_calls: mocks.iter().map(|m| m.faulted_calls()).sum(),
        }
    }

    fn dependent(&self, case: &Case) -> Vec<&(String, String, Status)> {
        self.verdicts
            .iter()
            .filter(|(rule, _, _)| case.rules.iter().any(|r| rule.starts_with(r)))
            .collect()
    }
}

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::load(&[], true, None).expect("built-in rules load"))
}

/// The mock rules of one client: one answer per operation.
#[derive(Default)]
pub(super) struct Mocks {
    rules: Vec<Rule>,
    faulted: Vec<Rule>,
}

/// The rules that answer one operation (none for a timeout), and whether they carry the fault.
pub(super) struct Answer {
    pub rules: Vec<Rule>,
    pub faulted: bool,
}

impl Mocks {
    pub(super) fn add(&mut self, answer: Answer) {
        if answer.faulted {
            self.faulted.extend(answer.rules.iter().cloned());
        }
        self.rules.extend(answer.rules);
    }

    fn faulted_calls(&self) -> usize {
        self.faulted.iter().map(Rule::num_calls).sum()
    }

    /// The interceptor that answers; with `held`, the held operation (which has no rule: a
    /// modeled answer would replace its timeout) passes through to the HTTP client.
    pub(super) fn interceptor(&self, held: Option<&str>) -> MockResponseInterceptor {
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
        if held.is_some() {
            interceptor = interceptor.allow_passthrough();
        }
        self.rules.iter().fold(interceptor, |i, rule| i.with_rule(rule))
    }
}

/// An AWS error with this code, as the service would send it.
pub(super) fn injected(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message("injected by the fault matrix")
        .build()
}

/// The fault of `case` when `operation` of `service` is the case's own.
pub(super) fn fault_at(case: &Case, fault: Option<Fault>, service: &str, operation: &str) -> Option<Fault> {
    fault.filter(|_| case.service == service && case.operation == operation)
}

/// The operation a client of `service` must leave unanswered, for a timeout case.
pub(super) fn held(case: &Case, fault: Option<Fault>, service: &str) -> Option<&'static str> {
    (fault == Some(Fault::Timeout) && case.service == service).then_some(case.operation)
}

/// The rules answering one operation. With `|next| output` alone it is a single call; with a
/// request token reader as well it is a listing, whose pages `output` builds with a next token.
macro_rules! answer {
    ($operation:expr, $error:ty, $fault:expr, $output:expr) => {{
        let fault: Option<Fault> = $fault;
        let output = $output;
        let rule = || -> aws_smithy_mocks::RuleBuilder<_, _, _> { aws_smithy_mocks::mock!($operation) };
        let rules = match fault {
            None => vec![rule().then_output(move || output())],
            Some(Fault::Timeout) => Vec::new(),
            Some(Fault::AccessDenied) => vec![rule().then_error(|| <$error>::generic(injected("AccessDenied")))],
            Some(Fault::Throttled) => vec![rule()
                .sequence()
                .error(|| <$error>::generic(injected("ThrottlingException")))
                .repeatedly()
                .build()],
            Some(Fault::ServerError) => vec![rule().sequence().http_status(503, None).repeatedly().build()],
            Some(paging) => panic!("{paging:?}: a single call has no pages"),
        };
        Answer {
            rules,
            faulted: fault.is_some(),
        }
    }};
    ($operation:expr, $error:ty, $fault:expr, $page:expr, $token:expr) => {{
        let fault: Option<Fault> = $fault;
        let page = $page;
        let token = $token;
        let rule = || -> aws_smithy_mocks::RuleBuilder<_, _, _> { aws_smithy_mocks::mock!($operation) };
        let first = || rule().match_requests(move |r| token(r).is_none());
        let next = |expected: &'static str| rule().match_requests(move |r| token(r).as_deref() == Some(expected));
        let rules = match fault {
            None => vec![rule().then_output(move || page(None))],
            Some(Fault::Timeout) => Vec::new(),
            Some(Fault::AccessDenied) => vec![rule().then_error(|| <$error>::generic(injected("AccessDenied")))],
            Some(Fault::Throttled) => vec![rule()
                .sequence()
                .error(|| <$error>::generic(injected("ThrottlingException")))
                .repeatedly()
                .build()],
            Some(Fault::ServerError) => vec![rule().sequence().http_status(503, None).repeatedly().build()],
            Some(Fault::PageFails) => vec![
                first().then_output(move || page(Some("page-2"))),
                next("page-2")
                    .sequence()
                    .error(|| <$error>::generic(injected("ServiceUnavailable")))
                    .repeatedly()
                    .build(),
            ],
            Some(Fault::TokenRepeats) => {
                let again = page.clone();
                vec![
                    first().then_output(move || page(Some("again"))),
                    next("again").then_output(move || again(Some("again"))),
                ]
            }
        };
        Answer {
            rules,
            faulted: fault.is_some(),
        }
    }};
}

/// A client of `$sdk` answered by `$mocks`, with few fast retries, a short attempt timeout and
/// a retry partition of its own (no case drains another's retry quota); `$held` names the
/// operation whose requests never get an answer.
macro_rules! fault_client {
    ($sdk:ident, $mocks:expr, $held:expr) => {{
        let held: Option<&'static str> = $held;
        let config = $sdk::config::Builder::new()
            .behavior_version($sdk::config::BehaviorVersion::latest())
            .region($sdk::config::Region::new(REGION))
            .credentials_provider($sdk::config::Credentials::new(
                KEY_ID,
                SECRET,
                None,
                None,
                "fault-matrix",
            ))
            .retry_config(fast_retries())
            .timeout_config(fast_timeouts())
            .retry_partition(fresh_partition())
            .http_client(holding_client())
            .interceptor($mocks.interceptor(held))
            .interceptor(Unanswered(held))
            .build();
        $sdk::Client::from_conf(config)
    }};
}

/// One test per case.
macro_rules! matrix {
    ($($test:ident: $case:ident,)*) => {
        $(
            #[tokio::test]
            async fn $test() {
                check(&$case).await
            }
        )*
    };
}

mod detection;
mod network;
mod organization;
mod resources;

pub(super) fn fast_retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

pub(super) fn fast_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .operation_attempt_timeout(Duration::from_millis(50))
        .operation_timeout(Duration::from_secs(2))
        .build()
}

pub(super) fn fresh_partition() -> aws_sdk_ec2::config::retry::RetryPartition {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    aws_sdk_ec2::config::retry::RetryPartition::new(format!("fault-matrix-{n}"))
}

/// Marks the requests of one operation to be held by [`HoldingConnector`].
#[derive(Debug)]
pub(super) struct Unanswered(pub Option<&'static str>);

#[derive(Debug, Clone)]
struct Held;

impl Intercept for Unanswered {
    fn name(&self) -> &'static str {
        "Unanswered"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map(Metadata::name);
        if self.0.is_some() && operation == self.0 {
            context.request_mut().add_extension(Held);
        }
        Ok(())
    }
}

/// The mock HTTP client, except that held requests never get an answer.
#[derive(Debug)]
struct HoldingClient(SharedHttpClient);

pub(super) fn holding_client() -> impl HttpClient {
    HoldingClient(aws_smithy_mocks::create_mock_http_client())
}

impl HttpClient for HoldingClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(HoldingConnector(self.0.http_connector(settings, components)))
    }
}

#[derive(Debug)]
struct HoldingConnector(SharedHttpConnector);

impl HttpConnector for HoldingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if request.extension::<Held>().is_some() {
            HttpConnectorFuture::new(std::future::pending())
        } else {
            self.0.call(request)
        }
    }
}

pub(super) fn context() -> AccountContext {
    AccountContext {
        account_id: ACCOUNT.into(),
        config: SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build(),
        gaps: Gaps::new(ACCOUNT),
        calls: Arc::new(CallCounter::default()),
        limit: Arc::new(Semaphore::new(4)),
    }
}

/// A region whose resource-policy services were all collected, empty.
pub(super) fn collected_region() -> RegionSnapshot {
    let empty = Some(PolicyResources::default());
    RegionSnapshot {
        region: REGION.into(),
        kms: empty.clone(),
        sqs: empty.clone(),
        sns: empty.clone(),
        secretsmanager: empty.clone(),
        lambda: empty.clone(),
        ecr: empty,
        ..Default::default()
    }
}

/// The account with `region` and S3 collected empty (unless the case sets them), and its gaps.
pub(super) fn account_with(region: RegionSnapshot, context: &AccountContext) -> AccountSnapshot {
    AccountSnapshot {
        account_id: ACCOUNT.into(),
        s3: Some(Default::default()),
        regions: vec![region],
        coverage_gaps: context.gaps.take(),
        ..Default::default()
    }
}

/// One regional resource-policy section judged: unknown when a resource's policy is unread.
pub(super) fn regional_policies(
    context: &AccountContext,
    section: Option<PolicyResources>,
    mocks: &Mocks,
    place: fn(&mut RegionSnapshot, Option<PolicyResources>),
) -> Outcome {
    let present = section.is_some();
    let unknown = section
        .as_ref()
        .map(|s| s.resources.iter().any(|r| !r.policy_collected));
    let mut region = collected_region();
    place(&mut region, section);
    let snapshot = Snapshot::new("collect", vec![account_with(region, context)]);
    Outcome::judge(snapshot, present, unknown, &[mocks])
}

/// Runs the case healthy and under each of its faults; every problem found is reported.
pub(super) async fn check(case: &'static Case) {
    let started = Instant::now();
    let mut problems = Vec::new();
    match tokio::time::timeout(CASE_BOUND, (case.run)(case, None)).await {
        Ok(outcome) => problems.extend(healthy_problems(case, &outcome)),
        Err(_) => problems.push("healthy: did not end".to_string()),
    }
    for &fault in case.faults {
        let problem = |p: String| format!("{fault:?}: {p}");
        match tokio::time::timeout(CASE_BOUND, (case.run)(case, Some(fault))).await {
            Ok(outcome) => problems.extend(fault_problems(case, fault, &outcome).into_iter().map(problem)),
            Err(_) => problems.push(problem(format!("collection did not end within {CASE_BOUND:?}"))),
        }
    }
    assert!(
        problems.is_empty(),
        "{} {} ({:?}):\n{}",
        case.service,
        case.operation,
        started.elapsed(),
        problems.join("\n")
    );
}

fn healthy_problems(case: &Case, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if !outcome.gaps.is_empty() {
        problems.push(format!("healthy: gaps {:?}", outcome.gaps));
    }
    if !outcome.present {
        problems.push("healthy: no section".into());
    }
    if outcome.unknown == Some(true) {
        problems.push("healthy: data marked unknown".into());
    }
    let dependent = outcome.dependent(case);
    if !case.rules.is_empty() && !dependent.iter().any(|(_, _, s)| *s == case.healthy) {
        problems.push(format!(
            "healthy: no dependent {:?} to lose: {dependent:?}",
            case.healthy
        ));
    }
    problems
}

fn fault_problems(case: &Case, fault: Fault, outcome: &Outcome) -> Vec<String> {
    let mut problems = gap_problems(case, fault, outcome);
    match (case.effect, outcome.present) {
        (Effect::Absent, true) => problems.push("the section was kept".into()),
        (Effect::Kept, false) => problems.push("the section was dropped".into()),
        _ => {}
    }
    if case.effect == Effect::Kept && outcome.unknown == Some(false) {
        problems.push("the call's data is not marked unknown".into());
    }
    let dependent = outcome.dependent(case);
    if !case.rules.is_empty() && dependent.is_empty() {
        problems.push("no dependent verdict at all (silence)".into());
    }
    if let Some(pass) = dependent.iter().find(|(_, _, s)| *s == Status::Pass) {
        problems.push(format!("a dependent verdict passes: {pass:?}"));
    }
    let retried = matches!(fault, Fault::Throttled | Fault::ServerError);
    if retried && outcome.faulted_calls < MAX_ATTEMPTS as usize {
        problems.push(format!(
            "{} answer(s), fewer than the {MAX_ATTEMPTS} attempts",
            outcome.faulted_calls
        ));
    }
    problems
}

/// The gap must name the case's account, region, service and operation, say what failed, and
/// carry no credential.
fn gap_problems(case: &Case, fault: Fault, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    let named = outcome.gaps.iter().any(|g| {
        (
            g.account.as_str(),
            g.region.as_str(),
            g.service.as_str(),
            g.operation.as_str(),
        ) == (ACCOUNT, case.region, case.service, case.operation)
            && g.error.starts_with(fault.error_prefix())
    });
    if !named {
        problems.push(format!(
            "no gap ({ACCOUNT}, {}, {}, {}, {}…): {:?}",
            case.region,
            case.service,
            case.operation,
            fault.error_prefix(),
            outcome.gaps
        ));
    }
    if let Some(leak) = outcome
        .gaps
        .iter()
        .find(|g| g.error.contains(KEY_ID) || g.error.contains(SECRET))
    {
        problems.push(format!("a gap carries the credentials: {leak:?}"));
    }
    problems
}
