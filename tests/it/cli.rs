//! The `finsim` binary: exit codes, JSON, the same digest across processes.

use std::process::Command;

/// Writes `text` to a fresh file under the temporary directory; its path.
pub fn scratch_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("finsim-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    file.display().to_string()
}

/// A fresh directory for one test (`finsim-<prefix>-<pid>-<name>` in the temporary directory),
/// removed when dropped.
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    pub fn new(prefix: &str, name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("finsim-{prefix}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }

    pub fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn finsim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_finsim")).args(args).current_dir(super::root()).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn run_without_a_file_runs_the_sample_flow_and_passes() {
    let (code, stdout, _) = finsim(&["run"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("── step 4: transfer 10101"), "{stdout}");
    assert!(stdout.contains("PASSED: advertise-then-transfer (seed 42)"));
    assert!(stdout.contains("digest: "));
}

#[test]
fn json_has_the_contract_keys_and_the_same_digest_in_two_processes() {
    let (code, first, _) = finsim(&["run", "scenarios/three-clusters.yaml", "--json"]);
    assert_eq!(code, 0);
    let (_, second, _) = finsim(&["run", "scenarios/three-clusters.yaml", "--json"]);
    let a: serde_json::Value = serde_json::from_str(&first).unwrap();
    let b: serde_json::Value = serde_json::from_str(&second).unwrap();
    for key in [
        "scenario",
        "seed",
        "start",
        "passed",
        "expectations",
        "digest",
        "messages",
        "virtual_ms",
        "end",
        "invariants",
        "suspects",
        "stats",
    ] {
        assert!(a.get(key).is_some(), "missing {key}: {a}");
    }
    for key in ["sent", "delivered", "dropped", "duplicated", "corrupted", "retries", "bad_signatures"] {
        assert!(a["stats"].get(key).is_some(), "missing stats.{key}");
    }
    assert_eq!(a["digest"], b["digest"]);
    // The binary runs on mimalloc, this test on the system allocator: the same trace either way.
    let text = std::fs::read_to_string("scenarios/three-clusters.yaml").unwrap();
    let scenario = finsim::scenario::parse("three-clusters.yaml", &text).unwrap();
    let in_process = finsim::run(&scenario, scenario.seed);
    assert_eq!(a["digest"], serde_json::to_value(&in_process.digest).unwrap(), "the same digest in this process");
    assert_eq!(a["expectations"][0]["passed"], true);
}

#[test]
fn seed_overrides_the_file_and_changes_the_digest() {
    let (_, a, _) = finsim(&["run", "--json", "--seed", "1"]);
    let (_, b, _) = finsim(&["run", "--json", "--seed", "2"]);
    let a: serde_json::Value = serde_json::from_str(&a).unwrap();
    let b: serde_json::Value = serde_json::from_str(&b).unwrap();
    assert_eq!(a["seed"], 1);
    assert_ne!(a["digest"], b["digest"]);
}

#[test]
fn a_failing_run_exits_1_names_the_failure_and_says_how_to_reproduce() {
    let path = scratch_file("wrong.yaml", &finsim::scenario::SAMPLE_FLOW.replace("equals: 100 }", "equals: 99 }"));
    let (code, stdout, _) = finsim(&["run", &path, "--seed", "5"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("FAIL  balance org_1:100:user_1 org_2:101:asset_1 = 99"), "{stdout}");
    assert!(stdout.contains(&format!("reproduce: finsim run {path} --seed 5")), "{stdout}");
}

#[test]
fn an_invalid_file_exits_2_with_file_line_and_column() {
    let path =
        scratch_file("bad.yaml", &finsim::scenario::SAMPLE_FLOW.replace("org: org_2, asset:", "org: org_9, asset:"));
    for command in ["run", "check"] {
        let (code, stdout, stderr) = finsim(&[command, &path]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(stdout.is_empty(), "no trace on invalid input");
        assert!(stderr.contains(&format!("{path}:41:26: unknown org `org_9`")), "{stderr}");
    }
    let (code, _, stderr) = finsim(&["run", "--seed", "minus-one"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn check_accepts_every_bundled_scenario() {
    for path in super::bundled() {
        let (code, stdout, stderr) = finsim(&["check", &path.display().to_string()]);
        assert_eq!(code, 0, "{stdout}{stderr}");
    }
}

#[test]
fn trace_is_written_as_json_lines() {
    let file = std::env::temp_dir().join(format!("finsim-trace-{}.jsonl", std::process::id()));
    let (code, _, _) = finsim(&["run", "--trace", &file.display().to_string()]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&file).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["event"], "step_started");
    assert!(text.lines().count() > 50);
}

#[test]
fn sweep_output_does_not_depend_on_jobs() {
    let (code_one, one, _) =
        finsim(&["sweep", "scenarios/faults/chaos.yaml", "--seeds", "0..19", "--jobs", "1", "--json"]);
    let (code_two, two, _) =
        finsim(&["sweep", "scenarios/faults/chaos.yaml", "--seeds", "0..19", "--jobs", "2", "--json"]);
    assert_eq!((code_one, code_two), (0, 0));
    assert_eq!(one, two);
    let report: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(report["passed"], 20);
    assert_eq!(report["runs"].as_array().unwrap().len(), 20);
}

#[test]
fn a_failing_sweep_lists_each_failing_seed_with_its_reproduce_line() {
    // Losing every other transmission with one retry: some seeds get through, some do not.
    let text =
        format!("{}faults:\n  drop: 0.5\nprotocol:\n  retries: 1\n  timeout_ms: 300\n", finsim::scenario::SAMPLE_FLOW);
    let path = scratch_file("lossy.yaml", &text);
    let (code, stdout, _) = finsim(&["sweep", &path, "--seeds", "0..9"]);
    assert_eq!(code, 1, "{stdout}");
    let failing: Vec<&str> = stdout.lines().filter(|l| l.ends_with(": FAILED")).collect();
    assert!(!failing.is_empty());
    for line in failing {
        let seed = line.trim_start_matches("seed ").trim_end_matches(": FAILED");
        assert!(stdout.contains(&format!("reproduce: finsim run {path} --seed {seed}")), "{stdout}");
    }
    assert!(stdout.lines().last().unwrap().ends_with("failed"));
}

#[test]
fn sweep_rejects_a_bad_range_with_exit_2() {
    for range in ["9..1", "x..3", "5"] {
        let (code, _, stderr) = finsim(&["sweep", "scenarios/advertise-then-transfer.yaml", "--seeds", range]);
        assert_eq!(code, 2, "{range}: {stderr}");
    }
}

#[test]
fn no_command_at_all_runs_the_sample_flow() {
    let (code, stdout, _) = finsim(&[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("PASSED: advertise-then-transfer (seed 42)"), "{stdout}");
}

#[test]
fn run_writes_an_evidence_pack_into_a_new_directory_and_refuses_a_non_empty_one() {
    let dir = std::env::temp_dir().join(format!("finsim-cli-{}-pack", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pack = dir.display().to_string();
    let (code, stdout, _) = finsim(&["run", "scenarios/advertise-then-transfer.yaml", "--json", "--evidence", &pack]);
    assert_eq!(code, 0, "{stdout}");
    let written = std::fs::read_to_string(dir.join("outcome.json")).unwrap();
    assert_eq!(written.trim(), stdout.trim(), "outcome.json is the --json object");
    let scenario = std::fs::read(super::root().join("scenarios/advertise-then-transfer.yaml")).unwrap();
    assert_eq!(std::fs::read(dir.join("scenario.yaml")).unwrap(), scenario, "the bytes that were run");
    let (code, _, stderr) = finsim(&["run", "--evidence", &pack]);
    assert_eq!(code, 2, "a non-empty directory is refused");
    assert!(stderr.contains("not empty"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_exits_0_for_the_same_trace_1_for_another_and_2_for_what_is_no_trace() {
    let dir = std::env::temp_dir().join(format!("finsim-cli-{}-diff", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.jsonl").display().to_string(), dir.join("b.jsonl").display().to_string());
    assert_eq!(finsim(&["run", "--trace", &a]).0, 0);
    assert_eq!(finsim(&["run", "--seed", "7", "--trace", &b]).0, 0);
    let (code, stdout, _) = finsim(&["diff", &a, &a]);
    assert_eq!((code, stdout.trim()), (0, "identical"));
    let (code, stdout, _) = finsim(&["diff", &a, &b]);
    assert_eq!(code, 1);
    assert!(stdout.starts_with("first difference at event "), "{stdout}");
    let (code, _, stderr) = finsim(&["diff", &a, "Cargo.toml"]);
    assert_eq!(code, 2, "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_json_says_valid_with_the_counts_or_each_problem_with_its_place() {
    let (code, stdout, _) = finsim(&["check", "scenarios/faults/chaos.yaml", "--json"]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["valid"], true);
    assert_eq!((value["steps"].as_u64(), value["seeds"].clone()), (Some(8), serde_json::json!([0, 199])));
    let bad = scratch_file("bad.yaml", "name: x\nclusters: 5\nflow: []\n");
    let (code, stdout, _) = finsim(&["check", &bad, "--json"]);
    assert_eq!(code, 2);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["valid"], false);
    assert_eq!((value["problems"][0]["line"].as_u64(), value["problems"][0]["column"].as_u64()), (Some(2), Some(11)));
    let (code, stdout, _) = finsim(&["check", "no/such/file.yaml", "--json"]);
    assert_eq!(code, 2);
    assert!(stdout.contains("cannot read the file"), "{stdout}");
}

#[test]
fn test_json_lists_every_message_kind_in_finsims_order_for_the_coverage_table() {
    let (code, stdout, _) = finsim(&["test", "scenarios/supply", "--json"]);
    assert_eq!(code, 0, "{stdout}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let kinds: Vec<&str> = value["kinds"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    let ours: Vec<&str> = finsim::protocol::message::Kind::ALL.iter().map(|k| k.word()).collect();
    assert_eq!(kinds, ours);
    assert!(kinds.contains(&"issue_notice") && kinds.starts_with(&["advertisement", "get"]));
}
