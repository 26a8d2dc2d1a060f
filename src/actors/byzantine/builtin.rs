//! The misbehaviours a scenario names by word (`faults.byzantine[].behaviour`), each a rewrite
//! of the honest org's outbox.

use super::{Context, Misbehaviour};
use crate::actors::outbox::{Input, Note, Outbox};
use crate::crypto::Hash32;
use crate::protocol::envelope::Message;
use crate::protocol::ids::{ActorId, Address, OrgId};
use crate::protocol::message::{Body, Kind};
use crate::protocol::status::Status;
use std::collections::{BTreeMap, BTreeSet};

/// The built-in misbehaviour a scenario word names (`None` for any other word), with its
/// rank in the order they apply: the replayed copies, the lies, the resubmitted copy, then
/// what is withheld, then forgery.
pub fn by_name(word: &str) -> Option<(u8, Box<dyn Misbehaviour>)> {
    Some(match word {
        "replay" => (0, Box::new(Replay::default())),
        "wrong_balance" => (1, Box::new(WrongBalance)),
        "wrong_hash" => (2, Box::new(WrongHash::default())),
        "resubmit" => (3, Box::new(Resubmit::default())),
        "silent" => (4, Box::new(Silent)),
        "forge_signature" => (5, Box::new(ForgeSignature)),
        _ => return None,
    })
}

/// The org an answer goes to, for the trace's sentences.
fn asker(message: &Message) -> String {
    message.to.to_string()
}

/// Rewrites each send `change` applies to (re-sealed with the org's own key) and records
/// the detail it returns.
fn rewrite_sends(
    cx: &Context<'_>,
    out: &mut Outbox,
    name: &str,
    mut change: impl FnMut(&mut Message) -> Option<String>,
) {
    let mut details = Vec::new();
    for send in &mut out.sends {
        let mut detail = None;
        if let Some(envelope) = cx.rewrite(&send.envelope, |m| {
            detail = change(m);
            detail.is_some()
        }) {
            send.envelope = envelope;
            details.extend(detail);
        }
    }
    for detail in details {
        cx.misbehaved(out, name, detail);
    }
}

/// `wrong_balance`: answers balance requests with a wrong amount, correctly signed.
#[derive(Debug, Default)]
pub struct WrongBalance;

impl Misbehaviour for WrongBalance {
    fn name(&self) -> &str {
        "wrong_balance"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        rewrite_sends(cx, out, self.name(), |m| {
            let asker = asker(m);
            let Body::BalanceAnswer(a) = &mut m.body else { return None };
            if a.status != Status::Ok {
                return None;
            }
            let truth = a.current;
            a.current = truth.wrapping_mul(2).wrapping_add(7);
            a.available = a.current;
            Some(format!("answered balance #{} from {} with {} instead of {truth}", m.request_id, asker, a.current))
        });
    }
}

/// `wrong_hash`: answers verify and verify_proof requests with a wrong hash or root, correctly
/// signed (derived from what was asked, so every lie differs from the truth).
#[derive(Debug, Default)]
pub struct WrongHash {
    /// What each (request, asker) asked: the hash of a verify or the root of a verify_proof.
    asked: BTreeMap<(u64, ActorId), Hash32>,
}

impl Misbehaviour for WrongHash {
    fn name(&self) -> &str {
        "wrong_hash"
    }

    fn before(&mut self, cx: &Context<'_>, input: &Input, _: &mut Outbox) {
        let Input::Deliver(envelope) = input else { return };
        let asked = match cx.read(envelope).map(|m| m.body) {
            Some(Body::Verify(v)) => v.hash,
            Some(Body::VerifyProof(r)) => r.root,
            _ => return,
        };
        self.asked.insert((envelope.request_id, envelope.from.clone()), asked);
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        let (asked, name) = (&self.asked, self.name());
        rewrite_sends(cx, out, name, |m| {
            let Address::Actor(to) = &m.to else { return None };
            let lie = Hash32::of_parts(&[b"wrong", &asked.get(&(m.request_id, to.clone()))?.0]);
            let asker = asker(m);
            match &mut m.body {
                Body::VerifyAnswer(a) => {
                    (a.hash, a.status) = (Some(lie), Status::Ok);
                    Some(format!("answered verify #{} from {asker} with a wrong hash", m.request_id))
                }
                Body::ProofAnswer(a) => {
                    (a.root, a.status) = (Some(lie), Status::Ok);
                    Some(format!("answered verify_proof #{} from {asker} with a wrong root", m.request_id))
                }
                _ => None,
            }
        });
    }
}

/// `silent`: receives everything and answers nothing.
#[derive(Debug, Default)]
pub struct Silent;

impl Misbehaviour for Silent {
    fn name(&self) -> &str {
        "silent"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        let (withheld, kept): (Vec<_>, Vec<_>) = out.sends.drain(..).partition(|s| s.envelope.kind.is_answer());
        out.sends = kept;
        for send in withheld {
            let e = &send.envelope;
            cx.misbehaved(out, self.name(), format!("withheld its {} #{} to {}", e.kind, e.request_id, e.to));
        }
    }
}

/// `forge_signature`: signs everything it sends with a key that is not its own. The driver
/// builds the org with the forged key (`Organization::with_key`; `Byzantine::new` with
/// `forges`), so each message is signed once; this records each forged send.
#[derive(Debug, Default)]
pub struct ForgeSignature;

impl Misbehaviour for ForgeSignature {
    fn name(&self) -> &str {
        "forge_signature"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        let details: Vec<String> = out
            .sends
            .iter()
            .filter(|s| &s.envelope.from == cx.me())
            .map(|s| format!("signed its {} #{} with a key not its own", s.envelope.kind, s.envelope.request_id))
            .collect();
        for detail in details {
            cx.misbehaved(out, self.name(), detail);
        }
    }
}

/// `replay`: re-sends a copy of each validly signed message it receives from another org,
/// once, unchanged, to every other org.
#[derive(Debug, Default)]
pub struct Replay {
    replayed: BTreeSet<[u8; 64]>,
}

impl Misbehaviour for Replay {
    fn name(&self) -> &str {
        "replay"
    }

    fn before(&mut self, cx: &Context<'_>, input: &Input, out: &mut Outbox) {
        let Input::Deliver(envelope) = input else { return };
        let ActorId::Org(_) = &envelope.from else { return };
        if &envelope.from == cx.me() {
            return;
        }
        let Some(message) = cx.open(envelope) else { return };
        let for_me = match &message.to {
            Address::Actor(actor) => actor == cx.me(),
            Address::Cluster(cluster) => cx.cluster_of(cx.org) == Some(cluster),
        };
        if !for_me || !self.replayed.insert(envelope.signature) {
            return;
        }
        for org in cx.orgs().filter(|o| *o != cx.org) {
            out.send_to(envelope.clone(), ActorId::Org(org.clone()), false);
        }
        out.note(Note::Replayed {
            org: cx.org.clone(),
            from: envelope.from.clone(),
            kind: envelope.kind,
            request_id: envelope.request_id,
        });
    }
}

/// `resubmit` (a buyer's org): after each signed transfer it sends is accepted, it sends the
/// same signed transfer again under a fresh request id, once. The copy is its own: it
/// acknowledges the copy's settlement itself, and the honest org never hears of it.
#[derive(Debug, Default)]
pub struct Resubmit {
    /// Each transfer the honest org sent: its request id → (asset's org, the message).
    sent: BTreeMap<u64, (OrgId, Message)>,
    /// Each copy: fresh request id → the request it copied.
    copies: BTreeMap<u64, u64>,
}

impl Resubmit {
    fn fresh_id(seed: u64, request_id: u64) -> u64 {
        let digest = Hash32::of_parts(&[b"resubmit", &seed.to_be_bytes(), &request_id.to_be_bytes()]);
        let mut fresh = [0u8; 8];
        fresh.copy_from_slice(&digest.0[..8]);
        u64::from_be_bytes(fresh) | 1 << 63
    }
}

impl Misbehaviour for Resubmit {
    fn name(&self) -> &str {
        "resubmit"
    }

    fn after(&mut self, cx: &Context<'_>, input: &Input, out: &mut Outbox) {
        for send in out.sends.iter().filter(|s| s.envelope.kind == Kind::Transfer && &s.envelope.from == cx.me()) {
            if let (Some(message), Address::Actor(ActorId::Org(peer))) = (cx.read(&send.envelope), &send.envelope.to) {
                self.sent.entry(message.request_id).or_insert((peer.clone(), message));
            }
        }
        let Input::Deliver(envelope) = input else { return };
        let request_id = envelope.request_id;
        if envelope.kind != Kind::TxAccepted || self.copies.values().any(|r| *r == request_id) {
            return;
        }
        let Some((peer, message)) = self.sent.get(&request_id) else { return };
        if envelope.from != ActorId::Org(peer.clone()) || cx.open(envelope).is_none() {
            return;
        }
        let fresh = Self::fresh_id(cx.directory.seed, request_id);
        self.copies.insert(fresh, request_id);
        cx.misbehaved(out, self.name(), format!("sent transfer #{request_id} again as #{fresh}"));
        let copy = Message { request_id: fresh, ..message.clone() };
        out.send(cx.seal(copy));
    }

    fn takes(&mut self, cx: &Context<'_>, input: &Input, out: &mut Outbox) -> bool {
        let Input::Deliver(envelope) = input else { return false };
        let Some(original) = self.copies.get(&envelope.request_id) else { return false };
        let Some((peer, _)) = self.sent.get(original) else { return false };
        if envelope.kind == Kind::Settlement && envelope.from == ActorId::Org(peer.clone()) {
            let to = Address::Actor(ActorId::Org(peer.clone()));
            let ack = Message { request_id: envelope.request_id, from: cx.me().clone(), to, body: Body::SettlementAck };
            out.send(cx.seal(ack));
        }
        matches!(envelope.kind, Kind::TxAccepted | Kind::Settlement)
    }
}
