//! posture: an AWS security posture scanner.
//!
//! Data flows one way: sources (`snapshot`, `import`, `collect`) → [`facts`] (Rust, rayon) →
//! [`rules`] (Rego via regorus) → [`finding`]s, built once and streamed by [`scan`] to the
//! [`output`]s and the [`report`] counters → [`score`] → exit code ([`gate`]).

pub mod cli;
#[cfg(feature = "live")]
pub mod collect;
pub mod config;
pub mod destination;
pub mod error;
pub mod facts;
pub mod finding;
pub mod gate;
pub mod import;
pub mod logging;
pub mod output;
pub mod plan;
pub mod report;
pub mod results;
pub mod rules;
pub mod scan;
pub mod score;
pub mod shard;
pub mod snapshot;
pub mod suppress;
