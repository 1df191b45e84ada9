//! posture: an AWS security posture scanner.
//!
//! Data flows one way: sources (`snapshot`, `import`) → [`facts`] (Rust, rayon) → [`rules`]
//! (Rego via regorus) → [`results`] → [`score`] → [`output`] → exit code ([`gate`]).

pub mod baseline;
pub mod cli;
#[cfg(feature = "live")]
pub mod collect;
pub mod config;
pub mod error;
pub mod facts;
pub mod gate;
pub mod import;
pub mod output;
pub mod report;
pub mod results;
pub mod rules;
pub mod score;
pub mod snapshot;
pub mod suppress;
pub mod synth;
