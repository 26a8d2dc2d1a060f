//! The seed's sample flow, step by step, from the trace.

use finsim::protocol::cause::RuleName;
use finsim::scenario::{self, Scenario};
use finsim::trace::note::Note;
use finsim::trace::{Event, Record};

fn sample() -> Scenario {
    scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap()
}

/// (kind, from, to) of every delivered message, in order.
fn deliveries(trace: &[Record]) -> Vec<(String, String, String)> {
    trace
        .iter()
        .filter_map(|r| match &r.event {
            Event::Delivered { hop } => Some((hop.kind.word().to_owned(), hop.from.to_string(), hop.to.to_string())),
            _ => None,
        })
        .collect()
}

fn position(list: &[(String, String, String)], kind: &str, from: &str, to: &str) -> usize {
    list.iter()
        .position(|(k, f, t)| k == kind && f == from && t == to)
        .unwrap_or_else(|| panic!("no {kind} from {from} to {to} was delivered"))
}

#[test]
fn every_step_of_the_seed_happens_in_order() {
    let outcome = finsim::run(&sample(), 42);
    let d = deliveries(&outcome.trace);
    let user = "user:org_1:100:user_1";
    let steps = [
        position(&d, "advertisement", "org_2", "org_1"),
        position(&d, "get", "org_1", "org_2"),
        position(&d, "get_response", "org_2", "org_1"),
        position(&d, "verify", "org_1", "org_3"),
        position(&d, "verify_answer", "org_3", "org_1"),
        position(&d, "order", user, "org_1"),
        position(&d, "sign_request", "org_1", user),
        position(&d, "sign_response", user, "org_1"),
        position(&d, "transfer", "org_1", "org_2"),
        position(&d, "tx_accepted", "org_2", "org_1"),
        position(&d, "get", "org_2", "org_1"),
        position(&d, "get_response", "org_1", "org_2"),
        position(&d, "submit", "org_2", "ledger:cluster_B"),
        position(&d, "block_committed", "ledger:cluster_B", "org_2"),
        position(&d, "settlement", "org_2", "org_1"),
        position(&d, "verify_proof", "org_1", "org_4"),
        position(&d, "proof_answer", "org_4", "org_1"),
        position(&d, "balance_query", "org_1", "org_2"),
        position(&d, "balance_answer", "org_2", "org_1"),
    ];
    // The advertisement may still be in flight when the get starts; everything after it is causal.
    assert!(steps[1..].windows(2).all(|w| w[0] < w[1]), "out of order: {steps:?}");
    for org in ["org_2", "org_3", "org_4"] {
        position(&d, "verify", "org_1", org);
        position(&d, "balance_query", "org_1", org);
    }
    assert!(outcome.passed, "{:#?}", outcome.failures());
}

#[test]
fn the_user_ends_with_100_tokens_and_a_valid_proof() {
    let outcome = finsim::run(&sample(), 42);
    let settled = outcome.trace.iter().find_map(|r| match &r.event {
        Event::Note(Note::TransferFinal { request_id: 10101, settled, proof, .. }) => Some((*settled, proof.clone())),
        _ => None,
    });
    let (settled, proof) = settled.expect("the buyer's org learned the final status");
    assert!(settled);
    let proof = proof.expect("a settled transfer carries its proof");
    let json = serde_json::to_value(&proof).unwrap();
    assert_eq!(json["@context"], "https://w3id.org/chainpoint/v4");
    assert_eq!(json["type"], "Chainpoint");
    let (_, anchor) = proof.replay().unwrap();
    assert_eq!((anchor.cluster.as_str(), anchor.height), ("cluster_B", 1));
    let balance = outcome.trace.iter().find_map(|r| match &r.event {
        Event::Note(Note::BalanceResult { answer, .. }) => *answer,
        _ => None,
    });
    assert_eq!(balance.map(|a| (a.current, a.available, a.held)), Some((100, 100, 0)));
    let names: Vec<(&str, bool)> = outcome.expectations.iter().map(|c| (c.name.as_str(), c.passed)).collect();
    assert!(names.contains(&("balance org_1:100:user_1 org_2:101:asset_1 = 100", true)), "{names:?}");
    assert!(names.contains(&("balance org_2:100:treasury org_2:101:asset_1 = 900", true)), "{names:?}");
}

#[test]
fn regulation_evidence_reads_the_ivms101_document() {
    let outcome = finsim::run(&sample(), 42);
    let checks: Vec<(RuleName, String, bool)> = outcome
        .trace
        .iter()
        .filter_map(|r| match &r.event {
            Event::Note(Note::Compliance { check, passed, .. }) => Some((check.rule, check.value.clone(), *passed)),
            _ => None,
        })
        .collect();
    assert!(checks.contains(&(RuleName::AllowedCountries, "GB".into(), true)), "{checks:?}");
    assert!(checks.contains(&(RuleName::MaxQuantity, "100".into(), true)), "{checks:?}");
    let shared = outcome.trace.iter().any(|r| {
        matches!(&r.event, Event::Note(Note::PersonalData { holder, asked_by, given: true, .. }) if holder.as_str() == "org_1" && asked_by.as_str() == "org_2")
    });
    assert!(shared, "org_1 gave the user's data to org_2, and only then");
}

#[test]
fn many_seeds_give_different_latencies_and_the_same_outcome() {
    let scenario = sample();
    let mut digests = std::collections::BTreeSet::new();
    for seed in 0..40 {
        let outcome = finsim::run(&scenario, seed);
        assert!(outcome.passed, "seed {seed}: {:#?}", outcome.failures());
        digests.insert(outcome.digest);
    }
    assert_eq!(digests.len(), 40, "each seed draws its own latencies");
}
