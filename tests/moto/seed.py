"""Seeds a fresh account in a moto server through boto3 and prints its credentials as JSON.

usage: seed.py ENDPOINT ACCOUNT_ID {account|org|scp-org|resources|full-org}
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
    seed_function_takeover(lam, trust, arn, code.getvalue())
    return arn


def seed_function_takeover(lam, trust, public_fn, code):
    """`nightly` runs as an administrator role: its deployer, allowed `lambda:UpdateFunctionCode`
    on it alone, escalates; one allowed it only on public-fn (a role with no policy) does not."""
    iam = client("iam")
    role = iam.create_role(RoleName="nightly-admin", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="nightly-admin", PolicyName="everything",
                        PolicyDocument=policy_document(allow("*")))
    nightly = lam.create_function(FunctionName="nightly", Runtime="python3.12", Role=role, Handler="index.handler",
                                  Code={"ZipFile": code})["FunctionArn"]
    for user, function in (("fn-deployer", nightly), ("fn-deployer-plain", public_fn)):
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="deploy",
                            PolicyDocument=policy_document(allow("lambda:UpdateFunctionCode", function)))
    seed_instance_takeover(iam)
    seed_workload_takeover(iam)


def seed_workload_takeover(iam):
    """A CodeBuild project, a CloudFormation stack, a SageMaker notebook and a Glue dev endpoint
    that run as an administrator role: a user allowed to start a build of, update, or open each one alone
    escalates through it; one allowed to build a project that runs as a plain role does not."""
    services = ["codebuild.amazonaws.com", "cloudformation.amazonaws.com", "sagemaker.amazonaws.com", "glue.amazonaws.com"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}]}
    admin = iam.create_role(RoleName="workload-admin", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="workload-admin", PolicyName="everything", PolicyDocument=policy_document(allow("*")))
    plain = iam.create_role(RoleName="workload-plain", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    codebuild = client("codebuild")
    environment = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"}
    projects = {}
    for name, role in (("release", admin), ("lint", plain)):
        projects[name] = codebuild.create_project(name=name, source={"type": "S3", "location": "builds/src.zip"},
                                                  artifacts={"type": "NO_ARTIFACTS"}, environment=environment,
                                                  serviceRole=role)["project"]["arn"]
    template = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
    client("cloudformation").create_stack(StackName="app", TemplateBody=template, RoleARN=admin)
    notebook = client("sagemaker").create_notebook_instance(
        NotebookInstanceName="research", InstanceType="ml.t3.medium", RoleArn=admin)["NotebookInstanceArn"]
    client("glue").create_dev_endpoint(EndpointName="etl", RoleArn=admin)
    grants = (("builder", "codebuild:StartBuild", projects["release"]),
              ("builder-plain", "codebuild:StartBuild", projects["lint"]),
              ("stack-updater", "cloudformation:UpdateStack", f"arn:aws:cloudformation:us-east-1:{account}:stack/app/*"),
              ("notebook-user", "sagemaker:CreatePresignedNotebookInstanceUrl", notebook),
              ("endpoint-user", "glue:UpdateDevEndpoint", f"arn:aws:glue:us-east-1:{account}:devEndpoint/etl"))
    for user, action, resource in grants:
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="work", PolicyDocument=policy_document(allow(action, resource)))


def seed_instance_takeover(iam):
    """An instance whose profile carries an administrator role: a user allowed `ssm:SendCommand`
    on every instance of the region escalates through it."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="batch-admin", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="batch-admin", PolicyName="everything", PolicyDocument=policy_document(allow("*")))
    iam.create_instance_profile(InstanceProfileName="batch-admin")
    iam.add_role_to_instance_profile(InstanceProfileName="batch-admin", RoleName="batch-admin")
    ec2 = client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "batch-admin"})
    iam.create_user(UserName="ops")
    iam.put_user_policy(UserName="ops", PolicyName="run", PolicyDocument=policy_document(allow(
        "ssm:SendCommand", [f"arn:aws:ec2:us-east-1:{account}:instance/*", "arn:aws:ssm:us-east-1::document/AWS-RunShellScript"])))
    seed_launch_template_groups(ec2, image, iam)


def seed_launch_template_groups(ec2, image, iam):
    """Two Auto Scaling groups (no instances): `web` launches its template's default version,
    `pinned` version 1. A user allowed to add a version to web's template and make it the
    default escalates to batch-admin (a new version may name any instance profile); the same
    rights on pinned's template do not."""
    autoscaling = client("autoscaling")
    for name, version in (("web", "$Default"), ("pinned", "1")):
        template = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"ImageId": image})
        template_id = template["LaunchTemplate"]["LaunchTemplateId"]
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateId": template_id, "Version": version},
            MinSize=0, MaxSize=1, DesiredCapacity=0, AvailabilityZones=["us-east-1a"])
        user = "template-editor" if name == "web" else "template-editor-pinned"
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="templates", PolicyDocument=policy_document(allow(
            ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
            f"arn:aws:ec2:us-east-1:{account}:launch-template/{template_id}")))


def seed_full_org():
    """A management account and four members in two units, for `scan --org --role-name posture-audit`.

    guarded (member G): SCPs deny IAM and sts:AssumeRole to all but BreakGlass, an RCP closes its
    data to outsiders. open (members A, B, C): SCPs that only lock regions and forbid leaving.
    The management account holds an escalation and the guarded SCP, which cannot bind it.
    A's user reaches C's administrator through B's role (two cross-account hops); A holds one
    public or external resource per service and the same fenced by aws:PrincipalOrgID.
    """
    org = client("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    for policy_type in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        org.enable_policy_type(RootId=root, PolicyType=policy_type)
    units = {name: org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"] for name in ("guarded", "open")}
    members = {}
    for name, unit in (("G", "guarded"), ("A", "open"), ("B", "open"), ("C", "open")):
        status = org.create_account(AccountName=f"member-{name}", Email=f"{name}-{account}@example.com")["CreateAccountStatus"]
        member = org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=units[unit])
        members[name] = member
        seed_audit_role(member)
    attach_full_org_policies(org, org_id, units)
    seed_full_org_identities(members)
    rcp_closed = seed_guarded_data(members["G"])
    resources = seed_member_resources(members["A"], org_id)
    resources["rcp_closed"] = rcp_closed
    return {"org_id": org_id, "members": members, "resources": resources}


def policy_document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def trusting(*principals):
    return policy_document({"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"})


def seed_audit_role(member):
    """The read-only role `--role-name posture-audit` assumes, trusting the management account."""
    iam = member_client("iam", member)
    iam.create_role(RoleName="posture-audit", AssumeRolePolicyDocument=trusting(f"arn:aws:iam::{account}:root"))
    iam.put_role_policy(RoleName="posture-audit", PolicyName="read", PolicyDocument=policy_document(allow(["iam:Get*", "iam:List*", "organizations:Describe*"])))


def attach_full_org_policies(org, org_id, units):
    def attach(name, kind, document, *targets):
        created = org.create_policy(Content=json.dumps(document), Description=name, Name=name, Type=kind)
        for target in targets:
            org.attach_policy(PolicyId=created["Policy"]["PolicySummary"]["Id"], TargetId=target)

    but_break_glass = {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlass"}}
    no_iam = {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoIamNoHops", "Effect": "Deny", "Action": ["iam:*", "sts:AssumeRole"], "Resource": "*", "Condition": but_break_glass}]}
    # Attached to the management account too, where SCPs never apply.
    attach("guarded-no-iam", "SERVICE_CONTROL_POLICY", no_iam, units["guarded"], account)
    regions = {"Version": "2012-10-17", "Statement": [
        {"Sid": "TwoRegions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*", "support:*"], "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}]}
    attach("open-regions", "SERVICE_CONTROL_POLICY", regions, units["open"])
    stay = {"Version": "2012-10-17", "Statement": [{"Sid": "Stay", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}
    attach("open-stay", "SERVICE_CONTROL_POLICY", stay, units["open"])
    perimeter = {"Version": "2012-10-17", "Statement": [
        {"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:AssumeRole"],
         "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id},
                                        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}
    attach("guarded-perimeter", "RESOURCE_CONTROL_POLICY", perimeter, units["guarded"])


def seed_full_org_identities(members):
    """Escalations the guarded SCP removes (and the same in open, where it stays), the two-hop
    path A → B → C, and the management account's escalation."""
    management = client("iam")
    management.create_user(UserName="mgmt-deployer")
    management.put_user_policy(UserName="mgmt-deployer", PolicyName="self-versioning", PolicyDocument=SELF_VERSIONING)
    relay = f"arn:aws:iam::{members['B']}:role/relay"
    for name in ("G", "A"):
        iam = member_client("iam", members[name])
        iam.create_user(UserName="deployer")
        iam.put_user_policy(UserName="deployer", PolicyName="self-versioning", PolicyDocument=SELF_VERSIONING)
        iam.create_user(UserName="iam-operator")
        iam.put_user_policy(UserName="iam-operator", PolicyName="iam", PolicyDocument=policy_document(allow("iam:*")))
        iam.create_user(UserName="hopper")
        iam.put_user_policy(UserName="hopper", PolicyName="hop", PolicyDocument=policy_document(allow("sts:AssumeRole", relay)))
    guarded = member_client("iam", members["G"])
    guarded.create_role(RoleName="BreakGlass", AssumeRolePolicyDocument=trusting(f"arn:aws:iam::{account}:root"))
    guarded.put_role_policy(RoleName="BreakGlass", PolicyName="self-versioning", PolicyDocument=SELF_VERSIONING)
    admin = f"arn:aws:iam::{members['C']}:role/org-admin"
    b = member_client("iam", members["B"])
    b.create_role(RoleName="relay", AssumeRolePolicyDocument=trusting(f"arn:aws:iam::{members['A']}:root", f"arn:aws:iam::{members['G']}:root"))
    b.put_role_policy(RoleName="relay", PolicyName="hop", PolicyDocument=policy_document(allow("sts:AssumeRole", admin)))
    c = member_client("iam", members["C"])
    c.create_role(RoleName="org-admin", AssumeRolePolicyDocument=trusting(relay))
    c.put_role_policy(RoleName="org-admin", PolicyName="everything", PolicyDocument=policy_document(allow("*")))


def seed_guarded_data(member):
    """A public bucket and queue in G that its RCP closes to anyone outside the organisation."""
    s3 = member_client("s3", member)
    bucket = f"rcp-closed-{member}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(statement("*", "s3:GetObject", f"arn:aws:s3:::{bucket}/*")))
    sqs = member_client("sqs", member)
    queue = sqs.create_queue(QueueName="rcp-closed")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps(statement("*", "sqs:SendMessage"))})
    return {"s3": f"arn:aws:s3:::{bucket}", "sqs": sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]}


def seed_member_resources(member, org_id):
    """Per service, one resource open to anyone or to an outside account and one fenced by
    `aws:PrincipalOrgID` (the key names the service and the verdict)."""
    fenced = {"StringEquals": {"aws:PrincipalOrgID": org_id}}
    outsider = {"AWS": f"arn:aws:iam::{OUTSIDER}:root"}
    arns = {"public": {}, "external": {}, "fenced": {}}
    s3 = member_client("s3", member)
    for verdict, condition in (("public", None), ("fenced", fenced)):
        bucket = f"{verdict}-data-{member}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(statement("*", "s3:GetObject", f"arn:aws:s3:::{bucket}/*", condition)))
        arns[verdict]["s3"] = f"arn:aws:s3:::{bucket}"
    sqs = member_client("sqs", member)
    for verdict, condition in (("public", None), ("fenced", fenced)):
        queue = sqs.create_queue(QueueName=f"{verdict}-orders")["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps(statement("*", "sqs:SendMessage", "*", condition))})
        arns[verdict]["sqs"] = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    kms = member_client("kms", member)
    owner = {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{member}:root"}, "Action": "kms:*", "Resource": "*"}
    for verdict, principal, condition in (("external", outsider, None), ("fenced", "*", fenced)):
        document = statement(principal, ["kms:Decrypt"], "*", condition)
        document["Statement"].insert(0, owner)
        arns[verdict]["kms"] = kms.create_key(Policy=json.dumps(document), Description=verdict)["KeyMetadata"]["Arn"]
    sns = member_client("sns", member)
    for verdict, principal, condition in (("external", outsider, None), ("fenced", "*", fenced)):
        topic = sns.create_topic(Name=f"{verdict}-events")["TopicArn"]
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(statement(principal, "sns:Publish", topic, condition)))
        arns[verdict]["sns"] = topic
    secrets = member_client("secretsmanager", member)
    for verdict, principal, condition in (("external", outsider, None), ("fenced", "*", fenced)):
        secret = secrets.create_secret(Name=f"{verdict}-token", SecretString="not-a-real-secret")["ARN"]
        secrets.put_resource_policy(SecretId=secret, ResourcePolicy=json.dumps(statement(principal, "secretsmanager:GetSecretValue", "*", condition)))
        arns[verdict]["secretsmanager"] = secret
    ecr = member_client("ecr", member)
    pull = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    for verdict, condition in (("public", None), ("fenced", fenced)):
        name = f"{verdict}-images"
        arns[verdict]["ecr"] = ecr.create_repository(repositoryName=name)["repository"]["repositoryArn"]
        document = statement("*", pull, "*", condition)
        del document["Statement"][0]["Resource"]
        ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(document))
    arns["public"]["lambda"] = member_function(member, "public-fn", {})
    arns["fenced"]["lambda"] = member_function(member, "fenced-fn", {"PrincipalOrgID": org_id})
    return arns


def member_function(member, name, permission):
    """A function of `member` anyone may invoke (`add-permission --principal '*'`), narrowed by `permission`."""
    import io
    import zipfile

    iam = member_client("iam", member)
    lambda_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(lambda_trust))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 'ok'\n")
    lam = member_client("lambda", member)
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler", Code={"ZipFile": code.getvalue()})["FunctionArn"]
    lam.add_permission(FunctionName=name, StatementId="anyone", Action="lambda:InvokeFunction", Principal="*", **permission)
    return arn


if kind == "org":
    extra = seed_org()
elif kind == "scp-org":
    extra = seed_scp_org()
elif kind == "resources":
    extra = seed_resources()
elif kind == "full-org":
    extra = seed_full_org()
else:
    extra = seed_account() or {}
print(json.dumps({"AccessKeyId": credentials["AccessKeyId"], "SecretAccessKey": credentials["SecretAccessKey"], "SessionToken": credentials["SessionToken"], **extra}))
