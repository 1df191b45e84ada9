//! The HTML page's graphs and heat map, parsed back and held against the JSON report of the same
//! scan: a graph under every failing escalation (IAM-002) and toxic combination (XC-*) with the
//! nodes and edges its evidence names, the heat map's cells equal to the score formula over the
//! report's findings, bounded for large organisations, labels from input kept as text, and (with
//! the test environment) every box drawn with a size in headless Chromium.

use crate::harness::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const DEMO: &str = "fixtures/demo/snapshot.json";
const ORGANIZATION: &str = "fixtures/organization/snapshot.json";

/// Scans `snapshot` into a JSON report and a page; returns both.
fn scan(dir: &Path, snapshot: &str) -> (Value, String) {
    let json = dir.join("report.json");
    let html = dir.join("report.html");
    succeeds(
        posture()
            .args(["scan", "--snapshot", snapshot, "--no-ignores", "-f"])
            .arg(format!("json={}", json.display()))
            .arg("-f")
            .arg(format!("html={}", html.display())),
    );
    (read_json(json), std::fs::read_to_string(html).unwrap())
}

/// Every `<svg class="finding-graph">` of the page, by the finding it belongs to, as XML text.
fn graphs(html: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg class=\"finding-graph\"") {
        let end = start + rest[start..].find("</svg>").unwrap() + "</svg>".len();
        let svg = &rest[start..end];
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        let id = doc.root_element().attribute("data-finding").unwrap().to_string();
        assert!(found.insert(id, svg.to_string()).is_none(), "one graph per finding");
        rest = &rest[end..];
    }
    found
}

/// A parsed graph: nodes by reference (kind, name, detail) and edges (kind, from, to, label).
struct Drawn {
    nodes: BTreeMap<String, (String, String, String)>,
    edges: Vec<(String, String, String, String)>,
}

fn drawn(svg: &str) -> Drawn {
    let doc = roxmltree::Document::parse(svg).unwrap();
    assert!(
        doc.descendants().all(|n| !n.has_tag_name("script")),
        "no script in a graph"
    );
    let text_of = |group: roxmltree::Node, class: Option<&str>| {
        group
            .children()
            .filter(|c| c.has_tag_name("text") && (class.is_none() || c.attribute("class") == class))
            .map(|c| c.text().unwrap_or_default().to_string())
            .next()
            .unwrap_or_default()
    };
    let mut nodes = BTreeMap::new();
    let mut edges = Vec::new();
    for group in doc.descendants().filter(|n| n.has_tag_name("g")) {
        let attr = |name| group.attribute(name).unwrap_or_default().to_string();
        match group.attribute("class") {
            Some("node") => {
                let entry = (
                    attr("data-kind"),
                    text_of(group, Some("node-name")),
                    text_of(group, Some("node-detail")),
                );
                nodes.insert(attr("data-ref"), entry);
            }
            Some("edge") => edges.push((
                attr("data-kind"),
                attr("data-from"),
                attr("data-to"),
                text_of(group, None),
            )),
            _ => {}
        }
    }
    Drawn { nodes, edges }
}

impl Drawn {
    fn has_edge(&self, kind: &str, from: &str, to: &str) -> bool {
        self.edges.iter().any(|(k, f, t, _)| k == kind && f == from && t == to)
    }
}

/// What the page should call an IAM ARN, worked out here from the ARN alone.
fn expected_labels(arn: &str) -> (String, String) {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let resource = fields[5];
    let (kind, rest) = resource.split_once('/').unwrap_or((resource, ""));
    let name = rest.rsplit('/').next().unwrap();
    let name = if name.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} {name}")
    };
    (name, format!("account {}", fields[4]))
}

fn drawn_rules(rule: &str) -> bool {
    rule == "IAM-002" || rule.starts_with("XC-")
}

/// Checks the graph of one failing finding against its evidence; returns the step kinds drawn.
fn check_graph(finding: &Value, graph: &Drawn) -> Vec<String> {
    let arn = finding["resource"]["arn"].as_str().unwrap();
    let evidence = &finding["evidence"];
    assert!(graph.nodes.contains_key(arn), "{arn} is a node");
    let mut steps = Vec::new();
    let path = match finding["rule_id"].as_str().unwrap() {
        "IAM-002" => {
            assert_eq!(graph.nodes[arn].1, expected_labels(arn).0, "the principal's label");
            if let Some(first) = evidence["methods"][0]["id"].as_str() {
                let account = finding["resource"]["account"].as_str().unwrap();
                let admin = format!("administrator:{account}");
                assert!(
                    graph.has_edge("escalation_method", arn, &admin),
                    "methods edge of {arn}"
                );
                let label = &graph.edges.iter().find(|e| e.0 == "escalation_method").unwrap().3;
                assert!(label.starts_with(first), "{label} names {first}");
                assert_eq!(graph.nodes[&admin].0, "admin");
            }
            &evidence["path"]
        }
        "XC-001" | "XC-002" => {
            if evidence["exposure"].is_object() {
                assert!(graph.has_edge("network", "internet", arn), "internet into {arn}");
            }
            for threat in evidence["guardduty_findings"].as_array().into_iter().flatten().take(3) {
                assert!(graph.has_edge("active_finding", threat["type"].as_str().unwrap(), arn));
            }
            if let Some(role) = evidence["role"]["arn"].as_str() {
                assert!(graph.has_edge("instance_profile", arn, role));
            }
            &evidence["role"]["path_to_privileged"]
        }
        "XC-003" => {
            for entry in evidence["outside_trust"].as_array().unwrap().iter().take(3) {
                assert!(
                    graph.has_edge("trust", entry["principal"].as_str().unwrap(), arn),
                    "trust into {arn}"
                );
            }
            &evidence["role"]["path_to_privileged"]
        }
        "XC-004" => {
            let role = evidence["role"]["arn"].as_str().unwrap();
            assert!(graph.has_edge("invoke", "invokers", arn));
            assert!(graph.has_edge("execution_role", arn, role));
            assert_eq!(graph.nodes["invokers"].1, evidence["invokers"].as_str().unwrap());
            &evidence["role"]["path_to_privileged"]
        }
        other => panic!("no graph expected for {other}"),
    };
    if let Some(role) = evidence["role"]["arn"].as_str() {
        assert_eq!(graph.nodes[role].1, expected_labels(role).0);
        if evidence["role"]["full_admin"] == true {
            assert_eq!(graph.nodes[role].0, "admin", "{role} is drawn as administrator");
        }
    }
    for step in path["steps"].as_array().into_iter().flatten() {
        let (kind, from, to) = (
            step["kind"].as_str().unwrap(),
            step["from"].as_str().unwrap(),
            step["to"].as_str().unwrap(),
        );
        assert!(graph.has_edge(kind, from, to), "step {kind} {from} -> {to}");
        let (name, detail) = expected_labels(to);
        assert_eq!(graph.nodes[to].1, name);
        assert!(graph.nodes[to].2.starts_with(&detail), "{to}: {:?}", graph.nodes[to]);
        steps.push(kind.to_string());
    }
    if let Some(last) = path["path"].as_array().and_then(|p| p.last()).and_then(Value::as_str) {
        assert_eq!(graph.nodes[last].0, "admin", "the path ends at an administrator");
    }
    steps
}

/// The page of `snapshot` draws a graph right under each failing IAM-002 and XC-* finding, and
/// none elsewhere; returns the step kinds drawn and the rules with a graph.
fn check_page_graphs(snapshot: &str) -> (Vec<String>, Vec<String>) {
    let dir = temp_dir();
    let (report, html) = scan(dir.path(), snapshot);
    let graphs = graphs(&html);
    let expected: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail" && drawn_rules(f["rule_id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        graphs.len(),
        expected.len(),
        "one graph per failing escalation or combination"
    );
    let (mut steps, mut rules) = (Vec::new(), Vec::new());
    for finding in expected {
        let id = finding["id"].as_str().unwrap();
        let svg = graphs.get(id).unwrap_or_else(|| panic!("graph of {id}"));
        // Beside its finding: the graph row follows the finding's own row.
        let row = html.find(&format!("<tr data-id=\"{id}\"")).unwrap();
        let between = &html[row + 1..html.find(svg.as_str()).unwrap()];
        assert!(!between.contains("<tr data-id="), "the graph of {id} is under its row");
        steps.extend(check_graph(finding, &drawn(svg)));
        rules.push(finding["rule_id"].as_str().unwrap().to_string());
    }
    (steps, rules)
}

#[test]
fn html_demo_page_draws_each_escalation_path_and_toxic_combination() {
    let (steps, rules) = check_page_graphs(DEMO);
    assert!(steps.contains(&"assume".to_string()), "{steps:?}");
    assert!(
        rules.iter().any(|r| r == "XC-001") && rules.iter().any(|r| r == "IAM-002"),
        "{rules:?}"
    );
}

#[test]
fn html_organisation_page_draws_the_cross_account_paths() {
    let (steps, rules) = check_page_graphs(ORGANIZATION);
    assert!(
        steps.iter().filter(|s| *s == "assume_cross_account").count() >= 3,
        "{steps:?}"
    );
    for rule in ["IAM-002", "XC-003", "XC-004"] {
        assert!(rules.iter().any(|r| r == rule), "{rule}: {rules:?}");
    }
}

/// The heat map's rows (account, [(pillar, class, data-score, text)]) in page order.
type HeatRow = (String, Vec<(String, String, String, String)>);

fn heat_map(html: &str) -> (Vec<HeatRow>, Option<String>) {
    let start = html.find("<table id=\"heat-map\">").expect("a heat map");
    let end = start + html[start..].find("</table>").unwrap() + "</table>".len();
    let doc = roxmltree::Document::parse(&html[start..end]).unwrap();
    let mut rows = Vec::new();
    let mut more = None;
    for tr in doc.descendants().filter(|n| n.has_tag_name("tr")) {
        if tr.attribute("id") == Some("heat-map-more") {
            more = tr.descendants().find_map(|n| n.text()).map(str::to_string);
            continue;
        }
        let Some(header) = tr
            .children()
            .find(|c| c.has_tag_name("th") && c.attribute("scope") == Some("row"))
        else {
            continue;
        };
        let cells = tr
            .children()
            .filter(|c| c.has_tag_name("td"))
            .map(|td| {
                let attr = |name| td.attribute(name).unwrap_or_default().to_string();
                (
                    attr("data-pillar"),
                    attr("class"),
                    attr("data-score"),
                    td.text().unwrap_or_default().to_string(),
                )
            })
            .collect();
        rows.push((header.text().unwrap().to_string(), cells));
    }
    (rows, more)
}

/// The score formula (docs/contracts.md §Score) over the report's findings, per account and pillar.
fn pillar_scores(report: &Value) -> BTreeMap<(String, String), f64> {
    let weight = |severity: &str| match severity {
        "critical" => 10.0,
        "high" => 5.0,
        "medium" => 3.0,
        "low" => 1.0,
        _ => 0.0,
    };
    // (account, pillar, rule) → (weight, failed), only for decided (pass or fail) results.
    let mut pairs: BTreeMap<(String, String, String), (f64, bool)> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let status = f["status"].as_str().unwrap();
        if status != "pass" && status != "fail" {
            continue;
        }
        let key = (
            f["resource"]["account"].as_str().unwrap().to_string(),
            f["pillar"].as_str().unwrap().to_string(),
            f["rule_id"].as_str().unwrap().to_string(),
        );
        let pair = pairs
            .entry(key)
            .or_insert((weight(f["severity"].as_str().unwrap()), false));
        pair.1 |= status == "fail";
    }
    let mut tallies: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
    for ((account, pillar, _), (weight, failed)) in pairs {
        let tally = tallies.entry((account, pillar)).or_default();
        tally.1 += weight;
        if !failed {
            tally.0 += weight;
        }
    }
    tallies
        .into_iter()
        .filter(|(_, (_, evaluated))| *evaluated > 0.0)
        .map(|(key, (passing, evaluated))| (key, (1000.0 * passing / evaluated).round() / 10.0))
        .collect()
}

#[test]
fn html_heat_map_cells_are_the_report_scores_by_account_and_pillar() {
    let dir = temp_dir();
    let (report, html) = scan(dir.path(), ORGANIZATION);
    let (rows, more) = heat_map(&html);
    let accounts = report["score"]["accounts"].as_object().unwrap();
    assert_eq!(rows.len(), accounts.len());
    assert_eq!(more, None);
    let expected = pillar_scores(&report);
    let (mut numbers, mut unknown, mut previous) = (0, 0, -1.0);
    for (account, cells) in &rows {
        let overall = accounts[account].as_f64().unwrap();
        assert!(overall >= previous, "lowest-scoring first");
        previous = overall;
        let pillars: Vec<&str> = cells.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(pillars, ["overall", "identity", "network", "detection", "data"]);
        assert_eq!(cells[0].3, format!("{overall:.1}"), "{account} overall");
        for (pillar, class, score, text) in &cells[1..] {
            match expected.get(&(account.clone(), pillar.clone())) {
                Some(value) => {
                    assert_eq!(text, &format!("{value:.1}"), "{account} {pillar}");
                    assert_eq!(class, "heat");
                    numbers += 1;
                }
                None => {
                    assert_eq!(text, "n/a", "{account} {pillar}");
                    assert_eq!(class, "heat heat-na", "n/a is drawn apart");
                    unknown += 1;
                }
            }
            assert_eq!(score, text, "the number is the cell's text");
        }
    }
    assert!(numbers > 0 && unknown > 0, "{numbers} scored, {unknown} n/a");

    // One account: no heat map.
    let single = temp_dir();
    let (_, html) = scan(single.path(), DEMO);
    assert!(!html.contains("id=\"heat-map\""));
}

#[test]
fn html_heat_map_of_a_large_organisation_shows_the_lowest_and_counts_the_rest() {
    let dir = temp_dir();
    let synth = dir.path().join("synth.json");
    posture_dev()
        .args([
            "synth",
            "--accounts",
            "60",
            "--seed",
            "7",
            "-o",
            synth.to_str().unwrap(),
        ])
        .assert()
        .success();
    let (report, html) = scan(dir.path(), synth.to_str().unwrap());
    let (rows, more) = heat_map(&html);
    assert_eq!(rows.len(), 50);
    assert_eq!(
        more.as_deref(),
        Some("… and 10 more accounts (the JSON report's score.accounts has every one)")
    );
    assert!(html.contains("the 50 lowest-scoring of 60 accounts"));
    let mut scores: Vec<(f64, String)> = report["score"]["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(account, score)| (score.as_f64().unwrap_or(-1.0), account.clone()))
        .collect();
    scores.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let shown: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    let lowest: Vec<&String> = scores.iter().take(50).map(|s| &s.1).collect();
    assert_eq!(shown, lowest, "the 50 lowest, in order");
}

#[test]
fn html_graph_labels_from_input_stay_text() {
    let dir = temp_dir();
    // No `/` in it: a role name's last path segment is what a node shows.
    let hostile = "<script>alert(1)&hop";
    let text = std::fs::read_to_string(root().join(ORGANIZATION))
        .unwrap()
        .replace("role/hop\"", &format!("role/{hostile}\""))
        .replace("\"name\": \"hop\"", &format!("\"name\": \"{hostile}\""));
    let snapshot = write(dir.path(), "hostile.json", &text);
    let (report, html) = scan(dir.path(), snapshot.to_str().unwrap());
    assert_eq!(html.matches("<script").count(), 1, "only the page's own script");
    assert!(!html.contains(hostile) && !html.contains("<script>alert"));
    let arn = format!("arn:aws:iam::444444444444:role/{hostile}");
    let in_report = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["resource"]["arn"] == arn.as_str());
    assert!(in_report, "the JSON report keeps the name as it is");
    let drawn_with_it: Vec<Drawn> = graphs(&html)
        .values()
        .map(|svg| drawn(svg))
        .filter(|g| g.nodes.contains_key(&arn))
        .collect();
    assert!(drawn_with_it.len() >= 2, "the hop role is on both cross-account paths");
    for graph in drawn_with_it {
        let (_, name, _) = &graph.nodes[&arn];
        assert_eq!(name, &format!("role {hostile}"), "parsed back as text");
        assert!(graph
            .edges
            .iter()
            .any(|e| e.0 == "assume_cross_account" && (e.1 == arn || e.2 == arn)));
    }
}

/// Chromium lays the page out: every node, edge and heat-map cell has a box of non-zero size.
#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn html_graphs_and_heat_map_render_with_size_in_chromium() {
    let dir = temp_dir();
    let (_, html) = scan(dir.path(), ORGANIZATION);
    let expected_nodes = html.matches("<g class=\"node\"").count();
    let expected_edges = html.matches("<g class=\"edge\"").count();
    let expected_cells = html.matches("<td class=\"heat").count();
    assert!(expected_nodes > 0 && expected_edges > 0 && expected_cells > 0);
    // A test-only script, after the page's, writes each box's size where --dump-dom shows it.
    let measure = r#"<script>(function(){var out=[];function m(sel,tag){document.querySelectorAll(sel).forEach(function(e){var b=e.getBoundingClientRect();out.push(tag+' '+b.width.toFixed(1)+' '+b.height.toFixed(1));});}
m('svg.finding-graph g.node rect','node');m('svg.finding-graph g.edge line','edge');m('svg.finding-graph g.node text','text');m('#heat-map td.heat','cell');
var p=document.createElement('pre');p.id='boxes';p.textContent=out.join('\n');document.body.appendChild(p);})();</script>"#;
    let page = dir.path().join("measured.html");
    std::fs::write(&page, html.replace("</body>", &format!("{measure}</body>"))).unwrap();
    let dom = crate::formats::chromium_dom(&page, "");
    let start = dom.find("<pre id=\"boxes\">").expect("the measuring script ran") + "<pre id=\"boxes\">".len();
    let boxes = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for line in boxes.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let (width, height): (f64, f64) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        // A horizontal edge is a line of zero height but has a width; anything else has both.
        let drawn = if fields[0] == "edge" {
            width > 0.0 || height > 0.0
        } else {
            width > 0.0 && height > 0.0
        };
        assert!(drawn, "{line}");
        *counts.entry(fields[0]).or_default() += 1;
    }
    assert_eq!(counts["node"], expected_nodes);
    assert_eq!(counts["edge"], expected_edges);
    assert_eq!(counts["text"], 2 * expected_nodes);
    assert_eq!(counts["cell"], expected_cells);
}
