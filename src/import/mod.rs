//! Offline sources: saved snapshots (streamed account by account) and foreign formats turned
//! into the snapshot (GAAD dumps).

pub mod gaad;
pub mod snapshot;
mod split;
