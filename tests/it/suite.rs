//! `finsim test` and `finsim merge` as CI meets them: directories of files at their seeds, the
//! exit codes, output that does not depend on `--jobs`, JUnit XML read by a standard consumer
//! (Python's `junitparser`), shards that merge to the unsharded run, and the failing-seed corpus.

use super::cli::{finsim, Scratch};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sample flow with its balance expectation made wrong: it fails at every seed.
fn failing() -> String {
    finsim::scenario::SAMPLE_FLOW.replace("equals: 100 }", "equals: 99 }")
}

/// A suite of three files: one passing at seeds 0..2, one failing at its seed, one invalid.
fn suite(dir: &Scratch) -> String {
    let passing = finsim::scenario::SAMPLE_FLOW.replace("seed: 42\n", "seed: 42\nseeds: \"0..2\"\n");
    dir.write("suite/a-passes.yaml", &passing);
    dir.write("suite/nested/b-fails.yaml", failing());
    dir.write("suite/nested/c-invalid.yaml", "name: broken\nclusters: 5\nflow: []\n");
    dir.write("suite/notes.txt", "not a scenario: not a .yaml file, not run");
    dir.path("suite")
}

#[test]
fn test_runs_every_file_at_its_seeds_names_each_failure_and_invalid_file_and_ends_with_the_counts() {
    let dir = Scratch::new("suite", "basic");
    let root = suite(&dir);
    let (code, stdout, stderr) = finsim(&["test", &root]);
    assert_eq!(code, 2, "an invalid file: exit 2, the valid files still run\n{stdout}{stderr}");
    assert!(stderr.contains("c-invalid.yaml:2:11:"), "named with line and column: {stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"3 passed, 1 failed"), "{stdout}");
    let fails = format!("{root}/nested/b-fails.yaml");
    assert!(lines.iter().any(|l| l.trim() == format!("FAIL {fails} seed 42")), "{stdout}");
    assert!(stdout.contains(&format!("reproduce: finsim run {fails} --seed 42")), "{stdout}");
    assert!(stdout.contains("= 99: the ledger of cluster_B holds 100"), "the failed check with what was seen");
    // Without the invalid file: exit 1; without the failing one too: exit 0.
    std::fs::remove_file(dir.path("suite/nested/c-invalid.yaml")).unwrap();
    assert_eq!(finsim(&["test", &root]).0, 1);
    std::fs::remove_file(dir.path("suite/nested/b-fails.yaml")).unwrap();
    let (code, stdout, _) = finsim(&["test", &root]);
    assert_eq!((code, stdout.lines().last()), (0, Some("3 passed, 0 failed")), "{stdout}");
    // --seeds overrides the files' own; a path that does not exist is exit 2.
    let (_, stdout, _) = finsim(&["test", &root, "--seeds", "5..9"]);
    assert_eq!(stdout.lines().last(), Some("5 passed, 0 failed"));
    assert_eq!(finsim(&["test", &dir.path("nothing-here")]).0, 2);
}

#[test]
fn test_output_json_and_junit_do_not_depend_on_the_number_of_workers() {
    let dir = Scratch::new("suite", "jobs");
    let root = suite(&dir);
    let mut seen = Vec::new();
    for jobs in ["1", "2", "7"] {
        let junit = dir.path(&format!("junit-{jobs}.xml"));
        let text = finsim(&["test", &root, "--seeds", "0..5", "--jobs", jobs, "--junit", &junit]).1;
        let json = finsim(&["test", &root, "--seeds", "0..5", "--jobs", jobs, "--json"]).1;
        seen.push((text, json, std::fs::read_to_string(&junit).unwrap()));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:#?}");
    let json: serde_json::Value = serde_json::from_str(&seen[0].1).unwrap();
    assert_eq!((json["passed"].as_u64(), json["failed"].as_u64()), (Some(6), Some(6)));
    let first = &json["cases"][0];
    for key in ["file", "seed", "passed", "digest", "failed"] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    assert_eq!(json["invalid"][0]["file"], format!("{root}/nested/c-invalid.yaml"));
}

/// The counts a standard JUnit consumer reads: per suite (name, tests, failures, errors), and
/// each failing case's name and message.
fn junit_counts(file: &str) -> Option<serde_json::Value> {
    let python = Command::new("python3").args(["-c", "import junitparser"]).output();
    if !python.is_ok_and(|o| o.status.success()) {
        assert!(std::env::var_os("CI").is_none(), "junitparser is needed (pip install -r tests/requirements.txt)");
        eprintln!("skipped: Python's junitparser is not installed");
        return None;
    }
    let script = r#"
import json, sys
from junitparser import JUnitXml, Failure, Error
xml = JUnitXml.fromfile(sys.argv[1])
suites = []
for suite in xml:
    cases = []
    for case in suite:
        results = [{"kind": type(r).__name__, "message": r.message, "text": r.text} for r in case.result]
        cases.append({"name": case.name, "classname": case.classname, "results": results})
    suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures, "errors": suite.errors, "cases": cases})
print(json.dumps({"tests": xml.tests, "failures": xml.failures, "errors": xml.errors, "suites": suites}))
"#;
    let output = Command::new("python3").args(["-c", script, file]).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

#[test]
fn junit_xml_parses_in_a_standard_consumer_with_the_right_counts() {
    let dir = Scratch::new("suite", "junit");
    let root = suite(&dir);
    let junit = dir.path("junit.xml");
    assert_eq!(finsim(&["test", &root, "--junit", &junit]).0, 2);
    let Some(read) = junit_counts(&junit) else { return };
    assert_eq!(
        (read["tests"].as_u64(), read["failures"].as_u64(), read["errors"].as_u64()),
        (Some(5), Some(1), Some(1))
    );
    let suites = read["suites"].as_array().unwrap();
    let names: Vec<&str> = suites.iter().map(|s| s["name"].as_str().unwrap()).collect();
    let expected = ["a-passes.yaml", "nested/b-fails.yaml", "nested/c-invalid.yaml"].map(|f| format!("{root}/{f}"));
    assert_eq!(names, expected, "a testsuite per file, in path order");
    assert_eq!((suites[0]["tests"].as_u64(), suites[0]["failures"].as_u64()), (Some(3), Some(0)));
    let case = &suites[1]["cases"][0];
    assert_eq!((case["name"].as_str(), case["classname"].as_str()), (Some("seed 42"), Some("advertise-then-transfer")));
    let failure = &case["results"][0];
    assert_eq!(failure["kind"], "Failure");
    assert!(failure["message"].as_str().unwrap().contains("balance org_1:100:user_1 org_2:101:asset_1 = 99"));
    assert!(failure["text"].as_str().unwrap().contains(&format!("reproduce: finsim run {} --seed 42", expected[1])));
    assert_eq!(suites[2]["cases"][0]["results"][0]["kind"], "Error", "the invalid file");
}

#[test]
fn four_shards_of_a_chaos_sweep_are_disjoint_cover_it_and_merge_to_the_unsharded_run() {
    let dir = Scratch::new("suite", "shards");
    let chaos = "scenarios/faults/chaos.yaml";
    let whole = finsim(&["test", chaos, "--seeds", "0..399", "--json"]);
    assert_eq!(whole.0, 0, "{}", whole.2);
    let mut shards = Vec::new();
    let mut seeds = Vec::new();
    for k in 1..=4 {
        let (code, json, _) = finsim(&["test", chaos, "--seeds", "0..399", "--shard", &format!("{k}/4"), "--json"]);
        assert_eq!(code, 0);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        seeds.extend(value["cases"].as_array().unwrap().iter().map(|c| c["seed"].as_u64().unwrap()));
        shards.push(dir.write(&format!("shard-{k}.json"), &json));
    }
    seeds.sort();
    assert_eq!(seeds, (0..400).collect::<Vec<u64>>(), "disjoint, and every case once");
    let mut merge: Vec<&str> = vec!["merge", "--json"];
    merge.extend(shards.iter().map(String::as_str));
    let merged = finsim(&merge);
    assert_eq!((merged.0, &merged.1), (0, &whole.1), "the merged JSON is the unsharded run's");
    // The JUnit of the merge is the unsharded run's too; a shard given twice is refused.
    let (a, b) = (dir.path("merged.xml"), dir.path("whole.xml"));
    let mut merge_junit: Vec<&str> = vec!["merge", "--junit", &a];
    merge_junit.extend(shards.iter().map(String::as_str));
    assert_eq!(finsim(&merge_junit).0, 0);
    assert_eq!(finsim(&["test", chaos, "--seeds", "0..399", "--junit", &b]).0, 0);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), std::fs::read_to_string(&b).unwrap());
    let (code, _, stderr) = finsim(&["merge", &shards[0], &shards[0]]);
    assert!(code == 2 && stderr.contains("the shards overlap"), "{stderr}");
    let not_json = dir.write("not.json", "{\"cases\": 3}");
    assert_eq!(finsim(&["merge", &not_json]).0, 2);
}

#[test]
fn the_corpus_runs_recorded_failures_first_and_removes_those_that_are_fixed() {
    let dir = Scratch::new("suite", "corpus");
    let file = dir.write("suite/flaky.yaml", failing());
    dir.write("suite/fine.yaml", finsim::scenario::SAMPLE_FLOW);
    let corpus = dir.path("corpus");
    let (code, _, _) = finsim(&["test", &dir.path("suite"), "--seeds", "1..2", "--corpus", &corpus]);
    assert_eq!(code, 1);
    let recorded: Vec<PathBuf> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(recorded.len(), 2, "each failing case recorded: {recorded:?}");
    let entry: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&recorded[0]).unwrap()).unwrap();
    assert_eq!(entry["file"], file.as_str());
    // Still failing: run first, kept. The files' own seeds now (42): the corpus still runs 1 and 2.
    let (code, stdout, _) = finsim(&["test", &dir.path("suite"), "--corpus", &corpus]);
    assert_eq!(code, 1);
    assert!(stdout.lines().next().unwrap().ends_with("(2 from the corpus, run first)"), "{stdout}");
    let fails: Vec<&str> = stdout.lines().filter(|l| l.trim_start().starts_with("FAIL")).collect();
    assert_eq!(fails.len(), 3, "the two recorded seeds first, then seed 42: {stdout}");
    assert!(fails[0].ends_with("seed 1") && fails[1].ends_with("seed 2") && fails[2].ends_with("seed 42"));
    assert_eq!(std::fs::read_dir(&corpus).unwrap().count(), 3);
    // Fixed: reported, removed.
    std::fs::write(&file, finsim::scenario::SAMPLE_FLOW).unwrap();
    let (code, stdout, _) = finsim(&["test", &dir.path("suite"), "--corpus", &corpus]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.trim_start().starts_with("FIXED")).count(), 3, "{stdout}");
    assert_eq!(std::fs::read_dir(&corpus).unwrap().count(), 0);
}

#[test]
fn fail_fast_stops_starting_cases_after_the_first_failure() {
    let dir = Scratch::new("suite", "fail-fast");
    let file = dir.write("fails.yaml", failing());
    let (code, stdout, _) = finsim(&["test", &file, "--seeds", "0..99", "--fail-fast", "--jobs", "1"]);
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().last(), Some("0 passed, 1 failed"), "{stdout}");
}

#[test]
fn a_seeds_key_that_is_not_a_range_is_an_error_with_its_place() {
    let dir = Scratch::new("suite", "seeds-key");
    let file =
        dir.write("bad-seeds.yaml", finsim::scenario::SAMPLE_FLOW.replace("seed: 42\n", "seed: 42\nseeds: \"9..1\"\n"));
    let (code, _, stderr) = finsim(&["check", &file]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bad-seeds.yaml:") && stderr.contains("is empty"), "{stderr}");
    assert!(Path::new(&file).exists());
}

/// `docs/ci.md`'s GitHub Actions workflow and Kubernetes Jobs are YAML that parses, and every
/// finsim command the page names exists, with the flags the page gives it.
#[test]
fn the_ci_page_s_workflows_parse_and_name_real_commands_and_flags() {
    let page = std::fs::read_to_string(super::root().join("docs/ci.md")).unwrap();
    let blocks: Vec<&str> = page.split("```yaml\n").skip(1).map(|b| b.split("```").next().unwrap()).collect();
    assert_eq!(blocks.len(), 2, "a workflow and the Kubernetes Jobs");
    for block in &blocks {
        for document in block.split("\n---\n") {
            let value: serde_json::Value =
                serde_saphyr::from_str(document).unwrap_or_else(|e| panic!("{e}\n{document}"));
            assert!(value.is_object(), "{document}");
        }
    }
    assert!(blocks[1].contains("completionMode: Indexed") && blocks[1].contains("JOB_COMPLETION_INDEX + 1"));
    let mut checked = 0;
    let mut in_block = false;
    for line in page.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        for (i, _) in line.match_indices("finsim ") {
            // A command: in a code block, or in backticks in the prose.
            let before = line[..i].chars().last();
            let command_like = if in_block { before.is_none_or(|c| " /\"'-".contains(c)) } else { before == Some('`') };
            if !command_like {
                continue;
            }
            let words: Vec<&str> = line[i + 7..].split_whitespace().collect();
            let Some(command) = words.first().filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-')) else {
                continue;
            };
            let (code, help, stderr) = finsim(&[command, "--help"]);
            assert_eq!(code, 0, "`finsim {command}` in docs/ci.md: {stderr}");
            for flag in words.iter().filter(|w| w.starts_with("--")) {
                let flag = flag.trim_end_matches(['`', ',', '.', ')']);
                assert!(help.contains(flag), "`finsim {command} {flag}` in docs/ci.md is not a flag:\n{help}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} commands checked");
}

#[test]
fn a_run_of_more_cases_than_one_run_holds_is_refused_at_once_and_a_shard_of_it_is_not() {
    let huge = ["test", "scenarios/advertise-then-transfer.yaml", "--seeds", "0..18446744073709551615"];
    let (code, stdout, stderr) = finsim(&huge);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("split them with --shard K/N"), "{stderr}");
    let (code, stdout, _) =
        finsim(&["test", "scenarios/advertise-then-transfer.yaml", "--seeds", "0..39", "--shard", "3/20"]);
    assert_eq!((code, stdout.lines().last()), (0, Some("2 passed, 0 failed")), "{stdout}");
}
