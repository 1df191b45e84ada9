//! A CloudFormation template (YAML with its short-form tags, or JSON) read as planned changes:
//! every resource is created as written, with intrinsic functions resolved where the template
//! decides them (`Ref`/`Fn::GetAtt` to its own resources, parameters with defaults, pseudo
//! parameters, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::FindInMap`, `Fn::If` on decided
//! conditions); anything else is unknown and marked so.

use super::attrs::Attrs;
use super::cloudformation_map::{identity, map_resource};
use super::{invalid, Change, PlannedChanges};
use crate::error::InputError;
use crate::finding::PlannedOrigin;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Templates are at most 1 MB (CloudFormation's own limit for S3-hosted templates).
const MAX_TEMPLATE_BYTES: u64 = 1 << 20;

pub use super::terraform_map::Identity;

pub fn read(path: &Path, account: Option<&str>, region: &str, planned: &mut PlannedChanges) -> Result<(), InputError> {
    let text = load(path)?;
    let template = parse(path, &text)?;
    let resources = template.get("Resources").and_then(Value::as_object).ok_or_else(|| {
        invalid(
            path,
            "$.Resources",
            "missing or not an object; is this a CloudFormation template?",
        )
    })?;
    let account = account.ok_or_else(|| {
        invalid(
            path,
            "$",
            "a template names no account; give --cfn-account ID, or a base snapshot with one account",
        )
    })?;
    let mut identities = HashMap::new();
    for (logical_id, resource) in resources {
        let resource_type = resource_type(path, logical_id, resource)?;
        let label = format!("cloudformation:{logical_id}");
        let props = resource.get("Properties").cloned().unwrap_or(Value::Object(Map::new()));
        identities.insert(logical_id.clone(), (resource_type.to_string(), label, props));
    }
    let context = Context::new(&template, account, region, &identities);
    let has_delivery_channel = identities.values().any(|(t, _, _)| t == "AWS::Config::DeliveryChannel");
    for (logical_id, resource) in resources {
        let (resource_type, label, props) = &identities[logical_id];
        let (values, mask) = context.resolve(props);
        let mut unknown_condition = None;
        if let Some(condition) = resource.get("Condition").and_then(Value::as_str) {
            match context.condition(condition) {
                Some(false) => continue,
                Some(true) => {}
                None => unknown_condition = Some(format!("Condition {condition}")),
            }
        }
        let resolve = |_: &str, _: super::Reference| Vec::new();
        let at = Attrs::new(&values, &mask, None, &resolve, label);
        let identity = context.identity(logical_id);
        let Some(items) = map_resource(resource_type, &at, &identity, (account, region), has_delivery_channel) else {
            planned.unmapped.insert(resource_type.clone());
            continue;
        };
        let mut unknown = at.unknown_reads();
        unknown.extend(unknown_condition);
        planned.changes.push(Change {
            origin: Arc::new(PlannedOrigin {
                tool: "cloudformation",
                file: path.display().to_string(),
                address: logical_id.clone(),
                resource_type: resource_type.clone(),
                action: "create",
                line: line_of(&text, logical_id),
            }),
            account: account.to_string(),
            region: region.to_string(),
            before: Vec::new(),
            after: items,
            unknown,
            placeholder: identity.placeholder.clone(),
        });
    }
    Ok(())
}

fn load(path: &Path) -> Result<String, InputError> {
    let unreadable = |source| InputError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_TEMPLATE_BYTES {
        return Err(invalid(
            path,
            "$",
            format!("the template is {size} bytes, over the {MAX_TEMPLATE_BYTES} limit"),
        ));
    }
    std::fs::read_to_string(path).map_err(unreadable)
}

/// JSON when it starts with `{`, else YAML with the short-form tags turned into their long form.
fn parse(path: &Path, text: &str) -> Result<Value, InputError> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|error| InputError::at(path, "$".into(), &error));
    }
    let yaml: yaml_serde::Value = yaml_serde::from_str(text).map_err(|error| {
        let place = error
            .location()
            .map(|l| format!("line {} column {}", l.line(), l.column()))
            .unwrap_or_else(|| "$".into());
        invalid(path, place, error.to_string())
    })?;
    from_yaml(path, yaml, 0)
}

/// A YAML value as JSON; `!Ref x` becomes `{"Ref": x}`, `!GetAtt a.b` `{"Fn::GetAtt": [a, b]}`,
/// any other `!Name v` `{"Fn::Name": v}`.
fn from_yaml(path: &Path, value: yaml_serde::Value, depth: usize) -> Result<Value, InputError> {
    use yaml_serde::Value as Y;
    if depth > 64 {
        return Err(invalid(path, "$", "nested deeper than 64 levels"));
    }
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(flag) => Value::Bool(flag),
        Y::Number(number) => serde_json::from_str(&number.to_string()).unwrap_or(Value::Null),
        Y::String(text) => Value::String(text),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(|item| from_yaml(path, item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, item) in mapping {
                let key = match key {
                    Y::String(text) => text,
                    Y::Number(number) => number.to_string(),
                    Y::Bool(flag) => flag.to_string(),
                    other => {
                        return Err(invalid(
                            path,
                            "$",
                            format!("a mapping key must be a scalar, found {other:?}"),
                        ))
                    }
                };
                object.insert(key, from_yaml(path, item, depth + 1)?);
            }
            Value::Object(object)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!').to_string();
            let inner = from_yaml(path, tagged.value, depth + 1)?;
            let inner = match (name.as_str(), inner) {
                ("GetAtt", Value::String(text)) => match text.split_once('.') {
                    Some((resource, attribute)) => Value::Array(vec![resource.into(), attribute.into()]),
                    None => Value::String(text),
                },
                (_, inner) => inner,
            };
            let key = if name == "Ref" || name == "Condition" {
                name
            } else {
                format!("Fn::{name}")
            };
            Value::Object(Map::from_iter([(key, inner)]))
        }
    })
}

fn resource_type<'t>(path: &Path, logical_id: &str, resource: &'t Value) -> Result<&'t str, InputError> {
    resource.get("Type").and_then(Value::as_str).ok_or_else(|| {
        invalid(
            path,
            format!("$.Resources.{logical_id}.Type"),
            "missing or not a string",
        )
    })
}

/// The line of a logical id under `Resources` (1-based), for code-scanning locations: a key
/// at the indentation of the section's first entry (deeper keys are properties).
fn line_of(text: &str, logical_id: &str) -> Option<usize> {
    let mut lines = text.lines().enumerate();
    let (resources_line, _) = lines.find(|(_, line)| {
        let trimmed = line.trim_start();
        trimmed.starts_with("Resources:") || trimmed.starts_with("\"Resources\"")
    })?;
    let mut child_indent = None;
    for (number, line) in text.lines().enumerate().skip(resources_line + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        match child_indent {
            None => child_indent = Some(indent),
            Some(child) if indent < child => return None,
            Some(child) if indent > child => continue,
            Some(_) => {}
        }
        let key = trimmed.trim_start_matches(['"', '\'']);
        let rest = key
            .strip_prefix(logical_id)
            .map(|r| r.trim_start_matches(['"', '\'']).trim_start());
        if rest.is_some_and(|r| r.starts_with(':')) {
            return Some(number + 1);
        }
    }
    None
}

/// What intrinsic functions may read: parameters, mappings, conditions, the other resources.
struct Context<'t> {
    parameters: HashMap<String, Option<Value>>,
    mappings: Option<&'t Map<String, Value>>,
    conditions: Option<&'t Map<String, Value>>,
    account: &'t str,
    region: &'t str,
    identities: HashMap<String, (String, Identity)>,
    properties: HashMap<String, &'t Value>,
}

impl<'t> Context<'t> {
    fn new(
        template: &'t Value,
        account: &'t str,
        region: &'t str,
        resources: &'t HashMap<String, (String, String, Value)>,
    ) -> Self {
        let parameters = template
            .get("Parameters")
            .and_then(Value::as_object)
            .map(|params| {
                params
                    .iter()
                    .map(|(name, p)| (name.clone(), p.get("Default").cloned()))
                    .collect()
            })
            .unwrap_or_default();
        let mut context = Context {
            parameters,
            mappings: template.get("Mappings").and_then(Value::as_object),
            conditions: template.get("Conditions").and_then(Value::as_object),
            account,
            region,
            identities: HashMap::new(),
            properties: resources
                .iter()
                .map(|(id, (_, _, props))| (id.clone(), props))
                .collect(),
        };
        // Identities read resolved names (`RoleName: !Sub ...`), so they come after the context.
        let identities = resources
            .iter()
            .map(|(id, (kind, label, props))| {
                let (values, mask) = context.resolve(props);
                (
                    id.clone(),
                    (kind.clone(), identity(kind, label, &values, &mask, account, region)),
                )
            })
            .collect();
        context.identities = identities;
        context
    }

    fn identity(&self, logical_id: &str) -> Identity {
        self.identities[logical_id].1.clone()
    }

    /// The value with every intrinsic it can decide resolved, and the mask of what it cannot.
    fn resolve(&self, value: &Value) -> (Value, Value) {
        self.resolve_at(value, 0)
    }

    fn resolve_at(&self, value: &Value, depth: usize) -> (Value, Value) {
        if depth > 64 {
            return (Value::Null, Value::Bool(true));
        }
        match value {
            Value::Object(map) if map.len() == 1 && is_intrinsic(map) => match self.intrinsic(map, depth) {
                Some(resolved) => self.resolve_at(&resolved, depth + 1),
                None => (Value::Null, Value::Bool(true)),
            },
            Value::Object(map) => {
                let mut values = Map::new();
                let mut masks = Map::new();
                for (key, item) in map {
                    let (v, m) = self.resolve_at(item, depth + 1);
                    if v == Value::String(NO_VALUE.into()) {
                        continue;
                    }
                    if m != Value::Bool(false) {
                        masks.insert(key.clone(), m);
                    }
                    values.insert(key.clone(), v);
                }
                let mask = if masks.is_empty() {
                    Value::Bool(false)
                } else {
                    Value::Object(masks)
                };
                (Value::Object(values), mask)
            }
            Value::Array(items) => {
                let resolved: Vec<(Value, Value)> = items
                    .iter()
                    .map(|item| self.resolve_at(item, depth + 1))
                    .filter(|(v, _)| *v != Value::String(NO_VALUE.into()))
                    .collect();
                let any = resolved.iter().any(|(_, m)| *m != Value::Bool(false));
                let (values, masks): (Vec<Value>, Vec<Value>) = resolved.into_iter().unzip();
                let mask = if any { Value::Array(masks) } else { Value::Bool(false) };
                (Value::Array(values), mask)
            }
            other => (other.clone(), Value::Bool(false)),
        }
    }

    /// One intrinsic function, one step: `None` when the template does not decide it.
    fn intrinsic(&self, map: &Map<String, Value>, depth: usize) -> Option<Value> {
        let (name, argument) = map.iter().next()?;
        let known = |v: &Value| -> Option<Value> {
            let (value, mask) = self.resolve_at(v, depth + 1);
            (mask == Value::Bool(false)).then_some(value)
        };
        match name.as_str() {
            "Ref" => self.reference(argument.as_str()?),
            "Fn::GetAtt" => {
                let (resource, attribute) = match argument {
                    Value::Array(parts) => (
                        parts.first()?.as_str()?.to_string(),
                        known(parts.get(1)?)?.as_str()?.to_string(),
                    ),
                    Value::String(text) => {
                        let (r, a) = text.split_once('.')?;
                        (r.to_string(), a.to_string())
                    }
                    _ => return None,
                };
                self.attribute(&resource, &attribute)
            }
            "Fn::Sub" => self.substitute(argument, depth),
            "Fn::Join" => {
                let parts = argument.as_array()?;
                let delimiter = known(parts.first()?)?;
                let list = known(parts.get(1)?)?;
                let texts: Option<Vec<String>> = list.as_array()?.iter().map(scalar_text).collect();
                Some(Value::String(texts?.join(delimiter.as_str()?)))
            }
            "Fn::Select" => {
                let parts = argument.as_array()?;
                let index = scalar_text(&known(parts.first()?)?)?.parse::<usize>().ok()?;
                known(parts.get(1)?)?.as_array()?.get(index).cloned()
            }
            "Fn::Split" => {
                let parts = argument.as_array()?;
                let delimiter = known(parts.first()?)?;
                let text = known(parts.get(1)?)?;
                Some(Value::Array(
                    text.as_str()?
                        .split(delimiter.as_str()?)
                        .map(|s| Value::String(s.into()))
                        .collect(),
                ))
            }
            "Fn::FindInMap" => {
                let parts = argument.as_array()?;
                let keys: Option<Vec<String>> = parts
                    .iter()
                    .take(3)
                    .map(|p| known(p).and_then(|k| scalar_text(&k)))
                    .collect();
                let keys = keys?;
                self.mappings?
                    .get(keys.first()?)?
                    .get(keys.get(1)?)?
                    .get(keys.get(2)?)
                    .cloned()
            }
            "Fn::If" => {
                let parts = argument.as_array()?;
                let branch = if self.condition(parts.first()?.as_str()?)? {
                    parts.get(1)?
                } else {
                    parts.get(2)?
                };
                Some(branch.clone())
            }
            "Fn::ToJsonString" => known(argument).map(|v| Value::String(v.to_string())),
            // GetAZs, ImportValue, Cidr, Base64, Transform, Length...: decided at deploy time.
            _ => None,
        }
    }

    fn reference(&self, name: &str) -> Option<Value> {
        let text = |t: &str| Some(Value::String(t.to_string()));
        match name {
            "AWS::AccountId" => text(self.account),
            "AWS::Region" => text(self.region),
            "AWS::Partition" => text("aws"),
            "AWS::URLSuffix" => text("amazonaws.com"),
            "AWS::NoValue" => text(NO_VALUE),
            _ => match self.parameters.get(name) {
                Some(default) => default.clone(),
                None => self
                    .identities
                    .get(name)
                    .map(|(_, identity)| Value::String(identity.id.clone())),
            },
        }
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Option<Value> {
        let (_, identity) = self.identities.get(resource)?;
        match attribute {
            "Arn" => Some(Value::String(identity.arn.clone())),
            "GroupId" | "Id" | "VpcId" | "SubnetId" | "RouteTableId" | "DetectorId" => {
                Some(Value::String(identity.id.clone()))
            }
            // Attributes that echo a property (`CidrBlock` of a VPC) are as written.
            other => {
                let property = self.properties.get(resource)?.get(other)?;
                let (value, mask) = self.resolve_at(property, 1);
                (mask == Value::Bool(false)).then_some(value)
            }
        }
    }

    /// `Fn::Sub`: `${Name}`, `${Resource.Attribute}` and the variables given; `${!x}` is literal.
    fn substitute(&self, argument: &Value, depth: usize) -> Option<Value> {
        let (template, variables) = match argument {
            Value::String(text) => (text.as_str(), None),
            Value::Array(parts) => (parts.first()?.as_str()?, parts.get(1).and_then(Value::as_object)),
            _ => return None,
        };
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}')? + start;
            let name = &rest[start + 2..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match variables.and_then(|v| v.get(name)) {
                    Some(variable) => {
                        let (value, mask) = self.resolve_at(variable, depth + 1);
                        (mask == Value::Bool(false)).then_some(value)
                    }
                    None => match name.split_once('.') {
                        Some((resource, attribute)) => self.attribute(resource, attribute),
                        None => self.reference(name),
                    },
                };
                out.push_str(&scalar_text(&value?)?);
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Some(Value::String(out))
    }

    /// A condition of the template, when its operands are decided.
    fn condition(&self, name: &str) -> Option<bool> {
        self.decide(self.conditions?.get(name)?, 0)
    }

    fn decide(&self, value: &Value, depth: usize) -> Option<bool> {
        if depth > 32 {
            return None;
        }
        let map = value.as_object()?;
        let (name, argument) = map.iter().next()?;
        let list = argument.as_array();
        match name.as_str() {
            "Condition" => self.decide(self.conditions?.get(argument.as_str()?)?, depth + 1),
            "Fn::Equals" => {
                let list = list?;
                let (a, ma) = self.resolve_at(list.first()?, depth + 1);
                let (b, mb) = self.resolve_at(list.get(1)?, depth + 1);
                (ma == Value::Bool(false) && mb == Value::Bool(false)).then(|| scalar_text(&a) == scalar_text(&b))
            }
            "Fn::Not" => self.decide(list?.first()?, depth + 1).map(|b| !b),
            "Fn::And" => list?
                .iter()
                .map(|c| self.decide(c, depth + 1))
                .collect::<Option<Vec<_>>>()
                .map(|v| v.iter().all(|b| *b)),
            "Fn::Or" => list?
                .iter()
                .map(|c| self.decide(c, depth + 1))
                .collect::<Option<Vec<_>>>()
                .map(|v| v.iter().any(|b| *b)),
            _ => None,
        }
    }
}

/// `AWS::NoValue`: the property is left out.
const NO_VALUE: &str = "\u{0}posture:no-value";

fn is_intrinsic(map: &Map<String, Value>) -> bool {
    map.keys().next().is_some_and(|k| k == "Ref" || k.starts_with("Fn::"))
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  Env: {Type: String, Default: ci}
  Secret: {Type: String}
Mappings:
  Ports: {ci: {admin: 22}}
Conditions:
  IsCi: !Equals [!Ref Env, ci]
  IsSecret: !Equals [!Ref Secret, x]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${Env}-role"
  Probe:
    Type: AWS::SNS::Topic
    Properties:
      Sub: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}-${!Literal}"
      Arn: !GetAtt Role.Arn
      Join: !Join ["-", [a, !Ref Env, !Select [1, [x, y]]]]
      Port: !FindInMap [Ports, !Ref Env, admin]
      Chosen: !If [IsCi, yes, no]
      Unknown: !If [IsSecret, yes, no]
      Zones: !GetAZs ""
      Partly: [known, !Ref Secret]
      Dropped: !Ref AWS::NoValue
"#;

    fn probe() -> (Value, Value) {
        let template = parse(Path::new("t.yaml"), TEMPLATE).unwrap();
        let resources = template["Resources"].as_object().unwrap();
        let identities: HashMap<String, (String, String, Value)> = resources
            .iter()
            .map(|(id, r)| {
                let kind = r["Type"].as_str().unwrap().to_string();
                (
                    id.clone(),
                    (kind, format!("cloudformation:{id}"), r["Properties"].clone()),
                )
            })
            .collect();
        let context = Context::new(&template, "111122223333", "eu-west-1", &identities);
        context.resolve(&template["Resources"]["Probe"]["Properties"])
    }

    #[test]
    fn intrinsics_the_template_decides_are_resolved() {
        let (values, mask) = probe();
        assert_eq!(values["Sub"], "arn:aws:iam::111122223333:role/ci-role-${Literal}");
        assert_eq!(values["Arn"], "arn:aws:iam::111122223333:role/ci-role");
        assert_eq!(values["Join"], "a-ci-y");
        assert_eq!(values["Port"], 22);
        assert_eq!(values["Chosen"], "yes");
        assert!(values.get("Dropped").is_none(), "AWS::NoValue removes the property");
        for known in ["Sub", "Arn", "Join", "Port", "Chosen"] {
            assert!(mask.get(known).is_none(), "{known} is known: {mask}");
        }
    }

    #[test]
    fn intrinsics_decided_at_deploy_stay_unknown() {
        let (_, mask) = probe();
        assert_eq!(mask["Unknown"], Value::Bool(true));
        assert_eq!(mask["Zones"], Value::Bool(true));
        assert_eq!(mask["Partly"], serde_json::json!([false, true]));
    }

    #[test]
    fn resources_are_found_on_their_line() {
        assert_eq!(line_of(TEMPLATE, "Role"), Some(11));
        assert_eq!(line_of(TEMPLATE, "Probe"), Some(15));
        assert_eq!(line_of(TEMPLATE, "RoleName"), None, "a property is not a resource");
        assert_eq!(line_of("{\n \"Resources\": {\n  \"A\": {}\n }\n}", "A"), Some(3));
    }
}
