//! Notes: what an actor observed, as data. The trace records each note; the flow, the
//! observations and the checks read them; `report` writes the sentences. Every reason is an
//! enum with one word, so the digest pins behaviour and rewording a sentence changes nothing.

use crate::actors::organization::exchange::ExchangeKind;
use crate::actors::outbox::Amounts;
use crate::crypto::chainpoint::ChainpointProof;
use crate::crypto::Hash32;
use crate::protocol::cause::{Cause, RuleCheck};
use crate::protocol::envelope::{Envelope, Rejection};
use crate::protocol::ids::{ActorId, Address, ClusterId, OrgId, ResourceId};
use crate::protocol::message::Kind;
use crate::protocol::operation::Operation;
use crate::protocol::plan::PlanStatus;
use crate::protocol::status::Status;
use serde::Serialize;
use std::sync::Arc;

/// Why a received envelope was discarded unread: one word each, as the trace writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Discard {
    /// Its signature does not verify with the claimed sender's key.
    BadSignature,
    /// It verifies but does not decode, or its header differs from the routing header.
    Malformed,
    /// It is addressed to another actor (a replayed copy).
    Misaddressed,
    /// Its kind is not one this actor answers.
    Unexpected,
    /// Its sender may not say this (a settlement not from the asset's org, a ledger
    /// submission not from the asset's org or debiting another org's account).
    Unentitled,
    /// A settled final status whose proof is not of this transfer's own ledger transaction
    /// (its `hash` is another transaction's, or an inner node's), or does not replay.
    UnboundProof,
}

impl Discard {
    /// Every reason.
    pub const ALL: [Discard; 6] = [
        Discard::BadSignature,
        Discard::Malformed,
        Discard::Misaddressed,
        Discard::Unexpected,
        Discard::Unentitled,
        Discard::UnboundProof,
    ];

    /// The word the trace and the readable account use.
    pub fn word(self) -> &'static str {
        match self {
            Self::BadSignature => "bad_signature",
            Self::Malformed => "malformed",
            Self::Misaddressed => "misaddressed",
            Self::Unexpected => "unexpected",
            Self::Unentitled => "unentitled",
            Self::UnboundProof => "unbound_proof",
        }
    }
}

impl From<Rejection> for Discard {
    fn from(rejection: Rejection) -> Self {
        match rejection {
            Rejection::BadSignature => Self::BadSignature,
            Rejection::Malformed => Self::Malformed,
        }
    }
}

/// An observation: the trace records it; the flow and the checks read it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum Note {
    /// An advertisement was sent (the advertise step is done).
    Advertised { org: OrgId, asset: ResourceId, to: Vec<OrgId>, request_id: u64 },
    /// An org recorded an advertisement.
    AdvertisementReceived { org: OrgId, from: OrgId, resources: Vec<ResourceId> },
    /// A get step finished.
    GetResult { org: OrgId, request_id: u64, resource: ResourceId, status: Status },
    /// A verify step finished.
    VerifyResult {
        org: OrgId,
        request_id: u64,
        resource: ResourceId,
        agreed: bool,
        tally: Option<Tally>,
        finding: Option<Finding>,
    },
    /// A verify_proof step finished.
    ProofResult {
        org: OrgId,
        request_id: u64,
        transfer: u64,
        valid: bool,
        tally: Option<Tally>,
        finding: Option<Finding>,
    },
    /// A balance step finished.
    BalanceResult {
        org: OrgId,
        request_id: u64,
        account: ResourceId,
        asset: ResourceId,
        answer: Option<Amounts>,
        tally: Tally,
        finding: Option<Finding>,
    },
    /// A buyer's org accepted a user's order and started a transfer.
    TransferStarted { org: OrgId, request_id: u64, user: ResourceId },
    /// The asset's org created the tx id.
    TxCreated { org: OrgId, request_id: u64, tx_id: Hash32 },
    /// A buyer's org learned its transfer's final status.
    TransferFinal {
        org: OrgId,
        request_id: u64,
        settled: bool,
        reason: Status,
        cause: Cause,
        proof: Option<Arc<ChainpointProof>>,
    },
    /// A buyer's org's status query finished (variant `status_query`): a quorum of the asset's
    /// cluster said the transaction settled (with a proof that replays), or it did not.
    StatusResult { org: OrgId, request_id: u64, settled: bool, tally: Tally, finding: Option<Finding> },
    /// The asset's org decided a transfer (settled or rejected).
    SaleFinal { org: OrgId, request_id: u64, settled: bool, reason: Status, cause: Cause },
    /// An issue started at the asset's org, or a redeem at the holder's org.
    OperationStarted { operation: Operation, org: OrgId, request_id: u64, account: ResourceId },
    /// The asset's org decided an issue or a redeem (settled or rejected).
    OperationDecided { operation: Operation, org: OrgId, request_id: u64, settled: bool, reason: Status, cause: Cause },
    /// The org that must know an issue's or a redeem's final status (the receiver's, the
    /// holder's) learned it.
    OperationFinal {
        operation: Operation,
        org: OrgId,
        request_id: u64,
        settled: bool,
        reason: Status,
        cause: Cause,
        proof: Option<Arc<ChainpointProof>>,
    },
    /// A plan's coordinator started it.
    PlanStarted { org: OrgId, request_id: u64, plan: u64, hash: Hash32 },
    /// A plan's coordinator learned how one of its instructions (or a hold's rollback) ended:
    /// `ok` with the height and proof of its transaction, or why it failed.
    PlanInstruction {
        org: OrgId,
        request_id: u64,
        plan: u64,
        n: u32,
        rollback: bool,
        status: Status,
        height: Option<u64>,
        proof: Option<Arc<ChainpointProof>>,
    },
    /// A plan is over, as its coordinator knows it.
    PlanFinal { org: OrgId, request_id: u64, plan: u64, status: PlanStatus, reason: Option<Status> },
    /// A regulation check on IVMS-101 data, with its inputs and verdict.
    Compliance {
        org: OrgId,
        request_id: u64,
        #[serde(flatten)]
        check: RuleCheck,
        passed: bool,
    },
    /// Personal (IVMS-101) data about a user was asked for, and given (these IVMS-101 fields of
    /// the user's) or refused.
    PersonalData {
        holder: OrgId,
        asked_by: OrgId,
        user: ResourceId,
        request_id: u64,
        given: bool,
        status: Status,
        fields: Vec<String>,
    },
    /// A transaction was fed to a ledger.
    Submitted { org: OrgId, request_id: u64, tx_hash: Hash32 },
    /// A ledger closed a block.
    BlockClosed { cluster: ClusterId, height: u64, root: Hash32, requests: Vec<u64> },
    /// A ledger applied holds and releases (variant `settlement: escrow`), by request id.
    EscrowClosed { cluster: ClusterId, held: Vec<u64>, released: Vec<u64>, refused: Vec<u64> },
    /// A ledger refused a transaction.
    TxRefused { cluster: ClusterId, request_id: u64, reason: Status },
    /// An org flagged another as suspect; `answer` is the kind of the answer that differed (or
    /// whose signatures all failed).
    Suspect { by: OrgId, org: OrgId, request_id: u64, reason: SuspectReason, answer: Kind },
    /// A received envelope was discarded unread.
    Discarded { at: ActorId, from: ActorId, kind: Kind, request_id: u64, reason: Discard },
    /// An exchange re-sent its request.
    Retry { org: OrgId, to: OrgId, kind: ExchangeKind, request_id: u64, attempt: u32 },
    /// A buyer's org stopped waiting for a transfer still pending at its liveness deadline
    /// (the transfer stays without a final status; `liveness` reports it).
    WaitEnded { org: OrgId, request_id: u64, deadline_us: u64 },
    /// An exchange ran out of retries.
    Timeout { org: OrgId, to: OrgId, kind: ExchangeKind, request_id: u64 },
    /// A byzantine org departed from the protocol (what it did instead).
    Misbehaved { org: OrgId, behaviour: String, kind: Kind, request_id: u64, to: Address, act: Act },
    /// A byzantine org re-sent a copy of a message it received.
    Replayed { org: OrgId, from: ActorId, kind: Kind, request_id: u64 },
    /// State changed because of a message (checked by `authenticity`).
    StateChange {
        actor: ActorId,
        change: Change,
        #[serde(skip)]
        cause: Arc<Envelope>,
    },
}

impl Note {
    /// `at` discarded a received envelope unread, for `reason`.
    pub fn discarded(at: &ActorId, envelope: &Envelope, reason: Discard) -> Self {
        Note::Discarded {
            at: at.clone(),
            from: envelope.from.clone(),
            kind: envelope.kind,
            request_id: envelope.request_id,
            reason,
        }
    }
}

/// How a broadcast's answers came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Tally {
    /// Whether a quorum answered alike.
    pub reached: bool,
    /// How many answered as the quorum did (0 without a quorum).
    pub agreeing: usize,
    /// How many validly signed answers came.
    pub valid: usize,
    /// How many members were asked.
    pub members: usize,
    /// The quorum.
    pub quorum: usize,
}

/// What a verify, verify_proof, balance or status step found besides its tally, when the
/// tally alone does not say why it ended as it did.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// The asking org has not got the data it would verify.
    NotGot,
    /// The asking org holds no proof for the transfer.
    NoProof,
    /// The proof's operations do not replay.
    NoReplay,
    /// The proof is anchored on another cluster than the one asked.
    AnchoredElsewhere {
        /// The cluster the proof names.
        cluster: String,
    },
    /// The ledger holds no hash of the resource.
    NoHash,
    /// The ledger's hash differs from the data got.
    HashDiffers,
    /// The cluster's root at the proof's height differs from the proof's.
    RootDiffers {
        /// The height.
        height: u64,
    },
    /// The quorum answered this status instead of `ok`.
    Answered(Status),
    /// (status query) the transaction the quorum answered for is not this transfer's.
    OtherTransaction,
    /// (status query) the Merkle path answered does not lead to the block root.
    PathDiffers,
}

/// Why an org flagged another as suspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspectReason {
    /// Its signed answer differs from the quorum's.
    Differs,
    /// None of its answers carried a valid signature.
    NoValidSignature,
    /// It kept answering that a plan's instruction is pending, longer than its ledger takes to
    /// close a block, through every retry (an executor that does not run what it approved).
    Stalled,
}

/// What a byzantine org did instead of the protocol, to one message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    /// Answered a balance with `told` instead of `truth`.
    Lied {
        /// The amount it gave.
        told: u64,
        /// The amount its replica holds.
        truth: u64,
    },
    /// Answered a verify with a wrong hash.
    WrongHash,
    /// Answered a verify_proof with a wrong root.
    WrongRoot,
    /// Withheld an answer.
    Withheld,
    /// Signed with a key not its own.
    Forged,
    /// Sent a transfer again under another request id (the message's).
    Resent {
        /// The request id of the transfer it copies.
        original: u64,
    },
    /// Changed a message's content (a custom misbehaviour's catch-all).
    Altered,
}

/// A state change a message caused (what `authenticity` checks the signer of).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    /// An org recorded an advertisement.
    Advertisement,
    /// An org stored a resource's data.
    ResourceData,
    /// The asset's org accepted a transfer.
    TransferAccepted,
    /// The asset's org accepted an operation's request (`redeem_accepted`).
    Accepted(Operation),
    /// A buyer's org recorded a transfer's final status.
    FinalStatus,
    /// A ledger queued a transaction.
    TxQueued,
    /// A ledger queued a hold (variant `settlement: escrow`).
    HoldQueued,
    /// A ledger queued a release (variant `settlement: escrow`).
    ReleaseQueued,
}

impl Change {
    /// Every state change: the reference flow's, then an acceptance per operation.
    pub fn all() -> impl Iterator<Item = Change> {
        let flow = [
            Change::Advertisement,
            Change::ResourceData,
            Change::TransferAccepted,
            Change::FinalStatus,
            Change::TxQueued,
            Change::HoldQueued,
            Change::ReleaseQueued,
        ];
        flow.into_iter().chain(Operation::ALL.iter().map(|&operation| Change::Accepted(operation)))
    }

    /// The word the trace writes.
    pub fn word(self) -> &'static str {
        match self {
            Self::Advertisement => "advertisement",
            Self::ResourceData => "resource_data",
            Self::TransferAccepted => "transfer_accepted",
            Self::Accepted(operation) => operation.accepted(),
            Self::FinalStatus => "final_status",
            Self::TxQueued => "tx_queued",
            Self::HoldQueued => "hold_queued",
            Self::ReleaseQueued => "release_queued",
        }
    }
}

/// Written as its word.
impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_reads_as_the_word_the_trace_writes() {
        let words: Vec<&str> = Change::all().map(Change::word).collect();
        let flow = [
            "advertisement",
            "resource_data",
            "transfer_accepted",
            "final_status",
            "tx_queued",
            "hold_queued",
            "release_queued",
        ];
        assert_eq!(words[..flow.len()], flow);
        // Then an acceptance per operation, in the registry's order.
        assert_eq!(words[flow.len()..], ["issue_accepted", "redeem_accepted"]);
        for change in Change::all() {
            assert_eq!(serde_json::to_value(change).unwrap(), change.word(), "{change:?}");
        }
    }

    #[test]
    fn a_discard_reads_as_the_word_the_trace_writes() {
        for reason in Discard::ALL {
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.word(), "{reason:?}");
        }
        assert_eq!(Discard::from(Rejection::BadSignature).word(), "bad_signature");
        assert_eq!(Discard::from(Rejection::Malformed).word(), "malformed");
    }
}
