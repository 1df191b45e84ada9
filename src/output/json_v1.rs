//! JSON report v1 and NDJSON: the structs of [`crate::report::v1`], findings streamed inside
//! the document so a million-finding report is never held in memory.

use super::spool::{pretty_frame, push_indented, FindingFormat, StatusCounts, FINDINGS_MARKER};
use crate::finding::Finding;
use crate::report::v1::{
    BaselineV1, CoverageV1, FindingV1, GapV1, ReportV1, ResourceV1, ScanV1, ScoreV1, ToolV1, REPORT_SCHEMA_VERSION,
};
use crate::report::Summary;
use std::borrow::Cow;

/// Findings sit two levels deep in the report: `{"findings": [ {...} ]}`.
const FINDING_INDENT: &[u8] = b"    ";

impl<'a> FindingV1<'a> {
    pub fn of(finding: &'a Finding<'a>) -> Self {
        let meta = finding.rule;
        let resource = &finding.resource;
        FindingV1 {
            id: Cow::Owned(finding.id.hex()),
            rule_id: Cow::Borrowed(&meta.id),
            title: Cow::Borrowed(&meta.title),
            severity: Cow::Borrowed(meta.severity.as_str()),
            status: Cow::Borrowed(finding.status.as_str()),
            pillar: Cow::Borrowed(meta.pillar.as_str()),
            categories: Cow::Borrowed(&meta.categories),
            resource: ResourceV1 {
                arn: Cow::Borrowed(&resource.arn),
                resource_type: Cow::Borrowed(&resource.resource_type),
                name: Cow::Borrowed(&resource.name),
                account: Cow::Borrowed(&resource.account),
                region: Cow::Borrowed(&resource.region),
            },
            message: Cow::Borrowed(&finding.message),
            evidence: finding.reported_evidence(),
            compliance: Cow::Borrowed(&meta.compliance),
            remediation: Cow::Borrowed(&meta.remediation),
            baseline: finding.baseline.map(|mark| Cow::Borrowed(mark.as_str())),
        }
    }
}

/// The report's header (everything but the findings) with `findings` as given.
pub fn document<'s, F>(summary: &'s Summary<'_>, findings: F) -> ReportV1<'s, F> {
    let scan = &summary.scan;
    ReportV1 {
        schema_version: Cow::Borrowed(REPORT_SCHEMA_VERSION),
        tool: ToolV1 {
            name: Cow::Borrowed("posture"),
            version: Cow::Borrowed(env!("CARGO_PKG_VERSION")),
        },
        scan: ScanV1 {
            id: Cow::Borrowed(&scan.id),
            started_at: Cow::Borrowed(&scan.started_at),
            finished_at: Cow::Borrowed(&scan.finished_at),
            sources: Cow::Borrowed(&scan.sources),
            accounts: Cow::Borrowed(&scan.accounts),
            regions: Cow::Borrowed(&scan.regions),
            only_failing: summary.only_failing,
            unmapped_resource_types: scan.unmapped_resource_types.as_deref().map(Cow::Borrowed),
        },
        score: ScoreV1 {
            overall: summary.score.overall,
            pillars: Cow::Borrowed(&summary.score.pillars),
            accounts: Cow::Borrowed(&summary.score.accounts),
        },
        coverage: CoverageV1 {
            evaluated: summary.coverage.evaluated,
            not_evaluated: summary.coverage.not_evaluated,
            gaps: summary
                .gaps
                .iter()
                .map(|gap| GapV1 {
                    account: Cow::Borrowed(&gap.account),
                    region: Cow::Borrowed(&gap.region),
                    service: Cow::Borrowed(&gap.service),
                    operation: Cow::Borrowed(&gap.operation),
                    error: Cow::Borrowed(&gap.error),
                })
                .collect(),
        },
        baseline: summary.baseline.as_ref().map(|baseline| BaselineV1 {
            previous_scan_id: Cow::Borrowed(&baseline.previous_scan_id),
            previous_score: baseline.previous_score,
            new: summary.counts.new,
            unchanged: summary.counts.unchanged,
            resolved: Cow::Borrowed(&baseline.resolved),
        }),
        findings,
    }
}

pub struct JsonReport;

impl FindingFormat for JsonReport {
    fn separator(&self) -> &'static [u8] {
        b",\n"
    }
    fn separator_skip(&self) -> usize {
        1
    }
    fn segment(&self, findings: &[&Finding<'_>], out: &mut Vec<u8>) -> std::io::Result<()> {
        let mut pretty = Vec::new();
        for finding in findings {
            pretty.clear();
            serde_json::to_writer_pretty(&mut pretty, &FindingV1::of(finding))?;
            out.extend_from_slice(self.separator());
            push_indented(out, &pretty, FINDING_INDENT);
        }
        Ok(())
    }
    fn frame(
        &self,
        summary: &Summary<'_>,
        _written: &StatusCounts,
        empty: bool,
    ) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        let frame = pretty_frame(&document(summary, [FINDINGS_MARKER]), empty)?;
        debug_assert_eq!(frame.indent, FINDING_INDENT);
        Ok((frame.head, frame.tail))
    }
}

/// One finding per line, the same objects as `findings` in the report.
pub struct Ndjson;

impl FindingFormat for Ndjson {
    fn segment(&self, findings: &[&Finding<'_>], out: &mut Vec<u8>) -> std::io::Result<()> {
        for finding in findings {
            serde_json::to_writer(&mut *out, &FindingV1::of(finding))?;
            out.push(b'\n');
        }
        Ok(())
    }
    fn frame(&self, _: &Summary<'_>, _: &StatusCounts, _: bool) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        Ok((Vec::new(), Vec::new()))
    }
}
