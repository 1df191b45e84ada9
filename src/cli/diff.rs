//! `posture diff OLD.json NEW.json`.

use super::args::{DiffArgs, DiffFormat};
use crate::gate::{self, Outcome};
use crate::output::diff::Diff;
use crate::report::v1::RecordedReport;
use std::io::Write;

pub(super) fn diff(args: DiffArgs) -> anyhow::Result<u8> {
    let old = RecordedReport::load(&args.old)?;
    let new = RecordedReport::load(&args.new)?;
    let diff = Diff::of(&old, &new);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        DiffFormat::Table => out.write_all(diff.table().as_bytes())?,
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &diff)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(gate::decide(Outcome::Done).code)
}
