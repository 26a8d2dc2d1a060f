//! Byzantine orgs: an honest state machine wrapped in `Byzantine<S>`, whose misbehaviours
//! see each input before the honest machine does and rewrite what it produced. The honest
//! `Organization` has no branch on misbehaviour; a lie is a rewrite of its outbox, signed
//! with the org's real key (a valid identity that lies) or, for a forger, with a key that is
//! not its own.
//!
//! A designer writes a misbehaviour outside finsim by implementing [`Misbehaviour`] and
//! registering it by name (see `docs/library.md`); the built-in ones, named by the scenario
//! words, are in `builtin`.

pub(crate) mod builtin;

use crate::actors::directory::Directory;
use crate::actors::note::{Act, Note};
use crate::actors::outbox::{Input, Outbox, Outgoing};
use crate::actors::StateMachine;
use crate::protocol::envelope::{Envelope, Message};
use crate::protocol::ids::{ActorId, ClusterId, OrgId};
use crate::protocol::keys;
use ed25519_dalek::SigningKey;
use std::sync::Arc;

/// Where a run finds the misbehaviours a scenario names as `behaviour: {custom: NAME}`: the
/// engine is handed one and asks it for a fresh instance per byzantine org that names it. `()`
/// knows none (the built-in ones need no registry).
pub trait Misbehaviours {
    /// A fresh instance of the misbehaviour registered as `name`, if there is one.
    fn make(&self, name: &str) -> Option<Box<dyn Misbehaviour>>;
}

impl Misbehaviours for () {
    fn make(&self, _name: &str) -> Option<Box<dyn Misbehaviour>> {
        None
    }
}

/// A way an org departs from the protocol. Both hooks default to doing nothing.
///
/// `before` sees every input first and may add to the outbox (e.g. copies to send on);
/// `after` sees the outbox the honest org produced for that input (with what `before`
/// added, first) and may change, drop or add sends. The outbox holds messages, sealed at the
/// org's boundary after the misbehaviours (a lie is a correctly signed message); each
/// departure should be recorded with [`Context::misbehaved`] (or made with
/// [`Context::rewrite_sends`], which records it), so the trace shows what the org did.
pub trait Misbehaviour: std::fmt::Debug {
    /// The name the trace gives it (`misbehaved` events): a scenario word for the built-in
    /// ones, the registered name for a custom one.
    fn name(&self) -> &str;

    /// Sees an input before the honest org does.
    fn before(&mut self, cx: &Context<'_>, input: &Input, out: &mut Outbox) {
        let _ = (cx, input, out);
    }

    /// Rewrites what the honest org produced for `input`.
    fn after(&mut self, cx: &Context<'_>, input: &Input, out: &mut Outbox) {
        let _ = (cx, input, out);
    }

    /// Claims an input for itself (an answer to a message it made up): when it returns
    /// `true`, the honest org never sees the input. Asked after `before`.
    fn takes(&mut self, cx: &Context<'_>, input: &Input, out: &mut Outbox) -> bool {
        let _ = (cx, input, out);
        false
    }
}

/// What a misbehaviour may see and use: the org it runs in, the time, the public directory,
/// and a key that is not the org's (through `forge`, never directly). It never holds the org's
/// own key: what the org sends is sealed at its boundary, after the misbehaviours.
pub struct Context<'a> {
    /// The org.
    pub org: &'a OrgId,
    /// Virtual time, microseconds.
    pub now: u64,
    /// Public knowledge: clusters, members, keys, the protocol settings.
    pub directory: &'a Directory,
    me: &'a ActorId,
    forged_key: &'a SigningKey,
}

impl Context<'_> {
    /// The org as an actor (what `Message::from` names for what it sends).
    pub fn me(&self) -> &ActorId {
        self.me
    }

    /// Seals a message with a key that is not the org's: an envelope whose signature fails
    /// everywhere (send it with `Outbox::relay`).
    pub fn forge(&self, message: Message) -> Arc<Envelope> {
        Arc::new(Envelope::seal(message, self.forged_key))
    }

    /// Edits each of this org's own messages in the outbox that `change` changes, and records
    /// what it did to each as the misbehaviour `behaviour`. `change` returns `None` to leave a
    /// message as it was (its edits are then dropped). The boundary seals the edited message
    /// with the org's key: a correctly signed lie.
    pub fn rewrite_sends(
        &self,
        out: &mut Outbox,
        behaviour: &str,
        mut change: impl FnMut(&mut Message) -> Option<Act>,
    ) {
        let mut acts = Vec::new();
        for send in &mut out.sends {
            let Outgoing::Message(message) = &mut send.outgoing else { continue };
            if &message.from != self.me {
                continue;
            }
            let mut edited = (**message).clone();
            if let Some(act) = change(&mut edited) {
                *message = Arc::new(edited);
                acts.push((send.outgoing.clone(), act));
            }
        }
        for (outgoing, act) in acts {
            self.misbehaved(out, behaviour, &outgoing, act);
        }
    }

    /// Every org of the network, in id order.
    pub fn orgs(&self) -> impl Iterator<Item = &OrgId> {
        self.directory.cluster_of.keys()
    }

    /// The cluster of an org.
    pub fn cluster_of(&self, org: &OrgId) -> Option<&ClusterId> {
        self.directory.cluster_of.get(org)
    }

    /// Records a departure from the protocol (a `misbehaved` event in the trace): what the
    /// misbehaviour named `behaviour` did (`act`) to the send `outgoing`.
    pub fn misbehaved(&self, out: &mut Outbox, behaviour: &str, outgoing: &Outgoing, act: Act) {
        out.note(Note::Misbehaved {
            org: self.org.clone(),
            behaviour: behaviour.to_owned(),
            kind: outgoing.kind(),
            request_id: outgoing.request_id(),
            to: outgoing.to().clone(),
            act,
        });
    }
}

/// An org's state machine with misbehaviours around it.
#[derive(Debug)]
pub struct Byzantine<S> {
    inner: S,
    org: OrgId,
    me: ActorId,
    forged_key: SigningKey,
    directory: Arc<Directory>,
    misbehaviours: Vec<Box<dyn Misbehaviour>>,
}

impl<S> Byzantine<S> {
    /// Wraps `inner`, the state machine of `org`, with misbehaviours applied in order. (A
    /// `forge_signature` org's boundary seals with a key not its own; the wrapper holds none
    /// of the org's keys.)
    pub fn new(inner: S, org: OrgId, directory: Arc<Directory>, misbehaviours: Vec<Box<dyn Misbehaviour>>) -> Self {
        let me = ActorId::Org(org.clone());
        Self { forged_key: keys::forged_key(directory.seed, &me), inner, org, me, directory, misbehaviours }
    }

    /// The honest machine inside, to change (at the end of a run, to take its replica).
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }
}

impl<S: StateMachine> StateMachine for Byzantine<S> {
    fn handle(&mut self, now: u64, input: Input) -> Outbox {
        let cx =
            Context { org: &self.org, now, directory: &self.directory, me: &self.me, forged_key: &self.forged_key };
        let mut out = Outbox::default();
        for misbehaviour in &mut self.misbehaviours {
            misbehaviour.before(&cx, &input, &mut out);
        }
        let taken = self.misbehaviours.iter_mut().any(|m| m.takes(&cx, &input, &mut out));
        if !taken {
            out.append(self.inner.handle(now, input.clone()));
        }
        for misbehaviour in &mut self.misbehaviours {
            misbehaviour.after(&cx, &input, &mut out);
        }
        out
    }
}
