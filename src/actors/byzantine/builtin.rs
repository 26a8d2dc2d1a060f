//! The misbehaviours a scenario names by word (`faults.byzantine[].behaviour`), each a rewrite
//! of the honest org's outbox.

use super::{Context, Misbehaviour};
use crate::actors::note::{Act, Note};
use crate::actors::outbox::{Input, Outbox, Outgoing, Received};
use crate::crypto::Hash32;
use crate::protocol::envelope::Message;
use crate::protocol::ids::{ActorId, Address, OrgId};
use crate::protocol::message::{Body, Kind};
use crate::protocol::status::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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
        "withhold_release" => (6, Box::new(WithholdRelease)),
        "skip_consent" => (7, Box::new(SkipConsent)),
        _ => return None,
    })
}

/// `wrong_balance`: answers balance requests with a wrong amount, correctly signed.
#[derive(Debug, Default)]
pub struct WrongBalance;

impl Misbehaviour for WrongBalance {
    fn name(&self) -> &str {
        "wrong_balance"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        cx.rewrite_sends(out, self.name(), |m| {
            let Body::BalanceAnswer(a) = &mut m.body else { return None };
            if a.status != Status::Ok {
                return None;
            }
            let truth = a.current;
            a.current = truth.wrapping_mul(2).wrapping_add(7);
            a.available = a.current;
            Some(Act::Lied { told: a.current, truth })
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

    fn before(&mut self, _: &Context<'_>, input: &Input, _: &mut Outbox) {
        let Input::Receive(Received { message, .. }) = input else { return };
        let asked = match &message.body {
            Body::Verify(v) => v.hash,
            Body::VerifyProof(r) => r.root,
            _ => return,
        };
        self.asked.insert((message.request_id, message.from.clone()), asked);
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        let (asked, name) = (&self.asked, self.name());
        cx.rewrite_sends(out, name, |m| {
            let Address::Actor(to) = &m.to else { return None };
            let lie = Hash32::of_parts(&[b"wrong", &asked.get(&(m.request_id, to.clone()))?.0]);
            match &mut m.body {
                Body::VerifyAnswer(a) => {
                    (a.hash, a.status) = (Some(lie), Status::Ok);
                    Some(Act::WrongHash)
                }
                Body::ProofAnswer(a) => {
                    (a.root, a.status) = (Some(lie), Status::Ok);
                    Some(Act::WrongRoot)
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
        let (withheld, kept): (Vec<_>, Vec<_>) = out.sends.drain(..).partition(|s| s.outgoing.kind().is_answer());
        out.sends = kept;
        for send in withheld {
            cx.misbehaved(out, self.name(), &send.outgoing, Act::Withheld);
        }
    }
}

/// `forge_signature`: signs everything it sends with a key that is not its own. The driver
/// gives the org's boundary the forged key (`actors::boundary`), so each message is signed
/// once; this records each forged send.
#[derive(Debug, Default)]
pub struct ForgeSignature;

impl Misbehaviour for ForgeSignature {
    fn name(&self) -> &str {
        "forge_signature"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        let forged: Vec<_> =
            out.sends.iter().filter(|s| s.outgoing.from() == cx.me()).map(|s| s.outgoing.clone()).collect();
        for outgoing in forged {
            cx.misbehaved(out, self.name(), &outgoing, Act::Forged);
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
        let Input::Receive(Received { message, envelope }) = input else { return };
        let ActorId::Org(_) = &envelope.from else { return };
        if &envelope.from == cx.me() {
            return;
        }
        let for_me = match &message.to {
            Address::Actor(actor) => actor == cx.me(),
            Address::Cluster(cluster) => cx.cluster_of(cx.org) == Some(cluster),
        };
        if !for_me || !self.replayed.insert(envelope.signature) {
            return;
        }
        for org in cx.orgs().filter(|o| *o != cx.org) {
            out.relay(envelope.clone(), ActorId::Org(org.clone()));
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
        for send in &out.sends {
            let Outgoing::Message(message) = &send.outgoing else { continue };
            if let (Body::Transfer(_), Address::Actor(ActorId::Org(peer))) = (&message.body, &message.to) {
                if &message.from == cx.me() {
                    self.sent.entry(message.request_id).or_insert((peer.clone(), (**message).clone()));
                }
            }
        }
        let Input::Receive(Received { message: answer, .. }) = input else { return };
        let request_id = answer.request_id;
        if answer.body.kind() != Kind::TxAccepted || self.copies.values().any(|r| *r == request_id) {
            return;
        }
        let Some((peer, message)) = self.sent.get(&request_id) else { return };
        if answer.from != ActorId::Org(peer.clone()) {
            return;
        }
        let fresh = Self::fresh_id(cx.directory.seed, request_id);
        self.copies.insert(fresh, request_id);
        let copy = Message { request_id: fresh, ..message.clone() };
        cx.misbehaved(
            out,
            self.name(),
            &Outgoing::Message(Arc::new(copy.clone())),
            Act::Resent { original: request_id },
        );
        out.send(copy);
    }

    fn takes(&mut self, cx: &Context<'_>, input: &Input, out: &mut Outbox) -> bool {
        let Input::Receive(Received { message, .. }) = input else { return false };
        let Some(original) = self.copies.get(&message.request_id) else { return false };
        let Some((peer, _)) = self.sent.get(original) else { return false };
        let kind = message.body.kind();
        if kind == Kind::Settlement && message.from == ActorId::Org(peer.clone()) {
            let to = Address::Actor(ActorId::Org(peer.clone()));
            out.send(Message { request_id: message.request_id, from: cx.me().clone(), to, body: Body::SettlementAck });
        }
        matches!(kind, Kind::TxAccepted | Kind::Settlement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::directory::Directory;
    use crate::protocol::ids::ClusterId;
    use crate::protocol::keys;
    use crate::protocol::message::{TxAccepted, VerifyRequest};

    fn directory() -> Directory {
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        crate::sim::genesis::directory(&scenario, 1)
    }

    fn context<'a>(
        dir: &'a Directory,
        org: &'a OrgId,
        me: &'a ActorId,
        key: &'a ed25519_dalek::SigningKey,
    ) -> Context<'a> {
        Context { org, now: 0, directory: dir, me, forged_key: key }
    }

    fn message(from: &str, to: Address, request_id: u64, body: Body) -> Message {
        Message { request_id, from: ActorId::Org(OrgId::from(from)), to, body }
    }

    /// A message from `from` as it arrives, its signature checked.
    fn arrival(from: &str, to: Address, request_id: u64, body: Body) -> Input {
        let message = message(from, to, request_id, body);
        let key = keys::actor_key(1, &message.from);
        Input::Receive(Received::sealed(message, &key))
    }

    fn to_org(org: &str) -> Address {
        Address::Actor(ActorId::Org(OrgId::from(org)))
    }

    #[test]
    fn each_built_in_misbehaviour_is_named_by_its_scenario_word() {
        for word in [
            "replay",
            "wrong_balance",
            "wrong_hash",
            "resubmit",
            "silent",
            "forge_signature",
            "withhold_release",
            "skip_consent",
        ] {
            let (_, misbehaviour) = by_name(word).unwrap();
            assert_eq!(misbehaviour.name(), word);
        }
        assert!(by_name("custom").is_none());
    }

    #[test]
    fn replay_copies_a_broadcast_to_its_own_cluster_to_every_other_org_once() {
        let dir = directory();
        let org = OrgId::from("org_3");
        let me = ActorId::Org(org.clone());
        let key = keys::actor_key(1, &me);
        let cx = context(&dir, &org, &me, &key);
        let verify = |cluster: &str| {
            let body = Body::Verify(VerifyRequest {
                resource: crate::protocol::ids::ResourceId::parse("org_2:101:asset_1").unwrap(),
                hash: Hash32([1; 32]),
            });
            arrival("org_1", Address::Cluster(ClusterId::from(cluster)), 7, body)
        };
        let mut replay = Replay::default();
        let mut out = Outbox::default();
        replay.before(&cx, &verify("cluster_B"), &mut out);
        assert_eq!(out.sends.len(), 3, "org_1, org_2 and org_4");
        replay.before(&cx, &verify("cluster_B"), &mut out);
        assert_eq!(out.sends.len(), 3, "once");
        let mut out = Outbox::default();
        replay.before(&cx, &verify("cluster_A"), &mut out);
        assert!(out.sends.is_empty(), "not addressed to it");
        // A message to this org is copied on; a copy meant for another org is not.
        let ack = |to: &str| arrival("org_2", to_org(to), 9, Body::SettlementAck);
        let mut out = Outbox::default();
        replay.before(&cx, &ack("org_4"), &mut out);
        assert!(out.sends.is_empty(), "addressed to org_4");
        replay.before(&cx, &ack("org_3"), &mut out);
        assert_eq!(out.sends.len(), 3, "addressed to it: to org_1, org_2 and org_4");
    }

    #[test]
    fn resubmit_copies_each_transfer_once_when_its_asset_org_accepts_it() {
        let dir = directory();
        let org = OrgId::from("org_1");
        let me = ActorId::Org(org.clone());
        let key = keys::actor_key(1, &me);
        let cx = context(&dir, &org, &me, &key);
        let mut resubmit = Resubmit::default();
        // The honest org sends its transfer #1 to org_2 (any body of kind transfer will do here).
        let transfer = Body::Transfer(crate::protocol::message::Transfer {
            from: crate::protocol::message::Account {
                id: crate::protocol::ids::ResourceId::parse("org_1:100:user_1").unwrap(),
                finid: String::new().into(),
            },
            to: crate::protocol::message::Account {
                id: crate::protocol::ids::ResourceId::parse("org_2:100:treasury").unwrap(),
                finid: String::new().into(),
            },
            asset_id: crate::protocol::ids::ResourceId::parse("org_2:101:asset_1").unwrap(),
            quantity: 1,
            nonce: [0; 32],
            signature: crate::protocol::message::UserSignature {
                alg: String::new().into(),
                template_hash: Hash32([0; 32]),
                value: vec![].into(),
            },
        });
        let mut out = Outbox::default();
        out.send(message("org_1", to_org("org_2"), 1, transfer));
        resubmit.after(&cx, &Input::Timer(0), &mut out);
        assert_eq!(out.sends.len(), 1, "nothing copied before it is accepted");
        let accepted =
            |from: &str| arrival(from, to_org("org_1"), 1, Body::TxAccepted(TxAccepted { tx_id: Hash32([2; 32]) }));
        let copies = |resubmit: &mut Resubmit, input: Input| {
            let mut out = Outbox::default();
            resubmit.after(&cx, &input, &mut out);
            out.sends.iter().filter(|s| s.outgoing.kind() == Kind::Transfer).count()
        };
        assert_eq!(copies(&mut resubmit, accepted("org_3")), 0, "not the asset's org");
        assert_eq!(copies(&mut resubmit, accepted("org_2")), 1);
        assert_eq!(copies(&mut resubmit, accepted("org_2")), 0, "once per transfer");
    }
}

/// `withhold_release`: an executor that approves a plan, then never runs a release it is sent:
/// it keeps the release's submission to its ledger to itself, and answers every re-send of the
/// instruction `pending` (its honest self is still waiting for a block that never comes).
#[derive(Debug, Default)]
pub struct WithholdRelease;

impl Misbehaviour for WithholdRelease {
    fn name(&self) -> &str {
        "withhold_release"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        let is_release = |m: &Message| match &m.body {
            Body::PlanSubmit(submit) => {
                !submit.rollback
                    && matches!(submit.plan.instruction(submit.n), Some(crate::protocol::plan::Instruction::Release(_)))
            }
            _ => false,
        };
        let (withheld, kept): (Vec<_>, Vec<_>) =
            out.sends.drain(..).partition(|s| s.outgoing.message().is_some_and(&is_release));
        out.sends = kept;
        for send in withheld {
            cx.misbehaved(out, self.name(), &send.outgoing, Act::Withheld);
        }
    }
}

/// `skip_consent`: an executor that runs an instruction without the consent of the account it
/// debits: it submits each of its plans' instructions to its ledger with the consent left out
/// (the ledger takes a debit of the executor's own accounts on its word; another org's it refuses).
#[derive(Debug, Default)]
pub struct SkipConsent;

impl Misbehaviour for SkipConsent {
    fn name(&self) -> &str {
        "skip_consent"
    }

    fn after(&mut self, cx: &Context<'_>, _: &Input, out: &mut Outbox) {
        cx.rewrite_sends(out, self.name(), |m| {
            let Body::PlanSubmit(submit) = &mut m.body else { return None };
            submit.consent.take().map(|_| Act::Altered)
        });
    }
}
