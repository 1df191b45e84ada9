//! IAM-style policy documents, normalised: `Statement`, `Action`, `Resource` and every
//! `Principal` entry are always arrays, whatever shape the source used.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Condition block: operator → key → values (values always arrays).
pub type ConditionBlock = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// A decoded policy document (identity, resource, trust or endpoint policy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
pub struct PolicyDocument {
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "Statement", default)]
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Effect {
    Allow,
    Deny,
}

/// One statement; exactly one of `Action`/`NotAction` and of `Resource`/`NotResource` is
/// normally present (trust policies have neither resource field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Statement {
    #[serde(rename = "Sid", default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Action", default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Vec<String>>,
    #[serde(rename = "NotAction", default, skip_serializing_if = "Option::is_none")]
    pub not_action: Option<Vec<String>>,
    #[serde(rename = "Resource", default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Vec<String>>,
    #[serde(rename = "NotResource", default, skip_serializing_if = "Option::is_none")]
    pub not_resource: Option<Vec<String>>,
    #[serde(rename = "Principal", default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<BTreeMap<String, Vec<String>>>,
    #[serde(rename = "NotPrincipal", default, skip_serializing_if = "Option::is_none")]
    pub not_principal: Option<BTreeMap<String, Vec<String>>>,
    /// Condition block as written: operator → key → values (values always arrays).
    #[serde(rename = "Condition", default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<ConditionBlock>,
}

impl Statement {
    pub fn has_condition(&self) -> bool {
        self.condition.as_ref().is_some_and(|c| !c.is_empty())
    }
}

/// Why a policy document could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyDecodeError {
    #[error("policy document is not valid JSON: {0}")]
    NotJson(String),
    #[error("policy document is not percent-decodable UTF-8")]
    BadPercentEncoding,
    #[error("policy document {path}: {reason}")]
    Shape { path: String, reason: String },
}

/// Decodes a policy document given as a JSON object, a JSON string, or a percent-encoded
/// JSON string (GAAD returns all three, depending on the API and the emulator).
pub fn decode_policy_value(raw: &Value) -> Result<PolicyDocument, PolicyDecodeError> {
    match raw {
        Value::Object(_) => normalise_document(raw),
        Value::String(text) => decode_policy_text(text),
        other => Err(PolicyDecodeError::Shape {
            path: "$".into(),
            reason: format!("expected an object or a string, found {}", json_kind(other)),
        }),
    }
}

/// Decodes a policy document from text, raw JSON or percent-encoded JSON.
pub fn decode_policy_text(text: &str) -> Result<PolicyDocument, PolicyDecodeError> {
    let trimmed = text.trim_start();
    let json_text = if trimmed.starts_with('{') {
        std::borrow::Cow::Borrowed(text)
    } else {
        percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .map_err(|_| PolicyDecodeError::BadPercentEncoding)?
    };
    let value: Value =
        serde_json::from_str(&json_text).map_err(|error| PolicyDecodeError::NotJson(error.to_string()))?;
    normalise_document(&value)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn shape(path: impl Into<String>, reason: impl Into<String>) -> PolicyDecodeError {
    PolicyDecodeError::Shape {
        path: path.into(),
        reason: reason.into(),
    }
}

/// Turns any AWS-accepted policy JSON into the normalised [`PolicyDocument`].
pub fn normalise_document(value: &Value) -> Result<PolicyDocument, PolicyDecodeError> {
    let object = value
        .as_object()
        .ok_or_else(|| shape("$", format!("expected an object, found {}", json_kind(value))))?;
    let version = match object.get("Version") {
        None | Some(Value::Null) => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(other) => {
            return Err(shape(
                "$.Version",
                format!("expected a string, found {}", json_kind(other)),
            ))
        }
    };
    let statements = match object.get("Statement") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| normalise_statement(item, &format!("$.Statement[{index}]")))
            .collect::<Result<_, _>>()?,
        Some(single @ Value::Object(_)) => vec![normalise_statement(single, "$.Statement")?],
        Some(other) => {
            return Err(shape(
                "$.Statement",
                format!("expected an array or an object, found {}", json_kind(other)),
            ))
        }
    };
    Ok(PolicyDocument { version, statements })
}

fn normalise_statement(value: &Value, path: &str) -> Result<Statement, PolicyDecodeError> {
    let object = value
        .as_object()
        .ok_or_else(|| shape(path, format!("expected an object, found {}", json_kind(value))))?;
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => {
            return Err(shape(
                format!("{path}.Effect"),
                format!("must be Allow or Deny, found {other:?}"),
            ))
        }
        None => return Err(shape(format!("{path}.Effect"), "is missing or not a string")),
    };
    let sid = match object.get("Sid") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    Ok(Statement {
        sid,
        effect,
        action: string_list(object.get("Action"), &format!("{path}.Action"))?,
        not_action: string_list(object.get("NotAction"), &format!("{path}.NotAction"))?,
        resource: string_list(object.get("Resource"), &format!("{path}.Resource"))?,
        not_resource: string_list(object.get("NotResource"), &format!("{path}.NotResource"))?,
        principal: principal_map(object.get("Principal"), &format!("{path}.Principal"))?,
        not_principal: principal_map(object.get("NotPrincipal"), &format!("{path}.NotPrincipal"))?,
        condition: condition_map(object.get("Condition"), &format!("{path}.Condition"))?,
    })
}

fn string_list(value: Option<&Value>, path: &str) -> Result<Option<Vec<String>>, PolicyDecodeError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(shape(
                    format!("{path}[{index}]"),
                    format!("expected a string, found {}", json_kind(other)),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(shape(
            path,
            format!("expected a string or an array, found {}", json_kind(other)),
        )),
    }
}

/// `"*"` means every AWS principal; it is stored as `{"AWS": ["*"]}`.
fn principal_map(
    value: Option<&Value>,
    path: &str,
) -> Result<Option<BTreeMap<String, Vec<String>>>, PolicyDecodeError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s == "*" => Ok(Some(BTreeMap::from([("AWS".to_string(), vec!["*".to_string()])]))),
        Some(Value::String(s)) => Err(shape(
            path,
            format!("a bare string principal must be \"*\", found {s:?}"),
        )),
        Some(Value::Object(entries)) => {
            let mut map = BTreeMap::new();
            for (kind, ids) in entries {
                let ids = string_list(Some(ids), &format!("{path}.{kind}"))?.unwrap_or_default();
                map.insert(kind.clone(), ids);
            }
            Ok(Some(map))
        }
        Some(other) => Err(shape(
            path,
            format!("expected \"*\" or an object, found {}", json_kind(other)),
        )),
    }
}

/// Condition values may be strings, numbers or booleans; they are kept as strings.
fn condition_map(value: Option<&Value>, path: &str) -> Result<Option<ConditionBlock>, PolicyDecodeError> {
    let Some(value) = value else { return Ok(None) };
    if value.is_null() {
        return Ok(None);
    }
    let operators = value
        .as_object()
        .ok_or_else(|| shape(path, format!("expected an object, found {}", json_kind(value))))?;
    let mut result = BTreeMap::new();
    for (operator, keys) in operators {
        let keys_object = keys.as_object().ok_or_else(|| {
            shape(
                format!("{path}.{operator}"),
                format!("expected an object, found {}", json_kind(keys)),
            )
        })?;
        let mut key_map = BTreeMap::new();
        for (key, values) in keys_object {
            let list = match values {
                Value::Array(items) => items.iter().map(scalar_text).collect::<Option<Vec<_>>>(),
                scalar => scalar_text(scalar).map(|s| vec![s]),
            }
            .ok_or_else(|| {
                shape(
                    format!("{path}.{operator}.{key}"),
                    "values must be strings, numbers or booleans",
                )
            })?;
            key_map.insert(key.clone(), list);
        }
        result.insert(operator.clone(), key_map);
    }
    Ok(Some(result))
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_become_arrays() {
        let doc = decode_policy_value(&json!({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"}
        }))
        .unwrap();
        let statement = &doc.statements[0];
        assert_eq!(statement.action.as_deref(), Some(&["s3:GetObject".to_string()][..]));
        assert_eq!(statement.resource.as_deref(), Some(&["*".to_string()][..]));
        assert_eq!(statement.principal.as_ref().unwrap()["AWS"], vec!["*".to_string()]);
    }

    #[test]
    fn percent_encoded_and_string_forms_decode_the_same() {
        let raw = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*"],"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":false}}}]}"#;
        let encoded: String =
            percent_encoding::utf8_percent_encode(raw, percent_encoding::NON_ALPHANUMERIC).to_string();
        let from_string = decode_policy_value(&Value::String(raw.into())).unwrap();
        let from_encoded = decode_policy_value(&Value::String(encoded)).unwrap();
        assert_eq!(from_string, from_encoded);
        let condition = from_string.statements[0].condition.as_ref().unwrap();
        assert_eq!(
            condition["Bool"]["aws:MultiFactorAuthPresent"],
            vec!["false".to_string()]
        );
    }

    #[test]
    fn bad_effect_names_the_path() {
        let error = decode_policy_value(&json!({"Statement": [{"Effect": "Maybe", "Action": "*"}]})).unwrap_err();
        assert_eq!(
            error.to_string(),
            "policy document $.Statement[0].Effect: must be Allow or Deny, found \"Maybe\""
        );
    }

    #[test]
    fn truncated_json_is_reported_not_panicked() {
        let error = decode_policy_text("%7B%22Statement%22%3A").unwrap_err();
        assert!(matches!(error, PolicyDecodeError::NotJson(_)), "{error:?}");
    }
}

/// A policy document as collected: decoded, or the reason it could not be.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<PolicyDocument>,
    /// Set when the document could not be decoded; `document` is then absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<String>,
}

impl PolicySource {
    pub fn decoded(document: PolicyDocument) -> Self {
        Self {
            document: Some(document),
            decode_error: None,
        }
    }
    pub fn failed(error: impl ToString) -> Self {
        Self {
            document: None,
            decode_error: Some(error.to_string()),
        }
    }
}
