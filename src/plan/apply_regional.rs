//! Planned regional items applied to a region: network resources and their parts (rules,
//! routes, associations, entries, endpoint policies, allowed principals), GuardDuty detectors
//! and features, Security Hub and its standards, Config recorders and their status. A section
//! the base did not collect is created when the plan puts something in it.

use super::apply::same_value;
use super::items::Item;
use crate::snapshot::{ConfigSection, GuardDutySection, NetworkSection, RegionSnapshot, SecurityHubSection};

pub fn remove(region: &mut RegionSnapshot, item: &Item) {
    match item {
        Item::GuardDutyDetector(_) | Item::GuardDutyFeature { .. } => {
            if let Some(section) = region.guardduty.as_mut() {
                remove_guardduty(section, item);
            }
        }
        Item::SecurityHub { .. } | Item::SecurityHubStandard(_) => {
            if let Some(section) = region.securityhub.as_mut() {
                match item {
                    Item::SecurityHubStandard(standard) => {
                        if let Some(standards) = section.standards.as_mut() {
                            standards.retain(|s| s.arn != standard.arn);
                        }
                    }
                    _ => {
                        section.enabled = false;
                        section.standards = Some(Vec::new());
                    }
                }
            }
        }
        Item::ConfigRecorder(_) | Item::ConfigRecorderStatus { .. } | Item::DeliveryChannel { .. } => {
            if let Some(section) = region.config.as_mut() {
                remove_config(section, item);
            }
        }
        network_item => {
            if let Some(network) = region.network.as_mut() {
                remove_network(network, network_item);
            }
        }
    }
}

fn remove_guardduty(section: &mut GuardDutySection, item: &Item) {
    match item {
        Item::GuardDutyDetector(detector) => section.detectors.retain(|d| d.id != detector.id),
        Item::GuardDutyFeature { detector_id, feature } => {
            if let Some(detector) = section.detectors.iter_mut().find(|d| d.id == *detector_id) {
                detector.features.retain(|f| f.name != feature.name);
            }
        }
        _ => {}
    }
}

fn remove_config(section: &mut ConfigSection, item: &Item) {
    match item {
        Item::ConfigRecorder(recorder) => section.recorders.retain(|r| r.name != recorder.name),
        Item::ConfigRecorderStatus { name, .. } => {
            if let Some(recorder) = section.recorders.iter_mut().find(|r| r.name == *name) {
                recorder.recording = false;
            }
        }
        Item::DeliveryChannel { name } => section.delivery_channels.retain(|c| c != name),
        _ => {}
    }
}

fn remove_network(network: &mut NetworkSection, item: &Item) {
    match item {
        Item::SecurityGroup(group) => network.security_groups.retain(|g| g.id != group.id),
        Item::SecurityGroupRule { group_id, egress, rule } => {
            if let Some(group) = network.security_groups.iter_mut().find(|g| g.id == *group_id) {
                let rules = if *egress { &mut group.egress } else { &mut group.ingress };
                if let Some(position) = rules.iter().position(|r| same_value(r, rule)) {
                    rules.remove(position);
                }
            }
        }
        Item::Vpc(vpc) => network.vpcs.retain(|v| v.id != vpc.id),
        Item::Subnet(subnet) => network.subnets.retain(|s| s.id != subnet.id),
        Item::RouteTable(table) => network.route_tables.retain(|t| t.id != table.id),
        Item::Route { table_id, route } => {
            if let Some(table) = network.route_tables.iter_mut().find(|t| t.id == *table_id) {
                table.routes.retain(|r| r.destination != route.destination);
            }
        }
        Item::RouteTableAssociation { table_id, subnet_id } => {
            if let Some(table) = network.route_tables.iter_mut().find(|t| t.id == *table_id) {
                table.subnet_ids.retain(|s| s != subnet_id);
            }
        }
        Item::MainRouteTable { table_id } => {
            if let Some(table) = network.route_tables.iter_mut().find(|t| t.id == *table_id) {
                table.is_main = false;
            }
        }
        Item::InternetGateway(gateway) => network.internet_gateways.retain(|g| g.id != gateway.id),
        Item::GatewayAttachment { gateway_id, vpc_id } => {
            if let Some(gateway) = network.internet_gateways.iter_mut().find(|g| g.id == *gateway_id) {
                gateway.vpc_ids.retain(|v| v != vpc_id);
            }
        }
        Item::NatGateway(gateway) => network.nat_gateways.retain(|g| g.id != gateway.id),
        Item::NetworkAcl(acl) => network.network_acls.retain(|a| a.id != acl.id),
        Item::NetworkAclEntry { acl_id, entry } => {
            if let Some(acl) = network.network_acls.iter_mut().find(|a| a.id == *acl_id) {
                acl.entries
                    .retain(|e| !(e.rule_number == entry.rule_number && e.egress == entry.egress));
            }
        }
        Item::NetworkAclAssociation { acl_id, subnet_id } => {
            if let Some(acl) = network.network_acls.iter_mut().find(|a| a.id == *acl_id) {
                acl.subnet_ids.retain(|s| s != subnet_id);
            }
        }
        _ => remove_endpoints(network, item),
    }
}

fn remove_endpoints(network: &mut NetworkSection, item: &Item) {
    match item {
        Item::VpcEndpoint(endpoint) => network.vpc_endpoints.retain(|e| e.id != endpoint.id),
        Item::EndpointPolicy { endpoint_id, .. } => {
            if let Some(endpoint) = network.vpc_endpoints.iter_mut().find(|e| e.id == *endpoint_id) {
                endpoint.policy = None;
            }
        }
        Item::EndpointService(service) => network.endpoint_services.retain(|s| s.id != service.id),
        Item::EndpointServicePrincipal { service_id, principal } => {
            if let Some(service) = network.endpoint_services.iter_mut().find(|s| s.id == *service_id) {
                service.allowed_principals.retain(|p| p != principal);
            }
        }
        Item::FlowLog(log) => {
            if let Some(logs) = network.flow_logs.as_mut() {
                logs.retain(|l| l.id != log.id);
            } else if let Some(vpc) = network.vpcs.iter_mut().find(|v| v.id == log.resource_id) {
                vpc.flow_logs_enabled = Some(false);
            }
        }
        Item::Peering(peering) => network.peering_connections.retain(|p| p.id != peering.id),
        _ => {}
    }
}

/// Adds the item to its section (created when absent); false when a part's owner is missing.
pub fn add(region: &mut RegionSnapshot, item: &Item) -> bool {
    match item {
        Item::GuardDutyDetector(_) | Item::GuardDutyFeature { .. } => {
            add_guardduty(region.guardduty.get_or_insert_with(GuardDutySection::default), item)
        }
        Item::SecurityHub { hub_arn } => {
            let section = region.securityhub.get_or_insert_with(SecurityHubSection::default);
            section.enabled = true;
            if hub_arn.is_some() {
                section.hub_arn = hub_arn.clone();
            }
            true
        }
        Item::SecurityHubStandard(standard) => {
            let section = region.securityhub.get_or_insert_with(SecurityHubSection::default);
            let standards = section.standards.get_or_insert_with(Vec::new);
            standards.retain(|s| s.arn != standard.arn);
            standards.push(standard.clone());
            true
        }
        Item::ConfigRecorder(_) | Item::ConfigRecorderStatus { .. } | Item::DeliveryChannel { .. } => {
            add_config(region.config.get_or_insert_with(ConfigSection::default), item)
        }
        network_item => add_network(region.network.get_or_insert_with(NetworkSection::default), network_item),
    }
}

fn add_guardduty(section: &mut GuardDutySection, item: &Item) -> bool {
    match item {
        Item::GuardDutyDetector(detector) => {
            let mut detector = detector.clone();
            if let Some(old) = section.detectors.iter().find(|d| d.id == detector.id) {
                if detector.features.is_empty() {
                    detector.features = old.features.clone();
                }
            }
            section.detectors.retain(|d| d.id != detector.id);
            section.detectors.push(detector);
            true
        }
        Item::GuardDutyFeature { detector_id, feature } => {
            match section.detectors.iter_mut().find(|d| d.id == *detector_id) {
                Some(detector) => {
                    detector.features.retain(|f| f.name != feature.name);
                    detector.features.push(feature.clone());
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

fn add_config(section: &mut ConfigSection, item: &Item) -> bool {
    match item {
        Item::ConfigRecorder(recorder) => {
            let mut recorder = recorder.clone();
            if let Some(old) = section.recorders.iter().find(|r| r.name == recorder.name) {
                recorder.recording = old.recording;
            }
            section.recorders.retain(|r| r.name != recorder.name);
            section.recorders.push(recorder);
            true
        }
        Item::ConfigRecorderStatus { name, recording } => {
            match section.recorders.iter_mut().find(|r| r.name == *name) {
                Some(recorder) => {
                    recorder.recording = *recording;
                    true
                }
                None => false,
            }
        }
        Item::DeliveryChannel { name } => {
            if !section.delivery_channels.contains(name) {
                section.delivery_channels.push(name.clone());
            }
            true
        }
        _ => false,
    }
}

/// Replaces the deployed item with the same id, keeping what `merge` takes from it.
fn upsert<T: Clone>(list: &mut Vec<T>, item: &T, same: impl Fn(&T) -> bool, merge: impl FnOnce(&mut T, &T)) {
    let mut item = item.clone();
    if let Some(old) = list.iter().find(|x| same(x)) {
        merge(&mut item, old);
    }
    list.retain(|x| !same(x));
    list.push(item);
}

fn add_network(network: &mut NetworkSection, item: &Item) -> bool {
    match item {
        Item::SecurityGroup(group) => upsert(
            &mut network.security_groups,
            group,
            |g| g.id == group.id,
            |new, old| {
                if new.ingress.is_empty() {
                    new.ingress = old.ingress.clone();
                }
                if new.egress.is_empty() {
                    new.egress = old.egress.clone();
                }
            },
        ),
        Item::SecurityGroupRule { group_id, egress, rule } => {
            let Some(group) = network.security_groups.iter_mut().find(|g| g.id == *group_id) else {
                return false;
            };
            let rules = if *egress { &mut group.egress } else { &mut group.ingress };
            if !rules.iter().any(|r| same_value(r, rule)) {
                rules.push(rule.clone());
            }
        }
        Item::Vpc(vpc) => upsert(
            &mut network.vpcs,
            vpc,
            |v| v.id == vpc.id,
            |new, old| {
                new.flow_logs_enabled = old.flow_logs_enabled;
                new.name = new.name.take().or_else(|| old.name.clone());
            },
        ),
        Item::Subnet(subnet) => upsert(
            &mut network.subnets,
            subnet,
            |s| s.id == subnet.id,
            |new, old| {
                new.routes_to_internet_gateway = old.routes_to_internet_gateway;
            },
        ),
        Item::RouteTable(table) => upsert(
            &mut network.route_tables,
            table,
            |t| t.id == table.id,
            |new, old| {
                new.is_main = old.is_main;
                new.subnet_ids = old.subnet_ids.clone();
                if new.routes.is_empty() {
                    new.routes = old.routes.clone();
                }
            },
        ),
        Item::InternetGateway(gateway) => upsert(
            &mut network.internet_gateways,
            gateway,
            |g| g.id == gateway.id,
            |new, old| {
                for vpc in &old.vpc_ids {
                    if !new.vpc_ids.contains(vpc) {
                        new.vpc_ids.push(vpc.clone());
                    }
                }
            },
        ),
        Item::NetworkAcl(acl) => upsert(
            &mut network.network_acls,
            acl,
            |a| a.id == acl.id,
            |new, old| {
                if new.entries.is_empty() {
                    new.entries = old.entries.clone();
                }
                if new.subnet_ids.is_empty() {
                    new.subnet_ids = old.subnet_ids.clone();
                }
            },
        ),
        _ => return add_network_parts(network, item),
    }
    true
}

fn add_network_parts(network: &mut NetworkSection, item: &Item) -> bool {
    match item {
        Item::Route { table_id, route } => {
            let Some(table) = network.route_tables.iter_mut().find(|t| t.id == *table_id) else {
                return false;
            };
            table.routes.retain(|r| r.destination != route.destination);
            table.routes.push(route.clone());
        }
        Item::RouteTableAssociation { table_id, subnet_id } => {
            for table in &mut network.route_tables {
                table.subnet_ids.retain(|s| s != subnet_id);
            }
            let Some(table) = network.route_tables.iter_mut().find(|t| t.id == *table_id) else {
                return false;
            };
            table.subnet_ids.push(subnet_id.clone());
        }
        Item::MainRouteTable { table_id } => {
            let Some(vpc) = network
                .route_tables
                .iter()
                .find(|t| t.id == *table_id)
                .map(|t| t.vpc_id.clone())
            else {
                return false;
            };
            for table in network.route_tables.iter_mut().filter(|t| t.vpc_id == vpc) {
                table.is_main = table.id == *table_id;
            }
        }
        Item::GatewayAttachment { gateway_id, vpc_id } => {
            let Some(gateway) = network.internet_gateways.iter_mut().find(|g| g.id == *gateway_id) else {
                return false;
            };
            if !gateway.vpc_ids.contains(vpc_id) {
                gateway.vpc_ids.push(vpc_id.clone());
            }
        }
        Item::NetworkAclEntry { acl_id, entry } => {
            let Some(acl) = network.network_acls.iter_mut().find(|a| a.id == *acl_id) else {
                return false;
            };
            acl.entries
                .retain(|e| !(e.rule_number == entry.rule_number && e.egress == entry.egress));
            acl.entries.push(entry.clone());
        }
        Item::NetworkAclAssociation { acl_id, subnet_id } => {
            for acl in &mut network.network_acls {
                acl.subnet_ids.retain(|s| s != subnet_id);
            }
            let Some(acl) = network.network_acls.iter_mut().find(|a| a.id == *acl_id) else {
                return false;
            };
            acl.subnet_ids.push(subnet_id.clone());
        }
        _ => return add_endpoints(network, item),
    }
    true
}

fn add_endpoints(network: &mut NetworkSection, item: &Item) -> bool {
    match item {
        Item::VpcEndpoint(endpoint) => upsert(
            &mut network.vpc_endpoints,
            endpoint,
            |e| e.id == endpoint.id,
            |new, old| {
                new.policy_supported = old.policy_supported;
            },
        ),
        Item::EndpointPolicy { endpoint_id, policy } => {
            let Some(endpoint) = network.vpc_endpoints.iter_mut().find(|e| e.id == *endpoint_id) else {
                return false;
            };
            endpoint.policy = Some(policy.clone());
        }
        Item::EndpointService(service) => upsert(
            &mut network.endpoint_services,
            service,
            |s| s.id == service.id,
            |new, old| {
                if new.allowed_principals.is_empty() {
                    new.allowed_principals = old.allowed_principals.clone();
                }
                new.private_dns_verified = old.private_dns_verified;
            },
        ),
        Item::EndpointServicePrincipal { service_id, principal } => {
            let Some(service) = network.endpoint_services.iter_mut().find(|s| s.id == *service_id) else {
                return false;
            };
            if !service.allowed_principals.contains(principal) {
                service.allowed_principals.push(principal.clone());
            }
        }
        Item::FlowLog(log) => match network.flow_logs.as_mut() {
            Some(logs) => {
                logs.retain(|l| l.id != log.id);
                logs.push(log.clone());
            }
            // Flow logs were not listed: the VPC's own flag says it is covered now.
            None => {
                let Some(vpc) = network.vpcs.iter_mut().find(|v| v.id == log.resource_id) else {
                    return false;
                };
                vpc.flow_logs_enabled = Some(true);
            }
        },
        Item::Peering(peering) => upsert(
            &mut network.peering_connections,
            peering,
            |p| p.id == peering.id,
            |_, _| {},
        ),
        _ => return false,
    }
    true
}
