//! A run and its checks, under every entry of the front: the registry of a designer's own
//! misbehaviours and invariants, what a custom invariant reads ([`Evidence`]), a run on a
//! worker's System, a streamed run, a replay, a run driven step by step ([`Script`]), and the
//! conclusion every one of them ends in (the built-in invariants, the registered ones, the
//! expectations). The way in is [`crate::Simulator`]; `docs/library.md` walks through it and
//! `examples/` has runnable programs.
//!
//! ```
//! use finsim::Simulator;
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
/// A ledger's state as the observations and a script hold it.
pub use crate::actors::cluster_ledger::{Block, HeldState, LedgerSnapshot};
/// The public knowledge a misbehaviour's [`Context`] holds: clusters, members, keys, settings.
pub use crate::actors::directory::Directory;
pub use crate::actors::note::Act;
/// An org's replica of its cluster's ledger, as the observations hold it.
pub use crate::actors::organization::ledger_view::{LedgerView, SettledTx};
/// What a misbehaviour sees (an org's `Input`) and rewrites (its `Outbox` of `Outgoing` sends).
pub use crate::actors::outbox::{self, Input, Outbox, Outgoing};
/// What a run showed, as a custom invariant or a script reads it.
pub use crate::check::observations;
pub use crate::protocol::cause::Cause;
pub use script::{Script, ScriptError};

mod script;

use crate::actors::byzantine::Misbehaviours;
use crate::check::observations::Observations;
use crate::check::{expectations, invariants, Check};
use crate::outcome::{InstructionOutcome, Outcome, PersonalDataSeen, PlanOutcome};
use crate::protocol::status::Status;
use crate::scenario::{Expectation, Names, Scenario};
use crate::sim::{self, Stats};
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

/// A designer's own misbehaviours and invariants, by name: what a [`crate::Simulator`] registers
/// and every run, replay, exploration and pack it makes carries. The default has none.
#[derive(Clone, Default)]
pub(crate) struct Registry {
    misbehaviours: BTreeMap<String, MakeMisbehaviour>,
    invariants: BTreeMap<String, Arc<dyn Invariant>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("misbehaviours", &self.misbehaviours.keys().collect::<Vec<_>>())
            .field("invariants", &self.invariants.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Registry {
    /// Registers a misbehaviour by name; `make` builds a fresh one for each org that names it.
    pub(crate) fn misbehaviour(&mut self, name: &str, make: MakeMisbehaviour) {
        self.misbehaviours.insert(name.to_owned(), make);
    }

    /// Registers an invariant by name.
    pub(crate) fn invariant(&mut self, name: &str, check: Arc<dyn Invariant>) {
        self.invariants.insert(name.to_owned(), check);
    }

    /// The names a scenario may use because they are registered here.
    pub(crate) fn names(&self) -> Names {
        Names {
            misbehaviours: self.misbehaviours.keys().cloned().collect(),
            invariants: self.invariants.keys().cloned().collect(),
        }
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

impl Misbehaviours for Registry {
    fn make(&self, name: &str) -> Option<Box<dyn Misbehaviour>> {
        self.misbehaviours.get(name).map(|make| make())
    }
}

/// Runs a scenario at a seed on `runner`'s System, with no registered extension, and checks
/// everything: what the sweeps, suites and shrinking run on each worker's System.
pub(crate) fn run_with(runner: &sim::Runner, scenario: &Scenario, seed: u64) -> Outcome {
    run_on(runner, scenario, seed, sim::Settings::default(), &Registry::default())
}

/// Runs a scenario at a seed on `runner`'s System, with `settings` and a designer's misbehaviours
/// and invariants, and checks everything, the registered invariants after the built-in ones.
pub(crate) fn run_on(
    runner: &sim::Runner,
    scenario: &Scenario,
    seed: u64,
    settings: sim::Settings,
    registry: &Registry,
) -> Outcome {
    let job = sim::Job::new(scenario, seed).settings(settings).misbehaviours(registry);
    let result = runner.simulate(job, Observations::for_settings(seed, &settings));
    conclude(scenario, seed, result, registry)
}

/// Runs a scenario at a seed without keeping its trace: each record goes to `tap` as it happens
/// and `Outcome::trace` is empty, and no coverage is counted.
pub(crate) fn stream(
    scenario: &Scenario,
    seed: u64,
    settings: sim::Settings,
    registry: &Registry,
    tap: sim::Tap<'_>,
) -> Outcome {
    let settings = sim::Settings { forget_trace: true, skip_coverage: true, ..settings };
    let job = sim::Job::new(scenario, seed).settings(settings).misbehaviours(registry).tap(tap);
    let result = sim::Runner::new().simulate(job, Observations::for_settings(seed, &settings));
    conclude(scenario, seed, result, registry)
}

/// Replays a schedule on a scenario without its faults, with the keys of `seed`, and checks
/// everything; a schedule that does not fit is an error.
pub(crate) fn replay(
    scenario: &Scenario,
    seed: u64,
    schedule: &crate::sim::schedule::Schedule,
    registry: &Registry,
) -> Result<Outcome, crate::sim::schedule::Misfit> {
    if schedule.scenario != scenario.name {
        let (schedule, file) = (schedule.scenario.clone(), scenario.name.clone());
        return Err(crate::sim::schedule::Misfit::Scenario { schedule, file });
    }
    let observations = Observations::for_settings(seed, &sim::Settings::default());
    let result = sim::Runner::new().simulate_scheduled(scenario, seed, &schedule.events, observations)?;
    let unfaulted = Scenario { faults: crate::scenario::Faults::default(), ..scenario.clone() };
    Ok(conclude(&unfaulted, seed, result, registry))
}

/// Checks what a run produced: every invariant (built-in, then registered), every expectation.
pub(crate) fn conclude(
    scenario: &Scenario,
    seed: u64,
    result: sim::RunResult<Observations>,
    registry: &Registry,
) -> Outcome {
    let mut invariants = invariants::check_all(scenario, &result.observations);
    let evidence =
        Evidence { scenario, observations: &result.observations, trace: &result.trace, outcome_stats: &result.stats };
    invariants.extend(registry.check_invariants(&evidence));
    if let Some(limit) = result.stopped_by {
        invariants.push(Check::new("finished", false, limit.to_string()));
    }
    let byzantine = &scenario.faults.byzantine;
    let mut suspects: Vec<String> = result
        .observations
        .suspicions
        .iter()
        .filter(|(by, _)| !byzantine.contains_key(by))
        .map(|(_, org)| org.to_string())
        .collect();
    suspects.dedup();
    let context = expectations::Context { scenario, seen: &result.observations, invariants: &invariants };
    let expectations = expectations::check_all(&context);
    let expected_broken: Vec<String> = scenario
        .expect
        .iter()
        .filter_map(|e| match e {
            Expectation::Invariant { name, holds: false } => Some(name.clone()),
            _ => None,
        })
        .collect();
    let mut users: Vec<_> = scenario.users.iter().filter(|(_, u)| u.ivms.is_some()).collect();
    users.sort_by_key(|(_, u)| u.declared);
    let mut saw = invariants::seen_by(&result.observations);
    let personal_data = users
        .into_iter()
        .map(|(user, _)| PersonalDataSeen {
            user: user.to_string(),
            seen_by: saw.remove(user).unwrap_or_default().iter().map(ToString::to_string).collect(),
        })
        .collect();
    let plans = plan_outcomes(scenario, &result.observations);
    let passed = expectations.iter().all(|c| c.passed)
        && invariants.iter().all(|c| c.passed || expected_broken.contains(&c.name));
    Outcome {
        scenario: scenario.name.clone(),
        seed,
        start: scenario.protocol.clock.start_text(),
        passed,
        expectations,
        digest: result.digest,
        messages: result.messages,
        virtual_ms: result.virtual_us as f64 / 1000.0,
        end: scenario.protocol.clock.iso_ms(result.virtual_us),
        invariants,
        suspects,
        stats: result.stats,
        personal_data,
        plans,
        unfinished_steps: result.unfinished_steps,
        trace: result.trace,
        expected_broken,
        coverage: result.coverage,
    }
}

/// Every plan of the flow as its coordinator knows it, for the `--json` object.
fn plan_outcomes(scenario: &Scenario, seen: &crate::check::observations::Observations) -> Vec<PlanOutcome> {
    use crate::check::expectations::reason_word;
    use crate::protocol::plan::Instructs;
    invariants::plans::plans(scenario)
        .map(|plan| {
            let known = seen.plans.get(&plan.id);
            let outcome = known.and_then(|k| k.outcome);
            let result = |n: u32, rollback: bool| known.and_then(|k| k.instructions.get(&(n, rollback)));
            let last_answered = known.and_then(|k| k.instructions.keys().map(|(n, _)| *n).max()).unwrap_or(0);
            let instructions = plan
                .numbered()
                .map(|(n, instruction)| {
                    let (status, reason, height) = match (result(n, false), result(n, true)) {
                        (_, Some(rolled)) if rolled.status == Status::Ok => ("rolled_back", None, rolled.height),
                        (Some(done), _) if done.status == Status::Ok => ("done", None, done.height),
                        (Some(failed), _) => ("failed", Some(reason_word(failed.status)), None),
                        (None, _) if instruction.asset(plan).is_none() && last_answered > n => ("done", None, None),
                        (None, _) => ("not_run", None, None),
                    };
                    let cluster =
                        plan.executor(n).and_then(|org| scenario.orgs.get(org)).map(|org| org.cluster.to_string());
                    InstructionOutcome { n, kind: instruction.word(), status, reason, cluster, height }
                })
                .collect();
            PlanOutcome {
                id: plan.id,
                status: outcome.map(|(status, _, _)| status.word()),
                reason: outcome.and_then(|(_, reason, _)| reason).map(reason_word),
                instructions,
            }
        })
        .collect()
}
