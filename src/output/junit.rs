//! JUnit XML for CI test reports: one testsuite per rule, one testcase per rule × resource.
//! Failures carry the message; not-evaluated results are skipped with the reason; muted results
//! are skipped too, marked `muted` with the suppression reason.

use super::escape_markup as xml;
use crate::report::Report;
use crate::results::Status;
use std::fmt::Write as _;
use std::io::Write;

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let count = |status: Status| report.results.iter().filter(|r| r.status == status).count();
    let skipped_total = count(Status::NotEvaluated) + count(Status::Muted);
    let _ = writeln!(
        text,
        "<testsuites name=\"posture\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{skipped_total}\" timestamp=\"{}\">",
        report.results.len(),
        count(Status::Fail),
        xml(&report.scan.finished_at),
    );
    // Results are sorted by rule id: consecutive runs are one rule's suite.
    let mut start = 0;
    while start < report.results.len() {
        let rule = report.results[start].rule;
        let end = report.results[start..]
            .iter()
            .position(|r| r.rule != rule)
            .map_or(report.results.len(), |offset| start + offset);
        let suite = &report.results[start..end];
        let meta = &report.rules.rules[rule].meta;
        let in_suite = |status: Status| suite.iter().filter(|r| r.status == status).count();
        let _ = writeln!(
            text,
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            xml(&meta.id),
            xml(&meta.title),
            suite.len(),
            in_suite(Status::Fail),
            in_suite(Status::NotEvaluated) + in_suite(Status::Muted),
        );
        for (offset, result) in suite.iter().enumerate() {
            let resource = &result.resource;
            let _ = writeln!(
                text,
                "    <testcase classname=\"posture.{}\" name=\"{} ({} {})\" time=\"0\">",
                xml(&meta.id),
                xml(&resource.arn),
                xml(&resource.account),
                xml(&resource.region),
            );
            let mut properties = vec![
                ("posture.status", result.status.as_str().to_string()),
                ("posture.severity", meta.severity.as_str().to_string()),
                ("posture.id", report.fingerprint(result)),
            ];
            if let Some(mark) = report.mark(start + offset) {
                properties.push(("posture.baseline", mark.as_str().to_string()));
            }
            text.push_str("      <properties>\n");
            for (name, value) in properties {
                let _ = writeln!(text, "        <property name=\"{name}\" value=\"{}\"/>", xml(&value));
            }
            text.push_str("      </properties>\n");
            match result.status {
                Status::Fail => {
                    let _ = writeln!(
                        text,
                        "      <failure message=\"{}\" type=\"{}\">{}\nRemediation: {}</failure>",
                        xml(&result.message),
                        meta.severity.as_str(),
                        xml(&result.message),
                        xml(&meta.remediation),
                    );
                }
                Status::NotEvaluated => {
                    let _ = writeln!(
                        text,
                        "      <skipped message=\"not evaluated: {}\"/>",
                        xml(&result.message)
                    );
                }
                Status::Muted => {
                    let reason = result
                        .evidence
                        .pointer("/suppression/reason")
                        .and_then(|r| r.as_str())
                        .unwrap_or("suppressed");
                    let _ = writeln!(
                        text,
                        "      <skipped message=\"muted: {}\"/>\n      <system-out>muted: {}</system-out>",
                        xml(reason),
                        xml(&result.message),
                    );
                }
                Status::Pass => {}
            }
            text.push_str("    </testcase>\n");
        }
        text.push_str("  </testsuite>\n");
        start = end;
    }
    text.push_str("</testsuites>\n");
    out.write_all(text.as_bytes())
}
