//! Effective internet reachability of an instance, per address family: a public address (its
//! own public IPv4, an Elastic IP, or an IPv6 address), a route to an internet gateway in its
//! subnet's route table, security-group ingress from 0.0.0.0/0 or ::/0, and the subnet's network
//! ACL letting those ports in from the same world range (entries in rule-number order, the first
//! match decides). The NACL's outbound return path (ephemeral ports) is not checked.
//! A part that is not in the snapshot makes the verdict `unknown`, never `not_reachable`.

use super::network::{AclEntryFacts, InstanceOpenIngress};
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InternetReachability {
    /// `reachable`, `not_reachable` or `unknown`.
    pub status: &'static str,
    /// Port ranges the internet can reach, one per security-group rule and NACL entry that let
    /// them in (empty unless `reachable`).
    pub ports: Vec<ReachablePorts>,
    /// Why it is not reachable, what is unknown, or what may open more ports; each prefixed by
    /// its family (`IPv4:`, `IPv6:`).
    pub reasons: Vec<String>,
    /// Public IPv4 addresses: its own and its Elastic IPs'.
    pub public_ipv4: Vec<String>,
    /// IPv6 addresses of its interfaces (every IPv6 address in a VPC is global).
    pub ipv6_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_table_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_acl_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct ReachablePorts {
    /// `ipv4` or `ipv6`.
    pub family: &'static str,
    /// `tcp`, `udp`, `icmp` or the protocol number (all protocols are listed as tcp and udp).
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    /// Key of the security group whose rule opens them.
    pub security_group: String,
    /// Number of the NACL entry that lets them in.
    pub network_acl_rule: i32,
}

/// The subnet's routes to an internet gateway by family; `None` where unknown.
#[derive(Debug, Default, Clone)]
pub struct InternetRoutes {
    pub ipv4: Option<bool>,
    pub ipv6: Option<bool>,
    pub route_table_id: Option<String>,
}

/// The subnet's network ACL: its id and its world-sourced ingress entries in rule order.
pub struct SubnetAcl<'a> {
    pub id: &'a str,
    pub world_ingress: &'a [AclEntryFacts],
}

/// Everything known about one instance's exposure; `None` where a part is not in the snapshot.
pub struct ExposureParts<'a> {
    pub public_ipv4: Option<Vec<String>>,
    pub ipv6_addresses: Option<Vec<String>>,
    pub routes: Option<InternetRoutes>,
    pub open_ingress: &'a [InstanceOpenIngress],
    pub unknown_security_groups: &'a [String],
    pub acl: Option<SubnetAcl<'a>>,
}

#[derive(Clone, Copy)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
    fn world(self) -> &'static str {
        match self {
            Family::V4 => "0.0.0.0/0",
            Family::V6 => "::/0",
        }
    }
}

enum Verdict {
    Reachable(Vec<ReachablePorts>, Vec<String>),
    NotReachable(String),
    Unknown(Vec<String>),
}

pub fn assess(parts: &ExposureParts) -> InternetReachability {
    let routes = parts.routes.clone().unwrap_or_default();
    let known = |list: &Option<Vec<String>>| list.as_ref().map(|l| !l.is_empty());
    let v4 = family_verdict(Family::V4, known(&parts.public_ipv4), routes.ipv4, parts);
    let v6 = family_verdict(Family::V6, known(&parts.ipv6_addresses), routes.ipv6, parts);
    let (status, mut ports, reasons) = combine([(Family::V4, v4), (Family::V6, v6)]);
    ports.sort();
    ports.dedup();
    InternetReachability {
        status,
        ports,
        reasons,
        public_ipv4: parts.public_ipv4.clone().unwrap_or_default(),
        ipv6_addresses: parts.ipv6_addresses.clone().unwrap_or_default(),
        route_table_id: routes.route_table_id,
        network_acl_id: parts.acl.as_ref().map(|acl| acl.id.to_string()),
    }
}

/// Reachable when one family is; not reachable when both are not; else unknown.
fn combine(verdicts: [(Family, Verdict); 2]) -> (&'static str, Vec<ReachablePorts>, Vec<String>) {
    let mut ports = Vec::new();
    let mut reasons = Vec::new();
    let (mut reachable, mut unknown) = (false, false);
    for (family, verdict) in verdicts {
        let label = family.label();
        match verdict {
            Verdict::Reachable(open, notes) => {
                reachable = true;
                ports.extend(open);
                reasons.extend(notes.into_iter().map(|n| format!("{label}: {n}")));
            }
            Verdict::NotReachable(why) => reasons.push(format!("{label}: {why}")),
            Verdict::Unknown(whys) => {
                unknown = true;
                reasons.extend(whys.into_iter().map(|w| format!("{label}: {w}")));
            }
        }
    }
    let status = if reachable {
        "reachable"
    } else if unknown {
        "unknown"
    } else {
        "not_reachable"
    };
    (status, ports, reasons)
}

/// One family: any part known to be missing settles "not reachable"; else every part must be
/// known for "reachable" (unknown security groups only mean more ports may be open).
fn family_verdict(family: Family, address: Option<bool>, route: Option<bool>, parts: &ExposureParts) -> Verdict {
    let label = family.label();
    if address == Some(false) {
        return Verdict::NotReachable(format!("no public {label} address"));
    }
    if route == Some(false) {
        return Verdict::NotReachable(format!(
            "the subnet's route table has no {label} route to an internet gateway"
        ));
    }
    let open: Vec<&InstanceOpenIngress> = parts
        .open_ingress
        .iter()
        .filter(|rule| rule.cidr == family.world())
        .collect();
    let groups_unknown = !parts.unknown_security_groups.is_empty();
    if open.is_empty() && !groups_unknown {
        return Verdict::NotReachable(format!("no security group allows ingress from {}", family.world()));
    }
    let ports = parts
        .acl
        .as_ref()
        .map(|acl| acl_allowed(family, &open, acl.world_ingress));
    if let (Some(ports), Some(acl), false) = (&ports, &parts.acl, groups_unknown) {
        if ports.is_empty() {
            return Verdict::NotReachable(format!(
                "network ACL {} lets none of the world-open ports in from {}",
                acl.id,
                family.world()
            ));
        }
    }
    let mut unknown = Vec::new();
    if address.is_none() {
        unknown.push(format!("whether it has a public {label} address is unknown"));
    }
    if route.is_none() {
        unknown.push("the subnet's routing is unknown".to_string());
    }
    if ports.is_none() {
        unknown.push("the subnet's network ACL is not in the snapshot".to_string());
    }
    let groups_note = format!(
        "security groups not in the snapshot: {}",
        parts.unknown_security_groups.join(", ")
    );
    match ports {
        Some(ports) if unknown.is_empty() && !ports.is_empty() => {
            let notes = if groups_unknown {
                vec![format!("more ports may be open ({groups_note})")]
            } else {
                Vec::new()
            };
            Verdict::Reachable(ports, notes)
        }
        _ => {
            if groups_unknown {
                unknown.push(groups_note);
            }
            Verdict::Unknown(unknown)
        }
    }
}

/// The parts of the world-open security-group ranges that the NACL lets in.
fn acl_allowed(family: Family, open: &[&InstanceOpenIngress], entries: &[AclEntryFacts]) -> Vec<ReachablePorts> {
    let entries: Vec<&AclEntryFacts> = entries.iter().filter(|e| e.cidr == family.world()).collect();
    let mut allowed = Vec::new();
    for rule in open {
        // "All traffic" reaches every TCP and UDP port: list it as the two.
        let protocols: Vec<&str> = if rule.protocol == "all" {
            vec!["tcp", "udp"]
        } else {
            vec![rule.protocol.as_str()]
        };
        for protocol in protocols {
            for (from_port, to_port, network_acl_rule) in first_match(protocol, rule.from_port, rule.to_port, &entries)
            {
                allowed.push(ReachablePorts {
                    family: family.name(),
                    protocol: protocol.to_string(),
                    from_port,
                    to_port,
                    security_group: rule.security_group.clone(),
                    network_acl_rule,
                });
            }
        }
    }
    allowed
}

/// Walks the entries in rule order over the range `from..=to`: each port is decided by the first
/// entry that covers it; ports no entry covers are denied (the implicit `*` rule).
fn first_match(protocol: &str, from: i32, to: i32, entries: &[&AclEntryFacts]) -> Vec<(i32, i32, i32)> {
    let ported = matches!(protocol, "tcp" | "udp");
    let mut remaining = vec![(from, to)];
    let mut allowed = Vec::new();
    for entry in entries {
        if remaining.is_empty() {
            break;
        }
        if entry.protocol != "all" && entry.protocol != protocol {
            continue;
        }
        // Ports mean nothing outside TCP and UDP: a matching entry covers the whole rule.
        let (low, high) = if ported && entry.protocol != "all" {
            (entry.from_port, entry.to_port)
        } else {
            (i32::MIN, i32::MAX)
        };
        let mut rest = Vec::new();
        for (a, b) in remaining {
            let (start, end) = (a.max(low), b.min(high));
            if start > end {
                rest.push((a, b));
                continue;
            }
            if entry.action == "allow" {
                allowed.push((start, end, entry.rule_number));
            }
            if a < start {
                rest.push((a, start - 1));
            }
            if end < b {
                rest.push((end + 1, b));
            }
        }
        remaining = rest;
    }
    allowed
}

#[cfg(test)]
#[path = "reachability_tests.rs"]
mod tests;
