//! The coordinator's decisions for one plan. It starts collecting approvals (one per
//! executor) and consents (one per account that gives tokens); once every one is in, or one
//! refuses, it either rejects the plan or executes its instructions one at a time, in order.
//! Until the first irreversible instruction is sent, a failure or the plan's timeout reverts
//! the plan (every hold sent is rolled back); once one is sent, only its own failure (nothing
//! reached the ledger) still reverts; once one is done, the plan only goes forward, and any
//! later failure fails it.

use crate::protocol::ids::{OrgId, ResourceId};
pub use crate::protocol::plan::PlanStatus;
use crate::protocol::plan::{Instruction, Instructs, Plan, Reversibility};
use crate::protocol::status::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What the coordinator hears about its plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// An executor approved every instruction of its own.
    Approved(OrgId),
    /// An executor refused its instructions; `n` is its lowest refused one.
    Refused {
        /// The executor.
        org: OrgId,
        /// The instruction's number.
        n: u32,
        /// Why (`permission` is `denied`, or `regulation`).
        reason: Status,
    },
    /// An executor's approval went unanswered through every retry.
    ApprovalUnanswered(OrgId),
    /// An account's user signed the plan's hash, and the signature verifies.
    Consented(ResourceId),
    /// An account's consent does not verify (or its user refused to sign).
    ConsentFailed(ResourceId),
    /// An account's consent went unanswered through every retry.
    ConsentUnanswered(ResourceId),
    /// Instruction `n` is on its ledger.
    Done(u32),
    /// Instruction `n` was refused by its executor or its ledger: nothing reached the ledger.
    Failed {
        /// The instruction's number.
        n: u32,
        /// Why.
        reason: Status,
    },
    /// Instruction `n` went unanswered through every retry.
    InstructionUnanswered(u32),
    /// The await at instruction `n` is over.
    AwaitOver(u32),
    /// Hold `n` is rolled back (or never reached its ledger).
    RolledBack(u32),
    /// The rollback of hold `n` went unanswered through every retry.
    RollbackUnanswered(u32),
    /// The plan's timeout fired.
    Timeout,
}

/// What the coordinator does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Act {
    /// Send instruction `n` to its executor (with the plan, approvals and consents).
    Send(u32),
    /// Wait `ms` for the await at instruction `n`, then tell `AwaitOver(n)`.
    Wait {
        /// The await's number.
        n: u32,
        /// How long.
        ms: u64,
    },
    /// Have hold `n` rolled back by its executor.
    Rollback(u32),
    /// The plan is over: tell every executor and every source's org.
    Final(PlanStatus, Option<Status>),
}

/// Who answers the coordinator before a plan starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Party {
    /// An executor, with its approval.
    Executor(OrgId),
    /// An account that gives tokens, with its user's consent.
    Account(ResourceId),
}

/// Where the plan stands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Phase {
    /// Approvals and consents coming in.
    Collecting,
    /// Instruction `n` sent (or its await running).
    Executing(u32),
    /// Rolling back the holds sent, for `reason`.
    Reverting(Status),
    /// Over.
    Over(PlanStatus, Option<Status>),
}

/// One plan's coordination: what is in, what is sent, what is done.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Coordinator {
    plan: Arc<Plan>,
    phase: Phase,
    /// Every executor's and consenting account's answer so far: `None` approved or consented,
    /// else the lowest instruction it refuses and why.
    answers: BTreeMap<Party, Option<(u32, Status)>>,
    /// Holds sent (whether or not known done).
    holds_sent: BTreeSet<u32>,
    /// Holds whose rollback is not yet answered.
    rolling: BTreeSet<u32>,
    /// Whether an irreversible instruction was sent, and whether one is done.
    irreversible_sent: bool,
    irreversible_done: bool,
}

impl Coordinator {
    /// A coordination that starts collecting approvals and consents.
    pub fn new(plan: Arc<Plan>) -> Self {
        Self {
            plan,
            phase: Phase::Collecting,
            answers: BTreeMap::new(),
            holds_sent: BTreeSet::new(),
            rolling: BTreeSet::new(),
            irreversible_sent: false,
            irreversible_done: false,
        }
    }

    /// The plan.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// The final status, once the plan is over.
    #[cfg(test)]
    pub fn outcome(&self) -> Option<(PlanStatus, Option<Status>)> {
        match self.phase {
            Phase::Over(status, reason) => Some((status, reason)),
            _ => None,
        }
    }

    /// Whether the plan's timeout still applies (no irreversible instruction sent yet).
    #[cfg(test)]
    pub fn timeout_applies(&self) -> bool {
        matches!(self.phase, Phase::Collecting | Phase::Executing(_)) && !self.irreversible_sent
    }

    /// What the coordinator does when the plan names no executor and no account to consent (only
    /// awaits): it starts at once.
    pub fn start_empty(&mut self) -> Vec<Act> {
        match self.phase == Phase::Collecting
            && self.plan.executors().is_empty()
            && self.plan.consenting_accounts().is_empty()
        {
            true => self.start(1),
            false => Vec::new(),
        }
    }

    /// What the coordinator does on `event`: nothing once the plan is over, or for an event
    /// that does not belong to where the plan stands (a late answer, a copy).
    pub fn on(&mut self, event: Event) -> Vec<Act> {
        match (&self.phase, event) {
            (Phase::Over(..), _) => Vec::new(),
            (Phase::Collecting, event) => self.collecting(event),
            (Phase::Executing(current), event) => {
                let current = *current;
                self.executing(current, event)
            }
            (Phase::Reverting(reason), event) => {
                let reason = *reason;
                self.reverting(reason, event)
            }
        }
    }

    fn collecting(&mut self, event: Event) -> Vec<Act> {
        let plan = self.plan.clone();
        // The lowest instruction that takes from `account`: what its failed consent refuses.
        let taking_from = |account: &ResourceId| {
            plan.numbered()
                .find(|(_, i)| i.takes_from_source() && i.source(&plan) == Some(account))
                .map_or(1, |(n, _)| n)
        };
        // The lowest instruction `org` executes: what its unanswered approval refuses.
        let executed_by =
            |org: &OrgId| plan.numbered().find(|(n, _)| plan.executor(*n) == Some(org)).map_or(1, |(n, _)| n);
        let (party, answer) = match event {
            Event::Approved(org) => (Party::Executor(org), None),
            Event::Refused { org, n, reason } => (Party::Executor(org), Some((n, reason))),
            Event::ApprovalUnanswered(org) => {
                let n = executed_by(&org);
                (Party::Executor(org), Some((n, Status::Timeout)))
            }
            Event::Consented(account) => (Party::Account(account), None),
            Event::ConsentFailed(account) => {
                let n = taking_from(&account);
                (Party::Account(account), Some((n, Status::Signature)))
            }
            Event::ConsentUnanswered(account) => {
                let n = taking_from(&account);
                (Party::Account(account), Some((n, Status::Timeout)))
            }
            Event::Timeout => return self.finish(PlanStatus::Rejected, Some(Status::Timeout)),
            // Nothing was sent yet: an instruction's answer here is not this plan's.
            Event::Done(_)
            | Event::Failed { .. }
            | Event::InstructionUnanswered(_)
            | Event::AwaitOver(_)
            | Event::RolledBack(_)
            | Event::RollbackUnanswered(_) => return Vec::new(),
        };
        let expected = |party: &Party| match party {
            Party::Executor(org) => plan.executors().contains(org),
            Party::Account(account) => plan.consenting_accounts().contains(account),
        };
        // An answer from a party the plan does not name, or a second one, changes nothing.
        if !expected(&party) || self.answers.contains_key(&party) {
            return Vec::new();
        }
        self.answers.insert(party, answer);
        // Decided once every approval and consent is in (or timed out): a refusal gives the
        // reason of the lowest-numbered refused instruction.
        if self.answers.len() < plan.executors().len() + plan.consenting_accounts().len() {
            return Vec::new();
        }
        match self.answers.values().flatten().min_by_key(|(n, _)| *n) {
            Some((_, reason)) => {
                let reason = *reason;
                self.finish(PlanStatus::Rejected, Some(reason))
            }
            None => self.start(1),
        }
    }

    /// Starts instruction `n` (or completes the plan when there is none).
    fn start(&mut self, n: u32) -> Vec<Act> {
        let Some(instruction) = self.plan.instruction(n) else {
            return self.finish(PlanStatus::Completed, None);
        };
        self.phase = Phase::Executing(n);
        match instruction {
            Instruction::Await(wait) => vec![Act::Wait { n, ms: wait.ms }],
            instruction => {
                match instruction.reversibility() {
                    Reversibility::Reversible => {
                        self.holds_sent.insert(n);
                    }
                    Reversibility::Irreversible => self.irreversible_sent = true,
                    Reversibility::Neither => {}
                }
                vec![Act::Send(n)]
            }
        }
    }

    fn executing(&mut self, current: u32, event: Event) -> Vec<Act> {
        match event {
            Event::Done(n) if n == current => {
                if self.plan.instruction(n).is_some_and(|i| i.reversibility() == Reversibility::Irreversible) {
                    self.irreversible_done = true;
                }
                self.start(n + 1)
            }
            Event::AwaitOver(n) if n == current => self.start(n + 1),
            Event::Failed { n, reason } if n == current => match self.irreversible_done {
                true => self.finish(PlanStatus::Failed, Some(reason)),
                false => self.revert(reason),
            },
            Event::InstructionUnanswered(n) if n == current => {
                let irreversible =
                    self.plan.instruction(n).is_some_and(|i| i.reversibility() == Reversibility::Irreversible);
                // Nobody knows whether it happened: an irreversible one, or any after one
                // is done, fails the plan; a hold before that reverts it.
                match irreversible || self.irreversible_done {
                    true => self.finish(PlanStatus::Failed, Some(Status::Timeout)),
                    false => self.revert(Status::Timeout),
                }
            }
            Event::Timeout if !self.irreversible_sent => self.revert(Status::Timeout),
            // Late approvals and consents, answers for other instructions, a timeout after the
            // first irreversible instruction was sent: nothing to do.
            _ => Vec::new(),
        }
    }

    /// Rolls back every hold sent, for `reason`; with none, the plan is reverted at once.
    fn revert(&mut self, reason: Status) -> Vec<Act> {
        self.rolling = self.holds_sent.clone();
        if self.rolling.is_empty() {
            return self.finish(PlanStatus::Reverted, Some(reason));
        }
        self.phase = Phase::Reverting(reason);
        self.rolling.iter().map(|n| Act::Rollback(*n)).collect()
    }

    fn reverting(&mut self, reason: Status, event: Event) -> Vec<Act> {
        match event {
            Event::RolledBack(n) => {
                self.rolling.remove(&n);
                match self.rolling.is_empty() {
                    true => self.finish(PlanStatus::Reverted, Some(reason)),
                    false => Vec::new(),
                }
            }
            Event::RollbackUnanswered(n) if self.rolling.contains(&n) => {
                self.finish(PlanStatus::Failed, Some(Status::Timeout))
            }
            _ => Vec::new(),
        }
    }

    fn finish(&mut self, status: PlanStatus, reason: Option<Status>) -> Vec<Act> {
        self.phase = Phase::Over(status, reason);
        vec![Act::Final(status, reason)]
    }
}

#[cfg(test)]
mod tests;
