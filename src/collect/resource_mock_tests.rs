//! Resource-policy collection where moto cannot fail on demand, through the SDK's real types
//! with `aws-smithy-mocks`: a bucket policy refused, a listing throttled past the retries, and
//! the answers that mean "no policy" rather than "unknown".

use super::{kms, lambda, s3, sqs, AccountContext, CallCounter, Gaps};
use crate::finding::Status;
use crate::snapshot::{AccountSnapshot, RegionSnapshot, Snapshot};
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

pub(super) const ACCOUNT: &str = "111122223333";
const PUBLIC: &str =
    r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::open/*"}]}"#;

/// An account's context with no real credentials (every client is a mock).
pub(super) fn context() -> AccountContext {
    AccountContext {
        account_id: ACCOUNT.into(),
        config: SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build(),
        gaps: Gaps::new(ACCOUNT),
        calls: Arc::new(CallCounter::default()),
        limit: Arc::new(Semaphore::new(4)),
    }
}

fn metadata(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message("from the mock").build()
}

/// Every DATA-001/DATA-002 verdict of one account's snapshot, as (rule, ARN, status).
fn data_verdicts(account: AccountSnapshot) -> Vec<(String, String, Status)> {
    let rules = crate::rules::RuleSet::load(&[], true, None).expect("built-in rules load");
    let snapshot = Snapshot::new("collect", vec![account]);
    crate::scan::statuses(snapshot, &rules)
        .expect("evaluated")
        .into_iter()
        .filter(|(_, rule, _, _)| rule.starts_with("DATA-00") && rule != "DATA-003")
        .map(|(_, rule, arn, status)| (rule, arn, status))
        .collect()
}

fn s3_mocks() -> Vec<aws_smithy_mocks::Rule> {
    use aws_sdk_s3::operation::get_bucket_policy::{GetBucketPolicyError, GetBucketPolicyOutput};
    use aws_sdk_s3::operation::get_public_access_block::GetPublicAccessBlockError;
    use aws_sdk_s3::operation::{get_bucket_location::GetBucketLocationOutput, list_buckets::ListBucketsOutput};
    use aws_sdk_s3::types::{Bucket, BucketLocationConstraint};
    vec![
        mock!(aws_sdk_s3::Client::list_buckets).then_output(|| {
            ListBucketsOutput::builder()
                .buckets(Bucket::builder().name("denied").bucket_region("us-east-1").build())
                .buckets(Bucket::builder().name("open").build())
                .build()
        }),
        mock!(aws_sdk_s3::Client::get_bucket_location)
            .match_requests(|r| r.bucket() == Some("open"))
            .then_output(|| {
                GetBucketLocationOutput::builder()
                    .location_constraint(BucketLocationConstraint::Eu)
                    .build()
            }),
        mock!(aws_sdk_s3::Client::get_bucket_policy)
            .match_requests(|r| r.bucket() == Some("denied"))
            .then_error(|| GetBucketPolicyError::generic(metadata("AccessDenied"))),
        mock!(aws_sdk_s3::Client::get_bucket_policy)
            .match_requests(|r| r.bucket() == Some("open"))
            .then_output(|| GetBucketPolicyOutput::builder().policy(PUBLIC).build()),
        mock!(aws_sdk_s3::Client::get_public_access_block)
            .then_error(|| GetPublicAccessBlockError::generic(metadata("NoSuchPublicAccessBlockConfiguration"))),
    ]
}

#[tokio::test]
async fn a_refused_bucket_policy_is_a_gap_and_that_bucket_is_not_evaluated() {
    use aws_sdk_s3control::operation::get_public_access_block::GetPublicAccessBlockError;
    let rules = s3_mocks();
    let client = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &rules);
    let account_block = mock!(aws_sdk_s3control::Client::get_public_access_block)
        .then_error(|| GetPublicAccessBlockError::generic(metadata("NoSuchPublicAccessBlockConfiguration")));
    let control = mock_client!(aws_sdk_s3control, RuleMode::MatchAny, [&account_block]);
    let context = context();
    let mut clients = s3::S3Clients::single(client);
    let section = s3::collect_with(&mut clients, &control, &context, Instant::now())
        .await
        .expect("the listing answered");
    assert_eq!(
        section.account_public_access_block,
        Some(Default::default()),
        "none configured: all off"
    );
    let [denied, open] = &section.buckets[..] else {
        panic!("two buckets: {:?}", section.buckets);
    };
    assert!(!denied.policy_collected && denied.policy.is_none());
    assert!(open.policy_collected && open.policy.as_ref().is_some_and(|p| p.document.is_some()));
    assert_eq!(open.region.as_deref(), Some("eu-west-1"), "EU is eu-west-1");
    assert_eq!(denied.public_access_block, Some(Default::default()));
    let gaps = context.gaps.take();
    let gaps: Vec<(&str, &str, &str)> = gaps
        .iter()
        .map(|g| (g.region.as_str(), g.service.as_str(), g.operation.as_str()))
        .collect();
    assert_eq!(gaps, [("global", "s3", "GetBucketPolicy")]);

    let account = AccountSnapshot {
        account_id: ACCOUNT.into(),
        s3: Some(section),
        ..Default::default()
    };
    let verdicts = data_verdicts(account);
    let of = |rule: &str, arn: &str| {
        verdicts
            .iter()
            .filter(|(r, a, _)| r == rule && a == arn)
            .map(|(_, _, s)| *s)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("DATA-001", "arn:aws:s3:::denied"),
        [Status::NotEvaluated],
        "unknown, never pass"
    );
    assert_eq!(of("DATA-002", "arn:aws:s3:::denied"), [Status::NotEvaluated]);
    assert_eq!(
        of("DATA-001", "arn:aws:s3:::open"),
        [Status::Fail],
        "the rest is kept and judged"
    );
}

#[tokio::test]
async fn a_throttled_queue_listing_is_a_gap_and_no_section() {
    use aws_sdk_sqs::operation::list_queues::ListQueuesError;
    let throttled = mock!(aws_sdk_sqs::Client::list_queues)
        .sequence()
        .error(|| ListQueuesError::generic(metadata("ThrottlingException")))
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_sqs, RuleMode::MatchAny, [&throttled]);
    let context = context();
    let section = sqs::collect_with(&client, &context, "eu-west-1", Instant::now()).await;
    assert!(section.is_none(), "not collected, not empty");
    let gaps = context.gaps.take();
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        (
            gaps[0].region.as_str(),
            gaps[0].service.as_str(),
            gaps[0].operation.as_str()
        ),
        ("eu-west-1", "sqs", "ListQueues")
    );
    assert!(gaps[0].error.starts_with("ThrottlingException"), "{}", gaps[0].error);

    // Every other service of the region answered, empty: only the missing one is unknown.
    let empty = Some(Default::default());
    let region = RegionSnapshot {
        region: "eu-west-1".into(),
        kms: empty.clone(),
        sns: empty.clone(),
        secretsmanager: empty.clone(),
        lambda: empty.clone(),
        ecr: empty,
        ..Default::default()
    };
    let account = AccountSnapshot {
        account_id: ACCOUNT.into(),
        s3: Some(Default::default()),
        regions: vec![region],
        coverage_gaps: gaps,
        ..Default::default()
    };
    let verdicts = data_verdicts(account);
    assert!(!verdicts.is_empty(), "the missing section gives results");
    assert!(
        verdicts.iter().all(|(_, _, status)| *status == Status::NotEvaluated),
        "none a pass: {verdicts:?}"
    );
}

#[tokio::test]
async fn a_function_without_a_policy_is_collected_with_none() {
    use aws_sdk_lambda::operation::{get_policy::GetPolicyError, list_functions::ListFunctionsOutput};
    use aws_sdk_lambda::types::FunctionConfiguration;
    let arn = format!("arn:aws:lambda:eu-west-1:{ACCOUNT}:function:quiet");
    let listed = arn.clone();
    let functions = mock!(aws_sdk_lambda::Client::list_functions).then_output(move || {
        ListFunctionsOutput::builder()
            .functions(
                FunctionConfiguration::builder()
                    .function_arn(listed.clone())
                    .function_name("quiet")
                    .role(format!("arn:aws:iam::{ACCOUNT}:role/quiet-fn"))
                    .build(),
            )
            .build()
    });
    let no_policy = mock!(aws_sdk_lambda::Client::get_policy)
        .then_error(|| GetPolicyError::generic(metadata("ResourceNotFoundException")));
    let client = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, [&functions, &no_policy]);
    let context = context();
    let section = lambda::collect_with(&client, &context, "eu-west-1", Instant::now())
        .await
        .expect("collected");
    let function = &section.resources[0];
    assert_eq!(function.arn, arn);
    assert!(
        function.policy.is_none() && function.policy_collected,
        "no policy is an answer"
    );
    assert_eq!(
        function.role.as_deref(),
        Some("arn:aws:iam::111122223333:role/quiet-fn")
    );
    assert!(context.gaps.take().is_empty());
}

#[tokio::test]
async fn keys_pending_deletion_are_left_out_and_the_manager_is_kept() {
    use aws_sdk_kms::operation::{
        describe_key::DescribeKeyOutput, get_key_policy::GetKeyPolicyOutput, list_keys::ListKeysOutput,
    };
    use aws_sdk_kms::types::{KeyListEntry, KeyManagerType, KeyMetadata, KeyState};
    let arn = |id: &str| format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{id}");
    let keys = mock!(aws_sdk_kms::Client::list_keys).then_output(move || {
        ListKeysOutput::builder()
            .keys(KeyListEntry::builder().key_id("live").key_arn(arn("live")).build())
            .keys(KeyListEntry::builder().key_id("going").key_arn(arn("going")).build())
            .build()
    });
    let describe = |id: &'static str, state: KeyState| {
        mock!(aws_sdk_kms::Client::describe_key)
            .match_requests(move |r| r.key_id() == Some(id))
            .then_output(move || {
                let metadata = KeyMetadata::builder()
                    .key_id(id)
                    .key_state(state.clone())
                    .key_manager(KeyManagerType::Customer)
                    .build()
                    .expect("key id set");
                DescribeKeyOutput::builder().key_metadata(metadata).build()
            })
    };
    let (live, going) = (
        describe("live", KeyState::Enabled),
        describe("going", KeyState::PendingDeletion),
    );
    let policy = mock!(aws_sdk_kms::Client::get_key_policy)
        .match_requests(|r| r.policy_name() == Some("default"))
        .then_output(|| GetKeyPolicyOutput::builder().policy(PUBLIC).build());
    let client = mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&keys, &live, &going, &policy]);
    let context = context();
    let section = kms::collect_with(&client, &context, "eu-west-1", Instant::now())
        .await
        .expect("collected");
    let ids: Vec<Option<&str>> = section.resources.iter().map(|k| k.name.as_deref()).collect();
    assert_eq!(ids, [Some("live")]);
    assert_eq!(section.resources[0].key_manager.as_deref(), Some("CUSTOMER"));
    assert_eq!(policy.num_calls(), 1, "no policy call for a key pending deletion");
    assert!(context.gaps.take().is_empty());
}
