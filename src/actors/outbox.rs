//! What an actor's handler receives (`Input`) and what it records (`Outbox`):
//! envelopes to send, timers to set or cancel, and notes (observations for the
//! trace, the flow and the checks). Handlers do no I/O; the network acts on this.

use crate::actors::note::Note;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{ActorId, ClusterId, OrgId, ResourceId};
use serde::Serialize;
use std::sync::Arc;

/// A timer, unique within its actor.
pub type TimerId = u64;

/// A flow step, handed to the actor that starts it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Amounts {
    /// Tokens held.
    pub current: u64,
    /// Tokens free to move.
    pub available: u64,
    /// Tokens in escrow.
    pub held: u64,
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
