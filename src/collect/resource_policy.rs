//! What the resource-policy collectors share: one resource's policy call read into the snapshot's
//! form (decoded, absent, or unreadable with a gap), and the six regional services collected
//! side by side.

use super::{code, describe, ecr, kms, lambda, secretsmanager, sns, sqs, AccountContext, ServiceCalls};
use crate::snapshot::policy::decode_policy_text;
use crate::snapshot::{PolicyResource, PolicyResources, PolicySource, RegionSnapshot};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::future::Future;

/// The answer to one resource's policy call.
#[derive(Debug, Clone)]
pub(super) struct PolicyRead {
    pub policy: Option<PolicySource>,
    /// False when the call failed: who may use the resource is then unknown.
    pub collected: bool,
}

impl PolicyRead {
    pub(super) const UNREADABLE: PolicyRead = PolicyRead {
        policy: None,
        collected: false,
    };

    /// A policy's text as the service returned it; blank text is no policy.
    pub(super) fn text(text: Option<&str>) -> Self {
        let policy = text
            .filter(|t| !t.trim().is_empty())
            .map(|text| match decode_policy_text(text) {
                Ok(document) => PolicySource::decoded(document),
                Err(error) => PolicySource::failed(error),
            });
        PolicyRead {
            policy,
            collected: true,
        }
    }

    pub(super) fn into_resource(self, arn: String, name: Option<String>) -> PolicyResource {
        PolicyResource {
            arn,
            name,
            policy: self.policy,
            policy_collected: self.collected,
            role: None,
            key_manager: None,
        }
    }
}

/// Sends one policy call (counted): its text, no policy when the error code says the resource
/// has none, or unreadable with a coverage gap for any other failure.
pub(super) async fn read_policy<O, E>(
    calls: &mut ServiceCalls<'_>,
    operation: &str,
    none_codes: &[&str],
    request: impl Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    text: impl FnOnce(&O) -> Option<&str>,
) -> PolicyRead
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    calls.call();
    match request.await {
        Ok(output) => PolicyRead::text(text(&output)),
        Err(error) if code(&error).is_some_and(|c| none_codes.contains(&c.as_str())) => PolicyRead::text(None),
        Err(error) => {
            calls.fail(operation, describe(&error));
            PolicyRead::UNREADABLE
        }
    }
}

/// The AWS partition of a region, for ARNs the service did not return.
pub(super) fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The six regional resource-policy sections of one region.
pub(super) struct RegionalPolicies {
    kms: Option<PolicyResources>,
    sqs: Option<PolicyResources>,
    sns: Option<PolicyResources>,
    secretsmanager: Option<PolicyResources>,
    lambda: Option<PolicyResources>,
    ecr: Option<PolicyResources>,
}

impl RegionalPolicies {
    /// Every service at once: each waits for its own permit of the account's limit. Each future
    /// is boxed: together, unboxed, they overflow a worker's stack in debug builds.
    pub(super) async fn collect(context: &AccountContext, region: &str) -> Self {
        let (kms, sqs, sns, secretsmanager, lambda, ecr) = tokio::join!(
            Box::pin(kms::collect(context, region)),
            Box::pin(sqs::collect(context, region)),
            Box::pin(sns::collect(context, region)),
            Box::pin(secretsmanager::collect(context, region)),
            Box::pin(lambda::collect(context, region)),
            Box::pin(ecr::collect(context, region)),
        );
        RegionalPolicies {
            kms,
            sqs,
            sns,
            secretsmanager,
            lambda,
            ecr,
        }
    }

    pub(super) fn fill(self, region: &mut RegionSnapshot) {
        region.kms = self.kms;
        region.sqs = self.sqs;
        region.sns = self.sns;
        region.secretsmanager = self.secretsmanager;
        region.lambda = self.lambda;
        region.ecr = self.ecr;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_and_percent_encoded_text_decode_and_blank_text_is_no_policy() {
        let raw = PolicyRead::text(Some(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*"}}"#,
        ));
        let document = raw.policy.and_then(|p| p.document).expect("decoded");
        assert_eq!(
            document.statements[0].principal.as_ref().map(|p| p["AWS"].clone()),
            Some(vec!["*".to_string()])
        );
        let encoded = PolicyRead::text(Some("%7B%22Statement%22%3A%5B%5D%7D"));
        assert!(encoded.policy.and_then(|p| p.document).is_some());
        let blank = PolicyRead::text(Some("  "));
        assert!(blank.policy.is_none() && blank.collected);
    }

    #[test]
    fn text_that_does_not_decode_is_kept_as_a_decode_error() {
        let broken = PolicyRead::text(Some("{\"Statement\": ["));
        let source = broken.policy.expect("kept");
        assert!(source.document.is_none() && source.decode_error.is_some());
        assert!(broken.collected, "read, but not understood: the facts say why");
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }
}
