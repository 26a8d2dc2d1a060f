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
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every bundled scenario file, sorted.
pub fn bundled() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root().join("scenarios")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Loads a scenario file (panics with the rendered error if it is invalid).
pub fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    scenario::parse(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The scenario file's name relative to the repository root.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap().display().to_string()
}
