//! `finsim test` and `finsim merge`: finding the suite's files, loading them, running the cases
//! (recorded corpus cases first), and printing, as JSON or JUnit XML, what the library returns.

use super::input;
use super::output::Output;
use super::target::Target;
use crate::sim::coverage::Coverage;
use crate::suite::{self, corpus, Case, CaseResult, InvalidFile, Results, SuiteFile};
use crate::text::escape;
use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

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

/// The most entries (files and directories) `finsim test` looks at under one directory it is given:
/// a suite is not a whole file system.
pub const MAX_TREE_ENTRIES: usize = 1_000_000;

/// The scenario files under `paths`, sorted and without repeats, and what could not be searched.
/// A file is taken as given; a directory is searched recursively for `*.yaml`. A symbolic link
/// is followed only to a `*.yaml` file inside the directory searched (a link out of it, to
/// `/proc/self/environ` or a key, is reported, never read), and never into a directory. A
/// directory that cannot be read, or a name that is not UTF-8, is reported and the search goes
/// on: each such place is an invalid file of the suite.
pub fn discover(paths: &[String]) -> (Vec<String>, Vec<InvalidFile>) {
    let mut found = BTreeSet::new();
    let mut problems = Vec::new();
    let mut problem = |file: String, what: &str| {
        let error = format!("error: {}: {what}\n", input::shown(&file));
        problems.push(InvalidFile { file, error });
    };
    for path in paths {
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                problem(path.clone(), &input::io_words(&error));
                continue;
            }
        };
        if !metadata.is_dir() {
            found.insert(path.clone());
            continue;
        }
        let root = match std::fs::canonicalize(path) {
            Ok(root) => root,
            Err(error) => {
                problem(path.clone(), &input::io_words(&error));
                continue;
            }
        };
        let trimmed = path.trim_end_matches('/');
        let mut dirs = vec![PathBuf::from(if trimmed.is_empty() { "/" } else { trimmed })];
        let mut entries_seen = 0usize;
        'walk: while let Some(dir) = dirs.pop() {
            let shown_dir = dir.to_string_lossy().into_owned();
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(error) => {
                    problem(shown_dir, &format!("cannot list the directory: {}", input::io_words(&error)));
                    continue;
                }
            };
            for entry in entries {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        problem(shown_dir.clone(), &format!("cannot list the directory: {}", input::io_words(&error)));
                        continue;
                    }
                };
                entries_seen += 1;
                if entries_seen > MAX_TREE_ENTRIES {
                    problem(
                        path.clone(),
                        &format!("more than {MAX_TREE_ENTRIES} entries under it: name the suite's directory"),
                    );
                    break 'walk;
                }
                let full = entry.path();
                let is_yaml = entry.file_name().as_encoded_bytes().ends_with(b".yaml");
                let kind = match entry.file_type() {
                    Ok(kind) => kind,
                    Err(error) => {
                        problem(full.to_string_lossy().into_owned(), &input::io_words(&error));
                        continue;
                    }
                };
                if kind.is_dir() {
                    dirs.push(full);
                    continue;
                }
                if !is_yaml {
                    continue;
                }
                let Some(name) = full.to_str().map(str::to_owned) else {
                    problem(full.to_string_lossy().into_owned(), "a name that is not UTF-8: not read");
                    continue;
                };
                if kind.is_symlink() {
                    let inside = std::fs::canonicalize(&full).is_ok_and(|target| target.starts_with(&root));
                    if !inside {
                        problem(name, "a symbolic link out of the directory searched: not followed");
                        continue;
                    }
                }
                found.insert(name);
            }
        }
    }
    (found.into_iter().collect(), problems)
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
fn finish(out: &Output, results: &Results, json: bool, junit: Option<Target>) -> u8 {
    if let Some(target) = junit {
        if let Err(error) = target.write_all(suite::junit::xml(results).as_bytes()) {
            eprintln!("error: {error}");
            return 2;
        }
    }
    if json {
        let mut value = serde_json::to_value(results).unwrap_or_default();
        value["unreached"] = crate::sim::coverage::unreached_json(&results.coverage);
        value["kinds"] = crate::sim::coverage::kinds_json();
        out.line(&serde_json::to_string(&value).unwrap_or_default());
    } else {
        if !results.invalid.is_empty() {
            const SHOWN: usize = 20;
            let mut names: Vec<String> = results.invalid.iter().take(SHOWN).map(|f| input::shown(&f.file)).collect();
            if results.invalid.len() > SHOWN {
                names.push(format!("and {} more (each named above)", results.invalid.len() - SHOWN));
            }
            out.line(&format!("{} invalid file(s), not run: {}", results.invalid.len(), names.join(", ")));
        }
        out.line(&format!("{} passed, {} failed", results.passed, results.failed));
    }
    results.exit_code()
}

/// `finsim test`.
pub fn test(out: &Output, args: TestArgs) -> u8 {
    let paths = if args.paths.is_empty() { vec!["scenarios".to_owned()] } else { args.paths.clone() };
    let (found, unsearched) = discover(&paths);
    for problem in &unsearched {
        eprint!("{}", problem.error);
    }
    // Claimed before any case runs: an output that cannot be written is an error now.
    let inputs: Vec<&str> = found.iter().map(String::as_str).collect();
    let junit = match args.junit.as_deref().map(|path| Target::claim(path, "JUnit XML", &inputs)).transpose() {
        Ok(junit) => junit,
        Err(error) => {
            eprintln!("error: {error}");
            return 2;
        }
    };
    let (files, mut invalid) = load_all(&found);
    invalid.extend(unsearched);
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
        let read = |path: &Path| {
            let shown = path.to_string_lossy();
            input::read_text(&shown, input::Kind::CorpusEntry)
        };
        let recorded = match corpus::load(dir, read) {
            Ok(recorded) => recorded,
            Err(error) => {
                eprintln!("error: {}", escape(&error.to_string()));
                return 2;
            }
        };
        let recorded = match args.shard {
            Some((k, n)) => suite::shard(&recorded, k, n),
            None => recorded,
        };
        for (entry, case) in recorded {
            // A recorded case runs only a file of this suite: an entry naming any other path
            // (`/etc/passwd`) is never read.
            let shown = escape(&crate::text::clip(&case.file, 300)).into_owned();
            let in_suite = found.binary_search(&case.file).is_ok();
            let index = match files.iter().position(|f| f.path == case.file) {
                Some(index) => index,
                None if in_suite || !Path::new(&case.file).exists() => {
                    let why = if in_suite { "no longer loads" } else { "no longer exists" };
                    out.line(&format!("corpus: {shown} seed {} {why}, removed", case.seed));
                    let _ = std::fs::remove_file(&entry);
                    continue;
                }
                None => {
                    out.line(&format!("corpus: {shown} seed {} is not a file of this suite: not run", case.seed));
                    continue;
                }
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
    finish(out, &results, args.json, junit)
}

/// The most bytes all of `finsim merge`'s inputs may have together: about 1.3 million cases (a
/// million took 538 MiB to merge).
pub const MAX_MERGE_BYTES: u64 = 320 << 20;

/// `finsim merge`: the `--json` results of shards joined into one, read one shard at a time.
pub fn merge(out: &Output, inputs: &[String], json: bool, junit: Option<&str>) -> u8 {
    let sources: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let junit = match junit.map(|path| Target::claim(path, "JUnit XML", &sources)).transpose() {
        Ok(junit) => junit,
        Err(error) => {
            eprintln!("error: {error}");
            return 2;
        }
    };
    // Every input is looked at before any is parsed: too much in all is refused at once.
    let kind = input::Kind::Shard;
    let mut total = 0u64;
    for path in inputs {
        let size = input::open(path, kind).map(|(_, metadata)| metadata.len());
        let error = match size {
            Ok(size) => {
                total = total.saturating_add(size);
                let most = input::size_words(MAX_MERGE_BYTES);
                let what = format!("the inputs hold more than {most} together, the most merge reads");
                (total > MAX_MERGE_BYTES).then(|| input::InputError::new(path, what))
            }
            Err(error) => Some(error),
        };
        if let Some(error) = error {
            eprintln!("error: {error}");
            return 2;
        }
    }
    let mut merger = suite::Merger::default();
    for path in inputs {
        // Parsed as it is read: the shard's bytes are never held beside its results.
        let parsed = input::open(path, kind).and_then(|(handle, metadata)| {
            let reader = std::io::BufReader::new(std::io::Read::take(handle, metadata.len()));
            serde_json::from_reader::<_, Results>(reader).map_err(|e| input::json_error(path, &e, kind))
        });
        let added = match parsed {
            Ok(results) => merger.add(&input::shown(path), results).map_err(|e| e.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = added {
            eprintln!("error: {error}");
            return 2;
        }
    }
    let merged = match merger.finish() {
        Ok(merged) => merged,
        Err(error) => {
            eprintln!("error: {error}");
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
