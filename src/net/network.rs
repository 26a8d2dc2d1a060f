//! The network as a synchronous module: it owns the topology, the transmission counters and
//! the record of which orgs are down, decides the fate of every transmission once
//! (`faults::decide`), and returns what happened — the trace events and the arrivals to
//! schedule. It knows nothing of actors or of a runtime; the simulation's driver only moves
//! what it returns.

use super::faults::{self, Decision, TransmissionKey};
use super::topology::Topology;
use crate::lookup::Lookup;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{ActorId, OrgId, TextPieces};
use crate::scenario::{Faults, Latency, Scenario};
use crate::trace::LossCause;
use crate::trace::{Event, Hop};
use arrayvec::ArrayVec;
use serde::Serialize;
use sha2::Digest;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Transmissions between two different orgs, as the contract counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Handed to the network, re-sends included.
    pub sent: u64,
    /// Reached their receiver, extra copies included.
    pub delivered: u64,
    /// Lost (drop, partition, crashed receiver).
    pub dropped: u64,
    /// Extra copies.
    pub duplicated: u64,
    /// Altered in transit.
    pub corrupted: u64,
    /// Re-sends.
    pub retries: u64,
    /// Received with a failing envelope signature.
    pub bad_signatures: u64,
}

/// One copy of a transmission on its way: it arrives at `arrival_us`.
#[derive(Debug)]
pub struct Arrival {
    /// When it arrives, virtual microseconds.
    pub arrival_us: u64,
    /// Its sender.
    pub sender: ActorId,
    /// Its receiver.
    pub receiver: ActorId,
    /// The envelope as it arrives (altered when corrupted).
    pub envelope: Arc<Envelope>,
    /// The envelope as it was sent.
    pub sent: Arc<Envelope>,
    /// When it was sent.
    pub sent_us: u64,
}

/// What one transmission produced: the trace events, in order, and the copies in flight (held
/// inline: a transmission makes at most three events and two copies).
#[derive(Debug, Default)]
pub struct Transmitted {
    /// Events for the trace: `Lost`, or `Send`, then `Corrupted` and `Duplicated` if they happen.
    pub events: ArrayVec<Event, 3>,
    /// Copies to deliver later (none when lost; two when duplicated).
    pub arrivals: ArrayVec<Arrival, 2>,
}

/// The network of one run.
#[derive(Debug)]
pub struct Network {
    seed: u64,
    topology: Topology,
    /// Each org that is down, with how many crash intervals hold it down (they may overlap):
    /// the one record of "this org is down".
    down: BTreeMap<OrgId, u32>,
    /// How many times each (sender, receiver, request, kind) was sent: the key of each draw.
    /// Kept under the first 16 bytes of the SHA-256 of the key's text (as one number), not the
    /// text itself (a run sends millions of them). A `Lookup`: a tree's search over a million
    /// keys was most of a transmission's own cost.
    ordinals: Lookup<u128, u32>,
    /// The text of the key of the transmission being decided (kept to reuse its capacity).
    key: String,
    /// The name a request goes by in those keys, where it has one (the flow's steps: see
    /// `Flow::fate_names`); else its request id.
    request_names: BTreeMap<u64, String>,
    /// The counters.
    pub stats: Stats,
}

impl Network {
    /// The network of a scenario, with every org up.
    pub fn new(scenario: &Scenario, seed: u64) -> Self {
        Self {
            seed,
            topology: Topology::new(scenario),
            down: BTreeMap::new(),
            ordinals: Lookup::default(),
            key: String::new(),
            request_names: BTreeMap::new(),
            stats: Stats::default(),
        }
    }

    /// Names requests in the keys of their draws (request id → name), so that a message's fate
    /// depends on what it is, not on where its step stands in the flow.
    pub fn name_requests(&mut self, names: BTreeMap<u64, String>) {
        self.request_names = names;
    }

    /// Whether an actor is down (only orgs crash).
    pub fn is_down(&self, actor: &ActorId) -> bool {
        actor.org().is_some_and(|o| self.down.contains_key(o))
    }

    /// An org crashes; `true` if it was up (it goes down now).
    pub fn crash(&mut self, org: &OrgId) -> bool {
        let holds = self.down.entry(org.clone()).or_insert(0);
        *holds += 1;
        *holds == 1
    }

    /// A crash interval of an org ends; `true` if no other holds it down (it comes back now).
    pub fn restart(&mut self, org: &OrgId) -> bool {
        match self.down.get(org).copied().unwrap_or(0) {
            holds if holds <= 1 => {
                self.down.remove(org);
                true
            }
            holds => {
                self.down.insert(org.clone(), holds - 1);
                false
            }
        }
    }

    fn latency(&self, sender: &ActorId, receiver: &ActorId) -> Latency {
        match (sender, receiver) {
            (ActorId::Org(a), ActorId::Org(b)) => self.topology.latency_between(a, b),
            (ActorId::Org(_), ActorId::Ledger(c)) | (ActorId::Ledger(c), ActorId::Org(_)) => {
                self.topology.ledger_latency(c)
            }
            _ => Latency::Constant { us: 0 },
        }
    }

    /// One transmission at `now`: its fate is decided once, and every branch is an event.
    pub fn transmit(
        &mut self,
        now: u64,
        faults: &Faults,
        sender: ActorId,
        receiver: ActorId,
        envelope: Arc<Envelope>,
        retry: bool,
    ) -> Transmitted {
        let mut out = Transmitted::default();
        let between_orgs = between_orgs(&sender, &receiver);
        let hop = hop(&sender, &receiver, &envelope);
        // The key's text is written into the network's one buffer (given back below).
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        // `FROM>TO#REQUEST/KIND`, REQUEST the step's name when it has one, else the request id.
        hop.from.push_text(&mut key);
        key.push('>');
        hop.to.push_text(&mut key);
        key.push('#');
        match self.request_names.get(&hop.request_id) {
            Some(name) => key.push_str(name),
            None => key.push_str(itoa::Buffer::new().format(hop.request_id)),
        }
        key.push('/');
        key.push_str(hop.kind.word());
        let digest: [u8; 32] = sha2::Sha256::digest(key.as_bytes()).into();
        let short = u128::from_be_bytes(digest[..16].try_into().expect("sixteen bytes"));
        let ordinal = self.ordinals.get_or_insert_with(short, || 0);
        key.push('/');
        key.push_str(itoa::Buffer::new().format(*ordinal));
        *ordinal += 1;
        let partitioned = match (&sender, &receiver) {
            (ActorId::Org(a), ActorId::Org(b)) if between_orgs => {
                faults.partitions.iter().any(|p| p.separates(now, a, b))
            }
            _ => false,
        };
        if between_orgs {
            self.stats.sent += 1;
        }
        let transmission =
            TransmissionKey { key: &key, payload_len: envelope.payload().len(), between_orgs, partitioned };
        match faults::decide(self.seed, faults, self.latency(&sender, &receiver), &transmission) {
            Decision::Lost(cause) => {
                self.stats.dropped += 1;
                out.events.push(Event::Lost { hop, cause });
            }
            Decision::Delivered { latency_us, corrupt_bit, duplicate_latency_us } => {
                // Each event names the hop: the last one written takes it, the others a copy.
                let mut hop = Some(hop);
                let mut name = |last: bool| if last { hop.take() } else { hop.clone() }.expect("named until the last");
                let send_is_last = corrupt_bit.is_none() && duplicate_latency_us.is_none();
                out.events.push(Event::Send { hop: name(send_is_last), retry, latency_us });
                let mut delivered = envelope.clone();
                if let Some(bit) = corrupt_bit {
                    let mut altered = (*envelope).clone();
                    altered.flip_bit(bit);
                    delivered = Arc::new(altered);
                    self.stats.corrupted += 1;
                    out.events.push(Event::Corrupted { hop: name(duplicate_latency_us.is_none()), bit });
                }
                let copy = |arrival_us: u64| Arrival {
                    arrival_us,
                    sender: sender.clone(),
                    receiver: receiver.clone(),
                    envelope: delivered.clone(),
                    sent: envelope.clone(),
                    sent_us: now,
                };
                out.arrivals.push(copy(now.saturating_add(latency_us)));
                if let Some(copy_latency_us) = duplicate_latency_us {
                    self.stats.duplicated += 1;
                    out.events.push(Event::Duplicated { hop: name(true), latency_us: copy_latency_us });
                    out.arrivals.push(copy(now.saturating_add(copy_latency_us)));
                }
            }
        }
        self.key = key;
        out
    }

    /// A copy reaches its receiver: the event to record, `Delivered`, or `Lost` when the
    /// receiver is down.
    pub fn arrive(&mut self, sender: &ActorId, receiver: &ActorId, envelope: &Envelope) -> Event {
        let between_orgs = between_orgs(sender, receiver);
        let hop = hop(sender, receiver, envelope);
        if self.is_down(receiver) {
            if between_orgs {
                self.stats.dropped += 1;
            }
            return Event::Lost { hop, cause: LossCause::ReceiverDown };
        }
        if between_orgs {
            self.stats.delivered += 1;
        }
        Event::Delivered { hop }
    }
}

impl Network {
    /// A copy between two orgs is lost in transit (a schedule's `drop`): the event to record.
    pub fn lose(&mut self, sender: &ActorId, receiver: &ActorId, envelope: &Envelope) -> Event {
        self.stats.dropped += 1;
        Event::Lost { hop: hop(sender, receiver, envelope), cause: LossCause::Drop }
    }
}

/// Whether a transmission is between two different orgs: what faults apply to and what `Stats` count.
pub fn between_orgs(sender: &ActorId, receiver: &ActorId) -> bool {
    matches!((sender, receiver), (ActorId::Org(a), ActorId::Org(b)) if a != b)
}

/// A transmission as the trace names it.
fn hop(sender: &ActorId, receiver: &ActorId, envelope: &Envelope) -> Hop {
    Hop { from: sender.clone(), to: receiver.clone(), kind: envelope.kind, request_id: envelope.request_id }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::envelope::Message;
    use crate::protocol::ids::Address;
    use crate::protocol::keys;
    use crate::protocol::message::Body;

    fn network() -> (Network, Scenario) {
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        (Network::new(&scenario, 1), scenario)
    }

    fn envelope(from: &str, to: &str) -> Arc<Envelope> {
        let from = ActorId::Org(OrgId::from(from));
        let message = Message {
            request_id: 1,
            from: from.clone(),
            to: Address::Actor(ActorId::Org(OrgId::from(to))),
            body: Body::SettlementAck,
        };
        Arc::new(Envelope::seal(message, &keys::actor_key(1, &from)))
    }

    #[test]
    fn overlapping_crashes_hold_an_org_down_until_the_last_restart() {
        let (mut net, _) = network();
        let org = OrgId::from("org_2");
        assert!(net.crash(&org), "down now");
        assert!(!net.crash(&org), "already down");
        assert!(!net.restart(&org) && net.is_down(&ActorId::Org(org.clone())), "one crash still holds it");
        assert!(net.restart(&org) && !net.is_down(&ActorId::Org(org)));
    }

    #[test]
    fn every_transmission_is_counted_once_whatever_its_fate() {
        let (mut net, scenario) = network();
        let mut faults = scenario.faults.clone();
        (faults.drop_probability, faults.duplicate_probability) = (0.3, 0.3);
        let (a, b) = (ActorId::Org(OrgId::from("org_1")), ActorId::Org(OrgId::from("org_2")));
        net.crash(&OrgId::from("org_2"));
        let mut arrivals = Vec::new();
        for now in 0..200 {
            arrivals
                .extend(net.transmit(now, &faults, a.clone(), b.clone(), envelope("org_1", "org_2"), false).arrivals);
        }
        for arrival in &arrivals {
            let _ = net.arrive(&arrival.sender, &arrival.receiver, &arrival.envelope);
        }
        let s = net.stats;
        assert_eq!(s.sent, 200);
        assert!(s.dropped > 0 && s.duplicated > 0, "{s:?}");
        assert_eq!(s.delivered, 0, "the receiver is down");
        assert_eq!(s.sent + s.duplicated, s.delivered + s.dropped);
    }
}
