//! finsim's integration tests: one binary, one module per subject.

mod cli;
mod clock;
mod commands;
mod compliance;
mod coverage;
mod defences;
mod determinism;
mod evidence;
mod expectations;
mod explore;
mod faults;
mod generate;
mod generated;
mod hostile;
mod ivms101;
mod layers;
mod library;
mod loader;
mod plans;
mod quorum;
mod report;
mod sample_flow;
mod scenarios;
mod schema;
mod shrink;
mod snapshots;
mod streaming;
mod suite;
mod supply;
mod variants;
mod workload;

use finsim::scenario::{self, Scenario};
use std::path::Path;

#[path = "../common/files.rs"]
mod files;
#[path = "../common/text.rs"]
mod text;
pub use files::{bundled, root};

/// Loads a scenario file (panics with the rendered error if it is invalid).
pub fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    scenario::parse(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The scenario file's name relative to the repository root.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap().display().to_string()
}
