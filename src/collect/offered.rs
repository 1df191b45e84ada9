//! Where AWS offers the regional services the workload collector reads: service_regions.tsv,
//! generated from botocore's endpoint data by scripts/gen_service_regions.py.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

static REGIONS: LazyLock<BTreeMap<&'static str, BTreeSet<&'static str>>> = LazyLock::new(|| {
    include_str!("service_regions.tsv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
        .map(|(service, regions)| (service, regions.split(',').collect()))
        .collect()
});

/// Whether AWS may offer `service` in `region`: false only where the table knows both the
/// service and the region (another service lists it) and does not list the pair. A service or
/// region newer than the table is taken as offered, so its unreachable endpoints stay gaps.
pub(crate) fn offers(service: &str, region: &str) -> bool {
    let known_region = || REGIONS.values().any(|regions| regions.contains(region));
    REGIONS
        .get(service)
        .is_none_or(|regions| regions.contains(region) || !known_region())
}

#[cfg(test)]
mod tests {
    use super::offers;

    #[test]
    fn the_table_knows_where_each_service_is_offered() {
        assert!(offers("apprunner", "eu-west-1"));
        assert!(
            !offers("apprunner", "ca-central-1"),
            "App Runner is not offered in Canada"
        );
        assert!(!offers("apprunner", "cn-north-1"));
        assert!(offers("codebuild", "us-gov-west-1"));
        assert!(offers("sagemaker", "eu-west-1"));
        // Unknown service or region names are the table's silence, not a denial.
        assert!(offers("lambda", "xx-nowhere-1"));
        assert!(offers("apprunner", "xx-nowhere-1"), "a region newer than the table");
    }
}
