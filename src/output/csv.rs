//! CSV, one row per finding, for spreadsheets. Quoting is the `csv` crate's (RFC 4180); a cell
//! that a spreadsheet would run as a formula is neutralised.

use super::spool::{FindingFormat, StatusCounts};
use crate::finding::Finding;
use crate::report::Summary;

pub const COLUMNS: [&str; 16] = [
    "id",
    "rule_id",
    "severity",
    "status",
    "pillar",
    "title",
    "account",
    "region",
    "resource_arn",
    "resource_type",
    "resource_name",
    "message",
    "compliance",
    "remediation",
    "suppression_reason",
    "baseline",
];

pub struct Csv;

/// A leading `=`, `+`, `-`, `@`, tab or carriage return makes Excel and LibreOffice evaluate a
/// cell (CSV injection); a leading apostrophe keeps it text (OWASP's advice).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => std::borrow::Cow::Owned(format!("'{cell}")),
        _ => std::borrow::Cow::Borrowed(cell),
    }
}

impl FindingFormat for Csv {
    fn segment(&self, findings: &[&Finding<'_>], out: &mut Vec<u8>) -> std::io::Result<()> {
        let mut writer = csv::Writer::from_writer(out);
        for finding in findings {
            let meta = finding.rule;
            let resource = &finding.resource;
            let compliance = meta.compliance.join(";");
            let id = finding.id.hex();
            let cells = [
                id.as_str(),
                &meta.id,
                meta.severity.as_str(),
                finding.status.as_str(),
                meta.pillar.as_str(),
                &meta.title,
                &resource.account,
                &resource.region,
                &resource.arn,
                &resource.resource_type,
                &resource.name,
                &finding.message,
                &compliance,
                &meta.remediation,
                finding.suppression_reason().unwrap_or_default(),
                finding.baseline.map(|m| m.as_str()).unwrap_or_default(),
            ];
            for cell in cells {
                writer.write_field(neutralise(cell).as_bytes())?;
            }
            writer.write_record(std::iter::empty::<&[u8]>())?;
        }
        writer.flush()
    }

    fn frame(&self, _: &Summary<'_>, _: &StatusCounts, _: bool) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(COLUMNS)?;
        let head = writer.into_inner().map_err(|error| error.into_error())?;
        Ok((head, Vec::new()))
    }
}
