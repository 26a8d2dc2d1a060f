//! Each fault kind, asserted from the trace: the fault happened, and the outcome is right.

use super::{load, root};
use finsim::protocol::cause::Cause;
use finsim::trace::note::{Act, Discard, Note, SuspectReason};
use finsim::trace::LossCause;
use finsim::trace::{Event, Record};
use finsim::Outcome;
use proptest::prelude::*;

fn run(file: &str) -> Outcome {
    let scenario = load(&root().join("scenarios/faults").join(file));
    let outcome = finsim::run(&scenario, scenario.seed);
    assert!(outcome.passed, "{file}: {:#?}", outcome.failures());
    outcome
}

fn notes(trace: &[Record]) -> impl Iterator<Item = &Note> {
    trace.iter().filter_map(|r| match &r.event {
        Event::Note(note) => Some(note),
        _ => None,
    })
}

fn lost(trace: &[Record], why: LossCause) -> usize {
    trace.iter().filter(|r| matches!(&r.event, Event::Lost { cause, .. } if *cause == why)).count()
}

fn delivered(trace: &[Record], kind: &str, to: &str) -> usize {
    trace
        .iter()
        .filter(|r| matches!(&r.event, Event::Delivered { hop } if hop.kind.word() == kind && hop.to.to_string() == to))
        .count()
}

fn suspected_by_honest(outcome: &Outcome, org: &str) -> bool {
    outcome.suspects.iter().any(|s| s == org)
}

#[test]
fn dropped_transmissions_are_re_sent_with_the_same_request() {
    let outcome = run("drop-and-retry.yaml");
    assert!(lost(&outcome.trace, LossCause::Drop) > 0);
    let retries = notes(&outcome.trace).filter(|n| matches!(n, Note::Retry { .. })).count() as u64;
    assert_eq!(retries, outcome.stats.retries);
    assert!(retries > 0);
}

#[test]
fn duplicates_are_delivered_and_move_nothing_twice() {
    let outcome = run("duplicates-settle-once.yaml");
    assert!(delivered(&outcome.trace, "transfer", "org_2") >= 2, "the transfer request arrived twice");
    let accepted = notes(&outcome.trace).filter(|n| matches!(n, Note::TxCreated { .. })).count();
    let submitted = notes(&outcome.trace).filter(|n| matches!(n, Note::Submitted { .. })).count();
    assert_eq!((accepted, submitted), (1, 1));
    assert_eq!(outcome.stats.duplicated, outcome.stats.sent);
}

#[test]
fn corrupted_messages_fail_their_signature_and_are_recovered_by_re_sending() {
    let outcome = run("corruption.yaml");
    let corrupted = outcome.trace.iter().filter(|r| matches!(r.event, Event::Corrupted { .. })).count() as u64;
    let discarded = notes(&outcome.trace)
        .filter(|n| matches!(n, Note::Discarded { reason, .. } if *reason == Discard::BadSignature))
        .count() as u64;
    assert!(corrupted > 0);
    assert_eq!(corrupted, outcome.stats.corrupted);
    assert_eq!(discarded, outcome.stats.bad_signatures);
}

#[test]
fn a_partition_that_heals_delays_and_does_not_break_the_flow() {
    let outcome = run("partition-heals.yaml");
    assert!(lost(&outcome.trace, LossCause::Partition) > 0);
    let settled_at = notes(&outcome.trace).find_map(|n| match n {
        Note::TransferFinal { settled: true, .. } => Some(()),
        _ => None,
    });
    assert!(settled_at.is_some());
    let first_delivery_across = outcome
        .trace
        .iter()
        .find(|r| matches!(&r.event, Event::Delivered { hop } if hop.from.to_string() == "org_1" && hop.to.to_string() == "org_2"));
    assert!(first_delivery_across.unwrap().t_us >= 2_000_000, "nothing crosses before the partition heals");
}

#[test]
fn a_partition_that_outlasts_the_retries_ends_in_timeout() {
    let outcome = run("partition-outlasts-retries.yaml");
    assert_eq!(outcome.stats.delivered, 0);
    let timeouts = notes(&outcome.trace).filter(|n| matches!(n, Note::Timeout { .. })).count();
    assert_eq!(timeouts, 2, "the get and the transfer");
}

#[test]
fn the_asset_org_crashes_mid_settlement_and_notifies_after_restart() {
    let outcome = run("crash-restart-asset-org.yaml");
    let kinds: Vec<&str> = outcome
        .trace
        .iter()
        .filter_map(|r| match &r.event {
            Event::Crashed { .. } => Some("crashed"),
            Event::Restarted { .. } => Some("restarted"),
            Event::Lost { cause: LossCause::ReceiverDown, .. } => Some("lost"),
            Event::Note(Note::SaleFinal { .. }) => Some("decided"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["crashed", "lost", "lost", "restarted", "decided"]);
    assert_eq!(delivered(&outcome.trace, "sync_request", "ledger:cluster_B"), 1);
}

#[test]
fn an_asset_org_down_for_good_breaks_agreement_as_expected() {
    let outcome = run("asset-org-down-for-good.yaml");
    let agreement = outcome.invariants.iter().find(|c| c.name == "agreement").unwrap();
    assert!(!agreement.passed, "the weakness is real: {agreement:?}");
    assert!(outcome.failures().is_empty());
}

#[test]
fn a_lying_balance_node_is_outvoted_and_suspected() {
    let outcome = run("lying-balance-node.yaml");
    assert!(suspected_by_honest(&outcome, "org_4"));
    let why = notes(&outcome.trace).find_map(|n| match n {
        Note::Suspect { org, reason, .. } if org.as_str() == "org_4" => Some(*reason),
        _ => None,
    });
    assert_eq!(why, Some(SuspectReason::Differs));
    let lie = notes(&outcome.trace).find_map(|n| match n {
        Note::Misbehaved { org, act, .. } if org.as_str() == "org_4" => Some(act.clone()),
        _ => None,
    });
    assert_eq!(lie, Some(Act::Lied { told: 207, truth: 100 }), "the trace shows the lie");
}

#[test]
fn a_wrong_hash_node_is_outvoted_and_suspected() {
    let outcome = run("wrong-hash-node.yaml");
    assert!(suspected_by_honest(&outcome, "org_3"));
}

#[test]
fn a_forging_node_is_never_believed() {
    let outcome = run("forging-node.yaml");
    let forged = notes(&outcome.trace).filter(|n| matches!(n, Note::Discarded { from, reason, .. } if from.to_string() == "org_4" && *reason == Discard::BadSignature)).count();
    assert!(forged >= 2, "its verify and balance answers were discarded");
    assert!(suspected_by_honest(&outcome, "org_4"));
}

#[test]
fn a_silent_node_under_quorum_all_prevents_the_quorum() {
    let outcome = run("silent-node-quorum-all.yaml");
    let answers_from_org_4 = outcome
        .trace
        .iter()
        .filter(|r| matches!(&r.event, Event::Send { hop, .. } if hop.from.to_string() == "org_4" && hop.to.to_string() != "ledger:cluster_B"))
        .count();
    assert_eq!(answers_from_org_4, 0);
    assert!(outcome.suspects.is_empty());
}

#[test]
fn a_replaying_node_changes_nothing() {
    let outcome = run("replaying-node.yaml");
    assert!(notes(&outcome.trace).any(|n| matches!(n, Note::Replayed { .. })));
    assert!(
        notes(&outcome.trace).any(|n| matches!(n, Note::Discarded { reason, .. } if *reason == Discard::Misaddressed))
    );
}

#[test]
fn every_fault_at_once_is_deterministic_event_by_event() {
    let scenario = load(&root().join("scenarios/faults/chaos.yaml"));
    for seed in [1, 2, 3] {
        let a = finsim::run(&scenario, seed);
        let b = finsim::run(&scenario, seed);
        assert_eq!(a.trace, b.trace, "seed {seed}");
        assert!(a.stats.dropped > 0 && a.stats.duplicated > 0 && a.stats.corrupted > 0, "{:?}", a.stats);
    }
}

fn fault_mix(
    drop: f64,
    duplicate: f64,
    corrupt: f64,
    partition: Option<(u64, u64)>,
    crash: Option<(usize, u64, u64)>,
    byzantine: Option<(usize, usize)>,
) -> String {
    let mut block = format!("faults:\n  drop: {drop}\n  duplicate: {duplicate}\n  corrupt: {corrupt}\n");
    if let Some((from, length)) = partition {
        block.push_str(&format!(
            "  partitions:\n    - {{ from_ms: {from}, until_ms: {}, groups: [[cluster_A], [cluster_B]] }}\n",
            from + length
        ));
    }
    let orgs = ["org_1", "org_2", "org_3", "org_4"];
    if let Some((org, at, down)) = crash {
        block.push_str(&format!(
            "  crashes:\n    - {{ org: {}, at_ms: {at}, restart_ms: {} }}\n",
            orgs[org],
            at + down
        ));
    }
    if let Some((org, behaviour)) = byzantine {
        let behaviours = ["wrong_balance", "wrong_hash", "forge_signature", "silent", "replay"];
        block.push_str(&format!(
            "  byzantine:\n    - {{ org: {}, behaviour: {} }}\n",
            ["org_3", "org_4"][org],
            behaviours[behaviour]
        ));
    }
    block.push_str("protocol:\n  timeout_ms: 300\n  retries: 4\n");
    format!("{}{block}", finsim::scenario::SAMPLE_FLOW)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn safety_invariants_hold_under_any_fault_mix(
        drop in 0.0f64..0.5,
        duplicate in 0.0f64..0.5,
        corrupt in 0.0f64..0.3,
        partition in proptest::option::of((0u64..2000, 1u64..3000)),
        crash in proptest::option::of((0usize..4, 0u64..2000, 1u64..3000)),
        byzantine in proptest::option::of((0usize..2, 0usize..5)),
        seed in any::<u64>(),
    ) {
        let text = fault_mix(drop, duplicate, corrupt, partition, crash, byzantine);
        let scenario = finsim::scenario::parse("mix.yaml", &text).unwrap();
        let outcome = finsim::run(&scenario, seed);
        for name in ["conservation", "exactly_once", "authenticity", "valid_proofs"] {
            let check = outcome.invariants.iter().find(|c| c.name == name).unwrap();
            prop_assert!(check.passed, "{name} broke with seed {seed}: {}\n{text}", check.detail);
        }
        let s = outcome.stats;
        prop_assert_eq!(s.sent + s.duplicated, s.delivered + s.dropped);
    }
}

#[test]
fn a_late_settlement_replaces_a_timeout() {
    let outcome = run("late-settlement-after-timeout.yaml");
    let finals: Vec<(u64, bool)> = notes(&outcome.trace)
        .filter_map(|n| match n {
            Note::TransferFinal { settled, .. } => Some(*settled),
            _ => None,
        })
        .zip(
            outcome.trace.iter().filter(|r| matches!(r.event, Event::Note(Note::TransferFinal { .. }))).map(|r| r.t_us),
        )
        .map(|(settled, t)| (t, settled))
        .collect();
    assert_eq!(finals, [(2_200_000, false), (3_060_000, true)]);
}

fn with_faults(block: &str) -> Outcome {
    let text = format!("{}{block}", finsim::scenario::SAMPLE_FLOW);
    let scenario = finsim::scenario::parse("with-faults.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render()));
    finsim::run(&scenario, scenario.seed)
}

/// When step number `step` (from 1) started.
fn step_started_at(trace: &[Record], step: usize) -> Option<u64> {
    trace.iter().find_map(|r| match &r.event {
        Event::StepStarted { step: s, .. } if s.0 == step => Some(r.t_us),
        _ => None,
    })
}

#[test]
fn a_step_whose_org_is_down_waits_for_its_restart() {
    // org_1 is down from the start; its get (step 2) starts when it comes back.
    let outcome = with_faults("faults:\n  crashes:\n    - { org: org_1, at_ms: 0, restart_ms: 700 }\n");
    assert_eq!(step_started_at(&outcome.trace, 2), Some(700_000));
    assert!(outcome.passed, "{:#?}", outcome.failures());
}

#[test]
fn a_step_whose_org_never_comes_back_is_abandoned_and_the_steps_after_it_go_on() {
    // org_2 is down for good from 0: its advertisement (step 1) never starts; once nothing else
    // is left to happen it is abandoned, and org_1's get (step 2) starts, to find org_2 silent.
    let outcome = with_faults("faults:\n  crashes:\n    - { org: org_2, at_ms: 0 }\n");
    assert_eq!(step_started_at(&outcome.trace, 1), None, "org_2's advertisement never starts");
    assert_eq!(step_started_at(&outcome.trace, 2), Some(0), "org_1's get goes on");
    assert!(outcome.unfinished_steps.contains(&finsim::trace::StepNumber(1)), "{:?}", outcome.unfinished_steps);
    assert!(step_started_at(&outcome.trace, 4).is_some(), "the transfer goes on too (and times out)");
}

#[test]
fn a_step_due_while_a_script_holds_its_org_down_starts_when_the_script_restarts_it() {
    let scenario = finsim::scenario::parse("sample.yaml", finsim::scenario::SAMPLE_FLOW).unwrap();
    let simulator = finsim::Simulator::new();
    let mut script = simulator.script(&scenario, scenario.seed);
    script.crash("org_1").unwrap();
    script.run_until_ms(2_000);
    script.restart("org_1").unwrap();
    let outcome = script.finish();
    assert_eq!(step_started_at(&outcome.trace, 2), Some(2_000_000), "the get (step 2) waited for org_1's restart");
    assert!(outcome.unfinished_steps.is_empty() && outcome.passed, "{:#?}", outcome.failures());
}

#[test]
fn overlapping_crashes_hold_an_org_down_until_the_last_restart() {
    let outcome = with_faults(
        "faults:\n  crashes:\n    - { org: org_1, at_ms: 0, restart_ms: 500 }\n    - { org: org_1, at_ms: 300, restart_ms: 900 }\n",
    );
    let events: Vec<(u64, &str)> = outcome
        .trace
        .iter()
        .filter_map(|r| match &r.event {
            Event::Crashed { .. } => Some((r.t_us, "crashed")),
            Event::Restarted { .. } => Some((r.t_us, "restarted")),
            _ => None,
        })
        .collect();
    assert_eq!(events, [(0, "crashed"), (900_000, "restarted")]);
    assert_eq!(step_started_at(&outcome.trace, 2), Some(900_000), "the get (step 2)");
}

#[test]
fn a_get_answered_only_with_forged_signatures_times_out_and_makes_its_peer_a_suspect() {
    let outcome = with_faults("faults: { byzantine: [ { org: org_2, behaviour: forge_signature } ] }\n");
    let timed_out_get = notes(&outcome.trace)
        .find_map(|n| match n {
            Note::GetResult { request_id, status: finsim::protocol::status::Status::Timeout, .. } => Some(*request_id),
            _ => None,
        })
        .expect("org_1's get of the asset timed out");
    let suspected_for_the_get = notes(&outcome.trace).any(|n| {
        matches!(n, Note::Suspect { by, org, request_id, reason: SuspectReason::NoValidSignature, .. }
            if by.as_str() == "org_1" && org.as_str() == "org_2" && *request_id == timed_out_get)
    });
    assert!(
        suspected_for_the_get,
        "{:#?}",
        notes(&outcome.trace).filter(|n| matches!(n, Note::Suspect { .. })).collect::<Vec<_>>()
    );
}

#[test]
fn a_buyer_org_that_gave_up_refuses_the_ivms_get_and_the_asset_org_reports_that_cause() {
    // At some seeds the transfer reaches org_2 after org_1 has given up (one try of 300 ms), and
    // org_2's IVMS-101 get is answered in time: org_1, with nothing pending, refuses the data.
    let text = "name: gave-up
network:
  latency: { uniform: { min_ms: 1, max_ms: 1000 } }
clusters:
  - { id: cluster_A, orgs: [org_1] }
  - { id: cluster_B, orgs: [org_2] }
orgs:
  org_2: { regulation: { allowed_countries: [GB] } }
users:
  - { id: \"org_1:100:user_1\", org: org_1, ivms101: { name: \"Alice Example\", country: GB } }
  - { id: \"org_2:100:treasury\", org: org_2 }
assets:
  - { id: \"org_2:101:asset_1\", org: org_2, shared_with: [org_1], balances: { \"org_2:100:treasury\": 1000 } }
flow:
  - transfer: { request_id: 1, user: \"org_1:100:user_1\", asset: \"org_2:101:asset_1\", quantity: 10, from: \"org_2:100:treasury\" }
expect:
  - transfer: { request_id: 1, status: rejected, reason: timeout }
protocol: { timeout_ms: 300, retries: 0 }
";
    let scenario = finsim::scenario::parse("gave-up.yaml", text).unwrap();
    let cause = Cause::BuyerGaveUp { org: "org_1".into() };
    let fetch_timed_out = Cause::DataTimeout;
    let mut refused_at = Vec::new();
    for seed in 0..200 {
        let outcome = finsim::run(&scenario, seed);
        let refused = notes(&outcome.trace)
            .any(|n| matches!(n, Note::PersonalData { status: finsim::protocol::status::Status::Denied, .. }));
        if !refused {
            continue;
        }
        assert!(outcome.passed, "seed {seed}: {:#?}", outcome.failures());
        let sale = notes(&outcome.trace).find_map(|n| match n {
            Note::SaleFinal { reason, cause, .. } => Some((*reason, cause.clone())),
            _ => None,
        });
        // Either the refusal reached org_2 while it still waited for it, and is the cause; or its
        // own get had timed out first. Never a regulation check run on withheld data.
        let (reason, detail) = sale.expect("org_2 decided the sale");
        assert_eq!(reason, finsim::protocol::status::Status::Timeout, "seed {seed}");
        assert!(detail == cause || detail == fetch_timed_out, "seed {seed}: {detail:?}");
        assert!(!notes(&outcome.trace).any(|n| matches!(n, Note::Compliance { .. })), "seed {seed}");
        if detail == cause {
            refused_at.push(seed);
        }
    }
    assert!(!refused_at.is_empty(), "no seed of 0..200 has the buyer's org refuse the data");
}

/// Each fault scenario read as a script: its account without the plain deliveries (every step,
/// loss, fault, retry, crash, lie, suspect and decision stays), pinned as a snapshot per file,
/// so a change in how a fault plays out is reviewed as a diff (`cargo insta review`).
#[test]
fn fault_scenarios_as_scripts() {
    insta::glob!("../../scenarios/faults", "*.yaml", |path| {
        let scenario = load(path);
        let outcome = finsim::run(&scenario, scenario.seed);
        let script: Vec<String> =
            finsim::report::account(&outcome.trace).into_iter().filter(|line| !line.ends_with("  delivered")).collect();
        insta::assert_snapshot!(script.join("\n"));
    });
}

/// A message's fate (its latency, whether it is lost) depends on what it is, not on its step's
/// place in the flow: removing an unrelated step (as `finsim shrink` does) leaves the other steps'
/// messages as they were, although their request ids move up by one.
#[test]
fn removing_an_unrelated_step_changes_no_other_steps_message_fates() {
    let faults = "faults: { drop: 0.3, duplicate: 0.2 }\n";
    let full = format!("{}{faults}", finsim::scenario::SAMPLE_FLOW);
    let advertise = full.lines().find(|l| l.trim_start().starts_with("- advertise:")).unwrap();
    let without = full.replacen(&format!("{advertise}\n"), "", 1);
    let fates = |text: &str| {
        let scenario = finsim::scenario::parse("fates.yaml", text).unwrap();
        let outcome = finsim::run(&scenario, 5);
        let fates: Vec<String> = outcome
            .trace
            .iter()
            .filter_map(|r| match &r.event {
                Event::Send { hop, latency_us, .. } if hop.kind.to_string().starts_with("get") => {
                    Some(format!("{} {}>{} {} after {latency_us}", r.t_us, hop.from, hop.to, hop.kind))
                }
                Event::Lost { hop, cause } if hop.kind.to_string().starts_with("get") => {
                    Some(format!("{} {}>{} {} lost {cause:?}", r.t_us, hop.from, hop.to, hop.kind))
                }
                _ => None,
            })
            .collect();
        (fates, outcome.trace)
    };
    let (a, trace_a) = fates(&full);
    let (b, _) = fates(&without);
    assert!(!a.is_empty(), "the get step sends");
    let first_get =
        a.iter().take_while(|f| f.contains(" org_1>org_2 get ") || f.contains(" org_2>org_1 get_response ")).count();
    assert!(first_get >= 2, "{a:#?}");
    assert_eq!(a[..first_get], b[..first_get], "the get step's messages fare alike");
    assert!(trace_a.iter().any(|r| matches!(r.event, Event::Lost { .. })), "the faults are at work");
}
