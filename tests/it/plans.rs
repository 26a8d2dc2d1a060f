//! Execution plans: the `plan` step and expectation as a file writes them, refused with a place
//! when they are wrong, and runs that end completed, rejected, reverted or failed.

use finsim::scenario;

/// Two orgs in two clusters, each managing an asset: the ground a plan moves on.
const BASE: &str = include_str!("../fixtures/plans.yaml");

/// A file whose flow is one plan with these instructions (each a line of YAML), then `expect`.
fn file(instructions: &[&str], expect: &str) -> String {
    let lines: String = instructions.iter().map(|i| format!("        - {i}\n")).collect();
    format!("{BASE}flow:\n  - plan:\n      id: 7\n      org: org_1\n      instructions:\n{lines}expect:\n{expect}")
}

const HOLD: &str = r#"hold: { asset: "org_1:101:eur", from: "org_1:100:alice", quantity: 500 }"#;
const BOND: &str =
    r#"transfer: { asset: "org_2:101:bond", from: "org_2:100:treasury", to: "org_1:100:alice", quantity: 5 }"#;
const RELEASE: &str = r#"release: { hold: 1, to: "org_2:100:treasury" }"#;

fn problems(text: &str) -> Vec<(u64, u64, String)> {
    match scenario::parse("t.yaml", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.problems().iter().map(|p| (p.line, p.column, p.message.clone())).collect(),
    }
}

#[test]
fn a_delivery_versus_payment_completes_and_every_leg_is_on_its_ledger() {
    let expect = "  - plan: { id: 7, status: completed }\n  \
                  - balance: { account: \"org_2:100:treasury\", asset: \"org_1:101:eur\", equals: 500 }\n  \
                  - balance: { account: \"org_1:100:alice\", asset: \"org_2:101:bond\", equals: 5 }\n  \
                  - balance: { account: \"org_1:100:alice\", asset: \"org_1:101:eur\", equals: 500 }\n";
    let scenario = scenario::parse("t.yaml", &file(&[HOLD, BOND, RELEASE], expect)).unwrap();
    let outcome = finsim::run(&scenario, 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
    let json = serde_json::to_value(&outcome).unwrap();
    let plan = &json["plans"][0];
    assert_eq!(
        (plan["id"].as_u64(), plan["status"].as_str(), &plan["reason"]),
        (Some(7), Some("completed"), &serde_json::Value::Null)
    );
    let kinds: Vec<&str> =
        plan["instructions"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["hold", "transfer", "release"]);
    for instruction in plan["instructions"].as_array().unwrap() {
        assert_eq!(instruction["status"], "done", "{instruction}");
        assert!(instruction["height"].as_u64().is_some_and(|h| h >= 1), "{instruction}");
    }
    assert_eq!(plan["instructions"][1]["cluster"], "cluster_B");
    for name in ["atomicity", "consent", "valid_proofs", "conservation", "exactly_once", "authenticity"] {
        let check = outcome.invariants.iter().find(|c| c.name == name).unwrap();
        assert!(check.passed, "{check:?}");
    }
    let proofs = outcome.invariants.iter().find(|c| c.name == "valid_proofs").unwrap();
    assert_eq!(proofs.detail, "3 proof(s) recompute their block roots", "one per instruction");
    assert_eq!(finsim::run(&scenario, 0).digest, outcome.digest, "the same file and seed, the same trace");
}

#[test]
fn a_leg_that_fails_for_balance_reverts_the_plan_and_rolls_the_hold_back() {
    let short = BOND.replace("quantity: 5", "quantity: 11");
    let expect = "  - plan: { id: 7, status: reverted, reason: balance }\n  \
                  - balance: { account: \"org_1:100:alice\", asset: \"org_1:101:eur\", equals: 1000 }\n  \
                  - balance: { account: \"org_1:100:hold.7.1\", asset: \"org_1:101:eur\", equals: 0 }\n";
    let text = file(&[HOLD, &short, RELEASE], expect).replace(
        "  - { id: \"org_2:100:treasury\", org: org_2 }\n",
        "  - { id: \"org_2:100:treasury\", org: org_2 }\n  - { id: \"org_1:100:hold.7.1\", org: org_1 }\n",
    );
    // The hold account's id is the plan's: a user of that id is refused.
    let p = problems(&text);
    assert!(p.iter().any(|(_, _, m)| m.contains("has the name of the account that keeps hold 1 of plan 7")), "{p:?}");
    let expect = "  - plan: { id: 7, status: reverted, reason: balance }\n  \
                  - balance: { account: \"org_1:100:alice\", asset: \"org_1:101:eur\", equals: 1000 }\n";
    let scenario = scenario::parse("t.yaml", &file(&[HOLD, &short, RELEASE], expect)).unwrap();
    let outcome = finsim::run(&scenario, 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
    let json = serde_json::to_value(&outcome).unwrap();
    let statuses: Vec<&str> =
        json["plans"][0]["instructions"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["rolled_back", "failed", "not_run"]);
}

#[test]
fn a_transfer_before_the_other_leg_is_secured_fails_the_plan_and_breaks_atomicity() {
    let cash =
        r#"transfer: { asset: "org_1:101:eur", from: "org_1:100:alice", to: "org_2:100:treasury", quantity: 500 }"#;
    let short = BOND.replace("quantity: 5", "quantity: 11");
    let expect =
        "  - plan: { id: 7, status: failed, reason: balance }\n  - invariant: { name: atomicity, holds: false }\n";
    let scenario = scenario::parse("t.yaml", &file(&[cash, &short], expect)).unwrap();
    let outcome = finsim::run(&scenario, 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
    let atomicity = outcome.invariants.iter().find(|c| c.name == "atomicity").unwrap();
    assert_eq!(atomicity.detail, "plan 7: instruction(s) 1 on their ledgers, 2 not");
    let agreement = outcome.invariants.iter().find(|c| c.name == "agreement").unwrap();
    assert!(agreement.passed, "failed, and some of it is there: {agreement:?}");
}

#[test]
fn an_executor_that_refuses_rejects_the_plan_before_anything_moves() {
    // Org 2's rules allow no country of Alice's: it refuses the bond's leg for regulation.
    let text = file(&[HOLD, BOND, RELEASE], "  - plan: { id: 7, status: rejected, reason: regulation }\n").replace(
        "  - { id: cluster_B, orgs: [org_2] }\n",
        "  - { id: cluster_B, orgs: [org_2] }\norgs:\n  org_2: { regulation: { allowed_countries: [DE] } }\n",
    );
    let scenario = scenario::parse("t.yaml", &text).unwrap();
    let outcome = finsim::run(&scenario, 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
    let trace = finsim::trace::to_jsonl(&outcome.trace);
    assert!(!trace.contains("\"plan_execute\""), "no instruction is sent");
    // A plan that names an account of an org its asset is not shared with is refused for permission.
    let stranger = BASE.replace(
        "shared_with: [org_1], balances: { \"org_2:100:treasury\": 10 }",
        "balances: { \"org_2:100:treasury\": 10 }",
    );
    let text = format!(
        "{stranger}flow:\n  - plan:\n      id: 7\n      org: org_1\n      instructions:\n        - {HOLD}\n        - {BOND}\n        - {RELEASE}\nexpect:\n  - plan: {{ id: 7, status: rejected, reason: permission }}\n"
    );
    let outcome = finsim::run(&scenario::parse("t.yaml", &text).unwrap(), 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
}

#[test]
fn releases_name_an_earlier_hold_once_and_quantities_ids_and_expectations_are_checked() {
    let p = problems(&file(&[r#"release: { hold: 1, to: "org_2:100:treasury" }"#, HOLD], "  []\n"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].2, "instruction 1 releases hold 1, which is no earlier hold of plan 7");
    let p = problems(&file(&[HOLD, RELEASE, RELEASE], "  []\n"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].2, "hold 1 is released twice: by instruction 2, then 3");
    assert_eq!((p[0].0, p[0].1), (18, 28), "the second release's `hold`");
    let p = problems(&file(&[&HOLD.replace("quantity: 500", "quantity: 0")], "  []\n"));
    assert_eq!(p[0].2, "a hold's quantity must be at least 1");
    let p = problems(&file(&[&BOND.replace("org_1:100:alice", "org_1:100:bob")], "  []\n"));
    assert!(p[0].2.contains("org_1:100:bob"), "{p:?}");
    let p = problems(&file(&[HOLD], "  - plan: { id: 8, status: completed }\n"));
    assert_eq!(p[0].2, "no plan step has id 8");
    let p = problems(&file(&[HOLD], "  - plan: { id: 7, status: completed, reason: balance }\n"));
    assert_eq!(p[0].2, "a completed plan has no `reason`");
    let twice =
        file(&[HOLD], "  []\n").replace("expect:\n  []\n", "") + "  - plan: { id: 7, org: org_1, instructions: [] }\n";
    let p = problems(&twice.replace("expect:\n", ""));
    assert!(p.iter().any(|(_, _, m)| m == "plan id 7 is used by another plan"), "{p:?}");
}

#[test]
fn faults_start_on_an_event_and_a_cut_separates_only_its_two_sides() {
    let faults = |partition: &str| {
        file(&[HOLD, BOND, RELEASE], "  - plan: { id: 7, status: completed }\n")
            .replace("flow:\n", &format!("faults:\n  partitions:\n    - {partition}\nflow:\n"))
    };
    let cut = faults("{ cut: [[cluster_A, cluster_B]], on: { instruction: { plan: 7, n: 1 } }, for_ms: 2500 }");
    let outcome = finsim::run(&scenario::parse("t.yaml", &cut).unwrap(), 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
    let trace = finsim::trace::to_jsonl(&outcome.trace);
    assert!(trace.contains("\"event\":\"partition_started\""), "the trace says when it started");
    assert!(trace.contains("\"cause\":\"partition\""), "the instruction sent across the cut is lost");
    // An event that never happens (an await's block) starts nothing.
    let wait = faults("{ cut: [[cluster_A, cluster_B]], on: { instruction: { plan: 7, n: 2 } }, for_ms: 2500 }")
        .replace(BOND, "await: { ms: 10 }");
    let outcome = finsim::run(&scenario::parse("t.yaml", &wait).unwrap(), 0);
    assert!(!finsim::trace::to_jsonl(&outcome.trace).contains("partition_started"));
    // A crash on an event, restarted later.
    let crash = file(&[HOLD, BOND, RELEASE], "  - plan: { id: 7, status: completed }\n").replace(
        "flow:\n",
        "faults:\n  crashes:\n    - { org: org_2, on: { instruction: { plan: 7, n: 1 } }, restart_after_ms: 1500 }\nflow:\n",
    );
    let outcome = finsim::run(&scenario::parse("t.yaml", &crash).unwrap(), 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
    let trace = finsim::trace::to_jsonl(&outcome.trace);
    assert!(trace.contains("\"event\":\"crashed\"") && trace.contains("\"event\":\"restarted\""));
}

#[test]
fn on_names_declared_ids_and_excludes_the_time_keys_and_cut_excludes_groups() {
    let with = |fault: &str| {
        file(&[HOLD], "  []\n").replace("expect:\n  []\n", "").replace("flow:\n", &format!("faults:\n{fault}flow:\n"))
    };
    let cases = [
        ("  partitions:\n    - { cut: [[org_1, org_2]], groups: [[org_1]], from_ms: 0, until_ms: 5 }\n", "`cut` with `groups`"),
        ("  partitions:\n    - { groups: [[org_1]], on: { settled: 1 }, for_ms: 5 }\n", "no transfer, issue or redeem step has request id 1"),
        ("  partitions:\n    - { groups: [[org_1]], on: { instruction: { plan: 7, n: 2 } }, for_ms: 5 }\n", "plan 7 has no instruction 2"),
        ("  partitions:\n    - { groups: [[org_1]], on: { instruction: { plan: 8, n: 1 } }, for_ms: 5 }\n", "no plan step has id 8"),
        ("  partitions:\n    - { groups: [[org_1]], on: { instruction: { plan: 7, n: 1 } }, from_ms: 3, for_ms: 5 }\n", "`from_ms` with `on`"),
        ("  partitions:\n    - { groups: [[org_1]], on: { instruction: { plan: 7, n: 1 } } }\n", "a partition that starts `on` an event needs `for_ms`, how long it lasts"),
        ("  partitions:\n    - { cut: [[org_1, org_2, cluster_A]], from_ms: 0, until_ms: 5 }\n", "a cut's entry names 3 sides"),
        ("  partitions:\n    - { cut: [[org_1, cluster_A]], from_ms: 0, until_ms: 5 }\n", "org `org_1` is on both sides of this cut"),
        ("  partitions:\n    - { from_ms: 0, until_ms: 5 }\n", "a partition needs `groups` or `cut`"),
        ("  crashes:\n    - { org: org_2, on: { instruction: { plan: 7, n: 1 } }, at_ms: 4 }\n", "`at_ms` with `on`"),
        ("  crashes:\n    - { org: org_2 }\n", "a crash needs `at_ms`"),
    ];
    for (fault, message) in cases {
        let p = problems(&with(fault));
        assert!(p.iter().any(|(_, _, m)| m == message), "{fault}: {p:?}");
    }
}

#[test]
fn every_order_of_the_dvp_is_atomic_and_the_order_that_breaks_a_bad_plan_replays() {
    use finsim::explore::Options;
    let dvp = super::load(&super::root().join("scenarios/plans/dvp-completed.yaml"));
    let found = finsim::Simulator::new().explore(&dvp, dvp.seed, Options::default());
    assert!(found.complete && found.failures.is_empty(), "{found:?}");
    assert!(found.end_states >= 2, "the orders of the plan's messages lead to several end states");
    // The badly designed plan, read as if it were meant to be atomic: the explorer finds an order
    // that breaks it, and the engine replays that order to the same failure.
    let text = std::fs::read_to_string(super::root().join("scenarios/plans/cash-before-bond.yaml")).unwrap();
    let meant = text.replace("  - invariant: { name: atomicity, holds: false }\n", "");
    let scenario = scenario::parse("cash-before-bond.yaml", &meant).unwrap();
    let found = finsim::Simulator::new().explore(&scenario, scenario.seed, Options::default());
    assert!(found.failures.iter().any(|f| f.check == "atomicity"), "{found:?}");
    let schedule = found.counterexample.expect("a counterexample");
    let replayed = finsim::Simulator::new().replay(&scenario, schedule.seed, &schedule).unwrap();
    let failed: Vec<String> = replayed.failures().iter().map(|c| c.name.clone()).collect();
    assert_eq!(failed, schedule.fails);
    assert!(failed.iter().any(|f| f == "atomicity"), "{failed:?}");
}

/// A coordinator with a planted defect: instead of the release, it has the hold rolled back, after
/// the bond (irreversible) moved.
#[derive(Debug, Default)]
struct RevertsAfterTheBond;

impl finsim::library::Misbehaviour for RevertsAfterTheBond {
    fn name(&self) -> &str {
        "reverts_after_the_bond"
    }

    fn after(
        &mut self,
        cx: &finsim::library::Context<'_>,
        _: &finsim::library::Input,
        out: &mut finsim::library::Outbox,
    ) {
        use finsim::protocol::message::Body;
        use finsim::protocol::plan::PlanRollback;
        cx.rewrite_sends(out, self.name(), |m| {
            let Body::PlanExecute(execute) = &m.body else { return None };
            if execute.n != 3 {
                return None;
            }
            let rollback = PlanRollback { plan_hash: execute.plan.hash(), plan: execute.plan.id, holds: vec![1] };
            m.body = Body::PlanRollback(rollback);
            Some(finsim::library::Act::Altered)
        });
    }
}

/// An executor with a planted defect: it answers that an instruction is done with a proof of
/// another transaction (its `hash` zeroed).
#[derive(Debug, Default)]
struct ProvesAnotherTransaction;

impl finsim::library::Misbehaviour for ProvesAnotherTransaction {
    fn name(&self) -> &str {
        "proves_another_transaction"
    }

    fn after(
        &mut self,
        cx: &finsim::library::Context<'_>,
        _: &finsim::library::Input,
        out: &mut finsim::library::Outbox,
    ) {
        use finsim::protocol::message::Body;
        cx.rewrite_sends(out, self.name(), |m| {
            let Body::PlanResult(result) = &mut m.body else { return None };
            let proof = result.proof.as_mut()?;
            let mut other = (**proof).clone();
            other.hash = "00".repeat(32).into();
            *proof = std::sync::Arc::new(other);
            Some(finsim::library::Act::Altered)
        });
    }
}

/// The DvP run with `org` misbehaving as `make` makes (a custom misbehaviour, registered as `name`).
fn dvp_with<M: finsim::library::Misbehaviour + 'static>(name: &str, org: &str, make: fn() -> M) -> finsim::Outcome {
    let simulator = finsim::Simulator::new().misbehaviour(name, make);
    let fault = format!("faults:\n  byzantine:\n    - {{ org: {org}, behaviour: {{ custom: {name} }} }}\nflow:\n");
    let text = file(&[HOLD, BOND, RELEASE], "  []\n").replace("expect:\n  []\n", "").replace("flow:\n", &fault);
    let scenario = simulator.parse("t.yaml", &text).unwrap();
    simulator.run(&scenario, 0)
}

#[test]
fn a_coordinator_that_reverts_after_an_irreversible_instruction_breaks_atomicity() {
    let outcome = dvp_with("reverts_after_the_bond", "org_1", RevertsAfterTheBond::default);
    let atomicity = outcome.invariants.iter().find(|c| c.name == "atomicity").unwrap();
    assert!(!atomicity.passed, "{atomicity:?}");
    assert_eq!(atomicity.detail, "plan 7: instruction(s) 1, 2 on their ledgers, 3 not");
}

#[test]
fn a_done_answer_whose_proof_is_of_another_transaction_is_discarded_by_the_coordinator() {
    let outcome = dvp_with("proves_another_transaction", "org_2", ProvesAnotherTransaction::default);
    let trace = finsim::trace::to_jsonl(&outcome.trace);
    assert!(
        trace.contains(r#""kind":"plan_result","request_id":1000000,"reason":"unbound_proof""#),
        "the coordinator discards it"
    );
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["plans"][0]["status"], "failed", "the bond's leg is never known done: {}", json["plans"]);
    assert_eq!(json["plans"][0]["instructions"][1]["status"], "not_run");
}

#[test]
fn tokens_a_plan_still_holds_stay_their_accounts_held_in_balances_and_answers() {
    // The clusters cut apart for good once the cash is held: the plan fails with the hold in place.
    let text = file(&[HOLD, BOND, RELEASE], "  - balance: { account: \"org_1:100:alice\", asset: \"org_1:101:eur\", equals: 1000 }\n")
        .replace(
            "flow:\n",
            "faults:\n  partitions:\n    - { cut: [[cluster_A, cluster_B]], on: { instruction: { plan: 7, n: 1 } }, for_ms: 600000 }\nflow:\n",
        )
        .replace(
            "expect:\n",
            "  - balance: { org: org_1, cluster: cluster_A, account: \"org_1:100:alice\", asset: \"org_1:101:eur\" }\nexpect:\n",
        );
    let outcome = finsim::run(&scenario::parse("t.yaml", &text).unwrap(), 0);
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["plans"][0]["status"], "failed");
    assert!(outcome.expectations.iter().all(|c| c.passed), "{:?}", outcome.expectations);
    let answered = outcome.trace.iter().find_map(|r| match &r.event {
        finsim::trace::Event::Note(finsim::trace::note::Note::BalanceResult { answer: Some(a), .. }) => Some(*a),
        _ => None,
    });
    let answer = answered.expect("org_1 answers itself");
    assert_eq!((answer.current, answer.available, answer.held), (1000, 500, 500), "the hold is Alice's, held");
    let honest = outcome.invariants.iter().find(|c| c.name == "honest_answers").unwrap();
    assert!(honest.passed, "{honest:?}");
}

#[test]
fn an_executor_whose_receivers_data_never_comes_refuses_the_plan_for_timeout() {
    // Org 2 coordinates the bond's transfer to Alice and checks her data against its rules, but
    // Alice's org is down for good: Org 2's get runs out of retries, and it refuses its own
    // instruction with `timeout`, in an approval it signs.
    let text = format!(
        "{}faults:\n  crashes:\n    - {{ org: org_1, at_ms: 0 }}\nflow:\n  - plan:\n      id: 7\n      org: org_2\n      \
         instructions:\n        - {BOND}\nexpect:\n  - plan: {{ id: 7, status: rejected, reason: timeout }}\n",
        BASE.replace(
            "  - { id: cluster_B, orgs: [org_2] }\n",
            "  - { id: cluster_B, orgs: [org_2] }\norgs:\n  org_2: { regulation: { allowed_countries: [GB] } }\n"
        )
    );
    let scenario = scenario::parse("t.yaml", &text).unwrap();
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, 0);
    assert!(outcome.passed, "{:?}", outcome.failures());
    let files = finsim::evidence::files(text.as_bytes(), &outcome, &material);
    let plans = String::from_utf8(files["plans.jsonl"].clone()).unwrap();
    let line: serde_json::Value = serde_json::from_str(plans.lines().next().unwrap()).unwrap();
    assert_eq!(line["approvals"][0]["signer"], "org_2");
    assert_eq!(line["approvals"][0]["refused"], serde_json::json!({ "n": 1, "reason": "timeout" }), "{line}");
}

/// A source's org that hands on its user's consent with the signature altered.
#[derive(Debug, Default)]
struct AltersConsents;

impl finsim::library::Misbehaviour for AltersConsents {
    fn name(&self) -> &str {
        "alters_consents"
    }

    fn after(
        &mut self,
        cx: &finsim::library::Context<'_>,
        _: &finsim::library::Input,
        out: &mut finsim::library::Outbox,
    ) {
        use finsim::protocol::message::Body;
        cx.rewrite_sends(out, self.name(), |m| {
            let Body::PlanConsent(answer) = &mut m.body else { return None };
            for consent in &mut answer.consents {
                let mut bytes = consent.signature.to_vec();
                bytes[0] ^= 1;
                consent.signature = bytes.into();
            }
            Some(finsim::library::Act::Altered)
        });
    }
}

#[test]
fn a_consent_whose_signature_does_not_verify_rejects_the_plan_for_signature() {
    let outcome = dvp_with("alters_consents", "org_2", AltersConsents::default);
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(
        (&json["plans"][0]["status"], &json["plans"][0]["reason"]),
        (&serde_json::json!("rejected"), &serde_json::json!("signature")),
        "{}",
        json["plans"]
    );
    assert!(!finsim::trace::to_jsonl(&outcome.trace).contains("\"plan_execute\""), "nothing is run");
}
