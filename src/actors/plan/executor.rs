//! An executor's part of one plan, once the org has checked what it was sent (the plan's hash,
//! the approvals and the consents): which instructions it submitted to its ledger, what the
//! ledger made of them, and what it answers. It submits an instruction at most once and
//! answers a re-sent one with its current result; a rollback of a hold that never reached the
//! ledger is answered at once, and that hold is refused if it arrives later; once told that
//! the plan is reverted, it refuses any instruction of it.

use crate::protocol::plan::Plan;
use crate::protocol::status::Status;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where one instruction (or one hold's rollback) stands at its executor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Progress {
    /// Submitted; its block has not closed.
    Pending,
    /// On the ledger, in the block at `height`.
    Done {
        /// The block's height.
        height: u64,
    },
    /// Refused, by the executor or its ledger: nothing reached the ledger.
    Failed(Status),
}

/// What an executor hears about one plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The coordinator sends instruction `n` (its checks passed).
    Execute(u32),
    /// The coordinator asks for hold `n` to be rolled back.
    Rollback(u32),
    /// The plan is over, with the coordinator's word on whether it reverted.
    Final {
        /// Whether it reverted (or was rejected): its instructions are refused from now on.
        reverted: bool,
    },
    /// The ledger's block at `height` holds instruction `n`'s transaction.
    Settled {
        /// The instruction.
        n: u32,
        /// The block's height.
        height: u64,
    },
    /// The ledger refused instruction `n`'s transaction.
    Refused {
        /// The instruction.
        n: u32,
        /// Why (`balance`).
        reason: Status,
    },
    /// The ledger's block at `height` holds the rollback of hold `n`.
    RolledBack {
        /// The hold.
        n: u32,
        /// The block's height.
        height: u64,
    },
}

/// What an executor does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// Submit instruction `n`'s transaction to the ledger.
    Submit(u32),
    /// Submit the rollback of hold `n`.
    SubmitRollback(u32),
    /// Tell the coordinator where instruction `n` stands.
    Answer(u32, Progress),
    /// Tell the coordinator where the rollback of hold `n` stands.
    AnswerRollback(u32, Progress),
}

/// One plan at one executor.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Execution {
    plan: Arc<Plan>,
    /// Told that the plan reverted: every instruction not yet submitted is refused.
    reverted: bool,
    instructions: BTreeMap<u32, Progress>,
    /// Rollbacks asked, by hold; a hold rolled back before it was submitted is `Done` at 0.
    rollbacks: BTreeMap<u32, Progress>,
    /// Rollbacks asked while their hold was still pending on the ledger.
    rollback_waiting: BTreeMap<u32, ()>,
}

impl Execution {
    /// The plan's execution at an executor that has done nothing of it yet.
    pub fn new(plan: Arc<Plan>) -> Self {
        Self {
            plan,
            reverted: false,
            instructions: BTreeMap::new(),
            rollbacks: BTreeMap::new(),
            rollback_waiting: BTreeMap::new(),
        }
    }

    /// The plan.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// Where instruction `n` stands, if it was sent.
    #[cfg(test)]
    pub fn progress(&self, n: u32) -> Option<Progress> {
        self.instructions.get(&n).copied()
    }

    /// What the executor does on `event`.
    pub fn on(&mut self, event: Event) -> Vec<Act> {
        match event {
            Event::Execute(n) => self.execute(n),
            Event::Rollback(n) => self.rollback(n),
            Event::Final { reverted } => {
                self.reverted |= reverted;
                Vec::new()
            }
            Event::Settled { n, height } => self.ledger_answered(n, Progress::Done { height }),
            Event::Refused { n, reason } => self.ledger_answered(n, Progress::Failed(reason)),
            Event::RolledBack { n, height } => {
                if self.rollbacks.get(&n) != Some(&Progress::Pending) {
                    return Vec::new();
                }
                self.rollbacks.insert(n, Progress::Done { height });
                vec![Act::AnswerRollback(n, Progress::Done { height })]
            }
        }
    }

    fn execute(&mut self, n: u32) -> Vec<Act> {
        // A re-sent instruction is answered with where it stands; nothing moves again.
        if let Some(progress) = self.instructions.get(&n) {
            return vec![Act::Answer(n, *progress)];
        }
        // A reverted plan's instruction, or a hold already rolled back, is refused: it would
        // place what nobody will release.
        if self.reverted || self.rollbacks.contains_key(&n) || self.plan.instruction(n).is_none() {
            let refused = Progress::Failed(Status::Denied);
            self.instructions.insert(n, refused);
            return vec![Act::Answer(n, refused)];
        }
        self.instructions.insert(n, Progress::Pending);
        vec![Act::Submit(n)]
    }

    fn rollback(&mut self, n: u32) -> Vec<Act> {
        if self.plan.hold(n).is_none() {
            return Vec::new();
        }
        if let Some(progress) = self.rollbacks.get(&n) {
            return vec![Act::AnswerRollback(n, *progress)];
        }
        match self.instructions.get(&n) {
            // On the ledger: roll it back there.
            Some(Progress::Done { .. }) => {
                self.rollbacks.insert(n, Progress::Pending);
                vec![Act::SubmitRollback(n)]
            }
            // Still waiting for its block: the rollback follows once the hold's fate is known.
            Some(Progress::Pending) => {
                self.rollback_waiting.insert(n, ());
                Vec::new()
            }
            // Never placed (refused, or never received): nothing to roll back.
            Some(Progress::Failed(_)) | None => {
                let done = Progress::Done { height: 0 };
                self.rollbacks.insert(n, done);
                vec![Act::AnswerRollback(n, done)]
            }
        }
    }

    fn ledger_answered(&mut self, n: u32, progress: Progress) -> Vec<Act> {
        if self.instructions.get(&n) != Some(&Progress::Pending) {
            return Vec::new();
        }
        self.instructions.insert(n, progress);
        let mut acts = vec![Act::Answer(n, progress)];
        if self.rollback_waiting.remove(&n).is_some() {
            acts.extend(self.rollback(n));
        }
        acts
    }
}

#[cfg(test)]
mod tests;
