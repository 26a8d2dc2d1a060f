//! The way in: one [`Simulator`] builder for every kind of run. Register a designer's own
//! misbehaviours and invariants, choose the run's settings, then run, stream, replay, script,
//! sweep, explore, report, or gather an evidence pack's material; every one of them carries the
//! registered extensions and ends in the same checks.
//!
//! ```
//! use finsim::prelude::*;
//!
//! let simulator = Simulator::new().settings(Budget { max_events: 1_000_000, ..Budget::default() });
//! let scenario = simulator.parse("sample", SAMPLE_FLOW).unwrap();
//! let outcome = simulator.run(&scenario, 0);
//! assert!(outcome.passed);
//! let swept = simulator.sweep(&scenario, 0..=3, 2, &mut |_| true).unwrap();
//! assert_eq!(swept.passed, 4);
//! ```

/// The protocol's defences against moving tokens twice, each of which `Settings` may turn off.
pub use crate::actors::directory::Defences;
/// How a run is carried out, where it stops, and what it counts.
pub use crate::sim::{Budget, Limit, Settings, Stats, Tap};

use crate::evidence::Material;
use crate::explore::{Exploration, Options};
use crate::library::{self, Invariant, Misbehaviour, Registry, Script};
use crate::outcome::Outcome;
use crate::report::Accounts;
use crate::scenario::{LoadError, Names, Scenario};
use crate::sim::schedule::{Misfit, Schedule};
use crate::sim::Runner;
use crate::sweep::{SeedResult, SweepSummary};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::Arc;

thread_local! {
    /// This thread's actix System, for [`Simulator::run`].
    static RUNNER: Runner = Runner::new();
}

/// finsim, with a designer's own misbehaviours and invariants and a run's settings.
/// `Simulator::new()` has none and the default settings: it runs exactly what `finsim run` runs.
#[derive(Clone, Debug, Default)]
pub struct Simulator {
    registry: Registry,
    settings: Settings,
}

impl Simulator {
    /// No custom misbehaviour or invariant; the default settings.
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
        self.registry.misbehaviour(name, Arc::new(move || Box::new(make()) as Box<dyn Misbehaviour>));
        self
    }

    /// Registers an invariant checked after every run, reported under `name` after the
    /// built-in ones; a scenario may expect it to hold or break (`invariant: {name: NAME, holds: …}`).
    pub fn invariant(mut self, name: &str, check: impl Invariant + 'static) -> Self {
        self.registry.invariant(name, Arc::new(check));
        self
    }

    /// How every run of this simulator is carried out: its [`crate::sim::Budget`] (a budget alone
    /// converts), or settings whole (defences, the null signer for measuring, …). A replay and an
    /// exploration follow schedules, which end by themselves, under the default settings.
    pub fn settings(mut self, settings: impl Into<Settings>) -> Self {
        self.settings = settings.into();
        self
    }

    /// The names a scenario may use because they are registered here.
    pub fn names(&self) -> Names {
        self.registry.names()
    }

    /// Parses and validates a scenario (`file` names it in errors), accepting the registered names.
    pub fn parse(&self, file: &str, text: &str) -> Result<Scenario, LoadError> {
        crate::scenario::parse_with(file, text, &self.names())
    }

    /// Runs a scenario at a seed and checks everything. The run's actors live on this thread's
    /// actix System, made at its first run and kept for the next ones (as each worker of a sweep
    /// keeps one): a run starts with no actor of an earlier one, so the System it ran on never
    /// reaches its outcome.
    pub fn run(&self, scenario: &Scenario, seed: u64) -> Outcome {
        RUNNER.with(|runner| library::run_on(runner, scenario, seed, self.settings, &self.registry))
    }

    /// Runs a scenario at a seed through the engine alone, with no check at its end, and returns
    /// the messages it sent: what the benchmarks and the profiler measure of the engine
    /// (`docs/performance.md`). The run's observations are gathered as in any run; only the
    /// conclusion (invariants, expectations, the `Outcome`) is left out.
    pub fn measure(&self, scenario: &Scenario, seed: u64) -> u64 {
        let job = crate::sim::Job::new(scenario, seed).settings(self.settings).misbehaviours(&self.registry);
        let observations = crate::check::observations::Observations::for_settings(seed, &self.settings);
        RUNNER.with(|runner| runner.simulate(job, observations).messages)
    }

    /// Runs a scenario at a seed without keeping its trace: each record goes to `tap` as it
    /// happens, with its canonical line, and `Outcome::trace` is empty, so the run's memory does not
    /// grow with its history (`finsim run` writes its trace file and its account this way). It
    /// counts no coverage (`Outcome::coverage` is empty; `finsim test` and `finsim explore` report it).
    pub fn stream(&self, scenario: &Scenario, seed: u64, tap: Tap<'_>) -> Outcome {
        library::stream(scenario, seed, self.settings, &self.registry, tap)
    }

    /// Replays a schedule (written by [`Simulator::explore`]) on a scenario without its faults,
    /// with the keys of `seed`, and checks everything; a schedule that does not fit — written for
    /// another scenario, an event that cannot happen there, events left at its end — is an error.
    /// The registered invariants are checked; its orgs are honest, as exploration's are.
    pub fn replay(&self, scenario: &Scenario, seed: u64, schedule: &Schedule) -> Result<Outcome, Misfit> {
        library::replay(scenario, seed, schedule, &self.registry)
    }

    /// A run to drive step by step (see [`Script`]).
    pub fn script(&self, scenario: &Scenario, seed: u64) -> Script<'_> {
        Script::new(&self.registry, scenario, seed, self.settings)
    }

    /// Runs every seed of `seeds` on up to `jobs` worker threads (at least one). `on_result` is
    /// called on the calling thread once per seed, in seed order, as soon as every earlier seed is
    /// known: a failing seed is reported while later seeds still run, and what the caller sees does
    /// not depend on `jobs`. When it returns `false` (its reader has gone), no further seed starts.
    /// Returns the counts, or the error of spawning the first worker (later workers that cannot be
    /// spawned are done without).
    pub fn sweep(
        &self,
        scenario: &Scenario,
        seeds: RangeInclusive<u64>,
        jobs: usize,
        on_result: &mut dyn FnMut(&SeedResult) -> bool,
    ) -> std::io::Result<SweepSummary> {
        crate::sweep::sweep(scenario, self.settings, &self.registry, seeds, jobs, on_result)
    }

    /// Explores every order of a scenario's deliveries (its faults left out) with the keys of
    /// `seed`, checking every invariant, registered ones included, and every expectation in every
    /// end state (`docs/exploration.md`).
    pub fn explore(&self, scenario: &Scenario, seed: u64, options: Options) -> Exploration {
        crate::explore::explore(scenario, seed, options, &self.registry)
    }

    /// Runs a scenario at a seed and writes its report for a reader who does not program: the
    /// self-contained HTML page (`file` is the scenario's file as the page names it), and the
    /// accounts its CSV tables are made of, on demand ([`Report::csv`]; `docs/report.md`).
    pub fn report(&self, scenario: &Scenario, seed: u64, file: &str) -> Report {
        let (outcome, material) = self.evidence(scenario, seed);
        let accounts = Accounts::of(scenario, &outcome, &material);
        let html = crate::report::html::page_with(scenario, &outcome, &material, &accounts, file);
        Report { outcome, html, accounts }
    }

    /// Runs a scenario at a seed keeping everything its evidence pack and its reports read: the
    /// signed envelopes, the ledgers, the proofs and the keys ([`crate::evidence::files`] writes
    /// the pack; [`crate::report`] reads the same material).
    pub fn evidence(&self, scenario: &Scenario, seed: u64) -> (Outcome, Material) {
        crate::evidence::run(scenario, seed, self.settings, &self.registry)
    }
}

/// A run's report ([`Simulator::report`]).
#[derive(Debug)]
pub struct Report {
    /// The run's outcome.
    pub outcome: Outcome,
    /// The self-contained HTML page (CSS and SVG inline, no script).
    pub html: String,
    /// Every operation and disclosure of the run, as the page and the tables tell them.
    pub accounts: Accounts,
}

impl Report {
    /// The CSV tables by file name (`operations.csv`, `checks.csv`, `disclosures.csv`), made only
    /// when asked for: `scenario` is the one the report was made of.
    pub fn csv(&self, scenario: &Scenario) -> BTreeMap<String, Vec<u8>> {
        crate::report::csv::tables(scenario, &self.outcome, &self.accounts)
    }
}

/// Runs a scenario with a seed (on a fresh actix System) and checks everything: `Simulator::new().run`.
pub fn run(scenario: &Scenario, seed: u64) -> Outcome {
    Simulator::new().run(scenario, seed)
}
