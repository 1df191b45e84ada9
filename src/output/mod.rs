//! Renderers: they turn a finished [`crate::report::Report`] into bytes and never call AWS or
//! regorus. Files are written atomically (temp file in the same folder, then rename).

pub mod json_v1;
pub mod table;

use crate::report::Report;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Ndjson,
}

pub fn render(report: &Report<'_>, format: Format, colour: bool, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Table => out.write_all(table::render(report, colour).as_bytes()),
        Format::Json => json_v1::write(report, out),
        Format::Ndjson => json_v1::write_ndjson(report, out),
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
