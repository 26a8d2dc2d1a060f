//! The messages of a plan between orgs (and the one to a user). Every one travels under the
//! plan step's request id; the plan itself, shared, is what the proposal, the get for a
//! receiver's data, the consent request and every instruction carry.

use super::Plan;
use crate::crypto::chainpoint::ChainpointProof;
use crate::crypto::Hash32;
use crate::protocol::ids::{OrgId, ResourceId};
use crate::protocol::status::Status;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Coordinator → executor: the plan, for approval.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanProposal {
    /// The plan.
    pub plan: Arc<Plan>,
}

/// Executor → coordinator: its verdict on its own instructions. Signed as every message is:
/// the envelope (its bytes and signature, `SignedBytes`) is the approval other executors check.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanApproval {
    /// The plan's hash.
    pub plan_hash: Hash32,
    /// `None`: approved; else its lowest refused instruction and why.
    pub refused: Option<(u32, Status)>,
}

/// Executor → a receiver's org: the receiver's IVMS-101 data, for the plan that names them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanGet {
    /// The plan (its coordinator's, as proposed).
    pub plan: Arc<Plan>,
    /// The receiver.
    pub receiver: ResourceId,
}

/// Coordinator → a source's org (every account of that org the plan takes from), and that org
/// → a user (its one account): sign the plan's hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsentRequest {
    /// The plan.
    pub plan: Arc<Plan>,
    /// The accounts whose users are asked.
    pub accounts: Vec<ResourceId>,
}

/// A source's org → the coordinator: its users' consents, one per account asked.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanConsents {
    /// The plan's hash.
    pub plan_hash: Hash32,
    /// The consents.
    pub consents: Vec<Consent>,
}

/// A user's consent: its ed25519 signature over the plan's hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Consent {
    /// The account whose user signed.
    pub account: ResourceId,
    /// The plan's hash.
    pub plan_hash: Hash32,
    /// The signature (64 bytes; empty when the user refused or could not be asked).
    pub signature: Arc<[u8]>,
}

/// A signed message carried inside another: its canonical bytes and its sender's signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignedBytes {
    /// The sender.
    pub signer: OrgId,
    /// The canonical bytes of the message.
    pub payload: Arc<[u8]>,
    /// The signature over them.
    pub signature: Arc<[u8]>,
}

/// Coordinator → executor: run instruction `n`, with every approval and consent.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanExecute {
    /// The plan.
    pub plan: Arc<Plan>,
    /// The instruction.
    pub n: u32,
    /// Every executor's approval, as it signed it.
    pub approvals: Arc<[SignedBytes]>,
    /// Every consent.
    pub consents: Arc<[Consent]>,
}

/// Coordinator → executor: roll back these holds (every hold of the plan it placed).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanRollback {
    /// The plan's hash.
    pub plan_hash: Hash32,
    /// The plan's id.
    pub plan: u64,
    /// The holds, by instruction number.
    pub holds: Vec<u32>,
}

/// Executor → coordinator: where instruction `n` (or its rollback) stands.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanResult {
    /// The plan's hash.
    pub plan_hash: Hash32,
    /// The instruction.
    pub n: u32,
    /// Whether this is about the rollback of hold `n`.
    pub rollback: bool,
    /// `ok` (on the ledger), `pending`, or why it was refused.
    pub status: Status,
    /// The height of the block that holds it, when on the ledger.
    pub height: Option<u64>,
    /// The Chainpoint proof of its transaction, when on the ledger.
    pub proof: Option<Arc<ChainpointProof>>,
}

/// Coordinator → executors and sources' orgs: the plan is over.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanFinal {
    /// The plan's hash.
    pub plan_hash: Hash32,
    /// The plan's id.
    pub plan: u64,
    /// `completed`, `rejected`, `reverted` or `failed`.
    pub status: super::PlanStatus,
    /// Why, for every status but `completed`.
    pub reason: Option<Status>,
}

/// Executor → its cluster's ledger: instruction `n`'s transaction (or hold `n`'s rollback), with
/// the plan and the consent that entitles a debit of another org's account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlanSubmit {
    /// The plan.
    pub plan: Arc<Plan>,
    /// The instruction (or hold).
    pub n: u32,
    /// Whether it is the rollback of hold `n`.
    pub rollback: bool,
    /// The consent of the account it debits, when it debits one.
    pub consent: Option<Consent>,
}
