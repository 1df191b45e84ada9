//! Renderers: they turn a finished [`crate::report::Report`] into bytes and never call AWS or
//! regorus. Files are written atomically (temp file in the same folder, then rename).

pub mod asff;
pub mod csv;
pub mod diff;
pub mod html;
pub mod json_v1;
pub mod junit;
pub mod ocsf;
pub mod sarif;
pub mod table;

use crate::report::Report;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Ndjson,
    Ocsf,
    Asff,
    Sarif,
    Junit,
    Csv,
    Html,
}

/// One `-f FORMAT[=PATH]`: where a format goes (stdout without a path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatSpec {
    pub format: Format,
    pub path: Option<PathBuf>,
}

impl std::str::FromStr for FormatSpec {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let (name, path) = match text.split_once('=') {
            Some((name, "")) => return Err(format!("{name}= needs a path after '='")),
            Some((name, path)) => (name, Some(PathBuf::from(path))),
            None => (text, None),
        };
        let format = <Format as clap::ValueEnum>::from_str(name, true).map_err(|_| {
            format!("unknown format {name:?}; one of table, json, ndjson, ocsf, asff, sarif, junit, csv, html")
        })?;
        Ok(FormatSpec { format, path })
    }
}

/// Which OCSF class the `ocsf` format writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OcsfClass {
    /// Compliance Finding (class_uid 2003).
    #[default]
    Compliance,
    /// Detection Finding (class_uid 2004).
    Detection,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    pub colour: bool,
    pub ocsf_class: OcsfClass,
}

pub fn render(report: &Report<'_>, format: Format, options: RenderOptions, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Table => out.write_all(table::render(report, options.colour).as_bytes()),
        Format::Json => json_v1::write(report, out),
        Format::Ndjson => json_v1::write_ndjson(report, out),
        Format::Ocsf => ocsf::write(report, options.ocsf_class, out),
        Format::Asff => asff::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Csv => csv::write(report, out),
        Format::Html => html::write(report, out),
    }
}

/// Writes through a temp file in the target's folder and renames it into place.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temp = tempfile::NamedTempFile::new_in(folder)?;
    let mut buffered = std::io::BufWriter::new(temp);
    write(&mut buffered)?;
    let temp = buffered.into_inner().map_err(|error| error.into_error())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Milliseconds since the epoch of an RFC 3339 time (OCSF times); 0 when it cannot be read.
pub(crate) fn epoch_millis(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

/// Escapes text for XML and HTML attributes and character data (JUnit, HTML).
pub(crate) fn escape_markup(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}
