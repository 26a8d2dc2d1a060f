//! What an actor's handler receives (`Input`) and what it records (`Outbox`):
//! envelopes to send, timers to set or cancel, and notes (observations for the
//! trace, the flow and the checks). Handlers do no I/O; the network acts on this.

use crate::crypto::chainpoint::ChainpointProof;
use crate::crypto::Hash32;
use crate::protocol::envelope::{Envelope, Rejection};
use crate::protocol::ids::{ActorId, ClusterId, OrgId, ResourceId};
use crate::protocol::message::Kind;
use crate::protocol::status::Status;
use serde::Serialize;
use std::sync::Arc;

/// A timer, unique within its actor.
pub type TimerId = u64;

/// A flow step, handed to the actor that starts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Advertise an asset to orgs.
    Advertise {
        /// The asset.
        asset: ResourceId,
        /// The receivers.
        to: Vec<OrgId>,
    },
    /// Get a resource's data.
    Get {
        /// The resource.
        resource: ResourceId,
        /// The accepted content type.
        accept: String,
    },
    /// Verify the data got from a resource with a cluster.
    Verify {
        /// The cluster asked.
        cluster: ClusterId,
        /// The resource.
        resource: ResourceId,
    },
    /// (To a user) buy tokens.
    Buy {
        /// The asset.
        asset: ResourceId,
        /// How many.
        quantity: u64,
        /// The account they come from.
        seller: ResourceId,
    },
    /// Verify a transfer's proof with a cluster.
    VerifyProof {
        /// The cluster asked.
        cluster: ClusterId,
        /// The transfer.
        transfer_request_id: u64,
    },
    /// Read a balance from a cluster.
    Balance {
        /// The cluster asked.
        cluster: ClusterId,
        /// The account.
        account: ResourceId,
        /// The asset.
        asset: ResourceId,
    },
}

/// One input of an actor.
#[derive(Clone, Debug)]
pub enum Input {
    /// An envelope arrives.
    Deliver(Arc<Envelope>),
    /// A timer fires.
    Timer(TimerId),
    /// A flow step starts here, with its request id.
    Command {
        /// The request id of the step's exchange.
        request_id: u64,
        /// What to do.
        command: Command,
    },
    /// The org goes down: work in progress is lost.
    Crash,
    /// The org comes back: unfinished exchanges are re-sent.
    Restart,
}

/// A balance as answered by a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Amounts {
    /// Tokens held.
    pub current: u64,
    /// Tokens free to move.
    pub available: u64,
    /// Tokens in escrow.
    pub held: u64,
}

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
}

impl Discard {
    /// The word the trace and the readable account use.
    pub fn word(self) -> &'static str {
        match self {
            Self::BadSignature => "bad_signature",
            Self::Malformed => "malformed",
            Self::Misaddressed => "misaddressed",
            Self::Unexpected => "unexpected",
            Self::Unentitled => "unentitled",
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
    VerifyResult { org: OrgId, request_id: u64, resource: ResourceId, agreed: bool, detail: String },
    /// A verify_proof step finished.
    ProofResult { org: OrgId, request_id: u64, transfer: u64, valid: bool, detail: String },
    /// A balance step finished.
    BalanceResult {
        org: OrgId,
        request_id: u64,
        account: ResourceId,
        asset: ResourceId,
        answer: Option<Amounts>,
        detail: String,
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
        detail: String,
        proof: Option<ChainpointProof>,
    },
    /// A buyer's org's status query finished (variant `status_query`): a quorum of the asset's
    /// cluster said the transaction settled (with a proof that replays), or it did not.
    StatusResult { org: OrgId, request_id: u64, settled: bool, detail: String },
    /// The asset's org decided a transfer (settled or rejected).
    SaleFinal { org: OrgId, request_id: u64, settled: bool, reason: Status, detail: String },
    /// A regulation check on IVMS-101 data, with its inputs and verdict.
    Compliance { org: OrgId, request_id: u64, rule: String, field: String, value: String, limit: String, passed: bool },
    /// Personal (IVMS-101) data about a user was asked for, and given or refused.
    PersonalData { holder: OrgId, asked_by: OrgId, user: ResourceId, given: bool, status: Status },
    /// A transaction was fed to a ledger.
    Submitted { org: OrgId, request_id: u64, tx_hash: Hash32 },
    /// A ledger closed a block.
    BlockClosed { cluster: ClusterId, height: u64, root: Hash32, requests: Vec<u64> },
    /// A ledger applied holds and releases (variant `settlement: escrow`), by request id.
    EscrowClosed { cluster: ClusterId, held: Vec<u64>, released: Vec<u64>, refused: Vec<u64> },
    /// A ledger refused a transaction.
    TxRefused { cluster: ClusterId, request_id: u64, reason: Status },
    /// An org flagged another as suspect.
    Suspect { by: OrgId, org: OrgId, request_id: u64, detail: String },
    /// A received envelope was discarded unread.
    Discarded { at: ActorId, from: ActorId, kind: Kind, request_id: u64, reason: Discard },
    /// An exchange re-sent its request.
    Retry { org: OrgId, to: OrgId, kind: String, request_id: u64, attempt: u32 },
    /// A buyer's org stopped waiting for a transfer still pending at its liveness deadline
    /// (the transfer stays without a final status; `liveness` reports it).
    WaitEnded { org: OrgId, request_id: u64, deadline_us: u64 },
    /// An exchange ran out of retries.
    Timeout { org: OrgId, to: OrgId, kind: String, request_id: u64 },
    /// A byzantine org departed from the protocol (what it did instead).
    Misbehaved { org: OrgId, behaviour: String, detail: String },
    /// A byzantine org re-sent a copy of a message it received.
    Replayed { org: OrgId, from: ActorId, kind: Kind, request_id: u64 },
    /// State changed because of a message (checked by `authenticity`).
    StateChange {
        actor: ActorId,
        what: String,
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

/// An envelope to send.
#[derive(Clone, Debug)]
pub struct Send {
    /// The sealed envelope.
    pub envelope: Arc<Envelope>,
    /// Send to this one actor instead of every receiver `envelope.to` names.
    pub only: Option<ActorId>,
    /// Whether this is a re-send of an earlier transmission.
    pub retry: bool,
}

/// The effects of one handler call.
#[derive(Debug, Default)]
pub struct Outbox {
    /// Envelopes to send, in order.
    pub sends: Vec<Send>,
    /// Timers to set: (id, delay in microseconds).
    pub timers: Vec<(TimerId, u64)>,
    /// Timers to cancel.
    pub cancels: Vec<TimerId>,
    /// Observations.
    pub notes: Vec<Note>,
}

impl Outbox {
    /// Sends to every receiver the envelope names.
    pub fn send(&mut self, envelope: Arc<Envelope>) {
        self.sends.push(Send { envelope, only: None, retry: false });
    }

    /// Sends to one actor (a member of a broadcast, or a relay).
    pub fn send_to(&mut self, envelope: Arc<Envelope>, to: ActorId, retry: bool) {
        self.sends.push(Send { envelope, only: Some(to), retry });
    }

    /// Records a note.
    pub fn note(&mut self, note: Note) {
        self.notes.push(note);
    }

    /// Appends another outbox's effects after this one's.
    pub fn append(&mut self, mut other: Outbox) {
        self.sends.append(&mut other.sends);
        self.timers.append(&mut other.timers);
        self.cancels.append(&mut other.cancels);
        self.notes.append(&mut other.notes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_discard_reads_as_the_word_the_trace_writes() {
        let all = [
            Discard::BadSignature,
            Discard::Malformed,
            Discard::Misaddressed,
            Discard::Unexpected,
            Discard::Unentitled,
        ];
        for reason in all {
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.word(), "{reason:?}");
        }
        assert_eq!(Discard::from(Rejection::BadSignature).word(), "bad_signature");
        assert_eq!(Discard::from(Rejection::Malformed).word(), "malformed");
    }
}
