//! Which regions to scan: every region enabled for the account.

use super::{describe, AccountContext, ServiceCalls};

/// Every region enabled for the account (DescribeRegions without AllRegions lists only those).
pub(super) async fn enabled_regions(context: &AccountContext) -> Vec<String> {
    let home = context
        .config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let mut calls = ServiceCalls::start(context, "ec2", &home);
    let client = aws_sdk_ec2::Client::new(&context.config);
    calls.call();
    match client.describe_regions().send().await {
        Ok(output) => {
            let mut regions: Vec<String> = output
                .regions()
                .iter()
                .filter_map(|r| r.region_name().map(str::to_string))
                .collect();
            regions.sort();
            regions
        }
        Err(error) => {
            calls.fail("DescribeRegions", describe(&error));
            vec![home.clone()]
        }
    }
}
