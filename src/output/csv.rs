//! CSV, one row per finding, for spreadsheets. Quoting is the `csv` crate's (RFC 4180).

use crate::report::Report;
use std::io::Write;

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

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    for (index, result) in report.results.iter().enumerate() {
        let meta = report.meta(result);
        let resource = &result.resource;
        let compliance = meta.compliance.join(";");
        let reason = result
            .evidence
            .pointer("/suppression/reason")
            .and_then(|r| r.as_str())
            .unwrap_or_default();
        writer.write_record([
            report.fingerprint(result).as_str(),
            &meta.id,
            meta.severity.as_str(),
            result.status.as_str(),
            meta.pillar.as_str(),
            &meta.title,
            &resource.account,
            &resource.region,
            &resource.arn,
            &resource.resource_type,
            &resource.name,
            &result.message,
            &compliance,
            &meta.remediation,
            reason,
            report.mark(index).map(|m| m.as_str()).unwrap_or_default(),
        ])?;
    }
    writer.flush()
}
