//! The protocol variants (`protocol:` keys), each against the seed's behaviour on the same flow.

use super::root;
use finsim::outcome::Outcome;
use finsim::protocol::status::Status;
use finsim::trace::note::{Finding, Note};
use finsim::trace::Event;

/// Runs a bundled scenario with textual edits applied (each `(from, to)` must occur).
fn run_edited(file: &str, edits: &[(&str, &str)]) -> Outcome {
    let mut text = std::fs::read_to_string(root().join(file)).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{file} has no `{from}`");
        text = text.replacen(from, to, 1);
    }
    let scenario = finsim::scenario::parse(file, &text).unwrap_or_else(|e| panic!("{}", e.render()));
    finsim::run(&scenario, scenario.seed)
}

fn check<'a>(outcome: &'a Outcome, name: &str) -> &'a finsim::outcome::Check {
    outcome.invariants.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no invariant {name}"))
}

fn transfer_detail(outcome: &Outcome) -> &str {
    &outcome.expectations.iter().find(|c| c.name.starts_with("transfer ")).unwrap().detail
}

const DOWN_FOR_GOOD: &str = "scenarios/faults/asset-org-down-for-good.yaml";
const QUERYING: &str = "scenarios/variants/asset-org-down-for-good-status-query.yaml";

#[test]
fn a_status_query_learns_a_settlement_the_asset_org_never_sent() {
    let seed = finsim::run(&super::load(&root().join(DOWN_FOR_GOOD)), 4);
    assert!(!check(&seed, "agreement").passed, "the seed's weakness");
    let variant = finsim::run(&super::load(&root().join(QUERYING)), 4);
    assert!(variant.passed, "{:?}", variant.failures());
    assert!(check(&variant, "agreement").passed && check(&variant, "valid_proofs").passed);
    assert!(transfer_detail(&variant).starts_with("settled: settled on cluster_B at height 1"));
}

#[test]
fn a_status_query_without_a_quorum_leaves_the_transfer_to_time_out() {
    // Under quorum `all`, the crashed org_2 can never answer: no quorum, the retries run out.
    let outcome = run_edited(
        QUERYING,
        &[
            ("  retries: 3\n", "  retries: 3\n  quorum: all\n"),
            ("status: settled }", "status: rejected, reason: timeout }"),
        ],
    );
    assert!(transfer_detail(&outcome).starts_with("rejected (timeout)"), "{}", transfer_detail(&outcome));
    assert!(!check(&outcome, "agreement").passed);
}

#[test]
fn members_that_have_not_seen_the_transaction_answer_unknown_and_nothing_is_concluded() {
    // org_2 crashes before it feeds the ledger: the members know no such transaction.
    let outcome = run_edited(QUERYING, &[("at_ms: 170", "at_ms: 120"), ("status: settled }", "status: rejected }")]);
    assert!(transfer_detail(&outcome).starts_with("rejected (timeout)"), "{}", transfer_detail(&outcome));
    assert!(check(&outcome, "agreement").passed && check(&outcome, "honest_answers").passed);
    let results: Vec<_> = outcome
        .trace
        .iter()
        .filter_map(|r| match &r.event {
            Event::Note(Note::StatusResult { settled, finding, .. }) => Some((*settled, finding.clone())),
            _ => None,
        })
        .collect();
    let not_found = (false, Some(Finding::Answered(Status::NotFound)));
    assert_eq!(results, vec![not_found; 3], "one query per timeout with a retry left, each saying what was answered");
}

#[test]
fn a_status_query_never_fires_when_the_settlement_arrives_in_time() {
    let sample = "scenarios/advertise-then-transfer.yaml";
    let seed = run_edited(sample, &[]);
    let variant = run_edited(sample, &[("flow:", "protocol:\n  status_query: true\n\nflow:")]);
    assert_eq!(seed.digest, variant.digest);
}

#[test]
fn under_rules_first_the_limit_is_checked_before_the_user_data_is_fetched() {
    let file = "scenarios/variants/over-limit-seed-order.yaml";
    let seed = run_edited(file, &[]);
    let variant = run_edited(file, &[("regulation_order: seed", "regulation_order: rules_first")]);
    assert!(seed.passed && check(&seed, "privacy").passed);
    assert_eq!(transfer_detail(&seed), transfer_detail(&variant), "the same reason either way");
    assert!(variant.messages < seed.messages, "no IVMS-101 get, no answer");
}

#[test]
fn under_escrow_a_hold_the_balance_cannot_cover_rejects_before_any_personal_data_moves() {
    let direct = run_edited("scenarios/variants/competing-transfers-direct.yaml", &[]);
    let escrow = run_edited("scenarios/variants/competing-transfers-escrow.yaml", &[]);
    assert!(direct.passed && escrow.passed, "{:?} {:?}", direct.failures(), escrow.failures());
    let seen = |o: &Outcome, user: &str| o.personal_data.iter().find(|p| p.user == user).unwrap().seen_by.clone();
    assert_eq!(seen(&direct, "org_1:100:user_2"), ["org_2"]);
    assert!(seen(&escrow, "org_1:100:user_2").is_empty());
    assert_eq!(seen(&escrow, "org_1:100:user_1"), ["org_2"], "the first transfer still fetches its data");
}

#[test]
fn the_same_flow_settles_alike_under_escrow_and_direct_when_nothing_competes() {
    let sample = "scenarios/advertise-then-transfer.yaml";
    let direct = run_edited(sample, &[]);
    let escrow = run_edited(sample, &[("flow:", "protocol:\n  settlement: escrow\n\nflow:")]);
    assert!(escrow.passed, "{:?}", escrow.failures());
    let verdicts = |o: &Outcome| o.expectations.iter().map(|c| (c.name.clone(), c.passed)).collect::<Vec<_>>();
    assert_eq!(verdicts(&direct), verdicts(&escrow));
    assert!(escrow.messages > direct.messages, "a hold and its ledger event");
    assert!(check(&escrow, "holds_released").passed);
}

#[test]
fn a_hold_stranded_by_a_crash_breaks_holds_released_and_a_restart_releases_nothing_twice() {
    let stranded = run_edited("scenarios/variants/escrow-hold-stranded-by-a-crash.yaml", &[]);
    assert!(stranded.passed, "{:?}", stranded.failures());
    assert!(!check(&stranded, "holds_released").passed);
    // With a restart, the asset's org learns the hold from its ledger, goes on and settles.
    let restarted = run_edited(
        "scenarios/variants/escrow-hold-stranded-by-a-crash.yaml",
        &[
            ("{ org: org_2, at_ms: 140 }", "{ org: org_2, at_ms: 140, restart_ms: 400 }"),
            ("status: rejected, reason: timeout }", "status: settled }"),
            ("equals: 1000 }", "equals: 900 }"),
            ("{ name: holds_released, holds: false }", "{ name: holds_released, holds: true }"),
        ],
    );
    assert!(restarted.passed, "{:?}", restarted.failures());
}

#[test]
fn rules_first_and_escrow_together_check_the_limit_before_holding_anything() {
    let outcome = run_edited(
        "scenarios/variants/over-limit-rules-first.yaml",
        &[("regulation_order: rules_first", "regulation_order: rules_first\n  settlement: escrow")],
    );
    assert!(outcome.passed, "{:?}", outcome.failures());
    let holds = outcome.trace.iter().filter(|r| format!("{r:?}").contains("EscrowClosed")).count();
    assert_eq!(holds, 0, "no hold is asked for a transfer the rules reject");
}
