//! The outcome of a run: every check, the suspects, the stats, the digest, and the
//! trace; its JSON form is the contract's `--json` object.

use crate::check::{expectations, invariants, Check};
use crate::library::{Evidence, Simulator};
use crate::scenario::{Expectation, Scenario};
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

/// The result of one run.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// The scenario's name.
    pub scenario: String,
    /// The seed used.
    pub seed: u64,
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
    /// The invariants.
    pub invariants: Vec<Check>,
    /// Orgs flagged by an honest org.
    pub suspects: Vec<String>,
    /// Transmission counts between orgs.
    pub stats: Stats,
    /// Who saw each user's personal data: one entry per user with IVMS-101 data, in declaration order.
    pub personal_data: Vec<PersonalDataSeen>,
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
    let result = sim::Runner::new().simulate_tapped(scenario, seed, settings, &library, Some(tap));
    conclude(scenario, seed, result, &library)
}

/// Replays a schedule (`explore::schedule`) on a scenario without its faults, with the keys of
/// `seed` (`finsim run --seed`, or the schedule's own), and checks everything; a schedule that does
/// not fit — written for another scenario, an event that cannot happen there, events left at its
/// end — is an error.
pub fn run_scheduled(
    scenario: &Scenario,
    seed: u64,
    schedule: &crate::explore::schedule::Schedule,
) -> Result<Outcome, crate::explore::schedule::Misfit> {
    if schedule.scenario != scenario.name {
        let (schedule, file) = (schedule.scenario.clone(), scenario.name.clone());
        return Err(crate::explore::schedule::Misfit::Scenario { schedule, file });
    }
    let result = sim::Runner::new().simulate_scheduled(scenario, seed, &schedule.events)?;
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
    let result = runner.simulate_extended(scenario, seed, settings, library);
    conclude(scenario, seed, result, library)
}

/// Checks what a run produced: every invariant (built-in, then registered), every expectation.
pub(crate) fn conclude(scenario: &Scenario, seed: u64, result: sim::RunResult, library: &Simulator) -> Outcome {
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
    let passed = expectations.iter().all(|c| c.passed)
        && invariants.iter().all(|c| c.passed || expected_broken.contains(&c.name));
    Outcome {
        scenario: scenario.name.clone(),
        seed,
        passed,
        expectations,
        digest: result.digest,
        messages: result.messages,
        virtual_ms: result.virtual_us as f64 / 1000.0,
        invariants,
        suspects,
        stats: result.stats,
        personal_data,
        unfinished_steps: result.unfinished_steps,
        trace: result.trace,
        expected_broken,
        coverage: result.coverage,
    }
}
