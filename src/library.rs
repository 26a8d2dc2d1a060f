//! The library API for protocol designers who write Rust: register misbehaviours and
//! invariants of their own by name, parse scenarios that name them, run at a seed, read the
//! outcome and the trace, and drive a run step by step with faults injected mid-run
//! ([`Script`]). `docs/library.md` walks through it; `examples/` has runnable programs.
//!
//! ```
//! use finsim::library::Simulator;
//!
//! let simulator = Simulator::new().invariant("nothing_lost", |run: &finsim::library::Evidence<'_>| {
//!     let lost = run.outcome_stats.dropped;
//!     if lost == 0 { Ok("no transmission was lost".to_owned()) } else { Err(format!("{lost} lost")) }
//! });
//! let scenario = simulator.parse("sample", finsim::scenario::SAMPLE_FLOW).unwrap();
//! let outcome = simulator.run(&scenario, 0);
//! assert!(outcome.passed);
//! assert!(outcome.invariants.iter().any(|c| c.name == "nothing_lost" && c.passed));
//! ```

pub use crate::actors::byzantine::{Context, Misbehaviour};
pub use crate::actors::note::Act;
pub use crate::protocol::cause::Cause;
pub use crate::sim::script::{Script, ScriptError};

use crate::check::Check;
use crate::outcome::Outcome;
use crate::scenario::{LoadError, Names, Scenario};
use crate::sim::observations::Observations;
use crate::sim::Stats;
use crate::trace::Record;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a custom invariant reads when a run ends.
#[derive(Clone, Copy)]
pub struct Evidence<'a> {
    /// The scenario that ran (with any fault a script injected).
    pub scenario: &'a Scenario,
    /// What the run showed: final statuses, ledger snapshots, replicas, deliveries, answers.
    pub observations: &'a Observations,
    /// The run's trace, in order.
    pub trace: &'a [Record],
    /// The transmission counts.
    pub outcome_stats: &'a Stats,
}

/// A check of a designer's own, run after every run beside the built-in invariants:
/// `Ok(detail)` when it holds, `Err(detail)` saying what broke.
pub trait Invariant: Send + Sync {
    /// Judges one run.
    fn check(&self, run: &Evidence<'_>) -> Result<String, String>;
}

impl<F> Invariant for F
where
    F: Fn(&Evidence<'_>) -> Result<String, String> + Send + Sync,
{
    fn check(&self, run: &Evidence<'_>) -> Result<String, String> {
        self(run)
    }
}

type MakeMisbehaviour = Arc<dyn Fn() -> Box<dyn Misbehaviour> + Send + Sync>;

/// finsim with a designer's own misbehaviours and invariants. `Simulator::new()` has none
/// and runs exactly what `finsim run` runs.
#[derive(Clone, Default)]
pub struct Simulator {
    misbehaviours: BTreeMap<String, MakeMisbehaviour>,
    invariants: BTreeMap<String, Arc<dyn Invariant>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("misbehaviours", &self.misbehaviours.keys().collect::<Vec<_>>())
            .field("invariants", &self.invariants.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Simulator {
    /// No custom misbehaviour or invariant.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a misbehaviour that a scenario names as `behaviour: {custom: NAME}`; `make`
    /// builds a fresh one for each byzantine org that names it, in each run.
    pub fn misbehaviour<M, F>(mut self, name: &str, make: F) -> Self
    where
        M: Misbehaviour + 'static,
        F: Fn() -> M + Send + Sync + 'static,
    {
        self.misbehaviours.insert(name.to_owned(), Arc::new(move || Box::new(make()) as Box<dyn Misbehaviour>));
        self
    }

    /// Registers an invariant checked after every run, reported under `name` after the
    /// built-in ones; a scenario may expect it to hold or break (`invariant: {name: NAME, holds: …}`).
    pub fn invariant(mut self, name: &str, check: impl Invariant + 'static) -> Self {
        self.invariants.insert(name.to_owned(), Arc::new(check));
        self
    }

    /// The names a scenario may use because they are registered here.
    pub fn names(&self) -> Names {
        Names {
            misbehaviours: self.misbehaviours.keys().cloned().collect(),
            invariants: self.invariants.keys().cloned().collect(),
        }
    }

    /// Parses and validates a scenario (`file` names it in errors), accepting the registered names.
    pub fn parse(&self, file: &str, text: &str) -> Result<Scenario, LoadError> {
        crate::scenario::parse_with(file, text, &self.names())
    }

    /// Runs a scenario at a seed, on a fresh actix System, and checks everything.
    pub fn run(&self, scenario: &Scenario, seed: u64) -> Outcome {
        crate::outcome::run_extended(&crate::sim::Runner::new(), scenario, seed, crate::sim::Settings::default(), self)
    }

    /// A run to drive step by step (see [`Script`]).
    pub fn script(&self, scenario: &Scenario, seed: u64) -> Script<'_> {
        Script::new(self, scenario.clone(), seed)
    }

    /// A fresh instance of a registered misbehaviour.
    pub(crate) fn make_misbehaviour(&self, name: &str) -> Option<Box<dyn Misbehaviour>> {
        self.misbehaviours.get(name).map(|make| make())
    }

    /// The registered invariants' verdicts on a run, in name order.
    pub(crate) fn check_invariants(&self, run: &Evidence<'_>) -> Vec<Check> {
        self.invariants
            .iter()
            .map(|(name, invariant)| match invariant.check(run) {
                Ok(detail) => Check::new(name, true, detail),
                Err(detail) => Check::new(name, false, detail),
            })
            .collect()
    }
}
