//! What an actor's handler receives (`Input`) and what it records (`Outbox`):
//! envelopes to send, timers to set or cancel, and notes (observations for the
//! trace, the flow and the checks). Handlers do no I/O; the network acts on this.

use crate::actors::note::Note;
use crate::protocol::envelope::{Envelope, Message, Rejection};
use crate::protocol::ids::{ActorId, Address, ClusterId, OrgId, ResourceId};
use crate::protocol::keys::Keyring;
use crate::protocol::message::Kind;
use ed25519_dalek::SigningKey;
use serde::Serialize;
use std::sync::Arc;

/// A timer, unique within its actor.
pub type TimerId = u64;

/// Declares `Command` from the variants written here and a variant per operation of the
/// operations' registry, holding the operation's command.
macro_rules! commands {
    (
        { $($(#[$step_attr:meta])* $step:ident { $($fields:tt)* },)+ }
        $($(#[$attr:meta])* $operation:ident = $word:literal (
            command $command:ident, request $request:ident $(, signs $signs:ident)?, started $started:literal
        ) { $($bodies:tt)* })+
    ) => {
        /// A flow step, handed to the actor that starts it.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Command {
            $($(#[$step_attr])* $step { $($fields)* },)+
            $(
                $(#[$attr])*
                $operation($crate::protocol::operation::$command),
            )+
        }
    };
}

crate::protocol::operation::with_operations! { commands!
    {
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
    /// (To its coordinator) run an execution plan.
    Plan {
        /// The plan.
        plan: std::sync::Arc<crate::protocol::plan::Plan>,
    },
    }
}

/// One input of an actor.
// Most inputs are arrivals: boxing them would cost an allocation per message for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Input {
    /// A message arrives: its envelope's signature verified and its header matched (at the
    /// node boundary, `actors::boundary`).
    Receive(Received),
    /// An envelope arrives whose check failed: never acted on, only noted.
    Rejected {
        /// The envelope as it arrived.
        envelope: Arc<Envelope>,
        /// Why it failed.
        rejection: Rejection,
    },
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

impl Input {
    /// The input an arrived envelope is once checked against `keyring`: its message, or the
    /// reason it failed (what a boundary with real keys gives its actor).
    pub fn checked(envelope: Arc<Envelope>, keyring: &Keyring) -> Input {
        Self::opened(envelope.open(keyring), envelope)
    }

    /// The input an envelope is, given what opening it gave.
    pub fn opened(opened: Result<Message, Rejection>, envelope: Arc<Envelope>) -> Input {
        match opened {
            Ok(message) => Input::Receive(Received { message, envelope }),
            Err(rejection) => Input::Rejected { envelope, rejection },
        }
    }
}

/// A message that passed the boundary's checks, with the envelope it came in: the signed
/// evidence a state change it causes is recorded against.
#[derive(Clone, Debug)]
pub struct Received {
    /// The message.
    pub message: Message,
    /// The envelope as it arrived.
    pub envelope: Arc<Envelope>,
}

impl Received {
    /// A message sealed with `key`, received as a boundary that trusts it would hand it on.
    pub fn sealed(message: Message, key: &SigningKey) -> Self {
        let envelope = Arc::new(Envelope::seal(message.clone(), key));
        Self { message, envelope }
    }
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

/// What a handler sends: a message the boundary seals with the actor's signer, or an
/// envelope already sealed (a copy of one received, or one a misbehaviour forged).
// Almost every send is a message: boxing it would cost an allocation per message for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Outgoing {
    /// A message of this actor's, to be sealed by its boundary (shared: a broadcast's members
    /// and an exchange's re-sends hold the same one).
    Message(Arc<Message>),
    /// An envelope sent as it is.
    Sealed(Arc<Envelope>),
}

impl Outgoing {
    /// The message kind.
    pub fn kind(&self) -> Kind {
        match self {
            Outgoing::Message(message) => message.body.kind(),
            Outgoing::Sealed(envelope) => envelope.kind,
        }
    }

    /// The request id.
    pub fn request_id(&self) -> u64 {
        match self {
            Outgoing::Message(message) => message.request_id,
            Outgoing::Sealed(envelope) => envelope.request_id,
        }
    }

    /// Where it is addressed.
    pub fn to(&self) -> &Address {
        match self {
            Outgoing::Message(message) => &message.to,
            Outgoing::Sealed(envelope) => &envelope.to,
        }
    }

    /// The message, unless it is an envelope sent as it is.
    pub fn message(&self) -> Option<&Message> {
        match self {
            Outgoing::Message(message) => Some(message),
            Outgoing::Sealed(_) => None,
        }
    }

    /// Who it claims to be from.
    pub fn from(&self) -> &ActorId {
        match self {
            Outgoing::Message(message) => &message.from,
            Outgoing::Sealed(envelope) => &envelope.from,
        }
    }
}

/// One send.
#[derive(Clone, Debug)]
pub struct Send {
    /// What is sent.
    pub outgoing: Outgoing,
    /// Send to this one actor instead of every receiver the message names.
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
    /// Whether the handler did nothing that reaches anyone: no send, no timer, no note.
    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.timers.is_empty() && self.cancels.is_empty() && self.notes.is_empty()
    }

    /// Sends a message to every receiver it names.
    pub fn send(&mut self, message: impl Into<Arc<Message>>) {
        self.sends.push(Send { outgoing: Outgoing::Message(message.into()), only: None, retry: false });
    }

    /// Sends a message to one actor (a member of a broadcast).
    pub fn send_to(&mut self, message: impl Into<Arc<Message>>, to: ActorId, retry: bool) {
        self.sends.push(Send { outgoing: Outgoing::Message(message.into()), only: Some(to), retry });
    }

    /// Sends an envelope as it is to one actor (a relayed copy, a forgery).
    pub fn relay(&mut self, envelope: Arc<Envelope>, to: ActorId) {
        self.sends.push(Send { outgoing: Outgoing::Sealed(envelope), only: Some(to), retry: false });
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
    use crate::protocol::message::Body;

    #[test]
    fn an_outbox_is_empty_until_anything_at_all_is_in_it() {
        assert!(Outbox::default().is_empty());
        let org = ActorId::Org(OrgId::from("org_1"));
        let message = Message { request_id: 1, from: org.clone(), to: Address::Actor(org), body: Body::SettlementAck };
        let mut sends = Outbox::default();
        sends.send(message);
        let timers = Outbox { timers: vec![(1, 5)], ..Outbox::default() };
        let cancels = Outbox { cancels: vec![1], ..Outbox::default() };
        let wait_ended = Note::WaitEnded { org: OrgId::from("org_1"), request_id: 1, deadline_us: 0 };
        let notes = Outbox { notes: vec![wait_ended], ..Outbox::default() };
        for (what, out) in [("a send", sends), ("a timer", timers), ("a cancel", cancels), ("a note", notes)] {
            assert!(!out.is_empty(), "{what}");
        }
    }
}
