//! A scripted run: the same simulation as `finsim run`, driven step by step by a program that
//! injects faults mid-run and asserts between steps, with paired verbs as turmoil has them
//! (`partition` / `repair`, `crash` / `restart`). Injected faults join the run's scenario, so
//! the checks (the `liveness` deadline among them) see them as if the file had named them.

use super::Registry;
use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::check::observations::{KnownFinal, Observations};
use crate::outcome::Outcome;
use crate::scenario::Scenario;
use crate::sim::script::Stepped;
use crate::sim::{Job, Settings};
use crate::trace::Record;

pub use crate::sim::script::ScriptError;

/// A run driven step by step. Build one with [`crate::Simulator::script`]; end it with `finish`.
///
/// ```
/// use finsim::Simulator;
///
/// let simulator = Simulator::new();
/// let scenario = simulator.parse("sample", finsim::scenario::SAMPLE_FLOW).unwrap();
/// let mut script = simulator.script(&scenario, 0);
/// script.run_until_ms(30);
/// script.partition(&[&["cluster_A"], &["cluster_B"]]).unwrap();
/// script.run_until_ms(2_000);
/// assert!(script.transfer(10101).is_none(), "cut off: not final yet");
/// script.repair();
/// let outcome = script.finish();
/// assert!(outcome.passed, "{:?}", outcome.failures());
/// ```
pub struct Script<'a> {
    run: Stepped<Observations>,
    library: &'a Registry,
    seed: u64,
}

impl<'a> Script<'a> {
    pub(crate) fn new(library: &'a Registry, scenario: &Scenario, seed: u64, settings: Settings) -> Self {
        let job = Job::new(scenario, seed).settings(settings).misbehaviours(library);
        Self { run: Stepped::new(job, Observations::for_settings(seed, &settings)), library, seed }
    }

    /// Virtual time, in milliseconds.
    pub fn now_ms(&self) -> f64 {
        self.run.now_ms()
    }

    /// Runs every event up to and including virtual time `at_ms`; the clock then reads
    /// `at_ms`. Returns whether anything is left to do.
    pub fn run_until_ms(&mut self, at_ms: u64) -> bool {
        self.run.run_until_ms(at_ms)
    }

    /// Runs until nothing is left to do (or the run's budget ends it).
    pub fn run_to_end(&mut self) {
        self.run.run_to_end()
    }

    /// From now until `repair`, a transmission between orgs in different groups is lost when
    /// it is sent. Groups name orgs or clusters; orgs named in no group form one more group.
    pub fn partition(&mut self, groups: &[&[&str]]) -> Result<(), ScriptError> {
        self.run.partition(groups)
    }

    /// Ends every partition a script started (transmissions already lost stay lost).
    pub fn repair(&mut self) {
        self.run.repair()
    }

    /// The org goes down now: what is delivered to it is lost, its timers do not fire, it
    /// sends nothing, and it keeps its durable state (as a crash in the file).
    pub fn crash(&mut self, org: &str) -> Result<(), ScriptError> {
        self.run.crash(org)
    }

    /// The org comes back now and re-sends its unfinished exchanges (refused if no crash of
    /// this script holds it down).
    pub fn restart(&mut self, org: &str) -> Result<(), ScriptError> {
        self.run.restart(org)
    }

    /// A transfer's final status as its buyer's org knows it so far.
    pub fn transfer(&self, request_id: u64) -> Option<&KnownFinal> {
        self.run.observer().transfers.get(&request_id)
    }

    /// What the run has shown so far.
    pub fn observations(&self) -> &Observations {
        self.run.observer()
    }

    /// The trace so far.
    pub fn trace(&self) -> &[Record] {
        self.run.trace()
    }

    /// A cluster ledger's state now.
    pub fn ledger(&mut self, cluster: &str) -> Option<LedgerSnapshot> {
        self.run.ledger(cluster)
    }

    /// Runs to the end and checks everything, as `Simulator::run` does.
    pub fn finish(self) -> Outcome {
        let (scenario, result) = self.run.finish();
        super::conclude(&scenario, self.seed, result, self.library)
    }
}
