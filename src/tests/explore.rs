//! The explorer's own tests: the reduced search (sleep sets) reaches every end state the full
//! search reaches, and what a state offers (an await's end beside deliveries, a timeout only when
//! nothing is in flight).

use super::{load, root};
use crate::explore::schedule::Choice;
use crate::explore::world::{Context, Move, World};
use std::collections::BTreeSet;

/// The fingerprints of the end states a search's schedules lead to.
fn end_prints(context: &Context, initial: &World, ends: &[(Vec<Choice>, u32)]) -> BTreeSet<u64> {
    ends.iter()
        .map(|(events, _)| {
            let mut world = initial.clone();
            for choice in events {
                let mv = context.moves(&world).into_iter().find(|m| &context.choice(&world, *m) == choice).unwrap();
                context.apply(&mut world, mv);
            }
            assert!(context.moves(&world).is_empty(), "a schedule ends where nothing is left to happen");
            world.fingerprint()
        })
        .collect()
}

#[test]
fn the_reduced_search_reaches_every_end_state_the_full_search_reaches() {
    let cases = [
        ("scenarios/get-denied-and-not-found.yaml", 0),
        ("scenarios/insufficient-balance.yaml", 0),
        ("scenarios/insufficient-balance.yaml", 1),
        ("scenarios/regulation-rejection.yaml", 0),
        ("scenarios/nosy-orgs-are-denied-personal-data.yaml", 0),
        ("scenarios/format/shares-and-denials.yaml", 0),
        ("scenarios/format/shares-and-denials.yaml", 1),
        ("scenarios/format/unanimous-through-a-crash.yaml", 0),
        ("scenarios/format/unanimous-through-a-crash.yaml", 1),
        ("scenarios/variants/asset-org-down-for-good-status-query.yaml", 1),
        ("scenarios/explore/balance-while-settling.yaml", 0),
    ];
    for (file, drops) in cases {
        let scenario = load(&root().join(file));
        let unfaulted = crate::scenario::Scenario { faults: Default::default(), ..scenario.clone() };
        let (context, initial) = Context::new(&unfaulted, scenario.seed, drops);
        let full = crate::explore::search_for_tests(&context, initial.clone(), 2_000_000, false);
        let reduced = crate::explore::search_for_tests(&context, initial.clone(), 2_000_000, true);
        assert!(full.complete && reduced.complete, "{file}: both searches end");
        let (full_ends, reduced_ends) =
            (end_prints(&context, &initial, &full.ends), end_prints(&context, &initial, &reduced.ends));
        assert_eq!(full_ends.len(), full.ends.len(), "{file}: the full search lists each end state once");
        assert_eq!(reduced_ends, full_ends, "{file} with {drops} drop(s): the same end states");
        assert_eq!(reduced.distinct, full.distinct, "{file}: sleep sets skip moves, never states");
        assert!(reduced.transitions <= full.transitions, "{file}: and make fewer moves");
    }
}

/// Two orgs in two clusters, each managing an asset: the ground a plan moves on.
const PLANS: &str = include_str!("../../tests/fixtures/plans.yaml");
const HOLD: &str = r#"hold: { asset: "org_1:101:eur", from: "org_1:100:alice", quantity: 500 }"#;
const BOND: &str =
    r#"transfer: { asset: "org_2:101:bond", from: "org_2:100:treasury", to: "org_1:100:alice", quantity: 5 }"#;
const RELEASE: &str = r#"release: { hold: 1, to: "org_2:100:treasury" }"#;

#[test]
fn in_an_exploration_an_await_may_end_while_messages_are_in_flight_and_a_timeout_may_not() {
    // The plan's await runs beside a balance query (a step that starts at any moment after it).
    let balance = "  - balance: { org: org_2, cluster: cluster_B, account: \"org_1:100:alice\", asset: \"org_2:101:bond\", at_ms: 1 }\n";
    let with = |instructions: &[&str]| {
        let lines: String = instructions.iter().map(|i| format!("        - {i}\n")).collect();
        let text =
            format!("{PLANS}flow:\n  - plan:\n      id: 7\n      org: org_1\n      instructions:\n{lines}{balance}");
        crate::scenario::parse("t.yaml", &text).unwrap()
    };
    // Whether some reachable state offers an org's timer beside a delivery (states reached without
    // firing an org's timer, breadth first, up to `limit`).
    let offered_busy = |scenario: &crate::scenario::Scenario, limit: usize| {
        let (context, initial) = Context::new(scenario, 0, 0);
        let org_timer = |mv: &Move| matches!(mv, Move::Timer { actor, .. } if context.actors[*actor as usize].to_string().starts_with("org_"));
        let mut queue: std::collections::VecDeque<World> = [initial].into();
        let mut seen = std::collections::BTreeSet::new();
        while let Some(world) = queue.pop_front() {
            if seen.len() > limit || !seen.insert(world.fingerprint()) {
                continue;
            }
            let moves = context.moves(&world);
            if moves.iter().any(|m| matches!(m, Move::Deliver { .. })) && moves.iter().any(org_timer) {
                return true;
            }
            for mv in moves.into_iter().filter(|m| !org_timer(m)) {
                let mut next = world.clone();
                context.apply(&mut next, mv);
                queue.push_back(next);
            }
        }
        false
    };
    assert!(
        offered_busy(&with(&[HOLD, "await: { ms: 50 }", BOND, RELEASE]), 20_000),
        "the await's end is offered beside deliveries"
    );
    // Without the await, an org's timer (a timeout) is never offered while a message is in flight.
    assert!(!offered_busy(&with(&[HOLD, BOND, RELEASE]), 20_000), "a timeout waits until nothing can answer it");
}
