//! Checks after a run: the scenario's expectations and the always-on invariants.
//! Each check passes or fails by name, with a detail saying what was seen.

pub mod expectations;
pub mod invariants;
pub mod observations;

use serde::Serialize;

/// The verdict of one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Its name.
    pub name: String,
    /// Whether it passed (for an invariant: held).
    pub passed: bool,
    /// What was seen.
    pub detail: String,
}

impl Check {
    /// A verdict.
    pub fn new(name: impl Into<String>, passed: bool, detail: impl Into<String>) -> Self {
        Self { name: name.into(), passed, detail: detail.into() }
    }
}
