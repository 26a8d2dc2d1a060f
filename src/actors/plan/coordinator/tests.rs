use super::*;
use crate::protocol::plan::Await;

fn id(text: &str) -> ResourceId {
    ResourceId::parse(text).unwrap()
}

fn org(name: &str) -> OrgId {
    OrgId::from(name)
}

/// Delivery versus payment: 1 hold cash (org_1), 2 transfer the bond (org_2), 3 release cash.
fn dvp() -> Arc<Plan> {
    Arc::new(crate::protocol::plan::tests::dvp())
}

/// Every approval and consent of the DvP, in.
fn all_in() -> Vec<Event> {
    vec![
        Event::Approved(org("org_1")),
        Event::Approved(org("org_2")),
        Event::Consented(id("org_1:100:alice")),
        Event::Consented(id("org_2:100:treasury")),
    ]
}

/// Feeds `events` in order; returns every act.
fn run(coordinator: &mut Coordinator, events: impl IntoIterator<Item = Event>) -> Vec<Act> {
    events.into_iter().flat_map(|e| coordinator.on(e)).collect()
}

#[test]
fn a_plan_starts_only_once_every_approval_and_consent_is_in_then_runs_in_order() {
    let mut c = Coordinator::new(dvp());
    let mut events = all_in();
    let last = events.pop().unwrap();
    assert_eq!(run(&mut c, events), [], "one consent is still missing");
    assert_eq!(c.on(last), [Act::Send(1)]);
    assert!(c.timeout_applies(), "only a hold is sent");
    assert_eq!(c.on(Event::Done(1)), [Act::Send(2)]);
    assert!(!c.timeout_applies(), "the transfer is irreversible");
    assert_eq!(c.on(Event::Timeout), [], "the timeout no longer applies");
    assert_eq!(c.on(Event::Done(2)), [Act::Send(3)]);
    assert_eq!(c.on(Event::Done(3)), [Act::Final(PlanStatus::Completed, None)]);
    assert_eq!(c.outcome(), Some((PlanStatus::Completed, None)));
    assert_eq!(c.on(Event::Done(3)), [], "over is over");
}

#[test]
fn a_refusal_rejects_with_the_reason_of_the_lowest_refused_instruction_once_all_is_in() {
    let mut c = Coordinator::new(dvp());
    let refusals = [
        Event::Refused { org: org("org_2"), n: 2, reason: Status::Regulation },
        Event::ConsentFailed(id("org_1:100:alice")),
        Event::Approved(org("org_1")),
    ];
    assert_eq!(run(&mut c, refusals), [], "the treasury's consent is not in");
    let acts = c.on(Event::Consented(id("org_2:100:treasury")));
    assert_eq!(acts, [Act::Final(PlanStatus::Rejected, Some(Status::Signature))], "alice's hold is instruction 1");
}

#[test]
fn answers_from_parties_the_plan_does_not_name_and_second_answers_change_nothing() {
    let mut c = Coordinator::new(dvp());
    let noise = [
        Event::Approved(org("org_3")),
        Event::Consented(id("org_3:100:mallory")),
        Event::Approved(org("org_1")),
        Event::Refused { org: org("org_1"), n: 1, reason: Status::Denied },
        Event::Done(1),
    ];
    assert_eq!(run(&mut c, noise), []);
    let rest = [Event::Approved(org("org_2")), Event::Consented(id("org_1:100:alice"))];
    assert_eq!(run(&mut c, rest), []);
    assert_eq!(c.on(Event::Consented(id("org_2:100:treasury"))), [Act::Send(1)], "org_1's first answer stands");
}

#[test]
fn unanswered_approvals_or_consents_and_the_timeout_reject_before_the_start() {
    let mut c = Coordinator::new(dvp());
    let events = [
        Event::Approved(org("org_1")),
        Event::ApprovalUnanswered(org("org_2")),
        Event::Consented(id("org_1:100:alice")),
        Event::ConsentUnanswered(id("org_2:100:treasury")),
    ];
    assert_eq!(run(&mut c, events), [Act::Final(PlanStatus::Rejected, Some(Status::Timeout))]);
    let mut c = Coordinator::new(dvp());
    assert_eq!(c.on(Event::Timeout), [Act::Final(PlanStatus::Rejected, Some(Status::Timeout))]);
}

#[test]
fn a_failure_before_anything_irreversible_is_done_reverts_every_hold_sent() {
    // The hold fails for balance: it is rolled back (a hold that never reached its ledger is
    // answered as rolled back), and the plan is reverted with that reason.
    let mut c = Coordinator::new(dvp());
    run(&mut c, all_in());
    assert_eq!(c.on(Event::Failed { n: 1, reason: Status::Balance }), [Act::Rollback(1)]);
    assert_eq!(c.on(Event::Done(2)), [], "no instruction answer counts while reverting");
    assert_eq!(c.on(Event::RolledBack(1)), [Act::Final(PlanStatus::Reverted, Some(Status::Balance))]);
    // The bond transfer, sent after the hold, fails: nothing irreversible is done, so it reverts.
    let mut c = Coordinator::new(dvp());
    run(&mut c, all_in());
    c.on(Event::Done(1));
    assert_eq!(c.on(Event::Failed { n: 2, reason: Status::Denied }), [Act::Rollback(1)]);
    assert_eq!(c.on(Event::RolledBack(1)), [Act::Final(PlanStatus::Reverted, Some(Status::Denied))]);
}

#[test]
fn the_timeout_reverts_until_the_first_irreversible_instruction_is_sent() {
    let mut c = Coordinator::new(dvp());
    run(&mut c, all_in());
    assert_eq!(c.on(Event::Timeout), [Act::Rollback(1)]);
    assert_eq!(c.on(Event::RollbackUnanswered(1)), [Act::Final(PlanStatus::Failed, Some(Status::Timeout))]);
}

#[test]
fn after_an_irreversible_instruction_is_done_a_failure_fails_the_plan() {
    let mut c = Coordinator::new(dvp());
    run(&mut c, all_in());
    run(&mut c, [Event::Done(1), Event::Done(2)]);
    assert_eq!(
        c.on(Event::Failed { n: 3, reason: Status::Balance }),
        [Act::Final(PlanStatus::Failed, Some(Status::Balance))]
    );
    // An irreversible instruction left unanswered fails it too: nobody knows if it happened.
    let mut c = Coordinator::new(dvp());
    run(&mut c, all_in());
    c.on(Event::Done(1));
    assert_eq!(c.on(Event::InstructionUnanswered(2)), [Act::Final(PlanStatus::Failed, Some(Status::Timeout))]);
    // A hold left unanswered before that reverts it.
    let mut c = Coordinator::new(dvp());
    run(&mut c, all_in());
    assert_eq!(c.on(Event::InstructionUnanswered(1)), [Act::Rollback(1)]);
}

#[test]
fn an_await_waits_and_the_timeout_still_applies_during_it() {
    let mut plan = (*dvp()).clone();
    plan.instructions.insert(1, Instruction::Await(Await { ms: 500 }));
    let mut c = Coordinator::new(Arc::new(plan.clone()));
    run(&mut c, all_in());
    assert_eq!(c.on(Event::Done(1)), [Act::Wait { n: 2, ms: 500 }]);
    assert_eq!(c.on(Event::AwaitOver(2)), [Act::Send(3)]);
    let mut c = Coordinator::new(Arc::new(plan));
    run(&mut c, all_in());
    c.on(Event::Done(1));
    assert_eq!(c.on(Event::Timeout), [Act::Rollback(1)], "an await is not irreversible");
}

#[test]
fn a_plan_without_holds_reverts_at_once_and_one_without_consents_starts_on_approvals() {
    let plan = Plan {
        instructions: vec![Instruction::Issue(crate::protocol::plan::Issue {
            asset: id("org_2:101:bond"),
            to: id("org_1:100:alice"),
            quantity: 5,
        })],
        ..(*dvp()).clone()
    };
    let mut c = Coordinator::new(Arc::new(plan));
    assert_eq!(c.on(Event::Approved(org("org_2"))), [Act::Send(1)], "an issue takes from nobody");
    assert_eq!(
        c.on(Event::Failed { n: 1, reason: Status::Denied }),
        [Act::Final(PlanStatus::Reverted, Some(Status::Denied))]
    );
}

#[test]
fn a_plan_of_awaits_alone_starts_at_once_and_only_then() {
    let waits = Plan { instructions: vec![Instruction::Await(Await { ms: 5 })], ..(*dvp()).clone() };
    let mut c = Coordinator::new(Arc::new(waits));
    assert_eq!(c.start_empty(), [Act::Wait { n: 1, ms: 5 }], "nobody to approve, nobody to consent");
    assert_eq!(c.start_empty(), [], "it started already");
    assert_eq!(c.on(Event::AwaitOver(1)), [Act::Final(PlanStatus::Completed, None)]);
    let mut c = Coordinator::new(dvp());
    assert_eq!(c.start_empty(), [], "a plan with executors waits for their approvals");
    // An issue: an executor to approve, nobody to consent; it waits for the approval.
    let issue = crate::protocol::plan::Issue { asset: id("org_2:101:bond"), to: id("org_1:100:alice"), quantity: 5 };
    let mut c = Coordinator::new(Arc::new(Plan { instructions: vec![Instruction::Issue(issue)], ..(*dvp()).clone() }));
    assert_eq!(c.start_empty(), []);
}
