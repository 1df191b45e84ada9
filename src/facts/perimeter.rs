//! The data perimeter as the control policies draw it: which RCP-supported services an RCP
//! closes to principals outside the organisation, and which of the usual SCP guardrails
//! (leaving the organisation, turning off detection and logging) the account's chain carries.

use super::iam::catalog::wildcard_match;
use super::organization::Guardrails;
use crate::snapshot::policy::{Effect, Statement};
use serde::Serialize;
use std::collections::BTreeMap;

/// RCP-supported services, each with an action that stands for its data.
pub const RCP_SERVICES: [(&str, &str); 5] = [
    ("s3", "s3:GetObject"),
    ("sts", "sts:AssumeRole"),
    ("kms", "kms:Decrypt"),
    ("sqs", "sqs:ReceiveMessage"),
    ("secretsmanager", "secretsmanager:GetSecretValue"),
];

/// The usual SCP guardrails, each with the action it denies.
pub const SCP_GUARDRAILS: [(&str, &str); 5] = [
    ("leave_organization", "organizations:LeaveOrganization"),
    ("disable_guardduty", "guardduty:DeleteDetector"),
    ("disable_securityhub", "securityhub:DisableSecurityHub"),
    ("stop_config", "config:StopConfigurationRecorder"),
    ("stop_cloudtrail", "cloudtrail:StopLogging"),
];

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PerimeterFacts {
    /// Service → whether an RCP denies its actions to principals outside the organisation.
    pub org_boundary: BTreeMap<String, bool>,
    /// Guardrail → whether an SCP on the chain denies it (to anyone, perhaps but a few roles).
    pub guardrails: BTreeMap<String, bool>,
}

pub fn of(scp: &Guardrails<'_>, rcp: &Guardrails<'_>, organization_id: &str) -> PerimeterFacts {
    let rcp_statements = statements(rcp);
    let scp_statements = statements(scp);
    PerimeterFacts {
        org_boundary: RCP_SERVICES
            .iter()
            .map(|(service, action)| {
                let closed = rcp_statements
                    .iter()
                    .any(|s| closes_to_outsiders(s, action, organization_id));
                (service.to_string(), closed)
            })
            .collect(),
        guardrails: SCP_GUARDRAILS
            .iter()
            .map(|(name, action)| {
                let denied = scp_statements
                    .iter()
                    .any(|s| s.effect == Effect::Deny && covers(s, action) && exempts_only_principals(s));
                (name.to_string(), denied)
            })
            .collect(),
    }
}

/// Whether the statement's conditions only spare a few principals (`ArnNotLike aws:PrincipalArn
/// BreakGlass`): a region lock or any other condition leaves the action allowed somewhere.
fn exempts_only_principals(statement: &Statement) -> bool {
    statement.condition.iter().flatten().all(|(operator, keys)| {
        let operator = operator.to_ascii_lowercase();
        let negated = operator.starts_with("arnnot") || operator.starts_with("stringnot");
        negated
            && keys.keys().all(|key| {
                let key = key.to_ascii_lowercase();
                key == "aws:principalarn" || key.starts_with("aws:principaltag/")
            })
    })
}

fn statements<'m>(guardrails: &Guardrails<'m>) -> Vec<&'m Statement> {
    guardrails
        .levels
        .iter()
        .flatten()
        .filter_map(|policy| policy.source.document.as_ref())
        .flat_map(|document| document.statements.iter())
        .collect()
}

/// Whether the statement's actions include `action` (`Action` or the complement of `NotAction`).
pub fn covers(statement: &Statement, action: &str) -> bool {
    let matches = |patterns: &Vec<String>| patterns.iter().any(|p| wildcard_match(&p.to_ascii_lowercase(), action));
    match (&statement.action, &statement.not_action) {
        (Some(actions), _) => matches(actions),
        (None, Some(excluded)) => !matches(excluded),
        (None, None) => false,
    }
}

/// A Deny on `action` for everyone whose organisation is not `organization_id` (the RCP and
/// resource-policy form of the identity perimeter), on every resource.
pub fn closes_to_outsiders(statement: &Statement, action: &str, organization_id: &str) -> bool {
    statement.effect == Effect::Deny
        && statement.resource.as_ref().is_none_or(|r| r.iter().any(|r| r == "*"))
        && everyone(statement)
        && covers(statement, action)
        && negates_organization(statement, organization_id)
}

fn everyone(statement: &Statement) -> bool {
    statement.principal.as_ref().is_none_or(|principals| {
        principals
            .get("AWS")
            .is_some_and(|values| values.iter().any(|v| v == "*"))
    })
}

/// `StringNotEquals[IfExists]` or `StringNotLike[IfExists]` `aws:PrincipalOrgID <org>`: the
/// statement applies to every principal outside the organisation.
fn negates_organization(statement: &Statement, organization_id: &str) -> bool {
    statement.condition.iter().flatten().any(|(operator, keys)| {
        let operator = operator.to_ascii_lowercase();
        let negated = operator.starts_with("stringnotequals") || operator.starts_with("stringnotlike");
        negated
            && keys.iter().any(|(key, values)| {
                key.eq_ignore_ascii_case("aws:PrincipalOrgID") && values.iter().any(|v| v == organization_id)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::policy::decode_policy_value;
    use serde_json::json;

    fn statement(condition: serde_json::Value) -> Statement {
        let mut entry = json!({"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*"});
        if !condition.is_null() {
            entry["Condition"] = condition;
        }
        let document = decode_policy_value(&json!({"Version": "2012-10-17", "Statement": [entry]})).unwrap();
        document.statements[0].clone()
    }

    #[test]
    fn a_guardrail_may_spare_a_few_principals_but_not_lock_regions() {
        assert!(exempts_only_principals(&statement(serde_json::Value::Null)));
        let break_glass = json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlass"}});
        assert!(exempts_only_principals(&statement(break_glass)));
        let tagged = json!({"StringNotEquals": {"aws:PrincipalTag/team": "security"}});
        assert!(exempts_only_principals(&statement(tagged)));
        let region_lock = json!({"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}});
        assert!(!exempts_only_principals(&statement(region_lock)));
        let only_break_glass = json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlass"}});
        assert!(!exempts_only_principals(&statement(only_break_glass)));
    }
}
