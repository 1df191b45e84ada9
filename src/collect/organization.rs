//! The organisation around the accounts, collected once per run from the caller (the management
//! account or a delegated administrator): the root and its enabled policy types, the tree of
//! units with every account's parent, and each service and resource control policy with its
//! text and targets. A member account that may not read the policies gets no organisation data
//! (its identities are then judged without SCPs, which can only remove) and a coverage gap.

use super::paging::{PageTokens, LOOP};
use super::{code, describe, AccountContext, ServiceCalls};
use crate::snapshot::policy::decode_policy_text;
use crate::snapshot::{OrgAccount, OrgPolicy, OrgPolicyType, OrganizationSnapshot, OrganizationalUnit, PolicySource};
use aws_sdk_organizations::types::PolicyType;
use aws_sdk_organizations::Client;

/// The deepest tree AWS allows: the root and five levels of units.
const MAX_DEPTH: usize = 6;

pub(super) async fn collect(context: &AccountContext) -> Option<OrganizationSnapshot> {
    let client = Client::new(&context.config);
    collect_with(&client, context).await
}

pub(super) async fn collect_with(client: &Client, context: &AccountContext) -> Option<OrganizationSnapshot> {
    let mut calls = ServiceCalls::start(context, "organizations", "global");
    calls.call();
    let described = match client.describe_organization().send().await {
        Ok(output) => output,
        // A standalone account: there is no organisation to judge it by.
        Err(error) if code(&error).as_deref() == Some("AWSOrganizationsNotInUseException") => return None,
        Err(error) => {
            calls.fail("DescribeOrganization", describe(&error));
            return None;
        }
    };
    let organization = described.organization()?;
    let mut snapshot = OrganizationSnapshot {
        id: organization.id().unwrap_or_default().to_string(),
        management_account_id: organization.master_account_id().unwrap_or_default().to_string(),
        ..Default::default()
    };
    roots(client, &mut calls, &mut snapshot).await?;
    for kind in snapshot.enabled_policy_types.clone() {
        // Without the list of policies nothing is known of the guardrails: no organisation data.
        snapshot.policies.extend(policies(client, &mut calls, kind).await?);
    }
    // A tree with a missing branch would leave its accounts outside the organisation, exempt.
    tree(client, &mut calls, &mut snapshot).await?;
    snapshot.sort();
    Some(snapshot)
}

/// The root and the control-policy types enabled on it.
async fn roots(client: &Client, calls: &mut ServiceCalls<'_>, snapshot: &mut OrganizationSnapshot) -> Option<()> {
    calls.call();
    let roots = match client.list_roots().send().await {
        Ok(output) => output,
        Err(error) => {
            calls.fail("ListRoots", describe(&error));
            return None;
        }
    };
    let root = roots.roots().first()?;
    snapshot.root_id = root.id().unwrap_or_default().to_string();
    snapshot.enabled_policy_types = root
        .policy_types()
        .iter()
        .filter(|t| t.status().is_some_and(|s| s.as_str() == "ENABLED"))
        .filter_map(|t| match t.r#type() {
            Some(PolicyType::ServiceControlPolicy) => Some(OrgPolicyType::ServiceControlPolicy),
            Some(PolicyType::ResourceControlPolicy) => Some(OrgPolicyType::ResourceControlPolicy),
            _ => None,
        })
        .collect();
    Some(())
}

fn sdk_type(kind: OrgPolicyType) -> PolicyType {
    match kind {
        OrgPolicyType::ServiceControlPolicy => PolicyType::ServiceControlPolicy,
        OrgPolicyType::ResourceControlPolicy => PolicyType::ResourceControlPolicy,
    }
}

/// Every policy of one type with its text and targets; `None` when they cannot be listed.
async fn policies(client: &Client, calls: &mut ServiceCalls<'_>, kind: OrgPolicyType) -> Option<Vec<OrgPolicy>> {
    let mut summaries = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.list_policies().filter(sdk_type(kind)).into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("ListPolicies", LOOP.into());
                return None;
            }
            Ok(page) => summaries.extend(page.policies().iter().cloned()),
            Err(error) => {
                calls.fail("ListPolicies", describe(&error));
                return None;
            }
        }
    }
    let mut policies = Vec::with_capacity(summaries.len());
    for summary in summaries {
        let id = summary.id().unwrap_or_default().to_string();
        policies.push(OrgPolicy {
            name: summary.name().unwrap_or(&id).to_string(),
            policy_type: kind,
            aws_managed: summary.aws_managed(),
            source: policy_text(client, calls, &id).await,
            targets: targets(client, calls, &id).await,
            id,
        });
    }
    Some(policies)
}

/// The policy's document; one that cannot be fetched or decoded is unknown, never allowing.
async fn policy_text(client: &Client, calls: &mut ServiceCalls<'_>, id: &str) -> PolicySource {
    calls.call();
    match client.describe_policy().policy_id(id).send().await {
        Ok(output) => match output.policy().and_then(|p| p.content()) {
            Some(text) => match decode_policy_text(text) {
                Ok(document) => PolicySource::decoded(document),
                Err(error) => PolicySource::failed(error),
            },
            None => PolicySource::failed("DescribePolicy returned no content"),
        },
        Err(error) => {
            let error = describe(&error);
            calls.fail("DescribePolicy", error.clone());
            PolicySource::failed(error)
        }
    }
}

/// Roots, units and accounts the policy is attached to; `None` when they cannot be listed.
async fn targets(client: &Client, calls: &mut ServiceCalls<'_>, id: &str) -> Option<Vec<String>> {
    let mut targets = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client.list_targets_for_policy().policy_id(id).into_paginator().send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("ListTargetsForPolicy", LOOP.into());
                return None;
            }
            Ok(page) => targets.extend(page.targets().iter().filter_map(|t| t.target_id().map(str::to_string))),
            Err(error) => {
                calls.fail("ListTargetsForPolicy", describe(&error));
                return None;
            }
        }
    }
    Some(targets)
}

/// Units and accounts, breadth first from the root; `None` when a parent's children cannot be
/// listed, as the accounts below it would read as outside the organisation.
async fn tree(client: &Client, calls: &mut ServiceCalls<'_>, snapshot: &mut OrganizationSnapshot) -> Option<()> {
    let mut level = vec![snapshot.root_id.clone()];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for parent in &level {
            snapshot.accounts.extend(accounts_under(client, calls, parent).await?);
            let units = units_under(client, calls, parent).await?;
            next.extend(units.iter().map(|u| u.id.clone()));
            snapshot.units.extend(units);
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    Some(())
}

async fn accounts_under(client: &Client, calls: &mut ServiceCalls<'_>, parent: &str) -> Option<Vec<OrgAccount>> {
    let mut accounts = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client
        .list_accounts_for_parent()
        .parent_id(parent)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("ListAccountsForParent", LOOP.into());
                return None;
            }
            Ok(page) => accounts.extend(page.accounts().iter().filter_map(|a| {
                Some(OrgAccount {
                    account_id: a.id()?.to_string(),
                    name: a.name().map(str::to_string),
                    parent_id: parent.to_string(),
                })
            })),
            Err(error) => {
                calls.fail("ListAccountsForParent", describe(&error));
                return None;
            }
        }
    }
    Some(accounts)
}

async fn units_under(client: &Client, calls: &mut ServiceCalls<'_>, parent: &str) -> Option<Vec<OrganizationalUnit>> {
    let mut units = Vec::new();
    let mut tokens = PageTokens::default();
    let mut pages = client
        .list_organizational_units_for_parent()
        .parent_id(parent)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        calls.call();
        match page {
            Ok(page) if tokens.repeats(page.next_token()) => {
                calls.fail("ListOrganizationalUnitsForParent", LOOP.into());
                return None;
            }
            Ok(page) => units.extend(page.organizational_units().iter().filter_map(|u| {
                Some(OrganizationalUnit {
                    id: u.id()?.to_string(),
                    name: u.name().map(str::to_string),
                    parent_id: parent.to_string(),
                })
            })),
            Err(error) => {
                calls.fail("ListOrganizationalUnitsForParent", describe(&error));
                return None;
            }
        }
    }
    Some(units)
}
