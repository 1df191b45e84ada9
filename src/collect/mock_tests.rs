//! What moto cannot show, through the SDK's real types with `aws-smithy-mocks`: GAAD paging,
//! throttling that outlasts the retries, a pagination that breaks in the middle, and GuardDuty
//! findings listed in pages and fetched in batches of 50.

use super::{config, guardduty, iam, AccountContext, CallCounter, Gaps};
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_guardduty::operation::{
    get_detector::GetDetectorOutput, get_findings::GetFindingsOutput, list_detectors::ListDetectorsOutput,
    list_findings::ListFindingsOutput,
};
use aws_sdk_guardduty::types::{DetectorStatus, Finding, InstanceDetails, Resource, Service};
use aws_sdk_iam::operation::get_account_authorization_details::{
    GetAccountAuthorizationDetailsError, GetAccountAuthorizationDetailsOutput,
};
use aws_sdk_iam::operation::{
    generate_credential_report::GenerateCredentialReportOutput, get_credential_report::GetCredentialReportOutput,
};
use aws_sdk_iam::types::{PolicyDetail, ReportStateType, UserDetail};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

const ACCOUNT: &str = "111122223333";

fn context() -> AccountContext {
    AccountContext {
        account_id: ACCOUNT.into(),
        config: SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build(),
        gaps: Gaps::new(ACCOUNT),
        calls: Arc::new(CallCounter::default()),
        limit: Arc::new(Semaphore::new(4)),
    }
}

fn user(name: &str, document: &str) -> UserDetail {
    UserDetail::builder()
        .user_name(name)
        .arn(format!("arn:aws:iam::{ACCOUNT}:user/{name}"))
        .user_policy_list(
            PolicyDetail::builder()
                .policy_name("own")
                .policy_document(document)
                .build(),
        )
        .build()
}

/// `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, percent-encoded as the API sends it.
const ADMIN_ENCODED: &str = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
const CSV: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date\n<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,N/A,not_supported,not_supported,true,false,N/A,N/A\n";

fn report_rules() -> [aws_smithy_mocks::Rule; 4] {
    use aws_sdk_iam::operation::get_account_password_policy::GetAccountPasswordPolicyError;
    use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryOutput;
    use aws_sdk_iam::types::SummaryKeyType;
    [
        // No password policy is an answer ("none configured"), not a failure.
        mock!(aws_sdk_iam::Client::get_account_password_policy).then_error(|| {
            GetAccountPasswordPolicyError::generic(
                ErrorMetadata::builder().code("NoSuchEntity").message("none").build(),
            )
        }),
        mock!(aws_sdk_iam::Client::get_account_summary).then_output(|| {
            GetAccountSummaryOutput::builder()
                .summary_map(SummaryKeyType::AccountMfaEnabled, 1)
                .build()
        }),
        mock!(aws_sdk_iam::Client::generate_credential_report).then_output(|| {
            GenerateCredentialReportOutput::builder()
                .state(ReportStateType::Complete)
                .build()
        }),
        mock!(aws_sdk_iam::Client::get_credential_report).then_output(|| {
            GetCredentialReportOutput::builder()
                .content(aws_smithy_types::Blob::new(CSV))
                .build()
        }),
    ]
}

fn error(code: &str) -> GetAccountAuthorizationDetailsError {
    GetAccountAuthorizationDetailsError::generic(ErrorMetadata::builder().code(code).message("from the mock").build())
}

/// The first GAAD page: one admin user, and a marker to the second page.
fn first_gaad_page() -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_iam::Client::get_account_authorization_details)
        .match_requests(|request| request.marker().is_none())
        .then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .user_detail_list(user("first-page", ADMIN_ENCODED))
                .is_truncated(true)
                .marker("page-2")
                .build()
        })
}

#[tokio::test]
async fn gaad_pages_are_followed_and_merged() {
    let first = first_gaad_page();
    let second = mock!(aws_sdk_iam::Client::get_account_authorization_details)
        .match_requests(|request| request.marker() == Some("page-2"))
        .then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .user_detail_list(user(
                    "second-page",
                    r#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#,
                ))
                .is_truncated(false)
                .build()
        });
    let [policy, summary, generate, get] = report_rules();
    let client = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        [&first, &second, &policy, &summary, &generate, &get]
    );
    let context = context();
    let section = iam::collect_with(&client, &context, Instant::now())
        .await
        .expect("IAM collected");
    let names: Vec<&str> = section.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["first-page", "second-page"]);
    assert_eq!(first.num_calls(), 1);
    assert_eq!(second.num_calls(), 1);
    // Percent-encoded and raw documents both decode.
    assert!(section
        .users
        .iter()
        .all(|u| u.inline_policies[0].source.document.is_some()));
    let report = section.credential_report.expect("credential report read");
    assert!(report[0].mfa_active);
    assert!(!section.password_policy.expect("password policy read").configured);
    assert_eq!(section.account_summary.expect("summary read")["AccountMFAEnabled"], 1);
    assert!(context.gaps.take().is_empty());
}

#[tokio::test]
async fn an_interrupted_pagination_is_a_gap_not_a_partial_section() {
    let first = first_gaad_page();
    let broken = mock!(aws_sdk_iam::Client::get_account_authorization_details)
        .match_requests(|request| request.marker() == Some("page-2"))
        .sequence()
        .error(|| error("ServiceUnavailable"))
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&first, &broken]);
    let context = context();
    assert!(
        iam::collect_with(&client, &context, Instant::now()).await.is_none(),
        "no half IAM picture"
    );
    let gaps = context.gaps.take();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].operation, "GetAccountAuthorizationDetails");
    assert!(gaps[0].error.starts_with("ServiceUnavailable"), "{}", gaps[0].error);
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_is_a_gap() {
    let throttled = mock!(aws_sdk_iam::Client::get_account_authorization_details)
        .sequence()
        .error(|| error("Throttling"))
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&throttled]);
    let context = context();
    assert!(iam::collect_with(&client, &context, Instant::now()).await.is_none());
    let gaps = context.gaps.take();
    assert_eq!(gaps.len(), 1);
    assert_eq!((gaps[0].region.as_str(), gaps[0].service.as_str()), ("global", "iam"));
    assert!(gaps[0].error.starts_with("Throttling"), "{}", gaps[0].error);
    assert!(throttled.num_calls() >= 1);
}

fn finding(id: &str) -> Finding {
    Finding::builder()
        .id(id)
        .r#type("UnauthorizedAccess:EC2/SSHBruteForce")
        .severity(8.0)
        .account_id(ACCOUNT)
        .region("eu-west-1")
        .resource(
            Resource::builder()
                .resource_type("Instance")
                .instance_details(InstanceDetails::builder().instance_id("i-0abc").build())
                .build(),
        )
        .service(
            Service::builder()
                .count(3)
                .event_first_seen("2026-11-01T00:00:00Z")
                .event_last_seen("2026-11-20T00:00:00Z")
                .build(),
        )
        .build()
}

#[tokio::test]
async fn guardduty_findings_are_paged_and_fetched_in_batches_of_fifty() {
    let detectors = mock!(aws_sdk_guardduty::Client::list_detectors)
        .then_output(|| ListDetectorsOutput::builder().detector_ids("d-1").build());
    let detector = mock!(aws_sdk_guardduty::Client::get_detector)
        .then_output(|| GetDetectorOutput::builder().status(DetectorStatus::Enabled).build());
    let first_page = mock!(aws_sdk_guardduty::Client::list_findings)
        .match_requests(|request| request.next_token().is_none())
        .then_output(|| {
            ListFindingsOutput::builder()
                .set_finding_ids(Some((0..50).map(|i| format!("f-{i}")).collect()))
                .next_token("more")
                .build()
        });
    let second_page = mock!(aws_sdk_guardduty::Client::list_findings)
        .match_requests(|request| request.next_token() == Some("more"))
        .then_output(|| {
            ListFindingsOutput::builder()
                .set_finding_ids(Some((50..60).map(|i| format!("f-{i}")).collect()))
                .build()
        });
    let batches = mock!(aws_sdk_guardduty::Client::get_findings)
        .match_requests(|request| request.finding_ids().len() <= 50)
        .sequence()
        .output(|| {
            GetFindingsOutput::builder()
                .set_findings(Some((0..50).map(|i| finding(&format!("f-{i}"))).collect()))
                .build()
        })
        .output(|| {
            GetFindingsOutput::builder()
                .set_findings(Some((50..60).map(|i| finding(&format!("f-{i}"))).collect()))
                .build()
        })
        .build();
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&detectors, &detector, &first_page, &second_page, &batches]
    );
    let context = context();
    let section = guardduty::collect_with(&client, &context, "eu-west-1", Instant::now())
        .await
        .expect("collected");
    assert_eq!(section.detectors[0].status, "ENABLED");
    let findings = section.findings.expect("findings read");
    assert_eq!(findings.len(), 60);
    assert_eq!(batches.num_calls(), 2, "60 findings fetched in two batches");
    assert_eq!(
        findings[0].resource_arn.as_deref(),
        Some("arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc")
    );
    assert_eq!((findings[0].severity, findings[0].count), (8.0, 3));
    assert!(context.gaps.take().is_empty());
}

#[tokio::test]
async fn config_rule_compliance_is_read_page_by_page() {
    use aws_sdk_config::operation::{
        describe_compliance_by_config_rule::DescribeComplianceByConfigRuleOutput,
        describe_configuration_recorder_status::DescribeConfigurationRecorderStatusOutput,
        describe_configuration_recorders::DescribeConfigurationRecordersOutput,
        describe_delivery_channels::DescribeDeliveryChannelsOutput,
    };
    use aws_sdk_config::types::{
        Compliance, ComplianceByConfigRule, ComplianceType, ConfigurationRecorder, ConfigurationRecorderStatus,
        DeliveryChannel, RecordingGroup,
    };
    let recorders = mock!(aws_sdk_config::Client::describe_configuration_recorders).then_output(|| {
        DescribeConfigurationRecordersOutput::builder()
            .configuration_recorders(
                ConfigurationRecorder::builder()
                    .name("default")
                    .recording_group(
                        RecordingGroup::builder()
                            .all_supported(true)
                            .include_global_resource_types(false)
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let status = mock!(aws_sdk_config::Client::describe_configuration_recorder_status).then_output(|| {
        DescribeConfigurationRecorderStatusOutput::builder()
            .configuration_recorders_status(
                ConfigurationRecorderStatus::builder()
                    .name("default")
                    .recording(true)
                    .build(),
            )
            .build()
    });
    let channels = mock!(aws_sdk_config::Client::describe_delivery_channels).then_output(|| {
        DescribeDeliveryChannelsOutput::builder()
            .delivery_channels(DeliveryChannel::builder().name("default").build())
            .build()
    });
    let rule = |name: &str, compliance: ComplianceType| {
        ComplianceByConfigRule::builder()
            .config_rule_name(name)
            .compliance(Compliance::builder().compliance_type(compliance).build())
            .build()
    };
    let first = mock!(aws_sdk_config::Client::describe_compliance_by_config_rule)
        .match_requests(|request| request.next_token().is_none())
        .then_output(move || {
            DescribeComplianceByConfigRuleOutput::builder()
                .compliance_by_config_rules(rule("restricted-ssh", ComplianceType::NonCompliant))
                .next_token("more")
                .build()
        });
    let second = mock!(aws_sdk_config::Client::describe_compliance_by_config_rule)
        .match_requests(|request| request.next_token() == Some("more"))
        .then_output(move || {
            DescribeComplianceByConfigRuleOutput::builder()
                .compliance_by_config_rules(rule("s3-bucket-versioning", ComplianceType::Compliant))
                .build()
        });
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        [&recorders, &status, &channels, &first, &second]
    );
    let context = context();
    let section = config::collect_with(&client, &context, "eu-west-1", Instant::now())
        .await
        .expect("collected");
    let recorder = &section.recorders[0];
    assert!(recorder.recording && recorder.all_supported && !recorder.include_global_resource_types);
    let rules: Vec<(&str, &str)> = section
        .rules
        .as_ref()
        .expect("rules read")
        .iter()
        .map(|r| (r.name.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            ("restricted-ssh", "NON_COMPLIANT"),
            ("s3-bucket-versioning", "COMPLIANT")
        ]
    );
    assert!(context.gaps.take().is_empty());
}
