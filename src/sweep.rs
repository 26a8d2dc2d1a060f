//! Seed sweeps: one run per seed, on worker threads that each keep one actix
//! System. Workers take seeds from a shared counter; results are reported in seed
//! order, so the output does not depend on the number of workers.

use crate::check::Check;
use crate::outcome::run_with;
use crate::scenario::Scenario;
use crate::sim::Runner;
use serde::Serialize;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

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

/// A whole sweep.
#[derive(Clone, Debug, Serialize)]
pub struct SweepReport {
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
    /// Every seed, in order.
    pub runs: Vec<SeedResult>,
}

/// Runs every seed of `seeds` on `jobs` threads; `progress` is called after each run.
pub fn sweep(
    scenario: &Scenario,
    seeds: RangeInclusive<u64>,
    jobs: usize,
    progress: &(dyn Fn() + Sync),
) -> SweepReport {
    let (from, to) = (*seeds.start(), *seeds.end());
    let next = AtomicU64::new(from);
    let exhausted = AtomicU64::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                let runner = Runner::new();
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed > to || seed < from || exhausted.load(Ordering::Relaxed) == 1 {
                        break;
                    }
                    if seed == u64::MAX {
                        exhausted.store(1, Ordering::Relaxed);
                    }
                    let outcome = run_with(&runner, scenario, seed);
                    let failed = outcome.failures().into_iter().cloned().collect();
                    let result = SeedResult { seed, passed: outcome.passed, digest: outcome.digest, failed };
                    results.lock().expect("no worker panics while holding the lock").push(result);
                    progress();
                }
            });
        }
    });
    let mut runs = results.into_inner().expect("workers finished");
    runs.sort_by_key(|r| r.seed);
    let passed = runs.iter().filter(|r| r.passed).count() as u64;
    SweepReport { scenario: scenario.name.clone(), from, to, passed, failed: runs.len() as u64 - passed, runs }
}

/// Parses `A..B` (both ends included).
pub fn parse_seeds(text: &str) -> Result<RangeInclusive<u64>, String> {
    let (a, b) =
        text.split_once("..").ok_or_else(|| format!("`{text}` is not a seed range: expected A..B, e.g. 0..199"))?;
    let b = b.strip_prefix('=').unwrap_or(b);
    let parse =
        |s: &str| s.trim().parse::<u64>().map_err(|_| format!("`{s}` is not a seed (a non-negative whole number)"));
    let (a, b) = (parse(a)?, parse(b)?);
    if a > b {
        return Err(format!("the range {a}..{b} is empty: the first seed must not exceed the last"));
    }
    Ok(a..=b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_include_both_ends() {
        assert_eq!(parse_seeds("0..199"), Ok(0..=199));
        assert_eq!(parse_seeds("5..=5"), Ok(5..=5));
        assert!(parse_seeds("9..1").is_err());
        assert!(parse_seeds("a..1").is_err());
        assert!(parse_seeds("7").is_err());
    }
}
