//! White-box tests that run whole scenarios through the library's internals: the witness's
//! reading of every message the bundled scenarios send, and the explorer's search. The tests of
//! what a user meets (the API, the binary, the files it writes) are in `tests/it/`.

mod explore;
mod witness;

use crate::scenario::{self, Scenario};
use std::path::Path;

#[path = "../../tests/common/files.rs"]
mod files;
use files::{bundled, root};

/// A scenario file, parsed and validated.
fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    scenario::parse(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{}", e.render()))
}
