//! Coverage: the (message kind × role × path) combinations a run takes, as `finsim test --json`
//! and `finsim explore --json` report them.

use super::cli::finsim;
use super::{bundled, load, relative, root};
use finsim::outcome::coverage::{reachable, Coverage, Path, Reachable, Role};
use finsim::protocol::message::Kind;
use finsim::protocol::status::Status;

fn coverage_of(file: &str) -> Coverage {
    let scenario = load(&root().join(file));
    finsim::run(&scenario, scenario.seed).coverage
}

fn took(coverage: &Coverage, kind: Kind, role: Role, path: Path) -> bool {
    coverage.get(kind, role, path).times > 0
}

#[test]
fn the_sample_flow_takes_every_step_ok_and_no_fault_path() {
    let coverage = coverage_of("scenarios/advertise-then-transfer.yaml");
    for (kind, role) in [
        (Kind::Advertisement, Role::Org),
        (Kind::SignRequest, Role::User),
        (Kind::Transfer, Role::Org),
        (Kind::Submit, Role::Ledger),
        (Kind::Settlement, Role::Org),
        (Kind::BalanceAnswer, Role::Org),
    ] {
        assert!(took(&coverage, kind, role, Path::Ok), "{kind:?} at {role:?}");
    }
    let faulty = coverage.iter().filter(|(c, _)| !matches!(c.path, Path::Ok)).count();
    assert_eq!(faulty, 0, "a fault-free flow: {:?}", coverage.iter().collect::<Vec<_>>());
    assert_eq!(coverage, coverage_of("scenarios/advertise-then-transfer.yaml"), "the same run, the same coverage");
}

#[test]
fn each_fault_scenario_takes_the_path_it_is_about() {
    let cases = [
        ("scenarios/get-denied-and-not-found.yaml", Kind::GetResponse, Path::Status(Status::Denied)),
        ("scenarios/get-denied-and-not-found.yaml", Kind::GetResponse, Path::Status(Status::NotFound)),
        ("scenarios/regulation-rejection.yaml", Kind::Settlement, Path::Status(Status::Regulation)),
        ("scenarios/faults/drop-and-retry.yaml", Kind::Transfer, Path::Retry),
        ("scenarios/faults/partition-outlasts-retries.yaml", Kind::Transfer, Path::Timeout),
        ("scenarios/faults/wrong-hash-node.yaml", Kind::VerifyAnswer, Path::Suspect),
        ("scenarios/faults/duplicates-settle-once.yaml", Kind::Transfer, Path::DuplicateAnswered),
    ];
    for (file, kind, path) in cases {
        let coverage = coverage_of(file);
        assert!(
            took(&coverage, kind, Role::Org, path),
            "{file}: {kind:?} {path:?} in {:?}",
            coverage.iter().collect::<Vec<_>>()
        );
    }
    let corrupted = coverage_of("scenarios/faults/corruption.yaml");
    let bad = corrupted.iter().filter(|(c, _)| c.path == Path::Discarded(finsim::trace::note::Discard::BadSignature));
    assert!(bad.count() > 0, "a flipped bit fails the signature");
}

/// Whether a taken combination is one `reachable()` lists (the other discard reasons are listed
/// when taken, not expected).
fn listed(kind: Kind, role: Role, path: Path) -> bool {
    let as_listed = match path {
        Path::DuplicateIgnored | Path::DuplicateAnswered => Reachable::Duplicate,
        Path::Discarded(reason) if reason != finsim::trace::note::Discard::BadSignature => return true,
        path => Reachable::Path(path),
    };
    reachable().contains(&(kind, role, as_listed))
}

#[test]
fn every_combination_a_bundled_scenario_takes_is_one_the_protocol_is_said_to_reach() {
    for file in bundled() {
        let scenario = load(&file);
        let coverage = finsim::run(&scenario, scenario.seed).coverage;
        for (c, _) in coverage.iter() {
            assert!(
                listed(c.kind, c.role, c.path),
                "{}: {:?} {:?} {:?} is missing from reachable()",
                relative(&file),
                c.kind,
                c.role,
                c.path
            );
        }
    }
    assert!(!listed(Kind::Submit, Role::Ledger, Path::Retry), "the check can fail");
}

#[test]
fn test_and_explore_json_report_the_coverage_and_what_was_not_reached() {
    let (code, json, _) = finsim(&["test", "scenarios/advertise-then-transfer.yaml", "--json"]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = value["coverage"].as_array().unwrap();
    let transfer = rows.iter().find(|r| r["kind"] == "transfer" && r["path"] == "ok").expect("a transfer ok row");
    assert_eq!((transfer["role"].as_str(), transfer["runs"].as_u64()), (Some("org"), Some(1)));
    let unreached = value["unreached"].as_array().unwrap();
    assert!(unreached.iter().any(|r| r["kind"] == "transfer" && r["path"] == "retried"), "no fault, no retry");
    assert!(!unreached.iter().any(|r| r["kind"] == "transfer" && r["path"] == "ok"));

    let (code, json, _) =
        finsim(&["explore", "scenarios/explore/balance-while-settling.yaml", "--json", "-o", "/dev/null"]);
    assert_eq!(code, 1, "its order-dependent failure");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = value["coverage"].as_array().unwrap();
    let balance = rows.iter().find(|r| r["kind"] == "balance_answer" && r["path"] == "ok").expect("balances answered");
    assert_eq!(balance["runs"], value["end_states"], "every end state's replay answered a balance");
    assert!(value["unreached"].is_array());
}
