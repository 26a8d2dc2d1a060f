//! `finsim test` and `finsim merge`: finding the suite's files, loading them, running the cases
//! (recorded corpus cases first), and printing, as JSON or JUnit XML, what the library returns.

use super::input;
use super::output::Output;
use finsim::sim::coverage::Coverage;
use finsim::suite::{self, corpus, Case, CaseResult, InvalidFile, Results, SuiteFile};
use finsim::text::escape;
use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::path::Path;

/// What `finsim test` was asked.
pub struct TestArgs {
    /// Files and directories (searched recursively for `*.yaml`).
    pub paths: Vec<String>,
    /// `--seeds`: every file at these seeds.
    pub seeds: Option<RangeInclusive<u64>>,
    /// Worker threads.
    pub jobs: usize,
    /// `--json`.
    pub json: bool,
    /// `--junit FILE`.
    pub junit: Option<String>,
    /// `--shard K/N`.
    pub shard: Option<(usize, usize)>,
    /// `--corpus DIR`.
    pub corpus: Option<String>,
    /// `--fail-fast`.
    pub fail_fast: bool,
}

/// The scenario files under `paths`, sorted and without repeats: a file is taken as given, a
/// directory searched recursively for `*.yaml` (a symbolic link is not followed into a directory).
pub fn discover(paths: &[String]) -> Result<Vec<String>, String> {
    let mut found = BTreeSet::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| format!("{}: {e}", escape(path)))?;
        if !metadata.is_dir() {
            found.insert(path.clone());
            continue;
        }
        let mut dirs = vec![path.trim_end_matches('/').to_owned()];
        while let Some(dir) = dirs.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", escape(&dir)))?;
            for entry in entries {
                let entry = entry.map_err(|e| format!("{}: {e}", escape(&dir)))?;
                let name = format!("{dir}/{}", entry.file_name().to_string_lossy());
                let kind = entry.file_type().map_err(|e| format!("{}: {e}", escape(&name)))?;
                if kind.is_dir() {
                    dirs.push(name);
                } else if name.ends_with(".yaml") {
                    found.insert(name);
                }
            }
        }
    }
    Ok(found.into_iter().collect())
}

/// Loads each file: the scenarios, and the files that are not valid (their errors on stderr).
fn load_all(paths: &[String]) -> (Vec<SuiteFile>, Vec<InvalidFile>) {
    let (mut files, mut invalid) = (Vec::new(), Vec::new());
    for path in paths {
        match input::load(path) {
            Ok(scenario) => files.push(SuiteFile { path: path.clone(), scenario }),
            Err(error) => {
                let rendered = error.render();
                eprint!("{rendered}");
                invalid.push(InvalidFile { file: path.clone(), error: rendered });
            }
        }
    }
    (files, invalid)
}

/// Prints a failing case as nextest does: a `FAIL` line, each failed check, the reproduce line.
fn print_failure(out: &Output, result: &CaseResult) {
    out.line(&format!("        FAIL {} seed {}", escape(&result.file), result.seed));
    let details = if result.details.is_empty() { &result.failed } else { &result.details };
    for detail in details {
        out.line(&format!("             {}", escape(detail)));
    }
    out.line(&format!("             reproduce: {}", escape(&result.reproduce())));
}

/// Prints the closing lines (or the JSON object) and writes the JUnit XML; returns the exit code.
fn finish(out: &Output, results: &Results, json: bool, junit: Option<&str>) -> u8 {
    if let Some(target) = junit {
        if let Err(error) = std::fs::write(target, suite::junit::xml(results)) {
            eprintln!("error: {}: cannot write the JUnit XML: {error}", escape(target));
            return 2;
        }
    }
    if json {
        let mut value = serde_json::to_value(results).unwrap_or_default();
        value["unreached"] = finsim::sim::coverage::unreached_json(&results.coverage);
        out.line(&serde_json::to_string(&value).unwrap_or_default());
    } else {
        if !results.invalid.is_empty() {
            let names: Vec<String> = results.invalid.iter().map(|f| escape(&f.file).into_owned()).collect();
            out.line(&format!("{} invalid file(s), not run: {}", names.len(), names.join(", ")));
        }
        out.line(&format!("{} passed, {} failed", results.passed, results.failed));
    }
    results.exit_code()
}

/// `finsim test`.
pub fn test(out: &Output, args: TestArgs) -> u8 {
    let paths = if args.paths.is_empty() { vec!["scenarios".to_owned()] } else { args.paths.clone() };
    let found = match discover(&paths) {
        Ok(found) => found,
        Err(error) => {
            eprintln!("error: {error}");
            return 2;
        }
    };
    let (mut files, invalid) = load_all(&found);
    let cases = match suite::cases(&files, args.seeds.as_ref(), args.shard.unwrap_or((1, 1))) {
        Ok(cases) => cases,
        Err(error) => {
            eprintln!("error: {error}");
            return 2;
        }
    };
    // The corpus's cases first (a shard takes its share of them too), then the rest.
    let corpus_dir = args.corpus.as_deref().map(Path::new);
    let mut recorded_cases = Vec::new();
    if let Some(dir) = corpus_dir {
        let recorded = match corpus::load(dir) {
            Ok(recorded) => recorded,
            Err(error) => {
                eprintln!("error: {}", escape(&error));
                return 2;
            }
        };
        let recorded = match args.shard {
            Some((k, n)) => suite::shard(&recorded, k, n),
            None => recorded,
        };
        for (entry, case) in recorded {
            let index = match files.iter().position(|f| f.path == case.file) {
                Some(index) => index,
                None => match input::load(&case.file) {
                    Ok(scenario) => {
                        files.push(SuiteFile { path: case.file.clone(), scenario });
                        files.len() - 1
                    }
                    Err(error) => {
                        out.line(&format!(
                            "corpus: {} seed {} no longer loads, removed: {}",
                            escape(&case.file),
                            case.seed,
                            escape(error.render().lines().next().unwrap_or_default())
                        ));
                        let _ = std::fs::remove_file(&entry);
                        continue;
                    }
                },
            };
            recorded_cases.push(Case { file: index, seed: case.seed });
        }
    }
    let first: BTreeSet<(String, u64)> = recorded_cases.iter().map(|c| (files[c.file].path.clone(), c.seed)).collect();
    let recorded_count = recorded_cases.len();
    let mut order = recorded_cases;
    order.extend(cases.into_iter().filter(|c| !first.contains(&(files[c.file].path.clone(), c.seed))));
    if !args.json {
        let from_corpus =
            if recorded_count > 0 { format!(" ({recorded_count} from the corpus, run first)") } else { String::new() };
        out.line(&format!("finsim test: {} case(s) from {} file(s){from_corpus}", order.len(), found.len()));
    }
    let mut results = Results { invalid, ..Results::default() };
    let mut seen = 0usize;
    let mut corpus_error = None;
    let mut on_result = |result: CaseResult, coverage: Coverage| {
        let from_corpus = seen < recorded_count;
        seen += 1;
        if let Some(dir) = corpus_dir {
            let entry = corpus::entry(dir, &result.file, result.seed);
            if result.passed && from_corpus {
                if !args.json {
                    out.line(&format!(
                        "       FIXED {} seed {} (removed from the corpus)",
                        escape(&result.file),
                        result.seed
                    ));
                }
                let _ = std::fs::remove_file(entry);
            } else if !result.passed {
                if let Err(error) = corpus::record(dir, &result) {
                    corpus_error = Some(format!("{}: cannot record a failing case: {error}", dir.display()));
                }
            }
        }
        if !result.passed && !args.json {
            print_failure(out, &result);
        }
        let go_on = !args.fail_fast || result.passed;
        results.coverage.merge(&coverage);
        results.push(result);
        go_on && !out.is_closed()
    };
    if let Err(error) = suite::run(&files, &order, args.jobs, &mut on_result) {
        eprintln!("error: cannot start a worker thread: {error}");
        return 2;
    }
    if let Some(error) = corpus_error {
        eprintln!("error: {}", escape(&error));
        return 2;
    }
    results.cases.sort_by(|a, b| (&a.file, a.seed).cmp(&(&b.file, b.seed)));
    finish(out, &results, args.json, args.junit.as_deref())
}

/// `finsim merge`: the `--json` results of shards joined into one.
pub fn merge(out: &Output, inputs: &[String], json: bool, junit: Option<&str>) -> u8 {
    let mut parts = Vec::new();
    for path in inputs {
        let parsed = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice::<Results>(&bytes).map_err(|e| e.to_string()));
        match parsed {
            Ok(results) => parts.push((path.clone(), results)),
            Err(error) => {
                eprintln!("error: {}: not the JSON of `finsim test --json`: {}", escape(path), escape(&error));
                return 2;
            }
        }
    }
    let merged = match suite::merge(parts) {
        Ok(merged) => merged,
        Err(error) => {
            eprintln!("error: {}", escape(&error));
            return 2;
        }
    };
    if !json {
        out.line(&format!("finsim merge: {} case(s) from {} result file(s)", merged.cases.len(), inputs.len()));
        for case in merged.cases.iter().filter(|c| !c.passed) {
            print_failure(out, case);
        }
    }
    finish(out, &merged, json, junit)
}
