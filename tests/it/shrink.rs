//! `finsim shrink`: planted failures buried in large scenarios with faults shrink to a handful of
//! parts; the result passes `finsim check`, still fails the same check at the same seed, and is
//! 1-minimal (no single part can go without losing the failure).

use super::cli::{finsim, scratch_file};

/// A 40-step scenario with faults in which one transfer meets the seed protocol's weakness: its
/// asset org feeds it to the ledger and crashes for good before it can tell the buyer's org, so
/// `agreement` breaks. Thirty-nine other steps (gets, verifies, balances, transfers of another
/// asset in another cluster), a drop rate, a partition, a silent org and their expectations are
/// noise around it.
fn buried() -> String {
    let mut text = String::from(
        r#"name: buried
seed: 4
network:
  latency: { constant: { ms: 10 } }
  links:
    - { between: [cluster_A, cluster_B], latency: { constant: { ms: 50 } } }
    - { between: [cluster_A, cluster_C], latency: { constant: { ms: 30 } } }
clusters:
  - { id: cluster_A, orgs: [org_1] }
  - { id: cluster_B, orgs: [org_2, org_3, org_4] }
  - { id: cluster_C, orgs: [org_5, org_6, org_7] }
users:
  - { id: "org_1:100:user_1", org: org_1, ivms101: { name: "Alice Example", country: GB } }
  - { id: "org_2:100:treasury", org: org_2 }
  - { id: "org_5:100:treasury", org: org_5 }
  - { id: "org_6:100:bob", org: org_6, ivms101: { name: "Bob Example", country: DE } }
assets:
  - { id: "org_2:101:asset_1", org: org_2, shared_with: [org_1], balances: { "org_2:100:treasury": 1000 } }
  - { id: "org_5:101:fund", org: org_5, shared_with: [org_6, org_1], data: { kind: fund },
      balances: { "org_5:100:treasury": 1000 } }
protocol: { timeout_ms: 500, retries: 3 }
faults:
  drop: 0.02
  crashes:
    - { org: org_2, at_ms: 170 }
  partitions:
    - { from_ms: 3000, until_ms: 3500, groups: [[org_6], [org_5, org_7]] }
  byzantine:
    - { org: org_7, behaviour: silent }
flow:
  - transfer: { request_id: 1, user: "org_1:100:user_1", asset: "org_2:101:asset_1", quantity: 100,
                from: "org_2:100:treasury", at_ms: 0 }
"#,
    );
    let mut expect = String::from(
        "expect:\n  - balance: { account: \"org_1:100:user_1\", asset: \"org_2:101:asset_1\", equals: 100 }\n",
    );
    for i in 0..39 {
        // The last step reads the balance, after every transfer.
        let step = match if i == 38 { 3 } else { i % 4 } {
            0 => "get: { org: org_6, resource: \"org_5:101:fund\", accept: application/json }".to_owned(),
            2 => "verify: { org: org_6, cluster: cluster_C, resource: \"org_5:101:fund\" }".to_owned(),
            1 => {
                expect.push_str(&format!("  - transfer: {{ request_id: {}, status: settled }}\n", 100 + i));
                format!("transfer: {{ request_id: {}, user: \"org_6:100:bob\", asset: \"org_5:101:fund\", quantity: 1, from: \"org_5:100:treasury\" }}", 100 + i)
            }
            _ => "balance: { org: org_6, cluster: cluster_C, account: \"org_6:100:bob\", asset: \"org_5:101:fund\" }"
                .to_owned(),
        };
        text.push_str(&format!("  - {step}\n"));
    }
    expect.push_str("  - balance: { account: \"org_6:100:bob\", asset: \"org_5:101:fund\", equals: 10 }\n");
    format!("{text}{expect}")
}

/// The checks a run of `file` at `seed` fails, by name.
fn failed(file: &str, seed: &str) -> Vec<String> {
    let (_, json, _) = finsim(&["run", file, "--seed", seed, "--json"]);
    let outcome: serde_json::Value = serde_json::from_str(&json).unwrap();
    let checks = outcome["expectations"].as_array().unwrap().iter().chain(outcome["invariants"].as_array().unwrap());
    checks.filter(|c| c["passed"] == false).map(|c| c["name"].as_str().unwrap().to_owned()).collect()
}

/// No single part of `file` can be removed without losing the failure of `check` at `seed`.
fn one_minimal(file: &str, seed: u64, check: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let parts = finsim::shrink::parts_of(&value);
    for part in &parts {
        let smaller = finsim::shrink::to_yaml(&finsim::shrink::without(&value, &[*part].into()));
        if let Ok(scenario) = finsim::scenario::parse("smaller.yaml", &smaller) {
            let outcome = finsim::run(&scenario, seed);
            assert!(!outcome.failures().iter().any(|c| c.name == check), "{part:?} could still go:\n{smaller}");
        }
    }
}

#[test]
fn a_planted_invariant_failure_in_a_40_step_scenario_with_faults_shrinks_to_a_one_minimal_handful() {
    let text = buried();
    let file = scratch_file("buried.yaml", &text);
    assert_eq!(finsim::scenario::parse("buried.yaml", &text).unwrap().flow.len(), 40);
    assert_eq!(failed(&file, "4"), ["agreement"], "the planted failure, and nothing else");
    let out = std::path::Path::new(&file).with_file_name("buried.min.yaml").display().to_string();
    let (code, stdout, stderr) = finsim(&["shrink", &file, "--seed", "4"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("it still fails `agreement` at seed 4"), "{stdout}");
    let shrunk = std::fs::read_to_string(&out).unwrap();
    assert!(shrunk.starts_with(&format!("# Shrunk by `finsim shrink` from {file} at seed 4")), "{shrunk}");
    assert_eq!(finsim(&["check", &out]).0, 0, "a valid scenario:\n{shrunk}");
    assert!(failed(&out, "4").contains(&"agreement".to_owned()), "{shrunk}");
    let value: serde_json::Value = serde_saphyr::from_str(&shrunk).unwrap();
    let parts = finsim::shrink::parts_of(&value);
    assert!(parts.len() <= 10, "a handful of parts: {parts:?}\n{shrunk}");
    assert_eq!(value["flow"].as_array().unwrap().len(), 1, "the one transfer: {shrunk}");
    assert_eq!(value["faults"]["crashes"].as_array().map(Vec::len), Some(1), "the crash: {shrunk}");
    one_minimal(&out, 4, "agreement");
}

#[test]
fn a_wrong_expectation_shrinks_with_what_made_its_detail_and_passing_files_are_not_shrunk() {
    let text = buried()
        .replace("equals: 10 }", "equals: 11 }")
        .replace("- { org: org_2, at_ms: 170 }", "- { org: org_2, at_ms: 90000 }");
    let file = scratch_file("wrong.yaml", &text);
    let check = "balance org_6:100:bob org_5:101:fund = 11";
    assert_eq!(failed(&file, "4"), [check]);
    let out = std::path::Path::new(&file).with_file_name("w.min.yaml").display().to_string();
    let (code, stdout, stderr) =
        finsim(&["shrink", &file, "--seed", "4", "--check", check, "--same-detail", "-o", &out]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let value: serde_json::Value = serde_saphyr::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let transfers = value["flow"].as_array().unwrap().iter().filter(|s| s.get("transfer").is_some()).count();
    assert_eq!(transfers, 10, "the ten transfers that make the balance 10, and no other step");
    assert_eq!(value["flow"].as_array().unwrap().len(), 10);
    // A file that passes, or a check it does not fail: exit 1; an invalid file: exit 2.
    let passing = scratch_file("passing.yaml", finsim::scenario::SAMPLE_FLOW);
    assert_eq!(finsim(&["shrink", &passing, "--seed", "42"]).0, 1);
    assert_eq!(finsim(&["shrink", &file, "--seed", "4", "--check", "agreement"]).0, 1);
    let broken = scratch_file("broken.yaml", "name: x\nflow: 3\n");
    assert_eq!(finsim(&["shrink", &broken, "--seed", "1"]).0, 2);
}
