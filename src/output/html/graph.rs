//! A small directed graph drawn as inline SVG: nodes in columns (left to right, the way an
//! attacker moves), each a box with a name and an account line, edges with an arrow and a label.
//! Everything the nodes and edges say comes from input, so every label is escaped; the full text
//! of a shortened label stays in the element's `<title>`.

use super::esc;
use std::fmt::Write as _;

const NODE_WIDTH: f64 = 190.0;
const NODE_HEIGHT: f64 = 40.0;
/// Room between columns for an edge label.
const COLUMN_GAP: f64 = 124.0;
const ROW_GAP: f64 = 12.0;
const MARGIN: f64 = 4.0;
/// Characters of a node's first line, second line and an edge label that fit their room.
const NAME_CHARS: usize = 27;
const DETAIL_CHARS: usize = 33;
const LABEL_CHARS: usize = 22;

/// What a node stands for; it decides the colours and is the node's `data-kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// The user or role the finding is about, or a role on the way.
    Principal,
    /// A principal that is administrator (the end of an escalation).
    Admin,
    /// An instance or a function the combination runs through.
    Workload,
    /// The internet, or whoever outside may call in (`*`, another account).
    Outside,
    /// An active GuardDuty finding.
    Threat,
}

impl NodeKind {
    fn as_str(self) -> &'static str {
        match self {
            NodeKind::Principal => "principal",
            NodeKind::Admin => "admin",
            NodeKind::Workload => "workload",
            NodeKind::Outside => "outside",
            NodeKind::Threat => "threat",
        }
    }

    /// (fill, stroke)
    fn colours(self) -> (&'static str, &'static str) {
        match self {
            NodeKind::Principal => ("#dbeafe", "#2563eb"),
            NodeKind::Admin => ("#fecaca", "#7f1d1d"),
            NodeKind::Workload => ("#e0f2fe", "#0891b2"),
            NodeKind::Outside => ("#fef3c7", "#d97706"),
            NodeKind::Threat => ("#fee2e2", "#b91c1c"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    /// What identifies it (an ARN, `internet`, a GuardDuty finding type): `data-ref`.
    pub reference: String,
    pub kind: NodeKind,
    /// `role prod-admin` · `account 222222222222 · admin`.
    pub name: String,
    pub detail: String,
    column: usize,
}

#[derive(Debug, Clone)]
pub struct Edge {
    from: usize,
    to: usize,
    /// A step kind (`assume`, `assume_cross_account`, `pass_role`, `workload`) or a link of a combination.
    pub kind: String,
    pub label: String,
    /// Its full text, when the label is a summary (every method of a long list).
    pub title: String,
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

impl Graph {
    /// Adds a node in `column`, or finds the one with the same reference; returns its index.
    pub fn node(&mut self, column: usize, kind: NodeKind, reference: &str, name: String, detail: String) -> usize {
        if let Some(index) = self.nodes.iter().position(|n| n.reference == reference) {
            return index;
        }
        self.nodes.push(Node {
            reference: reference.to_string(),
            kind,
            name,
            detail,
            column,
        });
        self.nodes.len() - 1
    }

    pub fn column_of(&self, node: usize) -> usize {
        self.nodes.get(node).map_or(0, |n| n.column)
    }

    /// Marks a node as the administrator an escalation ends at.
    pub fn mark_admin(&mut self, node: usize, why: &str) {
        if let Some(node) = self.nodes.get_mut(node) {
            node.kind = NodeKind::Admin;
            let _ = write!(node.detail, " · {why}");
        }
    }

    pub fn edge(&mut self, from: usize, to: usize, kind: &str, label: &str, title: &str) {
        self.edges.push(Edge {
            from,
            to,
            kind: kind.to_string(),
            label: label.to_string(),
            title: title.to_string(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// Columns joined by arrows, for screen readers: `user a → role b → administrator`.
    fn description(&self) -> String {
        let columns = self.nodes.iter().map(|n| n.column).max().map_or(0, |c| c + 1);
        (0..columns)
            .map(|column| {
                let names: Vec<&str> = self
                    .nodes
                    .iter()
                    .filter(|n| n.column == column)
                    .map(|n| n.name.as_str())
                    .collect();
                names.join(" and ")
            })
            .collect::<Vec<_>>()
            .join(" → ")
    }

    /// Top-left corner of every node: its column, and its place among the column's nodes.
    fn layout(&self) -> (Vec<(f64, f64)>, f64, f64) {
        let mut rows_used: Vec<usize> = Vec::new();
        let mut corners = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            if rows_used.len() <= node.column {
                rows_used.resize(node.column + 1, 0);
            }
            let row = rows_used[node.column];
            rows_used[node.column] += 1;
            corners.push((
                MARGIN + node.column as f64 * (NODE_WIDTH + COLUMN_GAP),
                MARGIN + row as f64 * (NODE_HEIGHT + ROW_GAP),
            ));
        }
        let columns = rows_used.len().max(1) as f64;
        let rows = rows_used.iter().copied().max().unwrap_or(1).max(1) as f64;
        let width = 2.0 * MARGIN + columns * NODE_WIDTH + (columns - 1.0) * COLUMN_GAP;
        let height = 2.0 * MARGIN + rows * NODE_HEIGHT + (rows - 1.0) * ROW_GAP;
        (corners, width, height)
    }

    /// The SVG, tagged with the finding it belongs to.
    pub fn to_svg(&self, finding_id: &str, rule_id: &str) -> String {
        let (corners, width, height) = self.layout();
        let description = esc(&self.description());
        let mut svg = format!(
            "<svg class=\"finding-graph\" data-finding=\"{finding}\" data-rule=\"{rule}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{description}\"><title>{description}</title>",
            finding = esc(finding_id),
            rule = esc(rule_id),
        );
        for edge in &self.edges {
            self.draw_edge(edge, &corners, &mut svg);
        }
        for (node, corner) in self.nodes.iter().zip(&corners) {
            draw_node(node, *corner, &mut svg);
        }
        svg.push_str("</svg>");
        svg
    }

    fn draw_edge(&self, edge: &Edge, corners: &[(f64, f64)], svg: &mut String) {
        let (Some(from), Some(to)) = (self.nodes.get(edge.from), self.nodes.get(edge.to)) else {
            return;
        };
        let (Some(start), Some(end)) = (corners.get(edge.from), corners.get(edge.to)) else {
            return;
        };
        let (x1, y1) = (start.0 + NODE_WIDTH, start.1 + NODE_HEIGHT / 2.0);
        let (x2, y2) = (end.0, end.1 + NODE_HEIGHT / 2.0);
        let arrow = arrow_head(x1, y1, x2, y2);
        let dash = if edge.kind == "elided" {
            " stroke-dasharray=\"4 3\""
        } else {
            ""
        };
        let title = if edge.title.is_empty() {
            &edge.label
        } else {
            &edge.title
        };
        let _ = write!(
            svg,
            "<g class=\"edge\" data-kind=\"{kind}\" data-from=\"{from}\" data-to=\"{to}\"><title>{title}</title><line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#4b5563\" stroke-width=\"1.5\"{dash}/><polygon points=\"{arrow}\" fill=\"#4b5563\"/><text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#111827\">{label}</text></g>",
            kind = esc(&edge.kind),
            from = esc(&from.reference),
            to = esc(&to.reference),
            title = esc(title),
            lx = (x1 + x2) / 2.0,
            ly = (y1 + y2) / 2.0 - 4.0,
            label = esc(&shorten(&edge.label, LABEL_CHARS)),
        );
    }
}

fn draw_node(node: &Node, (x, y): (f64, f64), svg: &mut String) {
    let (fill, stroke) = node.kind.colours();
    let weight = if node.kind == NodeKind::Admin {
        " font-weight=\"700\""
    } else {
        ""
    };
    let _ = write!(
        svg,
        "<g class=\"node\" data-kind=\"{kind}\" data-ref=\"{reference}\"><title>{name} · {detail} · {reference}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{NODE_WIDTH}\" height=\"{NODE_HEIGHT}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\"/><text class=\"node-name\" x=\"{tx:.1}\" y=\"{y1:.1}\" font-size=\"12\"{weight} fill=\"#111827\">{short_name}</text><text class=\"node-detail\" x=\"{tx:.1}\" y=\"{y2:.1}\" font-size=\"10\" fill=\"#374151\">{short_detail}</text></g>",
        kind = node.kind.as_str(),
        reference = esc(&node.reference),
        name = esc(&node.name),
        detail = esc(&node.detail),
        tx = x + 7.0,
        y1 = y + 16.0,
        y2 = y + 31.0,
        short_name = esc(&shorten(&node.name, NAME_CHARS)),
        short_detail = esc(&shorten(&node.detail, DETAIL_CHARS)),
    );
}

/// A filled triangle pointing at (x2, y2) along the line from (x1, y1).
fn arrow_head(x1: f64, y1: f64, x2: f64, y2: f64) -> String {
    let length = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt().max(1.0);
    let (ux, uy) = ((x2 - x1) / length, (y2 - y1) / length);
    let (bx, by) = (x2 - 8.0 * ux, y2 - 8.0 * uy);
    let (px, py) = (-uy * 4.0, ux * 4.0);
    format!(
        "{x2:.1},{y2:.1} {:.1},{:.1} {:.1},{:.1}",
        bx + px,
        by + py,
        bx - px,
        by - py
    )
}

/// At most `limit` characters, the last an ellipsis when some were cut.
pub fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut short: String = text.chars().take(limit.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_with_the_same_reference_are_one_node_and_columns_set_the_width() {
        let mut graph = Graph::default();
        let a = graph.node(0, NodeKind::Principal, "a", "user a".into(), "account 1".into());
        let b = graph.node(1, NodeKind::Principal, "b", "role b".into(), "account 1".into());
        assert_eq!(graph.node(3, NodeKind::Outside, "a", "x".into(), "y".into()), a);
        graph.edge(a, b, "assume", "assume role", "");
        let svg = graph.to_svg("f1", "IAM-002");
        assert_eq!(svg.matches("<g class=\"node\"").count(), 2);
        assert_eq!(svg.matches("<g class=\"edge\"").count(), 1);
        let width = 2.0 * MARGIN + 2.0 * NODE_WIDTH + COLUMN_GAP;
        assert!(svg.contains(&format!("width=\"{width}\"")), "{svg}");
        assert!(svg.contains("aria-label=\"user a → role b\""));
    }

    #[test]
    fn long_labels_are_shortened_with_the_full_text_in_the_title() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
        let mut graph = Graph::default();
        let long = "role a-very-long-role-name-that-does-not-fit";
        let a = graph.node(0, NodeKind::Principal, "arn:a", long.into(), String::new());
        let b = graph.node(1, NodeKind::Admin, "arn:b", "b".into(), String::new());
        graph.edge(a, b, "x", "m1 +2", "m1, m2, m3");
        let svg = graph.to_svg("f", "R");
        assert!(svg.contains(&format!(">{}</text>", shorten(long, NAME_CHARS))));
        assert!(svg.contains(&format!("<title>{long} · ")));
        assert!(svg.contains("<title>m1, m2, m3</title>"));
    }
}
