//! Seed sweeps: one run per seed, on the worker pool (`pool`): results are reported in seed
//! order, so the output does not depend on the number of workers.

use crate::check::Check;
use crate::library::{run_on, Registry};
pub use crate::scenario::seeds::{parse_seeds, SeedRangeError};
use crate::scenario::Scenario;
use crate::sim::Runner;
use serde::Serialize;
use std::ops::RangeInclusive;

/// One seed's result.
#[derive(Clone, Debug, Serialize)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// Whether every check passed.
    pub passed: bool,
    /// The run's digest.
    pub digest: String,
    /// The failed checks (expectations, then invariants).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Check>,
}

/// A whole sweep, counted (each seed's result goes to the caller as it is known).
#[derive(Clone, Debug, Serialize)]
pub struct SweepSummary {
    /// The scenario's name.
    pub scenario: String,
    /// The first seed.
    pub from: u64,
    /// The last seed (included).
    pub to: u64,
    /// How many seeds passed.
    pub passed: u64,
    /// How many seeds failed.
    pub failed: u64,
}

/// The number of seeds in a range, saturating at `u64::MAX` (the range `0..=u64::MAX` has one more).
pub fn count(seeds: &RangeInclusive<u64>) -> u64 {
    (seeds.end() - seeds.start()).saturating_add(1)
}

/// Runs every seed of `seeds` on up to `jobs` worker threads (at least one). `on_result` is
/// called on the calling thread once per seed, in seed order, as soon as every earlier seed
/// is known: a failing seed is reported while later seeds still run, and what the caller
/// sees does not depend on `jobs`. When `on_result` returns `false` (its reader has gone),
/// no further seed starts. Returns the counts, or the error of spawning the first worker
/// (later workers that cannot be spawned are done without). Each run has `settings` and the
/// registered extensions (`Simulator::sweep`).
pub(crate) fn sweep(
    scenario: &Scenario,
    settings: crate::sim::Settings,
    registry: &Registry,
    seeds: RangeInclusive<u64>,
    jobs: usize,
    on_result: &mut dyn FnMut(&SeedResult) -> bool,
) -> std::io::Result<SweepSummary> {
    let (from, to) = (*seeds.start(), *seeds.end());
    let mut summary = SweepSummary { scenario: scenario.name.clone(), from, to, passed: 0, failed: 0 };
    // Counted as u128, so that the range 0..=u64::MAX, one more than u64::MAX seeds, fits.
    let count = u128::from(to - from) + 1;
    let work = |runner: &Runner, job: u128| {
        let seed = from + job as u64;
        let outcome = run_on(runner, scenario, seed, settings, registry);
        let failed = outcome.failures().into_iter().cloned().collect();
        SeedResult { seed, passed: outcome.passed, digest: outcome.digest, failed }
    };
    crate::pool::ordered(count, jobs, work, &mut |_, result: SeedResult| {
        if result.passed {
            summary.passed += 1;
        } else {
            summary.failed += 1;
        }
        on_result(&result)
    })?;
    Ok(summary)
}
