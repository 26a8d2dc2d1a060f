//! A redeem, from both sides.
//!
//! Holder's org: the step's command becomes a request built from the asset's signature template
//! (operation `redeem`); the holder signs the template hash; the request goes to the asset's
//! managing org as a transfer does, and waits for the tx id, then for the final status (the
//! purchase machinery of `transfer`, with a redeem's template).
//!
//! Asset's org: the request gets a tx id, then the checks in order — the holder's signature,
//! permission — and, with no personal data and no regulation check, the burn is fed to the
//! cluster ledger, which refuses it when the holder's available balance cannot cover it. The
//! holder's org is told the final status with the proof.

use super::exchange::{ExchangeKind, OperationExchange};
use super::transfer::{DataAsked, Deal, Purchase, Refusal, Signed, Template, Terms};
use super::{Arrival, Organization, Receives, Starts};
use crate::actors::note::{Change, Discard, Note};
use crate::actors::outbox::Outbox;
use crate::actors::user::Signs;
use crate::crypto::Hash32;
use crate::protocol::cause::Cause;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{ActorId, Address, OrgId, ResourceId, TextPieces};
use crate::protocol::message::{Account, Body, Settlement, UserSignature};
use crate::protocol::operation::{Operation, Redeem, RedeemCommand, RedeemTemplate, SignRedeem};
use crate::protocol::status::Status;
use std::sync::Arc;

impl Organization {
    /// The redeem step at the holder's org: build the request and ask the holder to sign it.
    fn start_redeem(&mut self, now: u64, request_id: u64, command: RedeemCommand, out: &mut Outbox) {
        let RedeemCommand { user, asset, quantity } = command;
        if !self.cfg.setup.users.contains_key(&user) || self.state.purchases.contains_key(&request_id) {
            return;
        }
        let nonce = self.nonce(now, request_id);
        let finid = self.cfg.dir.user_finids.get(&user).cloned().unwrap_or_default();
        let template = RedeemTemplate { nonce, asset_id: asset.shared_text(), source_finid: finid, amount: quantity };
        let signed = Signed::Redeem(template.clone());
        let purchase = Purchase::new(user.clone(), (asset, quantity, user.clone()), signed, now);
        self.state.purchases.insert(request_id, purchase);
        let (operation, org) = (Operation::Redeem, self.cfg.id.clone());
        out.note(Note::OperationStarted { operation, org, request_id, account: user.clone() });
        let to = Address::Actor(ActorId::User(user));
        out.send(self.message(request_id, to, Body::SignRedeem(SignRedeem { template })));
    }

    /// A redeem request arrives at the asset's managing org.
    fn on_redeem(&mut self, request_id: u64, from: OrgId, redeem: Redeem, cause: &Arc<Envelope>, out: &mut Outbox) {
        if self.answered_again(request_id, &from, out) {
            return;
        }
        let tx_id =
            self.accept_request(request_id, &from, &redeem.nonce, (Change::Accepted(Operation::Redeem), cause), out);
        let check = self
            .check_signature(&redeem.owner, || redeem.template().hash(), &redeem.signature)
            .and_then(|()| self.check_replay(request_id, &redeem.nonce, &redeem.signature))
            .and_then(|()| self.check_redeem_permission(&from, &redeem));
        self.open_sale(request_id, from, Deal::Redeem(redeem), tx_id, check, out);
    }

    /// The asset is managed here, the holder is a user of the org that asks, and the asset is
    /// shared with that org.
    fn check_redeem_permission(&self, holder_org: &OrgId, redeem: &Redeem) -> Result<(), Refusal> {
        let asset = &redeem.asset_id;
        let denied = |cause: Cause| Err(Box::new((Status::Denied, cause)));
        if asset.org != self.cfg.id || !self.cfg.setup.assets.contains_key(asset) {
            return denied(Cause::NotManaged { org: self.cfg.id.clone(), asset: asset.clone() });
        }
        if redeem.owner.id.org != *holder_org {
            return denied(Cause::NotAUser { user: redeem.owner.id.clone(), org: holder_org.clone() });
        }
        if !self.cfg.dir.shared_with(asset, holder_org) {
            return denied(Cause::NotShared { asset: asset.clone(), org: holder_org.clone() });
        }
        Ok(())
    }
}

impl Terms for Redeem {
    fn operation(&self) -> Option<Operation> {
        Some(Operation::Redeem)
    }
    fn asset(&self) -> &ResourceId {
        &self.asset_id
    }
    fn quantity(&self) -> u64 {
        self.quantity
    }
    /// The holder's account.
    fn debited(&self) -> Option<&ResourceId> {
        Some(&self.owner.id)
    }
    /// None: the tokens are burnt.
    fn credited(&self) -> Option<&ResourceId> {
        None
    }
    /// None: a redeem moves no personal data.
    fn subject(&self) -> Option<&ResourceId> {
        None
    }
    /// Nobody: a redeem reads no personal data.
    fn data_asked(&self) -> DataAsked {
        DataAsked::Nobody
    }
    /// The holder's org is told as a buyer's is.
    fn notice(&self, settlement: Settlement) -> (Body, ExchangeKind) {
        (Body::Settlement(settlement), ExchangeKind::Settlement)
    }
}

/// The holder signs a redeem's template; its org sends the request as a transfer is sent.
impl Template for RedeemTemplate {
    fn operation(&self) -> Option<Operation> {
        Some(Operation::Redeem)
    }
    fn exchange_kind(&self) -> ExchangeKind {
        ExchangeKind::Operation(OperationExchange::Redeem)
    }
    /// A burn: the tokens reach the asset itself.
    fn burns(&self) -> bool {
        true
    }
    fn request(&self, purchase: &Purchase, signature: UserSignature) -> Body {
        Body::Redeem(Redeem {
            owner: Account { id: purchase.user.clone(), finid: self.source_finid.clone() },
            asset_id: purchase.asset.clone(),
            quantity: purchase.quantity,
            nonce: self.nonce,
            signature,
        })
    }
}

/// The holder's application signs a redeem of its own tokens.
impl Signs for SignRedeem {
    fn to_sign(&self, finid: Option<&str>) -> Option<Hash32> {
        (finid == Some(&*self.template.source_finid)).then(|| self.template.hash())
    }
}

/// A redeem request is between orgs: it asks nothing of a user.
impl Signs for Redeem {
    fn to_sign(&self, _: Option<&str>) -> Option<Hash32> {
        None
    }
}

/// The redeem step starts at the holder's org.
impl Starts for RedeemCommand {
    fn start(self, org: &mut Organization, now: u64, request_id: u64, out: &mut Outbox) {
        org.start_redeem(now, request_id, self, out);
    }
}

/// An org never receives its user's signing request: noted as unexpected.
impl Receives for SignRedeem {
    fn receive(self, org: &mut Organization, arrival: Arrival<'_>, out: &mut Outbox) {
        out.note(org.discarded(arrival.envelope, Discard::Unexpected));
    }
}

/// The asset's managing org decides a redeem request from the holder's org.
impl Receives for Redeem {
    fn receive(self, org: &mut Organization, arrival: Arrival<'_>, out: &mut Outbox) {
        if let Some(from) = arrival.org(org, out) {
            org.on_redeem(arrival.request_id, from, self, arrival.envelope, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Hash32;
    use crate::protocol::message::{Account, UserSignature};

    #[test]
    fn a_redeem_burns_its_holders_tokens_and_reads_no_personal_data() {
        let id = |text: &str| ResourceId::parse(text).unwrap();
        let (holder, asset) = (id("org_1:100:user_1"), id("org_2:101:asset_1"));
        let redeem = Deal::Redeem(Redeem {
            owner: Account { id: holder.clone(), finid: "aa".into() },
            asset_id: asset.clone(),
            quantity: 120,
            nonce: [4; 32],
            signature: UserSignature { alg: "ed25519".into(), template_hash: Hash32([0; 32]), value: vec![].into() },
        });
        assert_eq!(
            (redeem.terms().operation(), redeem.terms().asset(), redeem.terms().quantity()),
            (Some(Operation::Redeem), &asset, 120)
        );
        assert_eq!(
            (redeem.terms().debited(), redeem.terms().credited(), redeem.terms().subject()),
            (Some(&holder), None, None)
        );
        let tx = redeem.ledger_tx(9, Hash32([1; 32]), &OrgId::from("org_2"));
        assert_eq!((&tx.source, &tx.destination, tx.quantity), (&holder, &asset, 120));
        assert!(matches!(redeem.terms().data_asked(), DataAsked::Nobody));
    }

    #[test]
    fn an_org_notes_a_signing_ask_or_a_redeem_no_org_sent_as_unexpected() {
        use crate::actors::outbox::Input;
        use crate::protocol::envelope::Message;
        use crate::protocol::keys;
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        let dir = Arc::new(crate::sim::genesis::directory(&scenario, 1));
        let me = OrgId::from("org_2");
        let mut org = Organization::new(me.clone(), dir.clone(), crate::sim::genesis::org_setup(&scenario, &me));
        let redeems =
            crate::protocol::operation::samples().into_iter().filter(|b| b.operation() == Some(Operation::Redeem));
        let [ask, redeem]: [Body; 2] = redeems.collect::<Vec<_>>().try_into().unwrap();
        for (from, body) in [("org_1", ask), ("user:org_1:100:user_1", redeem)] {
            let sender: ActorId = from.parse().unwrap();
            let message =
                Message { request_id: 7, from: sender.clone(), to: Address::Actor(ActorId::Org(me.clone())), body };
            let input = Input::checked(Arc::new(Envelope::seal(message, &keys::actor_key(1, &sender))), &dir.keyring);
            let out = org.handle(0, input);
            let unexpected = |n: &Note| matches!(n, Note::Discarded { reason: Discard::Unexpected, .. });
            assert!(out.notes.iter().any(unexpected) && out.sends.is_empty(), "from {from}: {:?}", out.notes);
        }
    }

    #[test]
    fn the_holders_org_expects_a_burn_of_its_holders_tokens_and_sends_the_request_as_a_redeem() {
        let id = |text: &str| ResourceId::parse(text).unwrap();
        let (holder, asset) = (id("org_1:100:user_1"), id("org_2:101:asset_1"));
        let template =
            RedeemTemplate { nonce: [4; 32], asset_id: asset.shared_text(), source_finid: "aa".into(), amount: 120 };
        let purchase = Purchase::new(holder.clone(), (asset.clone(), 120, holder.clone()), Signed::Redeem(template), 0);
        assert_eq!(purchase.operation(), Some(Operation::Redeem));
        assert_eq!(purchase.exchange_kind(), ExchangeKind::Operation(OperationExchange::Redeem));
        let tx = purchase.ledger_tx(9, Hash32([1; 32]));
        assert_eq!((&tx.source, &tx.destination, tx.quantity, &tx.submitter), (&holder, &asset, 120, &asset.org));
        let signature = UserSignature { alg: "ed25519".into(), template_hash: Hash32([0; 32]), value: vec![].into() };
        let Body::Redeem(request) = Signed::Redeem(RedeemTemplate {
            nonce: [4; 32],
            asset_id: asset.shared_text(),
            source_finid: "aa".into(),
            amount: 120,
        })
        .template()
        .request(&purchase, signature) else {
            panic!("a redeem's template makes a redeem request")
        };
        assert_eq!((&request.owner.id, &*request.owner.finid, &request.asset_id), (&holder, "aa", &asset));
        assert_eq!((request.quantity, request.nonce), (120, [4; 32]));
    }
}
