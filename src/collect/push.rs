//! `--push-security-hub`: imports the ASFF findings with BatchImportFindings, per region, in
//! batches of at most 100. Throttling is retried by the SDK's adaptive retry; findings that
//! Security Hub refuses are retried once, then each is reported, none silently dropped.

use super::{describe, CollectError};
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, Partition, Recommendation, RecordState, Remediation, Resource,
    Severity, SeverityLabel, Workflow, WorkflowStatus,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// BatchImportFindings takes at most 100 findings.
const BATCH: usize = 100;

#[derive(Debug, Default)]
pub struct PushSummary {
    pub imported: usize,
    /// (finding id, error) of every finding Security Hub did not take.
    pub failed: Vec<(String, String)>,
}

fn text<'a>(finding: &'a Value, key: &str) -> Option<&'a str> {
    finding.get(key).and_then(Value::as_str)
}

/// Maps one ASFF object (as `-f asff` writes it) onto the SDK's type.
pub fn to_sdk(finding: &Value) -> AwsSecurityFinding {
    let strings = |value: Option<&Value>| -> Vec<String> {
        value
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let resource = &finding["Resources"][0];
    let product_fields: HashMap<String, String> = finding["ProductFields"]
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    AwsSecurityFinding::builder()
        .set_schema_version(text(finding, "SchemaVersion").map(str::to_string))
        .set_id(text(finding, "Id").map(str::to_string))
        .set_product_arn(text(finding, "ProductArn").map(str::to_string))
        .set_product_name(text(finding, "ProductName").map(str::to_string))
        .set_company_name(text(finding, "CompanyName").map(str::to_string))
        .set_generator_id(text(finding, "GeneratorId").map(str::to_string))
        .set_aws_account_id(text(finding, "AwsAccountId").map(str::to_string))
        .set_region(text(finding, "Region").map(str::to_string))
        .set_types(Some(strings(finding.get("Types"))))
        .set_created_at(text(finding, "CreatedAt").map(str::to_string))
        .set_updated_at(text(finding, "UpdatedAt").map(str::to_string))
        .severity(
            Severity::builder()
                .set_label(finding["Severity"]["Label"].as_str().map(SeverityLabel::from))
                .build(),
        )
        .set_title(text(finding, "Title").map(str::to_string))
        .set_description(text(finding, "Description").map(str::to_string))
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .set_text(
                            finding["Remediation"]["Recommendation"]["Text"]
                                .as_str()
                                .map(str::to_string),
                        )
                        .build(),
                )
                .build(),
        )
        .set_product_fields(Some(product_fields))
        .resources(
            Resource::builder()
                .set_type(resource["Type"].as_str().map(str::to_string))
                .set_id(resource["Id"].as_str().map(str::to_string))
                .set_partition(resource["Partition"].as_str().map(Partition::from))
                .set_region(resource["Region"].as_str().map(str::to_string))
                .build(),
        )
        .compliance(
            Compliance::builder()
                .set_status(finding["Compliance"]["Status"].as_str().map(ComplianceStatus::from))
                .set_related_requirements(Some(strings(finding["Compliance"].get("RelatedRequirements"))))
                .build(),
        )
        .workflow(
            Workflow::builder()
                .set_status(finding["Workflow"]["Status"].as_str().map(WorkflowStatus::from))
                .build(),
        )
        .set_record_state(text(finding, "RecordState").map(RecordState::from))
        .build()
}

/// Imports the findings with the standard credential chain (each finding into its own region).
pub fn push_blocking(findings: Vec<Value>, profile: Option<&str>) -> Result<PushSummary, CollectError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| CollectError::Runtime(error.to_string()))?;
    runtime.block_on(async {
        let base = super::sdk_loader(profile).load().await;
        let mut by_region: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for finding in findings {
            let region = text(&finding, "Region").unwrap_or("us-east-1").to_string();
            by_region.entry(region).or_default().push(finding);
        }
        let mut summary = PushSummary::default();
        for (region, findings) in by_region {
            let config = base.to_builder().region(aws_config::Region::new(region)).build();
            let client = aws_sdk_securityhub::Client::new(&config);
            import(&client, &findings, &mut summary).await;
        }
        Ok(summary)
    })
}

async fn import(client: &aws_sdk_securityhub::Client, findings: &[Value], summary: &mut PushSummary) {
    for batch in findings.chunks(BATCH) {
        let mut pending: Vec<&Value> = batch.iter().collect();
        for attempt in 0..2 {
            let sdk: Vec<AwsSecurityFinding> = pending.iter().map(|f| to_sdk(f)).collect();
            match client.batch_import_findings().set_findings(Some(sdk)).send().await {
                Ok(output) => {
                    let refused: HashMap<&str, String> = output
                        .failed_findings()
                        .iter()
                        .filter_map(|f| {
                            f.id().map(|id| {
                                (
                                    id,
                                    format!(
                                        "{}: {}",
                                        f.error_code().unwrap_or("Error"),
                                        f.error_message().unwrap_or_default()
                                    ),
                                )
                            })
                        })
                        .collect();
                    summary.imported += pending.len() - refused.len();
                    if refused.is_empty() {
                        break;
                    }
                    let retry: Vec<&Value> = pending
                        .iter()
                        .copied()
                        .filter(|f| text(f, "Id").is_some_and(|id| refused.contains_key(id)))
                        .collect();
                    if attempt == 1 {
                        summary
                            .failed
                            .extend(refused.into_iter().map(|(id, error)| (id.to_string(), error)));
                    }
                    pending = retry;
                }
                Err(error) => {
                    if attempt == 1 {
                        let reason = describe(&error);
                        summary.failed.extend(
                            pending
                                .iter()
                                .map(|f| (text(f, "Id").unwrap_or_default().to_string(), reason.clone())),
                        );
                    }
                }
            }
        }
    }
}
