"""Seeds a fresh account in a moto server through boto3 and prints its credentials as JSON.

usage: seed.py ENDPOINT ACCOUNT_ID {account|org|scp-org|resources}
Each test uses its own account id (sts:AssumeRole into it), so tests never share state and
nothing calls moto's global reset.
"""
import json
import sys

import boto3

endpoint, account, kind = sys.argv[1], sys.argv[2], sys.argv[3]
plain = dict(endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
credentials = boto3.client("sts", region_name="us-east-1", **plain).assume_role(
    RoleArn=f"arn:aws:iam::{account}:role/posture-test-seed", RoleSessionName="seed"
)["Credentials"]
session = dict(
    endpoint_url=endpoint,
    aws_access_key_id=credentials["AccessKeyId"],
    aws_secret_access_key=credentials["SecretAccessKey"],
    aws_session_token=credentials["SessionToken"],
)


def client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, **session)


def seed_account():
    iam = client("iam")
    admin = iam.create_policy(
        PolicyName="everything",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    )["Policy"]["Arn"]
    iam.create_user(UserName="alice-admin")
    iam.attach_user_policy(UserName="alice-admin", PolicyArn=admin)
    iam.create_user(UserName="reader")
    iam.put_user_policy(
        UserName="reader",
        PolicyName="read",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::reports"}]}),
    )
    for index in range(8):
        iam.create_user(UserName=f"developer-{index}")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="ci-deployer", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName="ci-deployer",
        PolicyName="attach-anything",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:AttachRolePolicy", "s3:PutObject"], "Resource": "*"}]}),
    )

    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="bastion", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    instances = seed_instances(ec2, vpc, subnet, group)
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName="com.amazonaws.us-east-1.s3",
        VpcEndpointType="Gateway",
        PolicyDocument=json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
    )
    load_balancer = client("elbv2").create_load_balancer(Name="partner-nlb", Subnets=[subnet], Type="network")["LoadBalancers"][0]["LoadBalancerArn"]
    service = ec2.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[load_balancer], AcceptanceRequired=False)
    ec2.modify_vpc_endpoint_service_permissions(ServiceId=service["ServiceConfiguration"]["ServiceId"], AddAllowedPrincipals=["*"])

    # GuardDuty on in one region only (moto answers with DataSources, S3 logs off, no Features).
    client("guardduty").create_detector(Enable=True)
    # A Config recorder with a role of its own instead of the service-linked one.
    client("config").put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{account}:role/config-recorder",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})

    hub = client("securityhub")
    hub.enable_security_hub()
    hub.batch_import_findings(
        Findings=[
            {
                "SchemaVersion": "2018-10-08",
                "Id": f"seed-{account}-ec2-19",
                "ProductArn": f"arn:aws:securityhub:us-east-1:{account}:product/{account}/default",
                "GeneratorId": "security-control/EC2.19",
                "AwsAccountId": account,
                "Types": ["Software and Configuration Checks"],
                "CreatedAt": "2026-11-01T00:00:00Z",
                "UpdatedAt": "2026-11-01T00:00:00Z",
                "Severity": {"Label": "HIGH"},
                "Title": "Security groups should not allow unrestricted access to ports with high risk",
                "Description": "seeded",
                "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": f"arn:aws:ec2:us-east-1:{account}:security-group/{group}"}],
                "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.19"},
                "RecordState": "ACTIVE",
            }
        ]
    )
    return instances


def seed_instances(ec2, vpc, subnet, group):
    """A public subnet (route to an internet gateway) with two instances behind the SSH group:
    one answering IMDSv1 without a public address, one IMDSv2-only with an Elastic IP."""
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    image = ec2.describe_images()["Images"][0]["ImageId"]

    def launch(tokens):
        return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[group],
                                 MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"})["Instances"][0]["InstanceId"]

    imdsv1, imdsv2 = launch("optional"), launch("required")
    address = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=address["AllocationId"], InstanceId=imdsv2)
    return {"imdsv1_instance": imdsv1, "imdsv2_instance": imdsv2, "elastic_ip": address["PublicIp"]}


def seed_org():
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    members = []
    for name in ("prod", "dev", "closed"):
        status = org.create_account(AccountName=name, Email=f"{name}-{account}@example.com")["CreateAccountStatus"]
        members.append(org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"])
    org.close_account(AccountId=members[2])
    return {"members": members[:2], "closed": members[2]}


def member_client(service, member):
    """A client in a member account, through the role Organizations creates there."""
    creds = boto3.client("sts", region_name="us-east-1", **session).assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
    )["Credentials"]
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


SELF_VERSIONING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"}]}
)


def seed_scp_org():
    """Two OUs; prod's SCP denies IAM changes to all but BreakGlass. One escalation method each."""
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    units = {name: org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"] for name in ("prod", "dev")}
    members = {}
    for name in ("prod", "dev"):
        status = org.create_account(AccountName=name, Email=f"{name}-{account}@example.com")["CreateAccountStatus"]
        member = org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=units[name])
        members[name] = member
        iam = member_client("iam", member)
        iam.create_user(UserName="deployer")
        iam.put_user_policy(UserName="deployer", PolicyName="self-versioning", PolicyDocument=SELF_VERSIONING)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]})
    prod_iam = member_client("iam", members["prod"])
    prod_iam.create_role(RoleName="BreakGlass", AssumeRolePolicyDocument=trust)
    prod_iam.put_role_policy(RoleName="BreakGlass", PolicyName="self-versioning", PolicyDocument=SELF_VERSIONING)
    deny_iam = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "NoIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*",
                       "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlass"}}}],
    }
    policy = org.create_policy(Content=json.dumps(deny_iam), Description="no IAM outside break-glass", Name="prod-no-iam", Type="SERVICE_CONTROL_POLICY")
    org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=units["prod"])
    org.enable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
    org_id = org.describe_organization()["Organization"]["Id"]
    perimeter = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*",
                       "Action": ["s3:*", "sts:AssumeRole", "kms:*", "sqs:*", "secretsmanager:*"], "Resource": "*",
                       "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id},
                                     "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}],
    }
    rcp = org.create_policy(Content=json.dumps(perimeter), Description="identity perimeter", Name="prod-perimeter", Type="RESOURCE_CONTROL_POLICY")
    org.attach_policy(PolicyId=rcp["Policy"]["PolicySummary"]["Id"], TargetId=units["prod"])
    return {"members": [members["prod"], members["dev"]], "prod": members["prod"], "dev": members["dev"], "root": root}


OUTSIDER = "999988887777"


def statement(principal, action, resource="*", condition=None):
    entry = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
    if condition:
        entry["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [entry]}


def seed_resources():
    """One resource per verdict: public, external, and neutralised by the organisation or Block Public Access."""
    org_id = client("organizations").create_organization(FeatureSet="ALL")["Organization"]["Id"]
    s3 = client("s3")
    names = {kind: f"{kind}-{account}" for kind in ("public", "org-only", "restricted", "eu-quiet")}
    for kind in ("public", "org-only", "restricted"):
        s3.create_bucket(Bucket=names[kind])
    s3.create_bucket(Bucket=names["eu-quiet"], CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    objects = lambda kind: f"arn:aws:s3:::{names[kind]}/*"
    s3.put_bucket_policy(Bucket=names["public"], Policy=json.dumps(statement("*", "s3:GetObject", objects("public"))))
    fenced = {"StringEquals": {"aws:PrincipalOrgID": org_id}}
    s3.put_bucket_policy(Bucket=names["org-only"], Policy=json.dumps(statement("*", "s3:GetObject", objects("org-only"), fenced)))
    s3.put_bucket_policy(Bucket=names["restricted"], Policy=json.dumps(statement("*", "s3:GetObject", objects("restricted"))))
    s3.put_public_access_block(
        Bucket=names["restricted"],
        PublicAccessBlockConfiguration={"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": True},
    )
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="shared-orders")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps(statement({"AWS": f"arn:aws:iam::{OUTSIDER}:root"}, "sqs:SendMessage"))})
    sqs.create_queue(QueueName="private-jobs")
    kms = client("kms")
    own = {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}
    other_org = statement("*", ["kms:Decrypt"], "*", {"StringEquals": {"aws:PrincipalOrgID": "o-otherorg99"}})
    other_org["Statement"].insert(0, own)
    key = kms.create_key(Policy=json.dumps(other_org), Description="shared with another organisation")["KeyMetadata"]["Arn"]
    ecr = client("ecr")
    repository = ecr.create_repository(repositoryName="public-images")["repository"]["repositoryArn"]
    ecr.set_repository_policy(repositoryName="public-images", policyText=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}))
    function = seed_function()
    sns = client("sns")
    topic = sns.create_topic(Name="partner-events")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(statement({"AWS": OUTSIDER}, "sns:Publish", topic)))
    secrets = client("secretsmanager")
    secret = secrets.create_secret(Name="partner-token", SecretString="not-a-real-secret")["ARN"]
    secrets.put_resource_policy(SecretId=secret, ResourcePolicy=json.dumps(statement({"AWS": f"arn:aws:iam::{OUTSIDER}:root"}, "secretsmanager:GetSecretValue")))
    return {"org_id": org_id, "buckets": names, "queue": queue, "key": key, "repository": repository,
            "function": function, "topic": topic, "secret": secret}


def seed_function():
    """A Lambda function anyone may invoke (`lambda add-permission --principal '*'`)."""
    import io
    import zipfile

    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = client("iam").create_role(RoleName="public-fn-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 'ok'\n")
    lam = client("lambda")
    arn = lam.create_function(FunctionName="public-fn", Runtime="python3.12", Role=role, Handler="index.handler",
                              Code={"ZipFile": code.getvalue()})["FunctionArn"]
    lam.add_permission(FunctionName="public-fn", StatementId="anyone", Action="lambda:InvokeFunction", Principal="*")
    return arn


if kind == "org":
    extra = seed_org()
elif kind == "scp-org":
    extra = seed_scp_org()
elif kind == "resources":
    extra = seed_resources()
else:
    extra = seed_account() or {}
print(json.dumps({"AccessKeyId": credentials["AccessKeyId"], "SecretAccessKey": credentials["SecretAccessKey"], "SessionToken": credentials["SessionToken"], **extra}))
