//! Each defence against moving tokens twice, tested on its own: one is turned off, and the
//! other (or an invariant) must still catch what it would have caught.

use finsim::simulator::{Defences, Settings};

fn run_with(file: &str, defences: Defences) -> finsim::Outcome {
    let scenario = super::load(&super::root().join(file));
    finsim::Simulator::new().settings(Settings { defences, ..Settings::default() }).run(&scenario, scenario.seed)
}

fn check<'a>(outcome: &'a finsim::Outcome, name: &str) -> &'a finsim::outcome::Check {
    outcome.invariants.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no invariant {name}"))
}

const DUPLICATES: &str = "scenarios/faults/duplicates-settle-once.yaml";
const RESUBMIT: &str = "scenarios/faults/resubmitting-buyer.yaml";

/// Every transmission doubled, with latencies so spread that a copy of the transfer request often
/// arrives after the first one was submitted to the ledger.
const LATE_DUPLICATES: &str = "name: late-duplicates
network:
  latency: { uniform: { min_ms: 1, max_ms: 400 } }
ledger: { block_ms: 20 }
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
expect:
  - balance: { account: \"o1:100:u\", asset: \"o2:101:a\", equals: 100 }
faults:
  duplicate: 1.0
protocol: { timeout_ms: 2000 }
";

/// The seeds of 0..30 at which `LATE_DUPLICATES` fails `exactly_once` with these defences, and
/// those at which the asset's org submitted the request to its ledger more than once.
fn seeds_moving_twice(defences: Defences) -> (Vec<u64>, Vec<u64>) {
    let scenario = finsim::scenario::parse("late-duplicates.yaml", LATE_DUPLICATES).unwrap();
    let simulator = finsim::Simulator::new().settings(Settings { defences, ..Settings::default() });
    let (mut failed, mut submitted_twice) = (Vec::new(), Vec::new());
    for seed in 0..30 {
        let outcome = simulator.run(&scenario, seed);
        if !check(&outcome, "exactly_once").passed {
            failed.push(seed);
        }
        let submissions = outcome
            .trace
            .iter()
            .filter(|r| matches!(&r.event, finsim::trace::Event::Note(finsim::trace::note::Note::Submitted { .. })))
            .count();
        if submissions > 1 {
            submitted_twice.push(seed);
        }
    }
    (failed, submitted_twice)
}

#[test]
fn each_duplicate_defence_alone_settles_a_late_duplicate_once_and_without_both_exactly_once_fails() {
    let org_off = Defences { org_deduplicates_requests: false, ..Defences::default() };
    let ledger_off = Defences { ledger_deduplicates_requests: false, ..Defences::default() };
    let both_off =
        Defences { org_deduplicates_requests: false, ledger_deduplicates_requests: false, ..Defences::default() };
    let (failed, submitted_twice) = seeds_moving_twice(org_off);
    assert_eq!(failed, Vec::<u64>::new(), "the ledger alone");
    assert!(!submitted_twice.is_empty(), "without the org's check, some seed reaches the ledger twice");
    let (failed, submitted_twice) = seeds_moving_twice(ledger_off);
    assert_eq!((failed, submitted_twice), (vec![], vec![]), "the org alone never submits twice");
    let (failed, _) = seeds_moving_twice(both_off);
    assert!(!failed.is_empty(), "without both defences some seed settles the request twice");
}

#[test]
fn the_duplicates_scenario_passes_with_either_duplicate_defence_alone() {
    for defences in [
        Defences { org_deduplicates_requests: false, ..Defences::default() },
        Defences { ledger_deduplicates_requests: false, ..Defences::default() },
    ] {
        let outcome = run_with(DUPLICATES, defences);
        assert!(outcome.passed, "{defences:?}: {:?}", outcome.failures());
    }
}

#[test]
fn the_replay_check_refuses_a_resubmitted_signed_transfer() {
    let outcome = run_with(RESUBMIT, Defences::default());
    assert!(outcome.passed, "{:?}", outcome.failures());
    let refused = outcome.trace.iter().any(|r| {
        matches!(
            &r.event,
            finsim::trace::Event::Note(finsim::trace::note::Note::SaleFinal {
                reason: finsim::protocol::status::Status::Replay,
                ..
            })
        )
    });
    assert!(refused, "the asset's org refused the copy with the reason replay");
}

#[test]
fn without_the_replay_check_a_resubmitted_transfer_settles_twice_and_exactly_once_fails() {
    let outcome = run_with(RESUBMIT, Defences { org_refuses_replays: false, ..Defences::default() });
    let exactly_once = check(&outcome, "exactly_once");
    assert!(!exactly_once.passed, "{exactly_once:?}");
    assert!(exactly_once.detail.contains("one signed transfer settled 2 times"), "{exactly_once:?}");
    // The request ids differ, so the per-request count alone would not have seen it; conservation holds
    // (tokens moved twice, none created).
    assert!(check(&outcome, "conservation").passed);
}

#[test]
fn a_resubmitting_buyer_resubmits_every_signed_transfer_and_each_copy_is_refused() {
    let text = std::fs::read_to_string(super::root().join(RESUBMIT)).unwrap().replace(
        "  - balance:  { org: org_2,",
        "  - transfer: { request_id: 2, user: \"org_1:100:user_1\", asset: \"org_2:101:asset_1\", quantity: 50,
                from: \"org_2:100:treasury\" }
  - balance:  { org: org_2,",
    );
    let scenario = finsim::scenario::parse("two-resubmitted.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render()));
    let outcome = finsim::run(&scenario, scenario.seed);
    let notes = || {
        outcome.trace.iter().filter_map(|r| match &r.event {
            finsim::trace::Event::Note(note) => Some(note),
            _ => None,
        })
    };
    let resubmitted = notes().filter(|n| matches!(n, finsim::trace::note::Note::Misbehaved { .. })).count();
    let refused = notes()
        .filter(|n| {
            matches!(n, finsim::trace::note::Note::SaleFinal { reason: finsim::protocol::status::Status::Replay, .. })
        })
        .count();
    assert_eq!((resubmitted, refused), (2, 2), "each signed transfer sent again once, and refused");
    assert!(check(&outcome, "exactly_once").passed);
}
