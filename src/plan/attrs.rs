//! One planned resource's attributes as a mapping reads them: the planned values, the mask of
//! what is known only after apply (Terraform's `after_unknown`; the CloudFormation reader builds
//! the same mask for intrinsics it cannot resolve), and the references that name other planned
//! resources. Every read of an unknown value is recorded, so the facts it feeds are marked
//! incomplete instead of being judged on a guess.

use crate::snapshot::PolicySource;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Which identifier of a referenced resource an attribute wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    Id,
    Arn,
    Name,
}

/// Resolves an unknown attribute (by path: `route[0].gateway_id`) through the references it
/// was written with.
pub type Resolver<'a> = &'a dyn Fn(&str, Reference) -> Vec<String>;

pub struct Attrs<'a> {
    values: &'a Value,
    unknown: &'a Value,
    /// The attributes written in the configuration; an unknown one that is not written is a
    /// provider default computed at apply (a group's rules when separate resources hold them).
    configured: Option<&'a Map<String, Value>>,
    resolve: Resolver<'a>,
    prefix: String,
    /// Shared with nested blocks: every unknown attribute read, by path.
    reads: Rc<RefCell<Vec<String>>>,
    label: &'a str,
}

/// True when the mask marks the value, or any part of it, unknown.
fn any_unknown(mask: &Value) -> bool {
    match mask {
        Value::Bool(flag) => *flag,
        Value::Array(items) => items.iter().any(any_unknown),
        Value::Object(map) => map.values().any(any_unknown),
        _ => false,
    }
}

static NULL: Value = Value::Null;

/// How a reason says a value is not known yet, in the tool's own terms.
pub fn unknown_phrase(tool: &str) -> &'static str {
    if tool == "cloudformation" {
        "known only at deploy (not decided by the template)"
    } else {
        "known only after apply"
    }
}

impl<'a> Attrs<'a> {
    pub fn new(
        values: &'a Value,
        unknown: &'a Value,
        configured: Option<&'a Map<String, Value>>,
        resolve: Resolver<'a>,
        label: &'a str,
    ) -> Self {
        Attrs {
            values,
            unknown,
            configured,
            resolve,
            prefix: String::new(),
            reads: Rc::new(RefCell::new(Vec::new())),
            label,
        }
    }

    /// The attributes read that are known only after apply.
    pub fn unknown_reads(&self) -> Vec<String> {
        self.reads.borrow().clone()
    }

    fn record(&self, attr: &str) {
        let path = format!("{}{attr}", self.prefix);
        let mut reads = self.reads.borrow_mut();
        if !reads.contains(&path) {
            reads.push(path);
        }
    }

    fn mask(&self, attr: &str) -> &'a Value {
        match self.unknown {
            Value::Object(map) => map.get(attr).unwrap_or(&NULL),
            // A whole block unknown makes each of its attributes unknown.
            Value::Bool(true) => self.unknown,
            _ => &NULL,
        }
    }

    /// Whether the attribute (or part of it) is unknown and not a provider default.
    fn is_unknown(&self, attr: &str) -> bool {
        if !any_unknown(self.mask(attr)) {
            return false;
        }
        match self.configured {
            Some(configured) => configured.contains_key(attr),
            None => true,
        }
    }

    /// The known value of the attribute; `None` when absent, null or unknown (recorded).
    pub fn raw(&self, attr: &str) -> Option<&'a Value> {
        if self.is_unknown(attr) {
            self.record(attr);
            return None;
        }
        if any_unknown(self.mask(attr)) {
            // A provider default computed at apply: absent for the rules.
            return None;
        }
        self.values.get(attr).filter(|v| !v.is_null())
    }

    /// The known, non-empty string value of an attribute, without recording an unknown one
    /// (identifiers the reader replaces with a placeholder).
    pub fn peek(&self, attr: &str) -> Option<String> {
        if any_unknown(self.mask(attr)) {
            return None;
        }
        self.values
            .get(attr)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    pub fn string(&self, attr: &str) -> Option<String> {
        match self.raw(attr)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// A non-empty string.
    pub fn text(&self, attr: &str) -> Option<String> {
        self.string(attr).filter(|s| !s.is_empty())
    }

    pub fn boolean(&self, attr: &str) -> Option<bool> {
        match self.raw(attr)? {
            Value::Bool(flag) => Some(*flag),
            Value::String(text) => text.parse().ok(),
            _ => None,
        }
    }

    pub fn int(&self, attr: &str) -> Option<i32> {
        match self.raw(attr)? {
            Value::Number(number) => number.as_i64().and_then(|n| i32::try_from(n).ok()),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// A list of strings (a single string counts as one); known elements of a partly unknown
    /// list are kept and the list is recorded as unknown.
    pub fn strings(&self, attr: &str) -> Vec<String> {
        let mask = self.mask(attr);
        if self.is_unknown(attr) {
            self.record(attr);
        } else if any_unknown(mask) {
            return Vec::new();
        }
        let text = |v: &Value| v.as_str().map(str::to_string);
        match self.values.get(attr) {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter(|(index, _)| !mask.get(index).is_some_and(any_unknown))
                .filter_map(|(_, v)| text(v))
                .collect(),
            Some(Value::String(single)) if !single.is_empty() && !any_unknown(mask) => vec![single.clone()],
            _ => Vec::new(),
        }
    }

    /// An identifier of another resource: its known value, else the one planned resource its
    /// expression refers to; unknown (recorded) when neither.
    pub fn reference(&self, attr: &str, want: Reference) -> Option<String> {
        if !any_unknown(self.mask(attr)) {
            return self.string(attr).filter(|s| !s.is_empty());
        }
        let targets = (self.resolve)(&format!("{}{attr}", self.prefix), want);
        match targets.as_slice() {
            [one] => Some(one.clone()),
            _ => {
                self.raw(attr);
                None
            }
        }
    }

    /// A list of identifiers: known values, else the planned resources its expression refers to.
    pub fn references(&self, attr: &str, want: Reference) -> Vec<String> {
        if !any_unknown(self.mask(attr)) {
            return self.strings(attr);
        }
        let targets = (self.resolve)(&format!("{}{attr}", self.prefix), want);
        if targets.is_empty() {
            return self.strings(attr);
        }
        targets
    }

    /// A policy document given as JSON text or an object; an unknown one is unreadable, with
    /// the reason, so the verdicts that depend on it are not evaluated.
    pub fn policy(&self, attr: &str) -> Option<PolicySource> {
        if any_unknown(self.mask(attr)) {
            if !self.is_unknown(attr) {
                return None;
            }
            let tool = self.label.split(':').next().unwrap_or_default();
            return Some(PolicySource::failed(format!(
                "{}: {}{attr} is {}",
                self.label,
                self.prefix,
                unknown_phrase(tool)
            )));
        }
        let decoded = match self.values.get(attr)? {
            Value::String(text) if text.trim().is_empty() => return None,
            Value::String(text) => crate::snapshot::policy::decode_policy_text(text),
            Value::Null => return None,
            other => crate::snapshot::policy::decode_policy_value(other),
        };
        Some(match decoded {
            Ok(document) => PolicySource::decoded(document),
            Err(error) => PolicySource::failed(format!("{}: {}{attr}: {error}", self.label, self.prefix)),
        })
    }

    /// The nested blocks (or objects) of a list attribute, each with its own part of the mask.
    pub fn blocks(&self, attr: &str) -> Vec<Attrs<'a>> {
        let mask = self.mask(attr);
        if self.is_unknown(attr) && !mask.is_array() {
            self.record(attr);
            return Vec::new();
        }
        if any_unknown(mask) && !mask.is_array() {
            return Vec::new();
        }
        let items: Vec<&'a Value> = match self.values.get(attr) {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(object @ Value::Object(_)) => vec![object],
            _ => Vec::new(),
        };
        items
            .into_iter()
            .enumerate()
            .map(|(index, values)| Attrs {
                values,
                unknown: mask.get(index).unwrap_or(&NULL),
                configured: None,
                resolve: self.resolve,
                prefix: format!("{}{attr}[{index}].", self.prefix),
                reads: Rc::clone(&self.reads),
                label: self.label,
            })
            .collect()
    }

    /// A nested object attribute (`recording_group`, `Tags`), as its own reader.
    pub fn object(&self, attr: &str) -> Option<Attrs<'a>> {
        self.blocks(attr).into_iter().next()
    }

    /// The value of tag `key` in a Terraform `tags` map or a CloudFormation `Tags` list.
    pub fn tag(&self, key: &str) -> Option<String> {
        match self.values.get("tags").or_else(|| self.values.get("Tags"))? {
            Value::Object(map) => map.get(key).and_then(Value::as_str).map(str::to_string),
            Value::Array(items) => items
                .iter()
                .find(|t| t.get("Key").and_then(Value::as_str) == Some(key))
                .and_then(|t| t.get("Value"))
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        }
    }
}
