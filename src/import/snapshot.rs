//! Saved snapshots read as a stream: an outline first (a pass that builds only the account ids
//! and regions, to check duplicates and name the scope before any work), then one account at a
//! time, so that memory holds the accounts being evaluated and never the whole organisation.
//! Errors name the file and the JSON path, as a whole-file read does.

use crate::error::InputError;
use crate::snapshot::{AccountSnapshot, OrganizationSnapshot, SCHEMA_VERSION};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::io::BufReader;
use std::path::Path;

const FIELDS: &[&str] = &["schema_version", "generated_at", "source", "accounts", "organization"];

/// What a snapshot holds, without its data.
#[derive(Debug, Deserialize)]
pub struct SnapshotOutline {
    schema_version: Option<serde_json::Value>,
    #[serde(default)]
    pub generated_at: Option<String>,
    #[serde(default)]
    pub accounts: Vec<AccountOutline>,
    /// Small beside the accounts, and needed by every one of them: read with the outline.
    #[serde(default)]
    pub organization: Option<OrganizationSnapshot>,
}

#[derive(Debug, Deserialize)]
pub struct AccountOutline {
    pub account_id: String,
    #[serde(default)]
    regions: Vec<RegionOutline>,
}

#[derive(Debug, Deserialize)]
struct RegionOutline {
    region: String,
}

impl AccountOutline {
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.regions.iter().map(|r| r.region.as_str())
    }
}

fn reader(path: &Path) -> Result<BufReader<std::fs::File>, InputError> {
    let file = std::fs::File::open(path).map_err(|source| InputError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// Reads the outline; a file that is not a valid snapshot gets the error a full read gives.
pub fn outline(path: &Path) -> Result<SnapshotOutline, InputError> {
    let outline = serde_json::from_reader::<_, SnapshotOutline>(reader(path)?);
    match outline {
        Ok(outline) if outline.schema_version.as_ref().and_then(|v| v.as_str()) == Some(SCHEMA_VERSION) => Ok(outline),
        _ => Err(validation_error(path)),
    }
}

/// Hands every account of the file, sorted within, to `each`, in file order; stops early when
/// `each` returns false.
pub fn stream_accounts(path: &Path, each: &mut dyn FnMut(AccountSnapshot) -> bool) -> Result<(), InputError> {
    let mut deserializer = serde_json::Deserializer::from_reader(reader(path)?);
    let streamed = (&mut deserializer)
        .deserialize_map(SnapshotVisitor { each })
        .and_then(|()| deserializer.end());
    streamed.map_err(|_| validation_error(path))
}

/// Reads the file again, tracking the JSON path, to say where it is wrong.
fn validation_error(path: &Path) -> InputError {
    let probe = match reader(path) {
        Ok(reader) => serde_json::from_reader::<_, VersionProbe>(reader),
        Err(error) => return error,
    };
    if let Ok(probe) = probe {
        if let Err(error) = check_version(probe.schema_version.as_ref(), path) {
            return error;
        }
    }
    let mut deserializer = match reader(path) {
        Ok(reader) => serde_json::Deserializer::from_reader(reader),
        Err(error) => return error,
    };
    let mut discard = |_account: AccountSnapshot| true;
    let mut track = serde_path_to_error::Track::new();
    let result = serde_path_to_error::Deserializer::new(&mut deserializer, &mut track)
        .deserialize_map(SnapshotVisitor { each: &mut discard })
        .and_then(|()| deserializer.end());
    match result {
        Err(error) => InputError::at(path, track.path().to_string(), &error),
        Ok(()) => InputError::Invalid {
            path: path.to_path_buf(),
            json_path: "$".into(),
            message: "not a posture snapshot".into(),
        },
    }
}

#[derive(Deserialize)]
struct VersionProbe {
    schema_version: Option<serde_json::Value>,
}

fn check_version(version: Option<&serde_json::Value>, path: &Path) -> Result<(), InputError> {
    match version {
        Some(serde_json::Value::String(version)) if version == SCHEMA_VERSION => Ok(()),
        Some(other) => Err(InputError::Invalid {
            path: path.to_path_buf(),
            json_path: "schema_version".into(),
            message: format!("unsupported snapshot schema version {other}, this build reads \"{SCHEMA_VERSION}\""),
        }),
        None => Err(InputError::Invalid {
            path: path.to_path_buf(),
            json_path: "schema_version".into(),
            message: "missing; is this a posture snapshot? (use --gaad for an IAM authorization dump)".into(),
        }),
    }
}

struct SnapshotVisitor<'f> {
    each: &'f mut dyn FnMut(AccountSnapshot) -> bool,
}

impl<'de> Visitor<'de> for SnapshotVisitor<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a posture snapshot object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "accounts" => map.next_value_seed(AccountsSeed { each: &mut *self.each })?,
                // Read (and checked, with its JSON path) by the outline; parsed again here only to
                // name the place of an error.
                "organization" => {
                    map.next_value::<OrganizationSnapshot>()?;
                }
                "schema_version" | "generated_at" | "source" => {
                    map.next_value::<IgnoredAny>()?;
                }
                other => return Err(serde::de::Error::unknown_field(other, FIELDS)),
            }
        }
        Ok(())
    }
}

struct AccountsSeed<'f> {
    each: &'f mut dyn FnMut(AccountSnapshot) -> bool,
}

impl<'de> DeserializeSeed<'de> for AccountsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for AccountsSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a list of accounts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(mut account) = seq.next_element::<AccountSnapshot>()? {
            account.sort();
            if !(self.each)(account) {
                // The consumer stopped (an error elsewhere): skip the rest without building it.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                break;
            }
        }
        Ok(())
    }
}
