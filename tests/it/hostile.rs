//! Hostile input: each failure found by attacking the binary has a regression test named
//! after it. Files written by other people must give exit 0, 1 or 2 — never a panic, an
//! abort, a hang or a terminal control sequence.

use super::cli::{finsim, scratch_file};
use proptest::strategy::Strategy;
use std::io::Read;
use std::process::{Command, Stdio};

/// Runs the binary under `timeout 20`: a hang is exit 124, not a stuck test.
fn finsim_bounded(args: &[&str]) -> (i32, String) {
    let out = Command::new("timeout")
        .arg("20")
        .arg(env!("CARGO_BIN_EXE_finsim"))
        .args(args)
        .current_dir(super::root())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into())
}

/// The sample flow with one line replaced.
fn sample_with(from: &str, to: &str) -> String {
    let text = finsim::scenario::SAMPLE_FLOW;
    assert!(text.contains(from), "the sample flow has no `{from}`");
    text.replacen(from, to, 1)
}

/// A small transfer flow, to which a test appends blocks.
const SMALL: &str = "name: small
clusters:
  - { id: cA, orgs: [o1] }
  - { id: cB, orgs: [o2, o3] }
users:
  - { id: \"o1:100:u\", org: o1, ivms101: { name: \"A B\", country: GB } }
  - { id: \"o2:100:t\", org: o2 }
assets:
  - { id: \"o2:101:a\", org: o2, shared_with: [o1], balances: { \"o2:100:t\": 1000 } }
flow:
  - transfer: { request_id: 1, user: \"o1:100:u\", asset: \"o2:101:a\", quantity: 100, from: \"o2:100:t\" }
";

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The names of the failed checks of a `--json` outcome.
fn failed_checks(outcome: &serde_json::Value) -> Vec<String> {
    let checks = outcome["expectations"].as_array().unwrap().iter().chain(outcome["invariants"].as_array().unwrap());
    checks.filter(|c| c["passed"] == false).map(|c| c["name"].as_str().unwrap().to_owned()).collect()
}

fn assert_no_control_bytes(text: &str) {
    let bad: Vec<char> = text.chars().filter(|c| c.is_control() && *c != '\n').collect();
    assert!(bad.is_empty(), "control characters {bad:?} reached the terminal:\n{text}");
}

#[test]
fn a_time_past_year_9999_is_an_error_with_the_range_not_a_panic() {
    let cases = [
        ("quantity: 100, from", "quantity: 100, at_ms: 251635075200000, from"),
        ("ledger:", "ledger:"),
        (
            "  latency: { uniform: { min_ms: 5, max_ms: 25 } }",
            "  latency: { uniform: { min_ms: 5, max_ms: 9223372036854775807 } }",
        ),
    ];
    for (from, to) in cases.iter().filter(|(from, _)| *from != "ledger:") {
        let path = scratch_file("late.yaml", &sample_with(from, to));
        let (code, stdout, stderr) = finsim(&["run", &path]);
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(stderr.contains("31536000000"), "the error states the range: {stderr}");
    }
    for (block, field) in [
        ("faults: { crashes: [ { org: o3, at_ms: 9223372036854775807 } ] }", "at_ms"),
        ("faults: { crashes: [ { org: o3, at_ms: 1, restart_ms: 18446744073709551615 } ] }", "restart_ms"),
        ("faults: { partitions: [ { from_ms: 0, until_ms: 251635075200000, groups: [[cA]] } ] }", "until_ms"),
        ("protocol: { timeout_ms: 9223372036854775807 }", "timeout_ms"),
        ("protocol: { liveness_ms: 18446744073709551615 }", "liveness_ms"),
        ("network: { latency: { normal: { mean_ms: 9223372036854775807, stddev_ms: 1 } } }", "latency"),
        ("network: { latency: { normal: { mean_ms: 1, stddev_ms: 1e300 } } }", "latency"),
        ("ledger: { block_ms: 1000000000000 }", "block_ms"),
    ] {
        let path = scratch_file("late.yaml", &format!("{SMALL}{block}\n"));
        let (code, _, stderr) = finsim(&["run", &path]);
        assert_eq!(code, 2, "{block}: {stderr}");
        assert!(stderr.contains(field) && stderr.contains("31536000000"), "{block}: {stderr}");
    }
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    for args in [&["run", "--json"][..], &["run"], &["check", "scenarios/three-clusters.yaml"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_finsim"))
            .args(args)
            .current_dir(super::root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_on_stdout_is_reported_with_exit_2() {
    for args in [&["run", "--json"][..], &["run"], &["check", "scenarios/three-clusters.yaml"]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_finsim"))
            .args(args)
            .current_dir(super::root())
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.matches("cannot write to standard output").count(), 1, "{stderr}");
    }
}

#[test]
fn a_block_that_never_closes_ends_the_wait_at_the_liveness_deadline() {
    let path = scratch_file("slow-block.yaml", &format!("{SMALL}ledger: {{ block_ms: 31536000000 }}\n"));
    let (code, stdout, _) = finsim(&["run", &path, "--json"]);
    let outcome = json(&stdout);
    assert_eq!(code, 1);
    assert_eq!(failed_checks(&outcome), vec!["liveness"]);
    // Polled every timeout until the deadline (30 s of 1 s timeouts), not for 365 days.
    assert!(outcome["messages"].as_u64().unwrap() < 200, "{outcome}");
}

#[test]
fn losing_everything_with_the_most_retries_ends_in_a_timeout() {
    let path =
        scratch_file("lose-all.yaml", &format!("{SMALL}faults: {{ drop: 1.0 }}\nprotocol: {{ retries: 1000 }}\n"));
    let (code, stdout, _) = finsim(&["run", &path, "--json"]);
    assert_eq!(code, 1, "liveness: the timeout comes after 1000 s");
    assert!(json(&stdout)["stats"]["retries"].as_u64().unwrap() >= 1000);
    let path = scratch_file("too-many.yaml", &format!("{SMALL}protocol: {{ retries: 4294967295 }}\n"));
    let (code, _, stderr) = finsim(&["run", &path]);
    assert_eq!(code, 2);
    assert!(stderr.contains("at most 1000"), "{stderr}");
}

#[test]
fn a_run_that_never_goes_quiet_stops_at_its_budget_with_the_check_finished() {
    // Every org but one replays every message it receives to every other org.
    let orgs: Vec<String> = (0..20).map(|i| format!("o{i}")).collect();
    let mut text = format!(
        "name: storm\nclusters:\n  - {{ id: c, orgs: [{}] }}\nusers:\n  - {{ id: \"o0:100:u\", org: o0 }}\n\
         assets:\n  - {{ id: \"o0:101:a\", org: o0 }}\nflow:\n  - balance: {{ org: o0, cluster: c, account: \"o0:100:u\", \
         asset: \"o0:101:a\" }}\nfaults:\n  byzantine:\n",
        orgs.join(", ")
    );
    for org in &orgs[1..] {
        text.push_str(&format!("    - {{ org: {org}, behaviour: replay }}\n"));
    }
    let scenario = finsim::scenario::parse("storm.yaml", &text).unwrap();
    for (budget, words) in [
        (
            finsim::simulator::Budget { max_events: 500, events_per_step: 0, ..Default::default() },
            "event limit (500 events)",
        ),
        (finsim::simulator::Budget { max_bytes: 64 << 10, bytes_per_step: 0, ..Default::default() }, "memory limit"),
    ] {
        let outcome = finsim::Simulator::new().settings(budget).run(&scenario, 1);
        assert!(!outcome.passed);
        let finished = outcome.invariants.iter().find(|c| c.name == "finished").expect("the check finished");
        assert!(finished.detail.contains(words), "{}", finished.detail);
    }
    let outcome = finsim::Simulator::new().settings(finsim::simulator::Budget::default()).run(&scenario, 1);
    assert!(outcome.invariants.iter().all(|c| c.name != "finished"), "the storm ends by itself at this size");
}

#[test]
fn special_files_are_refused_without_reading_them() {
    let fifo = std::env::temp_dir().join(format!("finsim-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut paths = vec!["/dev/zero".to_owned(), "/dev/urandom".to_owned(), "scenarios".to_owned()];
    if made {
        paths.push(fifo.display().to_string());
    }
    for path in paths {
        let (code, stderr) = finsim_bounded(&["run", &path]);
        assert_eq!(code, 2, "{path} (124: it was read until the timeout): {stderr}");
        assert!(stderr.contains("finsim reads a scenario file only from a regular file"), "{stderr}");
    }
    let _ = std::fs::remove_file(&fifo);
}

#[test]
fn a_file_larger_than_the_limit_is_refused_before_it_is_read() {
    let path = std::env::temp_dir().join(format!("finsim-large-{}.yaml", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(finsim::scenario::MAX_FILE_BYTES + 1).unwrap();
    let (code, _, stderr) = finsim(&["check", &path.display().to_string()]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 2);
    assert!(stderr.contains("larger than 64 MiB"), "{stderr}");
}

#[test]
fn text_that_is_not_utf8_is_an_error_at_its_line_and_column() {
    let path = std::env::temp_dir().join(format!("finsim-latin1-{}.yaml", std::process::id()));
    std::fs::write(&path, b"name: x\ndescription: caf\xe9\nclusters: []\nflow: []\n").unwrap();
    let (code, _, stderr) = finsim(&["check", &path.display().to_string()]);
    assert_eq!(code, 2);
    assert!(stderr.contains(":2:17: the file is not UTF-8 text: byte 0xE9"), "{stderr}");
}

#[test]
fn jobs_zero_is_refused_and_too_many_jobs_are_lowered_and_said() {
    let (code, _, stderr) =
        finsim(&["sweep", "scenarios/advertise-then-transfer.yaml", "--seeds", "0..1", "--jobs", "0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("at least one worker"), "{stderr}");
    for jobs in ["5000", "1000000"] {
        let (code, stdout, stderr) =
            finsim(&["sweep", "scenarios/advertise-then-transfer.yaml", "--seeds", "0..0", "--jobs", jobs]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains(&format!("--jobs {jobs} lowered to 1, the number of seeds")), "{stderr}");
        assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
    }
}

#[test]
fn a_sweep_over_every_seed_reports_its_first_failing_seed_at_once() {
    let path = scratch_file("wrong-balance.yaml", &sample_with("equals: 100 }", "equals: 99 }"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_finsim"))
        .args(["sweep", &path, "--seeds", "0..18446744073709551615", "--jobs", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("reproduce: finsim run") {
        let n = stdout.read(&mut buffer).unwrap();
        assert!(n > 0, "the sweep ended without reporting: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buffer[..n]);
    }
    drop(stdout);
    // With its reader gone, the sweep stops starting seeds and ends.
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(String::from_utf8_lossy(&seen).contains("seed 0: FAILED"));
}

#[test]
fn control_characters_in_names_and_ids_are_refused_at_their_place() {
    for (from, to, place) in [
        ("name: advertise-then-transfer", "name: \"evil\\e]0;pwned\\a\"", ":2:7:"),
        ("- id: \"org_1:100:user_1\"", "- id: \"org_1:100:user_1\\b\\b\"", ":27:9:"),
        ("name: \"Alice Example\"", "name: \"Alice\\x9b31m\"", ":29:22:"),
        ("name: advertise-then-transfer", "name: \"x\\nok  PASSED\"", ":2:7:"),
    ] {
        let path = scratch_file("control.yaml", &sample_with(from, to));
        for command in ["check", "run"] {
            let (code, stdout, stderr) = finsim(&[command, &path]);
            assert_eq!(code, 2, "{to}: {stdout}{stderr}");
            assert!(stderr.contains(place), "{to}: {stderr}");
            assert!(stderr.contains("a control or invisible character"), "{stderr}");
            assert_no_control_bytes(&stderr);
        }
    }
}

#[test]
fn no_scenario_controlled_byte_reaches_the_terminal_unescaped() {
    // Raw control bytes in an unknown key, an unknown org and a malformed value: every
    // error message and every snippet shows them escaped.
    let text = sample_with("seed: 42", "seed: 42\n\u{1b}[2Jcolour: red").replacen(
        "org: org_2, asset:",
        "org: \"org_\u{7}9\", asset:",
        1,
    );
    let path = scratch_file("raw-control.yaml", &text);
    let (code, stdout, stderr) = finsim(&["check", &path]);
    assert_eq!(code, 2);
    assert_no_control_bytes(&stdout);
    assert_no_control_bytes(&stderr);
    // A description may span lines; the readable account prints it on one.
    let described = format!("name: described\ndescription: \"a\\nok  PASSED\"\n{}", &SMALL["name: small\n".len()..]);
    let path = scratch_file("description.yaml", &described);
    let (code, stdout, _) = finsim(&["run", &path]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.lines().next().unwrap().ends_with("a ok PASSED"), "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.contains("PASSED")).count(), 2, "{stdout}");
}

#[test]
fn library_errors_read_in_our_words_once_each() {
    let cases = [
        ("name:\nclusters: []\nflow: []\n", "expected text, found nothing"),
        ("name: x\nclusters: []\nflow: []\n---\nname: y\n", "more than one YAML document"),
        ("name: x\nclusters: []\n", "missing key `flow`"),
        ("name: x\nclusters: []\nflow:\n  - fly: {}\n", "unknown kind `fly`"),
        ("name: x\nclusters: []\nflow:\n  - transfer\n  - get: {}\n", ":4:5: `transfer` needs its fields"),
        ("name: x\nclusters: []\nflow: []\nnetwork: { latency: 5 }\n", "expected one key naming the kind"),
    ];
    for (text, words) in cases {
        let path = scratch_file("words.yaml", text);
        let (code, _, stderr) = finsim(&["check", &path]);
        assert_eq!(code, 2, "{text}");
        assert!(stderr.contains(words), "{text}\n{stderr}");
        for leak in ["Option<", "from_str_multiple", "budget breached", "externally tagged", "serde", "Nodes {"] {
            assert!(!stderr.contains(leak), "the library's text leaks: {stderr}");
        }
        assert_eq!(stderr.matches(words).count(), 1, "printed once: {stderr}");
    }
}

/// A scenario whose asset data is ten lists of ten aliases, each of the list before: 10^7 values
/// from a few hundred bytes.
fn alias_bomb() -> String {
    let mut text =
        String::from("name: bomb\nclusters: []\nflow: []\nassets:\n  - id: \"o:101:a\"\n    org: o\n    data:\n");
    text.push_str("      a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, previous) in [("b", "a"), ("c", "b"), ("d", "c"), ("e", "d"), ("f", "e"), ("g", "f")] {
        let list = vec![format!("*{previous}"); 10].join(", ");
        text.push_str(&format!("      {name}: &{name} [{list}]\n"));
    }
    text
}

#[test]
fn an_alias_bomb_in_a_50_mb_file_is_still_refused_in_plain_words() {
    // The YAML reader's budgets grow with the file's size (a large real scenario loads), yet
    // stop at a ceiling that an alias bomb still passes, however much text comes before it.
    let line = format!("# {}\n", "p".repeat(98));
    let path = scratch_file("bomb-50mb.yaml", &(line.repeat(500_000) + &alias_bomb()));
    let (code, stderr) = finsim_bounded(&["check", &path]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("too large or too complex"), "{stderr}");
    assert!(stderr.lines().all(|l| l.len() < 400), "a snippet, not the file: {stderr}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn an_alias_bomb_is_refused_in_plain_words() {
    let text = alias_bomb();
    let path = scratch_file("bomb.yaml", &text);
    let (code, stderr) = finsim_bounded(&["check", &path]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("alias") || stderr.contains("more than"), "{stderr}");
    assert!(!stderr.contains("(used"), "{stderr}");
}

#[test]
fn a_long_line_is_cut_in_the_snippet() {
    let path =
        scratch_file("long.yaml", &format!("name: x\nclusters: []\nflow: []\ncolour: {}\n", "y".repeat(1 << 20)));
    let (code, _, stderr) = finsim(&["check", &path]);
    assert_eq!(code, 2);
    assert!(stderr.contains(":4:1: unknown key `colour`"), "{}", &stderr[..stderr.len().min(500)]);
    assert!(stderr.len() < 2000, "{} bytes", stderr.len());
}

#[test]
fn numbers_written_as_strings_or_in_other_bases_are_type_errors() {
    for (from, to, words) in [
        ("quantity: 100,", "quantity: \"100\",", "expected a non-negative whole number, found string \"100\""),
        ("quantity: 100,", "quantity: 0x64,", "`0x64` is a number written in another base"),
        ("seed: 42", "seed: '42'", "found string \"42\""),
        ("seed: 42", "seed: 1_000", "`1_000` is a number written in another base or with `_`"),
        ("quantity: 100,", "quantity: -1,", "expected a non-negative whole number"),
        ("quantity: 100,", "quantity: 1.5,", "expected a non-negative whole number"),
        ("quantity: 100,", "quantity: 18446744073709551616,", "larger than 18446744073709551615"),
        ("min_ms: 5,", "min_ms: \"5\",", "expected a number, found string"),
    ] {
        let path = scratch_file("numbers.yaml", &sample_with(from, to));
        let (code, _, stderr) = finsim(&["check", &path]);
        assert_eq!(code, 2, "{to}");
        assert!(stderr.contains(words), "{to}: {stderr}");
    }
    let path = scratch_file("drop.yaml", &format!("{SMALL}faults: {{ drop: \"0.1\" }}\n"));
    let (code, _, stderr) = finsim(&["check", &path]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn an_unwritable_trace_is_an_error_before_the_run_and_never_the_scenario_itself() {
    let path = scratch_file("keep.yaml", finsim::scenario::SAMPLE_FLOW);
    let (code, stdout, stderr) = finsim(&["run", &path, "--trace", "/nonexistent-dir/trace.jsonl"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "the run did not start: {stdout}");
    assert!(stderr.contains("cannot write the trace: no such file or directory"), "{stderr}");
    let (code, stdout, stderr) = finsim(&["run", &path, "--trace", &path]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("the trace would overwrite"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), finsim::scenario::SAMPLE_FLOW);
}

#[test]
fn every_command_has_examples_and_exit_codes_in_its_help() {
    for command in ["run", "check", "sweep"] {
        let (code, stdout, _) = finsim(&[command, "--help"]);
        assert_eq!(code, 0);
        assert!(stdout.contains("Example"), "{command}: {stdout}");
        assert!(stdout.contains("Exit codes: 0"), "{command}: {stdout}");
    }
}

/// The byte ranges of every scalar value of a YAML text.
fn scalar_spans(text: &str) -> Vec<(usize, usize)> {
    use serde_saphyr::granit_parser::{Event, Parser};
    Parser::new_from_str(text)
        .map_while(Result::ok)
        .filter(|(event, _)| matches!(event, Event::Scalar(..)))
        .filter_map(|(_, span)| Some((span.start.byte_offset()?, span.end.byte_offset()?)))
        .collect()
}

/// Values an attacker puts where a scenario has a scalar.
const HOSTILE_VALUES: &[&str] = &[
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "251635075200000",
    "4294967295",
    "-1",
    "0",
    "1e308",
    ".nan",
    "-.inf",
    "\"100\"",
    "0x64",
    "\"\\e]0;pwned\\a\"",
    "\"a\\u202eb\"",
    "\"x\\nok  PASSED\"",
    "~",
    "[]",
    "{}",
    "\"\"",
    "true",
    "&a x",
    "*a",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Every scalar of every bundled scenario, replaced by a hostile value: the file is valid
    /// and its run ends within a budget, or it is an error with a line and column whose
    /// rendering carries no control character. Never a panic.
    #[test]
    fn hostile_values_in_any_scalar_of_any_bundled_scenario(
        file in proptest::sample::select(super::bundled()),
        index in 0usize..10_000,
        value in proptest::prop_oneof![
            proptest::sample::select(HOSTILE_VALUES).prop_map(str::to_owned),
            "[ -~]{0,12}",
        ],
    ) {
        use proptest::{prop_assert, prop_assert_eq};
        let text = std::fs::read_to_string(&file).unwrap();
        let spans = scalar_spans(&text);
        let (start, end) = spans[index % spans.len()];
        let mutated = format!("{}{value}{}", &text[..start], &text[end..]);
        match finsim::scenario::parse("hostile.yaml", &mutated) {
            Ok(scenario) => {
                let budget = finsim::simulator::Budget { max_events: 50_000, max_bytes: 16 << 20, events_per_step: 0, bytes_per_step: 0 };
                let outcome = finsim::Simulator::new().settings(budget).run(&scenario, scenario.seed);
                prop_assert_eq!(outcome.expectations.len(), scenario.expect.len());
            }
            Err(error) => {
                for problem in error.problems() {
                    prop_assert!(problem.line >= 1 && problem.column >= 1, "{:?}", problem);
                }
                let rendered = error.render();
                prop_assert!(!rendered.chars().any(|c| c != '\n' && super::text::shows_unsafely(c)), "{}", rendered);
            }
        }
    }
}
