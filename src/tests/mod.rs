//! White-box tests that run whole scenarios through the library's internals: the witness's
//! reading of every message the bundled scenarios send, and the explorer's search. The tests of
//! what a user meets (the API, the binary, the files it writes) are in `tests/it/`.

mod explore;
mod witness;

use crate::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

/// The repository's root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every bundled scenario file, sorted.
fn bundled() -> Vec<PathBuf> {
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

/// A scenario file, parsed and validated.
fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    scenario::parse(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}
