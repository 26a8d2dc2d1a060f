//! The invariants of execution plans — `atomicity` and `consent` — and what the others read of
//! plans: which ledger transactions are a plan's, which of them are on their ledgers, and when
//! a plan was pending. A plan's transactions are found by their ids, which the plan alone
//! determines (`Plan::ledger_tx`, `Plan::rollback_tx`), not by what any org said of them.

use super::Check;
use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::check::observations::Observations;
use crate::crypto::chainpoint::ChainpointProof;
use crate::crypto::Hash32;
use crate::protocol::ids::{ClusterId, OrgId, ResourceId};
use crate::protocol::message::LedgerTx;
use crate::protocol::plan::{Instructs, Plan, PlanStatus, Reversibility};
use crate::protocol::status::Status;
use crate::scenario::Scenario;
use std::collections::{BTreeMap, BTreeSet};

/// Every plan of the flow (`Scenario::plans`).
pub fn plans(scenario: &Scenario) -> impl Iterator<Item = &Plan> {
    scenario.plans()
}

/// One of a plan's ledger transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanTx<'s> {
    /// The plan.
    pub plan: &'s Plan,
    /// The instruction (or the hold, for a rollback).
    pub n: u32,
    /// Whether it is a hold's rollback.
    pub rollback: bool,
}

/// Every plan's transactions by tx id, and the ledger transactions on every ledger by tx id
/// (with how many times each is there).
pub struct PlanLedgers<'s> {
    /// The plans' transactions.
    pub txs: BTreeMap<Hash32, PlanTx<'s>>,
    /// The same, by (plan id, instruction, rollback): each plan hashed once, not per question.
    by_step: BTreeMap<(u64, u32, bool), Hash32>,
    /// Every transaction on a ledger, by tx id: the transaction and how many times it is there.
    pub on_ledger: BTreeMap<Hash32, (&'s LedgerTx, usize)>,
}

impl<'s> PlanLedgers<'s> {
    /// The plans of `scenario` and what `ledgers` hold.
    pub fn new(scenario: &'s Scenario, ledgers: &'s BTreeMap<ClusterId, LedgerSnapshot>) -> Self {
        let (mut txs, mut by_step) = (BTreeMap::new(), BTreeMap::new());
        for plan in plans(scenario) {
            for (n, _) in plan.numbered() {
                for (rollback, tx) in [(false, plan.ledger_tx(n, 0)), (true, plan.rollback_tx(n, 0))] {
                    if let Some(tx) = tx {
                        txs.insert(tx.tx_id, PlanTx { plan, n, rollback });
                        by_step.insert((plan.id, n, rollback), tx.tx_id);
                    }
                }
            }
        }
        let mut on_ledger: BTreeMap<Hash32, (&LedgerTx, usize)> = BTreeMap::new();
        for tx in ledgers.values().flat_map(|l| l.blocks.iter().flat_map(|b| b.txs.iter())) {
            on_ledger.entry(tx.tx_id).or_insert((tx, 0)).1 += 1;
        }
        Self { txs, by_step, on_ledger }
    }

    /// Whether instruction `n` of `plan` (or the rollback of hold `n`) is on its ledger.
    pub fn holds(&self, plan: &Plan, n: u32, rollback: bool) -> bool {
        self.by_step.get(&(plan.id, n, rollback)).is_some_and(|tx_id| self.on_ledger.contains_key(tx_id))
    }

    /// Whether `tx` is one of a plan's.
    pub fn is_plan_tx(&self, tx: &LedgerTx) -> bool {
        self.txs.contains_key(&tx.tx_id)
    }

    /// What of a plan is on the ledgers: every instruction's effect (`All`), none (`None`), or
    /// some (`Some`, with the instructions there and the holds left in place).
    pub fn effects(&self, plan: &Plan) -> Effects {
        let mut there = Vec::new();
        let mut missing = Vec::new();
        let mut irreversible_there = false;
        let mut holds_left = Vec::new();
        for (n, instruction) in plan.numbered() {
            if instruction.reversibility() == Reversibility::Neither {
                continue;
            }
            let placed = self.holds(plan, n, false);
            if placed {
                there.push(n);
            } else {
                missing.push(n);
            }
            match instruction.reversibility() {
                Reversibility::Irreversible if placed => irreversible_there = true,
                Reversibility::Reversible if placed && !self.holds(plan, n, true) && !self.released(plan, n) => {
                    holds_left.push(n)
                }
                _ => {}
            }
        }
        let rolled_back = plan.numbered().any(|(n, _)| self.holds(plan, n, true));
        if missing.is_empty() && !rolled_back {
            Effects::All
        } else if !irreversible_there && holds_left.is_empty() {
            Effects::None
        } else {
            Effects::Some { there, missing, holds_left }
        }
    }

    /// Whether hold `n` of `plan` was released (a release of it is on its ledger).
    fn released(&self, plan: &Plan, n: u32) -> bool {
        plan.numbered().any(|(m, i)| {
            matches!(i, crate::protocol::plan::Instruction::Release(r) if r.hold == n) && self.holds(plan, m, false)
        })
    }
}

/// What of a plan is on the ledgers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effects {
    /// Every instruction's effect.
    All,
    /// None: no irreversible instruction, and no hold left in place.
    None,
    /// Some but not all.
    Some {
        /// The instructions on their ledgers.
        there: Vec<u32>,
        /// The instructions not on their ledgers.
        missing: Vec<u32>,
        /// The holds placed and neither released nor rolled back.
        holds_left: Vec<u32>,
    },
}

fn numbers(list: &[u32]) -> String {
    list.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// Every plan ends all or nothing on the ledgers: either every instruction's effect is there,
/// or none is (no irreversible instruction of it on any ledger and no hold of it still in place).
pub fn atomicity(scenario: &Scenario, seen: &Observations) -> Check {
    let ledgers = PlanLedgers::new(scenario, &seen.ledgers);
    let mut broken = Vec::new();
    let mut count = 0;
    for plan in plans(scenario) {
        count += 1;
        if let Effects::Some { there, missing, holds_left } = ledgers.effects(plan) {
            let mut why = format!(
                "plan {}: instruction(s) {} on their ledgers, {} not",
                plan.id,
                numbers(&there),
                numbers(&missing)
            );
            if !holds_left.is_empty() {
                why.push_str(&format!(", hold(s) {} still in place", numbers(&holds_left)));
            }
            broken.push(why);
        }
    }
    match broken.is_empty() {
        true => Check::new("atomicity", true, format!("{count} plan(s), each all or nothing on the ledgers")),
        false => Check::new("atomicity", false, broken.join("; ")),
    }
}

/// Every ledger effect of a plan that takes tokens from an account carries a valid signature of
/// that account's user over that plan's hash, re-verified by the witness with keys derived
/// afresh from the seed when the ledger queued it.
pub fn consent(scenario: &Scenario, seen: &Observations) -> Check {
    let ledgers = PlanLedgers::new(scenario, &seen.ledgers);
    let mut broken = Vec::new();
    let mut count = 0;
    for plan in plans(scenario) {
        for (n, instruction) in plan.numbered().filter(|(_, i)| i.takes_from_source()) {
            let Some(tx) = plan.ledger_tx(n, 0) else { continue };
            if !ledgers.on_ledger.contains_key(&tx.tx_id) {
                continue;
            }
            count += 1;
            if !seen.causes.consented.contains(&tx.tx_id) {
                let source = instruction.source(plan).map(ToString::to_string).unwrap_or_default();
                broken.push(format!(
                    "plan {}: instruction {n} ({}) took from {source} without a valid consent of its user",
                    plan.id,
                    instruction.word()
                ));
            }
        }
    }
    match broken.is_empty() {
        true => Check::new("consent", true, format!("{count} debit(s) by plans, each with its user's valid consent")),
        false => Check::new("consent", false, broken.join("; ")),
    }
}

/// The plans' part of `agreement`: the coordinator's status matches the ledgers (`completed`
/// when every effect is there, `rejected` or `reverted` when none is, `failed` when some are).
pub fn disagreements(scenario: &Scenario, seen: &Observations) -> Vec<String> {
    let ledgers = PlanLedgers::new(scenario, &seen.ledgers);
    let mut broken = Vec::new();
    for plan in plans(scenario) {
        let Some((status, _, _)) = seen.plans.get(&plan.id).and_then(|p| p.outcome) else { continue };
        let effects = ledgers.effects(plan);
        let agrees = match status {
            PlanStatus::Completed => effects == Effects::All,
            PlanStatus::Rejected | PlanStatus::Reverted => effects == Effects::None,
            PlanStatus::Failed => matches!(effects, Effects::Some { .. }),
        };
        if !agrees {
            let on = match effects {
                Effects::All => "every effect of it is on the ledgers",
                Effects::None => "none of it is on the ledgers",
                Effects::Some { .. } => "some of it is on the ledgers",
            };
            broken.push(format!("plan {}: its coordinator knows {} but {on}", plan.id, status.word()));
        }
    }
    broken
}

/// The plans' part of `liveness`: every plan final, as its coordinator knows it, by its deadline.
pub fn late(scenario: &Scenario, seen: &Observations) -> Vec<String> {
    let quiet_after = seen.quiet_after_us(scenario);
    let mut broken = Vec::new();
    for plan in plans(scenario) {
        let Some(known) = seen.plans.get(&plan.id).filter(|p| p.coordinator.is_some()) else {
            broken.push(format!("plan {} never started", plan.id));
            continue;
        };
        let deadline = known.started_us.max(quiet_after).saturating_add(scenario.protocol.liveness_us);
        match known.outcome {
            Some((_, _, t_us)) if t_us <= deadline => {}
            Some((_, _, t_us)) => broken.push(format!(
                "plan {} became final at {} ms, after its deadline {} ms",
                plan.id,
                t_us / 1000,
                deadline / 1000
            )),
            None => broken.push(format!("plan {} is not final (deadline {} ms)", plan.id, deadline / 1000)),
        }
    }
    broken
}

/// The plans' part of `holds_released`: no hold of a final plan left in its hold account.
pub fn holds_left(scenario: &Scenario, seen: &Observations) -> Vec<String> {
    let mut broken = Vec::new();
    for plan in plans(scenario) {
        if seen.plans.get(&plan.id).and_then(|p| p.outcome).is_none() {
            continue;
        }
        for (n, _) in plan.numbered() {
            let (Some(hold), Some(account)) = (plan.hold(n), plan.hold_account(n)) else { continue };
            let cluster =
                seen.ledgers.iter().find(|(_, l)| l.balances.contains_key(&(hold.asset.clone(), account.clone())));
            let left = cluster.and_then(|(_, l)| l.balances.get(&(hold.asset.clone(), account.clone()))).copied();
            if let Some(left) = left.filter(|left| *left > 0) {
                broken.push(format!(
                    "{account} still holds {left} of {} for plan {}, which is final",
                    hold.asset, plan.id
                ));
            }
        }
    }
    broken
}

/// The plans' receivers, for `privacy`: (receiver, executor that may ask for its data) → the
/// plans naming them.
pub fn receivers(scenario: &Scenario) -> BTreeMap<(ResourceId, OrgId), Vec<u64>> {
    let mut receivers: BTreeMap<(ResourceId, OrgId), Vec<u64>> = BTreeMap::new();
    for plan in plans(scenario) {
        for (n, instruction) in plan.numbered() {
            if let (Some(receiver), Some(executor)) = (instruction.receiver(), plan.executor(n)) {
                receivers.entry((receiver.clone(), executor.clone())).or_default().push(plan.id);
            }
        }
    }
    receivers
}

/// Whether one of these plans was pending at `t_us` (started, and not known final before).
pub fn pending(seen: &Observations, plans: &[u64], t_us: u64) -> bool {
    plans.iter().any(|id| {
        seen.plans.get(id).is_some_and(|p| {
            p.coordinator.is_some() && p.started_us <= t_us && p.outcome.is_none_or(|(_, _, t)| t >= t_us)
        })
    })
}

/// The plans' transactions on a ledger more than once, for `exactly_once`.
pub fn twice(ledgers: &PlanLedgers<'_>) -> Vec<String> {
    let mut broken = Vec::new();
    for (tx_id, tx) in &ledgers.txs {
        if let Some((_, times)) = ledgers.on_ledger.get(tx_id).filter(|(_, times)| *times > 1) {
            let what =
                if tx.rollback { format!("the rollback of hold {}", tx.n) } else { format!("instruction {}", tx.n) };
            broken.push(format!("plan {}: {what} is on its ledger {times} times", tx.plan.id));
        }
    }
    broken
}

/// The tx ids of every plan's issue and redeem instructions, for `conservation`: their mints
/// and burns are the plan's to make.
pub fn supply_txs(scenario: &Scenario) -> BTreeSet<Hash32> {
    plans(scenario)
        .flat_map(|plan| plan.numbered().filter_map(move |(n, _)| plan.ledger_tx(n, 0)))
        .filter(|tx| tx.mints() || tx.burns())
        .map(|tx| tx.tx_id)
        .collect()
}

/// Every instruction (and rollback) of a plan its coordinator knows as done, with its
/// transaction and the proof it was given, for `valid_proofs`.
pub fn proofs<'s>(
    scenario: &'s Scenario,
    seen: &'s Observations,
) -> impl Iterator<Item = (String, LedgerTx, Option<&'s std::sync::Arc<ChainpointProof>>)> + 's {
    plans(scenario).flat_map(move |plan| {
        let known = seen.plans.get(&plan.id);
        let request_id = known.map_or(0, |k| k.request_id);
        // A rollback of a hold that never reached its ledger is done at height 0, with no proof.
        let proven = |((_, rollback), r): &(&(u32, bool), &crate::check::observations::InstructionSeen)| {
            r.status == Status::Ok && !(*rollback && r.height == Some(0))
        };
        known.into_iter().flat_map(|k| &k.instructions).filter(proven).filter_map(move |((n, rollback), result)| {
            let tx = if *rollback { plan.rollback_tx(*n, request_id) } else { plan.ledger_tx(*n, request_id) }?;
            let what = match rollback {
                true => format!("plan {}'s rollback of hold {n}", plan.id),
                false => format!("plan {}'s instruction {n}", plan.id),
            };
            Some((what, tx, result.proof.as_ref()))
        })
    })
}

#[cfg(test)]
mod tests {
    //! Each plan checker fed ledgers broken on purpose: an executor that ran an instruction
    //! without its consent, a coordinator that went on after a failure, a hold left in place.

    use super::*;
    use crate::actors::cluster_ledger::Block;
    use crate::check::observations::PlanSeen;
    use crate::scenario;

    fn dvp() -> Scenario {
        scenario::parse("dvp-completed.yaml", include_str!("../../../scenarios/plans/dvp-completed.yaml")).unwrap()
    }

    /// Observations whose ledgers hold these transactions of the scenario's plan (instruction,
    /// rollback), each in a block of its own on its asset's cluster.
    fn with(scenario: &Scenario, txs: &[(u32, bool)]) -> Observations {
        let plan = plans(scenario).next().unwrap();
        let mut seen = Observations::for_seed(1);
        for &(n, rollback) in txs {
            let tx = if rollback { plan.rollback_tx(n, 5) } else { plan.ledger_tx(n, 5) }.unwrap();
            let cluster = scenario.orgs[&tx.asset.org].cluster.clone();
            let ledger = seen.ledgers.entry(cluster).or_default();
            let height = ledger.blocks.len() as u64 + 1;
            ledger.blocks.push(Block { height, root: tx.hash(), txs: vec![tx] });
        }
        seen
    }

    fn plan_tx(scenario: &Scenario, n: u32) -> Hash32 {
        plans(scenario).next().unwrap().ledger_tx(n, 0).unwrap().tx_id
    }

    #[test]
    fn atomicity_holds_for_all_or_nothing_and_breaks_on_anything_between() {
        let scenario = dvp();
        for whole in [&[(1, false), (2, false), (3, false)][..], &[], &[(1, false), (1, true)]] {
            assert!(atomicity(&scenario, &with(&scenario, whole)).passed, "{whole:?}");
        }
        let check = atomicity(&scenario, &with(&scenario, &[(1, false)]));
        assert!(!check.passed);
        assert_eq!(check.detail, "plan 7: instruction(s) 1 on their ledgers, 2, 3 not, hold(s) 1 still in place");
        // The bond delivered and the cash never released: a coordinator that stopped after an
        // irreversible instruction.
        let check = atomicity(&scenario, &with(&scenario, &[(1, false), (2, false)]));
        assert!(!check.passed && check.detail.contains("3 not"), "{check:?}");
        // Rolled back after the bond moved: the hold is gone but the transfer stays.
        let check = atomicity(&scenario, &with(&scenario, &[(1, false), (2, false), (1, true)]));
        assert!(!check.passed, "{check:?}");
    }

    #[test]
    fn consent_breaks_on_a_debit_whose_consent_the_witness_did_not_verify() {
        let scenario = dvp();
        let mut seen = with(&scenario, &[(1, false), (2, false), (3, false)]);
        seen.causes.consented.extend([plan_tx(&scenario, 1), plan_tx(&scenario, 2)]);
        let check = consent(&scenario, &seen);
        assert!(check.passed, "{check:?}");
        assert_eq!(check.detail, "2 debit(s) by plans, each with its user's valid consent", "a release needs none");
        // An executor that skipped the consent check: the bond left the treasury unconsented.
        seen.causes.consented.remove(&plan_tx(&scenario, 2));
        let check = consent(&scenario, &seen);
        assert!(!check.passed);
        assert_eq!(
            check.detail,
            "plan 7: instruction 2 (transfer) took from org_2:100:treasury without a valid consent of its user"
        );
    }

    #[test]
    fn the_coordinators_status_must_match_the_ledgers_and_a_final_plan_holds_nothing() {
        let scenario = dvp();
        let known = |status| PlanSeen {
            coordinator: Some(OrgId::from("org_1")),
            request_id: 5,
            started_us: 0,
            instructions: BTreeMap::new(),
            outcome: Some((status, None, 1)),
        };
        let mut seen = with(&scenario, &[(1, false), (2, false), (3, false)]);
        seen.plans.insert(7, known(PlanStatus::Completed));
        assert!(disagreements(&scenario, &seen).is_empty());
        seen.plans.insert(7, known(PlanStatus::Reverted));
        assert_eq!(
            disagreements(&scenario, &seen),
            ["plan 7: its coordinator knows reverted but every effect of it is on the ledgers"]
        );
        let mut seen = with(&scenario, &[(1, false)]);
        seen.plans.insert(7, known(PlanStatus::Failed));
        assert!(disagreements(&scenario, &seen).is_empty(), "failed, and some of it is there");
        let plan = plans(&scenario).next().unwrap();
        let account = plan.hold_account(1).unwrap();
        let ledger = seen.ledgers.values_mut().next().unwrap();
        ledger.balances.insert((ResourceId::parse("org_1:101:eur").unwrap(), account), 9800);
        assert_eq!(
            holds_left(&scenario, &seen),
            ["org_1:100:hold.7.1 still holds 9800 of org_1:101:eur for plan 7, which is final"]
        );
        seen.plans.get_mut(&7).unwrap().outcome = None;
        assert!(holds_left(&scenario, &seen).is_empty(), "a plan still running may hold");
    }

    #[test]
    fn a_plans_instruction_on_its_ledger_twice_breaks_exactly_once() {
        let scenario = dvp();
        let seen = with(&scenario, &[(1, false), (1, false)]);
        let ledgers = PlanLedgers::new(&scenario, &seen.ledgers);
        assert_eq!(twice(&ledgers), ["plan 7: instruction 1 is on its ledger 2 times"]);
    }
}
