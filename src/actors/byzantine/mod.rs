//! Byzantine orgs: an honest state machine wrapped in `Byzantine<S>`, whose misbehaviours
//! see each input before the honest machine does and rewrite what it produced. The honest
//! `Organization` has no branch on misbehaviour; a lie is a rewrite of its outbox, signed
//! with the org's real key (a valid identity that lies) or, for a forger, with a key that is
//! not its own.
//!
//! A designer writes a misbehaviour outside finsim by implementing [`Misbehaviour`] and
//! registering it by name (see `docs/library.md`); the built-in ones, named by the scenario
//! words, are in `builtin`.

pub mod builtin;

use crate::actors::directory::Directory;
use crate::actors::note::{Act, Note};
use crate::actors::outbox::{Input, Outbox};
use crate::actors::StateMachine;
use crate::crypto::keys;
use crate::protocol::envelope::{Envelope, Message};
use crate::protocol::ids::{ActorId, ClusterId, OrgId};
use ed25519_dalek::SigningKey;
use std::sync::Arc;

/// A way an org departs from the protocol. Both hooks default to doing nothing.
///
/// `before` sees every input first and may add to the outbox (e.g. copies to send on);
/// `after` sees the outbox the honest org produced for that input (with what `before`
/// added, first) and may change, drop or add sends. A lie re-seals a changed message with
/// [`Context::seal`]; each departure should be recorded with [`Context::misbehaved`], so the
/// trace shows what the org did.
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
/// and the org's keys (through `seal` and `forge`, never directly).
pub struct Context<'a> {
    /// The org.
    pub org: &'a OrgId,
    /// Virtual time, microseconds.
    pub now: u64,
    /// Public knowledge: clusters, members, keys, the protocol settings.
    pub directory: &'a Directory,
    me: &'a ActorId,
    key: &'a SigningKey,
    forged_key: &'a SigningKey,
}

impl Context<'_> {
    /// The org as an actor (what `Message::from` names for what it sends).
    pub fn me(&self) -> &ActorId {
        self.me
    }

    /// Reads an envelope's message without checking its signature (the bytes as sent).
    pub fn read(&self, envelope: &Envelope) -> Option<Message> {
        envelope.read()
    }

    /// Opens an envelope as an honest receiver would: its signature must verify.
    pub fn open(&self, envelope: &Envelope) -> Option<Message> {
        envelope.open(&self.directory.keyring).ok()
    }

    /// Seals a message with the key the org signs with: its own (a correctly signed message,
    /// whatever it says), or the forged one for a `forge_signature` org.
    pub fn seal(&self, message: Message) -> Arc<Envelope> {
        Arc::new(Envelope::seal(message, self.key))
    }

    /// Seals a message with a key that is not the org's (its signature fails everywhere).
    pub fn forge(&self, message: Message) -> Arc<Envelope> {
        Arc::new(Envelope::seal(message, self.forged_key))
    }

    /// Re-seals an envelope this org sent after `change` edits its message; `None` when the
    /// envelope is not this org's or `change` returns `false` (nothing to change).
    pub fn rewrite(&self, envelope: &Envelope, change: impl FnOnce(&mut Message) -> bool) -> Option<Arc<Envelope>> {
        if &envelope.from != self.me {
            return None;
        }
        let mut message = self.read(envelope)?;
        change(&mut message).then(|| self.seal(message))
    }

    /// Rewrites each of this org's sends that `change` edits (re-sealed with the org's key) and
    /// records what it did to each as the misbehaviour `behaviour`. `change` returns `None` to
    /// leave a message as it is.
    pub fn rewrite_sends(
        &self,
        out: &mut Outbox,
        behaviour: &str,
        mut change: impl FnMut(&mut Message) -> Option<Act>,
    ) {
        let mut acts = Vec::new();
        for send in &mut out.sends {
            let mut act = None;
            if let Some(envelope) = self.rewrite(&send.envelope, |m| {
                act = change(m);
                act.is_some()
            }) {
                send.envelope = envelope.clone();
                acts.extend(act.map(|a| (envelope, a)));
            }
        }
        for (envelope, act) in acts {
            self.misbehaved(out, behaviour, &envelope, act);
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
    /// misbehaviour named `behaviour` did (`act`) to the message `envelope` carries.
    pub fn misbehaved(&self, out: &mut Outbox, behaviour: &str, envelope: &Envelope, act: Act) {
        out.note(Note::Misbehaved {
            org: self.org.clone(),
            behaviour: behaviour.to_owned(),
            kind: envelope.kind,
            request_id: envelope.request_id,
            to: envelope.to.clone(),
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
    key: SigningKey,
    forged_key: SigningKey,
    directory: Arc<Directory>,
    misbehaviours: Vec<Box<dyn Misbehaviour>>,
}

impl<S> Byzantine<S> {
    /// Wraps `inner`, the state machine of `org`, with misbehaviours applied in order; `key`
    /// is the key `inner` signs with (the forged one for a `forge_signature` org), which
    /// `Context::seal` signs with too.
    pub fn new(
        inner: S,
        org: OrgId,
        directory: Arc<Directory>,
        misbehaviours: Vec<Box<dyn Misbehaviour>>,
        key: SigningKey,
    ) -> Self {
        let me = ActorId::Org(org.clone());
        Self { key, forged_key: keys::forged_key(directory.seed, &me), inner, org, me, directory, misbehaviours }
    }

    /// The honest machine inside.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: StateMachine> StateMachine for Byzantine<S> {
    fn handle(&mut self, now: u64, input: Input) -> Outbox {
        let cx = Context {
            org: &self.org,
            now,
            directory: &self.directory,
            me: &self.me,
            key: &self.key,
            forged_key: &self.forged_key,
        };
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
