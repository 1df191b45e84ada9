//! Security Hub, GuardDuty, AWS Config and IAM under faults. Each healthy picture passes the
//! detection (and identity) rules that read it: Security Hub on with both required standards
//! and a passing control, GuardDuty on with one low finding, Config recording everything with
//! a compliant rule, and an IAM user without admin rights, a root with MFA and a strong
//! password policy.

use super::super::{config, guardduty, iam, securityhub};
use super::*;

macro_rules! detection_case {
    ($name:ident, $service:literal, $operation:literal, $region:expr, $rules:expr, $effect:ident, $faults:ident, $run:ident) => {
        detection_case!($name, $service, $operation, $region, $rules, $effect, $faults, $run, Pass);
    };
    ($name:ident, $service:literal, $operation:literal, $region:expr, $rules:expr, $effect:ident, $faults:ident, $run:ident, $healthy:ident) => {
        static $name: Case = Case {
            service: $service,
            operation: $operation,
            region: $region,
            rules: $rules,
            healthy: Status::$healthy,
            effect: Effect::$effect,
            faults: Fault::$faults,
            run: $run,
        };
    };
}

const HUB: &[&str] = &["DET-002", "DET-005", "DET-006"];
detection_case!(
    HUB_DESCRIBE,
    "securityhub",
    "DescribeHub",
    REGION,
    HUB,
    Absent,
    CALL,
    hub_case
);
detection_case!(
    HUB_STANDARDS,
    "securityhub",
    "GetEnabledStandards",
    REGION,
    &["DET-005"],
    Kept,
    LISTING,
    hub_case
);
// DET-006 judges a control by its failed findings (AWS gives the definitions ENABLED or
// DISABLED, never PASSED): without the definitions only the statuses are unknown.
detection_case!(
    HUB_DEFINITIONS,
    "securityhub",
    "ListSecurityControlDefinitions",
    REGION,
    &[],
    Kept,
    LISTING,
    hub_case
);
detection_case!(
    HUB_CONTROLS,
    "securityhub",
    "BatchGetSecurityControls",
    REGION,
    &[],
    Kept,
    CALL,
    hub_case
);
// Healthy, S3.1 fails on its finding; without the findings nothing may pass or fail.
detection_case!(
    HUB_FINDINGS,
    "securityhub",
    "GetFindings",
    REGION,
    &["DET-006"],
    Kept,
    LISTING,
    hub_case,
    Fail
);

const DETECTORS: &[&str] = &["DET-001", "DET-003", "DET-004"];
const THREATS: &[&str] = &["DET-004"];
detection_case!(
    GD_DETECTORS,
    "guardduty",
    "ListDetectors",
    REGION,
    DETECTORS,
    Absent,
    LISTING,
    guardduty_case
);
detection_case!(
    GD_DETECTOR,
    "guardduty",
    "GetDetector",
    REGION,
    DETECTORS,
    Absent,
    CALL,
    guardduty_case
);
detection_case!(
    GD_LIST_FINDINGS,
    "guardduty",
    "ListFindings",
    REGION,
    THREATS,
    Kept,
    LISTING,
    guardduty_case
);
detection_case!(
    GD_GET_FINDINGS,
    "guardduty",
    "GetFindings",
    REGION,
    THREATS,
    Kept,
    CALL,
    guardduty_case
);

const RECORDING: &[&str] = &["DET-007", "DET-008"];
detection_case!(
    CONFIG_RECORDERS,
    "config",
    "DescribeConfigurationRecorders",
    REGION,
    RECORDING,
    Absent,
    CALL,
    config_case
);
detection_case!(
    CONFIG_STATUS,
    "config",
    "DescribeConfigurationRecorderStatus",
    REGION,
    RECORDING,
    Absent,
    CALL,
    config_case
);
detection_case!(
    CONFIG_CHANNELS,
    "config",
    "DescribeDeliveryChannels",
    REGION,
    RECORDING,
    Absent,
    CALL,
    config_case
);
detection_case!(
    CONFIG_COMPLIANCE,
    "config",
    "DescribeComplianceByConfigRule",
    REGION,
    &["DET-008"],
    Kept,
    LISTING,
    config_case
);

const REPORT: &[&str] = &["IAM-012", "IAM-013", "IAM-014"];
detection_case!(
    IAM_GAAD,
    "iam",
    "GetAccountAuthorizationDetails",
    "global",
    &["IAM-"],
    Absent,
    LISTING,
    iam_case
);
detection_case!(
    IAM_GENERATE_REPORT,
    "iam",
    "GenerateCredentialReport",
    "global",
    REPORT,
    Kept,
    CALL,
    iam_case
);
detection_case!(
    IAM_GET_REPORT,
    "iam",
    "GetCredentialReport",
    "global",
    REPORT,
    Kept,
    CALL,
    iam_case
);
detection_case!(
    IAM_PASSWORD_POLICY,
    "iam",
    "GetAccountPasswordPolicy",
    "global",
    &["IAM-018"],
    Kept,
    CALL,
    iam_case
);
// No rule reads the account summary: the gap and the missing summary are the whole effect.
detection_case!(
    IAM_SUMMARY,
    "iam",
    "GetAccountSummary",
    "global",
    &[],
    Kept,
    CALL,
    iam_case
);

matrix! {
    securityhub_describe_hub: HUB_DESCRIBE,
    securityhub_get_enabled_standards: HUB_STANDARDS,
    securityhub_list_security_control_definitions: HUB_DEFINITIONS,
    securityhub_batch_get_security_controls: HUB_CONTROLS,
    securityhub_get_findings: HUB_FINDINGS,
    guardduty_list_detectors: GD_DETECTORS,
    guardduty_get_detector: GD_DETECTOR,
    guardduty_list_findings: GD_LIST_FINDINGS,
    guardduty_get_findings: GD_GET_FINDINGS,
    config_describe_configuration_recorders: CONFIG_RECORDERS,
    config_describe_configuration_recorder_status: CONFIG_STATUS,
    config_describe_delivery_channels: CONFIG_CHANNELS,
    config_describe_compliance_by_config_rule: CONFIG_COMPLIANCE,
    iam_get_account_authorization_details: IAM_GAAD,
    iam_generate_credential_report: IAM_GENERATE_REPORT,
    iam_get_credential_report: IAM_GET_REPORT,
    iam_get_account_password_policy: IAM_PASSWORD_POLICY,
    iam_get_account_summary: IAM_SUMMARY,
}

/// The region with one detection section set, judged.
fn judged_region(
    context: &AccountContext,
    region: RegionSnapshot,
    present: bool,
    unknown: Option<bool>,
    mocks: &Mocks,
) -> Outcome {
    let snapshot = Snapshot::new("collect", vec![account_with(region, context)]);
    Outcome::judge(snapshot, present, unknown, &[mocks])
}

fn hub_case(case: &'static Case, fault: Option<Fault>) -> Running {
    Box::pin(async move {
        let mut mocks = Mocks::default();
        add_hub(&mut mocks, case, fault);
        add_hub_controls(&mut mocks, case, fault);
        let client = fault_client!(aws_sdk_securityhub, mocks, held(case, fault, "securityhub"));
        let context = context();
        let section = securityhub::collect_with(&client, &context, REGION, Instant::now()).await;
        let unknown = section.as_ref().map(|s| match case.operation {
            "GetEnabledStandards" => s.standards.is_none(),
            "GetFindings" => s.controls.is_none(),
            // The definitions are what give a control without failed findings a status.
            _ => !s.controls.iter().flatten().any(|c| c.status == "ENABLED"),
        });
        let present = section.is_some();
        let mut region = collected_region();
        region.securityhub = section;
        judged_region(&context, region, present, unknown, &mocks)
    })
}

fn add_hub(mocks: &mut Mocks, case: &'static Case, fault: Option<Fault>) {
    use aws_sdk_securityhub::operation::{describe_hub::*, get_enabled_standards::*};
    use aws_sdk_securityhub::types::{StandardsStatus, StandardsSubscription};
    let at = |operation| fault_at(case, fault, "securityhub", operation);
    mocks.add(answer!(
        aws_sdk_securityhub::Client::describe_hub,
        DescribeHubError,
        at("DescribeHub"),
        || DescribeHubOutput::builder()
            .hub_arn(format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"))
            .build()
    ));
    let standard = |path: &str| {
        StandardsSubscription::builder()
            .standards_subscription_arn(format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:subscription/{path}"))
            .standards_arn(format!("arn:aws:securityhub:{REGION}::standards/{path}"))
            .standards_status(StandardsStatus::Ready)
            .build()
    };
    mocks.add(answer!(
        aws_sdk_securityhub::Client::get_enabled_standards,
        GetEnabledStandardsError,
        at("GetEnabledStandards"),
        move |next: Option<&'static str>| GetEnabledStandardsOutput::builder()
            .standards_subscriptions(standard("aws-foundational-security-best-practices/v/1.0.0"))
            .standards_subscriptions(standard("cis-aws-foundations-benchmark/v/3.0.0"))
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &GetEnabledStandardsInput| r.next_token().map(str::to_string)
    ));
}

/// Two enabled controls, IAM.1 and S3.1, S3.1 failing on bucket `b` by its finding.
fn add_hub_controls(mocks: &mut Mocks, case: &'static Case, fault: Option<Fault>) {
    use aws_sdk_securityhub::operation::{
        batch_get_security_controls::*, get_findings::*, list_security_control_definitions::*,
    };
    use aws_sdk_securityhub::types::{
        AwsSecurityFinding, Compliance, ControlStatus, RegionAvailabilityStatus, Resource, SecurityControl,
        SecurityControlDefinition, SeverityRating,
    };
    let at = |operation| fault_at(case, fault, "securityhub", operation);
    let definition = |id: &str| {
        SecurityControlDefinition::builder()
            .security_control_id(id)
            .title(id)
            .description(id)
            .remediation_url("https://docs.aws.amazon.com/securityhub/")
            .severity_rating(SeverityRating::High)
            .current_region_availability(RegionAvailabilityStatus::Available)
            .build()
    };
    mocks.add(answer!(
        aws_sdk_securityhub::Client::list_security_control_definitions,
        ListSecurityControlDefinitionsError,
        at("ListSecurityControlDefinitions"),
        move |next: Option<&'static str>| ListSecurityControlDefinitionsOutput::builder()
            .security_control_definitions(definition("IAM.1"))
            .security_control_definitions(definition("S3.1"))
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &ListSecurityControlDefinitionsInput| r.next_token().map(str::to_string)
    ));
    let control = |id: &str, status: ControlStatus| {
        SecurityControl::builder()
            .security_control_id(id)
            .security_control_arn(format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:security-control/{id}"))
            .title(id)
            .description(id)
            .remediation_url("https://docs.aws.amazon.com/securityhub/")
            .severity_rating(SeverityRating::High)
            .security_control_status(status)
            .build()
    };
    mocks.add(answer!(
        aws_sdk_securityhub::Client::batch_get_security_controls,
        BatchGetSecurityControlsError,
        at("BatchGetSecurityControls"),
        move || BatchGetSecurityControlsOutput::builder()
            .security_controls(control("IAM.1", ControlStatus::Enabled))
            .security_controls(control("S3.1", ControlStatus::Enabled))
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_securityhub::Client::get_findings,
        GetFindingsError,
        at("GetFindings"),
        |next: Option<&'static str>| GetFindingsOutput::builder()
            .findings(
                AwsSecurityFinding::builder()
                    .title("S3.1")
                    .compliance(Compliance::builder().security_control_id("S3.1").build())
                    .resources(Resource::builder().r#type("AwsS3Bucket").id("arn:aws:s3:::b").build())
                    .build()
            )
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &GetFindingsInput| r.next_token().map(str::to_string)
    ));
}

fn guardduty_case(case: &'static Case, fault: Option<Fault>) -> Running {
    Box::pin(async move {
        let mocks = guardduty_answers(case, fault);
        let client = fault_client!(aws_sdk_guardduty, mocks, held(case, fault, "guardduty"));
        let context = context();
        let section = guardduty::collect_with(&client, &context, REGION, Instant::now()).await;
        let unknown = section.as_ref().map(|s| s.findings.is_none());
        let present = section.is_some();
        let mut region = collected_region();
        region.guardduty = section;
        judged_region(&context, region, present, unknown, &mocks)
    })
}

fn guardduty_answers(case: &'static Case, fault: Option<Fault>) -> Mocks {
    use aws_sdk_guardduty::operation::{get_detector::*, get_findings::*, list_detectors::*, list_findings::*};
    use aws_sdk_guardduty::types::{DetectorStatus, Finding};
    let at = |operation| fault_at(case, fault, "guardduty", operation);
    let mut mocks = Mocks::default();
    mocks.add(answer!(
        aws_sdk_guardduty::Client::list_detectors,
        ListDetectorsError,
        at("ListDetectors"),
        |next: Option<&'static str>| ListDetectorsOutput::builder()
            .detector_ids("d-1")
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &ListDetectorsInput| r.next_token().map(str::to_string)
    ));
    mocks.add(answer!(
        aws_sdk_guardduty::Client::get_detector,
        GetDetectorError,
        at("GetDetector"),
        || GetDetectorOutput::builder().status(DetectorStatus::Enabled).build()
    ));
    mocks.add(answer!(
        aws_sdk_guardduty::Client::list_findings,
        ListFindingsError,
        at("ListFindings"),
        |next: Option<&'static str>| ListFindingsOutput::builder()
            .finding_ids("f-1")
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &ListFindingsInput| r.next_token().map(str::to_string)
    ));
    mocks.add(answer!(
        aws_sdk_guardduty::Client::get_findings,
        GetFindingsError,
        at("GetFindings"),
        || GetFindingsOutput::builder()
            .findings(
                Finding::builder()
                    .id("f-1")
                    .r#type("Recon:EC2/PortProbeUnprotectedPort")
                    .severity(2.0)
                    .account_id(ACCOUNT)
                    .region(REGION)
                    .build()
            )
            .build()
    ));
    mocks
}

fn config_case(case: &'static Case, fault: Option<Fault>) -> Running {
    Box::pin(async move {
        let mocks = config_answers(case, fault);
        let client = fault_client!(aws_sdk_config, mocks, held(case, fault, "config"));
        let context = context();
        let section = config::collect_with(&client, &context, REGION, Instant::now()).await;
        let unknown = section.as_ref().map(|s| s.rules.is_none());
        let present = section.is_some();
        let mut region = collected_region();
        region.config = section;
        judged_region(&context, region, present, unknown, &mocks)
    })
}

fn config_answers(case: &'static Case, fault: Option<Fault>) -> Mocks {
    use aws_sdk_config::operation::{
        describe_compliance_by_config_rule::*, describe_configuration_recorder_status::*,
        describe_configuration_recorders::*, describe_delivery_channels::*,
    };
    use aws_sdk_config::types::{
        Compliance, ComplianceByConfigRule, ComplianceType, ConfigurationRecorder, ConfigurationRecorderStatus,
        DeliveryChannel, RecordingGroup,
    };
    let at = |operation| fault_at(case, fault, "config", operation);
    let mut mocks = Mocks::default();
    mocks.add(answer!(
        aws_sdk_config::Client::describe_configuration_recorders,
        DescribeConfigurationRecordersError,
        at("DescribeConfigurationRecorders"),
        || DescribeConfigurationRecordersOutput::builder()
            .configuration_recorders(
                ConfigurationRecorder::builder()
                    .name("default")
                    .recording_group(
                        RecordingGroup::builder()
                            .all_supported(true)
                            .include_global_resource_types(true)
                            .build()
                    )
                    .build()
            )
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_config::Client::describe_configuration_recorder_status,
        DescribeConfigurationRecorderStatusError,
        at("DescribeConfigurationRecorderStatus"),
        || DescribeConfigurationRecorderStatusOutput::builder()
            .configuration_recorders_status(
                ConfigurationRecorderStatus::builder()
                    .name("default")
                    .recording(true)
                    .build()
            )
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_config::Client::describe_delivery_channels,
        DescribeDeliveryChannelsError,
        at("DescribeDeliveryChannels"),
        || DescribeDeliveryChannelsOutput::builder()
            .delivery_channels(DeliveryChannel::builder().name("default").build())
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_config::Client::describe_compliance_by_config_rule,
        DescribeComplianceByConfigRuleError,
        at("DescribeComplianceByConfigRule"),
        |next: Option<&'static str>| DescribeComplianceByConfigRuleOutput::builder()
            .compliance_by_config_rules(
                ComplianceByConfigRule::builder()
                    .config_rule_name("s3-bucket-versioning")
                    .compliance(Compliance::builder().compliance_type(ComplianceType::Compliant).build())
                    .build()
            )
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &DescribeComplianceByConfigRuleInput| r.next_token().map(str::to_string)
    ));
    mocks
}

/// A user who may read one bucket, percent-encoded as GAAD sends it.
const READ_ONE_BUCKET: &str = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%2F%2A%22%7D%5D%7D";
/// The root with MFA and no keys; the user without a console password.
const REPORT_CSV: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,N/A,not_supported,not_supported,true,false,N/A,N/A,false,N/A,N/A\nreader,arn:aws:iam::111122223333:user/reader,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,false,N/A,N/A\n";

fn iam_case(case: &'static Case, fault: Option<Fault>) -> Running {
    Box::pin(async move {
        let mut mocks = Mocks::default();
        add_gaad(&mut mocks, case, fault);
        add_account_answers(&mut mocks, case, fault);
        let client = fault_client!(aws_sdk_iam, mocks, held(case, fault, "iam"));
        let context = context();
        let section = iam::collect_with(&client, &context, Instant::now()).await;
        let unknown = section.as_ref().map(|s| match case.operation {
            "GetAccountPasswordPolicy" => s.password_policy.is_none(),
            "GetAccountSummary" => s.account_summary.is_none(),
            _ => s.credential_report.is_none(),
        });
        let present = section.is_some();
        let mut account = account_with(collected_region(), &context);
        account.iam = section;
        Outcome::judge(Snapshot::new("collect", vec![account]), present, unknown, &[&mocks])
    })
}

fn add_gaad(mocks: &mut Mocks, case: &'static Case, fault: Option<Fault>) {
    use aws_sdk_iam::operation::get_account_authorization_details::*;
    use aws_sdk_iam::types::{PolicyDetail, UserDetail};
    mocks.add(answer!(
        aws_sdk_iam::Client::get_account_authorization_details,
        GetAccountAuthorizationDetailsError,
        fault_at(case, fault, "iam", "GetAccountAuthorizationDetails"),
        |next: Option<&'static str>| GetAccountAuthorizationDetailsOutput::builder()
            .user_detail_list(
                UserDetail::builder()
                    .user_name("reader")
                    .arn(format!("arn:aws:iam::{ACCOUNT}:user/reader"))
                    .user_policy_list(
                        PolicyDetail::builder()
                            .policy_name("read")
                            .policy_document(READ_ONE_BUCKET)
                            .build()
                    )
                    .build()
            )
            .is_truncated(next.is_some())
            .set_marker(next.map(str::to_string))
            .build(),
        |r: &GetAccountAuthorizationDetailsInput| r.marker().map(str::to_string)
    ));
}

/// The credential report, a strong password policy and the account summary.
fn add_account_answers(mocks: &mut Mocks, case: &'static Case, fault: Option<Fault>) {
    use aws_sdk_iam::operation::{
        generate_credential_report::*, get_account_password_policy::*, get_account_summary::*, get_credential_report::*,
    };
    use aws_sdk_iam::types::{PasswordPolicy, ReportStateType, SummaryKeyType};
    let at = |operation| fault_at(case, fault, "iam", operation);
    mocks.add(answer!(
        aws_sdk_iam::Client::generate_credential_report,
        GenerateCredentialReportError,
        at("GenerateCredentialReport"),
        || GenerateCredentialReportOutput::builder()
            .state(ReportStateType::Complete)
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_iam::Client::get_credential_report,
        GetCredentialReportError,
        at("GetCredentialReport"),
        || GetCredentialReportOutput::builder()
            .content(aws_smithy_types::Blob::new(REPORT_CSV))
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_iam::Client::get_account_password_policy,
        GetAccountPasswordPolicyError,
        at("GetAccountPasswordPolicy"),
        || GetAccountPasswordPolicyOutput::builder()
            .password_policy(
                PasswordPolicy::builder()
                    .minimum_password_length(16)
                    .require_symbols(true)
                    .require_numbers(true)
                    .require_uppercase_characters(true)
                    .require_lowercase_characters(true)
                    .max_password_age(90)
                    .password_reuse_prevention(24)
                    .build()
            )
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_iam::Client::get_account_summary,
        GetAccountSummaryError,
        at("GetAccountSummary"),
        || GetAccountSummaryOutput::builder()
            .summary_map(SummaryKeyType::AccountMfaEnabled, 1)
            .build()
    ));
}
