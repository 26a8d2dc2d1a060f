use super::*;

fn id(text: &str) -> ResourceId {
    ResourceId::parse(text).unwrap()
}

/// The contract's delivery versus payment: cash held, the bond transferred, the cash released
/// (plan 7 of org_1; the coordinator's tests use it too).
pub(crate) fn dvp() -> Plan {
    Plan {
        id: 7,
        coordinator: OrgId::from("org_1"),
        timeout_ms: 10_000,
        instructions: vec![
            Instruction::Hold(Hold { asset: id("org_1:101:eur"), from: id("org_1:100:alice"), quantity: 9800 }),
            Instruction::Transfer(Transfer {
                asset: id("org_2:101:bond"),
                from: id("org_2:100:treasury"),
                to: id("org_1:100:alice"),
                quantity: 100,
            }),
            Instruction::Release(Release { hold: 1, to: id("org_2:100:treasury") }),
        ],
    }
}

#[test]
fn every_kind_is_written_with_its_registry_word() {
    let plan = Plan {
        instructions: vec![
            Instruction::Hold(Hold { asset: id("o:101:a"), from: id("o:100:u"), quantity: 1 }),
            Instruction::Release(Release { hold: 1, to: id("o:100:v") }),
            Instruction::Transfer(Transfer {
                asset: id("o:101:a"),
                from: id("o:100:u"),
                to: id("o:100:v"),
                quantity: 1,
            }),
            Instruction::Issue(Issue { asset: id("o:101:a"), to: id("o:100:u"), quantity: 1 }),
            Instruction::Redeem(Redeem { asset: id("o:101:a"), from: id("o:100:u"), quantity: 1 }),
            Instruction::Await(Await { ms: 5 }),
        ],
        ..dvp()
    };
    let words: Vec<&str> = plan.instructions.iter().map(Instruction::word).collect();
    assert_eq!(words, Instruction::WORDS, "one sample per kind, in the registry's order");
    for instruction in &plan.instructions {
        let json = serde_json::to_value(instruction).unwrap();
        let key = json.as_object().unwrap().keys().next().unwrap().clone();
        assert_eq!(key, instruction.word(), "serde writes the registry's word");
    }
}

#[test]
fn a_release_reads_its_hold_and_only_takers_need_consent() {
    let plan = dvp();
    let release = plan.instruction(3).unwrap();
    assert_eq!(release.asset(&plan), Some(&id("org_1:101:eur")));
    assert_eq!(release.source(&plan), Some(&id("org_1:100:alice")));
    assert_eq!(release.quantity(&plan), Some(9800));
    assert_eq!(release.receiver(), Some(&id("org_2:100:treasury")));
    let executors: Vec<&str> = plan.executors().into_iter().map(|o| o.as_str()).collect();
    assert_eq!(executors, ["org_1", "org_2"]);
    let consenting: Vec<String> = plan.consenting_accounts().into_iter().map(ToString::to_string).collect();
    assert_eq!(consenting, ["org_1:100:alice", "org_2:100:treasury"]);
    assert_eq!(plan.first_irreversible(), Some(2), "the hold is reversible, the transfer is not");
    assert_eq!(plan.instruction(0), None);
    assert_eq!(plan.instruction(4), None);
}

#[test]
fn a_hold_pays_its_hold_account_which_a_release_or_a_rollback_empties() {
    let plan = dvp();
    let account = plan.hold_account(1).unwrap();
    assert_eq!(account.to_string(), "org_1:100:hold.7.1");
    assert_eq!(plan.hold_account(2), None, "instruction 2 is no hold");
    let hold = plan.ledger_tx(1, 70).unwrap();
    assert_eq!(
        (hold.source.clone(), hold.destination.clone(), hold.quantity),
        (id("org_1:100:alice"), account.clone(), 9800)
    );
    assert_eq!(hold.submitter.as_str(), "org_1");
    let release = plan.ledger_tx(3, 72).unwrap();
    assert_eq!((release.source.clone(), release.destination.clone()), (account.clone(), id("org_2:100:treasury")));
    let rollback = plan.rollback_tx(1, 73).unwrap();
    assert_eq!((rollback.source.clone(), rollback.destination.clone()), (account, id("org_1:100:alice")));
    assert_ne!(rollback.tx_id, hold.tx_id, "a rollback is a transaction of its own");
    assert_eq!(plan.rollback_tx(2, 74), None, "only a hold rolls back");
    let ids: BTreeSet<Hash32> = (1..=3).filter_map(|n| plan.ledger_tx(n, 0)).map(|tx| tx.tx_id).collect();
    assert_eq!(ids.len(), 3, "every instruction has its own transaction id");
}

#[test]
fn mints_and_burns_are_written_as_the_steps_write_them() {
    let plan = Plan {
        instructions: vec![
            Instruction::Issue(Issue { asset: id("o:101:a"), to: id("o:100:u"), quantity: 5 }),
            Instruction::Await(Await { ms: 100 }),
            Instruction::Redeem(Redeem { asset: id("o:101:a"), from: id("o:100:u"), quantity: 2 }),
        ],
        ..dvp()
    };
    let mint = plan.ledger_tx(1, 1).unwrap();
    assert!(mint.mints() && !mint.burns());
    assert_eq!(plan.ledger_tx(2, 2), None, "an await touches no ledger");
    assert_eq!(plan.executor(2), None);
    let burn = plan.ledger_tx(3, 3).unwrap();
    assert!(burn.burns() && !burn.mints());
    assert_eq!(plan.instruction(2).unwrap().reversibility(), Reversibility::Neither);
    let consenting: Vec<String> = plan.consenting_accounts().into_iter().map(ToString::to_string).collect();
    assert_eq!(consenting, ["o:100:u"], "an issue takes from nobody; a redeem from its holder");
}

#[test]
fn the_hash_covers_every_field() {
    let plan = dvp();
    assert_eq!(plan.hash(), Hash32::of(&plan.canonical_bytes()));
    let mut changed = vec![Plan { id: 8, ..dvp() }, Plan { coordinator: OrgId::from("org_2"), ..dvp() }];
    changed.push(Plan { timeout_ms: 1, ..dvp() });
    let mut swapped = dvp();
    swapped.instructions.swap(0, 1);
    changed.push(swapped);
    let mut quantity = dvp();
    if let Instruction::Hold(hold) = &mut quantity.instructions[0] {
        hold.quantity = 9801;
    }
    changed.push(quantity);
    for other in changed {
        assert_ne!(other.hash(), plan.hash(), "{other:?}");
    }
}
