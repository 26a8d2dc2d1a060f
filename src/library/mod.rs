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
pub use script::{Script, ScriptError};

mod script;

use crate::actors::byzantine::Misbehaviours;
use crate::check::observations::Observations;
use crate::check::{expectations, invariants, Check};
use crate::outcome::{InstructionOutcome, Outcome, PersonalDataSeen, PlanOutcome};
use crate::protocol::status::Status;
use crate::scenario::{Expectation, LoadError, Names, Scenario};
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
        run_extended(&sim::Runner::new(), scenario, seed, sim::Settings::default(), self)
    }

    /// A run to drive step by step (see [`Script`]).
    pub fn script(&self, scenario: &Scenario, seed: u64) -> Script<'_> {
        Script::new(self, scenario, seed)
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

impl Misbehaviours for Simulator {
    fn make(&self, name: &str) -> Option<Box<dyn Misbehaviour>> {
        self.misbehaviours.get(name).map(|make| make())
    }
}

/// Runs a scenario with a seed (on a fresh actix System) and checks everything.
pub fn run(scenario: &Scenario, seed: u64) -> Outcome {
    run_with(&sim::Runner::new(), scenario, seed)
}

/// Runs a scenario with a seed on an existing System and checks everything.
pub fn run_with(runner: &sim::Runner, scenario: &Scenario, seed: u64) -> Outcome {
    run_within(runner, scenario, seed, sim::Settings::default())
}

/// Runs a scenario with a seed on an existing System, with settings (a budget, or a budget and
/// defences), and checks everything.
pub fn run_within(runner: &sim::Runner, scenario: &Scenario, seed: u64, settings: impl Into<sim::Settings>) -> Outcome {
    run_extended(runner, scenario, seed, settings.into(), &Simulator::default())
}

/// Runs a scenario with a seed (on a fresh actix System) without keeping its trace: each record
/// goes to `tap` as it happens and `Outcome::trace` is empty, so the run's memory does not grow
/// with its history (`finsim run` writes its trace file and its account this way). It counts no
/// coverage (`Outcome::coverage` is empty; `finsim test` and `finsim explore` report it).
pub fn run_streaming(scenario: &Scenario, seed: u64, tap: sim::Tap<'_>) -> Outcome {
    let settings = sim::Settings { forget_trace: true, skip_coverage: true, ..sim::Settings::default() };
    let library = Simulator::default();
    let job = sim::Job::new(scenario, seed).settings(settings).tap(tap);
    let result = sim::Runner::new().simulate(job, Observations::for_settings(seed, &settings));
    conclude(scenario, seed, result, &library)
}

/// Replays a schedule (`sim::schedule`) on a scenario without its faults, with the keys of
/// `seed` (`finsim run --seed`, or the schedule's own), and checks everything; a schedule that does
/// not fit — written for another scenario, an event that cannot happen there, events left at its
/// end — is an error.
pub fn run_scheduled(
    scenario: &Scenario,
    seed: u64,
    schedule: &crate::sim::schedule::Schedule,
) -> Result<Outcome, crate::sim::schedule::Misfit> {
    if schedule.scenario != scenario.name {
        let (schedule, file) = (schedule.scenario.clone(), scenario.name.clone());
        return Err(crate::sim::schedule::Misfit::Scenario { schedule, file });
    }
    let observations = Observations::for_settings(seed, &sim::Settings::default());
    let result = sim::Runner::new().simulate_scheduled(scenario, seed, &schedule.events, observations)?;
    let unfaulted = Scenario { faults: crate::scenario::Faults::default(), ..scenario.clone() };
    Ok(conclude(&unfaulted, seed, result, &Simulator::default()))
}

/// Runs a scenario with a designer's misbehaviours and invariants (`library`) and checks
/// everything, the registered invariants after the built-in ones.
pub fn run_extended(
    runner: &sim::Runner,
    scenario: &Scenario,
    seed: u64,
    settings: sim::Settings,
    library: &Simulator,
) -> Outcome {
    let job = sim::Job::new(scenario, seed).settings(settings).misbehaviours(library);
    let result = runner.simulate(job, Observations::for_settings(seed, &settings));
    conclude(scenario, seed, result, library)
}

/// Checks what a run produced: every invariant (built-in, then registered), every expectation.
pub(crate) fn conclude(
    scenario: &Scenario,
    seed: u64,
    result: sim::RunResult<Observations>,
    library: &Simulator,
) -> Outcome {
    let mut invariants = invariants::check_all(scenario, &result.observations);
    let evidence =
        Evidence { scenario, observations: &result.observations, trace: &result.trace, outcome_stats: &result.stats };
    invariants.extend(library.check_invariants(&evidence));
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
    let context =
        expectations::Context { scenario, seen: &result.observations, suspects: &suspects, invariants: &invariants };
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
