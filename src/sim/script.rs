//! A run driven step by step: the same simulation as any run, advanced to a virtual time at a
//! time, with faults injected between (`partition` / `repair`, `crash` / `restart`). Injected
//! faults join the run's scenario, so whatever checks the run afterwards sees them as if the file
//! had named them. The library's `Script` is this with the checks at its end.

use super::adapter::Snapshot;
use super::{Budget, Job, Observer, Pending, RunResult, Runner, Simulation};
use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::protocol::ids::{ClusterId, OrgId};
use crate::scenario::{Crash, Partition, Scenario};
use crate::trace::Record;
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Why a script's verb was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// A name that is no org (nor, for a partition, a cluster) of the scenario.
    #[error("`{0}` is not an org of this scenario")]
    UnknownOrg(String),
    /// A restart of an org that no crash of the script holds down.
    #[error("{0} is not down for good: nothing to restart")]
    NotDown(OrgId),
}

/// A run driven step by step (`finish` ends it).
pub struct Stepped<O> {
    runner: Runner,
    simulation: Option<Simulation<'static, 'static, O>>,
    budget: Budget,
}

impl<O: Observer> Stepped<O> {
    /// `job` (its tap aside: a stepped run hands records to nobody), ready to run from time 0,
    /// on a System of its own.
    pub fn new(job: Job<'_, '_>, observer: O) -> Self {
        let runner = Runner::new();
        let Job { scenario, seed, settings, misbehaviours, tap: _ } = job;
        let scenario = Cow::Owned(scenario.clone());
        let simulation =
            runner.system.block_on(async { Simulation::new(scenario, seed, settings, misbehaviours, observer) });
        Self { runner, simulation: Some(simulation), budget: settings.budget }
    }

    fn sim(&self) -> &Simulation<'static, 'static, O> {
        self.simulation.as_ref().expect("a stepped run holds its simulation until it finishes")
    }

    fn sim_mut(&mut self) -> &mut Simulation<'static, 'static, O> {
        self.simulation.as_mut().expect("a stepped run holds its simulation until it finishes")
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
        let simulation = self.simulation.as_mut().expect("a stepped run holds its simulation until it finishes");
        self.runner.system.block_on(simulation.advance(budget, Some(until)))
    }

    /// Runs until nothing is left to do (or the run's budget ends it).
    pub fn run_to_end(&mut self) {
        let budget = self.budget;
        let simulation = self.simulation.as_mut().expect("a stepped run holds its simulation until it finishes");
        self.runner.system.block_on(simulation.advance(budget, None));
    }

    fn org(&self, name: &str) -> Result<OrgId, ScriptError> {
        let org = OrgId::from(name);
        match self.sim().scenario.orgs.contains_key(&org) {
            true => Ok(org),
            false => Err(ScriptError::UnknownOrg(name.to_owned())),
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
        let partition = Partition { from_us: now, until_us: u64::MAX, groups: resolved, cut: Vec::new(), on: None };
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
        simulation.scenario.to_mut().faults.crashes.push(Crash {
            org: org.clone(),
            at_us: now,
            restart_us: None,
            on: None,
        });
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
            return Err(ScriptError::NotDown(org));
        };
        crash.restart_us = Some(now.max(crash.at_us + 1));
        simulation.schedule(now, Pending::Restart(org));
        Ok(())
    }

    /// The run's observer, with what it has kept so far.
    pub fn observer(&self) -> &O {
        &self.sim().observer
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

    /// Runs to the end; the scenario it ran (with every injected fault) and what it produced.
    pub fn finish(mut self) -> (Scenario, RunResult<O>) {
        self.run_to_end();
        let simulation = self.simulation.take().expect("a stepped run holds its simulation until it finishes");
        let scenario = simulation.scenario.clone().into_owned();
        (scenario, self.runner.system.block_on(simulation.finish()))
    }
}
