//! The graphs drawn beside failing findings, read from their evidence alone (docs/facts.md,
//! `path_to_privileged`; rules/lib/correlation.rego, `role_evidence`):
//! - an escalation (IAM-002): the principal, each step of its path (`assume`,
//!   `assume_cross_account`, `pass_role`, `workload`) to the administrator it reaches, and its own
//!   escalation methods as one edge to its account's administrator;
//! - a toxic combination (XC-*): the threat and the exposure (or whoever may call in) into the
//!   workload or role, then the role's way to administrator.
//!
//! A finding of another rule, or evidence of another shape, gets no graph.

use super::graph::{shorten, Graph, NodeKind};
use serde_json::Value;

/// Nodes of a path drawn before the middle is folded into one dashed edge.
const PATH_NODES_SHOWN: usize = 6;
/// Sources (GuardDuty findings, outside principals) drawn in one column.
const SOURCES_SHOWN: usize = 3;
/// Method ids named on an edge before `+N`.
const METHODS_NAMED: usize = 1;

/// The graph of a failing finding, when its rule has one.
pub fn graph_of(rule_id: &str, resource_arn: &str, evidence: &Value) -> Option<Graph> {
    let mut graph = Graph::default();
    match rule_id {
        "IAM-002" => escalation(&mut graph, resource_arn, evidence),
        "XC-001" | "XC-002" => exposed_instance(&mut graph, resource_arn, evidence),
        "XC-003" => untrusted_admin_role(&mut graph, evidence),
        "XC-004" => public_function(&mut graph, resource_arn, evidence),
        _ => return None,
    }
    (!graph.is_empty()).then_some(graph)
}

/// Kind, name and account of an ARN: `arn:aws:iam::1:role/ops/deploy` is (role, deploy, 1).
fn parts(arn: &str) -> (String, String, Option<String>) {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, _, _, account, resource] = fields.as_slice() else {
        return (String::new(), arn.to_string(), None);
    };
    let (kind, rest) = resource.split_once(['/', ':']).unwrap_or((resource, ""));
    let name = rest.rsplit('/').next().unwrap_or(rest);
    let account = (!account.is_empty()).then(|| account.to_string());
    (kind.to_string(), name.to_string(), account)
}

/// `role deploy` · `account 1`.
fn labels(arn: &str) -> (String, String) {
    let (kind, name, account) = parts(arn);
    let name = match (kind.is_empty(), name.is_empty()) {
        (true, _) => name,
        (false, true) => kind,
        (false, false) => format!("{kind} {name}"),
    };
    (name, account.map(|a| format!("account {a}")).unwrap_or_default())
}

fn arn_node(graph: &mut Graph, column: usize, kind: NodeKind, arn: &str) -> usize {
    let (name, detail) = labels(arn);
    graph.node(column, kind, arn, name, detail)
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// `CreatePolicyVersion +3`, and every id for the title.
fn methods_label(ids: &[&str]) -> (String, String) {
    let named = ids.iter().take(METHODS_NAMED).copied().collect::<Vec<_>>().join(", ");
    let label = match ids.len().saturating_sub(METHODS_NAMED) {
        0 => named,
        more => format!("{named} +{more}"),
    };
    (label, format!("escalation methods: {}", ids.join(", ")))
}

/// An edge from `from` to the administrator of its account, labelled by the methods.
fn methods_edge(graph: &mut Graph, from: usize, arn: &str, ids: &[&str]) {
    if ids.is_empty() {
        return;
    }
    let account = parts(arn).2.unwrap_or_default();
    let admin = graph.node(
        graph.column_of(from) + 1,
        NodeKind::Admin,
        &format!("administrator:{account}"),
        "administrator".into(),
        format!("account {account}"),
    );
    let (label, title) = methods_label(ids);
    graph.edge(from, admin, "escalation_method", &label, &title);
}

fn step_label(step: &Value) -> (String, String) {
    let via = step["via"].as_str().unwrap_or_default();
    let label = match step["kind"].as_str().unwrap_or_default() {
        "assume" => "assume role".to_string(),
        "assume_cross_account" => "assume, cross-account".to_string(),
        "pass_role" => format!("pass role: {via}"),
        "workload" => match step["workload"].as_str() {
            Some(workload) => format!("{via}: {}", workload.rsplit([':', '/']).next().unwrap_or(workload)),
            None => via.to_string(),
        },
        other => other.replace('_', " "),
    };
    (
        label,
        format!("{} via {via}", step["kind"].as_str().unwrap_or_default()),
    )
}

/// The steps of a `path_to_privileged` from node `start`; the last node is the administrator.
fn path(graph: &mut Graph, start: usize, path: &Value) {
    let Some(steps) = path["steps"].as_array().filter(|s| !s.is_empty()) else {
        return;
    };
    let column = graph.column_of(start);
    let fold = steps.len() + 1 > PATH_NODES_SHOWN;
    let mut previous = start;
    for (index, step) in steps.iter().enumerate() {
        // A long path keeps its first two and its last step; the middle is one dashed edge.
        if fold && index >= 2 && index + 1 < steps.len() {
            continue;
        }
        let to = step["to"].as_str().unwrap_or_default();
        let shown_column = column + if fold && index + 1 == steps.len() { 4 } else { index + 1 };
        if fold && index + 1 == steps.len() {
            let from = step["from"].as_str().unwrap_or_default();
            let middle = arn_node(graph, column + 3, NodeKind::Principal, from);
            let hidden = steps.len() - 3;
            graph.edge(previous, middle, "elided", &format!("{hidden} more step(s)"), "");
            previous = middle;
        }
        let next = arn_node(graph, shown_column, NodeKind::Principal, to);
        let (label, title) = step_label(step);
        graph.edge(
            previous,
            next,
            step["kind"].as_str().unwrap_or_default(),
            &label,
            &title,
        );
        previous = next;
    }
    let reason = path["target_reason"].as_str().unwrap_or("privileged").replace('_', " ");
    graph.mark_admin(previous, &reason);
}

/// IAM-002: the principal's path to a privileged principal and its own methods.
fn escalation(graph: &mut Graph, arn: &str, evidence: &Value) {
    let start = arn_node(graph, 0, NodeKind::Principal, arn);
    if evidence["path"].is_object() {
        path(graph, start, &evidence["path"]);
    }
    let methods: Vec<&str> = evidence["methods"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["id"].as_str()).collect())
        .unwrap_or_default();
    methods_edge(graph, start, arn, &methods);
}

/// A role of a combination (`role_evidence`) and its way to administrator, from `from`.
fn role_tail(graph: &mut Graph, from: usize, kind: &str, label: &str, role: &Value) {
    let Some(arn) = role["arn"].as_str() else { return };
    let node = arn_node(graph, graph.column_of(from) + 1, NodeKind::Principal, arn);
    graph.edge(from, node, kind, label, "");
    if role["full_admin"] == true {
        graph.mark_admin(node, "full admin");
    } else if role["path_to_privileged"].is_object() {
        path(graph, node, &role["path_to_privileged"]);
    } else {
        methods_edge(graph, node, arn, &strings(&role["escalation_methods"]));
    }
}

/// XC-001 and XC-002: GuardDuty and the internet into the instance, then its role.
fn exposed_instance(graph: &mut Graph, arn: &str, evidence: &Value) {
    let mut sources = Vec::new();
    let findings = evidence["guardduty_findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for finding in findings.iter().take(SOURCES_SHOWN) {
        let kind = finding["type"].as_str().unwrap_or("GuardDuty finding");
        let node = graph.node(0, NodeKind::Threat, kind, "GuardDuty finding".into(), kind.to_string());
        let severity = finding["severity"]
            .as_f64()
            .map(|s| format!("severity {s}"))
            .unwrap_or_default();
        sources.push((node, "active_finding", severity, String::new()));
    }
    if findings.len() > SOURCES_SHOWN {
        let more = findings.len() - SOURCES_SHOWN;
        let node = graph.node(
            0,
            NodeKind::Threat,
            "more-findings",
            format!("+{more} more"),
            String::new(),
        );
        sources.push((node, "active_finding", String::new(), String::new()));
    }
    if let Some(ingress) = evidence["exposure"]["world_open_ingress"].as_array() {
        let (node, label, title) = internet(graph, evidence, ingress);
        sources.push((node, "network", label, title));
    }
    let instance = arn_node(graph, 1, NodeKind::Workload, arn);
    for (source, kind, label, title) in sources {
        graph.edge(source, instance, kind, &label, &title);
    }
    role_tail(
        graph,
        instance,
        "instance_profile",
        "instance profile",
        &evidence["role"],
    );
}

/// The internet node and the edge's ports (`tcp 443, 80`), with the groups in its title.
fn internet(graph: &mut Graph, evidence: &Value, ingress: &[Value]) -> (usize, String, String) {
    let mut cidrs: Vec<&str> = Vec::new();
    for cidr in ingress.iter().filter_map(|r| r["cidr"].as_str()) {
        if !cidrs.contains(&cidr) {
            cidrs.push(cidr);
        }
    }
    let mut ports: Vec<String> = Vec::new();
    let mut groups: Vec<&str> = Vec::new();
    for rule in ingress {
        let (from, to) = (&rule["from_port"], &rule["to_port"]);
        let range = if from == to {
            from.to_string()
        } else {
            format!("{from}-{to}")
        };
        let port = match rule["protocol"].as_str().unwrap_or_default() {
            "all" => "all ports".to_string(),
            protocol => format!("{protocol} {range}"),
        };
        if !ports.contains(&port) {
            ports.push(port);
        }
        if let Some(group) = rule["security_group"].as_str().filter(|g| !groups.contains(g)) {
            groups.push(group);
        }
    }
    let public_ip = evidence["exposure"]["public_ip"].as_str().unwrap_or_default();
    let node = graph.node(0, NodeKind::Outside, "internet", "internet".into(), cidrs.join(", "));
    let title = format!("{public_ip} open on {} through {}", ports.join(", "), groups.join(", "));
    (node, ports.join(", "), title)
}

/// XC-003: whoever outside the trusted set may assume the administrator role.
fn untrusted_admin_role(graph: &mut Graph, evidence: &Value) {
    let Some(arn) = evidence["role"]["arn"].as_str() else {
        return;
    };
    let entries = evidence["outside_trust"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut sources = Vec::new();
    for entry in entries.iter().take(SOURCES_SHOWN) {
        let principal = entry["principal"].as_str().unwrap_or("*");
        let (name, detail) = match principal {
            "*" => ("anyone (*)".to_string(), "any account".to_string()),
            arn => labels(arn),
        };
        let node = graph.node(0, NodeKind::Outside, principal, name, detail);
        let actions = strings(&entry["actions"]).join(", ");
        sources.push((node, actions));
    }
    if entries.len() > SOURCES_SHOWN {
        let more = format!("+{} more", entries.len() - SOURCES_SHOWN);
        let node = graph.node(0, NodeKind::Outside, "more-principals", more, String::new());
        sources.push((node, String::new()));
    }
    let Some((first, actions)) = sources.first().cloned() else {
        return;
    };
    role_tail(graph, first, "trust", &actions, &evidence["role"]);
    let role = graph.node(1, NodeKind::Principal, arn, String::new(), String::new());
    for (source, actions) in sources.iter().skip(1) {
        graph.edge(*source, role, "trust", actions, "");
    }
}

/// XC-004: who may invoke the function, the function, and its execution role.
fn public_function(graph: &mut Graph, arn: &str, evidence: &Value) {
    let invokers = evidence["invokers"].as_str().unwrap_or("anyone");
    let detail = if invokers == "anyone" {
        "public policy".to_string()
    } else {
        "outside accounts".to_string()
    };
    let outside = graph.node(0, NodeKind::Outside, "invokers", shorten(invokers, 60), detail);
    let function = arn_node(graph, 1, NodeKind::Workload, arn);
    graph.edge(outside, function, "invoke", "lambda:InvokeFunction", invokers);
    role_tail(graph, function, "execution_role", "execution role", &evidence["role"]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn svg(rule: &str, arn: &str, evidence: Value) -> String {
        graph_of(rule, arn, &evidence).expect("a graph").to_svg("f", rule)
    }

    #[test]
    fn arns_name_their_kind_name_and_account() {
        assert_eq!(
            labels("arn:aws:iam::111:role/service-role/deploy"),
            ("role deploy".into(), "account 111".into())
        );
        assert_eq!(
            labels("arn:aws:lambda:eu-west-1:333:function:hook"),
            ("function hook".into(), "account 333".into())
        );
        assert_eq!(labels("arn:aws:iam::111:root"), ("root".into(), "account 111".into()));
        assert_eq!(
            labels("terraform:aws_iam_role.x"),
            ("terraform:aws_iam_role.x".into(), String::new())
        );
    }

    #[test]
    fn an_exposed_instance_whose_role_can_escalate_is_internet_instance_role_admin() {
        let evidence = json!({
            "exposure": {"public_ip": "203.0.113.1", "world_open_ingress": [
                {"cidr": "0.0.0.0/0", "from_port": 22, "to_port": 22, "protocol": "tcp", "security_group": "sg-1"},
                {"cidr": "0.0.0.0/0", "from_port": 0, "to_port": 65535, "protocol": "all", "security_group": "sg-2"}]},
            "role": {"arn": "arn:aws:iam::1:role/web", "full_admin": false, "privileged": true,
                     "escalation_methods": ["AttachRolePolicy", "PutRolePolicy", "CreatePolicyVersion"],
                     "path_to_privileged": null}
        });
        let svg = svg("XC-002", "arn:aws:ec2:eu-west-1:1:instance/i-1", evidence);
        for reference in [
            "internet",
            "arn:aws:ec2:eu-west-1:1:instance/i-1",
            "arn:aws:iam::1:role/web",
            "administrator:1",
        ] {
            assert!(svg.contains(&format!("data-ref=\"{reference}\"")), "{reference}: {svg}");
        }
        assert!(svg.contains(">tcp 22, all ports</text>"), "{svg}");
        assert!(svg.contains("data-kind=\"instance_profile\""));
        assert!(svg.contains(">AttachRolePolicy +2</text>"), "{svg}");
        assert!(svg.contains("<title>escalation methods: AttachRolePolicy, PutRolePolicy, CreatePolicyVersion</title>"));
        assert!(!svg.contains("data-kind=\"threat\""));
    }

    #[test]
    fn a_long_path_keeps_its_ends_and_folds_the_middle() {
        let arns: Vec<String> = (0..9).map(|i| format!("arn:aws:iam::{i}:role/r{i}")).collect();
        let steps: Vec<Value> = arns
            .windows(2)
            .map(|w| json!({"from": w[0], "to": w[1], "via": "sts:AssumeRole", "kind": "assume_cross_account"}))
            .collect();
        let evidence = json!({"methods": [], "path": {"path": arns, "steps": steps, "target_reason": "full_admin"}});
        let svg = svg("IAM-002", &arns[0], evidence);
        for shown in [0, 1, 2, 7, 8] {
            assert!(svg.contains(&format!("data-ref=\"{}\"", arns[shown])), "{shown}");
        }
        for hidden in [3, 4, 5, 6] {
            assert!(!svg.contains(&format!("data-ref=\"{}\"", arns[hidden])), "{hidden}");
        }
        assert!(svg.contains(">5 more step(s)</text>"), "{svg}");
        assert_eq!(svg.matches("<g class=\"edge\"").count(), 4);
        assert!(svg.contains(&format!("data-kind=\"admin\" data-ref=\"{}\"", arns[8])));
    }

    #[test]
    fn other_rules_and_evidence_without_a_route_get_no_graph() {
        assert!(graph_of("NET-001", "arn:x", &json!({})).is_none());
        assert!(graph_of(
            "IAM-002",
            "arn:aws:iam::1:user/a",
            &json!({"methods": [], "path": null})
        )
        .is_none());
        assert!(graph_of("XC-003", "arn:x", &json!("not an object")).is_none());
    }
}
