//! The resource-policy collectors under faults: S3 and S3 Control (global), and the regional
//! KMS, SQS, SNS, Secrets Manager, Lambda and ECR. Each case holds one resource whose policy
//! lets only the account in, so DATA-001 and DATA-002 pass on it when nothing goes wrong.

use super::super::{ecr, kms, lambda, s3, secretsmanager, sns, sqs};
use super::*;
use crate::snapshot::S3Section;

const DATA: &[&str] = &["DATA-001", "DATA-002"];
/// Anyone may read the bucket's objects: only Block Public Access keeps DATA-001 passing.
const PUBLIC_BUCKET: &str =
    r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;

macro_rules! case {
    ($name:ident, $service:literal, $operation:literal, $region:expr, $rules:expr, $effect:ident, $faults:ident, $run:ident) => {
        static $name: Case = Case {
            service: $service,
            operation: $operation,
            region: $region,
            rules: $rules,
            healthy: Status::Pass,
            effect: Effect::$effect,
            faults: Fault::$faults,
            run: $run,
        };
    };
}

case!(
    S3_LIST_BUCKETS,
    "s3",
    "ListBuckets",
    "global",
    DATA,
    Absent,
    LISTING,
    s3_case
);
// The bucket's region stays unknown; its policy was read, and decides DATA-001/002.
case!(
    S3_LOCATION,
    "s3",
    "GetBucketLocation",
    "global",
    &[],
    Kept,
    CALL,
    s3_case
);
case!(S3_POLICY, "s3", "GetBucketPolicy", "global", DATA, Kept, CALL, s3_case);
case!(
    S3_BLOCK,
    "s3",
    "GetPublicAccessBlock",
    "global",
    &["DATA-001"],
    Kept,
    CALL,
    s3_case
);
case!(
    S3_ACCOUNT_BLOCK,
    "s3control",
    "GetPublicAccessBlock",
    "global",
    &["DATA-001"],
    Kept,
    CALL,
    s3_case
);
case!(KMS_LIST, "kms", "ListKeys", REGION, DATA, Absent, LISTING, kms_case);
case!(KMS_DESCRIBE, "kms", "DescribeKey", REGION, DATA, Kept, CALL, kms_case);
case!(KMS_POLICY, "kms", "GetKeyPolicy", REGION, DATA, Kept, CALL, kms_case);
case!(SQS_LIST, "sqs", "ListQueues", REGION, DATA, Absent, LISTING, sqs_case);
case!(
    SQS_ATTRIBUTES,
    "sqs",
    "GetQueueAttributes",
    REGION,
    DATA,
    Kept,
    CALL,
    sqs_case
);
case!(SNS_LIST, "sns", "ListTopics", REGION, DATA, Absent, LISTING, sns_case);
case!(
    SNS_ATTRIBUTES,
    "sns",
    "GetTopicAttributes",
    REGION,
    DATA,
    Kept,
    CALL,
    sns_case
);
case!(
    SECRETS_LIST,
    "secretsmanager",
    "ListSecrets",
    REGION,
    DATA,
    Absent,
    LISTING,
    secrets_case
);
case!(
    SECRETS_POLICY,
    "secretsmanager",
    "GetResourcePolicy",
    REGION,
    DATA,
    Kept,
    CALL,
    secrets_case
);
case!(
    LAMBDA_LIST,
    "lambda",
    "ListFunctions",
    REGION,
    DATA,
    Absent,
    LISTING,
    lambda_case
);
case!(
    LAMBDA_POLICY,
    "lambda",
    "GetPolicy",
    REGION,
    DATA,
    Kept,
    CALL,
    lambda_case
);
case!(
    ECR_LIST,
    "ecr",
    "DescribeRepositories",
    REGION,
    DATA,
    Absent,
    LISTING,
    ecr_case
);
case!(
    ECR_POLICY,
    "ecr",
    "GetRepositoryPolicy",
    REGION,
    DATA,
    Kept,
    CALL,
    ecr_case
);

matrix! {
    s3_list_buckets: S3_LIST_BUCKETS,
    s3_get_bucket_location: S3_LOCATION,
    s3_get_bucket_policy: S3_POLICY,
    s3_get_public_access_block: S3_BLOCK,
    s3control_get_public_access_block: S3_ACCOUNT_BLOCK,
    kms_list_keys: KMS_LIST,
    kms_describe_key: KMS_DESCRIBE,
    kms_get_key_policy: KMS_POLICY,
    sqs_list_queues: SQS_LIST,
    sqs_get_queue_attributes: SQS_ATTRIBUTES,
    sns_list_topics: SNS_LIST,
    sns_get_topic_attributes: SNS_ATTRIBUTES,
    secretsmanager_list_secrets: SECRETS_LIST,
    secretsmanager_get_resource_policy: SECRETS_POLICY,
    lambda_list_functions: LAMBDA_LIST,
    lambda_get_policy: LAMBDA_POLICY,
    ecr_describe_repositories: ECR_LIST,
    ecr_get_repository_policy: ECR_POLICY,
}

/// Which of the two Block Public Access settings a case needs to be the one that protects.
fn blocks(case: &Case) -> (bool, bool) {
    let bucket = case.service == "s3" && case.operation == "GetPublicAccessBlock";
    (bucket, case.service == "s3control")
}

fn s3_case(case: &'static Case, fault: Option<Fault>) -> Running {
    Box::pin(async move {
        let (bucket_blocks, account_blocks) = blocks(case);
        let policy = if bucket_blocks || account_blocks {
            PUBLIC_BUCKET
        } else {
            PRIVATE
        };
        let s3_mocks = s3_answers(case, fault, policy, bucket_blocks);
        let control_mocks = account_block_answer(case, fault, account_blocks);
        let client = fault_client!(aws_sdk_s3, s3_mocks, held(case, fault, "s3"));
        let control = fault_client!(aws_sdk_s3control, control_mocks, held(case, fault, "s3control"));
        let context = context();
        let mut clients = s3::S3Clients::single(client);
        let section = s3::collect_with(&mut clients, &control, &context, Instant::now()).await;
        let present = section.is_some();
        let unknown = section.as_ref().map(|s| s3_unknown(case, s));
        let mut account = account_with(collected_region(), &context);
        account.s3 = section;
        let snapshot = Snapshot::new("collect", vec![account]);
        Outcome::judge(snapshot, present, unknown, &[&s3_mocks, &control_mocks])
    })
}

/// Whether what the faulted S3 call gives is unknown in the section.
fn s3_unknown(case: &Case, section: &S3Section) -> bool {
    let bucket = section.buckets.first();
    match (case.service, case.operation) {
        ("s3control", _) => section.account_public_access_block.is_none(),
        (_, "GetBucketLocation") => bucket.is_some_and(|b| b.region.is_none()),
        (_, "GetBucketPolicy") => bucket.is_some_and(|b| !b.policy_collected),
        (_, "GetPublicAccessBlock") => bucket.is_some_and(|b| b.public_access_block.is_none()),
        _ => false,
    }
}

fn block_config(on: bool) -> aws_sdk_s3::types::PublicAccessBlockConfiguration {
    aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(on)
        .ignore_public_acls(on)
        .block_public_policy(on)
        .restrict_public_buckets(on)
        .build()
}

fn s3_answers(case: &'static Case, fault: Option<Fault>, policy: &'static str, blocks: bool) -> Mocks {
    use aws_sdk_s3::operation::{
        get_bucket_location::*, get_bucket_policy::*, get_public_access_block::*, list_buckets::*,
    };
    use aws_sdk_s3::types::{Bucket, BucketLocationConstraint};
    let at = |operation| fault_at(case, fault, "s3", operation);
    let mut mocks = Mocks::default();
    mocks.add(answer!(
        aws_sdk_s3::Client::list_buckets,
        ListBucketsError,
        at("ListBuckets"),
        |next: Option<&'static str>| ListBucketsOutput::builder()
            .buckets(Bucket::builder().name("b").build())
            .set_continuation_token(next.map(str::to_string))
            .build(),
        |r: &ListBucketsInput| r.continuation_token().map(str::to_string)
    ));
    mocks.add(answer!(
        aws_sdk_s3::Client::get_bucket_location,
        GetBucketLocationError,
        at("GetBucketLocation"),
        || GetBucketLocationOutput::builder()
            .location_constraint(BucketLocationConstraint::EuWest1)
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_s3::Client::get_bucket_policy,
        GetBucketPolicyError,
        at("GetBucketPolicy"),
        move || GetBucketPolicyOutput::builder().policy(policy).build()
    ));
    mocks.add(answer!(
        aws_sdk_s3::Client::get_public_access_block,
        GetPublicAccessBlockError,
        at("GetPublicAccessBlock"),
        move || GetPublicAccessBlockOutput::builder()
            .public_access_block_configuration(block_config(blocks))
            .build()
    ));
    mocks
}

fn account_block_answer(case: &'static Case, fault: Option<Fault>, blocks: bool) -> Mocks {
    use aws_sdk_s3control::operation::get_public_access_block::*;
    use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
    let mut mocks = Mocks::default();
    mocks.add(answer!(
        aws_sdk_s3control::Client::get_public_access_block,
        GetPublicAccessBlockError,
        fault_at(case, fault, "s3control", "GetPublicAccessBlock"),
        move || GetPublicAccessBlockOutput::builder()
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(blocks)
                    .ignore_public_acls(blocks)
                    .block_public_policy(blocks)
                    .restrict_public_buckets(blocks)
                    .build()
            )
            .build()
    ));
    mocks
}

fn kms_case(case: &'static Case, fault: Option<Fault>) -> Running {
    use aws_sdk_kms::operation::{describe_key::*, get_key_policy::*, list_keys::*};
    use aws_sdk_kms::types::{KeyListEntry, KeyManagerType, KeyMetadata, KeyState};
    Box::pin(async move {
        let at = |operation| fault_at(case, fault, "kms", operation);
        let arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/k-1");
        let mut mocks = Mocks::default();
        mocks.add(answer!(
            aws_sdk_kms::Client::list_keys,
            ListKeysError,
            at("ListKeys"),
            move |next: Option<&'static str>| ListKeysOutput::builder()
                .keys(KeyListEntry::builder().key_id("k-1").key_arn(arn.clone()).build())
                .set_next_marker(next.map(str::to_string))
                .truncated(next.is_some())
                .build(),
            |r: &ListKeysInput| r.marker().map(str::to_string)
        ));
        mocks.add(answer!(
            aws_sdk_kms::Client::describe_key,
            DescribeKeyError,
            at("DescribeKey"),
            || {
                let metadata = KeyMetadata::builder()
                    .key_id("k-1")
                    .key_state(KeyState::Enabled)
                    .key_manager(KeyManagerType::Customer)
                    .build()
                    .expect("key id set");
                DescribeKeyOutput::builder().key_metadata(metadata).build()
            }
        ));
        mocks.add(answer!(
            aws_sdk_kms::Client::get_key_policy,
            GetKeyPolicyError,
            at("GetKeyPolicy"),
            || GetKeyPolicyOutput::builder().policy(PRIVATE).build()
        ));
        let client = fault_client!(aws_sdk_kms, mocks, held(case, fault, "kms"));
        let context = context();
        let section = kms::collect_with(&client, &context, REGION, Instant::now()).await;
        regional_policies(&context, section, &mocks, |region, section| region.kms = section)
    })
}

fn sqs_case(case: &'static Case, fault: Option<Fault>) -> Running {
    use aws_sdk_sqs::operation::{get_queue_attributes::*, list_queues::*};
    use aws_sdk_sqs::types::QueueAttributeName;
    Box::pin(async move {
        let at = |operation| fault_at(case, fault, "sqs", operation);
        let mut mocks = Mocks::default();
        mocks.add(answer!(
            aws_sdk_sqs::Client::list_queues,
            ListQueuesError,
            at("ListQueues"),
            |next: Option<&'static str>| ListQueuesOutput::builder()
                .queue_urls(format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/q"))
                .set_next_token(next.map(str::to_string))
                .build(),
            |r: &ListQueuesInput| r.next_token().map(str::to_string)
        ));
        mocks.add(answer!(
            aws_sdk_sqs::Client::get_queue_attributes,
            GetQueueAttributesError,
            at("GetQueueAttributes"),
            || GetQueueAttributesOutput::builder()
                .attributes(QueueAttributeName::Policy, PRIVATE)
                .attributes(
                    QueueAttributeName::QueueArn,
                    format!("arn:aws:sqs:{REGION}:{ACCOUNT}:q")
                )
                .build()
        ));
        let client = fault_client!(aws_sdk_sqs, mocks, held(case, fault, "sqs"));
        let context = context();
        let section = sqs::collect_with(&client, &context, REGION, Instant::now()).await;
        regional_policies(&context, section, &mocks, |region, section| region.sqs = section)
    })
}

fn sns_case(case: &'static Case, fault: Option<Fault>) -> Running {
    use aws_sdk_sns::operation::{get_topic_attributes::*, list_topics::*};
    use aws_sdk_sns::types::Topic;
    Box::pin(async move {
        let at = |operation| fault_at(case, fault, "sns", operation);
        let mut mocks = Mocks::default();
        mocks.add(answer!(
            aws_sdk_sns::Client::list_topics,
            ListTopicsError,
            at("ListTopics"),
            |next: Option<&'static str>| ListTopicsOutput::builder()
                .topics(
                    Topic::builder()
                        .topic_arn(format!("arn:aws:sns:{REGION}:{ACCOUNT}:t"))
                        .build()
                )
                .set_next_token(next.map(str::to_string))
                .build(),
            |r: &ListTopicsInput| r.next_token().map(str::to_string)
        ));
        mocks.add(answer!(
            aws_sdk_sns::Client::get_topic_attributes,
            GetTopicAttributesError,
            at("GetTopicAttributes"),
            || GetTopicAttributesOutput::builder()
                .attributes("Policy", PRIVATE)
                .build()
        ));
        let client = fault_client!(aws_sdk_sns, mocks, held(case, fault, "sns"));
        let context = context();
        let section = sns::collect_with(&client, &context, REGION, Instant::now()).await;
        regional_policies(&context, section, &mocks, |region, section| region.sns = section)
    })
}

fn secrets_case(case: &'static Case, fault: Option<Fault>) -> Running {
    use aws_sdk_secretsmanager::operation::{get_resource_policy::*, list_secrets::*};
    use aws_sdk_secretsmanager::types::SecretListEntry;
    Box::pin(async move {
        let at = |operation| fault_at(case, fault, "secretsmanager", operation);
        let mut mocks = Mocks::default();
        mocks.add(answer!(
            aws_sdk_secretsmanager::Client::list_secrets,
            ListSecretsError,
            at("ListSecrets"),
            |next: Option<&'static str>| ListSecretsOutput::builder()
                .secret_list(
                    SecretListEntry::builder()
                        .arn(format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:s-AbCdEf"))
                        .name("s")
                        .build()
                )
                .set_next_token(next.map(str::to_string))
                .build(),
            |r: &ListSecretsInput| r.next_token().map(str::to_string)
        ));
        mocks.add(answer!(
            aws_sdk_secretsmanager::Client::get_resource_policy,
            GetResourcePolicyError,
            at("GetResourcePolicy"),
            || GetResourcePolicyOutput::builder().resource_policy(PRIVATE).build()
        ));
        let client = fault_client!(aws_sdk_secretsmanager, mocks, held(case, fault, "secretsmanager"));
        let context = context();
        let section = secretsmanager::collect_with(&client, &context, REGION, Instant::now()).await;
        regional_policies(&context, section, &mocks, |region, section| {
            region.secretsmanager = section
        })
    })
}

fn lambda_case(case: &'static Case, fault: Option<Fault>) -> Running {
    use aws_sdk_lambda::operation::{get_policy::*, list_functions::*};
    use aws_sdk_lambda::types::FunctionConfiguration;
    Box::pin(async move {
        let at = |operation| fault_at(case, fault, "lambda", operation);
        let mut mocks = Mocks::default();
        mocks.add(answer!(
            aws_sdk_lambda::Client::list_functions,
            ListFunctionsError,
            at("ListFunctions"),
            |next: Option<&'static str>| ListFunctionsOutput::builder()
                .functions(
                    FunctionConfiguration::builder()
                        .function_arn(format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"))
                        .function_name("f")
                        .role(format!("arn:aws:iam::{ACCOUNT}:role/f"))
                        .build()
                )
                .set_next_marker(next.map(str::to_string))
                .build(),
            |r: &ListFunctionsInput| r.marker().map(str::to_string)
        ));
        mocks.add(answer!(
            aws_sdk_lambda::Client::get_policy,
            GetPolicyError,
            at("GetPolicy"),
            || GetPolicyOutput::builder().policy(PRIVATE).build()
        ));
        let client = fault_client!(aws_sdk_lambda, mocks, held(case, fault, "lambda"));
        let context = context();
        let section = lambda::collect_with(&client, &context, REGION, Instant::now()).await;
        regional_policies(&context, section, &mocks, |region, section| region.lambda = section)
    })
}

fn ecr_case(case: &'static Case, fault: Option<Fault>) -> Running {
    use aws_sdk_ecr::operation::{describe_repositories::*, get_repository_policy::*};
    use aws_sdk_ecr::types::Repository;
    Box::pin(async move {
        let at = |operation| fault_at(case, fault, "ecr", operation);
        let mut mocks = Mocks::default();
        mocks.add(answer!(
            aws_sdk_ecr::Client::describe_repositories,
            DescribeRepositoriesError,
            at("DescribeRepositories"),
            |next: Option<&'static str>| DescribeRepositoriesOutput::builder()
                .repositories(
                    Repository::builder()
                        .repository_arn(format!("arn:aws:ecr:{REGION}:{ACCOUNT}:repository/r"))
                        .repository_name("r")
                        .registry_id(ACCOUNT)
                        .build()
                )
                .set_next_token(next.map(str::to_string))
                .build(),
            |r: &DescribeRepositoriesInput| r.next_token().map(str::to_string)
        ));
        mocks.add(answer!(
            aws_sdk_ecr::Client::get_repository_policy,
            GetRepositoryPolicyError,
            at("GetRepositoryPolicy"),
            || GetRepositoryPolicyOutput::builder().policy_text(PRIVATE).build()
        ));
        let client = fault_client!(aws_sdk_ecr, mocks, held(case, fault, "ecr"));
        let context = context();
        let section = ecr::collect_with(&client, &context, REGION, Instant::now()).await;
        regional_policies(&context, section, &mocks, |region, section| region.ecr = section)
    })
}
