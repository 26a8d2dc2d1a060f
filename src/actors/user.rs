//! `User`: the application of one user (reference flow, step 7). It holds the user's key,
//! asks its org to buy, and signs the transfer's template hash only when the
//! template is the order it placed (asset, amount, its own finid, the seller's).

use crate::actors::directory::Directory;
use crate::actors::outbox::{Command, Input, Outbox};
use crate::crypto::Hash32;
use crate::protocol::envelope::Message;
use crate::protocol::ids::{ActorId, Address, ResourceId, TextPieces};
use crate::protocol::keys;
use crate::protocol::message::{Body, Order, SignResponse};
use crate::protocol::operation::match_body;
use crate::protocol::plan::{ConsentRequest, Instructs};
use ed25519_dalek::SigningKey;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a user's application does with an operation's body its org sends it, said by the
/// operation's module (a new body is a compile error until it says).
pub(crate) trait Signs {
    /// The hash the user whose finid is `finid` signs and sends its org, when the body asks it to
    /// sign what it agrees to; `None` when the body asks nothing of a user, or what it refuses.
    fn to_sign(&self, finid: Option<&str>) -> Option<Hash32>;
}

/// What a user's application is built with and never changes.
#[derive(Debug)]
pub struct UserConfig {
    id: ResourceId,
    me: ActorId,
    key: SigningKey,
    dir: Arc<Directory>,
}

/// What its handlers change: the orders it placed, by request id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct UserState {
    orders: BTreeMap<u64, Order>,
}

/// A user's application: its fixed configuration and its state.
#[derive(Clone, Debug)]
pub struct User {
    cfg: Arc<UserConfig>,
    state: UserState,
}

impl User {
    /// The application of `id`, holding `key` (its own: `sim::genesis::signing_keys`).
    pub fn new(id: ResourceId, key: SigningKey, dir: Arc<Directory>) -> Self {
        let me = ActorId::User(id.clone());
        let cfg = UserConfig { key, me, id, dir };
        Self { cfg: Arc::new(cfg), state: UserState::default() }
    }

    /// Its state (what its handlers change).
    pub fn state(&self) -> &UserState {
        &self.state
    }

    /// Handles one input.
    pub fn handle(&mut self, _now: u64, input: Input) -> Outbox {
        let mut out = Outbox::default();
        match input {
            Input::Command { request_id, command: Command::Buy { asset, quantity, seller } } => {
                let order = Order { asset, quantity, seller };
                self.state.orders.insert(request_id, order.clone());
                out.send(self.message(request_id, Body::Order(order)));
            }
            Input::Receive(received) => self.on_receive(received.message, &mut out),
            _ => {}
        }
        out
    }

    /// A message to the user's org (its boundary seals it).
    fn message(&self, request_id: u64, body: Body) -> Message {
        let to = Address::Actor(ActorId::Org(self.cfg.id.org.clone()));
        Message { request_id, from: self.cfg.me.clone(), to, body }
    }

    fn on_receive(&mut self, message: Message, out: &mut Outbox) {
        if message.from != ActorId::Org(self.cfg.id.org.clone()) {
            return;
        }
        // Every body, by name: a new one is a compile error here until it says whether a user
        // signs it (a body that asks nothing of a user is ignored).
        let request = match_body!(message.body, body => {
            let finid = self.cfg.dir.user_finids.get(&self.cfg.id).map(|finid| &**finid);
            if let Some(hash) = body.to_sign(finid) {
                self.sign(message.request_id, hash, out);
            }
            return;
        }, {
            Body::SignRequest(request) => request,
            Body::SignPlan(request) => return self.sign_plan(message.request_id, request, out),
            Body::Advertisement(_)
            | Body::Get(_)
            | Body::GetResponse(_)
            | Body::Verify(_)
            | Body::VerifyAnswer(_)
            | Body::Order(_)
            | Body::SignResponse(_)
            | Body::Transfer(_)
            | Body::TxAccepted(_)
            | Body::Settlement(_)
            | Body::SettlementAck
            | Body::Submit(_)
            | Body::BlockCommitted(_)
            | Body::SyncRequest { .. }
            | Body::VerifyProof(_)
            | Body::ProofAnswer(_)
            | Body::BalanceQuery(_)
            | Body::BalanceAnswer(_)
            | Body::StatusQuery(_)
            | Body::StatusAnswer(_)
            | Body::Hold(_)
            | Body::Release(_)
            | Body::EscrowCommitted(_)
            | Body::PlanProposal(_)
            | Body::PlanApproval(_)
            | Body::PlanGet(_)
            | Body::ConsentRequest(_)
            | Body::PlanConsent(_)
            | Body::PlanExecute(_)
            | Body::PlanRollback(_)
            | Body::PlanResult(_)
            | Body::PlanFinal(_)
            | Body::PlanSubmit(_) => return,
        });
        let Some(order) = self.state.orders.get(&message.request_id) else { return };
        let template = &request.template;
        let finid = |account: &ResourceId| self.cfg.dir.user_finids.get(account);
        let matches = order.asset.text_is(&template.asset_id)
            && template.amount == order.quantity
            && Some(&template.destination_finid) == finid(&self.cfg.id)
            && Some(&template.source_finid) == finid(&order.seller);
        if matches {
            self.sign(message.request_id, template.hash(), out);
        }
    }

    /// Its org asks it to consent to a plan: it signs the plan's hash when the plan takes tokens
    /// from its own account.
    fn sign_plan(&mut self, request_id: u64, request: ConsentRequest, out: &mut Outbox) {
        let plan = &request.plan;
        let takes = plan.instructions.iter().any(|i| i.takes_from_source() && i.source(plan) == Some(&self.cfg.id));
        if request.accounts == [self.cfg.id.clone()] && takes {
            self.sign(request_id, plan.hash(), out);
        }
    }

    /// Signs a template hash and answers its org.
    fn sign(&self, request_id: u64, hash: Hash32, out: &mut Outbox) {
        let signature = match self.cfg.dir.null_signer {
            true => vec![0; 64],
            false => keys::sign(&self.cfg.key, &hash.0).to_vec(),
        };
        let body = Body::SignResponse(SignResponse { template_hash: hash, signature: signature.into() });
        out.send(self.message(request_id, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::atst::TransferTemplate;
    use crate::protocol::envelope::Envelope;
    use crate::protocol::message::SignRequest;
    use crate::scenario;

    /// User 1 of the sample flow, who ordered 100 tokens of asset_1 from the treasury (request 7).
    fn user_with_order() -> (User, Arc<Directory>, TransferTemplate) {
        let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
        let dir = Arc::new(crate::sim::genesis::directory(&scenario, 1));
        let id = ResourceId::parse("org_1:100:user_1").unwrap();
        let seller = ResourceId::parse("org_2:100:treasury").unwrap();
        let mut user = User::new(id.clone(), keys::actor_key(1, &ActorId::User(id.clone())), dir.clone());
        let buy = Command::Buy { asset: ResourceId::parse("org_2:101:asset_1").unwrap(), quantity: 100, seller };
        user.handle(0, Input::Command { request_id: 7, command: buy });
        let template = TransferTemplate {
            nonce: [9; 32],
            asset_id: "org_2:101:asset_1".into(),
            source_finid: dir.user_finids[&ResourceId::parse("org_2:100:treasury").unwrap()].clone(),
            destination_finid: dir.user_finids[&id].clone(),
            amount: 100,
        };
        (user, dir, template)
    }

    fn asked_to_sign(user: &mut User, dir: &Directory, template: TransferTemplate) -> bool {
        let from = ActorId::Org(crate::protocol::ids::OrgId::from("org_1"));
        let message = Message {
            request_id: 7,
            from: from.clone(),
            to: Address::Actor(user.cfg.me.clone()),
            body: Body::SignRequest(SignRequest { template }),
        };
        let envelope = Envelope::seal(message, &keys::actor_key(dir.seed, &from));
        let out = user.handle(0, Input::checked(Arc::new(envelope), &dir.keyring));
        out.sends.iter().any(|s| s.outgoing.kind() == crate::protocol::message::Kind::SignResponse)
    }

    #[test]
    fn a_users_state_is_the_orders_it_placed() {
        let (user, dir, _) = user_with_order();
        let id = ResourceId::parse("org_1:100:user_1").unwrap();
        let fresh = User::new(id.clone(), keys::actor_key(1, &ActorId::User(id)), dir);
        assert_eq!(fresh.state(), &UserState::default());
        assert_ne!(user.state(), fresh.state(), "the order");
        assert_eq!(user.clone().state(), user.state(), "a copy has the same state");
    }

    #[test]
    fn the_user_signs_its_own_order_and_nothing_that_differs_from_it_in_any_one_field() {
        let (mut user, dir, template) = user_with_order();
        assert!(asked_to_sign(&mut user, &dir, template.clone()));
        let other_finid = dir.user_finids[&ResourceId::parse("org_2:100:treasury").unwrap()].clone();
        type Change = fn(&mut TransferTemplate, &str);
        let changes: [(&str, Change); 4] = [
            ("asset", |t, _| t.asset_id = "org_2:101:other".into()),
            ("amount", |t, _| t.amount = 1000),
            ("destination", |t, finid| t.destination_finid = finid.into()),
            ("source", |t, _| t.source_finid = "someone else".into()),
        ];
        for (field, change) in changes {
            let mut changed = template.clone();
            change(&mut changed, &other_finid);
            assert!(!asked_to_sign(&mut user, &dir, changed), "signed a template with another {field}");
        }
    }
}
