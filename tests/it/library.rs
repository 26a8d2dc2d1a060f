//! The library API: custom misbehaviours and invariants by name, and scripted runs.

use finsim::library::Outgoing;
use finsim::library::{Act, Context, Evidence, Misbehaviour};
use finsim::library::{Input, Outbox};
use finsim::protocol::message::Body;
use finsim::scenario::SAMPLE_FLOW;
use finsim::Simulator;

/// Answers every balance request with 0 tokens, correctly signed.
#[derive(Debug, Default)]
struct ZeroBalance;

impl Misbehaviour for ZeroBalance {
    fn name(&self) -> &str {
        "zero_balance"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        cx.rewrite_sends(out, "zero_balance", |m| match &mut m.body {
            Body::BalanceAnswer(a) if a.current > 0 => {
                let truth = a.current;
                (a.current, a.available) = (0, 0);
                Some(Act::Lied { told: 0, truth })
            }
            _ => None,
        });
    }
}

const LIAR: &str = "scenarios/faults/lying-balance-node.yaml";

fn liar_text(behaviour: &str) -> String {
    let text = std::fs::read_to_string(super::root().join(LIAR)).unwrap();
    assert!(text.contains("behaviour: wrong_balance"));
    text.replace("behaviour: wrong_balance", behaviour)
}

#[test]
fn a_custom_misbehaviour_named_by_a_scenario_runs_in_its_org_and_is_outvoted() {
    let simulator = Simulator::new().misbehaviour("zero_balance", ZeroBalance::default);
    let scenario = simulator.parse(LIAR, &liar_text("behaviour: { custom: zero_balance }")).unwrap();
    let outcome = simulator.run(&scenario, scenario.seed);
    let lies = outcome.trace.iter().filter(|r| format!("{:?}", r.event).contains("\"zero_balance\"")).count();
    assert!(lies > 0, "its departures are in the trace under its name");
    assert!(outcome.suspects.contains(&"org_4".to_owned()), "the honest majority flags it: {:?}", outcome.suspects);
}

#[test]
fn a_custom_name_nobody_registered_is_an_error_at_its_place() {
    let text = liar_text("behaviour: { custom: zero_balance }");
    let error = finsim::scenario::parse(LIAR, &text).unwrap_err().render();
    assert!(error.contains("unknown custom misbehaviour `zero_balance`"), "{error}");
    assert!(error.contains(":30:"), "line and column of the name: {error}");
    let other = Simulator::new().misbehaviour("other", ZeroBalance::default);
    let error = other.parse(LIAR, &text).unwrap_err().render();
    assert!(error.contains("registered: other"), "{error}");
}

#[test]
fn a_custom_invariant_is_reported_after_the_built_in_ones_and_can_be_expected_to_break() {
    let never = |_: &Evidence<'_>| Err::<String, String>("always broken".into());
    let simulator = Simulator::new().invariant("never_holds", never);
    let scenario = simulator.parse("sample", SAMPLE_FLOW).unwrap();
    let outcome = simulator.run(&scenario, 0);
    let names: Vec<&str> = outcome.invariants.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.last(), Some(&"never_holds"));
    assert_eq!(names.len(), 12, "the eleven built-in ones first");
    assert!(!outcome.passed, "a broken custom invariant fails the run");
    let expecting = SAMPLE_FLOW.replace("expect:\n", "expect:\n  - invariant: { name: never_holds, holds: false }\n");
    let scenario = simulator.parse("sample", &expecting).unwrap();
    assert!(simulator.run(&scenario, 0).passed, "an expected break passes");
    assert!(finsim::scenario::parse("sample", &expecting).is_err(), "unregistered, the name is unknown");
}

#[test]
fn a_simulator_without_extensions_runs_exactly_what_finsim_runs() {
    let scenario = finsim::scenario::parse("sample", SAMPLE_FLOW).unwrap();
    assert_eq!(Simulator::new().run(&scenario, 3).digest, finsim::run(&scenario, 3).digest);
    let script = Simulator::new();
    assert_eq!(script.script(&scenario, 3).finish().digest, finsim::run(&scenario, 3).digest, "an idle script too");
}

#[test]
fn every_kind_of_run_the_simulator_makes_carries_its_invariants_and_its_settings() {
    let never = |_: &Evidence<'_>| Err::<String, String>("always broken".into());
    let simulator = Simulator::new().invariant("never_holds", never);
    let scenario = simulator.parse("sample", SAMPLE_FLOW).unwrap();
    let broken = |outcome: &finsim::Outcome| outcome.failures().iter().any(|c| c.name == "never_holds");
    assert!(broken(&simulator.run(&scenario, 0)), "run");
    assert!(broken(&simulator.stream(&scenario, 0, &mut |_, _| {})), "stream");
    assert!(broken(&simulator.evidence(&scenario, 0).0), "evidence");
    let report = simulator.report(&scenario, 0, "sample.yaml");
    assert!(broken(&report.outcome), "report");
    let checks = String::from_utf8(report.csv(&scenario)["checks.csv"].clone()).unwrap();
    assert!(checks.lines().any(|l| l.contains("never_holds") && l.contains("always broken")), "{checks}");
    assert!(report.html.contains("never_holds"), "the page names the broken invariant");
    assert!(broken(&simulator.script(&scenario, 0).finish()), "script");
    let mut swept = Vec::new();
    let summary = simulator
        .sweep(&scenario, 0..=2, 2, &mut |seed| {
            swept.push((seed.seed, seed.failed.iter().any(|c| c.name == "never_holds")));
            true
        })
        .unwrap();
    assert_eq!((summary.passed, summary.failed), (0, 3));
    assert_eq!(swept, [(0, true), (1, true), (2, true)], "sweep, in seed order");
    let exploration = simulator.explore(&scenario, 0, finsim::explore::Options::default());
    assert!(exploration.failures.iter().any(|f| f.check == "never_holds"), "explore: {:?}", exploration.failures);
    let schedule = exploration.counterexample.expect("a failing end state's schedule");
    assert!(broken(&simulator.replay(&scenario, 0, &schedule).unwrap()), "replay");
    assert!(!broken(&Simulator::new().replay(&scenario, 0, &schedule).unwrap()), "not registered, not checked");

    // The engine alone sends what a checked run sends.
    assert_eq!(simulator.measure(&scenario, 0), simulator.run(&scenario, 0).messages, "measure");
    let shown = format!("{simulator:?}");
    assert!(shown.contains("never_holds"), "a simulator shows what it registered: {shown}");

    // The settings reach every run too: a budget too small for the flow stops each one.
    let starved = Simulator::new().settings(finsim::simulator::Budget {
        max_events: 10,
        events_per_step: 0,
        ..Default::default()
    });
    let stopped = |outcome: &finsim::Outcome| outcome.failures().iter().any(|c| c.name == "finished");
    assert!(stopped(&starved.run(&scenario, 0)), "run");
    assert!(stopped(&starved.stream(&scenario, 0, &mut |_, _| {})), "stream");
    assert!(stopped(&starved.evidence(&scenario, 0).0), "evidence");
    assert!(stopped(&starved.script(&scenario, 0).finish()), "script");
    let summary = starved.sweep(&scenario, 0..=1, 1, &mut |_| true).unwrap();
    assert_eq!(summary.failed, 2, "sweep");
}
#[test]
fn a_script_that_crashes_the_asset_org_mid_transfer_and_restarts_it_still_settles_once() {
    let simulator = Simulator::new();
    let scenario = simulator.parse("sample", SAMPLE_FLOW).unwrap();
    let run = || {
        let mut script = simulator.script(&scenario, 0);
        script.run_until_ms(25);
        script.crash("org_2").unwrap();
        script.run_until_ms(3_000);
        assert!(script.transfer(10101).is_none(), "the asset's org is down");
        assert!(script.restart("org_4").is_err(), "org_4 is not down");
        script.restart("org_2").unwrap();
        script.finish()
    };
    let (first, second) = (run(), run());
    assert!(first.passed, "{:?}", first.failures());
    assert!(first.stats.retries > 0 && first.stats.dropped > 0);
    assert_eq!(first.digest, second.digest, "a script is as deterministic as a file");
    assert_ne!(first.digest, finsim::run(&scenario, 0).digest);
}

#[test]
fn a_partition_the_script_never_repairs_ends_in_timeout_and_the_checks_see_it() {
    let simulator = Simulator::new();
    let scenario = simulator.parse("sample", SAMPLE_FLOW).unwrap();
    let mut script = simulator.script(&scenario, 0);
    assert!(script.partition(&[&["cluster_A"], &["nowhere"]]).is_err(), "unknown names are refused");
    script.run_until_ms(25);
    script.partition(&[&["org_1"]]).unwrap();
    let ledger = script.ledger("cluster_B").unwrap();
    assert!(ledger.blocks.is_empty(), "nothing settled yet");
    let outcome = script.finish();
    assert!(!outcome.passed);
    let transfer = outcome.expectations.iter().find(|c| c.name.starts_with("transfer 10101")).unwrap();
    assert!(transfer.detail.starts_with("rejected (timeout)"), "{}", transfer.detail);
}

/// Re-seals every balance answer with a key that is not the org's own.
#[derive(Debug, Default)]
struct ForgedAnswers;

impl Misbehaviour for ForgedAnswers {
    fn name(&self) -> &str {
        "forged_answers"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        for send in &mut out.sends {
            if let Outgoing::Message(message) = &send.outgoing {
                if message.body.kind() == finsim::protocol::message::Kind::BalanceAnswer {
                    send.outgoing = Outgoing::Sealed(cx.forge((**message).clone()));
                }
            }
        }
    }
}

#[test]
fn a_misbehaviour_that_forges_is_never_believed_and_is_suspected() {
    let simulator = Simulator::new().misbehaviour("forged_answers", ForgedAnswers::default);
    let scenario = simulator.parse(LIAR, &liar_text("behaviour: { custom: forged_answers }")).unwrap();
    let outcome = simulator.run(&scenario, scenario.seed);
    assert!(outcome.stats.bad_signatures > 0, "its answers fail their signature: {:?}", outcome.stats);
    assert!(outcome.suspects.contains(&"org_4".to_owned()), "{:?}", outcome.suspects);
}

/// An asset's org that settles honestly on its ledger but sends a proof that is not of the
/// buyer's transaction: the block root as a bare hash, or another transaction's hash.
#[derive(Debug)]
struct ForeignProof {
    root_as_hash: bool,
}

impl Misbehaviour for ForeignProof {
    fn name(&self) -> &str {
        "foreign_proof"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        let root_as_hash = self.root_as_hash;
        cx.rewrite_sends(out, "foreign_proof", |m| {
            let Body::Settlement(settlement) = &mut m.body else { return None };
            let proof = std::sync::Arc::make_mut(settlement.proof.as_mut()?);
            if root_as_hash {
                let (root, _) = proof.replay()?;
                proof.hash = root.to_hex().into();
                proof.branches[0].ops.retain(|op| matches!(op, finsim::crypto::chainpoint::Op::Anchors(_)));
            } else {
                proof.hash = finsim::crypto::Hash32::of(b"another transaction").to_hex().into();
            }
            Some(Act::Altered)
        });
    }
}

#[test]
fn a_buyers_org_takes_no_proof_that_is_not_of_its_own_transaction() {
    for root_as_hash in [true, false] {
        let simulator = Simulator::new().misbehaviour("foreign_proof", move || ForeignProof { root_as_hash });
        let text = format!(
            "{SAMPLE_FLOW}faults:\n  byzantine:\n    - {{ org: org_2, behaviour: {{ custom: foreign_proof }} }}\n"
        );
        let scenario = simulator.parse("foreign-proof.yaml", &text).unwrap_or_else(|e| panic!("{}", e.render()));
        let outcome = simulator.run(&scenario, scenario.seed);
        let refused = outcome.trace.iter().any(|r| {
            matches!(&r.event, finsim::trace::Event::Note(finsim::trace::note::Note::Discarded {
                reason: finsim::trace::note::Discard::UnboundProof, at, ..
            }) if at.to_string() == "org_1")
        });
        assert!(refused, "root as hash: {root_as_hash}: org_1 refused the proof");
        let transfer = outcome.expectations.iter().find(|c| c.name.starts_with("transfer 10101")).unwrap();
        assert!(!transfer.passed, "the transfer is not settled for the buyer: {transfer:?}");
    }
}
