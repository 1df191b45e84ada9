//! A Terraform plan in HashiCorp's JSON format (`terraform show -json tf.plan`) read as planned
//! changes: each managed `resource_changes[]` entry (in any module, with `count`/`for_each`
//! addresses) becomes its items before and after, with `after_unknown` kept as unknown and
//! unknown identifiers followed through the configuration's `references` to the planned
//! resource they name.

use super::attrs::{Attrs, Reference};
use super::terraform_map::{map_resource, Identity, MapContext};
use super::{account_id, arn_account, arn_region, invalid, Change, Placeholder, PlannedChanges};
use crate::error::InputError;
use crate::finding::PlannedOrigin;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Plans larger than this are refused before parsing (a plan of 10,000 resources is ~50 MB).
const MAX_PLAN_BYTES: u64 = 512 << 20;

/// One `resource_changes[]` entry, validated.
struct Entry<'p> {
    address: String,
    module: String,
    resource_type: String,
    name: String,
    index: Option<&'p Value>,
    actions: Vec<&'p str>,
    before: &'p Value,
    after: &'p Value,
    after_unknown: &'p Value,
}

/// What other resources of the plan see of a planned resource: its identifiers.
struct Target {
    identity: Identity,
}

/// The configuration of a plan: each resource's expressions and provider, by module path.
#[derive(Default)]
struct Configuration<'p> {
    resources: HashMap<(String, String), &'p Map<String, Value>>,
    providers: HashMap<(String, String), String>,
    regions: HashMap<String, String>,
    accounts: BTreeSet<String>,
}

pub fn read(path: &Path, default_account: Option<&str>, planned: &mut PlannedChanges) -> Result<(), InputError> {
    let plan = load(path)?;
    let entries = entries(path, &plan)?;
    let configuration = configuration(&plan);
    let account = plan_account(path, &entries, &configuration, default_account)?;
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let targets: HashMap<String, Target> = entries
        .iter()
        .map(|entry| {
            (
                entry.address.clone(),
                target(entry, &account, &region(entry, &configuration)),
            )
        })
        .collect();
    let instances = instances(&entries);
    for entry in &entries {
        let Some(action) = action(&entry.actions) else { continue };
        let region = region(entry, &configuration);
        let account = entry_account(entry).unwrap_or_else(|| account.clone());
        let identity = &targets[&entry.address].identity;
        let origin = Arc::new(PlannedOrigin {
            tool: "terraform",
            file: path.display().to_string(),
            address: entry.address.clone(),
            resource_type: entry.resource_type.clone(),
            action,
            line: line_of(&text, &entry.address),
        });
        let configured = configuration
            .resources
            .get(&(
                config_path(&entry.module),
                format!("{}.{}", entry.resource_type, entry.name),
            ))
            .copied();
        let resolve = |attr: &str, want: Reference| -> Vec<String> {
            resolve_reference(entry, configured, attr, want, &targets, &instances)
        };
        let label = origin.label();
        let context = MapContext {
            account: &account,
            region: &region,
            identity,
        };
        let empty = Value::Null;
        let before_attrs = Attrs::new(entry.before, &empty, None, &resolve, &label);
        let after_attrs = Attrs::new(entry.after, entry.after_unknown, configured, &resolve, &label);
        let before = if entry.before.is_object() {
            map_resource(&entry.resource_type, &before_attrs, &context)
        } else {
            Some(Vec::new())
        };
        let after = if entry.after.is_object() {
            map_resource(&entry.resource_type, &after_attrs, &context)
        } else {
            Some(Vec::new())
        };
        let (Some(before), Some(after)) = (before, after) else {
            planned.unmapped.insert(entry.resource_type.clone());
            continue;
        };
        planned.changes.push(Change {
            placeholder: identity.placeholder.clone(),
            origin,
            account,
            region,
            before,
            after,
            unknown: after_attrs.unknown_reads(),
        });
    }
    Ok(())
}

fn load(path: &Path) -> Result<Value, InputError> {
    let unreadable = |source| InputError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_PLAN_BYTES {
        return Err(invalid(
            path,
            "$",
            format!("the plan is {size} bytes, over the {MAX_PLAN_BYTES} limit"),
        ));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let plan: Value = serde_json::from_slice(&bytes).map_err(|error| InputError::at(path, "$".into(), &error))?;
    match plan.get("format_version") {
        Some(Value::String(version)) if version.starts_with("1.") || version.starts_with("0.") => Ok(plan),
        Some(other) => Err(invalid(
            path,
            "$.format_version",
            format!("unsupported plan format version {other}, this build reads 0.x and 1.x"),
        )),
        None => Err(invalid(
            path,
            "$.format_version",
            "missing; is this the output of `terraform show -json <saved plan>`?",
        )),
    }
}

/// The managed resource changes, each checked for the fields the reader needs.
fn entries<'p>(path: &Path, plan: &'p Value) -> Result<Vec<Entry<'p>>, InputError> {
    let changes = match plan.get("resource_changes") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(changes)) => changes,
        Some(_) => return Err(invalid(path, "$.resource_changes", "expected an array")),
    };
    let mut entries = Vec::with_capacity(changes.len());
    for (position, change) in changes.iter().enumerate() {
        let at = format!("$.resource_changes[{position}]");
        let text = |field: &str| -> Result<String, InputError> {
            change
                .get(field)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| invalid(path, format!("{at}.{field}"), "missing or not a string"))
        };
        if change.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let body = change
            .get("change")
            .filter(|c| c.is_object())
            .ok_or_else(|| invalid(path, format!("{at}.change"), "missing or not an object"))?;
        let actions = body
            .get("actions")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<&str>>>())
            .ok_or_else(|| {
                invalid(
                    path,
                    format!("{at}.change.actions"),
                    "missing or not an array of strings",
                )
            })?;
        if action(&actions).is_none() && !matches!(actions.as_slice(), ["no-op"] | ["read"] | ["forget"]) {
            return Err(invalid(
                path,
                format!("{at}.change.actions"),
                format!("unknown actions {actions:?}"),
            ));
        }
        let address = text("address")?;
        entries.push(Entry {
            module: change
                .get("module_address")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            resource_type: text("type")?,
            name: text("name")?,
            index: change.get("index"),
            address,
            actions,
            before: body.get("before").unwrap_or(&Value::Null),
            after: body.get("after").unwrap_or(&Value::Null),
            after_unknown: body.get("after_unknown").unwrap_or(&Value::Null),
        });
    }
    Ok(entries)
}

/// `create`, `update`, `delete` or `replace`; `None` for changes that change nothing deployed.
fn action(actions: &[&str]) -> Option<&'static str> {
    match actions {
        ["create"] => Some("create"),
        ["update"] => Some("update"),
        ["delete"] => Some("delete"),
        ["delete", "create"] | ["create", "delete"] => Some("replace"),
        _ => None,
    }
}

/// `module.a[0].module.b` → `module.a.module.b`: the configuration does not repeat instances.
fn config_path(module: &str) -> String {
    let mut path = String::with_capacity(module.len());
    let mut depth = 0usize;
    for c in module.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => path.push(c),
            _ => {}
        }
    }
    path
}

fn configuration(plan: &Value) -> Configuration<'_> {
    let mut configuration = Configuration::default();
    let Some(root) = plan.get("configuration") else {
        return configuration;
    };
    if let Some(providers) = root.get("provider_config").and_then(Value::as_object) {
        for (key, provider) in providers {
            let constant = |name: &str| provider.pointer(&format!("/expressions/{name}/constant_value"));
            if let Some(region) = constant("region").and_then(Value::as_str) {
                configuration.regions.insert(key.clone(), region.to_string());
            }
            let allowed = constant("allowed_account_ids").and_then(Value::as_array);
            for id in allowed.into_iter().flatten().filter_map(Value::as_str) {
                configuration.accounts.extend(account_id(id));
            }
        }
    }
    if let Some(module) = root.get("root_module") {
        walk_module(module, String::new(), &mut configuration);
    }
    configuration
}

fn walk_module<'p>(module: &'p Value, path: String, configuration: &mut Configuration<'p>) {
    for resource in module.get("resources").and_then(Value::as_array).into_iter().flatten() {
        let (Some(kind), Some(name)) = (
            resource.get("type").and_then(Value::as_str),
            resource.get("name").and_then(Value::as_str),
        ) else {
            continue;
        };
        let key = (path.clone(), format!("{kind}.{name}"));
        if let Some(expressions) = resource.get("expressions").and_then(Value::as_object) {
            configuration.resources.insert(key.clone(), expressions);
        }
        if let Some(provider) = resource.get("provider_config_key").and_then(Value::as_str) {
            configuration.providers.insert(key, provider.to_string());
        }
    }
    for (name, call) in module
        .get("module_calls")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(child) = call.get("module") {
            let child_path = if path.is_empty() {
                format!("module.{name}")
            } else {
                format!("{path}.module.{name}")
            };
            walk_module(child, child_path, configuration);
        }
    }
}

/// The account a value names: its ARN's, or its `owner_id`.
fn entry_account(entry: &Entry<'_>) -> Option<String> {
    [entry.after, entry.before].into_iter().find_map(|values| {
        let arn = values.get("arn").and_then(Value::as_str).and_then(arn_account);
        arn.or_else(|| values.get("owner_id").and_then(Value::as_str).and_then(account_id))
    })
}

/// The plan's account: the one its providers allow or its values name, else the default.
fn plan_account(
    path: &Path,
    entries: &[Entry<'_>],
    configuration: &Configuration<'_>,
    default: Option<&str>,
) -> Result<String, InputError> {
    let mut named = configuration.accounts.clone();
    if named.is_empty() {
        named.extend(entries.iter().filter_map(entry_account));
    }
    match (named.len(), default) {
        (1, _) => Ok(named.into_iter().next().unwrap_or_default()),
        (0, Some(account)) => Ok(account.to_string()),
        (0, None) => Err(invalid(
            path,
            "$.configuration.provider_config",
            "the plan names no AWS account; give --plan-account ID, or a base snapshot with one account",
        )),
        (_, Some(account)) if named.contains(account) => Ok(account.to_string()),
        _ => Err(invalid(
            path,
            "$.configuration.provider_config",
            format!(
                "the plan names several accounts ({}); give --plan-account ID for the resources that name none",
                named.into_iter().collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// The resource's region: its own `region` attribute, its ARN's, its zone's, its provider's.
fn region(entry: &Entry<'_>, configuration: &Configuration<'_>) -> String {
    let own = [entry.after, entry.before].into_iter().find_map(|values| {
        let field = |name: &str| values.get(name).and_then(Value::as_str);
        field("region")
            .map(str::to_string)
            .or_else(|| field("arn").and_then(arn_region))
            .or_else(|| field("availability_zone").map(|zone| zone.trim_end_matches(char::is_alphabetic).to_string()))
            .filter(|r| !r.is_empty())
    });
    own.or_else(|| {
        let key = (
            config_path(&entry.module),
            format!("{}.{}", entry.resource_type, entry.name),
        );
        let provider = configuration.providers.get(&key).map(String::as_str).unwrap_or("aws");
        let provider = provider.rsplit(':').next().unwrap_or(provider);
        configuration.regions.get(provider).cloned()
    })
    .unwrap_or_else(|| "us-east-1".to_string())
}

/// The identifiers a planned resource has, known or placeholders.
fn target(entry: &Entry<'_>, account: &str, region: &str) -> Target {
    let values = if entry.after.is_object() {
        entry.after
    } else {
        entry.before
    };
    let unknown = if entry.after.is_object() {
        entry.after_unknown
    } else {
        &Value::Null
    };
    let known = |name: &str| -> Option<String> {
        if unknown.get(name).is_some_and(|u| u != &Value::Bool(false)) {
            return None;
        }
        values
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let label = format!("terraform:{}", entry.address);
    let account = entry_account(entry).unwrap_or_else(|| account.to_string());
    Target {
        identity: Identity::of(&entry.resource_type, &label, (&account, region), &known),
    }
}

/// (module instance, `type.name`) → each instance's key and address.
type Instances<'p> = HashMap<(String, String), Vec<(Option<&'p Value>, String)>>;

/// Instance addresses of each resource block, by module instance and `type.name`.
fn instances<'p>(entries: &'p [Entry<'p>]) -> Instances<'p> {
    let mut instances = Instances::new();
    for entry in entries {
        instances
            .entry((entry.module.clone(), format!("{}.{}", entry.resource_type, entry.name)))
            .or_default()
            .push((entry.index, entry.address.clone()));
    }
    instances
}

/// A reference in an expression, as the configuration lists it.
enum Referent {
    /// `type.name`, with a literal instance key when written (`[0]`, `["a"]`).
    Resource { block: String, key: Option<String> },
    /// `each.key`, `count.index`: the instance of the referring resource.
    Instance,
    /// Variables, locals, module outputs, data sources: not a planned resource.
    Other,
}

fn referent(reference: &str) -> Referent {
    let first = reference.split(['.', '[']).next().unwrap_or_default();
    match first {
        "each" | "count" => return Referent::Instance,
        "var" | "local" | "module" | "data" | "path" | "terraform" | "self" => return Referent::Other,
        _ => {}
    }
    let Some(rest) = reference.strip_prefix(first).and_then(|r| r.strip_prefix('.')) else {
        return Referent::Other;
    };
    let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
    let name = &rest[..name_end];
    let key = rest[name_end..]
        .strip_prefix('[')
        .and_then(|k| k.split_once(']'))
        .map(|(k, _)| k.to_string())
        .filter(|k| k.parse::<i64>().is_ok() || k.starts_with('"'));
    Referent::Resource {
        block: format!("{first}.{name}"),
        key,
    }
}

/// The planned resources an unknown attribute refers to, or nothing when any of its
/// references is not a planned resource (then it stays unknown).
fn resolve_reference(
    entry: &Entry<'_>,
    configured: Option<&Map<String, Value>>,
    attr: &str,
    want: Reference,
    targets: &HashMap<String, Target>,
    instances: &Instances<'_>,
) -> Vec<String> {
    let Some(references) = configured
        .and_then(|c| expression(c, attr))
        .and_then(|e| e.get("references"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    for reference in references.iter().filter_map(Value::as_str) {
        let (block, key) = match referent(reference) {
            Referent::Instance => continue,
            Referent::Other => return Vec::new(),
            Referent::Resource { block, key } => (block, key),
        };
        let Some(candidates) = instances.get(&(entry.module.clone(), block.clone())) else {
            return Vec::new();
        };
        let own_key = entry.index.map(|i| i.to_string());
        let address = match (key, candidates.as_slice()) {
            (Some(key), _) => candidates
                .iter()
                .find(|(index, _)| index.map(|i| i.to_string()) == Some(key.clone()))
                .map(|(_, a)| a.clone()),
            (None, [(_, only)]) => Some(only.clone()),
            (None, _) => candidates
                .iter()
                .find(|(index, _)| own_key.is_some() && index.map(|i| i.to_string()) == own_key)
                .map(|(_, a)| a.clone()),
        };
        let Some(target) = address.and_then(|a| targets.get(&a)) else {
            return Vec::new();
        };
        let value = target.identity.wanted(want);
        if !found.contains(&value) {
            found.push(value);
        }
    }
    found
}

/// The expression of an attribute path (`route[0].gateway_id`): a block is followed only when
/// the configuration writes exactly one, since a planned set need not keep the written order.
fn expression<'c>(configured: &'c Map<String, Value>, path: &str) -> Option<&'c Value> {
    let mut current = configured;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let value = current.get(name)?;
        if segments.peek().is_none() {
            return Some(value);
        }
        current = match (value, index) {
            (Value::Array(blocks), Some(0)) if blocks.len() == 1 => blocks.first()?.as_object()?,
            _ => return None,
        };
    }
    None
}

/// The line of the entry's address in `resource_changes` (1-based), for code-scanning locations.
fn line_of(text: &str, address: &str) -> Option<usize> {
    let start = text.find("\"resource_changes\"")?;
    let quoted = serde_json::to_string(address).ok()?;
    let tail = &text[start..];
    let at = [format!("\"address\": {quoted}"), format!("\"address\":{quoted}")]
        .iter()
        .filter_map(|needle| tail.find(needle.as_str()))
        .min()?;
    Some(text[..start + at].matches('\n').count() + 1)
}

/// Placeholder identity of a resource without a known id: its AWS id prefix, then the label.
pub(crate) fn placeholder(prefix: &str, label: &str) -> Placeholder {
    Placeholder {
        id: if prefix.is_empty() {
            format!("({label})")
        } else {
            format!("{prefix}-({label})")
        },
        label: label.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_instances_share_one_configuration() {
        assert_eq!(config_path(r#"module.a["x"].module.b[0]"#), "module.a.module.b");
        assert_eq!(config_path(""), "");
    }

    #[test]
    fn references_name_resources_instances_or_something_else() {
        let resource = |reference: &str| match referent(reference) {
            Referent::Resource { block, key } => Some((block, key)),
            _ => None,
        };
        assert_eq!(resource("aws_iam_role.r.arn"), Some(("aws_iam_role.r".into(), None)));
        assert_eq!(
            resource("aws_iam_role.r[0].name"),
            Some(("aws_iam_role.r".into(), Some("0".into())))
        );
        assert_eq!(
            resource(r#"aws_security_group.sg["web"]"#),
            Some(("aws_security_group.sg".into(), Some("\"web\"".into())))
        );
        assert_eq!(
            resource("aws_security_group.sg[each.key].id"),
            Some(("aws_security_group.sg".into(), None))
        );
        assert!(matches!(referent("each.key"), Referent::Instance));
        assert!(matches!(referent("var.cidrs"), Referent::Other));
        assert!(matches!(referent("module.net.sg_id"), Referent::Other));
    }

    #[test]
    fn replace_in_either_order_is_a_replace() {
        assert_eq!(action(&["delete", "create"]), Some("replace"));
        assert_eq!(action(&["create", "delete"]), Some("replace"));
        assert_eq!(action(&["no-op"]), None);
    }
}
