//! A schedule: one order of everything that happens in a run without latencies — which step
//! starts, which message is delivered or lost, which timer fires — as `finsim explore` writes
//! a counterexample and `finsim run --schedule` replays it (`docs/exploration.md`).
//!
//! A message is named by its endpoints, kind, request id and the first 8 bytes of the SHA-256
//! of its signed bytes (its `payload`, the same under any signer), so that a schedule names
//! exactly one message of those in flight (identical copies are interchangeable).

use crate::actors::TimerId;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::ActorId;
use crate::protocol::message::Kind;
use crate::trace::StepNumber;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An order of events, with what it was written for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// The scenario's name.
    pub scenario: String,
    /// The seed the keys are derived from.
    pub seed: u64,
    /// The checks that fail at its end, as the explorer found them (informative).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fails: Vec<String>,
    /// The events, in order.
    pub events: Vec<Choice>,
}

/// One event of a schedule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Choice {
    /// A flow step starts.
    Start {
        /// The step (from 1).
        step: StepNumber,
    },
    /// A message in flight reaches its receiver.
    Deliver(Transmission),
    /// A message in flight between two orgs is lost.
    Drop(Transmission),
    /// A timer fires: a ledger closes a block, or an org's wait times out.
    Timer {
        /// Whose timer.
        actor: ActorId,
        /// Which (unique within its actor).
        timer: TimerId,
    },
}

/// A message in flight, as a schedule names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transmission {
    /// The sender.
    pub from: ActorId,
    /// The receiver.
    pub to: ActorId,
    /// The message kind.
    pub kind: Kind,
    /// The exchange it belongs to.
    pub request_id: u64,
    /// The first 8 bytes of the SHA-256 of its signed bytes, in hex.
    pub message: String,
}

impl Transmission {
    /// The transmission of `envelope` from `from` to `to`.
    pub fn of(from: &ActorId, to: &ActorId, envelope: &Envelope) -> Self {
        Self {
            from: from.clone(),
            to: to.clone(),
            kind: envelope.kind,
            request_id: envelope.request_id,
            message: const_hex::encode(message_id(envelope).to_be_bytes()),
        }
    }

    /// Whether this names a copy of `envelope` sent from `from` to `to`.
    pub fn names(&self, from: &ActorId, to: &ActorId, envelope: &Envelope) -> bool {
        &self.from == from
            && &self.to == to
            && self.kind == envelope.kind
            && self.request_id == envelope.request_id
            && self.message == const_hex::encode(message_id(envelope).to_be_bytes())
    }
}

/// A message's identity: the first 8 bytes of the SHA-256 of its signed bytes.
pub fn message_id(envelope: &Envelope) -> u64 {
    let digest = crate::crypto::Hash32::of(envelope.payload());
    let mut first = [0; 8];
    first.copy_from_slice(&digest.0[..8]);
    u64::from_be_bytes(first)
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Start { step } => write!(f, "step {step} starts"),
            Choice::Deliver(t) => {
                write!(f, "{} {}→{} (request {}, message {}) delivered", t.kind, t.from, t.to, t.request_id, t.message)
            }
            Choice::Drop(t) => {
                write!(f, "{} {}→{} (request {}, message {}) lost", t.kind, t.from, t.to, t.request_id, t.message)
            }
            Choice::Timer { actor, timer } => write!(f, "timer {timer} of {actor} fires"),
        }
    }
}

/// Why a schedule does not fit a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Misfit {
    /// Its `scenario` names another scenario.
    Scenario {
        /// The name in the schedule.
        schedule: String,
        /// The file's.
        file: String,
    },
    /// An event that cannot happen where it stands.
    Impossible {
        /// Its place in `events`, from 1.
        index: usize,
        /// The event.
        choice: Box<Choice>,
    },
    /// The schedule ends while something can still happen.
    Unfinished {
        /// How many events could still happen.
        left: usize,
        /// The first of them.
        next: Box<Choice>,
    },
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Misfit::Scenario { schedule: _, file } => {
                let file = crate::text::clip(file, 200);
                write!(f, "the schedule was written for another scenario than `{file}` (its `scenario` differs)")
            }
            Misfit::Impossible { index, choice } => {
                write!(f, "event {index} of the schedule cannot happen there: {choice} (nothing such is pending)")
            }
            Misfit::Unfinished { left, next } => write!(
                f,
                "the schedule ends while {left} event(s) can still happen, the first: {next}; a schedule runs a \
                 flow to its end"
            ),
        }
    }
}
