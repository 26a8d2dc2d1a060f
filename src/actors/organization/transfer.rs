//! A transfer, from both sides.
//!
//! Buyer's org (reference flow, steps 7–9 and 14): the user's order becomes a transfer built
//! from the asset's signature template (ATST); the user signs the template hash;
//! the transfer goes to the asset's org and waits for the tx id, then for the
//! settlement notification (re-sending the transfer to learn its status when the
//! wait times out).
//!
//! Asset's org (reference flow, steps 10–14): a transfer gets a tx id, then the checks in the
//! reference flow's order — the user's signature, permission, the IVMS-101 get and the
//! regulation checks — then it is fed to the cluster ledger; the ledger's block
//! (or refusal for balance) makes it final and the buyer's org is notified with a
//! Chainpoint proof. A repeated request gets the current answer and moves nothing.

use super::exchange::{ExchangeKey, ExchangeKind};
use super::Organization;
use crate::actors::note::{Change, Discard, Note};
use crate::actors::outbox::Outbox;
use crate::crypto::chainpoint::{ChainpointProof, ProofInputs};
use crate::crypto::{keyed, Hash32};
use crate::protocol::atst::TransferTemplate;
use crate::protocol::cause::{Cause, Limit, RuleCheck, RuleName};
use crate::protocol::config::{RegulationOrder, SettlementMode};
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{ActorId, Address, OrgId, ResourceId, TextPieces};
use crate::protocol::ivms101;
use crate::protocol::keys;
use crate::protocol::message::{
    Account, BlockCommitted, Body, EscrowCommitted, EscrowOp, GetRequest, GetResponse, LedgerTx, Order, Settlement,
    SignRequest, SignResponse, Transfer, TxAccepted, UserSignature, APPLICATION_IVMS101,
};
use crate::protocol::operation::Operation;
use crate::protocol::status::Status;
use std::sync::Arc;

/// The buyer's org's record of a transfer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Purchase {
    /// The buyer.
    pub user: ResourceId,
    /// The asset.
    pub asset: ResourceId,
    /// How many.
    pub quantity: u64,
    /// The account the tokens come from (for a redeem, the holder's own).
    pub seller: ResourceId,
    template: Signed,
    /// The tx id the asset's org gave (reference flow, step 10), once it did.
    pub(super) tx_id: Option<Hash32>,
    pub(super) final_status: Option<Settlement>,
    /// When the order arrived (the transfer step's start).
    started_us: u64,
}

impl Purchase {
    /// A purchase of `user`'s, just started at `now`: what it moves (asset, quantity, the account
    /// the tokens leave) and the template its user is asked to sign.
    pub(super) fn new(user: ResourceId, moves: (ResourceId, u64, ResourceId), template: Signed, now: u64) -> Self {
        let (asset, quantity, seller) = moves;
        Self { user, asset, quantity, seller, template, tx_id: None, final_status: None, started_us: now }
    }

    /// Whether the buyer's org knows the final status.
    pub fn is_final(&self) -> bool {
        self.final_status.is_some()
    }

    /// The operation it is (none for a transfer).
    pub fn operation(&self) -> Option<Operation> {
        self.template.template().operation()
    }

    /// The exchange its request is sent in.
    pub(super) fn exchange_kind(&self) -> ExchangeKind {
        self.template.template().exchange_kind()
    }

    /// The ledger transaction the asset's org feeds for this purchase (reference flow, step 13), as the
    /// buyer's org expects it: a burn's destination is the asset itself.
    pub(super) fn ledger_tx(&self, request_id: u64, tx_id: Hash32) -> LedgerTx {
        let destination = match self.template.template().burns() {
            false => self.user.clone(),
            true => self.asset.clone(),
        };
        LedgerTx {
            request_id,
            tx_id,
            asset: self.asset.clone(),
            source: self.seller.clone(),
            destination,
            quantity: self.quantity,
            submitter: self.asset.org.clone(),
        }
    }

    /// The note that says its final status is known to `org`.
    pub(super) fn final_note(&self, org: OrgId, request_id: u64, settlement: &Settlement) -> Note {
        let (settled, reason, cause, proof) =
            (settlement.status == Status::Ok, settlement.status, settlement.cause.clone(), settlement.proof.clone());
        match self.operation() {
            None => Note::TransferFinal { org, request_id, settled, reason, cause, proof },
            Some(operation) => Note::OperationFinal { operation, org, request_id, settled, reason, cause, proof },
        }
    }

    /// Whether a settled final status carries a proof of this purchase's own ledger transaction:
    /// its `hash` is that transaction's hash, and its operations replay.
    pub(super) fn is_own_proof(&self, request_id: u64, settlement: &Settlement) -> bool {
        let tx_id = self.tx_id.unwrap_or(settlement.tx_id);
        proves(settlement, &self.ledger_tx(request_id, tx_id))
    }

    /// The proof of settlement, if settled.
    pub fn proof(&self) -> Option<&ChainpointProof> {
        self.final_status.as_ref().and_then(|s| s.proof.as_deref())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Stage {
    /// Variant `settlement: escrow`: waiting for the ledger to hold the quantity.
    AwaitingHold,
    AwaitingUserData,
    Submitted,
    Final(Box<Settlement>),
}

/// Why the asset's org refuses a transfer before any regulation check: the status and its cause.
pub(super) type Refusal = Box<(Status, Cause)>;

/// Declares `Deal` (a transfer, or an operation's request: what the asset's org decides) and
/// `Signed` (the template a user signed for a purchase: a transfer's, or an operation's that a
/// user signs), a variant per operation of the operations' registry.
macro_rules! deals {
    ($(
        $(#[$attr:meta])* $operation:ident = $word:literal (
            command $command:ident, request $request:ident $(, signs $signs:ident)?, started $started:literal
        ) { $($bodies:tt)* }
    )+) => {
        /// What the asset's org decides: a transfer, or an operation's request.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub(super) enum Deal {
            Transfer(Transfer),
            $($operation($crate::protocol::operation::$request),)+
        }

        impl Deal {
            /// Its terms, as its operation's module reads them.
            pub(super) fn terms(&self) -> &dyn Terms {
                match self {
                    Deal::Transfer(transfer) => transfer,
                    $(Deal::$operation(request) => request,)+
                }
            }
        }

        /// The template a user signed for a purchase: a transfer's, or an operation's.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub(super) enum Signed {
            Transfer(TransferTemplate),
            $($($operation($crate::protocol::operation::$signs),)?)+
        }

        impl Signed {
            /// The template, as its operation's module reads it.
            pub(super) fn template(&self) -> &dyn Template {
                match self {
                    Signed::Transfer(template) => template,
                    $($(Signed::$operation(template) => crate::protocol::operation::first!(template, $signs),)?)+
                }
            }
        }
    };
}

crate::protocol::operation::with_operations!(deals!);

/// What the buyer's (or holder's) org reads of the template its user signed, whichever
/// operation it is: each operation's module says it of its own (a transfer's here).
pub(super) trait Template {
    /// The operation it is for (none for a transfer).
    fn operation(&self) -> Option<Operation>;
    /// The exchange its request is sent in.
    fn exchange_kind(&self) -> ExchangeKind;
    /// Whether its ledger transaction burns (its destination is the asset itself).
    fn burns(&self) -> bool;
    /// The request its user's signature makes, for `purchase`.
    fn request(&self, purchase: &Purchase, signature: UserSignature) -> Body;
}

impl Template for TransferTemplate {
    fn operation(&self) -> Option<Operation> {
        None
    }
    fn exchange_kind(&self) -> ExchangeKind {
        ExchangeKind::Transfer
    }
    fn burns(&self) -> bool {
        false
    }
    fn request(&self, purchase: &Purchase, signature: UserSignature) -> Body {
        Body::Transfer(Transfer {
            from: Account { id: purchase.user.clone(), finid: self.destination_finid.clone() },
            to: Account { id: purchase.seller.clone(), finid: self.source_finid.clone() },
            asset_id: purchase.asset.clone(),
            quantity: purchase.quantity,
            nonce: self.nonce,
            signature,
        })
    }
}

/// Whom the asset's org asks for the personal data its regulation checks read, before it feeds
/// a deal to its ledger.
pub(super) enum DataAsked {
    /// The org of the user whose data it is, with a get.
    Get(ResourceId),
    /// The org told, with the operation's own request (its exchange answered as an IVMS-101
    /// get is).
    Request(Box<Body>, ExchangeKind),
    /// Nobody: the deal needs no personal data.
    Nobody,
}

/// What the asset's org reads of a deal, whichever operation it is: each operation's module
/// says it of its own request (a transfer's here, a redeem's in `redemption`, an issue's in
/// `issuance`).
pub(super) trait Terms {
    /// The operation it is (none for a transfer).
    fn operation(&self) -> Option<Operation>;
    /// The asset.
    fn asset(&self) -> &ResourceId;
    /// How many tokens.
    fn quantity(&self) -> u64;
    /// The account the tokens leave (none for an issue: they are new).
    fn debited(&self) -> Option<&ResourceId>;
    /// The account the tokens reach (none for a redeem: they are burnt).
    fn credited(&self) -> Option<&ResourceId>;
    /// The user whose IVMS-101 data the regulation checks read, if they read any.
    fn subject(&self) -> Option<&ResourceId>;
    /// Whom the asset's org asks for that data.
    fn data_asked(&self) -> DataAsked;
    /// The final status the org told is sent, and the exchange it is sent in.
    fn notice(&self, settlement: Settlement) -> (Body, ExchangeKind);
}

impl Terms for Transfer {
    fn operation(&self) -> Option<Operation> {
        None
    }
    fn asset(&self) -> &ResourceId {
        &self.asset_id
    }
    fn quantity(&self) -> u64 {
        self.quantity
    }
    fn debited(&self) -> Option<&ResourceId> {
        Some(&self.to.id)
    }
    fn credited(&self) -> Option<&ResourceId> {
        Some(&self.from.id)
    }
    /// The buyer.
    fn subject(&self) -> Option<&ResourceId> {
        self.credited()
    }
    fn data_asked(&self) -> DataAsked {
        DataAsked::Get(self.from.id.clone())
    }
    fn notice(&self, settlement: Settlement) -> (Body, ExchangeKind) {
        (Body::Settlement(settlement), ExchangeKind::Settlement)
    }
}

impl Deal {
    /// The operation it is (none for a transfer).
    fn operation(&self) -> Option<Operation> {
        self.terms().operation()
    }

    /// The ledger transaction that settles it under `tx_id`: a mint's source and a burn's
    /// destination are the asset itself.
    pub(super) fn ledger_tx(&self, request_id: u64, tx_id: Hash32, submitter: &OrgId) -> LedgerTx {
        let asset = self.asset();
        LedgerTx {
            request_id,
            tx_id,
            asset: asset.clone(),
            source: self.debited().unwrap_or(asset).clone(),
            destination: self.credited().unwrap_or(asset).clone(),
            quantity: self.quantity(),
            submitter: submitter.clone(),
        }
    }

    fn asset(&self) -> &ResourceId {
        self.terms().asset()
    }

    fn quantity(&self) -> u64 {
        self.terms().quantity()
    }

    fn debited(&self) -> Option<&ResourceId> {
        self.terms().debited()
    }

    fn credited(&self) -> Option<&ResourceId> {
        self.terms().credited()
    }

    fn subject(&self) -> Option<&ResourceId> {
        self.terms().subject()
    }
}

/// The asset's org's record of a deal: a transfer, or an operation's request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sale {
    /// The org told of the final status: the buyer's, the holder's or the receiver's.
    buyer_org: OrgId,
    deal: Deal,
    tx_id: Hash32,
    stage: Stage,
    /// Whether the ledger holds the quantity for it (variant `settlement: escrow`).
    held: bool,
}

impl Sale {
    /// The hold this deal needs: its quantity, on the account it debits (none for an issue).
    fn escrow_op(&self, request_id: u64, submitter: &OrgId) -> Option<EscrowOp> {
        Some(EscrowOp {
            request_id,
            tx_id: self.tx_id,
            asset: self.deal.asset().clone(),
            account: self.deal.debited()?.clone(),
            quantity: self.deal.quantity(),
            submitter: submitter.clone(),
        })
    }

    /// The ledger transaction that settles it.
    fn ledger_tx(&self, request_id: u64, submitter: &OrgId) -> LedgerTx {
        self.deal.ledger_tx(request_id, self.tx_id, submitter)
    }
}

impl Organization {
    /// Reference flow, step 8: build the transfer from the template and ask the user to sign it.
    pub(super) fn on_order(&mut self, now: u64, request_id: u64, from: &ActorId, order: Order, out: &mut Outbox) {
        let ActorId::User(user) = from else { return };
        if !self.cfg.setup.users.contains_key(user) || self.state.purchases.contains_key(&request_id) {
            return;
        }
        let finid = |account: &ResourceId| self.cfg.dir.user_finids.get(account).cloned().unwrap_or_default();
        let template = TransferTemplate {
            nonce: self.nonce(now, request_id),
            asset_id: order.asset.shared_text(),
            source_finid: finid(&order.seller),
            destination_finid: finid(user),
            amount: order.quantity,
        };
        let signed = Signed::Transfer(template.clone());
        let purchase = Purchase::new(user.clone(), (order.asset, order.quantity, order.seller), signed, now);
        self.state.open_purchases.insert((user.clone(), purchase.asset.org.clone(), request_id));
        self.state.purchases.insert(request_id, purchase);
        out.note(Note::TransferStarted { org: self.cfg.id.clone(), request_id, user: user.clone() });
        out.send(self.message(request_id, Address::Actor(from.clone()), Body::SignRequest(SignRequest { template })));
    }

    /// A template's nonce: 24 bytes from the seeded nonce stream of this org and request, then the
    /// moment in seconds since the Unix epoch (the scenario's `start` plus virtual time).
    pub(super) fn nonce(&self, now: u64, request_id: u64) -> [u8; 32] {
        let mut nonce = [0u8; 32];
        nonce[..24].copy_from_slice(&keyed::nonce_bytes(self.cfg.dir.seed, self.cfg.id.as_str(), request_id));
        nonce[24..].copy_from_slice(&self.cfg.dir.protocol.clock.unix_seconds(now).to_be_bytes());
        nonce
    }

    /// Reference flow, step 9: the user signed; send the transfer to the asset's org.
    pub(super) fn on_signed(&mut self, request_id: u64, from: &ActorId, signed: SignResponse, out: &mut Outbox) {
        if self.state.plans.gathers_consent(request_id) {
            return self.on_consent_signed(request_id, from, signed, out);
        }
        let Some(purchase) = self.state.purchases.get(&request_id) else { return };
        if from != &ActorId::User(purchase.user.clone()) {
            return;
        }
        let signature = UserSignature {
            alg: "ed25519-atst-hashlist".into(),
            template_hash: signed.template_hash,
            value: signed.signature,
        };
        let body = purchase.template.template().request(purchase, signature);
        let (peer, kind) = (purchase.asset.org.clone(), purchase.exchange_kind());
        let message = self.message(request_id, Self::to_org(&peer), body);
        self.state.exchanges.start(ExchangeKey { request_id, peer, kind }, message, out);
    }

    /// Reference flow, step 10 seen from the buyer: the transfer is pending; wait for its settlement,
    /// but not past the transfer's liveness deadline: a transfer still pending then is left
    /// without a final status (the `liveness` invariant reports it) instead of being polled
    /// for ever.
    pub(super) fn on_tx_accepted(
        &mut self,
        now: u64,
        request_id: u64,
        from: OrgId,
        accepted: TxAccepted,
        out: &mut Outbox,
    ) {
        let kind = self.state.purchases.get(&request_id).map_or(ExchangeKind::Transfer, Purchase::exchange_kind);
        let key = ExchangeKey { request_id, peer: from, kind };
        if !self.state.exchanges.is_open(&key) {
            return;
        }
        if let Some(purchase) = self.state.purchases.get_mut(&request_id) {
            purchase.tx_id.get_or_insert(accepted.tx_id);
        }
        let Some(purchase) = self.state.purchases.get(&request_id) else { return };
        let deadline_us =
            purchase.started_us.max(self.cfg.dir.quiet_after_us).saturating_add(self.cfg.dir.protocol.liveness_us);
        if now < deadline_us {
            self.state.exchanges.refresh(&key, out);
        } else {
            self.state.exchanges.close(&key, out);
            out.note(Note::WaitEnded { org: self.cfg.id.clone(), request_id, deadline_us });
        }
    }

    /// Reference flow, step 14 seen from the buyer: the final status (a notification, or the
    /// answer to a re-sent transfer). Always acknowledged.
    pub(super) fn on_settlement(
        &mut self,
        request_id: u64,
        from: OrgId,
        settlement: Settlement,
        cause: &Arc<Envelope>,
        out: &mut Outbox,
    ) {
        let entitled = self.state.purchases.get(&request_id).is_some_and(|p| p.asset.org == from);
        if !entitled {
            // Only the asset's org may say how its transfer ended.
            out.note(self.discarded(cause, Discard::Unentitled));
            return;
        }
        let own = self.state.purchases.get(&request_id).is_some_and(|p| p.is_own_proof(request_id, &settlement));
        if settlement.status == Status::Ok && !own {
            // Only a proof of this transfer's own ledger transaction settles it; not acknowledged.
            out.note(self.discarded(cause, Discard::UnboundProof));
            return;
        }
        let Some(purchase) = self.state.purchases.get(&request_id) else { return };
        // A `timeout` is only what this org concluded from silence; the asset's org's word replaces it.
        let open = purchase.final_status.as_ref().is_none_or(|s| s.status == Status::Timeout);
        if open {
            out.note(purchase.final_note(self.cfg.id.clone(), request_id, &settlement));
            let kind = purchase.exchange_kind();
            self.record_final(request_id, settlement);
            self.changed(Change::FinalStatus, cause, out);
            self.state.exchanges.close(&ExchangeKey { request_id, peer: from.clone(), kind }, out);
        }
        out.send(self.message(request_id, Self::to_org(&from), Body::SettlementAck));
    }

    /// A purchase's final status is known: it is kept, and the height its proof (if any) is
    /// anchored at raises what this org knows of that cluster (`known_height`).
    pub(super) fn record_final(&mut self, request_id: u64, settlement: Settlement) {
        self.record_proven(&settlement);
        if let Some(purchase) = self.state.purchases.get_mut(&request_id) {
            self.state.open_purchases.remove(&(purchase.user.clone(), purchase.asset.org.clone(), request_id));
            purchase.final_status = Some(settlement);
        }
    }

    /// The height a proof is anchored at raises what this org knows of that cluster.
    pub(super) fn record_proven(&mut self, settlement: &Settlement) {
        if let Some(anchor) = settlement.proof.as_ref().and_then(|proof| proof.anchor()) {
            let known = self.state.proven.entry(anchor.cluster).or_insert(0);
            *known = (*known).max(anchor.height);
        }
    }

    pub(super) fn transfer_timed_out(&mut self, request_id: u64, out: &mut Outbox) {
        let Some(purchase) = self.state.purchases.get_mut(&request_id) else { return };
        if purchase.final_status.is_some() {
            return;
        }
        let cause = Cause::NoAnswer { org: purchase.asset.org.clone(), retries: self.cfg.dir.protocol.retries };
        let settlement = Settlement { tx_id: Hash32([0; 32]), status: Status::Timeout, cause, proof: None };
        out.note(purchase.final_note(self.cfg.id.clone(), request_id, &settlement));
        self.record_final(request_id, settlement);
    }

    /// Reference flow, step 10: a transfer arrives at the asset's org.
    pub(super) fn on_transfer(
        &mut self,
        _now: u64,
        request_id: u64,
        from: OrgId,
        transfer: Transfer,
        cause: &Arc<Envelope>,
        out: &mut Outbox,
    ) {
        if self.answered_again(request_id, &from, out) {
            return;
        }
        let tx_id = self.accept_request(request_id, &from, &transfer.nonce, (Change::TransferAccepted, cause), out);
        let check = self
            .check_signature(&transfer.from, || transfer.template().hash(), &transfer.signature)
            .and_then(|()| self.check_replay(request_id, &transfer.nonce, &transfer.signature))
            .and_then(|()| self.check_permission(&from, &transfer));
        let deal = Deal::Transfer(transfer);
        self.open_sale(request_id, from, deal, tx_id, check, out);
    }

    /// A request the asset's org has already accepted gets its current answer (`pending`: the tx
    /// id, or the final status) and moves nothing again; `true` when it had.
    pub(super) fn answered_again(&self, request_id: u64, from: &OrgId, out: &mut Outbox) -> bool {
        let Some(sale) = self.state.sales.get(&request_id).filter(|_| self.cfg.dir.defences.org_deduplicates_requests)
        else {
            return false;
        };
        let body = match &sale.stage {
            Stage::Final(settlement) => Body::Settlement((**settlement).clone()),
            _ => Body::TxAccepted(TxAccepted { tx_id: sale.tx_id }),
        };
        out.send(self.message(request_id, Self::to_org(from), body));
        true
    }

    /// A request (a transfer, a redeem) accepted by the asset's org: its tx id, made from the
    /// request id, the nonce and this org, noted and sent to the asker (reference flow, step 10).
    pub(super) fn accept_request(
        &mut self,
        request_id: u64,
        from: &OrgId,
        nonce: &[u8; 32],
        change: (Change, &Arc<Envelope>),
        out: &mut Outbox,
    ) -> Hash32 {
        let tx_id = Hash32::of_parts(&[&request_id.to_be_bytes(), nonce, self.cfg.id.as_str().as_bytes()]);
        out.note(Note::TxCreated { org: self.cfg.id.clone(), request_id, tx_id });
        self.changed(change.0, change.1, out);
        out.send(self.message(request_id, Self::to_org(from), Body::TxAccepted(TxAccepted { tx_id })));
        tx_id
    }

    /// A deal accepted for decision: refused at once when a check failed, else (under
    /// `rules_first`, after the org's own limit) on to the hold (variant `settlement: escrow`),
    /// then to the personal data the regulation checks read, then to the ledger.
    pub(super) fn open_sale(
        &mut self,
        request_id: u64,
        told: OrgId,
        deal: Deal,
        tx_id: Hash32,
        check: Result<(), Refusal>,
        out: &mut Outbox,
    ) {
        let regulated = deal.subject().is_some();
        // Only a transfer holds (variant `settlement: escrow`): an issue debits no account, and a
        // redeem moves no personal data to wait for; the ledger checks the holder's available
        // balance when it burns.
        let holds = matches!(deal, Deal::Transfer(_));
        let sale = Sale { buyer_org: told, deal, tx_id, stage: Stage::AwaitingUserData, held: false };
        self.state.sales.insert(request_id, sale);
        if let Err(refusal) = check {
            let (status, cause) = *refusal;
            return self.finalize(request_id, status, cause, None, out);
        }
        if regulated && self.cfg.dir.protocol.regulation_order == RegulationOrder::RulesFirst {
            // Variant `rules_first`: the org's own limit is checked before any personal data moves.
            let mut failures = Vec::new();
            let quantity = self.state.sales[&request_id].deal.quantity();
            self.check_max_quantity(request_id, quantity, &mut failures, out);
            if let Some(first) = failures.into_iter().next() {
                return self.finalize(request_id, Status::Regulation, Cause::RuleFailed(first), None, out);
            }
        }
        match self.cfg.dir.protocol.settlement {
            SettlementMode::Escrow if holds => self.request_hold(request_id, out),
            _ => self.after_hold(request_id, out),
        }
    }

    /// A deal's checks that need the ledger are done (or were not needed): ask for the personal
    /// data its regulation checks read, or (a redeem) feed it to the ledger.
    fn after_hold(&mut self, request_id: u64, out: &mut Outbox) {
        let Some(sale) = self.state.sales.get(&request_id) else { return };
        let told = sale.buyer_org.clone();
        // Under `disclosure: minimal` an org without rules asks for no personal data at all.
        let minimal = self.cfg.dir.protocol.disclosure == crate::protocol::config::Disclosure::Minimal;
        let asked = match minimal && self.cfg.setup.regulation.is_none() {
            true => DataAsked::Nobody,
            false => sale.deal.terms().data_asked(),
        };
        match asked {
            DataAsked::Get(user) => self.ask_user_data(request_id, told, user, out),
            DataAsked::Request(body, kind) => {
                let message = self.message(request_id, Self::to_org(&told), *body);
                self.state.exchanges.start(ExchangeKey { request_id, peer: told, kind }, message, out);
            }
            DataAsked::Nobody => self.submit(request_id, out),
        }
    }

    /// Variant `settlement: escrow`: ask the ledger to hold the quantity on the seller's account
    /// before any personal data moves.
    fn request_hold(&mut self, request_id: u64, out: &mut Outbox) {
        let Some(sale) = self.state.sales.get_mut(&request_id) else { return };
        sale.stage = Stage::AwaitingHold;
        let Some(op) = sale.escrow_op(request_id, &self.cfg.id) else { return };
        let ledger = Address::Actor(ActorId::Ledger(self.cfg.cluster.clone()));
        out.send(self.message(request_id, ledger, Body::Hold(op)));
    }

    /// An escrow event of the ledger: update the replica; go on with the transfers whose hold
    /// was placed, and reject those whose hold was refused (reason `balance`).
    pub(super) fn on_escrow(&mut self, event: EscrowCommitted, out: &mut Outbox) {
        self.on_ledger_event(event.index, super::EarlyEvent::Escrow(event), out);
    }

    /// A ledger event that arrives before one it follows waits for it (and the ledger is asked
    /// for the missing ones); one in its turn is applied, then those that waited for it.
    fn on_ledger_event(&mut self, index: u64, event: super::EarlyEvent, out: &mut Outbox) {
        if index > self.state.view.next_event {
            self.state.early.insert(index, event);
            return self.sync_if_behind(index, out);
        }
        match event {
            super::EarlyEvent::Block(block) => self.apply_block(block, out),
            super::EarlyEvent::Escrow(event) => self.apply_escrow_event(event, out),
        }
        self.apply_early(out);
    }

    /// Applies the events that arrived before their turn, now that it has come.
    fn apply_early(&mut self, out: &mut Outbox) {
        while let Some(entry) = self.state.early.first_entry() {
            let next = self.state.view.next_event;
            if *entry.key() > next {
                break;
            }
            // An event before its turn (a copy of one applied since) changes nothing.
            match entry.remove() {
                super::EarlyEvent::Block(block) => self.apply_block(block, out),
                super::EarlyEvent::Escrow(event) => self.apply_escrow_event(event, out),
            }
        }
    }

    /// An escrow event in its turn: update the replica; go on with the transfers whose hold was
    /// placed, reject those whose hold was refused.
    fn apply_escrow_event(&mut self, event: EscrowCommitted, out: &mut Outbox) {
        if !self.state.view.apply_escrow(&event) {
            return;
        }
        let awaiting = |org: &Self, op: &EscrowOp| {
            op.submitter == org.cfg.id
                && matches!(org.state.sales.get(&op.request_id).map(|s| &s.stage), Some(Stage::AwaitingHold))
        };
        for op in &event.held {
            if awaiting(self, op) {
                let Some(sale) = self.state.sales.get_mut(&op.request_id) else { continue };
                sale.held = true;
                sale.stage = Stage::AwaitingUserData;
                self.after_hold(op.request_id, out);
            }
        }
        for op in &event.refused {
            if awaiting(self, op) {
                let cause = Cause::Insufficient {
                    account: op.account.clone(),
                    quantity: op.quantity,
                    asset: op.asset.clone(),
                    hold: true,
                };
                self.finalize(op.request_id, Status::Balance, cause, None, out);
            }
        }
    }

    /// A ledger event arrived past a gap: ask the ledger for what this replica missed.
    fn sync_if_behind(&mut self, index: u64, out: &mut Outbox) {
        let next = self.state.view.next_event;
        if index <= next {
            return;
        }
        // Once per gap: the ledger's answer re-sends every event from `next`, and a copy of an event
        // already seen (the answer overtaking the missing one) asks nothing again. A later event
        // does (news of a longer gap, or an answer lost to a crash).
        if self.state.sync_asked.is_some_and(|(from, seen)| from == next && index <= seen) {
            return;
        }
        self.state.sync_asked = Some((next, index));
        let ledger = Address::Actor(ActorId::Ledger(self.cfg.cluster.clone()));
        out.send(self.message(0, ledger, Body::SyncRequest { from_event: next }));
    }

    /// Reference flow, step 11: ask the buyer's org for the user's IVMS-101 data.
    fn ask_user_data(&mut self, request_id: u64, buyer_org: OrgId, user: ResourceId, out: &mut Outbox) {
        let body = Body::Get(GetRequest { accept_types: [APPLICATION_IVMS101.into()].into(), resource: user });
        let message = self.message(request_id, Self::to_org(&buyer_org), body);
        self.state.exchanges.start(
            ExchangeKey { request_id, peer: buyer_org, kind: ExchangeKind::IvmsGet },
            message,
            out,
        );
    }

    /// The user's signature over the template hash rebuilt from the request's own fields.
    /// The hash is made only when a signature is checked (the null signer checks none).
    pub(super) fn check_signature(
        &self,
        user: &Account,
        hash: impl FnOnce() -> Hash32,
        signed: &UserSignature,
    ) -> Result<(), Refusal> {
        let known = self.cfg.dir.user_finids.get(&user.id).is_some_and(|f| *f == user.finid);
        let key = known.then(|| self.cfg.dir.user_key(&user.id)).flatten();
        let Some(key) = key else {
            return Err(Box::new((Status::Signature, Cause::WrongFinid { user: user.id.clone() })));
        };
        let Ok(signature) = <[u8; 64]>::try_from(&*signed.value) else {
            return Err(Box::new((Status::Signature, Cause::SignatureLength)));
        };
        if self.cfg.dir.null_signer || keys::verify(&key, &hash().0, &signature) {
            Ok(())
        } else {
            Err(Box::new((Status::Signature, Cause::SignatureMismatch)))
        }
    }

    /// A user-signed transfer settles once, whatever request id carries it: the second request
    /// that carries the same signed transfer (its nonce and template hash) is refused. Only a
    /// transfer whose signature verified is remembered.
    pub(super) fn check_replay(
        &mut self,
        request_id: u64,
        nonce: &[u8; 32],
        signature: &UserSignature,
    ) -> Result<(), Refusal> {
        if !self.cfg.dir.defences.org_refuses_replays {
            return Ok(());
        }
        let signed = Hash32::of_parts(&[nonce, &signature.template_hash.0]);
        match *self.state.accepted_transfers.entry(signed).or_insert(request_id) {
            first if first == request_id => Ok(()),
            first => Err(Box::new((Status::Replay, Cause::AlreadyAccepted { first }))),
        }
    }

    fn check_permission(&self, buyer_org: &OrgId, transfer: &Transfer) -> Result<(), Refusal> {
        let asset = &transfer.asset_id;
        let denied = |cause: Cause| Err(Box::new((Status::Denied, cause)));
        if asset.org != self.cfg.id || !self.cfg.setup.assets.contains_key(asset) {
            return denied(Cause::NotManaged { org: self.cfg.id.clone(), asset: asset.clone() });
        }
        if transfer.to.id.org != self.cfg.id
            || self.cfg.dir.user_finids.get(&transfer.to.id) != Some(&transfer.to.finid)
        {
            return denied(Cause::NotAnAccount { account: transfer.to.id.clone(), org: self.cfg.id.clone() });
        }
        if transfer.from.id.org != *buyer_org {
            return denied(Cause::NotAUser { user: transfer.from.id.clone(), org: buyer_org.clone() });
        }
        if !self.cfg.dir.shared_with(asset, buyer_org) {
            return denied(Cause::NotShared { asset: asset.clone(), org: buyer_org.clone() });
        }
        Ok(())
    }

    /// Reference flow, step 12: the IVMS-101 data arrived; run the regulation checks on it.
    pub(super) fn on_ivms(&mut self, request_id: u64, response: GetResponse, out: &mut Outbox) {
        let Some(sale) = self.state.sales.get(&request_id) else { return };
        if !matches!(sale.stage, Stage::AwaitingUserData) {
            return;
        }
        if response.status == Status::Denied {
            // The buyer's org gives a user's data only while it has a transfer of that user pending
            // here: a refusal means it stopped waiting (it concluded `timeout`). Say so, instead of
            // running the regulation checks on data that was withheld.
            let cause = Cause::BuyerGaveUp { org: sale.buyer_org.clone() };
            return self.finalize(request_id, Status::Timeout, cause, None, out);
        }
        let document = response.payload.filter(|_| response.status == Status::Ok);
        if let Err(failed) = self.regulation_checks(request_id, document.as_deref(), out) {
            return self.finalize(request_id, Status::Regulation, Cause::RuleFailed(failed), None, out);
        }
        self.submit(request_id, out);
    }

    pub(super) fn ivms_timed_out(&mut self, request_id: u64, out: &mut Outbox) {
        self.finalize(request_id, Status::Timeout, Cause::DataTimeout, None, out);
    }

    /// Every check is recorded as evidence; the first failure is the reason.
    fn regulation_checks(&self, request_id: u64, document: Option<&str>, out: &mut Outbox) -> Result<(), RuleCheck> {
        let sale = &self.state.sales[&request_id];
        let subject = sale.deal.subject().map(|s| s.text()).unwrap_or_default();
        let check_max = self.cfg.dir.protocol.regulation_order == RegulationOrder::Seed;
        self.rule_checks(request_id, &subject, (sale.deal.quantity(), check_max), document, out)
    }

    /// Whether the regulation checks pass for a plan's instruction that pays `subject`
    /// `quantity` (with the subject's document, if got): each check recorded as evidence.
    pub(super) fn rules_pass(
        &self,
        request_id: u64,
        subject: &str,
        quantity: u64,
        document: Option<&str>,
        out: &mut Outbox,
    ) -> bool {
        self.rule_checks(request_id, subject, (quantity, true), document, out).is_ok()
    }

    /// The rules on `subject`'s document and the quantity (`max_quantity` only when the flag
    /// says so: it may have been checked before the document came); the first failure.
    fn rule_checks(
        &self,
        request_id: u64,
        subject: &str,
        (quantity, check_max): (u64, bool),
        document: Option<&str>,
        out: &mut Outbox,
    ) -> Result<(), RuleCheck> {
        let Some(rules) = &self.cfg.setup.regulation else { return Ok(()) };
        let facts = document.and_then(ivms101::receiver_facts);
        let mut failures = Vec::new();
        let present = facts.is_some();
        let mut record = |rule, field: &str, value: String, limit, passed| {
            let check = RuleCheck { rule, field: field.to_owned(), value, limit };
            self.record_rule(request_id, check, passed, &mut failures, out)
        };
        let value = if present { "present" } else { "missing" };
        record(RuleName::Ivms101Present, "beneficiary.beneficiaryPerson", value.into(), Limit::Document, present);
        if let Some(facts) = &facts {
            let customer = facts.customer_identification.clone().unwrap_or_default();
            let buyer = subject.to_owned();
            let matches = customer == buyer;
            record(RuleName::ReceiverMatches, "customerIdentification", customer, Limit::Equals(buyer), matches);
            if let Some(allowed) = &rules.allowed_countries {
                let country = facts.country.clone().unwrap_or_default();
                let passed = allowed.contains(&country);
                let limit = Limit::OneOf(allowed.iter().cloned().collect());
                record(RuleName::AllowedCountries, "countryOfResidence", country, limit, passed);
            }
            if let Some(denied) = &rules.denied_countries {
                let country = facts.country.clone().unwrap_or_default();
                let passed = !denied.contains(&country);
                let limit = Limit::NoneOf(denied.iter().cloned().collect());
                record(RuleName::DeniedCountries, "countryOfResidence", country, limit, passed);
            }
            if let Some(travel) = &rules.travel_rule {
                let mut required: Vec<String> = Vec::new();
                for field in travel.required.iter().map(|f| f.ivms_field()) {
                    if !required.iter().any(|r| r == field) {
                        required.push(field.to_owned());
                    }
                }
                let applies = quantity >= travel.threshold;
                let passed = !applies || required.iter().all(|f| facts.fields.contains(&f.as_str()));
                // Under the threshold the rule reads the quantity alone; from it, the fields.
                let (field, value) = match applies {
                    true => ("beneficiary.fields", facts.fields.join(",")),
                    false => ("quantity", quantity.to_string()),
                };
                let limit = Limit::Carries { threshold: travel.threshold, fields: required };
                record(RuleName::TravelRule, field, value, limit, passed);
            }
        }
        if check_max {
            self.check_max_quantity(request_id, quantity, &mut failures, out);
        }
        match failures.into_iter().next() {
            Some(first) => Err(first),
            None => Ok(()),
        }
    }

    /// The `max_quantity` rule, which needs no personal data.
    fn check_max_quantity(&self, request_id: u64, quantity: u64, failures: &mut Vec<RuleCheck>, out: &mut Outbox) {
        let Some(max) = self.cfg.setup.regulation.as_ref().and_then(|r| r.max_quantity) else { return };
        let check = RuleCheck {
            rule: RuleName::MaxQuantity,
            field: "quantity".to_owned(),
            value: quantity.to_string(),
            limit: Limit::AtMost(max),
        };
        self.record_rule(request_id, check, quantity <= max, failures, out);
    }

    /// Records one rule's verdict as evidence; a failure is kept as a reason.
    fn record_rule(
        &self,
        request_id: u64,
        check: RuleCheck,
        passed: bool,
        failures: &mut Vec<RuleCheck>,
        out: &mut Outbox,
    ) {
        if !passed {
            failures.push(check.clone());
        }
        out.note(Note::Compliance { org: self.cfg.id.clone(), request_id, check, passed });
    }

    /// Reference flow, step 13: feed the transaction to the cluster ledger.
    pub(super) fn submit(&mut self, request_id: u64, out: &mut Outbox) {
        let Some(sale) = self.state.sales.get_mut(&request_id) else { return };
        let tx = sale.ledger_tx(request_id, &self.cfg.id);
        sale.stage = Stage::Submitted;
        out.note(Note::Submitted { org: self.cfg.id.clone(), request_id, tx_hash: tx.hash() });
        let ledger = Address::Actor(ActorId::Ledger(self.cfg.cluster.clone()));
        out.send(self.message(request_id, ledger, Body::Submit(tx)));
    }

    /// A block of the ledger (in its turn, or kept until then).
    pub(super) fn on_block(&mut self, block: BlockCommitted, out: &mut Outbox) {
        self.on_ledger_event(block.index, super::EarlyEvent::Block(block), out);
    }

    /// A block in its turn: update the replica; settle or reject what this org submitted.
    fn apply_block(&mut self, block: BlockCommitted, out: &mut Outbox) {
        if !self.state.view.apply(&block, block.index) {
            return;
        }
        self.answer_deferred(out);
        for (index, tx) in block.txs.iter().enumerate() {
            // Asked again for each: settling one transaction ends any other of its request.
            if !self.awaits_settlement(tx) {
                continue;
            }
            // The block's hashes and tree, computed once for every replica of the cluster.
            let (leaves, tree) = (block.txs.hashes(), block.txs.tree());
            let path = tree.path(index);
            let node_id = proof_node_id(self.cfg.dir.seed, tx.request_id);
            let proof = ChainpointProof::build(&ProofInputs {
                tx_hash: leaves[index],
                path: &path,
                cluster: self.cfg.cluster.as_str(),
                height: block.height,
                received_us: block.received_us.get(index).copied().unwrap_or(0),
                start_us: self.cfg.dir.protocol.clock.start_us,
                node_id,
            });
            let cause = Cause::Settled { cluster: self.cfg.cluster.clone(), height: block.height };
            self.finalize(tx.request_id, Status::Ok, cause, Some(Arc::new(proof)), out);
        }
        for refused in block.refused.iter() {
            if self.awaits_settlement(&refused.tx) {
                let cause = Cause::Insufficient {
                    account: refused.tx.source.clone(),
                    quantity: refused.tx.quantity,
                    asset: refused.tx.asset.clone(),
                    hold: false,
                };
                self.finalize(refused.tx.request_id, refused.status, cause, None, out);
            }
        }
        self.plan_transactions_in(&block, out);
    }

    /// Whether `tx` is one this org submitted and still waits to see settled or refused.
    fn awaits_settlement(&self, tx: &LedgerTx) -> bool {
        tx.submitter == self.cfg.id
            && matches!(self.state.sales.get(&tx.request_id).map(|s| &s.stage), Some(Stage::Submitted))
    }

    /// Reference flow, step 14: the transfer is final; notify the buyer's org (an exchange).
    pub(super) fn finalize(
        &mut self,
        request_id: u64,
        status: Status,
        cause: Cause,
        proof: Option<Arc<ChainpointProof>>,
        out: &mut Outbox,
    ) {
        let Some(sale) = self.state.sales.get_mut(&request_id) else { return };
        let settlement = Settlement { tx_id: sale.tx_id, status, cause: cause.clone(), proof };
        sale.stage = Stage::Final(Box::new(settlement.clone()));
        let buyer = sale.buyer_org.clone();
        // A settled transfer consumed its hold on the ledger; any other gives it back to the seller.
        let release = (std::mem::take(&mut sale.held) && status != Status::Ok)
            .then(|| sale.escrow_op(request_id, &self.cfg.id))
            .flatten();
        let (org, settled) = (self.cfg.id.clone(), status == Status::Ok);
        let note = match sale.deal.operation() {
            None => Note::SaleFinal { org, request_id, settled, reason: status, cause },
            Some(operation) => Note::OperationDecided { operation, org, request_id, settled, reason: status, cause },
        };
        let (body, kind) = sale.deal.terms().notice(settlement);
        if let Some(op) = release {
            let ledger = Address::Actor(ActorId::Ledger(self.cfg.cluster.clone()));
            out.send(self.message(request_id, ledger, Body::Release(op)));
        }
        out.note(note);
        let message = self.message(request_id, Self::to_org(&buyer), body);
        self.state.exchanges.start(ExchangeKey { request_id, peer: buyer, kind }, message, out);
    }
}

impl Organization {
    /// An acknowledgement closes the notification it answers: a settlement, or an operation's
    /// notice answered as one is.
    pub(super) fn on_acknowledged(&mut self, request_id: u64, from: OrgId, out: &mut Outbox) {
        for &kind in ExchangeKind::ALL.iter().filter(|kind| kind.like() == ExchangeKind::Settlement) {
            self.state.exchanges.close(&ExchangeKey { request_id, peer: from.clone(), kind }, out);
        }
    }

    /// Whether an exchange kind asks for a token movement's status (a transfer's, or an
    /// operation's request answered as one is): its re-send learns the current status, and its
    /// failure is a `timeout`.
    pub(super) fn moves_tokens(kind: ExchangeKind) -> bool {
        kind.like() == ExchangeKind::Transfer
    }
}

/// Whether a settled final status carries a proof of `tx`: its `hash` is that transaction's hash,
/// and its operations replay.
pub(super) fn proves(settlement: &Settlement, tx: &LedgerTx) -> bool {
    let own = tx.hash();
    settlement.proof.as_ref().is_some_and(|p| Hash32::from_hex(&p.hash) == Some(own) && p.replay().is_some())
}

/// The six bytes that make a proof's id unique: from the seed and the transfer's request id, so
/// the asset's org and a buyer's org that rebuilds the proof from a status query agree.
pub(super) fn proof_node_id(seed: u64, request_id: u64) -> [u8; 6] {
    let mut node_id = [0u8; 6];
    node_id.copy_from_slice(&Hash32::of_parts(&[&seed.to_be_bytes(), &request_id.to_be_bytes()]).0[..6]);
    node_id
}

#[cfg(test)]
mod tests;
