//! The trace: every send, delivery, loss, duplicate, corruption, crash, restart,
//! step boundary and note, in the order the simulation processed them.
//!
//! The canonical form is one JSON object per line with a stable field order; its
//! SHA-256 is the run's digest. Same scenario + same seed ⇒ same lines, byte for byte.

/// What the nodes note in the trace ([`Event::Note`]).
pub use crate::actors::note;
/// The exchanges an org retries and times out, as its notes name them.
pub use crate::actors::organization::exchange::{ExchangeKind, OperationExchange};

use crate::actors::note::Note;
use crate::actors::outbox::Command;
use crate::crypto::chainpoint::{ChainpointProof, Op};
use crate::protocol::ids::{ActorId, TextPieces};
use crate::protocol::message::Kind;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Why a transmission was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossCause {
    /// The `drop` fault.
    Drop,
    /// Sender and receiver are in different partition groups.
    Partition,
    /// The receiver was down when it arrived.
    ReceiverDown,
}

/// A flow step's number: its place in the scenario's `flow`, counted from 1, as the account, the
/// report, the trace and the JSON all write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct StepNumber(pub usize);

impl StepNumber {
    /// The number of the step at `index` (from 0) in the flow.
    pub fn of_index(index: usize) -> Self {
        StepNumber(index + 1)
    }

    /// The step's index (from 0) in the flow.
    pub fn index(self) -> usize {
        self.0.saturating_sub(1)
    }
}

impl std::fmt::Display for StepNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One trace event at a virtual time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// Virtual time, microseconds.
    pub t_us: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// A transmission's endpoints and identity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hop {
    /// The actor that put it on the wire.
    pub from: ActorId,
    /// The actor it goes to.
    pub to: ActorId,
    /// The message kind.
    pub kind: Kind,
    /// The request id it belongs to.
    pub request_id: u64,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A flow step started.
    StepStarted {
        /// Its number in the flow (from 1).
        step: StepNumber,
        /// The actor it starts at.
        actor: ActorId,
        /// The request id of its exchange.
        request_id: u64,
        /// What the actor is asked to do.
        command: Command,
    },
    /// A flow step finished.
    StepFinished {
        /// Its number in the flow (from 1).
        step: StepNumber,
    },
    /// A transmission was handed to the network, to arrive after `latency_us`.
    Send {
        /// The transmission.
        #[serde(flatten)]
        hop: Hop,
        /// Whether it re-sends an earlier one.
        retry: bool,
        /// Its latency.
        latency_us: u64,
    },
    /// A transmission was lost.
    Lost {
        /// The transmission.
        #[serde(flatten)]
        hop: Hop,
        /// Why.
        cause: LossCause,
    },
    /// The network will deliver a second copy.
    Duplicated {
        /// The transmission.
        #[serde(flatten)]
        hop: Hop,
        /// The copy's latency.
        latency_us: u64,
    },
    /// The network altered a transmission (one bit of its signed bytes).
    Corrupted {
        /// The transmission.
        #[serde(flatten)]
        hop: Hop,
        /// The flipped bit.
        bit: usize,
    },
    /// A transmission reached its receiver.
    Delivered {
        /// The transmission.
        #[serde(flatten)]
        hop: Hop,
    },
    /// An org went down.
    Crashed {
        /// The org.
        org: String,
    },
    /// An org came back.
    Restarted {
        /// The org.
        org: String,
    },
    /// A partition that starts on an event began (it lasts until `until_us`).
    PartitionStarted {
        /// When it heals (virtual microseconds).
        until_us: u64,
    },
    /// An actor's observation.
    Note(Note),
}

/// Encodes the trace canonically: one JSON line per record.
pub fn to_jsonl(records: &[Record]) -> String {
    let mut out = Vec::new();
    for record in records {
        write_canonical_line(&mut out, record);
    }
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// One record's canonical line: its JSON and a line feed.
pub fn canonical_line(record: &Record) -> Vec<u8> {
    let mut line = Vec::new();
    write_canonical_line(&mut line, record);
    line
}

/// Appends one record's canonical line to `buffer`: the bytes `serde_json` writes for the
/// record, and a line feed.
///
/// Every event of a run passes through here, so the line is written without serde's
/// `flatten` (a map serializer wrapped around every field): the time, then the event's own
/// object with its opening brace turned into the comma after the time (a note's own object
/// after its event's tag). Sends and deliveries, two thirds of a trace's lines, and state
/// changes, a third of its notes, are written field by field. A test holds every kind of event
/// to the derived encoding of `Record`, byte for byte.
pub fn write_canonical_line(buffer: &mut Vec<u8>, record: &Record) {
    buffer.extend_from_slice(b"{\"t_us\":");
    buffer.extend_from_slice(itoa::Buffer::new().format(record.t_us).as_bytes());
    match &record.event {
        Event::Send { hop, retry, latency_us } => {
            buffer.extend_from_slice(b",\"event\":\"send\"");
            write_hop(buffer, hop);
            buffer.extend_from_slice(if *retry { b",\"retry\":true" } else { b",\"retry\":false" });
            buffer.extend_from_slice(b",\"latency_us\":");
            buffer.extend_from_slice(itoa::Buffer::new().format(*latency_us).as_bytes());
            buffer.push(b'}');
        }
        Event::Delivered { hop } => {
            buffer.extend_from_slice(b",\"event\":\"delivered\"");
            write_hop(buffer, hop);
            buffer.push(b'}');
        }
        // A third of a run's notes: an actor and a word.
        Event::Note(Note::StateChange { actor, change, .. }) => {
            buffer.extend_from_slice(b",\"event\":\"note\",\"note\":\"state_change\",\"actor\":");
            write_json_text(buffer, actor);
            buffer.extend_from_slice(b",\"change\":\"");
            buffer.extend_from_slice(change.word().as_bytes());
            buffer.extend_from_slice(b"\"}");
        }
        // A fifth of a trace's bytes: a transfer's final status, with its proof.
        Event::Note(Note::TransferFinal { org, request_id, settled, reason, cause, proof }) => {
            buffer.extend_from_slice(b",\"event\":\"note\",\"note\":\"transfer_final\",\"org\":");
            write_json_text(buffer, org.as_str());
            buffer.extend_from_slice(b",\"request_id\":");
            buffer.extend_from_slice(itoa::Buffer::new().format(*request_id).as_bytes());
            buffer.extend_from_slice(if *settled { b",\"settled\":true" } else { b",\"settled\":false" });
            buffer.extend_from_slice(b",\"reason\":");
            write_json(buffer, reason);
            buffer.extend_from_slice(b",\"cause\":");
            write_json(buffer, cause);
            buffer.extend_from_slice(b",\"proof\":");
            match proof {
                Some(proof) => write_proof(buffer, proof),
                None => buffer.extend_from_slice(b"null"),
            }
            buffer.push(b'}');
        }
        Event::Note(note) => {
            buffer.extend_from_slice(b",\"event\":\"note\"");
            write_fields(buffer, note);
        }
        event => write_fields(buffer, event),
    }
    buffer.push(b'\n');
}

/// Appends `value`'s JSON object as fields that continue an object: its opening brace becomes
/// a comma.
fn write_fields<T: Serialize>(buffer: &mut Vec<u8>, value: &T) {
    let start = buffer.len();
    write_json(buffer, value);
    debug_assert_eq!(buffer[start], b'{', "a JSON object");
    buffer[start] = b',';
}

/// A Chainpoint proof's JSON object, as its derived encoding writes it.
fn write_proof(buffer: &mut Vec<u8>, proof: &ChainpointProof) {
    let texts = [
        ("{\"@context\":", &proof.context),
        (",\"type\":", &proof.kind),
        (",\"hash\":", &proof.hash),
        (",\"proof_id\":", &proof.proof_id),
        (",\"hash_received\":", &proof.hash_received),
    ];
    for (name, text) in texts {
        buffer.extend_from_slice(name.as_bytes());
        write_json_text(buffer, &text[..]);
    }
    buffer.extend_from_slice(b",\"branches\":[");
    for (b, branch) in proof.branches.iter().enumerate() {
        buffer.extend_from_slice(if b == 0 { b"{\"label\":" } else { b",{\"label\":" });
        write_json_text(buffer, &branch.label[..]);
        buffer.extend_from_slice(b",\"ops\":[");
        for (o, op) in branch.ops.iter().enumerate() {
            if o > 0 {
                buffer.push(b',');
            }
            let (name, text): (&[u8], &str) = match op {
                Op::Left(hex) => (b"{\"l\":", hex),
                Op::Right(hex) => (b"{\"r\":", hex),
                Op::Hash(name) => (b"{\"op\":", name),
                Op::Anchors(anchors) => {
                    buffer.extend_from_slice(b"{\"anchors\":[");
                    for (a, anchor) in anchors.iter().enumerate() {
                        buffer.extend_from_slice(if a == 0 { b"{\"type\":" } else { b",{\"type\":" });
                        write_json_text(buffer, &anchor.kind[..]);
                        buffer.extend_from_slice(b",\"anchor_id\":");
                        write_json_text(buffer, &anchor.anchor_id[..]);
                        buffer.push(b'}');
                    }
                    buffer.extend_from_slice(b"]}");
                    continue;
                }
            };
            buffer.extend_from_slice(name);
            write_json_text(buffer, text);
            buffer.push(b'}');
        }
        buffer.extend_from_slice(b"]}");
    }
    buffer.extend_from_slice(b"]}");
}

/// A hop's fields, each after a comma, as its derived encoding writes them.
fn write_hop(buffer: &mut Vec<u8>, hop: &Hop) {
    buffer.extend_from_slice(b",\"from\":");
    write_json_text(buffer, &hop.from);
    buffer.extend_from_slice(b",\"to\":");
    write_json_text(buffer, &hop.to);
    buffer.extend_from_slice(b",\"kind\":");
    write_json_text(buffer, hop.kind.word());
    buffer.extend_from_slice(b",\"request_id\":");
    buffer.extend_from_slice(itoa::Buffer::new().format(hop.request_id).as_bytes());
}

/// Appends `id`'s text as a JSON string (what its `Serialize`, a string of that text, encodes):
/// as it is between quotes when no byte of it needs an escape (a control character, `"` or
/// `\\`: serde_json escapes those and nothing else), else through serde_json.
fn write_json_text<T: TextPieces + ?Sized>(buffer: &mut Vec<u8>, id: &T) {
    let start = buffer.len();
    buffer.push(b'"');
    id.append_text(buffer);
    if buffer[start + 1..].iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\') {
        buffer.push(b'"');
    } else {
        let escaped = serde_json::to_string(&String::from_utf8_lossy(&buffer[start + 1..])).expect("text encodes");
        buffer.truncate(start);
        buffer.extend_from_slice(escaped.as_bytes());
    }
}

/// Appends `value`'s JSON (a string's escapes included).
fn write_json<T: Serialize + ?Sized>(buffer: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(&mut *buffer, value).expect("trace values always encode");
}

/// SHA-256 (hex) of the canonical trace. (A run hashes its trace as it goes; this is the same
/// function of a whole trace, for readers of trace files.)
pub fn digest(records: &[Record]) -> String {
    let mut hasher = Sha256::new();
    for record in records {
        hasher.update(canonical_line(record));
    }
    const_hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_change_is_written_as_its_derived_json() {
        use crate::actors::note::Change;
        use crate::protocol::envelope::{Envelope, Message};
        use crate::protocol::ids::{Address, OrgId};
        let from = ActorId::Org(OrgId::from("org_1"));
        let message = Message {
            request_id: 1,
            from: from.clone(),
            to: Address::Actor(from.clone()),
            body: crate::protocol::message::Body::SettlementAck,
        };
        let cause = std::sync::Arc::new(Envelope::seal(message, &crate::protocol::keys::actor_key(1, &from)));
        for change in Change::all() {
            for actor in [from.clone(), ActorId::Org(OrgId::from("a\"b"))] {
                let record =
                    Record { t_us: 7, event: Event::Note(Note::StateChange { actor, change, cause: cause.clone() }) };
                let mut derived = serde_json::to_vec(&record).unwrap();
                derived.push(b'\n');
                assert_eq!(String::from_utf8(canonical_line(&record)).unwrap(), String::from_utf8(derived).unwrap());
            }
        }
    }

    #[test]
    fn a_final_status_is_written_as_its_derived_json() {
        use crate::crypto::chainpoint::{Anchor, Branch};
        use crate::protocol::cause::Cause;
        use crate::protocol::ids::{ClusterId, OrgId};
        use crate::protocol::status::Status;
        let odd = "a\"b\\c\n\u{1}é";
        let proof = |branches: Vec<Branch>| ChainpointProof {
            context: "https://w3id.org/chainpoint/v4".into(),
            kind: "Chainpoint".into(),
            hash: "00ff".into(),
            proof_id: odd.into(),
            hash_received: "2026-01-01T00:00:00Z".into(),
            branches,
        };
        let ops = vec![
            Op::Left("00".into()),
            Op::Hash("sha-256".into()),
            Op::Right(odd.into()),
            Op::Anchors(vec![]),
            Op::Anchors(vec![
                Anchor { kind: "tcal".into(), anchor_id: "cluster_B:1".into() },
                Anchor { kind: odd.into(), anchor_id: "x".into() },
            ]),
        ];
        let branches = [
            vec![],
            vec![Branch { label: "cal_anchor_branch".into(), ops: vec![] }],
            vec![Branch { label: odd.into(), ops: ops.clone() }, Branch { label: "second".into(), ops }],
        ];
        let cause = Cause::Settled { cluster: ClusterId::from("cluster_B"), height: 3 };
        let mut proofs: Vec<_> = branches.into_iter().map(|b| Some(std::sync::Arc::new(proof(b)))).collect();
        proofs.push(None);
        for proof in proofs {
            for (org, settled) in [("org_1", true), (odd, false)] {
                let note = Note::TransferFinal {
                    org: OrgId::from(org),
                    request_id: 1 << 40,
                    settled,
                    reason: if settled { Status::Ok } else { Status::Timeout },
                    cause: cause.clone(),
                    proof: proof.clone(),
                };
                let record = Record { t_us: 9, event: Event::Note(note) };
                let mut derived = serde_json::to_vec(&record).unwrap();
                derived.push(b'\n');
                assert_eq!(String::from_utf8(canonical_line(&record)).unwrap(), String::from_utf8(derived).unwrap());
            }
        }
    }

    #[test]
    fn a_text_is_written_as_serde_json_writes_its_string() {
        use crate::protocol::ids::{ActorId, ClusterId, OrgId, ResourceId};
        let names = ["org_1", "", "a\"b", "back\\slash", "line\nfeed", "\u{1f}", "\u{7f}", "é€😀"];
        for name in names {
            let user = ResourceId { org: OrgId::from("org_1"), kind: 100, name: name.into() };
            for actor in [ActorId::Org(OrgId::from(name)), ActorId::Ledger(ClusterId::from(name)), ActorId::User(user)]
            {
                let mut buffer = b"prefix".to_vec();
                write_json_text(&mut buffer, &actor);
                let expected = [b"prefix".to_vec(), serde_json::to_vec(&actor).unwrap()].concat();
                assert_eq!(String::from_utf8(buffer).unwrap(), String::from_utf8(expected).unwrap(), "{name:?}");
                assert_eq!(serde_json::to_value(&actor).unwrap(), serde_json::Value::String(actor.to_string()));
            }
            let mut buffer = Vec::new();
            write_json_text(&mut buffer, name);
            assert_eq!(buffer, serde_json::to_vec(name).unwrap());
        }
    }
}
