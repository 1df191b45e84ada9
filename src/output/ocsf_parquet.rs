//! `-f ocsf-parquet=DIR`: the OCSF events of a scan as Parquet files laid out as Amazon
//! Security Lake custom sources take them: one source per OCSF class, each file one class,
//! region, account and day, at `ext/<source>/region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/`.
//! Each file is new (`posture-<scan id>.parquet`); what is in the folder already stays.

use anyhow::Context;
use arrow_json::reader::{infer_json_schema_from_iterator, ReaderBuilder};
use parquet::arrow::ArrowWriter;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The Security Lake custom source of an OCSF class (names of at most 20 characters).
pub fn source_name(class_uid: u64) -> Option<&'static str> {
    match class_uid {
        2003 => Some("posture-compliance"),
        2004 => Some("posture-detection"),
        2008 => Some("posture-iam-analysis"),
        _ => None,
    }
}

/// The partition of one event: its source, region, account and day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Partition {
    source: &'static str,
    region: String,
    account: String,
    day: String,
}

impl Partition {
    fn of(event: &Value) -> anyhow::Result<Self> {
        let class_uid = event["class_uid"].as_u64().unwrap_or_default();
        let source =
            source_name(class_uid).with_context(|| format!("no Security Lake source for class {class_uid}"))?;
        let region = match event["cloud"]["region"].as_str() {
            // Global (IAM, account) findings go where ASFF puts them: Security Lake needs a region.
            Some("global") | Some("") | None => "us-east-1",
            Some(region) => region,
        };
        let time = event["time"].as_i64().unwrap_or_default();
        let day = chrono::DateTime::from_timestamp_millis(time)
            .with_context(|| format!("event time {time} out of range"))?
            .format("%Y%m%d")
            .to_string();
        Ok(Partition {
            source,
            region: region.to_string(),
            account: event["cloud"]["account"]["uid"]
                .as_str()
                .unwrap_or("unknown")
                .to_string(),
            day,
        })
    }

    fn folder(&self) -> PathBuf {
        Path::new("ext")
            .join(self.source)
            .join(format!("region={}", self.region))
            .join(format!("accountId={}", self.account))
            .join(format!("eventDay={}", self.day))
    }
}

/// `unmapped` holds each rule's own evidence, of a different shape per rule: as JSON text, one
/// column type fits them all (Security Lake's own sources keep `unmapped` as strings too).
fn flatten_unmapped(event: &mut Value) {
    if let Some(Value::Object(unmapped)) = event.get_mut("unmapped") {
        for value in unmapped.values_mut() {
            if !value.is_string() {
                *value = Value::String(value.to_string());
            }
        }
    }
}

/// Reads the OCSF JSON lines and writes one Parquet file per partition; returns the files.
pub fn write(folder: &Path, lines: File, scan_id: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut partitions: BTreeMap<Partition, Vec<Value>> = BTreeMap::new();
    for (number, line) in std::io::BufReader::new(lines).lines().enumerate() {
        let mut event: Value = serde_json::from_str(&line?).with_context(|| format!("OCSF line {}", number + 1))?;
        flatten_unmapped(&mut event);
        partitions.entry(Partition::of(&event)?).or_default().push(event);
    }
    // One schema per source, so that every file of a source reads as one table.
    let sources: BTreeSet<&'static str> = partitions.keys().map(|p| p.source).collect();
    let mut schemas = BTreeMap::new();
    for source in sources {
        let events = partitions
            .iter()
            .filter(|(p, _)| p.source == source)
            .flat_map(|(_, e)| e);
        schemas.insert(source, Arc::new(infer_json_schema_from_iterator(events.map(Ok))?));
    }
    let name = format!("posture-{scan_id}.parquet");
    let mut written = Vec::new();
    for (partition, events) in &partitions {
        let schema = schemas[partition.source].clone();
        let mut decoder = ReaderBuilder::new(schema.clone()).build_decoder()?;
        decoder.serialize(events)?;
        let batch = decoder.flush()?.context("no rows decoded")?;
        let relative = partition.folder().join(&name);
        written.push(crate::destination::add_file(
            folder,
            &relative.to_string_lossy(),
            |file| {
                let mut writer = ArrowWriter::try_new(file, schema, None)?;
                writer.write(&batch)?;
                writer.close()?;
                Ok(())
            },
        )?);
    }
    Ok(written)
}
