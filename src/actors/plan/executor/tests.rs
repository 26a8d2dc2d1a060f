use super::*;
use crate::protocol::ids::{OrgId, ResourceId};
use crate::protocol::plan::{Hold, Instruction, Transfer};

fn id(text: &str) -> ResourceId {
    ResourceId::parse(text).unwrap()
}

/// 1 hold cash, 2 transfer cash: both run by org_1.
fn plan() -> Arc<Plan> {
    Arc::new(Plan {
        id: 3,
        coordinator: OrgId::from("org_1"),
        timeout_ms: 10_000,
        instructions: vec![
            Instruction::Hold(Hold { asset: id("org_1:101:eur"), from: id("org_1:100:alice"), quantity: 10 }),
            Instruction::Transfer(Transfer {
                asset: id("org_1:101:eur"),
                from: id("org_1:100:alice"),
                to: id("org_1:100:bob"),
                quantity: 5,
            }),
        ],
    })
}

#[test]
fn an_instruction_is_submitted_once_and_a_resent_one_is_answered_with_where_it_stands() {
    let mut e = Execution::new(plan());
    assert_eq!(e.on(Event::Execute(1)), [Act::Submit(1)]);
    assert_eq!(e.on(Event::Execute(1)), [Act::Answer(1, Progress::Pending)], "pending: nothing submitted again");
    assert_eq!(e.on(Event::Settled { n: 1, height: 4 }), [Act::Answer(1, Progress::Done { height: 4 })]);
    assert_eq!(e.on(Event::Settled { n: 1, height: 5 }), [], "one block holds it");
    assert_eq!(e.on(Event::Execute(1)), [Act::Answer(1, Progress::Done { height: 4 })]);
    assert_eq!(e.on(Event::Execute(2)), [Act::Submit(2)]);
    let refused = Progress::Failed(Status::Balance);
    assert_eq!(e.on(Event::Refused { n: 2, reason: Status::Balance }), [Act::Answer(2, refused)]);
    assert_eq!(e.progress(2), Some(refused));
    assert_eq!(e.on(Event::Execute(9)), [Act::Answer(9, Progress::Failed(Status::Denied))], "no such instruction");
}

#[test]
fn a_hold_on_the_ledger_is_rolled_back_there_and_one_never_placed_is_answered_at_once() {
    let mut e = Execution::new(plan());
    e.on(Event::Execute(1));
    e.on(Event::Settled { n: 1, height: 2 });
    assert_eq!(e.on(Event::Rollback(1)), [Act::SubmitRollback(1)]);
    assert_eq!(e.on(Event::Rollback(1)), [Act::AnswerRollback(1, Progress::Pending)]);
    assert_eq!(e.on(Event::RolledBack { n: 1, height: 3 }), [Act::AnswerRollback(1, Progress::Done { height: 3 })]);
    assert_eq!(e.on(Event::Rollback(2)), [], "instruction 2 is no hold");
    // Never received: answered rolled back, and refused if it arrives later.
    let mut e = Execution::new(plan());
    assert_eq!(e.on(Event::Rollback(1)), [Act::AnswerRollback(1, Progress::Done { height: 0 })]);
    assert_eq!(e.on(Event::Execute(1)), [Act::Answer(1, Progress::Failed(Status::Denied))]);
}

#[test]
fn a_rollback_asked_while_the_hold_is_pending_follows_its_fate() {
    let mut e = Execution::new(plan());
    e.on(Event::Execute(1));
    assert_eq!(e.on(Event::Rollback(1)), []);
    let acts = e.on(Event::Settled { n: 1, height: 2 });
    assert_eq!(acts, [Act::Answer(1, Progress::Done { height: 2 }), Act::SubmitRollback(1)]);
    let mut e = Execution::new(plan());
    e.on(Event::Execute(1));
    e.on(Event::Rollback(1));
    let acts = e.on(Event::Refused { n: 1, reason: Status::Balance });
    let failed = Progress::Failed(Status::Balance);
    assert_eq!(acts, [Act::Answer(1, failed), Act::AnswerRollback(1, Progress::Done { height: 0 })]);
}

#[test]
fn after_a_revert_every_instruction_not_yet_sent_is_refused() {
    let mut e = Execution::new(plan());
    e.on(Event::Execute(1));
    e.on(Event::Final { reverted: true });
    assert_eq!(e.on(Event::Execute(2)), [Act::Answer(2, Progress::Failed(Status::Denied))]);
    assert_eq!(e.on(Event::Execute(1)), [Act::Answer(1, Progress::Pending)], "what was sent stays as it stands");
    let mut e = Execution::new(plan());
    e.on(Event::Final { reverted: false });
    assert_eq!(e.on(Event::Execute(1)), [Act::Submit(1)]);
}
