//! Saved snapshots read as a stream: an outline first (a pass that builds only the account ids
//! and regions, to check duplicates and name the scope before any work), then one account at a
//! time, so that memory holds the accounts being evaluated and never the whole organisation.
//! Errors name the file and the JSON path, as a whole-file read does.

use crate::error::InputError;
use crate::snapshot::{AccountSnapshot, CoverageGap, OrganizationSnapshot, SCHEMA_VERSION};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::io::BufReader;
use std::path::Path;

const FIELDS: &[&str] = &["schema_version", "generated_at", "source", "accounts", "organization"];

/// What a snapshot holds, without its data.
#[derive(Debug, Default)]
pub struct SnapshotOutline {
    schema_version: Option<serde_json::Value>,
    pub generated_at: Option<String>,
    pub accounts: Vec<AccountOutline>,
    /// Small beside the accounts, and needed by every one of them: read with the outline.
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

fn unreadable(path: &Path, source: std::io::Error) -> InputError {
    InputError::Unreadable {
        path: path.to_path_buf(),
        source,
    }
}

fn reader(path: &Path) -> Result<BufReader<std::fs::File>, InputError> {
    let file = std::fs::File::open(path).map_err(|source| unreadable(path, source))?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// Reads the outline; a file that is not a valid snapshot gets the error a full read gives.
pub fn outline(path: &Path) -> Result<SnapshotOutline, InputError> {
    let mut pieces = OutlinePieces::default();
    let split = super::split::split(reader(path)?, &mut pieces);
    match (split, pieces.failed, pieces.outline) {
        (Err(super::split::Split::Io(source)), ..) => Err(unreadable(path, source)),
        (Ok(()), false, outline)
            if outline.schema_version.as_ref().and_then(|v| v.as_str()) == Some(SCHEMA_VERSION) =>
        {
            Ok(outline)
        }
        _ => Err(validation_error(path)),
    }
}

/// The outline, field by field and account by account as the file is split.
#[derive(Default)]
struct OutlinePieces {
    outline: SnapshotOutline,
    seen: Vec<String>,
    failed: bool,
}

impl super::split::Pieces for OutlinePieces {
    fn field(&mut self, name: &str, json: Vec<u8>) -> bool {
        let read = match name {
            _ if self.seen.iter().any(|seen| seen == name) => false,
            "schema_version" => serde_json::from_slice(&json)
                .map(|v| self.outline.schema_version = v)
                .is_ok(),
            "generated_at" => serde_json::from_slice(&json)
                .map(|v| self.outline.generated_at = v)
                .is_ok(),
            "organization" => serde_json::from_slice(&json)
                .map(|v| self.outline.organization = v)
                .is_ok(),
            "source" => serde_json::from_slice::<IgnoredAny>(&json).is_ok(),
            _ => false,
        };
        self.seen.push(name.to_string());
        self.failed |= !read;
        read
    }

    fn account(&mut self, json: Vec<u8>) -> bool {
        match serde_json::from_slice(&json) {
            Ok(account) => self.outline.accounts.push(account),
            Err(_) => self.failed = true,
        }
        !self.failed
    }
}

/// Hands every account of the file, sorted within, to `each`, in file order; stops early when
/// `each` returns false.
pub fn stream_accounts(path: &Path, each: &mut dyn FnMut(AccountSnapshot) -> bool) -> Result<(), InputError> {
    stream(path, each)
}

/// Hands every account of the file, as its JSON text, to `each`, in file order: the reader
/// only splits the file, and whoever takes an account parses it ([`RawAccount::parse`]), so
/// that parsing runs on the workers and an unchanged account need not be parsed at all.
pub fn stream_raw_accounts(path: &Path, each: &mut dyn FnMut(RawAccount) -> bool) -> Result<(), InputError> {
    stream(path, each)
}

fn stream<T: Streamed>(path: &Path, each: &mut dyn FnMut(T) -> bool) -> Result<(), InputError> {
    let mut pieces = StreamPieces { each, failed: false };
    let split = super::split::split(reader(path)?, &mut pieces);
    match (split, pieces.failed) {
        (Err(super::split::Split::Io(source)), _) => Err(unreadable(path, source)),
        (Ok(()), false) => Ok(()),
        _ => Err(validation_error(path)),
    }
}

struct StreamPieces<'f, T> {
    each: &'f mut dyn FnMut(T) -> bool,
    failed: bool,
}

impl<T: Streamed> super::split::Pieces for StreamPieces<'_, T> {
    fn field(&mut self, name: &str, _json: Vec<u8>) -> bool {
        // The outline has read the other fields; a name it does not know is an error here too.
        self.failed |= !FIELDS.contains(&name);
        !self.failed
    }

    fn account(&mut self, json: Vec<u8>) -> bool {
        match T::from_json(json) {
            Some(account) => (self.each)(account),
            None => {
                self.failed = true;
                false
            }
        }
    }
}

/// What a stream hands on: an account, from its JSON text (`None` when that is not one).
trait Streamed: Sized {
    fn from_json(json: Vec<u8>) -> Option<Self>;
}

impl Streamed for AccountSnapshot {
    fn from_json(json: Vec<u8>) -> Option<Self> {
        let mut account: AccountSnapshot = serde_json::from_slice(&json).ok()?;
        account.sort();
        Some(account)
    }
}

/// One account of a snapshot file as its JSON text (valid UTF-8, not yet parsed), parsed
/// when needed.
pub struct RawAccount(String);

impl Streamed for RawAccount {
    fn from_json(json: Vec<u8>) -> Option<Self> {
        String::from_utf8(json).ok().map(RawAccount)
    }
}

/// What the reuse of an account's results needs of it before parsing it: its id and gaps.
#[derive(Deserialize)]
pub struct AccountHead {
    pub account_id: String,
    #[serde(default)]
    pub coverage_gaps: Vec<CoverageGap>,
}

/// The parts of an account that its share of the cross-account first pass is computed from
/// (src/facts/mod.rs `cross_account_entry`: its IAM data and, through its workloads, each
/// region's Lambda, network and workloads sections), as the file has them.
#[derive(Deserialize)]
pub struct FirstPassParts<'a> {
    pub account_id: String,
    #[serde(default, borrow)]
    pub iam: Option<&'a serde_json::value::RawValue>,
    #[serde(default, borrow)]
    pub regions: Vec<RegionParts<'a>>,
}

#[derive(Deserialize)]
pub struct RegionParts<'a> {
    pub region: String,
    #[serde(default, borrow)]
    pub lambda: Option<&'a serde_json::value::RawValue>,
    #[serde(default, borrow)]
    pub network: Option<&'a serde_json::value::RawValue>,
    #[serde(default, borrow)]
    pub workloads: Option<&'a serde_json::value::RawValue>,
}

impl RawAccount {
    /// The account's JSON exactly as the file has it.
    pub fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The id and gaps; `path` (the file) names the place of an error.
    pub fn head(&self, path: &Path) -> Result<AccountHead, InputError> {
        serde_json::from_str(&self.0).map_err(|_| validation_error(path))
    }

    /// What the account's first-pass entry is computed from, unparsed.
    pub fn first_pass_parts(&self, path: &Path) -> Result<FirstPassParts<'_>, InputError> {
        serde_json::from_str(&self.0).map_err(|_| validation_error(path))
    }

    /// The account, sorted within; an error names the file and the JSON path, as a read of
    /// the whole file does.
    pub fn parse(&self, path: &Path) -> Result<AccountSnapshot, InputError> {
        let mut account: AccountSnapshot = serde_json::from_str(&self.0).map_err(|_| validation_error(path))?;
        account.sort();
        Ok(account)
    }
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

/// The whole file read with serde, to name the place of an error (see [`validation_error`]).
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
