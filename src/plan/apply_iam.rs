//! Planned IAM items applied to the IAM section: principals and managed policies replaced or
//! merged (an update keeps what separate resources attach to them), and the parts (inline
//! policies, attachments, memberships, instance profiles) put on or taken off their owner.

use super::items::{Item, PrincipalKind};
use crate::snapshot::{IamSection, InlinePolicy};

/// The inline and attached policies of the principal `kind`/`name`.
fn owner<'a>(
    iam: &'a mut IamSection,
    kind: PrincipalKind,
    name: &str,
) -> Option<(&'a mut Vec<InlinePolicy>, &'a mut Vec<String>)> {
    match kind {
        PrincipalKind::User => iam
            .users
            .iter_mut()
            .find(|u| u.name == name)
            .map(|u| (&mut u.inline_policies, &mut u.attached_policies)),
        PrincipalKind::Group => iam
            .groups
            .iter_mut()
            .find(|g| g.name == name)
            .map(|g| (&mut g.inline_policies, &mut g.attached_policies)),
        PrincipalKind::Role => iam
            .roles
            .iter_mut()
            .find(|r| r.name == name)
            .map(|r| (&mut r.inline_policies, &mut r.attached_policies)),
    }
}

pub fn remove(iam: &mut IamSection, item: &Item) {
    match item {
        Item::Role(role) => iam.roles.retain(|r| r.arn != role.arn),
        Item::User(user) => iam.users.retain(|u| u.arn != user.arn),
        Item::Group(group) => {
            iam.groups.retain(|g| g.arn != group.arn);
            for user in &mut iam.users {
                user.groups.retain(|g| *g != group.name);
            }
        }
        Item::ManagedPolicy(policy) => iam.policies.retain(|p| p.arn != policy.arn),
        Item::InlinePolicy {
            kind,
            owner: name,
            policy,
        } => {
            if let Some((inline, _)) = owner(iam, *kind, name) {
                inline.retain(|p| p.name != policy.name);
            }
        }
        Item::Attachment {
            kind,
            owner: name,
            policy_arn,
        } => {
            if let Some((_, attached)) = owner(iam, *kind, name) {
                attached.retain(|a| a != policy_arn);
            }
        }
        Item::Membership { user, group } => {
            if let Some(user) = iam.users.iter_mut().find(|u| u.name == *user) {
                user.groups.retain(|g| g != group);
            }
        }
        Item::InstanceProfile { arn, .. } => {
            for role in &mut iam.roles {
                role.instance_profiles.retain(|p| p != arn);
            }
        }
        _ => {}
    }
}

/// Adds the item; an update of a deployed principal keeps what other resources attach to it.
pub fn add(iam: &mut IamSection, item: &Item) -> bool {
    match item {
        Item::Role(role) => {
            let mut role = role.clone();
            if let Some(old) = iam.roles.iter().find(|r| r.arn == role.arn) {
                keep_if_empty(&mut role.inline_policies, &old.inline_policies);
                keep_if_empty(&mut role.attached_policies, &old.attached_policies);
                role.instance_profiles = old.instance_profiles.clone();
            }
            iam.roles.retain(|r| r.arn != role.arn);
            iam.roles.push(role);
        }
        Item::User(user) => {
            let mut user = user.clone();
            if let Some(old) = iam.users.iter().find(|u| u.arn == user.arn) {
                user.inline_policies = old.inline_policies.clone();
                user.attached_policies = old.attached_policies.clone();
                user.groups = old.groups.clone();
                user.create_date = old.create_date.clone();
            }
            iam.users.retain(|u| u.arn != user.arn);
            iam.users.push(user);
        }
        Item::Group(group) => {
            let mut group = group.clone();
            if let Some(old) = iam.groups.iter().find(|g| g.arn == group.arn) {
                group.inline_policies = old.inline_policies.clone();
                group.attached_policies = old.attached_policies.clone();
            }
            iam.groups.retain(|g| g.arn != group.arn);
            iam.groups.push(group);
        }
        Item::ManagedPolicy(policy) => {
            iam.policies.retain(|p| p.arn != policy.arn);
            iam.policies.push(policy.clone());
        }
        part => return add_part(iam, part),
    }
    true
}

fn add_part(iam: &mut IamSection, item: &Item) -> bool {
    match item {
        Item::InlinePolicy {
            kind,
            owner: name,
            policy,
        } => match owner(iam, *kind, name) {
            Some((inline, _)) => {
                inline.retain(|p| p.name != policy.name);
                inline.push(policy.clone());
                true
            }
            None => false,
        },
        Item::Attachment {
            kind,
            owner: name,
            policy_arn,
        } => match owner(iam, *kind, name) {
            Some((_, attached)) => {
                push_unique(attached, policy_arn);
                true
            }
            None => false,
        },
        Item::Membership { user, group } => match iam.users.iter_mut().find(|u| u.name == *user) {
            Some(user) => {
                push_unique(&mut user.groups, group);
                true
            }
            None => false,
        },
        Item::InstanceProfile { arn, role } => {
            let Some(role) = role else { return true };
            match iam.roles.iter_mut().find(|r| r.name == *role) {
                Some(role) => {
                    push_unique(&mut role.instance_profiles, arn);
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

fn keep_if_empty<T: Clone>(new: &mut Vec<T>, old: &[T]) {
    if new.is_empty() {
        *new = old.to_vec();
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}
