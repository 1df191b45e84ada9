//! What a planned resource is in snapshot terms: a whole snapshot item (a role, a security
//! group, a detector) or a part of one that another resource owns (a rule of a group, a policy
//! attached to a role). Terraform and CloudFormation mappings both produce these.

use crate::snapshot::{
    Bucket, ConfigRecorder, EndpointService, FlowLog, GuardDutyDetector, IamGroup, IamRole, IamUser, InlinePolicy,
    InternetGateway, ManagedPolicy, NamedStatus, NatGateway, NetworkAcl, NetworkAclEntry, PeeringConnection,
    PolicyResource, PolicySource, PublicAccessBlock, RoleWorkload, Route, RouteTable, Section, SecurityGroup,
    SecurityGroupRule, SecurityHubStandard, Subnet, Vpc, VpcEndpoint,
};

use super::workloads::WorkloadList;

/// An IAM principal named by kind and name (how attachments and inline policies name theirs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    Group,
    Role,
}

#[derive(Debug, Clone)]
pub enum Item {
    Role(IamRole),
    User(IamUser),
    Group(IamGroup),
    ManagedPolicy(ManagedPolicy),
    /// An inline policy owned by a separate resource (`aws_iam_role_policy`, `AWS::IAM::Policy`).
    InlinePolicy {
        kind: PrincipalKind,
        owner: String,
        policy: InlinePolicy,
    },
    Attachment {
        kind: PrincipalKind,
        owner: String,
        policy_arn: String,
    },
    Membership {
        user: String,
        group: String,
    },
    /// An instance profile carrying a role (by name).
    InstanceProfile {
        arn: String,
        role: Option<String>,
    },
    SecurityGroup(SecurityGroup),
    SecurityGroupRule {
        group_id: String,
        egress: bool,
        rule: SecurityGroupRule,
    },
    Vpc(Vpc),
    Subnet(Subnet),
    RouteTable(RouteTable),
    Route {
        table_id: String,
        route: Route,
    },
    RouteTableAssociation {
        table_id: String,
        subnet_id: String,
    },
    MainRouteTable {
        table_id: String,
    },
    InternetGateway(InternetGateway),
    GatewayAttachment {
        gateway_id: String,
        vpc_id: String,
    },
    NatGateway(NatGateway),
    NetworkAcl(NetworkAcl),
    NetworkAclEntry {
        acl_id: String,
        entry: NetworkAclEntry,
    },
    NetworkAclAssociation {
        acl_id: String,
        subnet_id: String,
    },
    VpcEndpoint(VpcEndpoint),
    EndpointPolicy {
        endpoint_id: String,
        policy: PolicySource,
    },
    EndpointService(EndpointService),
    EndpointServicePrincipal {
        service_id: String,
        principal: String,
    },
    FlowLog(FlowLog),
    Peering(PeeringConnection),
    GuardDutyDetector(GuardDutyDetector),
    GuardDutyFeature {
        detector_id: String,
        feature: NamedStatus,
    },
    SecurityHub {
        hub_arn: Option<String>,
    },
    SecurityHubStandard(SecurityHubStandard),
    ConfigRecorder(ConfigRecorder),
    ConfigRecorderStatus {
        name: String,
        recording: bool,
    },
    DeliveryChannel {
        name: String,
    },
    /// An S3 bucket (the account's global S3 section).
    Bucket(Bucket),
    BucketPolicy {
        bucket: String,
        policy: PolicySource,
    },
    BucketAccessBlock {
        bucket: String,
        block: PublicAccessBlock,
    },
    AccountAccessBlock(PublicAccessBlock),
    /// A KMS key, SQS queue, SNS topic, secret, Lambda function or ECR repository.
    PolicyResource {
        section: Section,
        resource: PolicyResource,
    },
    /// The policy of a resource another resource plans (by ARN, name or URL).
    ResourcePolicy {
        section: Section,
        target: String,
        policy: PolicySource,
    },
    /// One statement a `aws_lambda_permission` adds to a function's policy.
    LambdaPermission {
        function: String,
        statement: PolicySource,
    },
    /// A workload that runs as a role, in its list of the region's `workloads` section.
    Workload {
        list: WorkloadList,
        workload: RoleWorkload,
    },
    /// A workload whose ARN is known only at deploy: its region's list becomes unknown.
    WorkloadsUnknown {
        list: WorkloadList,
    },
}

impl Item {
    /// What the item is judged as: the same identity before and after is an update in place.
    pub fn identity(&self) -> String {
        match self {
            Item::Role(role) => role.arn.clone(),
            Item::User(user) => user.arn.clone(),
            Item::Group(group) => group.arn.clone(),
            Item::ManagedPolicy(policy) => policy.arn.clone(),
            Item::SecurityGroup(group) => group.id.clone(),
            Item::Vpc(vpc) => vpc.id.clone(),
            Item::Subnet(subnet) => subnet.id.clone(),
            Item::RouteTable(table) => table.id.clone(),
            Item::InternetGateway(gateway) => gateway.id.clone(),
            Item::NatGateway(gateway) => gateway.id.clone(),
            Item::NetworkAcl(acl) => acl.id.clone(),
            Item::VpcEndpoint(endpoint) => endpoint.id.clone(),
            Item::EndpointService(service) => service.id.clone(),
            Item::FlowLog(log) => log.id.clone(),
            Item::Peering(peering) => peering.id.clone(),
            Item::GuardDutyDetector(detector) => detector.id.clone(),
            Item::ConfigRecorder(recorder) => recorder.name.clone(),
            Item::Bucket(bucket) => bucket.name.clone(),
            Item::PolicyResource { resource, .. } => resource.arn.clone(),
            Item::Workload { workload, .. } => workload.arn.clone(),
            Item::AccountAccessBlock(_) => "account-public-access-block".into(),
            // Parts are judged through their owner; their identity is what they hold.
            other => format!("{other:?}"),
        }
    }
}
