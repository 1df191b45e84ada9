//! Offline importers: foreign formats turned into the snapshot.

pub mod gaad;
