//! Suites for CI: many scenario files, each at its seeds, as one test run (`finsim test`).
//!
//! A case is a (file, seed). Cases are ordered by (path, seed); a shard `K/N` takes the cases at
//! positions K−1, K−1+N, … of that order, so the N shards are disjoint and together run every
//! case. Results come back in case order whatever the number of workers, so the output, the JSON
//! and the JUnit XML of a run do not depend on `--jobs`; the results of shards, merged, are those
//! of the unsharded run.

pub mod corpus;
pub mod junit;

use crate::library::run_with;
use crate::scenario::Scenario;
use crate::sim::coverage::Coverage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;

/// A scenario file of the suite, loaded.
#[derive(Clone, Debug)]
pub struct SuiteFile {
    /// Its path, as found (`scenarios/faults/chaos.yaml`).
    pub path: String,
    /// The scenario.
    pub scenario: Scenario,
}

/// One case: a file of the suite at one seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Case {
    /// The file's index in the suite's files.
    pub file: usize,
    /// The seed.
    pub seed: u64,
}

/// The seeds a file runs at: `--seeds` when given, else the file's `seeds`, else its `seed`.
pub(crate) fn seeds_of(scenario: &Scenario, seeds: Option<&RangeInclusive<u64>>) -> RangeInclusive<u64> {
    seeds.or(scenario.seeds.as_ref()).cloned().unwrap_or(scenario.seed..=scenario.seed)
}

/// The most cases one `finsim test` run holds (each result is kept for the JSON and JUnit): a
/// larger sweep is split with `--shard`.
pub(crate) const MAX_CASES: u128 = 10_000_000;

/// The cases of `files` (which must be sorted by path) in shard `k` of `n` (`1/1`: every case), in
/// (path, seed) order, computed without listing the others; more than `MAX_CASES` is an error that
/// says how many there would be.
pub fn cases(
    files: &[SuiteFile],
    seeds: Option<&RangeInclusive<u64>>,
    (k, n): (usize, usize),
) -> Result<Vec<Case>, String> {
    let (k, n) = (k.max(1) as u128 - 1, n.max(1) as u128);
    let ranges: Vec<RangeInclusive<u64>> = files.iter().map(|f| seeds_of(&f.scenario, seeds)).collect();
    let total: u128 = ranges.iter().map(|r| u128::from(r.end() - r.start()) + 1).sum();
    // Positions k, k+n, ... below total.
    let in_shard = total.saturating_sub(k).div_ceil(n);
    if in_shard > MAX_CASES {
        return Err(format!(
            "{in_shard} cases to run, more than the {MAX_CASES} one run holds: split them with --shard K/N"
        ));
    }
    let mut cases = Vec::with_capacity(in_shard as usize);
    let mut offset = 0u128;
    for (file, range) in ranges.iter().enumerate() {
        let len = u128::from(range.end() - range.start()) + 1;
        // The first seed of this file whose position, offset + j, is k modulo n.
        let mut j = (k + n - offset % n) % n;
        while j < len {
            cases.push(Case { file, seed: range.start() + j as u64 });
            j += n;
        }
        offset += len;
    }
    Ok(cases)
}

/// The shard `k` of `n` (1 ≤ k ≤ n) of `cases`: those whose position, from 0, is k−1 modulo n.
pub fn shard<T: Clone>(cases: &[T], k: usize, n: usize) -> Vec<T> {
    cases.iter().skip(k.saturating_sub(1)).step_by(n.max(1)).cloned().collect()
}

/// Why a text is not a shard.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a shard: expected K/N with 1 <= K <= N, e.g. 2/4")]
pub struct ShardError(pub String);

/// Parses `K/N` with 1 ≤ K ≤ N.
pub fn parse_shard(text: &str) -> Result<(usize, usize), ShardError> {
    let expected = || ShardError(text.to_owned());
    let (k, n) = text.split_once('/').ok_or_else(expected)?;
    let (k, n): (usize, usize) = (k.trim().parse().map_err(|_| expected())?, n.trim().parse().map_err(|_| expected())?);
    if k == 0 || k > n {
        return Err(expected());
    }
    Ok((k, n))
}

/// The result of one case, as `--json` writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The scenario file's path.
    pub file: String,
    /// The seed.
    pub seed: u64,
    /// Whether every check held.
    pub passed: bool,
    /// The run's digest.
    pub digest: String,
    /// The names of the checks that failed (expectations, then invariants).
    pub failed: Vec<String>,
    /// Each failed check with what was seen (`name: detail`), in the same order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// The scenario's name (the JUnit `classname`).
    #[serde(default)]
    pub scenario: String,
}

impl CaseResult {
    /// The command that reproduces this case.
    pub fn reproduce(&self) -> String {
        format!("finsim run {} --seed {}", self.file, self.seed)
    }
}

/// A file that could not be loaded, with its rendered error (`file:line:column: …`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidFile {
    /// The file's path.
    pub file: String,
    /// What is wrong, with its place.
    pub error: String,
}

/// A whole run (or several shards merged), as `--json` writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Results {
    /// Every case run, in (path, seed) order.
    pub cases: Vec<CaseResult>,
    /// How many passed.
    pub passed: u64,
    /// How many failed.
    pub failed: u64,
    /// The files that could not be loaded.
    #[serde(default)]
    pub invalid: Vec<InvalidFile>,
    /// Which (message kind, role, path) combinations the cases took, over all of them (`runs`
    /// counts the cases).
    #[serde(default)]
    pub coverage: Coverage,
}

impl Results {
    /// Adds a case's result to the counts (its coverage is added with `Coverage::merge`).
    pub fn push(&mut self, result: CaseResult) {
        if result.passed {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
        self.cases.push(result);
    }

    /// The exit code of the run: 2 when a file is invalid, else 1 when a case failed, else 0.
    pub fn exit_code(&self) -> u8 {
        if !self.invalid.is_empty() {
            2
        } else if self.failed > 0 {
            1
        } else {
            0
        }
    }
}

/// Runs one case on `runner`: its result, and the combinations it took.
pub(crate) fn run_case(runner: &crate::sim::Runner, file: &SuiteFile, seed: u64) -> (CaseResult, Coverage) {
    let outcome = run_with(runner, &file.scenario, seed);
    let failures = outcome.failures();
    let result = CaseResult {
        file: file.path.clone(),
        seed,
        passed: outcome.passed,
        digest: outcome.digest.clone(),
        failed: failures.iter().map(|c| c.name.clone()).collect(),
        details: failures.iter().map(|c| format!("{}: {}", c.name, c.detail)).collect(),
        scenario: file.scenario.name.clone(),
    };
    (result, outcome.coverage)
}

/// Runs `cases` of `files` on up to `jobs` workers; `on_result` sees each result in case order
/// and returns whether to go on (`false`: no further case starts, as `--fail-fast` wants).
pub fn run(
    files: &[SuiteFile],
    cases: &[Case],
    jobs: usize,
    on_result: &mut dyn FnMut(CaseResult, Coverage) -> bool,
) -> std::io::Result<()> {
    let work = |runner: &crate::sim::Runner, job: u128| {
        let case = cases[job as usize];
        run_case(runner, &files[case.file], case.seed)
    };
    crate::pool::ordered(cases.len() as u128, jobs, work, &mut |_, (result, coverage)| on_result(result, coverage))
}

/// Why shards do not merge: a shard that contradicts itself, or two that overlap. Each says which
/// file it read (`source`) and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// A shard's counts are not its cases'.
    #[error(
        "{shard}: says {said_passed} passed and {said_failed} failed, but its cases are {passed} passed and \
         {failed} failed: not what `finsim test --json` writes"
    )]
    Counts {
        /// The shard.
        shard: String,
        /// Its `passed`.
        said_passed: u64,
        /// Its `failed`.
        said_failed: u64,
        /// Its passing cases.
        passed: u64,
        /// Its failing cases.
        failed: u64,
    },
    /// A case that passed naming failed checks, or failed naming none.
    #[error("{shard}: its case {position} (seed {seed}) says it {says}: not what `finsim test --json` writes")]
    Case {
        /// The shard.
        shard: String,
        /// The case's place in the shard, from 1.
        position: usize,
        /// The case's seed.
        seed: u64,
        /// What it says.
        says: &'static str,
    },
    /// Coverage counts past what a u64 holds.
    #[error("{shard}: its coverage counts overflow the merged ones: not a real run's")]
    Coverage {
        /// The shard.
        shard: String,
    },
    /// Two shards (or one twice) hold the same case.
    #[error("{file} at seed {seed} is in both {first} and {second}: the shards overlap")]
    Overlap {
        /// The case's file (clipped).
        file: String,
        /// The case's seed.
        seed: u64,
        /// One shard.
        first: String,
        /// The other.
        second: String,
    },
}

/// Joins the results of shards (`--json` of `finsim test --shard K/N`) into one; an error when two
/// shards hold the same case, or a shard is not what `finsim test` writes.
pub fn merge(parts: Vec<(String, Results)>) -> Result<Results, MergeError> {
    let mut merger = Merger::default();
    for (source, part) in parts {
        merger.add(&source, part)?;
    }
    merger.finish()
}

/// Shards joined one at a time (`finsim merge` reads a shard, adds it, and lets it go). Cases are
/// kept once each, with the shard they came from; overlaps are found when they are put in order.
#[derive(Debug, Default)]
pub struct Merger {
    cases: Vec<(usize, CaseResult)>,
    sources: Vec<String>,
    invalid: BTreeMap<String, InvalidFile>,
    coverage: Coverage,
}

impl Merger {
    /// Adds one shard's results, read from `source`. Refused: a shard whose counts are not its
    /// cases', a case that says it passed and names failed checks (or failed and names none),
    /// coverage counts past what a u64 holds.
    pub fn add(&mut self, source: &str, part: Results) -> Result<(), MergeError> {
        let passed = part.cases.iter().filter(|c| c.passed).count() as u64;
        let failed = part.cases.len() as u64 - passed;
        if (part.passed, part.failed) != (passed, failed) {
            let (said_passed, said_failed) = (part.passed, part.failed);
            return Err(MergeError::Counts { shard: source.to_owned(), said_passed, said_failed, passed, failed });
        }
        if let Some((i, case)) = part.cases.iter().enumerate().find(|(_, c)| c.passed != c.failed.is_empty()) {
            let says =
                if case.passed { "passed, yet names failed checks" } else { "failed, yet names no failed check" };
            return Err(MergeError::Case { shard: source.to_owned(), position: i + 1, seed: case.seed, says });
        }
        self.coverage.try_merge(&part.coverage).map_err(|_| MergeError::Coverage { shard: source.to_owned() })?;
        self.sources.push(source.to_owned());
        let index = self.sources.len() - 1;
        self.cases.extend(part.cases.into_iter().map(|case| (index, case)));
        for file in part.invalid {
            self.invalid.insert(file.file.clone(), file);
        }
        Ok(())
    }

    /// The merged results, cases in (path, seed) order; an error when two shards (or one shard
    /// twice) hold the same case.
    pub fn finish(mut self) -> Result<Results, MergeError> {
        self.cases.sort_by(|(_, a), (_, b)| (&a.file, a.seed).cmp(&(&b.file, b.seed)));
        if let Some(pair) = self.cases.windows(2).find(|w| (&w[0].1.file, w[0].1.seed) == (&w[1].1.file, w[1].1.seed)) {
            let ((first, case), (second, _)) = (&pair[0], &pair[1]);
            let (first, second) = (&self.sources[*first.min(second)], &self.sources[*first.max(second)]);
            return Err(MergeError::Overlap {
                file: crate::text::clip(&case.file, 200).into_owned(),
                seed: case.seed,
                first: first.clone(),
                second: second.clone(),
            });
        }
        let mut merged =
            Results { invalid: self.invalid.into_values().collect(), coverage: self.coverage, ..Results::default() };
        for (_, case) in self.cases {
            merged.push(case);
        }
        Ok(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_every_case() {
        let cases: Vec<u32> = (0..23).collect();
        for n in 1..6 {
            let mut all: Vec<u32> = (1..=n).flat_map(|k| shard(&cases, k, n)).collect();
            all.sort();
            assert_eq!(all, cases, "{n} shards");
        }
        assert_eq!(shard(&cases, 2, 4), [1, 5, 9, 13, 17, 21]);
    }

    fn file(path: &str, seeds: RangeInclusive<u64>) -> SuiteFile {
        let mut scenario = crate::scenario::parse("x.yaml", crate::scenario::SAMPLE_FLOW).unwrap();
        scenario.seeds = Some(seeds);
        SuiteFile { path: path.into(), scenario }
    }

    #[test]
    fn a_shard_s_cases_are_those_of_the_whole_list_at_its_positions_and_a_huge_run_is_refused() {
        let files = [file("a.yaml", 3..=9), file("b.yaml", 0..=0), file("c.yaml", 40..=52)];
        let all = cases(&files, None, (1, 1)).unwrap();
        assert_eq!(all.len(), 21);
        assert_eq!(all[7], Case { file: 1, seed: 0 });
        for n in 1..7 {
            for k in 1..=n {
                assert_eq!(cases(&files, None, (k, n)).unwrap(), shard(&all, k, n), "{k}/{n}");
            }
        }
        let huge = [file("a.yaml", 0..=u64::MAX)];
        let error = cases(&huge, None, (1, 1)).unwrap_err();
        assert!(error.contains("18446744073709551616 cases") && error.contains("--shard"), "{error}");
        assert!(cases(&[file("a.yaml", 0..=99_999)], None, (2, 8)).unwrap().len() == 12_500);
    }

    #[test]
    fn a_shard_is_k_of_n() {
        assert_eq!(parse_shard("1/4"), Ok((1, 4)));
        assert_eq!(parse_shard("4/4"), Ok((4, 4)));
        for bad in ["0/4", "5/4", "1", "a/b", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

    fn case(file: &str, seed: u64, passed: bool) -> CaseResult {
        CaseResult {
            file: file.into(),
            seed,
            passed,
            digest: String::new(),
            failed: if passed { vec![] } else { vec!["conservation".into()] },
            details: vec![],
            scenario: String::new(),
        }
    }

    #[test]
    fn merging_orders_cases_and_refuses_overlapping_shards() {
        let mut a = Results::default();
        a.push(case("b.yaml", 1, true));
        let mut b = Results::default();
        b.push(case("a.yaml", 2, false));
        b.push(case("b.yaml", 0, true));
        let merged = merge(vec![("a.json".into(), a.clone()), ("b.json".into(), b)]).unwrap();
        let order: Vec<(&str, u64)> = merged.cases.iter().map(|c| (c.file.as_str(), c.seed)).collect();
        assert_eq!(order, [("a.yaml", 2), ("b.yaml", 0), ("b.yaml", 1)]);
        assert_eq!((merged.passed, merged.failed, merged.exit_code()), (2, 1, 1));
        let error = merge(vec![("a.json".into(), a.clone()), ("again.json".into(), a)]).unwrap_err();
        assert!(matches!(&error, MergeError::Overlap { seed: 1, .. }), "{error:?}");
        assert!(error.to_string().contains("in both a.json and again.json"), "{error}");
    }

    #[test]
    fn a_shard_that_contradicts_itself_is_refused() {
        let mut lying = Results::default();
        lying.push(case("a.yaml", 1, true));
        lying.cases[0].failed = vec!["conservation".into()];
        let error = merge(vec![("x.json".into(), lying)]).unwrap_err();
        assert!(matches!(&error, MergeError::Case { position: 1, .. }), "{error:?}");
        assert!(error.to_string().contains("says it passed, yet names failed checks"), "{error}");
        let mut miscounted = Results::default();
        miscounted.push(case("a.yaml", 1, false));
        miscounted.passed = 1;
        let error = merge(vec![("x.json".into(), miscounted)]).unwrap_err();
        assert!(matches!(&error, MergeError::Counts { said_passed: 1, passed: 0, .. }), "{error:?}");
        assert!(error.to_string().contains("says 1 passed and 1 failed"), "{error}");
    }

    #[test]
    fn coverage_counts_past_a_u64_are_refused_not_wrapped() {
        use crate::protocol::message::Kind;
        use crate::sim::coverage::{Path, Role};
        let mut big = Results::default();
        big.coverage.take(Kind::Transfer, Role::Org, Path::Ok);
        let one = big.clone();
        for _ in 0..64 {
            let copy = big.coverage.clone();
            big.coverage.merge(&copy);
        }
        let error = merge(vec![("a.json".into(), big), ("b.json".into(), one)]).unwrap_err();
        assert_eq!(error, MergeError::Coverage { shard: "b.json".into() });
        assert!(error.to_string().contains("b.json: its coverage counts overflow"), "{error}");
    }
}
