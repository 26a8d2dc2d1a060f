//! The node boundary: where an actor's envelopes are opened and sealed, so that its handlers
//! receive and emit typed messages. An arriving envelope becomes `Input::Receive` (signature
//! verified, header matched) or `Input::Rejected` (with the typed reason); each message the
//! handler sends is sealed with the actor's signer.
//!
//! The signer is the actor's ed25519 key (a `forge_signature` org's boundary holds a key that
//! is not its own), or the null signer: a zero signature, and envelopes opened without
//! verifying. A driver uses the null signer only when no actor can forge (an explorer of
//! delivery orders with no byzantine org): every honest signature verifies, so skipping the
//! check changes no transition, and it saves the 50 µs a signature and its check cost.
//! Ed25519 signatures are deterministic, so re-sealing a message (a retry) gives the same
//! envelope, byte for byte; the boundary remembers the envelope of each message still held
//! (an open exchange's request, a ledger's events), so a re-send costs no second signature.

use crate::actors::directory::Directory;
use crate::actors::outbox::{Input, Outgoing};
use crate::protocol::envelope::Envelope;
use crate::protocol::keys;
use ed25519_dalek::SigningKey;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How an actor's messages are signed.
#[derive(Clone, Debug)]
pub enum Signer {
    /// With this ed25519 key.
    Key(Box<SigningKey>),
    /// Not at all: a zero signature (see the module's documentation for when that is sound).
    Null,
    /// With this key, checking no arrival (as the null signer): for an exploration whose
    /// messages carry others' signatures inside them (a plan's approvals), which must be the
    /// signatures a run makes for a found order to replay there.
    SealOnly(Box<SigningKey>),
}

/// One actor's boundary: its signer, the public keys it checks arrivals against, and the
/// envelopes of the messages it sealed that are still held somewhere.
#[derive(Debug)]
pub struct Boundary {
    signer: Signer,
    directory: Arc<Directory>,
    sealed: RefCell<Sealed>,
}

/// The least number of entries a table sweeps at. Small: a run has thousands of boundaries, and
/// each dead entry holds an envelope (a floor of 1,024 kept about 0.5 GB of dead envelopes in a
/// run of 1,000 orgs).
const SWEEP_FLOOR: usize = 16;

/// The envelope of each sealed message, by the message's address, while the message is held
/// beyond the envelope that remembers it (a dead entry is swept once the table has doubled, or
/// passed `SWEEP_FLOOR`). Only looked up, never iterated into anything a run records.
#[derive(Debug, Default)]
struct Sealed {
    by_message: BTreeMap<usize, Arc<Envelope>>,
    sweep_at: usize,
}

impl Boundary {
    /// A boundary that signs with `signer` and checks arrivals with the directory's keys
    /// (or, with the null signer, does not check them).
    pub fn new(signer: Signer, directory: Arc<Directory>) -> Self {
        Self { signer, directory, sealed: RefCell::default() }
    }

    /// How many sealed messages the boundary remembers (dead ones until the next sweep).
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.sealed.borrow().by_message.len()
    }

    /// The input an arrived envelope is for its actor.
    pub fn open(&self, envelope: Arc<Envelope>) -> Input {
        match self.signer {
            Signer::Key(_) => Input::checked(envelope, &self.directory.keyring),
            Signer::Null | Signer::SealOnly(_) => Input::opened(envelope.open_unverified(), envelope),
        }
    }

    /// The envelope a send goes out in.
    pub fn seal(&self, outgoing: Outgoing) -> Arc<Envelope> {
        match outgoing {
            Outgoing::Message(message) => {
                let seal = |message| {
                    Arc::new(match &self.signer {
                        Signer::Key(key) | Signer::SealOnly(key) => {
                            Envelope::seal_with(message, |payload| keys::sign(key, payload))
                        }
                        Signer::Null => Envelope::seal_with(message, |_| [0; 64]),
                    })
                };
                // Held by nobody else, the message cannot be sent again: nothing to remember
                // (the sweep below would drop its entry, as it drops every such one).
                if Arc::strong_count(&message) == 1 {
                    return seal(message);
                }
                let mut sealed = self.sealed.borrow_mut();
                let address = Arc::as_ptr(&message) as usize;
                // The envelope remembers its message, so the message at this address is the
                // one sealed there for as long as the entry lives.
                if let Some(envelope) = sealed.by_message.get(&address) {
                    if envelope.sealed_from().is_some_and(|held| Arc::ptr_eq(held, &message)) {
                        return envelope.clone();
                    }
                }
                let envelope = seal(message);
                sealed.by_message.insert(address, envelope.clone());
                if sealed.by_message.len() > sealed.sweep_at {
                    // Held by someone besides the envelope's memory of it: still live.
                    sealed
                        .by_message
                        .retain(|_, envelope| envelope.sealed_from().is_some_and(|m| Arc::strong_count(m) > 1));
                    sealed.sweep_at = (2 * sealed.by_message.len()).max(SWEEP_FLOOR);
                }
                envelope
            }
            Outgoing::Sealed(envelope) => envelope,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signer an actor of a run with `seed` has: its own key.
    fn own_signer(seed: u64, actor: &crate::protocol::ids::ActorId) -> Signer {
        Signer::Key(Box::new(keys::actor_key(seed, actor)))
    }
    use crate::protocol::envelope::{Message, Rejection};
    use crate::protocol::ids::{ActorId, Address, OrgId};
    use crate::protocol::message::Body;

    fn directory() -> Arc<Directory> {
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        Arc::new(crate::sim::genesis::directory(&scenario, 1))
    }

    fn ack(from: &str) -> Message {
        let (from, to) = (ActorId::Org(OrgId::from(from)), Address::Actor(ActorId::Org(OrgId::from("org_2"))));
        Message { request_id: 3, from, to, body: Body::SettlementAck }
    }

    fn received(input: Input) -> Option<Message> {
        match input {
            Input::Receive(received) => Some(received.message),
            _ => None,
        }
    }

    #[test]
    fn a_real_boundary_seals_with_the_actors_key_and_the_same_message_twice_alike() {
        let dir = directory();
        let org_1 = Boundary::new(own_signer(1, &ActorId::Org(OrgId::from("org_1"))), dir.clone());
        let first = org_1.seal(Outgoing::Message(ack("org_1").into()));
        let again = org_1.seal(Outgoing::Message(ack("org_1").into()));
        assert_eq!(first, again, "a re-send is the same envelope, byte for byte");
        let org_2 = Boundary::new(own_signer(1, &ActorId::Org(OrgId::from("org_2"))), dir);
        assert_eq!(received(org_2.open(first.clone())), Some(ack("org_1")));
        let relayed = org_2.seal(Outgoing::Sealed(first.clone()));
        assert!(Arc::ptr_eq(&relayed, &first), "an envelope sent as it is is not sealed again");
    }

    #[test]
    fn a_message_still_held_is_sealed_once_and_the_table_keeps_only_what_is_held() {
        let org_1 = Boundary::new(own_signer(1, &ActorId::Org(OrgId::from("org_1"))), directory());
        let held = Arc::new(ack("org_1"));
        let first = org_1.seal(Outgoing::Message(held.clone()));
        assert!(Arc::ptr_eq(&first, &org_1.seal(Outgoing::Message(held.clone()))), "a re-send is not signed again");
        // A message nobody else holds is not remembered: it cannot be sent again.
        org_1.seal(Outgoing::Message(Arc::new(Message { request_id: 7, ..ack("org_1") })));
        assert_eq!(org_1.remembered(), 1, "the held message only");
        // More messages, each held while sealed and dropped after: the table is swept when it
        // passes the floor, and keeps the held message only.
        for request_id in 0..SWEEP_FLOOR as u64 {
            let m = Arc::new(Message { request_id, ..ack("org_1") });
            org_1.seal(Outgoing::Message(m.clone()));
        }
        assert_eq!(org_1.remembered(), 2, "the held message, and the one held while it was sealed at the sweep");
        assert!(Arc::ptr_eq(&first, &org_1.seal(Outgoing::Message(held))), "what is held survives the sweep");
        let copy = org_1.seal(Outgoing::Message(Arc::new(ack("org_1"))));
        assert_eq!(copy, first, "an equal message gets an equal envelope");
        assert!(!Arc::ptr_eq(&copy, &first), "but only the same message is remembered");
    }

    #[test]
    fn the_next_sweep_waits_for_twice_what_the_last_one_kept() {
        let org_1 = Boundary::new(own_signer(1, &ActorId::Org(OrgId::from("org_1"))), directory());
        let message = |request_id| Arc::new(Message { request_id, ..ack("org_1") });
        let kept = 3 * SWEEP_FLOOR as u64;
        let held: Vec<_> = (0..kept).map(message).collect();
        for m in &held {
            org_1.seal(Outgoing::Message(m.clone()));
        }
        // The held ones took the table past the floor; each sweep kept them all, so the next
        // waits for twice that many entries: swept at 1 (next at the floor f), at f + 1 (next at
        // 2f + 2), at 2f + 3 (next at 4f + 6, above the 3f held).
        assert_eq!(org_1.remembered() as u64, kept);
        let threshold = org_1.sealed.borrow().sweep_at as u64;
        assert_eq!(threshold, 4 * SWEEP_FLOOR as u64 + 6);
        // Each held while it is sealed (so remembered), then dropped (so dead at the next sweep).
        let seal_and_drop = |request_id| {
            let m = message(request_id);
            org_1.seal(Outgoing::Message(m.clone()));
        };
        for request_id in 0..threshold - kept {
            seal_and_drop(10_000 + request_id);
        }
        assert_eq!(org_1.remembered() as u64, threshold, "not swept at the threshold");
        seal_and_drop(20_000);
        assert_eq!(org_1.remembered() as u64, kept + 1, "swept past it: the held ones and the one being sealed");
    }

    #[test]
    fn a_failed_check_arrives_as_its_typed_rejection() {
        let dir = directory();
        let forger =
            Boundary::new(Signer::Key(Box::new(keys::forged_key(1, &ActorId::Org(OrgId::from("org_1"))))), dir.clone());
        let org_2 = Boundary::new(own_signer(1, &ActorId::Org(OrgId::from("org_2"))), dir);
        let forged = forger.seal(Outgoing::Message(ack("org_1").into()));
        assert!(matches!(org_2.open(forged), Input::Rejected { rejection: Rejection::BadSignature, .. }));
        let mut rerouted = (*org_2.seal(Outgoing::Message(ack("org_2").into()))).clone();
        rerouted.request_id += 1;
        let rejected = org_2.open(Arc::new(rerouted));
        assert!(
            matches!(rejected, Input::Rejected { rejection: Rejection::Malformed, .. }),
            "a header unlike the signed one"
        );
    }

    #[test]
    fn the_null_signer_signs_nothing_and_its_boundary_checks_only_the_header() {
        let dir = directory();
        let null = Boundary::new(Signer::Null, dir.clone());
        let sealed = null.seal(Outgoing::Message(ack("org_1").into()));
        assert_eq!(sealed.signature, [0; 64]);
        assert_eq!(received(null.open(sealed.clone())), Some(ack("org_1")), "opened without a signature check");
        let mut rerouted = (*sealed).clone();
        rerouted.to = Address::Actor(ActorId::Org(OrgId::from("org_3")));
        assert!(matches!(null.open(Arc::new(rerouted)), Input::Rejected { rejection: Rejection::Malformed, .. }));
        let real = Boundary::new(own_signer(1, &ActorId::Org(OrgId::from("org_2"))), dir);
        assert!(
            matches!(real.open(sealed), Input::Rejected { rejection: Rejection::BadSignature, .. }),
            "a real boundary never takes a null signature"
        );
    }
}
