//! JUnit XML for CI test reports: one testsuite per rule, one testcase per rule × resource.
//! Failures carry the message; not-evaluated results are skipped with the reason; muted results
//! are skipped too, marked `muted` with the suppression reason.

use super::escape_markup as xml;
use super::spool::{FindingFormat, StatusCounts};
use crate::finding::{Finding, Status};
use crate::report::Summary;
use crate::rules::metadata::RuleMetadata;
use std::fmt::Write as _;

pub struct Junit;

fn skipped(counts: &StatusCounts) -> usize {
    counts[Status::NotEvaluated.index()] + counts[Status::Muted.index()]
}

impl FindingFormat for Junit {
    fn segment(&self, findings: &[&Finding<'_>], out: &mut Vec<u8>) -> std::io::Result<()> {
        let mut text = String::new();
        for finding in findings {
            testcase(finding, &mut text);
        }
        out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    fn frame(&self, summary: &Summary<'_>, written: &StatusCounts, _: bool) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        let mut head = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            head,
            "<testsuites name=\"posture\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" timestamp=\"{}\">",
            written.iter().sum::<usize>(),
            written[Status::Fail.index()],
            skipped(written),
            xml(&summary.scan.finished_at),
        );
        Ok((head.into_bytes(), b"</testsuites>\n".to_vec()))
    }

    fn rule_frame(&self, rule: &RuleMetadata, written: &StatusCounts) -> (Vec<u8>, Vec<u8>) {
        let head = format!(
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
            xml(&rule.id),
            xml(&rule.title),
            written.iter().sum::<usize>(),
            written[Status::Fail.index()],
            skipped(written),
        );
        (head.into_bytes(), b"  </testsuite>\n".to_vec())
    }
}

fn testcase(finding: &Finding<'_>, text: &mut String) {
    let meta = finding.rule;
    let resource = &finding.resource;
    let _ = writeln!(
        text,
        "    <testcase classname=\"posture.{}\" name=\"{} ({} {})\" time=\"0\">",
        xml(&meta.id),
        xml(&resource.arn),
        xml(&resource.account),
        xml(&resource.region),
    );
    let mut properties = vec![
        ("posture.status", finding.status.as_str().to_string()),
        ("posture.severity", meta.severity.as_str().to_string()),
        ("posture.id", finding.id.hex()),
    ];
    if let Some(mark) = finding.baseline {
        properties.push(("posture.baseline", mark.as_str().to_string()));
    }
    text.push_str("      <properties>\n");
    for (name, value) in properties {
        let _ = writeln!(text, "        <property name=\"{name}\" value=\"{}\"/>", xml(&value));
    }
    text.push_str("      </properties>\n");
    match finding.status {
        Status::Fail => {
            let _ = writeln!(
                text,
                "      <failure message=\"{}\" type=\"{}\">{}\nRemediation: {}</failure>",
                xml(&finding.message),
                meta.severity.as_str(),
                xml(&finding.message),
                xml(&meta.remediation),
            );
        }
        Status::NotEvaluated => {
            let _ = writeln!(
                text,
                "      <skipped message=\"not evaluated: {}\"/>",
                xml(&finding.message)
            );
        }
        Status::Muted => {
            let _ = writeln!(
                text,
                "      <skipped message=\"muted: {}\"/>\n      <system-out>muted: {}</system-out>",
                xml(finding.suppression_reason().unwrap_or("suppressed")),
                xml(&finding.message),
            );
        }
        Status::Pass => {}
    }
    text.push_str("    </testcase>\n");
}
