//! A scripted run: the same simulation as `finsim run`, driven step by step by a program that
//! injects faults mid-run and asserts between steps, with paired verbs as turmoil has them
//! (`partition` / `repair`, `crash` / `restart`). Injected faults join the run's scenario, so
//! the checks (the `liveness` deadline among them) see them as if the file had named them.

use super::adapter::Snapshot;
use super::{Budget, Pending, Runner, Settings, Simulation};
use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::library::Simulator;
use crate::outcome::Outcome;
use crate::protocol::ids::{ClusterId, OrgId};
use crate::scenario::{Crash, Partition, Scenario};
use crate::sim::observations::{KnownFinal, Observations};
use crate::trace::Record;
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Why a script's verb was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError(pub String);

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScriptError {}

/// A run driven step by step. Build one with `Simulator::script`; end it with `finish`.
///
/// ```
/// use finsim::library::Simulator;
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
    runner: Runner,
    simulation: Option<Simulation<'a, 'static>>,
    library: &'a Simulator,
    seed: u64,
    budget: Budget,
}

impl<'a> Script<'a> {
    pub(crate) fn new(library: &'a Simulator, scenario: Scenario, seed: u64) -> Self {
        let runner = Runner::new();
        let settings = Settings::default();
        let simulation =
            runner.system.block_on(async { Simulation::new(Cow::Owned(scenario), seed, settings, library) });
        Self { runner, simulation: Some(simulation), library, seed, budget: Budget::default() }
    }

    fn sim(&self) -> &Simulation<'a, 'static> {
        self.simulation.as_ref().expect("a script holds its simulation until it finishes")
    }

    fn sim_mut(&mut self) -> &mut Simulation<'a, 'static> {
        self.simulation.as_mut().expect("a script holds its simulation until it finishes")
    }

    /// Virtual time, in milliseconds.
    pub fn now_ms(&self) -> f64 {
        self.sim().now as f64 / 1000.0
    }

    /// Runs every event up to and including virtual time `at_ms`; the clock then reads
    /// `at_ms`. Returns whether anything is left to do.
    pub fn run_until_ms(&mut self, at_ms: u64) -> bool {
        let until = at_ms.saturating_mul(1000);
        let budget = self.budget;
        let simulation = self.simulation.as_mut().expect("a script holds its simulation until it finishes");
        self.runner.system.block_on(simulation.advance(budget, Some(until)))
    }

    /// Runs until nothing is left to do (or the run's budget ends it).
    pub fn run_to_end(&mut self) {
        let budget = self.budget;
        let simulation = self.simulation.as_mut().expect("a script holds its simulation until it finishes");
        self.runner.system.block_on(simulation.advance(budget, None));
    }

    fn org(&self, name: &str) -> Result<OrgId, ScriptError> {
        let org = OrgId::from(name);
        match self.sim().scenario.orgs.contains_key(&org) {
            true => Ok(org),
            false => Err(ScriptError(format!("`{name}` is not an org of this scenario"))),
        }
    }

    /// From now until `repair`, a transmission between orgs in different groups is lost when
    /// it is sent. Groups name orgs or clusters; orgs named in no group form one more group.
    pub fn partition(&mut self, groups: &[&[&str]]) -> Result<(), ScriptError> {
        let scenario = &self.sim().scenario;
        let mut resolved = Vec::new();
        for group in groups {
            let mut orgs = BTreeSet::new();
            for name in *group {
                if let Some(members) = scenario.clusters.get(&ClusterId::from(*name)) {
                    orgs.extend(members.iter().cloned());
                } else {
                    orgs.insert(self.org(name)?);
                }
            }
            resolved.push(orgs);
        }
        let now = self.sim().now;
        let partition = Partition { from_us: now, until_us: u64::MAX, groups: resolved };
        self.sim_mut().scenario.to_mut().faults.partitions.push(partition);
        Ok(())
    }

    /// Ends every partition a script started (transmissions already lost stay lost).
    pub fn repair(&mut self) {
        let now = self.sim().now;
        for partition in &mut self.sim_mut().scenario.to_mut().faults.partitions {
            if partition.until_us == u64::MAX {
                partition.until_us = now.max(partition.from_us);
            }
        }
    }

    /// The org goes down now: what is delivered to it is lost, its timers do not fire, it
    /// sends nothing, and it keeps its durable state (as a crash in the file).
    pub fn crash(&mut self, org: &str) -> Result<(), ScriptError> {
        let org = self.org(org)?;
        let now = self.sim().now;
        let simulation = self.sim_mut();
        simulation.scenario.to_mut().faults.crashes.push(Crash { org: org.clone(), at_us: now, restart_us: None });
        simulation.schedule(now, Pending::Crash(org));
        Ok(())
    }

    /// The org comes back now and re-sends its unfinished exchanges (refused if no crash of
    /// this script holds it down).
    pub fn restart(&mut self, org: &str) -> Result<(), ScriptError> {
        let org = self.org(org)?;
        let now = self.sim().now;
        let simulation = self.sim_mut();
        let crashes = &mut simulation.scenario.to_mut().faults.crashes;
        let Some(crash) = crashes.iter_mut().rev().find(|c| c.org == org && c.restart_us.is_none()) else {
            return Err(ScriptError(format!("{org} is not down for good: nothing to restart")));
        };
        crash.restart_us = Some(now.max(crash.at_us + 1));
        simulation.schedule(now, Pending::Restart(org));
        Ok(())
    }

    /// A transfer's final status as its buyer's org knows it so far.
    pub fn transfer(&self, request_id: u64) -> Option<&KnownFinal> {
        self.sim().observations.transfers.get(&request_id)
    }

    /// What the run has shown so far.
    pub fn observations(&self) -> &Observations {
        &self.sim().observations
    }

    /// The trace so far.
    pub fn trace(&self) -> &[Record] {
        self.sim().trace.as_deref().unwrap_or_default()
    }

    /// A cluster ledger's state now.
    pub fn ledger(&mut self, cluster: &str) -> Option<LedgerSnapshot> {
        let node = self.sim().ledgers.get(&ClusterId::from(cluster))?.clone();
        self.runner.system.block_on(async { node.send(Snapshot).await.ok() })
    }

    /// Runs to the end and checks everything, as `Simulator::run` does.
    pub fn finish(mut self) -> Outcome {
        self.run_to_end();
        let simulation = self.simulation.take().expect("a script holds its simulation until it finishes");
        let scenario = simulation.scenario.clone().into_owned();
        let result = self.runner.system.block_on(simulation.finish());
        crate::outcome::conclude(&scenario, self.seed, result, self.library)
    }
}
