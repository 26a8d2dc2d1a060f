//! The outcome of a run: every check, the suspects, the stats, the digest, and the
//! trace; its JSON form is the contract's `--json` object.

/// One check's verdict.
pub use crate::check::Check;
/// What a run reached of the protocol's kinds, statuses and paths.
pub use crate::sim::coverage;

use crate::sim::{self, Stats};
use crate::trace::Record;
use serde::Serialize;

/// The orgs that saw one user's personal data.
#[derive(Debug, Serialize)]
pub struct PersonalDataSeen {
    /// The user.
    pub user: String,
    /// The orgs its IVMS-101 data was delivered to (its own org's copies excepted), sorted.
    pub seen_by: Vec<String>,
}

/// A plan's end, as its coordinator knows it.
#[derive(Debug, Serialize)]
pub struct PlanOutcome {
    /// The plan's id.
    pub id: u64,
    /// `completed`, `rejected`, `reverted` or `failed`; `null` when the coordinator does not know.
    pub status: Option<&'static str>,
    /// Why, for every status but `completed`.
    pub reason: Option<&'static str>,
    /// Each instruction, in order.
    pub instructions: Vec<InstructionOutcome>,
}

/// How one instruction of a plan ended, as its coordinator was told.
#[derive(Debug, Serialize)]
pub struct InstructionOutcome {
    /// Its number, from 1.
    pub n: u32,
    /// Its kind (`hold`, `release`, `transfer`, `issue`, `redeem`, `await`).
    pub kind: &'static str,
    /// `done` (on its ledger; an await passed), `rolled_back` (a hold placed then rolled back),
    /// `failed`, or `not_run` (the coordinator was told nothing of it: never sent, or left unanswered).
    pub status: &'static str,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The cluster whose ledger runs it (none for an await).
    pub cluster: Option<String>,
    /// The height of the block that holds it.
    pub height: Option<u64>,
}

/// The result of one run.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// The scenario's name.
    pub scenario: String,
    /// The seed used.
    pub seed: u64,
    /// The real-world moment of virtual time 0 (the scenario's `start`), RFC 3339 in UTC.
    pub start: String,
    /// Every expectation held and every invariant held (or broke as expected).
    pub passed: bool,
    /// The expectations, in file order.
    pub expectations: Vec<Check>,
    /// SHA-256 (hex) of the canonical trace.
    pub digest: String,
    /// Every message of the run.
    pub messages: u64,
    /// Virtual time at the end, in milliseconds.
    pub virtual_ms: f64,
    /// The moment the run ended: `start` plus `virtual_ms`, RFC 3339 in UTC, to the millisecond.
    pub end: String,
    /// The invariants.
    pub invariants: Vec<Check>,
    /// Orgs flagged by an honest org.
    pub suspects: Vec<String>,
    /// Transmission counts between orgs.
    pub stats: Stats,
    /// Who saw each user's personal data: one entry per user with IVMS-101 data, in declaration order.
    pub personal_data: Vec<PersonalDataSeen>,
    /// Every plan of the flow, in flow order.
    pub plans: Vec<PlanOutcome>,
    /// Steps that never finished (their indices in the flow), when any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unfinished_steps: Vec<crate::trace::StepNumber>,
    /// The trace (not part of the JSON object; see `--trace`).
    #[serde(skip)]
    pub trace: Vec<Record>,
    /// Invariants an `invariant` expectation expects to break.
    #[serde(skip)]
    pub expected_broken: Vec<String>,
    /// Which (message kind, role, path) combinations the run took (in `finsim test --json` and
    /// `finsim explore --json`, not in `finsim run --json`).
    #[serde(skip)]
    pub coverage: sim::coverage::Coverage,
}

impl Outcome {
    /// The failed expectations and the invariants that broke unexpectedly.
    pub fn failures(&self) -> Vec<&Check> {
        self.expectations
            .iter()
            .filter(|c| !c.passed)
            .chain(self.invariants.iter().filter(|c| !c.passed && !self.expected_broken.contains(&c.name)))
            .collect()
    }
}
