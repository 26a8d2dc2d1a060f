//! Issuance and redemption: the steps and expectations as a file writes them, refused with a
//! place when they are wrong, and runs that show them.

use super::root;
use finsim::scenario;

const BASE: &str = r#"name: supply
clusters:
  - { id: cluster_A, orgs: [org_1] }
  - { id: cluster_B, orgs: [org_2] }
users:
  - { id: "org_1:100:alice", org: org_1, ivms101: { name: "Alice Example", country: GB, date_of_birth: "1990-04-01" } }
  - { id: "org_2:100:treasury", org: org_2 }
assets:
  - { id: "org_2:101:asset_1", org: org_2, shared_with: [org_1], balances: { "org_2:100:treasury": 100 } }
"#;

fn file(flow: &str, expect: &str) -> String {
    format!("{BASE}flow:\n{flow}expect:\n{expect}")
}

fn problems(text: &str) -> Vec<(u64, u64, String)> {
    match scenario::parse("t.yaml", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.problems().iter().map(|p| (p.line, p.column, p.message.clone())).collect(),
    }
}

const ISSUE: &str =
    "  - issue: { request_id: 1, asset: \"org_2:101:asset_1\", to: \"org_1:100:alice\", quantity: 10 }\n";
const REDEEM: &str =
    "  - redeem: { request_id: 2, user: \"org_1:100:alice\", asset: \"org_2:101:asset_1\", quantity: 4 }\n";

#[test]
fn an_issue_then_a_redeem_settle_and_move_the_supply() {
    let expect = "  - issue: { request_id: 1, status: settled }\n  - redeem: { request_id: 2, status: settled }\n  \
                  - balance: { account: \"org_1:100:alice\", asset: \"org_2:101:asset_1\", equals: 6 }\n";
    let scenario = scenario::parse("t.yaml", &file(&format!("{ISSUE}{REDEEM}"), expect)).unwrap();
    let outcome = finsim::run(&scenario, 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
    let names: Vec<&str> = outcome.expectations.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names[..2], ["issue 1 is settled", "redeem 2 is settled"]);
    let conservation = outcome.invariants.iter().find(|c| c.name == "conservation").unwrap();
    assert!(conservation.passed, "{conservation:?}");
    let trace = finsim::trace::to_jsonl(&outcome.trace);
    for word in [
        "\"operation_started\"",
        "\"operation_decided\"",
        "\"operation_final\"",
        "\"issue_get\"",
        "\"issue_notice\"",
        "\"sign_redeem\"",
        "\"kind\":\"redeem\"",
    ] {
        assert!(trace.contains(word), "the trace names {word}");
    }
    assert_eq!(finsim::run(&scenario, 0).digest, outcome.digest, "the same file and seed, the same trace");
}

#[test]
fn a_redeem_of_more_than_the_holder_has_is_refused_for_balance_and_burns_nothing() {
    let redeem = REDEEM.replace("quantity: 4", "quantity: 11");
    let expect = "  - redeem: { request_id: 2, status: rejected, reason: balance }\n  \
                  - balance: { account: \"org_1:100:alice\", asset: \"org_2:101:asset_1\", equals: 10 }\n";
    let scenario = scenario::parse("t.yaml", &file(&format!("{ISSUE}{redeem}"), expect)).unwrap();
    let outcome = finsim::run(&scenario, 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
}

#[test]
fn an_expectation_that_does_not_hold_fails_by_name() {
    let expect = "  - issue: { request_id: 1, status: rejected }\n";
    let scenario = scenario::parse("t.yaml", &file(ISSUE, expect)).unwrap();
    let outcome = finsim::run(&scenario, 0);
    let failed: Vec<&str> = outcome.failures().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["issue 1 is rejected"]);
}

#[test]
fn request_ids_are_unique_across_transfers_issues_and_redeems() {
    let transfer = "  - transfer: { request_id: 1, user: \"org_1:100:alice\", asset: \"org_2:101:asset_1\", quantity: 1, from: \"org_2:100:treasury\" }\n";
    let text = file(&format!("{ISSUE}{transfer}"), "  []\n").replace("expect:\n  []\n", "");
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0, p[0].2.as_str()), (12, "request id 1 is used by another issue"));
}

#[test]
fn an_expectation_names_a_step_of_its_own_kind() {
    let p = problems(&file(ISSUE, "  - redeem: { request_id: 1, status: settled }\n"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].2, "request id 1 is an issue, not a redeem");
    let p = problems(&file(ISSUE, "  - transfer: { request_id: 1, status: settled }\n"));
    assert_eq!(p[0].2, "request id 1 is an issue, not a transfer");
    let p = problems(&file(ISSUE, "  - issue: { request_id: 9, status: settled }\n"));
    assert_eq!(p[0].2, "no issue step has request id 9");
    // A proof may name any of them.
    let proof = "  - proof: { request_id: 1, valid: true }\n";
    assert!(scenario::parse("t.yaml", &file(ISSUE, proof)).is_ok());
}

#[test]
fn a_quantity_of_zero_an_unknown_account_and_a_settled_reason_are_refused_with_their_places() {
    let zero = REDEEM.replace("quantity: 4", "quantity: 0");
    let p = problems(&file(&zero, "  []\n"));
    assert!(p.iter().any(|(_, _, m)| m == "a redeem's quantity must be at least 1"), "{p:?}");
    let unknown = ISSUE.replace("org_1:100:alice", "org_1:100:nobody");
    let p = problems(&file(&unknown, "  []\n"));
    assert!(p.iter().any(|(line, _, m)| *line == 11 && m.contains("org_1:100:nobody")), "{p:?}");
    let p = problems(&file(ISSUE, "  - issue: { request_id: 1, status: settled, reason: balance }\n"));
    assert!(p.iter().any(|(_, _, m)| m == "a settled issue has no `reason`"), "{p:?}");
    let p =
        problems(&format!("{BASE}flow:\n  - issue: {{ request_id: 1, asset: \"org_2:101:asset_1\", quantity: 1 }}\n"));
    assert!(p.iter().any(|(_, _, m)| m.contains("`to`")), "{p:?}");
}

#[test]
fn the_bundled_supply_scenarios_say_what_they_show() {
    for name in ["issue-and-redeem", "refusals", "under-faults", "redeem-learned-from-the-cluster"] {
        let path = root().join(format!("scenarios/supply/{name}.yaml"));
        let scenario = super::load(&path);
        assert!(scenario.description.len() > 100, "{name} says what it shows");
        let outcome = finsim::run(&scenario, scenario.seed);
        assert!(outcome.passed, "{name}: {:?}", outcome.failures());
    }
}
