//! The organisation collector under faults. The organisation has the account under its root and
//! one SCP on the root that holds every usual guardrail, so IAM-020 passes when nothing goes
//! wrong; the run's caller is the account itself (a delegated administrator).

use super::super::organization;
use super::*;
use crate::snapshot::OrganizationSnapshot;

const MANAGEMENT: &str = "999999999999";
const GUARDRAILS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["organizations:LeaveOrganization","guardduty:DeleteDetector","securityhub:DisableSecurityHub","config:StopConfigurationRecorder","cloudtrail:StopLogging"],"Resource":"*"}]}"#;
const GUARDRAIL_RULE: &[&str] = &["IAM-020"];

macro_rules! org_case {
    ($name:ident, $operation:literal, $effect:ident, $faults:ident) => {
        static $name: Case = Case {
            service: "organizations",
            operation: $operation,
            region: "global",
            rules: GUARDRAIL_RULE,
            healthy: Status::Pass,
            effect: Effect::$effect,
            faults: Fault::$faults,
            run: organization_case,
        };
    };
}

org_case!(DESCRIBE_ORGANIZATION, "DescribeOrganization", Absent, CALL);
org_case!(LIST_ROOTS, "ListRoots", Absent, CALL);
org_case!(LIST_POLICIES, "ListPolicies", Absent, LISTING);
org_case!(DESCRIBE_POLICY, "DescribePolicy", Kept, CALL);
org_case!(LIST_TARGETS, "ListTargetsForPolicy", Kept, LISTING);
org_case!(LIST_ACCOUNTS_FOR_PARENT, "ListAccountsForParent", Absent, LISTING);
org_case!(LIST_UNITS, "ListOrganizationalUnitsForParent", Absent, LISTING);

matrix! {
    organizations_describe_organization: DESCRIBE_ORGANIZATION,
    organizations_list_roots: LIST_ROOTS,
    organizations_list_policies: LIST_POLICIES,
    organizations_describe_policy: DESCRIBE_POLICY,
    organizations_list_targets_for_policy: LIST_TARGETS,
    organizations_list_accounts_for_parent: LIST_ACCOUNTS_FOR_PARENT,
    organizations_list_organizational_units_for_parent: LIST_UNITS,
}

fn organization_case(case: &'static Case, fault: Option<Fault>) -> Running {
    Box::pin(async move {
        let mocks = organization_answers(case, fault);
        let client = fault_client!(aws_sdk_organizations, mocks, held(case, fault, "organizations"));
        let context = context();
        let mut organization = organization::collect_with(&client, &context).await;
        let gaps = context.gaps.take();
        let mut member = AccountSnapshot {
            account_id: ACCOUNT.into(),
            ..Default::default()
        };
        // As `collect` files them: on the organisation, else on the caller's account.
        match organization.as_mut() {
            Some(organization) => organization.coverage_gaps = gaps,
            None => member.coverage_gaps = gaps,
        }
        let present = organization.is_some();
        let unknown = organization.as_ref().map(policies_unknown);
        let mut snapshot = Snapshot::new("collect", vec![member]);
        snapshot.organization = organization;
        Outcome::judge(snapshot, present, unknown, &[&mocks])
    })
}

fn policies_unknown(organization: &OrganizationSnapshot) -> bool {
    organization
        .policies
        .iter()
        .any(|p| p.source.document.is_none() || p.targets.is_none())
}

fn organization_answers(case: &'static Case, fault: Option<Fault>) -> Mocks {
    use aws_sdk_organizations::operation::{describe_organization::*, describe_policy::*, list_roots::*};
    use aws_sdk_organizations::types::{Organization, Policy, PolicyType, PolicyTypeStatus, PolicyTypeSummary, Root};
    let at = |operation| fault_at(case, fault, "organizations", operation);
    let mut mocks = Mocks::default();
    mocks.add(answer!(
        aws_sdk_organizations::Client::describe_organization,
        DescribeOrganizationError,
        at("DescribeOrganization"),
        || DescribeOrganizationOutput::builder()
            .organization(
                Organization::builder()
                    .id("o-faults")
                    .master_account_id(MANAGEMENT)
                    .build()
            )
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_organizations::Client::list_roots,
        ListRootsError,
        at("ListRoots"),
        || ListRootsOutput::builder()
            .roots(
                Root::builder()
                    .id("r-root")
                    .policy_types(
                        PolicyTypeSummary::builder()
                            .r#type(PolicyType::ServiceControlPolicy)
                            .status(PolicyTypeStatus::Enabled)
                            .build()
                    )
                    .build()
            )
            .build()
    ));
    mocks.add(answer!(
        aws_sdk_organizations::Client::describe_policy,
        DescribePolicyError,
        at("DescribePolicy"),
        || DescribePolicyOutput::builder()
            .policy(Policy::builder().content(GUARDRAILS).build())
            .build()
    ));
    add_listings(&mut mocks, case, fault);
    mocks
}

fn add_listings(mocks: &mut Mocks, case: &'static Case, fault: Option<Fault>) {
    use aws_sdk_organizations::operation::{
        list_accounts_for_parent::*, list_organizational_units_for_parent::*, list_policies::*,
        list_targets_for_policy::*,
    };
    use aws_sdk_organizations::types::{Account, PolicySummary, PolicyTargetSummary};
    let at = |operation| fault_at(case, fault, "organizations", operation);
    mocks.add(answer!(
        aws_sdk_organizations::Client::list_policies,
        ListPoliciesError,
        at("ListPolicies"),
        |next: Option<&'static str>| ListPoliciesOutput::builder()
            .policies(
                PolicySummary::builder()
                    .id("p-guard")
                    .name("guardrails")
                    .aws_managed(false)
                    .build()
            )
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &ListPoliciesInput| r.next_token().map(str::to_string)
    ));
    mocks.add(answer!(
        aws_sdk_organizations::Client::list_targets_for_policy,
        ListTargetsForPolicyError,
        at("ListTargetsForPolicy"),
        |next: Option<&'static str>| ListTargetsForPolicyOutput::builder()
            .targets(PolicyTargetSummary::builder().target_id("r-root").build())
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &ListTargetsForPolicyInput| r.next_token().map(str::to_string)
    ));
    mocks.add(answer!(
        aws_sdk_organizations::Client::list_accounts_for_parent,
        ListAccountsForParentError,
        at("ListAccountsForParent"),
        |next: Option<&'static str>| ListAccountsForParentOutput::builder()
            .accounts(Account::builder().id(ACCOUNT).name("member").build())
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &ListAccountsForParentInput| r.next_token().map(str::to_string)
    ));
    mocks.add(answer!(
        aws_sdk_organizations::Client::list_organizational_units_for_parent,
        ListOrganizationalUnitsForParentError,
        at("ListOrganizationalUnitsForParent"),
        |next: Option<&'static str>| ListOrganizationalUnitsForParentOutput::builder()
            .set_next_token(next.map(str::to_string))
            .build(),
        |r: &ListOrganizationalUnitsForParentInput| r.next_token().map(str::to_string)
    ));
}

/// The run's list of accounts to scan (`collect --org`) is all or nothing: an error, never a
/// shorter list.
#[tokio::test]
async fn the_account_list_fails_whole_under_every_fault() {
    use aws_sdk_organizations::operation::list_accounts::*;
    use aws_sdk_organizations::types::{Account, AccountState};
    static LIST_ACCOUNTS: Case = Case {
        service: "organizations",
        operation: "ListAccounts",
        region: "global",
        rules: &[],
        healthy: Status::Pass,
        effect: Effect::Absent,
        faults: Fault::LISTING,
        run: organization_case,
    };
    for fault in [None].into_iter().chain(Fault::LISTING.iter().copied().map(Some)) {
        let mut mocks = Mocks::default();
        mocks.add(answer!(
            aws_sdk_organizations::Client::list_accounts,
            ListAccountsError,
            fault,
            |next: Option<&'static str>| ListAccountsOutput::builder()
                .accounts(Account::builder().id(ACCOUNT).state(AccountState::Active).build())
                .set_next_token(next.map(str::to_string))
                .build(),
            |r: &ListAccountsInput| r.next_token().map(str::to_string)
        ));
        let client = fault_client!(
            aws_sdk_organizations,
            mocks,
            held(&LIST_ACCOUNTS, fault, "organizations")
        );
        let listed = tokio::time::timeout(CASE_BOUND, super::super::active_accounts(&client))
            .await
            .expect("the listing ends");
        match fault {
            None => assert_eq!(listed, Ok(vec![(ACCOUNT.to_string(), None)])),
            Some(fault) => {
                let error = listed.expect_err("no partial list");
                assert!(error.starts_with(fault.error_prefix()), "{fault:?}: {error}");
            }
        }
    }
}
