//! Streams findings into a file format account by account while keeping the report's order
//! (rule id, account, region, resource ARN): each account's findings are rendered in the worker
//! that built them, appended to an unnamed temporary file as one segment per rule, and the
//! segments are joined in order behind the head once the summary is known. Memory holds one
//! account's bytes; the disk holds the rest until the report is assembled.

use crate::destination::Destination;
use crate::finding::{Finding, Status};
use crate::report::Summary;
use crate::rules::metadata::RuleMetadata;
use std::fs::File;
use std::io::Write;

/// Per-status counts of the findings a format wrote (indexed by [`Status::index`]).
pub type StatusCounts = [usize; 4];

/// A file format that renders findings one at a time between a head and a tail.
pub trait FindingFormat: Send + Sync {
    /// Written before every finding but the first of the document (of which only the bytes
    /// after the first `separator_skip()` are kept).
    fn separator(&self) -> &'static [u8] {
        b""
    }
    fn separator_skip(&self) -> usize {
        self.separator().len()
    }
    /// Whether the format writes this finding at all (before `--only-failing`).
    fn includes(&self, _finding: &Finding<'_>) -> bool {
        true
    }
    /// Renders one rule's findings of one account, each preceded by the separator.
    fn segment(&self, findings: &[&Finding<'_>], out: &mut Vec<u8>) -> std::io::Result<()>;
    /// The bytes before the first finding and after the last, from the finished summary.
    fn frame(&self, summary: &Summary<'_>, written: &StatusCounts, empty: bool) -> std::io::Result<(Vec<u8>, Vec<u8>)>;
    /// Around each rule's findings (JUnit's test suites).
    fn rule_frame(&self, _rule: &RuleMetadata, _written: &StatusCounts) -> (Vec<u8>, Vec<u8>) {
        (Vec::new(), Vec::new())
    }
}

/// One account's rendering: (rule rank, bytes, counts) per rule with findings.
pub struct RenderedAccount {
    account: String,
    segments: Vec<(usize, Vec<u8>, StatusCounts)>,
}

struct Segment {
    account: String,
    offset: u64,
    len: u64,
}

pub struct Spool {
    format: Box<dyn FindingFormat>,
    only_failing: bool,
    file: File,
    written_bytes: u64,
    /// Per rule rank.
    segments: Vec<Vec<Segment>>,
    counts: Vec<StatusCounts>,
}

impl Spool {
    pub fn new(format: Box<dyn FindingFormat>, rules: usize, only_failing: bool) -> std::io::Result<Self> {
        Ok(Spool {
            format,
            only_failing,
            file: tempfile::tempfile()?,
            written_bytes: 0,
            segments: (0..rules).map(|_| Vec::new()).collect(),
            counts: vec![[0; 4]; rules],
        })
    }

    fn keeps(&self, finding: &Finding<'_>) -> bool {
        (!self.only_failing || matches!(finding.status, Status::Fail | Status::Muted)) && self.format.includes(finding)
    }

    /// Renders one account's findings, given sorted by rule rank, region and ARN, with each
    /// finding's rule rank. Runs in the worker: it touches nothing shared.
    pub fn render(&self, account: &str, findings: &[(usize, Finding<'_>)]) -> std::io::Result<RenderedAccount> {
        let mut segments = Vec::new();
        let mut start = 0;
        while start < findings.len() {
            let rank = findings[start].0;
            let end = findings[start..]
                .iter()
                .position(|(r, _)| *r != rank)
                .map_or(findings.len(), |offset| start + offset);
            let kept: Vec<&Finding<'_>> = findings[start..end]
                .iter()
                .map(|(_, f)| f)
                .filter(|f| self.keeps(f))
                .collect();
            if !kept.is_empty() {
                let mut counts = [0; 4];
                for finding in &kept {
                    counts[finding.status.index()] += 1;
                }
                let mut bytes = Vec::new();
                self.format.segment(&kept, &mut bytes)?;
                segments.push((rank, bytes, counts));
            }
            start = end;
        }
        Ok(RenderedAccount {
            account: account.to_string(),
            segments,
        })
    }

    pub fn append(&mut self, rendered: RenderedAccount) -> std::io::Result<()> {
        for (rank, bytes, counts) in rendered.segments {
            self.file.write_all(&bytes)?;
            self.segments[rank].push(Segment {
                account: rendered.account.clone(),
                offset: self.written_bytes,
                len: bytes.len() as u64,
            });
            self.written_bytes += bytes.len() as u64;
            for (total, count) in self.counts[rank].iter_mut().zip(counts) {
                *total += count;
            }
        }
        Ok(())
    }

    /// Writes the document: head, every rule's segments in account order, tail.
    pub fn finish(
        mut self,
        summary: &Summary<'_>,
        ranked_rules: &[&RuleMetadata],
        out: &mut Destination,
    ) -> std::io::Result<()> {
        let mut written = [0; 4];
        for counts in &self.counts {
            for (total, count) in written.iter_mut().zip(counts) {
                *total += count;
            }
        }
        let empty = written.iter().sum::<usize>() == 0;
        let (head, tail) = self.format.frame(summary, &written, empty)?;
        out.writer().write_all(&head)?;
        let mut skip = self.format.separator_skip() as u64;
        for (rank, segments) in self.segments.iter_mut().enumerate() {
            if segments.is_empty() {
                continue;
            }
            segments.sort_by(|a, b| a.account.cmp(&b.account));
            let (rule_head, rule_tail) = self.format.rule_frame(ranked_rules[rank], &self.counts[rank]);
            out.writer().write_all(&rule_head)?;
            for segment in segments.iter() {
                let skipped = skip.min(segment.len);
                skip = 0;
                out.copy_range(&self.file, segment.offset + skipped, segment.len - skipped)?;
            }
            out.writer().write_all(&rule_tail)?;
        }
        out.writer().write_all(&tail)
    }
}

/// Where findings go in a pretty-printed document: the document serialised with a marker string
/// as the findings array's only element, split at the marker. The marker's indentation is that
/// of every finding line.
pub const FINDINGS_MARKER: &str = "@@posture:findings@@";

pub struct PrettyFrame {
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
    pub indent: Vec<u8>,
}

/// Splits `document` (serialised pretty, with [`FINDINGS_MARKER`] as the array's one element)
/// into the bytes before the array's first element and after its last. The head ends with `[`;
/// with `empty`, head and tail join into `[]` as serde_json writes an empty array.
pub fn pretty_frame(document: &impl serde::Serialize, empty: bool) -> std::io::Result<PrettyFrame> {
    let text = serde_json::to_vec_pretty(document)?;
    let quoted = format!("\"{FINDINGS_MARKER}\"");
    let at = find(&text, quoted.as_bytes())
        .ok_or_else(|| std::io::Error::other("the findings marker is missing from the document"))?;
    let line_start = text[..at].iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    let indent = text[line_start..at].to_vec();
    // `[` then a newline precede the marker's line.
    let head = text[..line_start.saturating_sub(1)].to_vec();
    let mut tail = text[at + quoted.len()..].to_vec();
    if empty {
        let bracket = tail.iter().position(|b| *b == b']').unwrap_or(0);
        tail.drain(..bracket);
    }
    tail.push(b'\n');
    Ok(PrettyFrame { head, tail, indent })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Appends `pretty` (one pretty-printed JSON value) with `indent` before each of its lines.
pub fn push_indented(out: &mut Vec<u8>, pretty: &[u8], indent: &[u8]) {
    out.extend_from_slice(indent);
    for byte in pretty {
        out.push(*byte);
        if *byte == b'\n' {
            out.extend_from_slice(indent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Doc<T> {
        name: &'static str,
        items: T,
    }

    #[test]
    fn a_frame_with_pieces_is_what_serde_writes_for_the_whole_document() {
        let items = vec![serde_json::json!({"a": 1}), serde_json::json!({"b": [1, 2]})];
        let whole = serde_json::to_vec_pretty(&Doc {
            name: "x",
            items: &items,
        })
        .unwrap();
        let frame = pretty_frame(
            &Doc {
                name: "x",
                items: [FINDINGS_MARKER],
            },
            false,
        )
        .unwrap();
        let mut joined = frame.head.clone();
        for (index, item) in items.iter().enumerate() {
            joined.extend_from_slice(if index == 0 { b"\n" } else { b",\n" });
            push_indented(&mut joined, &serde_json::to_vec_pretty(item).unwrap(), &frame.indent);
        }
        joined.extend_from_slice(&frame.tail);
        assert_eq!(
            String::from_utf8(joined).unwrap(),
            String::from_utf8(whole).unwrap() + "\n"
        );
    }

    #[test]
    fn an_empty_frame_is_an_empty_array() {
        let whole = serde_json::to_vec_pretty(&Doc {
            name: "x",
            items: Vec::<u8>::new(),
        })
        .unwrap();
        let frame = pretty_frame(
            &Doc {
                name: "x",
                items: [FINDINGS_MARKER],
            },
            true,
        )
        .unwrap();
        let joined = [frame.head, frame.tail].concat();
        assert_eq!(
            String::from_utf8(joined).unwrap(),
            String::from_utf8(whole).unwrap() + "\n"
        );
    }
}
