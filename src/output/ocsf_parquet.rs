//! `-f ocsf-parquet=DIR`: the OCSF events of a scan as Parquet files laid out as Amazon
//! Security Lake custom sources take them: one source per OCSF class, each file one class,
//! region, account and day, at `ext/<source>/region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/`.
//! Each file is new (`posture-<scan id>.parquet`); what is in the folder already stays.
//!
//! Streamed: the spooled OCSF lines are split by source into temporary files (one pass), each
//! source's schema is inferred from its file (a second pass), and its rows are written (a third)
//! with only the current account's files open, so memory follows one account, not the scan.

use crate::destination::NewFile;
use anyhow::Context;
use arrow_json::reader::{infer_json_schema_from_iterator, Decoder, ReaderBuilder};
use arrow_schema::{ArrowError, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::path::Path;
use std::sync::Arc;

/// Rows decoded at a time, and rows per row group: bounds what one open file holds in memory.
const BATCH_ROWS: usize = 4096;
const ROW_GROUP_ROWS: usize = 65_536;

/// The Security Lake custom source of an OCSF class (names of at most 20 characters).
pub fn source_name(class_uid: u64) -> Option<&'static str> {
    match class_uid {
        2003 => Some("posture-compliance"),
        2004 => Some("posture-detection"),
        2008 => Some("posture-iam-analysis"),
        _ => None,
    }
}

/// Where one event goes within its source: region, account and day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
struct Partition {
    region: String,
    account: String,
    day: String,
}

impl Partition {
    fn of(event: &Value) -> anyhow::Result<Self> {
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
        let account = event["cloud"]["account"]["uid"].as_str().unwrap_or("unknown");
        Ok(Partition {
            region: region.to_string(),
            account: account.to_string(),
            day,
        })
    }

    fn file_name(&self, source: &str, scan_id: &str, again: usize) -> String {
        let name = match again {
            0 => format!("posture-{scan_id}.parquet"),
            n => format!("posture-{scan_id}-{n}.parquet"),
        };
        format!(
            "ext/{source}/region={}/accountId={}/eventDay={}/{name}",
            self.region, self.account, self.day
        )
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

/// Reads the OCSF JSON lines and writes one Parquet file per source and partition; returns the
/// number of files written.
pub fn write(folder: &Path, lines: File, scan_id: &str) -> anyhow::Result<usize> {
    let mut written = 0;
    for (source, file) in split_by_source(lines)? {
        let schema = infer_schema(&file).with_context(|| format!("inferring the schema of {source}"))?;
        written += write_source(folder, source, file, schema, scan_id)?;
    }
    Ok(written)
}

/// One temporary file per source, each line `<partition as JSON>\t<event as JSON>`: serde_json
/// escapes tabs inside strings, so the first raw tab ends the partition.
fn split_by_source(lines: File) -> anyhow::Result<BTreeMap<&'static str, File>> {
    let mut sources: BTreeMap<&'static str, BufWriter<File>> = BTreeMap::new();
    for (number, line) in BufReader::with_capacity(1 << 20, lines).lines().enumerate() {
        let line = line?;
        let mut event: Value = serde_json::from_str(&line).with_context(|| format!("OCSF line {}", number + 1))?;
        let class_uid = event["class_uid"].as_u64().unwrap_or_default();
        let source =
            source_name(class_uid).with_context(|| format!("no Security Lake source for class {class_uid}"))?;
        let partition = Partition::of(&event)?;
        flatten_unmapped(&mut event);
        let out = match sources.entry(source) {
            std::collections::btree_map::Entry::Occupied(out) => out.into_mut(),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(BufWriter::with_capacity(1 << 20, tempfile::tempfile()?))
            }
        };
        serde_json::to_writer(&mut *out, &partition)?;
        out.write_all(b"\t")?;
        serde_json::to_writer(&mut *out, &event)?;
        out.write_all(b"\n")?;
    }
    let mut split = BTreeMap::new();
    for (source, out) in sources {
        let mut file = out.into_inner().map_err(|error| error.into_error())?;
        file.rewind()?;
        split.insert(source, file);
    }
    Ok(split)
}

/// A line of a source file: its partition and the event's JSON text.
fn parse_line(line: &str) -> anyhow::Result<(Partition, &str)> {
    let (partition, event) = line.split_once('\t').context("a spooled line without its partition")?;
    Ok((serde_json::from_str(partition)?, event))
}

/// One schema per source, inferred from all its events, so that every file of a source reads
/// as one table.
fn infer_schema(file: &File) -> anyhow::Result<SchemaRef> {
    let mut reader = BufReader::with_capacity(1 << 20, file.try_clone()?);
    reader.rewind()?;
    let events = reader.lines().map(|line| {
        let line = line.map_err(ArrowError::from)?;
        let (_, event) = parse_line(&line).map_err(|error| ArrowError::ExternalError(error.into()))?;
        serde_json::from_str::<Value>(event).map_err(|error| ArrowError::JsonError(error.to_string()))
    });
    Ok(Arc::new(infer_json_schema_from_iterator(events)?))
}

/// A Parquet file being written: rows decode into batches, batches into row groups.
struct OpenFile {
    file: NewFile,
    decoder: Decoder,
    writer: ArrowWriter<File>,
}

impl OpenFile {
    fn new(folder: &Path, name: &str, schema: &SchemaRef) -> anyhow::Result<Self> {
        let file = NewFile::create(folder, name)?;
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = ArrowWriter::try_new(file.handle()?, schema.clone(), Some(properties))?;
        let decoder = ReaderBuilder::new(schema.clone())
            .with_batch_size(BATCH_ROWS)
            .build_decoder()?;
        Ok(OpenFile { file, decoder, writer })
    }

    fn add(&mut self, event: &str) -> anyhow::Result<()> {
        let mut rest = event.as_bytes();
        while !rest.is_empty() {
            let taken = self.decoder.decode(rest)?;
            rest = &rest[taken..];
            if self.decoder.len() >= BATCH_ROWS {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        if let Some(batch) = self.decoder.flush()? {
            self.writer.write(&batch)?;
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.flush()?;
        self.writer.close()?;
        self.file.persist()?;
        Ok(())
    }
}

/// Writes one source's rows. The OCSF lines come account by account, so a file is closed when
/// its account's lines end; a partition met again later gets a numbered file of its own.
fn write_source(
    folder: &Path,
    source: &str,
    mut file: File,
    schema: SchemaRef,
    scan_id: &str,
) -> anyhow::Result<usize> {
    // The schema was inferred through a handle sharing this file's offset.
    file.rewind()?;
    let mut open: HashMap<Partition, OpenFile> = HashMap::new();
    let mut done: HashMap<Partition, usize> = HashMap::new();
    let mut account: Option<String> = None;
    let mut written = 0;
    let mut finish_all = |open: &mut HashMap<Partition, OpenFile>, done: &mut HashMap<Partition, usize>| {
        for (partition, file) in open.drain() {
            file.finish()?;
            *done.entry(partition).or_default() += 1;
            written += 1;
        }
        anyhow::Ok(())
    };
    for line in BufReader::with_capacity(1 << 20, file).lines() {
        let line = line?;
        let (partition, event) = parse_line(&line)?;
        if account.as_deref() != Some(partition.account.as_str()) {
            finish_all(&mut open, &mut done)?;
            account = Some(partition.account.clone());
        }
        let target = match open.entry(partition) {
            std::collections::hash_map::Entry::Occupied(target) => target.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let again = done.get(slot.key()).copied().unwrap_or(0);
                let name = slot.key().file_name(source, scan_id, again);
                slot.insert(OpenFile::new(folder, &name, &schema)?)
            }
        };
        target.add(event)?;
    }
    finish_all(&mut open, &mut done)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use std::collections::HashSet;

    /// The folders of the partitions written: what a test or a crawler would list.
    fn partitions_in(folder: &Path) -> HashSet<String> {
        let mut found = HashSet::new();
        let mut folders = vec![folder.to_path_buf()];
        while let Some(dir) = folders.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if let Ok(relative) = path.strip_prefix(folder) {
                    found.insert(relative.to_string_lossy().to_string());
                }
            }
        }
        found
    }

    fn event(class_uid: u64, account: &str, region: &str, evidence: Value) -> String {
        serde_json::json!({
            "class_uid": class_uid,
            "time": 1_764_633_600_000_i64,
            "cloud": {"region": region, "account": {"uid": account}},
            "unmapped": {"evidence": evidence},
        })
        .to_string()
    }

    fn spool(lines: &[String]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        for line in lines {
            writeln!(file, "{line}").unwrap();
        }
        file.rewind().unwrap();
        file
    }

    fn rows(path: &Path) -> i64 {
        SerializedFileReader::new(File::open(path).unwrap())
            .unwrap()
            .metadata()
            .file_metadata()
            .num_rows()
    }

    #[test]
    fn each_account_region_and_source_gets_its_file_and_a_partition_met_again_a_numbered_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines = Vec::new();
        for n in 0..(BATCH_ROWS + 10) {
            lines.push(event(2003, "111111111111", "eu-west-1", serde_json::json!({"n": n})));
        }
        lines.push(event(2003, "111111111111", "global", serde_json::json!("text")));
        lines.push(event(
            2008,
            "111111111111",
            "global",
            serde_json::json!({"path": [1, 2]}),
        ));
        lines.push(event(2003, "222222222222", "eu-west-1", serde_json::json!(null)));
        // The first account again, after another: a numbered file, never a replaced one.
        lines.push(event(
            2003,
            "111111111111",
            "eu-west-1",
            serde_json::json!({"late": true}),
        ));
        let written = write(dir.path(), spool(&lines), "scan-1").unwrap();
        assert_eq!(written, 5);
        let day = "eventDay=20251202";
        let compliance = "ext/posture-compliance";
        let expected: HashSet<String> = [
            format!("{compliance}/region=eu-west-1/accountId=111111111111/{day}/posture-scan-1.parquet"),
            format!("{compliance}/region=eu-west-1/accountId=111111111111/{day}/posture-scan-1-1.parquet"),
            format!("{compliance}/region=us-east-1/accountId=111111111111/{day}/posture-scan-1.parquet"),
            format!("{compliance}/region=eu-west-1/accountId=222222222222/{day}/posture-scan-1.parquet"),
            format!("ext/posture-iam-analysis/region=us-east-1/accountId=111111111111/{day}/posture-scan-1.parquet"),
        ]
        .into();
        assert_eq!(partitions_in(dir.path()), expected);
        let first = dir.path().join(format!(
            "{compliance}/region=eu-west-1/accountId=111111111111/{day}/posture-scan-1.parquet"
        ));
        assert_eq!(rows(&first), (BATCH_ROWS + 10) as i64);
    }

    #[test]
    fn a_class_without_a_source_or_a_broken_line_is_an_error_and_adds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let unknown = write(dir.path(), spool(&[event(9999, "1", "eu-west-1", Value::Null)]), "s");
        assert!(unknown
            .unwrap_err()
            .to_string()
            .contains("no Security Lake source for class 9999"));
        let broken = write(dir.path(), spool(&["{not json".to_string()]), "s");
        assert!(broken.unwrap_err().to_string().contains("OCSF line 1"));
        assert!(partitions_in(dir.path()).is_empty());
    }
}
