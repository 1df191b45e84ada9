//! Call accounting: how many calls each service took, how many failed and how long they took
//! (for the run's summary), and the coverage gaps that the failures leave in the snapshot.
//! Collectors count through a [`ServiceCalls`] guard instead of keeping tallies by hand.

use super::AccountContext;
use crate::snapshot::CoverageGap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// API calls made and failed, per service, for the run's summary.
#[derive(Default)]
pub struct CallCounter {
    counts: Mutex<std::collections::BTreeMap<&'static str, (u64, u64, f64)>>,
}

impl CallCounter {
    pub fn record(&self, service: &'static str, calls: u64, failed: u64, seconds: f64) {
        if let Ok(mut counts) = self.counts.lock() {
            let entry = counts.entry(service).or_default();
            entry.0 += calls;
            entry.1 += failed;
            entry.2 += seconds;
        }
    }
    /// `service: calls (failed), seconds` lines.
    pub fn summary(&self) -> Vec<String> {
        self.counts
            .lock()
            .map(|counts| {
                counts
                    .iter()
                    .map(|(service, (calls, failed, seconds))| {
                        format!("{service}: {calls} calls ({failed} failed), {seconds:.2}s")
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Records gaps for one account.
#[derive(Clone)]
pub(crate) struct Gaps {
    account: String,
    list: Arc<Mutex<Vec<CoverageGap>>>,
}

impl Gaps {
    pub(crate) fn new(account: &str) -> Self {
        Gaps {
            account: account.to_string(),
            list: Arc::new(Mutex::new(Vec::new())),
        }
    }
    pub(crate) fn add(&self, region: &str, service: &str, operation: &str, error: String) {
        tracing::warn!(account = %self.account, region, service, operation, "{error}");
        if let Ok(mut list) = self.list.lock() {
            list.push(CoverageGap {
                account: self.account.clone(),
                region: region.to_string(),
                service: service.to_string(),
                operation: operation.to_string(),
                error,
            });
        }
    }
    pub(crate) fn take(&self) -> Vec<CoverageGap> {
        self.list
            .lock()
            .map(|mut list| std::mem::take(&mut *list))
            .unwrap_or_default()
    }
}

/// The calls one collector makes to one service in one region (or `global`). Count each call
/// with [`call`](Self::call) and each failure with [`fail`](Self::fail), which also records the
/// gap; the totals and the elapsed time go to the run's counters when the guard is dropped, on
/// every return path.
pub(crate) struct ServiceCalls<'a> {
    context: &'a AccountContext,
    service: &'static str,
    region: &'a str,
    started: Instant,
    calls: u64,
    failed: u64,
}

impl<'a> ServiceCalls<'a> {
    /// Counts from `started` (taken before the client was built, so its set-up is timed too).
    pub(crate) fn since(context: &'a AccountContext, service: &'static str, region: &'a str, started: Instant) -> Self {
        Self {
            context,
            service,
            region,
            started,
            calls: 0,
            failed: 0,
        }
    }

    pub(crate) fn start(context: &'a AccountContext, service: &'static str, region: &'a str) -> Self {
        Self::since(context, service, region, Instant::now())
    }

    /// One more call (or page) sent.
    pub(crate) fn call(&mut self) {
        self.calls += 1;
    }

    /// Whether the one call sent so far went to a region where AWS does not offer the service
    /// (so an endpoint that cannot be reached there means no workloads, not a gap).
    pub(crate) fn first_call_not_offered(&self) -> bool {
        self.calls == 1 && !super::offered::offers(self.service, self.region)
    }

    /// A call that failed, or an answer that could not be used: counted, and a coverage gap.
    pub(crate) fn fail(&mut self, operation: &str, error: String) {
        self.failed += 1;
        self.context.gaps.add(self.region, self.service, operation, error);
    }
}

impl Drop for ServiceCalls<'_> {
    fn drop(&mut self) {
        self.context.calls.record(
            self.service,
            self.calls,
            self.failed,
            self.started.elapsed().as_secs_f64(),
        );
    }
}
