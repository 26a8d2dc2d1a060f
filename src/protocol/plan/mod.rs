//! Execution plans on the wire: a coordinator's list of instructions that settle on several
//! ledgers, all or nothing (delivery versus payment is the common case). `docs/plans.md` tells
//! the whole protocol; this module holds what every party reads the same way: the plan, its
//! hash (what approvals and consents sign), and each instruction's meaning on its ledger.
//!
//! **An instruction kind is a module.** Each of `hold`, `release`, `transfer`, `issue`,
//! `redeem` and `await` is a file of this directory implementing [`Instructs`]: its asset,
//! source, receiver and quantity, whether it is reversible, and the ledger transaction it
//! is. The list below (`instructions!`) is the one registry: the `Instruction` enum, its
//! words and every dispatch come from it, so a new kind is its module and one line there.

use super::ids::{OrgId, ResourceId};
use super::message::LedgerTx;
use crate::crypto::Hash32;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Declares the instruction kinds from one list: each variant with its module and the word
/// the scenario file, the trace and the report use.
macro_rules! instructions {
    ($($module:ident :: $variant:ident = $word:literal,)+) => {
        $(mod $module; pub use $module::$variant;)+

        /// One instruction of a plan: one variant per kind, each its module's type.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Instruction {
            $(
                #[doc = concat!("`", $word, "`.")]
                #[serde(rename = $word)]
                $variant($variant),
            )+
        }

        impl Instruction {
            /// Every kind's word, in the registry's order.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            /// The word of its kind.
            pub fn word(&self) -> &'static str {
                match self {
                    $(Instruction::$variant(_) => $word,)+
                }
            }

            /// Its kind's rules.
            fn rules(&self) -> &dyn Instructs {
                match self {
                    $(Instruction::$variant(i) => i,)+
                }
            }
        }
    };
}

mod messages;
pub use messages::{
    Consent, ConsentRequest, PlanApproval, PlanConsents, PlanExecute, PlanFinal, PlanGet, PlanProposal, PlanResult,
    PlanRollback, PlanSubmit, SignedBytes,
};

instructions! {
    hold::Hold = "hold",
    release::Release = "release",
    transfer::Transfer = "transfer",
    issue::Issue = "issue",
    redeem::Redeem = "redeem",
    wait::Await = "await",
}

/// What an instruction kind says about one instruction, in the context of its plan (a release
/// reads its hold).
pub trait Instructs {
    /// The asset it moves (a release: its hold's); none for an `await`.
    fn asset<'p>(&'p self, plan: &'p Plan) -> Option<&'p ResourceId>;
    /// The account it takes tokens from (a release: its hold's `from`); none for an issue.
    fn source<'p>(&'p self, plan: &'p Plan) -> Option<&'p ResourceId>;
    /// The account it pays; none for a hold, a redeem or an await.
    fn receiver(&self) -> Option<&ResourceId>;
    /// How many tokens it moves (a release: its hold's quantity).
    fn quantity(&self, plan: &Plan) -> Option<u64>;
    /// Whether it takes tokens from its source's available balance, so that the source's user
    /// must consent (a release pays out what a hold already took).
    fn takes_from_source(&self) -> bool;
    /// Whether it can be undone once on its ledger.
    fn reversibility(&self) -> Reversibility;
    /// Its transaction's accounts on the ledger: (source, destination). A mint's source and a
    /// burn's destination are the asset itself; a hold pays its plan's hold account.
    fn accounts(&self, plan: &Plan, n: u32) -> Option<(ResourceId, ResourceId)>;
}

/// A plan's final status, as its coordinator knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Every instruction is done.
    Completed,
    /// It never started: an executor refused it, a consent failed, or they timed out.
    Rejected,
    /// It started and nothing of it remains: every hold it placed was rolled back.
    Reverted,
    /// Some of it happened and it cannot go on, or a rollback went unanswered.
    Failed,
}

impl PlanStatus {
    /// The word the scenario file, the trace and the report use.
    pub fn word(self) -> &'static str {
        match self {
            PlanStatus::Completed => "completed",
            PlanStatus::Rejected => "rejected",
            PlanStatus::Reverted => "reverted",
            PlanStatus::Failed => "failed",
        }
    }
}

/// Whether an instruction can be undone once it is on its ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reversibility {
    /// A hold: rolled back, its tokens go back to its source.
    Reversible,
    /// A release, transfer, issue or redeem.
    Irreversible,
    /// An await: it touches no ledger.
    Neither,
}

/// An execution plan as its coordinator proposes it and every party signs its hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Plan {
    /// Its id, unique among the scenario's plans.
    pub id: u64,
    /// The org that proposes and drives it.
    pub coordinator: OrgId,
    /// How long it may take before its first irreversible instruction is sent, from its start.
    pub timeout_ms: u64,
    /// Its instructions, run in this order; instruction `n` is at index `n - 1`.
    pub instructions: Vec<Instruction>,
}

impl Plan {
    /// Its hash: SHA-256 of its canonical bytes (`docs/evidence.md`), what approvals and
    /// consents sign.
    pub fn hash(&self) -> Hash32 {
        super::canonical::hash(self).unwrap_or_else(|_| Hash32::of(&[]))
    }

    /// Its canonical bytes (postcard, as every signed value).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        super::canonical::bytes(self).unwrap_or_default()
    }

    /// Instruction `n` (from 1).
    pub fn instruction(&self, n: u32) -> Option<&Instruction> {
        self.instructions.get((n as usize).checked_sub(1)?)
    }

    /// The hold that instruction `n` is, if it is one.
    pub fn hold(&self, n: u32) -> Option<&Hold> {
        match self.instruction(n)? {
            Instruction::Hold(hold) => Some(hold),
            _ => None,
        }
    }

    /// Every instruction with its number, in order.
    pub fn numbered(&self) -> impl Iterator<Item = (u32, &Instruction)> {
        (1u32..).zip(&self.instructions)
    }

    /// The org that runs instruction `n` on its cluster's ledger: its asset's managing org
    /// (none for an await).
    pub fn executor(&self, n: u32) -> Option<&OrgId> {
        let instruction = self.instruction(n)?;
        instruction.asset(self).map(|asset| &asset.org)
    }

    /// Every executor, once each, in id order.
    pub fn executors(&self) -> BTreeSet<&OrgId> {
        self.numbered().filter_map(|(n, _)| self.executor(n)).collect()
    }

    /// Every account whose user must sign the plan's hash (the sources of the instructions that
    /// take from them), once each, in id order: one consent covers all of an account's
    /// instructions.
    pub fn consenting_accounts(&self) -> BTreeSet<&ResourceId> {
        self.instructions.iter().filter(|i| i.takes_from_source()).filter_map(|i| i.source(self)).collect()
    }

    /// The number of the first irreversible instruction, if any: once it is sent the plan only
    /// goes forward.
    pub fn first_irreversible(&self) -> Option<u32> {
        self.numbered().find(|(_, i)| i.reversibility() == Reversibility::Irreversible).map(|(n, _)| n)
    }

    /// The ledger transaction of instruction `n`, submitted by its executor under `request_id`
    /// (none for an await).
    pub fn ledger_tx(&self, n: u32, request_id: u64) -> Option<LedgerTx> {
        let instruction = self.instruction(n)?;
        let (source, destination) = instruction.accounts(self, n)?;
        Some(LedgerTx {
            request_id,
            tx_id: self.tx_id(n, b"instruction"),
            asset: instruction.asset(self)?.clone(),
            source,
            destination,
            quantity: instruction.quantity(self)?,
            submitter: self.executor(n)?.clone(),
        })
    }

    /// The transaction that rolls back hold `n`: its tokens from the hold account back to its
    /// source (none if `n` is not a hold).
    pub fn rollback_tx(&self, n: u32, request_id: u64) -> Option<LedgerTx> {
        let hold = self.hold(n)?;
        Some(LedgerTx {
            request_id,
            tx_id: self.tx_id(n, b"rollback"),
            asset: hold.asset.clone(),
            source: self.hold_account(n)?,
            destination: hold.from.clone(),
            quantity: hold.quantity,
            submitter: hold.asset.org.clone(),
        })
    }

    /// The account that keeps hold `n`'s tokens until they are released or rolled back: an
    /// account of the asset's managing org, named after the plan and the hold
    /// (`ORG:100:hold.PLAN.N`).
    pub fn hold_account(&self, n: u32) -> Option<ResourceId> {
        let hold = self.hold(n)?;
        ResourceId::parse(&format!("{}:100:{}{}.{n}", hold.asset.org, HOLD_ACCOUNT_PREFIX, self.id)).ok()
    }

    /// A transaction id of the plan: SHA-256 of the plan's hash, the instruction's number and
    /// what the transaction does.
    fn tx_id(&self, n: u32, what: &[u8]) -> Hash32 {
        Hash32::of_parts(&[b"finsim plan", &self.hash().0, &n.to_be_bytes(), what])
    }
}

/// Plans' hold accounts, each with its asset and the account whose tokens it keeps (a balance
/// counts them as that account's, held).
pub type PlanHolds = std::collections::BTreeMap<ResourceId, (ResourceId, ResourceId)>;

/// How a hold account's name begins (`ORG:100:hold.PLAN.N`).
pub const HOLD_ACCOUNT_PREFIX: &str = "hold.";

impl Instructs for Instruction {
    fn asset<'p>(&'p self, plan: &'p Plan) -> Option<&'p ResourceId> {
        self.rules().asset(plan)
    }
    fn source<'p>(&'p self, plan: &'p Plan) -> Option<&'p ResourceId> {
        self.rules().source(plan)
    }
    fn receiver(&self) -> Option<&ResourceId> {
        self.rules().receiver()
    }
    fn quantity(&self, plan: &Plan) -> Option<u64> {
        self.rules().quantity(plan)
    }
    fn takes_from_source(&self) -> bool {
        self.rules().takes_from_source()
    }
    fn reversibility(&self) -> Reversibility {
        self.rules().reversibility()
    }
    fn accounts(&self, plan: &Plan, n: u32) -> Option<(ResourceId, ResourceId)> {
        self.rules().accounts(plan, n)
    }
}

#[cfg(test)]
pub(crate) mod tests;
