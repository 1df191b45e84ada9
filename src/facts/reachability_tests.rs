use super::*;

const GROUP: &str = "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1";

fn open(protocol: &str, from_port: i32, to_port: i32, cidr: &str) -> InstanceOpenIngress {
    InstanceOpenIngress {
        security_group: GROUP.into(),
        protocol: protocol.into(),
        from_port,
        to_port,
        cidr: cidr.into(),
    }
}

fn entry(rule_number: i32, action: &str, protocol: &str, ports: (i32, i32), cidr: &str) -> AclEntryFacts {
    AclEntryFacts {
        rule_number,
        action: action.into(),
        protocol: protocol.into(),
        from_port: ports.0,
        to_port: ports.1,
        cidr: cidr.into(),
    }
}

fn allow_all() -> Vec<AclEntryFacts> {
    vec![
        entry(100, "allow", "all", (0, 65535), "0.0.0.0/0"),
        entry(32767, "deny", "all", (0, 65535), "0.0.0.0/0"),
    ]
}

fn routes(ipv4: Option<bool>, ipv6: Option<bool>) -> Option<InternetRoutes> {
    Some(InternetRoutes {
        ipv4,
        ipv6,
        route_table_id: Some("rtb-1".into()),
    })
}

/// A public IPv4 instance without IPv6, an IPv4 route to an internet gateway.
fn parts<'a>(ingress: &'a [InstanceOpenIngress], acl: Option<&'a [AclEntryFacts]>) -> ExposureParts<'a> {
    ExposureParts {
        public_ipv4: Some(vec!["198.51.100.7".into()]),
        ipv6_addresses: Some(Vec::new()),
        routes: routes(Some(true), Some(false)),
        open_ingress: ingress,
        unknown_security_groups: &[],
        acl: acl.map(|world_ingress| SubnetAcl {
            id: "acl-1",
            world_ingress,
        }),
    }
}

fn spans(reachability: &InternetReachability) -> Vec<(&str, &str, i32, i32, i32)> {
    reachability
        .ports
        .iter()
        .map(|p| {
            (
                p.family,
                p.protocol.as_str(),
                p.from_port,
                p.to_port,
                p.network_acl_rule,
            )
        })
        .collect()
}

#[test]
fn every_part_open_gives_the_reachable_port_and_the_entry_that_lets_it_in() {
    let ingress = [open("tcp", 22, 22, "0.0.0.0/0")];
    let acl = allow_all();
    let reachability = assess(&parts(&ingress, Some(&acl)));
    assert_eq!(reachability.status, "reachable");
    assert_eq!(spans(&reachability), vec![("ipv4", "tcp", 22, 22, 100)]);
    assert_eq!(reachability.ports[0].security_group, GROUP);
    assert_eq!(reachability.network_acl_id.as_deref(), Some("acl-1"));
    assert_eq!(reachability.route_table_id.as_deref(), Some("rtb-1"));
}

#[test]
fn a_nacl_that_lets_none_of_the_open_ports_in_makes_it_unreachable() {
    let ingress = [open("tcp", 22, 22, "0.0.0.0/0")];
    let acl = vec![
        entry(100, "allow", "tcp", (443, 443), "0.0.0.0/0"),
        entry(120, "allow", "tcp", (32768, 65535), "0.0.0.0/0"),
        entry(32767, "deny", "all", (0, 65535), "0.0.0.0/0"),
    ];
    let reachability = assess(&parts(&ingress, Some(&acl)));
    assert_eq!(reachability.status, "not_reachable");
    assert!(reachability.ports.is_empty());
    assert!(
        reachability
            .reasons
            .iter()
            .any(|r| r.starts_with("IPv4: network ACL acl-1")),
        "{:?}",
        reachability.reasons
    );
}

#[test]
fn nacl_entries_decide_in_rule_number_order_and_all_traffic_is_tcp_and_udp() {
    let ingress = [open("all", 0, 65535, "0.0.0.0/0")];
    // 90 denies SSH before 100 allows everything.
    let acl = vec![
        entry(90, "deny", "tcp", (22, 22), "0.0.0.0/0"),
        entry(100, "allow", "all", (0, 65535), "0.0.0.0/0"),
    ];
    let reachability = assess(&parts(&ingress, Some(&acl)));
    assert_eq!(reachability.status, "reachable");
    assert_eq!(
        spans(&reachability),
        vec![
            ("ipv4", "tcp", 0, 21, 100),
            ("ipv4", "tcp", 23, 65535, 100),
            ("ipv4", "udp", 0, 65535, 100),
        ]
    );
    // A deny first and an allow after it: the deny wins for the ports it covers.
    let ingress = [open("tcp", 20, 30, "0.0.0.0/0")];
    let acl = vec![
        entry(100, "allow", "tcp", (25, 40), "0.0.0.0/0"),
        entry(200, "allow", "tcp", (0, 65535), "0.0.0.0/0"),
    ];
    let reachability = assess(&parts(&ingress, Some(&acl)));
    assert_eq!(
        spans(&reachability),
        vec![("ipv4", "tcp", 20, 24, 200), ("ipv4", "tcp", 25, 30, 100)]
    );
}

#[test]
fn a_missing_part_is_unknown_never_unreachable() {
    let ingress = [open("tcp", 443, 443, "0.0.0.0/0")];
    let acl = allow_all();
    let without_acl = assess(&parts(&ingress, None));
    assert_eq!(without_acl.status, "unknown");
    assert!(
        without_acl
            .reasons
            .iter()
            .any(|r| r.contains("network ACL is not in the snapshot")),
        "{:?}",
        without_acl.reasons
    );
    let mut unknown_routing = parts(&ingress, Some(&acl));
    unknown_routing.routes = None;
    assert_eq!(assess(&unknown_routing).status, "unknown");
    let mut unknown_address = parts(&ingress, Some(&acl));
    unknown_address.public_ipv4 = None;
    assert_eq!(assess(&unknown_address).status, "unknown");
    let unknown_groups = ["sg-gone".to_string()];
    let mut no_known_ingress = parts(&[], Some(&acl));
    no_known_ingress.unknown_security_groups = &unknown_groups;
    let verdict = assess(&no_known_ingress);
    assert_eq!(verdict.status, "unknown");
    assert!(
        verdict.reasons.iter().any(|r| r.contains("sg-gone")),
        "{:?}",
        verdict.reasons
    );
}

#[test]
fn a_part_known_to_be_missing_settles_it_even_when_others_are_unknown() {
    let ingress = [open("tcp", 443, 443, "0.0.0.0/0")];
    let mut private = parts(&ingress, None);
    private.public_ipv4 = Some(Vec::new());
    let verdict = assess(&private);
    assert_eq!(verdict.status, "not_reachable");
    assert!(verdict.reasons.contains(&"IPv4: no public IPv4 address".to_string()));
    let mut no_route = parts(&ingress, None);
    no_route.routes = routes(Some(false), Some(false));
    assert_eq!(assess(&no_route).status, "not_reachable");
    let closed = parts(&[], None);
    assert_eq!(assess(&closed).status, "not_reachable");
}

#[test]
fn known_open_ports_are_reachable_though_unknown_groups_may_add_more() {
    let ingress = [open("tcp", 443, 443, "0.0.0.0/0")];
    let acl = allow_all();
    let unknown_groups = ["sg-gone".to_string()];
    let mut some_unknown = parts(&ingress, Some(&acl));
    some_unknown.unknown_security_groups = &unknown_groups;
    let verdict = assess(&some_unknown);
    assert_eq!(verdict.status, "reachable");
    assert!(
        verdict.reasons.iter().any(|r| r.contains("more ports may be open")),
        "{:?}",
        verdict.reasons
    );
}

#[test]
fn ipv6_is_judged_on_its_own_address_route_rule_and_nacl_entry() {
    let ingress = [open("tcp", 443, 443, "::/0"), open("tcp", 22, 22, "0.0.0.0/0")];
    let acl = vec![
        entry(100, "allow", "all", (0, 65535), "::/0"),
        entry(110, "deny", "all", (0, 65535), "0.0.0.0/0"),
    ];
    let mut dual = parts(&ingress, Some(&acl));
    dual.public_ipv4 = Some(Vec::new());
    dual.ipv6_addresses = Some(vec!["2001:db8::7".into()]);
    dual.routes = routes(Some(false), Some(true));
    let verdict = assess(&dual);
    assert_eq!(verdict.status, "reachable");
    assert_eq!(spans(&verdict), vec![("ipv6", "tcp", 443, 443, 100)]);
    // The IPv4 rule does not open IPv6, and the IPv6 entry does not let IPv4 in.
    dual.routes = routes(Some(true), Some(false));
    dual.public_ipv4 = Some(vec!["198.51.100.7".into()]);
    assert_eq!(assess(&dual).status, "not_reachable");
}
