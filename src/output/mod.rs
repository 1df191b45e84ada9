//! Renderers: they take findings as they stream past and the finished [`Summary`], and never
//! call AWS or regorus nor read facts, snapshots or baselines. File formats go through a
//! [`spool::Spool`]; the table and the HTML page keep what they show.

pub mod asff;
pub mod csv;
pub mod diff;
pub mod html;
pub mod json_v1;
pub mod junit;
pub mod ocsf;
#[cfg(feature = "parquet")]
pub mod ocsf_parquet;
pub mod sarif;
pub mod spool;
pub mod table;

use crate::destination::Destination;
use crate::finding::Finding;
use crate::report::Summary;
use crate::rules::metadata::RuleMetadata;
use spool::{RenderedAccount, Spool};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Ndjson,
    Ocsf,
    /// OCSF findings as Parquet in a folder, laid out as Security Lake custom sources take them.
    OcsfParquet,
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
            format!("unknown format {name:?}; one of table, json, ndjson, ocsf, ocsf-parquet, asff, sarif, junit, csv, html")
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

/// The OCSF schema version the `ocsf` format follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OcsfVersion {
    /// OCSF 1.3.0: Compliance (2003) and Detection (2004) Findings only, as before 1.6.
    #[value(name = "1.3")]
    V1_3,
    /// OCSF 1.6.0, as Security Hub emits it: least-privilege failures as IAM Analysis Finding (2008).
    #[default]
    #[value(name = "1.6")]
    V1_6,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    pub colour: bool,
    pub ocsf_class: OcsfClass,
    pub ocsf_version: OcsfVersion,
    /// Leave passing and not-evaluated findings out of the files (`--only-failing`).
    pub only_failing: bool,
}

/// What the scan knows before the first finding: every format that stamps findings needs it.
pub struct ScanStamp {
    pub scan_id: String,
    pub started_at: String,
}

enum Renderer {
    Spool(Spool),
    /// OCSF JSON lines, converted to Parquet files in the destination folder when finished.
    Parquet(Spool),
    Table(table::TableSink),
    Html(html::HtmlSink),
}

/// Every requested output of one scan, each with where it goes.
pub struct Outputs {
    renderers: Vec<(Renderer, Destination)>,
    only_failing: bool,
}

/// One account's findings as the file formats rendered them (in the worker that built them).
pub struct RenderedOutputs(Vec<Option<RenderedAccount>>);

impl Outputs {
    pub fn new(
        targets: Vec<(Format, Destination)>,
        stamp: &ScanStamp,
        options: RenderOptions,
        rules: usize,
    ) -> std::io::Result<Self> {
        let mut renderers = Vec::new();
        for (format, destination) in targets {
            let renderer = match format {
                Format::Table => Renderer::Table(table::TableSink::new(options.colour)),
                Format::Html => Renderer::Html(html::HtmlSink::default()),
                Format::OcsfParquet => Renderer::Parquet(Spool::new(
                    file_format(Format::Ocsf, stamp, options),
                    rules,
                    options.only_failing,
                )?),
                other => Renderer::Spool(Spool::new(
                    file_format(other, stamp, options),
                    rules,
                    options.only_failing,
                )?),
            };
            renderers.push((renderer, destination));
        }
        Ok(Outputs {
            renderers,
            only_failing: options.only_failing,
        })
    }

    /// Renders one account's findings (sorted, each with its rule's rank) for every file format.
    pub fn render(&self, account: &str, findings: &[(usize, Finding<'_>)]) -> std::io::Result<RenderedOutputs> {
        let mut rendered = Vec::with_capacity(self.renderers.len());
        for (renderer, _) in &self.renderers {
            rendered.push(match renderer {
                Renderer::Spool(spool) | Renderer::Parquet(spool) => Some(spool.render(account, findings)?),
                Renderer::Table(_) | Renderer::Html(_) => None,
            });
        }
        Ok(RenderedOutputs(rendered))
    }

    /// Takes one account's findings and their renderings, in the order accounts finish.
    pub fn append(&mut self, findings: &[(usize, Finding<'_>)], rendered: RenderedOutputs) -> std::io::Result<()> {
        for ((renderer, _), rendered) in self.renderers.iter_mut().zip(rendered.0) {
            match (renderer, rendered) {
                (Renderer::Spool(spool) | Renderer::Parquet(spool), Some(rendered)) => spool.append(rendered)?,
                (Renderer::Table(table), _) => table.add(findings),
                (Renderer::Html(page), _) => page.add(findings, self.only_failing),
                (Renderer::Spool(_) | Renderer::Parquet(_), None) => {}
            }
        }
        Ok(())
    }

    /// Writes every output; `ranked_rules` are the rules in report order (by id). Outputs are
    /// independent files, so they are written side by side (the copy of large spools is the
    /// serial tail of a scan); the first failure, in the order the outputs were asked, is reported.
    pub fn finish(self, summary: &Summary<'_>, ranked_rules: &[&RuleMetadata]) -> anyhow::Result<()> {
        use rayon::prelude::*;
        let outcomes: Vec<anyhow::Result<()>> = self
            .renderers
            .into_par_iter()
            .map(|(renderer, destination)| write_output(renderer, destination, summary, ranked_rules))
            .collect();
        outcomes.into_iter().collect()
    }
}

fn write_output(
    renderer: Renderer,
    mut destination: Destination,
    summary: &Summary<'_>,
    ranked_rules: &[&RuleMetadata],
) -> anyhow::Result<()> {
    let written = match renderer {
        Renderer::Parquet(spool) => return write_parquet(spool, destination, summary, ranked_rules),
        Renderer::Spool(spool) => spool.finish(summary, ranked_rules, &mut destination),
        Renderer::Table(table) => destination
            .writer()
            .write_all(table.render(summary, ranked_rules).as_bytes()),
        Renderer::Html(page) => destination
            .writer()
            .write_all(page.render(summary, ranked_rules).as_bytes()),
    };
    let label = destination.label();
    written
        .and_then(|()| destination.commit())
        .map_err(|error| anyhow::anyhow!("writing {label}: {error}"))
}

/// The OCSF lines of the scan, spooled, then written as Parquet files into the folder.
fn write_parquet(
    spool: Spool,
    mut destination: Destination,
    summary: &Summary<'_>,
    ranked_rules: &[&RuleMetadata],
) -> anyhow::Result<()> {
    let label = destination.label();
    spool
        .finish(summary, ranked_rules, &mut destination)
        .map_err(|error| anyhow::anyhow!("writing {label}: {error}"))?;
    let (folder, lines) = destination.into_folder_spool()?;
    #[cfg(feature = "parquet")]
    return ocsf_parquet::write(&folder, lines, &summary.scan.id).map(|_| ());
    #[cfg(not(feature = "parquet"))]
    {
        drop(lines);
        Err(anyhow::anyhow!("{}: {PARQUET_MISSING}", folder.display()))
    }
}

/// What a build without the `parquet` feature says to `-f ocsf-parquet`.
pub const PARQUET_MISSING: &str = "this build of posture has no Parquet writer (cargo feature `parquet`)";

fn file_format(format: Format, stamp: &ScanStamp, options: RenderOptions) -> Box<dyn spool::FindingFormat> {
    match format {
        Format::Json => Box::new(json_v1::JsonReport),
        Format::Ndjson => Box::new(json_v1::Ndjson),
        Format::Ocsf => Box::new(ocsf::Ocsf {
            class: options.ocsf_class,
            version: options.ocsf_version,
            scan_id: stamp.scan_id.clone(),
            time: epoch_millis(&stamp.started_at),
        }),
        Format::Asff => Box::new(asff::Asff {
            scan_id: stamp.scan_id.clone(),
            time: stamp.started_at.clone(),
        }),
        Format::Sarif => Box::new(sarif::Sarif {
            scan_id: stamp.scan_id.clone(),
        }),
        Format::Junit => Box::new(junit::Junit),
        Format::Csv | Format::Table | Format::Html | Format::OcsfParquet => Box::new(csv::Csv),
    }
}

/// Input text on a terminal or in a diff: control characters (escape sequences, carriage
/// returns, newlines) from the data are dropped, so a resource name cannot rewrite the screen.
pub fn strip_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
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
