//! Live collection through the real AWS SDK against a real AWS-compatible server (moto in
//! server mode, started by scripts/test.sh). Each test seeds its own fresh account.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

fn endpoint() -> String {
    std::env::var("POSTURE_MOTO_ENDPOINT")
        .expect("POSTURE_MOTO_ENDPOINT must point at a moto server: run the suite with scripts/test.sh")
}

fn python() -> String {
    std::env::var("POSTURE_TEST_PYTHON").expect("POSTURE_TEST_PYTHON must name the venv python (scripts/test.sh)")
}

/// A 12-digit account id no other test (or earlier run on the same server) uses.
fn fresh_account() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let unique = (nanos / 1000 + NEXT.fetch_add(1, Ordering::Relaxed) * 7_919) % 900_000_000_000;
    format!("{:012}", 100_000_000_000 + unique)
}

struct Seeded {
    account: String,
    credentials: Value,
}

fn seed(kind: &str) -> Seeded {
    let account = fresh_account();
    let output = std::process::Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/moto/seed.py"))
        .args([endpoint(), account.clone(), kind.to_string()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "seeding failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Seeded {
        account,
        credentials: serde_json::from_slice(&output.stdout).unwrap(),
    }
}

/// `collect --org` in us-east-1 into `dir`: the snapshot's path and its JSON.
fn collect_org(seeded: &Seeded, dir: &std::path::Path) -> (std::path::PathBuf, Value) {
    let snapshot = dir.join("org.json");
    crate::harness::succeeds(
        posture(seeded)
            .args(["collect", "--org", "--regions", "us-east-1", "-o"])
            .arg(&snapshot),
    );
    let json = serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    (snapshot, json)
}

fn posture(seeded: &Seeded) -> Command {
    let mut command = Command::cargo_bin("posture").unwrap();
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("AWS_PROFILE")
        .env_remove("NO_COLOR")
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("AWS_ACCESS_KEY_ID", seeded.credentials["AccessKeyId"].as_str().unwrap())
        .env(
            "AWS_SECRET_ACCESS_KEY",
            seeded.credentials["SecretAccessKey"].as_str().unwrap(),
        )
        .env(
            "AWS_SESSION_TOKEN",
            seeded.credentials["SessionToken"].as_str().unwrap(),
        )
        .env("AWS_REGION", "us-east-1")
        // moto answers "not implemented" with server errors: retrying them only costs time.
        .env("AWS_MAX_ATTEMPTS", "2")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

fn verdicts(report: &Value) -> BTreeSet<(String, String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"]["arn"].as_str().unwrap().to_string(),
                f["resource"]["region"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn status_of(report: &Value, rule: &str, name_part: &str, region: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["rule_id"] == rule
                && f["resource"]["region"] == region
                && (f["resource"]["name"].as_str().unwrap().contains(name_part)
                    || f["resource"]["arn"].as_str().unwrap().contains(name_part))
        })
        .map(|f| f["status"].as_str().unwrap().to_string())
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn live_scan_reports_every_seeded_weakness_and_a_gap_for_each_missing_api() {
    let seeded = seed("account");
    let output = posture(&seeded)
        .args(["-v", "scan", "--regions", "us-east-1,eu-west-1", "-f", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    for secret in ["SecretAccessKey", "SessionToken"] {
        let value = seeded.credentials[secret].as_str().unwrap();
        assert!(
            !stdout.contains(value) && !stderr.contains(value),
            "{secret} leaked into the output"
        );
    }
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["scan"]["accounts"], serde_json::json!([seeded.account]));

    // (rule, resource name or ARN part, region, expected status, the seeded weakness)
    let expectations = [
        ("IAM-001", "alice-admin", "global", "fail", "admin user"),
        ("IAM-001", "reader", "global", "pass", "ordinary user"),
        ("IAM-002", "ci-deployer", "global", "fail", "escalation-capable role"),
        ("NET-001", "bastion", "us-east-1", "fail", "world-open security group"),
        (
            "NET-002",
            "com.amazonaws.us-east-1.s3",
            "us-east-1",
            "fail",
            "full-access endpoint",
        ),
        ("DET-001", "GuardDuty", "us-east-1", "pass", "GuardDuty on in us-east-1"),
        (
            "DET-001",
            "GuardDuty",
            "eu-west-1",
            "fail",
            "GuardDuty off in eu-west-1",
        ),
        (
            "DET-006",
            "EC2.19",
            "us-east-1",
            "fail",
            "imported failed Security Hub finding",
        ),
        (
            "DET-003",
            "GuardDuty",
            "us-east-1",
            "fail",
            "S3 and EKS protection off, read from DataSources",
        ),
        (
            "DET-009",
            "AWS Config",
            "us-east-1",
            "fail",
            "Config recorder with its own role",
        ),
    ];
    for (rule, name, region, status, weakness) in expectations {
        assert_eq!(
            status_of(&report, rule, name, region),
            vec![status.to_string()],
            "{weakness}"
        );
    }
    assert!(
        status_of(&report, "NET-013", "vpce-svc", "us-east-1").contains(&"fail".to_string()),
        "endpoint service open to *"
    );
    assert_seeded_instances(&seeded, &report);
    let guardduty = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "DET-003" && f["resource"]["region"] == "us-east-1")
        .unwrap();
    assert_eq!(
        guardduty["evidence"]["disabled_features"],
        serde_json::json!(["EKS_AUDIT_LOGS", "S3_DATA_EVENTS"])
    );

    // What moto does not implement is a coverage gap, and what depends on it is not evaluated.
    let gaps: BTreeSet<(String, String, String)> = report["coverage"]["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert_eq!(g["account"], seeded.account.as_str());
            (
                g["region"].as_str().unwrap().to_string(),
                g["service"].as_str().unwrap().to_string(),
                g["operation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("us-east-1", "guardduty", "ListFindings"),
        ("us-east-1", "securityhub", "ListSecurityControlDefinitions"),
        ("us-east-1", "config", "DescribeComplianceByConfigRule"),
        // moto has no App Runner: its endpoint answers 500 in a region AWS offers it in.
        ("us-east-1", "apprunner", "ListServices"),
    ] {
        let key = (expected.0.to_string(), expected.1.to_string(), expected.2.to_string());
        assert!(gaps.contains(&key), "gap {expected:?} in {gaps:?}");
    }
    assert!(
        status_of(&report, "DET-004", "", "us-east-1")
            .iter()
            .all(|s| s == "not_evaluated"),
        "GuardDuty findings could not be read: never pass"
    );
    assert!(
        stderr.contains("iam:") && stderr.contains("calls"),
        "per-service call counts at -v: {stderr}"
    );
}

/// IMDSv1 fails NET-016 and IMDSv2 passes; the instance with an Elastic IP behind the SSH group,
/// in a subnet routed to an internet gateway, is reachable on 22 (NET-017), the one without a
/// public address is not.
fn assert_seeded_instances(seeded: &Seeded, report: &Value) {
    let imdsv1 = seeded.credentials["imdsv1_instance"].as_str().unwrap();
    let imdsv2 = seeded.credentials["imdsv2_instance"].as_str().unwrap();
    for (rule, instance, status) in [
        ("NET-016", imdsv1, "fail"),
        ("NET-016", imdsv2, "pass"),
        ("NET-017", imdsv2, "fail"),
        ("NET-017", imdsv1, "pass"),
    ] {
        assert_eq!(
            status_of(report, rule, instance, "us-east-1"),
            vec![status.to_string()],
            "{rule} on {instance}"
        );
    }
    let reachable = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "NET-017" && f["resource"]["name"] == imdsv2)
        .unwrap();
    let evidence = &reachable["evidence"];
    assert_eq!(
        evidence["public_ipv4"],
        serde_json::json!([seeded.credentials["elastic_ip"]])
    );
    let ports: Vec<(String, i64, i64)> = evidence["reachable_ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                format!("{} {}", p["family"].as_str().unwrap(), p["protocol"].as_str().unwrap()),
                p["from_port"].as_i64().unwrap(),
                p["network_acl_rule"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ports, vec![("ipv4 tcp".to_string(), 22, 100)]);
    assert!(evidence["network_acl_id"].as_str().unwrap().starts_with("acl-"));
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn collect_then_scan_snapshot_gives_the_live_verdicts() {
    let seeded = seed("account");
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    let collected = posture(&seeded)
        .args(["collect", "--regions", "us-east-1,eu-west-1", "-o"])
        .arg(&snapshot)
        .output()
        .unwrap();
    assert_eq!(
        collected.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&collected.stderr)
    );
    let text = std::fs::read_to_string(&snapshot).unwrap();
    assert!(!text.contains(seeded.credentials["SecretAccessKey"].as_str().unwrap()));
    assert!(!text.contains(seeded.credentials["SessionToken"].as_str().unwrap()));

    let replay = posture(&seeded)
        .args(["scan", "-f", "json", "--snapshot"])
        .arg(&snapshot)
        .output()
        .unwrap();
    let live = posture(&seeded)
        .args(["scan", "--regions", "us-east-1,eu-west-1", "-f", "json"])
        .output()
        .unwrap();
    let replay: Value = serde_json::from_slice(&replay.stdout).unwrap();
    let live: Value = serde_json::from_slice(&live.stdout).unwrap();
    assert_eq!(verdicts(&replay), verdicts(&live));
    assert!(verdicts(&live).len() > 40);
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn organization_mode_scans_every_active_member_account() {
    let seeded = seed("org");
    let dir = tempfile::tempdir().unwrap();
    let (_, snapshot) = collect_org(&seeded, dir.path());
    let accounts: BTreeSet<String> = snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_string())
        .collect();
    let mut expected: BTreeSet<String> = seeded.credentials["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    expected.insert(seeded.account.clone());
    assert_eq!(accounts, expected, "ACTIVE accounts only: the closed one is left out");
    // Each member was read through its assumed role.
    for account in snapshot["accounts"].as_array().unwrap() {
        assert!(account["iam"].is_object(), "{}", account["account_id"]);
        assert_eq!(account["regions"][0]["region"], "us-east-1");
    }
    // --exclude-accounts narrows.
    let excluded = seeded.credentials["members"][0].as_str().unwrap().to_string();
    let narrowed = dir.path().join("narrowed.json");
    posture(&seeded)
        .args([
            "collect",
            "--org",
            "--regions",
            "us-east-1",
            "--exclude-accounts",
            &excluded,
            "-o",
        ])
        .arg(&narrowed)
        .assert()
        .code(0);
    let narrowed: Value = serde_json::from_str(&std::fs::read_to_string(&narrowed).unwrap()).unwrap();
    assert_eq!(narrowed["accounts"].as_array().unwrap().len(), 2);
}

/// Shards of an organisation never overlap, cover every account, and joined give the findings
/// of one unsharded collection.
#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn organization_shards_joined_give_the_unsharded_findings() {
    let seeded = seed("org");
    let dir = tempfile::tempdir().unwrap();
    let collect = |extra: &[&str], path: &Path| {
        let output = posture(&seeded)
            .args(["collect", "--org", "--regions", "us-east-1"])
            .args(extra)
            .arg("-o")
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        snapshot["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["account_id"].as_str().unwrap().to_string())
            .collect::<BTreeSet<String>>()
    };
    let whole = dir.path().join("whole.json");
    let everyone = collect(&[], &whole);
    let shards: Vec<PathBuf> = (0..3).map(|k| dir.path().join(format!("shard-{k}.json"))).collect();
    let mut seen = BTreeSet::new();
    for (k, path) in shards.iter().enumerate() {
        for account in collect(&["--shard", &format!("{k}/3")], path) {
            assert!(seen.insert(account.clone()), "{account} is in two shards");
        }
    }
    assert_eq!(seen, everyone, "the shards together cover every account");
    let findings = |snapshots: &[&Path]| {
        let mut command = posture(&seeded);
        command.arg("scan");
        for snapshot in snapshots {
            command.arg("--snapshot").arg(snapshot);
        }
        let output = command.args(["-f", "json"]).output().unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_string(),
                    f["status"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let joined: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    let unsharded = findings(&[whole.as_path()]);
    assert!(!unsharded.is_empty());
    assert_eq!(findings(&joined), unsharded);
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn push_security_hub_imports_every_finding_in_batches() {
    let seeded = seed("account");
    let output = posture(&seeded)
        .args([
            "scan",
            "--regions",
            "us-east-1,eu-west-1",
            "-f",
            "asff",
            "--push-security-hub",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let asff: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(asff.len() > 100, "more than one batch: {}", asff.len());
    assert!(
        stderr.contains(&format!("imported {0} of {0} finding(s)", asff.len())),
        "{stderr}"
    );
    let mut imported: BTreeSet<String> = BTreeSet::new();
    for region in ["us-east-1", "eu-west-1"] {
        let read = std::process::Command::new(python())
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/moto/read_findings.py"))
            .args([endpoint(), region.to_string()])
            .env("AWS_ACCESS_KEY_ID", seeded.credentials["AccessKeyId"].as_str().unwrap())
            .env(
                "AWS_SECRET_ACCESS_KEY",
                seeded.credentials["SecretAccessKey"].as_str().unwrap(),
            )
            .env(
                "AWS_SESSION_TOKEN",
                seeded.credentials["SessionToken"].as_str().unwrap(),
            )
            .output()
            .unwrap();
        assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stderr));
        let ids: Vec<String> = serde_json::from_slice(&read.stdout).unwrap();
        imported.extend(ids);
    }
    let written: BTreeSet<String> = asff.iter().map(|f| f["Id"].as_str().unwrap().to_string()).collect();
    assert_eq!(imported, written, "every finding read back, none extra");
}

#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn trace_logs_never_show_the_credentials() {
    let seeded = seed("account");
    let output = posture(&seeded)
        .env("POSTURE_LOG", "trace")
        .args(["scan", "--regions", "us-east-1", "-f", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(0), "{:?}", stderr.lines().last());
    assert!(stderr.lines().count() > 10, "trace logging is on");
    for secret in ["AccessKeyId", "SecretAccessKey", "SessionToken"] {
        let value = seeded.credentials[secret].as_str().unwrap();
        let line = stderr.lines().find(|line| line.contains(value));
        assert!(line.is_none(), "{secret} leaked at trace level: {line:?}");
    }
}

/// `collect --org` reads the organisation (units, parents, SCPs and RCPs with their targets) and
/// the scan applies them: prod's SCP removes its deployer's escalation but not BreakGlass's,
/// dev's deployer keeps it; prod's RCP closes its data to outsiders, dev has none.
#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn organization_scps_are_collected_and_remove_escalation_methods() {
    let seeded = seed("scp-org");
    let dir = tempfile::tempdir().unwrap();
    let (snapshot, collected) = collect_org(&seeded, dir.path());
    let organization = &collected["organization"];
    let prod = seeded.credentials["prod"].as_str().unwrap();
    let dev = seeded.credentials["dev"].as_str().unwrap();
    assert_eq!(organization["management_account_id"], seeded.account.as_str());
    let parent = |account: &str| {
        organization["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account_id"] == account)
            .map(|a| a["parent_id"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert!(parent(prod).starts_with("ou-") && parent(dev).starts_with("ou-") && parent(prod) != parent(dev));
    let scp = organization["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "prod-no-iam")
        .expect("the SCP is collected");
    assert_eq!(scp["targets"], serde_json::json!([parent(prod)]));
    assert!(scp["document"]["Statement"][0]["Condition"].is_object());
    let report = posture(&seeded)
        .args(["scan", "--snapshot"])
        .arg(&snapshot)
        .args(["-f", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    let verdict = |rule: &str, arn: String| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule && f["resource"]["arn"] == arn.as_str())
            .map(|f| f["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {rule} result on {arn}"))
    };
    assert_eq!(verdict("IAM-002", format!("arn:aws:iam::{prod}:user/deployer")), "pass");
    assert_eq!(
        verdict("IAM-002", format!("arn:aws:iam::{prod}:role/BreakGlass")),
        "fail"
    );
    assert_eq!(verdict("IAM-002", format!("arn:aws:iam::{dev}:user/deployer")), "fail");
    // The RCP on prod closes its data services to outsiders; dev has none.
    assert_eq!(verdict("DATA-003", format!("AWS::::Account:{prod}")), "pass");
    assert_eq!(verdict("DATA-003", format!("AWS::::Account:{dev}")), "fail");
}

/// Live collection of resource policies (S3 with Block Public Access, KMS, SQS, SNS, Secrets
/// Manager, Lambda, ECR): every seeded public or external resource fails on its ARN, the ones an
/// organisation condition or RestrictPublicBuckets neutralises pass, and what moto cannot answer
/// is a gap.
#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn resource_policies_are_collected_and_judged_on_each_arn() {
    let seeded = seed("resources");
    let output = posture(&seeded)
        .args(["-v", "scan", "--regions", "us-east-1,eu-west-1", "-f", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let seeded_arn = |key: &str| seeded.credentials[key].as_str().unwrap().to_string();
    let bucket = |kind: &str| format!("arn:aws:s3:::{}", seeded.credentials["buckets"][kind].as_str().unwrap());
    let account = &seeded.account;
    let private_queue = format!("arn:aws:sqs:us-east-1:{account}:private-jobs");
    let queue = format!("arn:aws:sqs:us-east-1:{account}:shared-orders");
    // (rule, resource ARN, expected status, the seeded case)
    let expectations = [
        ("DATA-001", bucket("public"), "fail", "bucket policy open to *"),
        (
            "DATA-001",
            bucket("org-only"),
            "pass",
            "* fenced by the own aws:PrincipalOrgID",
        ),
        (
            "DATA-002",
            bucket("org-only"),
            "pass",
            "the own organisation is not external",
        ),
        (
            "DATA-001",
            bucket("restricted"),
            "pass",
            "RestrictPublicBuckets on the bucket",
        ),
        ("DATA-001", bucket("eu-quiet"), "pass", "no policy"),
        (
            "DATA-002",
            queue.clone(),
            "fail",
            "queue shared with an outside account",
        ),
        ("DATA-001", queue, "pass", "shared, not public"),
        ("DATA-002", private_queue, "pass", "queue without a policy"),
        (
            "DATA-002",
            seeded_arn("key"),
            "fail",
            "key policy granting another organisation",
        ),
        (
            "DATA-001",
            seeded_arn("key"),
            "pass",
            "another organisation is not anyone",
        ),
        (
            "DATA-001",
            seeded_arn("repository"),
            "fail",
            "repository policy open to *",
        ),
        (
            "DATA-001",
            seeded_arn("function"),
            "fail",
            "lambda add-permission --principal '*'",
        ),
        (
            "DATA-002",
            seeded_arn("topic"),
            "fail",
            "topic policy granting an outside account",
        ),
        (
            "DATA-002",
            seeded_arn("secret"),
            "fail",
            "secret policy granting an outside account",
        ),
    ];
    for (rule, arn, status, case) in &expectations {
        let found: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == *rule && f["resource"]["arn"] == arn.as_str())
            .map(|f| f["status"].as_str().unwrap())
            .collect();
        assert_eq!(found, vec![*status], "{rule} on {arn}: {case}");
    }
    let region_of = |arn: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "DATA-001" && f["resource"]["arn"] == arn)
            .map(|f| f["resource"]["region"].as_str().unwrap().to_string())
    };
    assert_eq!(
        region_of(&bucket("eu-quiet")).as_deref(),
        Some("eu-west-1"),
        "GetBucketLocation"
    );
    for service in ["s3:", "kms:", "sqs:", "sns:", "secretsmanager:", "lambda:", "ecr:"] {
        assert!(stderr.contains(service), "{service} calls in the summary: {stderr}");
    }
    assert_function_takeover(&report, account, &seeded_arn("function"));
    // S3 Control prefixes the account id to the host, which an IP endpoint cannot resolve: the
    // account's Block Public Access is a gap, never assumed on or off; the other calls answered.
    let gaps: Vec<(String, String, String)> = report["coverage"]["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let field = |name: &str| g[name].as_str().unwrap().to_string();
            (field("region"), field("service"), field("operation"))
        })
        .collect();
    let control = (
        "global".to_string(),
        "s3control".to_string(),
        "GetPublicAccessBlock".to_string(),
    );
    assert!(gaps.contains(&control), "{gaps:?}");
    let resource_services = ["s3", "kms", "sqs", "sns", "secretsmanager", "lambda", "ecr"];
    assert!(
        gaps.iter()
            .all(|(_, service, _)| !resource_services.contains(&service.as_str())),
        "{gaps:?}"
    );
}

/// `lambda:UpdateFunctionCode` on one function escalates through the role it runs as, read
/// live (ListFunctions' `Role`): `nightly` runs as an administrator, public-fn does not; and
/// `ssm:SendCommand` on the region's instances reaches the administrator an instance runs as.
fn assert_function_takeover(report: &Value, account: &str, public_fn: &str) {
    let escalation = |user: &str| {
        let arn = format!("arn:aws:iam::{account}:user/{user}");
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "IAM-002" && f["resource"]["arn"] == arn.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("IAM-002 judged {arn}"))
    };
    let deployer = escalation("fn-deployer");
    assert_eq!(deployer["status"], "fail", "{deployer:#}");
    let step = &deployer["evidence"]["path"]["steps"][0];
    assert_eq!(step["kind"], "workload", "{deployer:#}");
    assert_eq!(step["to"], format!("arn:aws:iam::{account}:role/nightly-admin"));
    assert!(
        step["workload"].as_str().unwrap().ends_with(":function:nightly"),
        "{step}"
    );
    let plain = escalation("fn-deployer-plain");
    assert_eq!(plain["status"], "pass", "{public_fn}: {plain:#}");
    // The instance's role comes from DescribeInstances' profile and IAM's instance profiles.
    let ops = escalation("ops");
    assert_eq!(ops["status"], "fail", "{ops:#}");
    let step = &ops["evidence"]["path"]["steps"][0];
    assert_eq!(
        step["to"],
        format!("arn:aws:iam::{account}:role/batch-admin"),
        "{ops:#}"
    );
    assert!(step["workload"].as_str().unwrap().contains(":instance/i-"), "{step}");
    // A project, a stack, a notebook and a dev endpoint, each read live with the role it runs as.
    let admin = format!("arn:aws:iam::{account}:role/workload-admin");
    for (user, method, workload) in [
        ("builder", "CodeBuildStartBuild", ":project/release"),
        ("stack-updater", "CloudFormationUpdateStack", ":stack/app/"),
        (
            "notebook-user",
            "SageMakerExistingNotebook",
            ":notebook-instance/research",
        ),
        ("endpoint-user", "UpdateDevEndpoint", ":devEndpoint/etl"),
    ] {
        let finding = escalation(user);
        assert_eq!(finding["status"], "fail", "{user}: {finding:#}");
        let step = &finding["evidence"]["path"]["steps"][0];
        assert_eq!(
            (&step["kind"], &step["via"], &step["to"]),
            (
                &serde_json::json!("workload"),
                &serde_json::json!(method),
                &serde_json::json!(admin)
            ),
            "{user}"
        );
        assert!(step["workload"].as_str().unwrap().contains(workload), "{user}: {step}");
    }
    let plain = escalation("builder-plain");
    assert_eq!(plain["status"], "pass", "{plain:#}");
    // A launch template an Auto Scaling group launches at its default version, read live
    // (DescribeAutoScalingGroups): a new default version may name batch-admin's profile.
    let editor = escalation("template-editor");
    assert_eq!(editor["status"], "fail", "{editor:#}");
    let step = &editor["evidence"]["path"]["steps"][0];
    assert_eq!(
        (&step["via"], &step["to"]),
        (
            &serde_json::json!("EC2LaunchTemplateVersion"),
            &serde_json::json!(format!("arn:aws:iam::{account}:role/batch-admin"))
        ),
        "{editor:#}"
    );
    assert!(
        step["workload"].as_str().unwrap().contains(":launch-template/lt-"),
        "{step}"
    );
    let pinned = escalation("template-editor-pinned");
    assert_eq!(pinned["status"], "pass", "{pinned:#}");
}

/// Issue 12's done-means on one organisation (seed kind `full-org`): a management account and
/// four members in two units, scanned live with `scan --org --role-name posture-audit`. Every
/// seeded public or external resource fails on its ARN with its category and none of those
/// fenced by `aws:PrincipalOrgID` or the guarded unit's RCP does; A's user reaches C's
/// administrator through B's role and the hops are its evidence; the guarded unit's SCP removes
/// its escalations (the same principals in the open unit keep them, under SCPs that only lock
/// regions and forbid leaving); the SCP-exempt management account keeps its escalation.
#[test]
#[cfg_attr(
    not(feature = "external-tests"),
    ignore = "needs the test environment: scripts/test.sh"
)]
fn organization_scan_reports_its_data_and_access_model_end_to_end() {
    let seeded = seed("full-org");
    let started = std::time::Instant::now();
    let output = posture(&seeded)
        .args(["-v", "scan", "--org", "--role-name", "posture-audit"])
        .args(["--regions", "us-east-1", "-f", "json"])
        .output()
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    for secret in ["SecretAccessKey", "SessionToken"] {
        let value = seeded.credentials[secret].as_str().unwrap();
        assert!(!stdout.contains(value) && !stderr.contains(value), "{secret} leaked");
    }
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let members = &seeded.credentials["members"];
    let mut expected: Vec<String> = ["G", "A", "B", "C"]
        .iter()
        .map(|m| members[m].as_str().unwrap().to_string())
        .collect();
    expected.push(seeded.account.clone());
    expected.sort();
    assert_eq!(report["scan"]["accounts"], serde_json::json!(expected));
    assert_only_moto_gaps(&report);
    assert_resource_verdicts(&report, &seeded.credentials["resources"]);
    assert_escalations(&report, &seeded);
    // The per-service accounting of the run (for the note of issue 12: calls and time per service).
    println!("full-org scan of {} accounts in {seconds:.2}s", expected.len());
    for line in stderr
        .lines()
        .filter(|l| l.contains(" calls (") || l.contains("collected in"))
    {
        println!("{}", line.trim());
    }
    for service in [
        "organizations:",
        "iam:",
        "s3:",
        "kms:",
        "sqs:",
        "sns:",
        "secretsmanager:",
        "lambda:",
        "ecr:",
    ] {
        assert!(stderr.contains(service), "{service} calls in the summary: {stderr}");
    }
}

/// Every member was read through `posture-audit` (no AssumeRole gap), and the only gaps are
/// what moto does not serve: S3 Control on an IP endpoint, Config compliance and App Runner.
fn assert_only_moto_gaps(report: &Value) {
    for gap in report["coverage"]["gaps"].as_array().unwrap() {
        let key = (gap["service"].as_str().unwrap(), gap["operation"].as_str().unwrap());
        assert!(
            matches!(
                key,
                ("s3control", "GetPublicAccessBlock")
                    | ("config", "DescribeComplianceByConfigRule")
                    | ("apprunner", "ListServices")
            ),
            "unexpected gap {gap}"
        );
    }
}

/// The statuses of `rule` on `arn`.
fn statuses(report: &Value, rule: &str, arn: &str) -> Vec<String> {
    findings_on(report, arn)
        .filter(|f| f["rule_id"] == rule)
        .map(|f| f["status"].as_str().unwrap().to_string())
        .collect()
}

fn findings_on<'r>(report: &'r Value, arn: &str) -> std::vec::IntoIter<&'r Value> {
    let on_arn = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["resource"]["arn"] == arn);
    on_arn.collect::<Vec<_>>().into_iter()
}

/// `resources`: service → ARN under `public`, `external`, `fenced` (aws:PrincipalOrgID) and
/// `rcp_closed` (public, in the unit whose RCP closes it to outsiders).
fn assert_resource_verdicts(report: &Value, resources: &Value) {
    let by_verdict = |verdict: &str| {
        let map = resources[verdict].as_object().unwrap();
        map.iter()
            .map(|(service, arn)| (service.clone(), arn.as_str().unwrap().to_string()))
            .collect::<Vec<_>>()
    };
    let public = by_verdict("public");
    let external = by_verdict("external");
    let services: BTreeSet<&str> = public.iter().chain(&external).map(|(s, _)| s.as_str()).collect();
    let every = ["ecr", "kms", "lambda", "s3", "secretsmanager", "sns", "sqs"];
    assert_eq!(services, every.into_iter().collect(), "one seeded exposure per service");
    for (rule, category, seeded) in [
        ("DATA-001", "public-access", &public),
        ("DATA-002", "external-access", &external),
    ] {
        for (service, arn) in seeded {
            assert_eq!(
                statuses(report, rule, arn),
                vec!["fail"],
                "{rule} on the {service} {arn}"
            );
            let finding = findings_on(report, arn).find(|f| f["rule_id"] == rule).unwrap();
            assert!(
                finding["categories"].as_array().unwrap().iter().any(|c| c == category),
                "{category} on {arn}"
            );
            if rule == "DATA-002" {
                let outside = &finding["evidence"]["outside_principals"];
                assert_eq!(outside, &serde_json::json!(["999988887777"]), "{arn}");
            }
        }
    }
    let neutralised = by_verdict("fenced").into_iter().chain(by_verdict("rcp_closed"));
    let mut count = 0;
    for (service, arn) in neutralised {
        for rule in ["DATA-001", "DATA-002"] {
            assert_eq!(
                statuses(report, rule, &arn),
                vec!["pass"],
                "{rule} on the neutralised {service} {arn}"
            );
        }
        let exposure = findings_on(report, &arn).find(|f| {
            f["status"] == "fail"
                && f["categories"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c == "public-access" || c == "external-access")
        });
        assert!(exposure.is_none(), "{exposure:?}");
        count += 1;
    }
    assert_eq!(count, 9, "seven fenced by the organisation, two closed by the RCP");
}

/// Cross-account hops, SCP removals (with the open unit as contrast) and the exempt management.
fn assert_escalations(report: &Value, seeded: &Seeded) {
    let member = |name: &str| seeded.credentials["members"][name].as_str().unwrap().to_string();
    let iam = |account: &str, name: &str| format!("arn:aws:iam::{account}:{name}");
    let (guarded, a, b, c) = (member("G"), member("A"), member("B"), member("C"));
    let hopper = iam(&a, "user/hopper");
    let relay = iam(&b, "role/relay");
    let admin = iam(&c, "role/org-admin");
    let finding = findings_on(report, &hopper)
        .find(|f| f["rule_id"] == "IAM-002")
        .unwrap();
    assert_eq!(finding["status"], "fail", "A's user reaches C's administrator");
    let path = &finding["evidence"]["path"];
    assert_eq!(path["path"], serde_json::json!([hopper, relay, admin]));
    let hops: Vec<(&str, &str)> = path["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["to"].as_str().unwrap()))
        .collect();
    let expected_hops = [
        ("assume_cross_account", relay.as_str()),
        ("assume_cross_account", admin.as_str()),
    ];
    assert_eq!(hops, expected_hops);
    assert_eq!(path["target_reason"], "full_admin");
    assert_eq!(statuses(report, "IAM-002", &relay), vec!["fail"], "B's role: one hop");
    // Region locks and a deny on leaving leave an administrator one.
    assert_eq!(statuses(report, "IAM-001", &admin), vec!["fail"]);
    for name in ["user/deployer", "user/iam-operator", "user/hopper"] {
        assert_eq!(
            statuses(report, "IAM-002", &iam(&guarded, name)),
            vec!["pass"],
            "SCP removes {name}"
        );
        assert_eq!(
            statuses(report, "IAM-002", &iam(&a, name)),
            vec!["fail"],
            "open unit keeps {name}"
        );
    }
    let break_glass = iam(&guarded, "role/BreakGlass");
    assert_eq!(
        statuses(report, "IAM-002", &break_glass),
        vec!["fail"],
        "the SCP spares BreakGlass"
    );
    let guarded_failures: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["rule_id"].as_str(), Some("IAM-001" | "IAM-002")) && f["status"] == "fail")
        .map(|f| f["resource"]["arn"].as_str().unwrap())
        .filter(|arn| arn.starts_with(&iam(&guarded, "")))
        .collect();
    assert_eq!(
        guarded_failures,
        vec![break_glass.as_str()],
        "no escalation the SCP removes"
    );
    let management = iam(&seeded.account, "user/mgmt-deployer");
    assert_eq!(
        statuses(report, "IAM-002", &management),
        vec!["fail"],
        "SCPs never bind the management account"
    );
    assert_perimeter(report, &guarded, &a);
}

/// The guarded unit's RCP is its data perimeter and its SCP its guardrail; the open unit's
/// region lock is not a guardrail (only its deny on leaving is).
fn assert_perimeter(report: &Value, guarded: &str, open: &str) {
    let account = |id: &str| format!("AWS::::Account:{id}");
    assert_eq!(statuses(report, "DATA-003", &account(guarded)), vec!["pass"]);
    assert_eq!(statuses(report, "DATA-003", &account(open)), vec!["fail"]);
    let finding = findings_on(report, &account(open))
        .find(|f| f["rule_id"] == "IAM-020")
        .unwrap();
    assert_eq!(finding["status"], "fail", "a region lock denies nothing in its regions");
    let missing = &finding["evidence"]["missing_guardrails"];
    let expected = [
        "disable_guardduty",
        "disable_securityhub",
        "stop_cloudtrail",
        "stop_config",
    ];
    assert_eq!(missing, &serde_json::json!(expected));
}
