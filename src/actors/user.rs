//! `User`: the application of one user (seed step 7). It holds the user's key,
//! asks its org to buy, and signs the transfer's template hash only when the
//! template is the order it placed (asset, amount, its own finid, the seller's).

use crate::actors::directory::Directory;
use crate::actors::outbox::{Command, Input, Outbox};
use crate::crypto::keys;
use crate::protocol::envelope::{Envelope, Message};
use crate::protocol::ids::{ActorId, Address, ResourceId};
use crate::protocol::message::{Body, Order, SignResponse};
use ed25519_dalek::SigningKey;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A user's application.
#[derive(Debug)]
pub struct User {
    id: ResourceId,
    me: ActorId,
    key: SigningKey,
    dir: Arc<Directory>,
    orders: BTreeMap<u64, Order>,
}

impl User {
    /// The application of `id`, with its key derived from the seed.
    pub fn new(id: ResourceId, dir: Arc<Directory>) -> Self {
        let me = ActorId::User(id.clone());
        Self { key: keys::actor_key(dir.seed, &me), me, id, dir, orders: BTreeMap::new() }
    }

    /// Handles one input.
    pub fn handle(&mut self, _now: u64, input: Input) -> Outbox {
        let mut out = Outbox::default();
        match input {
            Input::Command { request_id, command: Command::Buy { asset, quantity, seller } } => {
                let order = Order { asset, quantity, seller };
                self.orders.insert(request_id, order.clone());
                out.send(self.seal(request_id, Body::Order(order)));
            }
            Input::Deliver(envelope) => self.on_envelope(&envelope, &mut out),
            _ => {}
        }
        out
    }

    fn seal(&self, request_id: u64, body: Body) -> Arc<Envelope> {
        let to = Address::Actor(ActorId::Org(self.id.org.clone()));
        Arc::new(Envelope::seal(Message { request_id, from: self.me.clone(), to, body }, &self.key))
    }

    fn on_envelope(&mut self, envelope: &Envelope, out: &mut Outbox) {
        let Ok(message) = envelope.open(&self.dir.keyring) else { return };
        if message.from != ActorId::Org(self.id.org.clone()) {
            return;
        }
        let Body::SignRequest(request) = message.body else { return };
        let Some(order) = self.orders.get(&message.request_id) else { return };
        let template = &request.template;
        let finid = |account: &ResourceId| self.dir.user_finids.get(account);
        let matches = template.asset_id == order.asset.to_string()
            && template.amount == order.quantity
            && Some(&template.destination_finid) == finid(&self.id)
            && Some(&template.source_finid) == finid(&order.seller);
        if matches {
            let hash = template.hash();
            let signature = keys::sign(&self.key, &hash.0).to_vec();
            out.send(
                self.seal(message.request_id, Body::SignResponse(SignResponse { template_hash: hash, signature })),
            );
        }
    }
}
