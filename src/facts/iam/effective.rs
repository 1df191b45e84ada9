//! Effective permissions of one principal: the union of its identity policies, minus explicit
//! denies (resource-aware), intersected with its permissions boundary. Conditions are kept as
//! "conditional" unless the snapshot decides them (`conditions.rs`): a statement whose condition
//! can never hold has no effect, one whose condition always holds is unconditional.

use super::catalog::{catalog, resource_match, ActionSet};
use super::conditions::{decide_for, ConditionVerdict, PrincipalContext};
use crate::snapshot::policy::{Effect, Statement};
use std::collections::HashMap;
use std::sync::Arc;

/// Reads the statements of one account: expanded action patterns (shared by its principals)
/// and the time conditions are judged at (the snapshot's collection).
pub struct StatementReader {
    sets: HashMap<String, Option<Arc<ActionSet>>>,
    /// Resource pattern → the actions it can reach (`Catalog::reachable_by`).
    reachable: HashMap<String, Arc<ActionSet>>,
    pub as_of: chrono::DateTime<chrono::Utc>,
    /// The principal being judged, for conditions on the keys that name it.
    pub principal: Option<PrincipalContext>,
}

impl StatementReader {
    pub fn new(as_of: chrono::DateTime<chrono::Utc>) -> Self {
        StatementReader {
            sets: HashMap::new(),
            reachable: HashMap::new(),
            as_of,
            principal: None,
        }
    }

    fn expand(&mut self, pattern: &str) -> Option<Arc<ActionSet>> {
        if let Some(hit) = self.sets.get(pattern) {
            return hit.clone();
        }
        let expanded = catalog().expand(pattern).map(Arc::new);
        self.sets.insert(pattern.to_string(), expanded.clone());
        expanded
    }

    fn reachable_by(&mut self, pattern: &str) -> Arc<ActionSet> {
        if let Some(hit) = self.reachable.get(pattern) {
            return hit.clone();
        }
        let reached = Arc::new(catalog().reachable_by(pattern));
        self.reachable.insert(pattern.to_string(), reached.clone());
        reached
    }
}

/// Which resources a statement covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    All,
    Only(Vec<String>),
    /// `NotResource`: everything but these.
    AllExcept(Vec<String>),
}

/// A statement with its actions expanded.
pub struct Analysed<'a> {
    /// Index of the policy it came from, in the caller's list of origins.
    pub origin: usize,
    pub statement: &'a Statement,
    pub actions: ActionSet,
    pub conditional: bool,
    /// `Never`: the condition can never hold, and the statement allows or denies nothing.
    pub condition: ConditionVerdict,
    pub scope: Scope,
    /// With `Scope::Only`: the actions each listed pattern can reach, in the list's order.
    reach: Vec<Arc<ActionSet>>,
}

pub fn analyse_statement<'a>(
    origin: usize,
    statement: &'a Statement,
    cache: &mut StatementReader,
    unknown: &mut Vec<String>,
) -> Analysed<'a> {
    let size = catalog().len();
    let mut named = ActionSet::empty(size);
    let patterns = statement.action.as_ref().or(statement.not_action.as_ref());
    for pattern in patterns.into_iter().flatten() {
        match cache.expand(pattern) {
            Some(set) => named.union_with(&set),
            None => {
                if !unknown.contains(pattern) {
                    unknown.push(pattern.clone());
                }
            }
        }
    }
    let condition = decide_for(statement.condition.as_ref(), cache.as_of, cache.principal.as_ref());
    let mut actions = if condition == ConditionVerdict::Never {
        ActionSet::empty(size)
    } else if statement.action.is_none() && statement.not_action.is_some() {
        named.complement()
    } else {
        named
    };
    let scope = match (&statement.resource, &statement.not_resource) {
        (Some(resources), _) if resources.iter().any(|r| r == "*") => Scope::All,
        (Some(resources), _) => Scope::Only(resources.clone()),
        (None, Some(excluded)) => Scope::AllExcept(excluded.clone()),
        (None, None) => Scope::All,
    };
    // An action applies only to ARNs of its own resource types: patterns no ARN of them can
    // match grant (or deny) it nothing.
    let reach: Vec<Arc<ActionSet>> = match &scope {
        Scope::Only(list) => list.iter().map(|p| cache.reachable_by(p)).collect(),
        _ => Vec::new(),
    };
    if let Scope::Only(_) = scope {
        let mut reachable = ActionSet::empty(size);
        reach.iter().for_each(|set| reachable.union_with(set));
        actions.intersect_with(&reachable);
    }
    Analysed {
        origin,
        statement,
        actions,
        conditional: condition == ConditionVerdict::Depends,
        condition,
        scope,
        reach,
    }
}

/// What a set of statements allows, summarised.
pub struct PolicySetSummary<'a> {
    pub statements: Vec<Analysed<'a>>,
    /// Allowed on every resource without any condition, and not denied anywhere on all resources.
    pub everywhere_unconditional: ActionSet,
    /// Allowed somewhere, somehow (conditions or scoped resources), not denied outright.
    pub somewhere: ActionSet,
}

impl<'a> PolicySetSummary<'a> {
    pub fn new(statements: Vec<Analysed<'a>>) -> Self {
        let size = catalog().len();
        let mut allow_everywhere = ActionSet::empty(size);
        let mut allow_any = ActionSet::empty(size);
        let mut deny_outright = ActionSet::empty(size);
        let mut deny_broadly = ActionSet::empty(size);
        for analysed in &statements {
            match analysed.statement.effect {
                Effect::Allow => {
                    allow_any.union_with(&analysed.actions);
                    if !analysed.conditional && analysed.scope == Scope::All {
                        allow_everywhere.union_with(&analysed.actions);
                    }
                }
                Effect::Deny => {
                    // Denies on all resources, or on all but some, cut "everywhere"; only an
                    // unconditional deny on all resources cuts the action outright.
                    if !matches!(analysed.scope, Scope::Only(_)) {
                        deny_broadly.union_with(&analysed.actions);
                    }
                    if !analysed.conditional && analysed.scope == Scope::All {
                        deny_outright.union_with(&analysed.actions);
                    }
                }
            }
        }
        allow_everywhere.subtract(&deny_broadly);
        allow_any.subtract(&deny_outright);
        PolicySetSummary {
            statements,
            everywhere_unconditional: allow_everywhere,
            somewhere: allow_any,
        }
    }

    /// Intersects with a permissions boundary.
    pub fn bound_by(&mut self, boundary: &PolicySetSummary<'_>) {
        self.everywhere_unconditional
            .intersect_with(&boundary.everywhere_unconditional);
        self.somewhere.intersect_with(&boundary.somewhere);
    }

    /// Where and how one action is allowed by these statements alone.
    pub fn grant(&self, action: usize) -> Option<ActionGrant> {
        if !self.somewhere.contains(action) {
            return None;
        }
        let mut resources: Vec<String> = Vec::new();
        let mut unconditional_resources = false;
        let mut origins: Vec<usize> = Vec::new();
        for analysed in self.statements.iter().filter(|a| a.statement.effect == Effect::Allow) {
            if !analysed.actions.contains(action) {
                continue;
            }
            let covered: Vec<String> = match &analysed.scope {
                Scope::All | Scope::AllExcept(_) => vec!["*".to_string()],
                Scope::Only(list) => list
                    .iter()
                    .zip(&analysed.reach)
                    .filter(|(_, reached)| reached.contains(action))
                    .map(|(pattern, _)| pattern.clone())
                    .collect(),
            };
            if !analysed.conditional {
                unconditional_resources = true;
            }
            if !origins.contains(&analysed.origin) {
                origins.push(analysed.origin);
            }
            for resource in covered {
                if !resources.contains(&resource) {
                    resources.push(resource);
                }
            }
        }
        let mut conditional = !unconditional_resources;
        let mut denied_patterns: Vec<&str> = Vec::new();
        for analysed in self.statements.iter().filter(|a| a.statement.effect == Effect::Deny) {
            if !analysed.actions.contains(action) {
                continue;
            }
            if analysed.conditional {
                // A deny that may apply makes the grant uncertain, not absent.
                conditional = true;
                continue;
            }
            match &analysed.scope {
                Scope::All => return None,
                Scope::AllExcept(kept) => {
                    resources = narrow_to(&resources, kept);
                }
                Scope::Only(denied) => {
                    resources.retain(|r| !denied.iter().any(|d| resource_match(d, r)));
                    denied_patterns.extend(denied.iter().map(String::as_str));
                }
            }
        }
        // `*` stands for the action's own resources: gone when the denies together name all.
        let everywhere = resources.iter().any(|r| r == "*");
        if everywhere && catalog().covers_every_resource_of(action, &denied_patterns) {
            resources.retain(|r| r != "*");
        }
        (!resources.is_empty()).then_some(ActionGrant {
            resources,
            conditional,
            origins,
        })
    }
}

/// Resources left when only `kept` patterns remain allowed.
fn narrow_to(resources: &[String], kept: &[String]) -> Vec<String> {
    if resources.iter().any(|r| r == "*") {
        return kept.to_vec();
    }
    resources
        .iter()
        .filter(|r| kept.iter().any(|k| resource_match(k, r)))
        .cloned()
        .collect()
}

#[derive(Debug, Clone)]
pub struct ActionGrant {
    pub resources: Vec<String>,
    pub conditional: bool,
    /// Indices of the policies whose statements grant it.
    pub origins: Vec<usize>,
}

impl ActionGrant {
    /// Combines with the boundary's grant of the same action: both must allow.
    pub fn within(mut self, boundary: &ActionGrant) -> Option<ActionGrant> {
        if !boundary.resources.iter().any(|r| r == "*") {
            self.resources = narrow_to(&self.resources, &boundary.resources);
        }
        self.conditional |= boundary.conditional;
        (!self.resources.is_empty()).then_some(self)
    }

    pub fn covers(&self, arn: &str) -> bool {
        self.resources.iter().any(|pattern| resource_match(pattern, arn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::policy::decode_policy_value;
    use serde_json::json;

    fn summary(document: serde_json::Value) -> (crate::snapshot::policy::PolicyDocument, Vec<String>) {
        (decode_policy_value(&document).unwrap(), Vec::new())
    }

    fn analyse(doc: &crate::snapshot::policy::PolicyDocument) -> PolicySetSummary<'_> {
        let mut cache = StatementReader::new(chrono::Utc::now());
        let mut unknown = Vec::new();
        PolicySetSummary::new(
            doc.statements
                .iter()
                .map(|s| analyse_statement(0, s, &mut cache, &mut unknown))
                .collect(),
        )
    }

    fn id(action: &str) -> usize {
        catalog().id(action).unwrap()
    }

    #[test]
    fn scoped_deny_does_not_cancel_allow_on_everything() {
        let (doc, _) = summary(json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secrets/*"}
        ]}));
        let summary = analyse(&doc);
        assert!(summary.everywhere_unconditional.is_full());
        let grant = summary.grant(id("s3:GetObject")).unwrap();
        assert_eq!(grant.resources, vec!["*"]);
    }

    #[test]
    fn deny_on_every_resource_of_the_actions_types_removes_it() {
        let (doc, _) = summary(json!({"Statement": [
            {"Effect": "Allow", "Action": ["iam:*", "ec2:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/*"},
            {"Effect": "Deny", "Action": "ec2:CreateLaunchTemplateVersion", "Resource": "arn:aws:ec2:*:*:launch-template/lt-*"},
            // Two statements that together name the action's three types: groups, roles, users.
            {"Effect": "Deny", "Action": "iam:SimulatePrincipalPolicy", "Resource": ["arn:aws:iam::*:group/*", "arn:aws:iam::*:role/*"]},
            {"Effect": "Deny", "Action": "iam:SimulatePrincipalPolicy", "Resource": "arn:aws:iam::*:user/*"},
            {"Effect": "Deny", "Action": "iam:GetContextKeysForPrincipalPolicy", "Resource": "arn:aws:iam::*:user/*"}
        ]}));
        let summary = analyse(&doc);
        assert!(summary.grant(id("iam:PassRole")).is_none());
        assert!(summary.grant(id("iam:CreateRole")).is_some());
        // Denied on the ids that start `lt-` only: other ARNs of the type stay allowed.
        let versions = summary.grant(id("ec2:CreateLaunchTemplateVersion")).unwrap();
        assert_eq!(versions.resources, vec!["*"]);
        assert!(summary.grant(id("iam:SimulatePrincipalPolicy")).is_none());
        // Denied on users only: its groups and roles stay allowed.
        assert!(summary.grant(id("iam:GetContextKeysForPrincipalPolicy")).is_some());
    }

    #[test]
    fn deny_on_everything_removes_the_action() {
        let (doc, _) = summary(json!({"Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}
        ]}));
        let summary = analyse(&doc);
        assert!(summary.grant(id("iam:PassRole")).is_none());
        assert!(summary.grant(id("iam:CreateRole")).is_some());
    }

    #[test]
    fn not_action_allows_everything_else() {
        let (doc, _) = summary(
            json!({"Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]}),
        );
        let summary = analyse(&doc);
        assert!(!summary.everywhere_unconditional.is_full());
        assert!(summary.grant(id("iam:PassRole")).is_none());
        assert!(summary.grant(id("ec2:RunInstances")).is_some());
    }

    #[test]
    fn deny_with_not_action_cuts_all_but_the_exceptions() {
        let (doc, _) = summary(json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "NotAction": ["s3:*"], "Resource": "*"}
        ]}));
        let summary = analyse(&doc);
        assert!(summary.grant(id("iam:PassRole")).is_none());
        assert!(summary.grant(id("s3:GetObject")).is_some());
    }

    #[test]
    fn conditions_make_grants_conditional() {
        let (doc, _) = summary(json!({"Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}
        ]}));
        let summary = analyse(&doc);
        assert!(!summary.everywhere_unconditional.contains(id("iam:PassRole")));
        assert!(summary.grant(id("iam:PassRole")).unwrap().conditional);
    }

    #[test]
    fn resource_types_limit_what_a_pattern_grants() {
        let (doc, _) = summary(json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": ["arn:aws:s3:::bucket", "arn:aws:iam::*:role/app-*"]}
        ]}));
        let summary = analyse(&doc);
        assert!(summary.grant(id("iam:CreatePolicyVersion")).is_none());
        assert!(summary.grant(id("iam:ListRoles")).is_none());
        assert_eq!(
            summary.grant(id("s3:ListBucket")).unwrap().resources,
            vec!["arn:aws:s3:::bucket"]
        );
        assert_eq!(
            summary.grant(id("iam:PassRole")).unwrap().resources,
            vec!["arn:aws:iam::*:role/app-*"]
        );
        let (everything, _) = summary_all();
        assert!(analyse(&everything).grant(id("iam:ListRoles")).is_some());
    }

    fn summary_all() -> (crate::snapshot::policy::PolicyDocument, Vec<String>) {
        summary(json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    }

    #[test]
    fn not_resource_deny_keeps_only_the_exceptions() {
        let (doc, _) = summary(json!({"Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::1:role/app-*"}
        ]}));
        let grant = analyse(&doc).grant(id("iam:PassRole")).unwrap();
        assert_eq!(grant.resources, vec!["arn:aws:iam::1:role/app-*"]);
        assert!(grant.covers("arn:aws:iam::1:role/app-web"));
        assert!(!grant.covers("arn:aws:iam::1:role/admin"));
    }
}
