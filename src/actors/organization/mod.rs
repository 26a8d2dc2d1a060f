//! `Organization`: a FinP2P node. It holds its keys, users, the assets it manages,
//! its regulation rules, its replica of the cluster ledger and its pending
//! requests. Handlers are sans-IO: they read an input and record sends, timers and
//! notes in an `Outbox`.
//!
//! The flow is split by role: `query` answers and asks gets, verifies, proof checks
//! and balances (with quorums); `transfer` is the buyer's side and the asset's side
//! of a transfer; each operation on the supply is a module of its own (`issuance`,
//! `redemption`) on the same machinery, which it joins through `Starts`, `Receives` and
//! `Terms`; `exchange` keeps every outgoing request's timeout and retries.

pub mod exchange;
mod issuance;
pub mod ledger_view;
mod plan;
mod query;
mod redemption;
mod status_query;
mod transfer;

use crate::actors::directory::Directory;
use crate::actors::note::{Change, Discard, Note, SuspectReason};
use crate::actors::outbox::{Command, Input, Outbox, Received};
use crate::crypto::Hash32;
use crate::protocol::config::Regulation;
use crate::protocol::envelope::{Envelope, Message, Rejection};
use crate::protocol::ids::{ActorId, Address, ClusterId, OrgId, ResourceId};
use crate::protocol::ivms101::{PersonData, ReceiverPart};
use crate::protocol::keys;
use crate::protocol::message::Body;
use crate::protocol::operation::{match_body, match_operation};
use exchange::{ExchangeKey, ExchangeKind, Exchanges, Expiry};
use ledger_view::LedgerView;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use query::Broadcast;
pub use transfer::{Purchase, Sale};

/// What the org does with an operation's command, said by the operation's module (a new
/// operation is a compile error here until it says).
trait Starts {
    /// Starts the operation at `org` under `request_id`.
    fn start(self, org: &mut Organization, now: u64, request_id: u64, out: &mut Outbox);
}

/// What the org does with an operation's body that arrives, said by the operation's module (a
/// new body is a compile error here until it says who may send it and what the org does).
trait Receives {
    /// Handles the body, arrived as `arrival` says.
    fn receive(self, org: &mut Organization, arrival: Arrival<'_>, out: &mut Outbox);
}

/// How a body arrived: under which request id, from which org (none: a user's or a
/// ledger's), in which envelope.
struct Arrival<'a> {
    request_id: u64,
    from_org: Option<OrgId>,
    envelope: &'a Arc<Envelope>,
}

impl Arrival<'_> {
    /// The sending org, for a body only another org sends; `None` (and the envelope noted as
    /// unexpected) for any other sender.
    fn org(&self, org: &Organization, out: &mut Outbox) -> Option<OrgId> {
        if self.from_org.is_none() {
            out.note(org.discarded(self.envelope, Discard::Unexpected));
        }
        self.from_org.clone()
    }
}

/// What an org is configured with.
#[derive(Clone, Debug, Default)]
pub struct OrgSetup {
    /// Its users and their IVMS-101 data.
    pub users: BTreeMap<ResourceId, Option<PersonData>>,
    /// The assets it manages and their data (canonical JSON).
    pub assets: BTreeMap<ResourceId, String>,
    /// Its regulation rules.
    pub regulation: Option<Regulation>,
}

/// What an org is built with and never changes: its identity, public knowledge and its
/// configuration. Shared (an `Arc`) by every copy of the org's state machine.
#[derive(Debug)]
pub struct OrgConfig {
    id: OrgId,
    me: ActorId,
    cluster: ClusterId,
    dir: Arc<Directory>,
    setup: OrgSetup,
    /// What every IVMS-101 document about each of its users with data shares, written once.
    receivers: BTreeMap<ResourceId, ReceiverPart>,
}

/// What an org's handlers change: its replica, its requests and their exchanges. Everything
/// a run (or an explorer) must copy, compare or hash to tell two moments of the org apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrgState {
    view: LedgerView,
    /// SHA-256 of the data got from each resource.
    got: BTreeMap<ResourceId, Hash32>,
    exchanges: Exchanges,
    broadcasts: BTreeMap<u64, Broadcast>,
    purchases: BTreeMap<u64, Purchase>,
    /// The purchases whose final status is not known yet, as (user, the asset's org, request
    /// id): an asker's request for a user's data finds its purchase here, not by a scan of
    /// every purchase the org ever made.
    open_purchases: BTreeSet<(ResourceId, OrgId, u64)>,
    sales: BTreeMap<u64, Sale>,
    /// Each user-signed transfer this org accepted (its nonce and template hash), with the
    /// request id that carried it first: durable, so a replay is refused after a restart too.
    accepted_transfers: BTreeMap<Hash32, u64>,
    /// Reads asked at a height this org's replica has not reached yet, answered when it does
    /// (lost in a crash, like any work in progress: the asker asks again).
    deferred: Vec<query::Deferred>,
    /// The last sync asked of the ledger: the event it asked from, and the highest event seen then.
    sync_asked: Option<(u64, u64)>,
    /// Ledger events that arrived before one they follow, by index: applied when their turn comes.
    early: BTreeMap<u64, EarlyEvent>,
    /// The final statuses other orgs told this org of requests it did not start (an issue to one
    /// of its users), by request id, with the proof of each settled one: durable, so their
    /// receivers' data is never given again.
    notices: BTreeMap<u64, Option<Arc<crate::crypto::chainpoint::ChainpointProof>>>,
    /// The highest height of each cluster that a proof this org holds is anchored at (what a
    /// balance query names as its `min_height`): kept as proofs come, not found by a walk
    /// through every purchase per query. (A proof, once held, is never replaced: only a
    /// `timeout`, which has none, is.)
    proven: BTreeMap<String, u64>,
    /// Execution plans, in every role this org has in them.
    plans: plan::Plans,
}

/// A ledger event that arrived before its turn.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum EarlyEvent {
    Block(crate::protocol::message::BlockCommitted),
    Escrow(crate::protocol::message::EscrowCommitted),
}

/// A FinP2P node: its fixed configuration and its state.
#[derive(Clone, Debug)]
pub struct Organization {
    cfg: Arc<OrgConfig>,
    state: OrgState,
}

impl Organization {
    /// A node with its cluster's genesis ledger. It holds no key: its boundary
    /// (`actors::boundary`) seals what it sends.
    pub fn new(id: OrgId, dir: Arc<Directory>, setup: OrgSetup) -> Self {
        let me = ActorId::Org(id.clone());
        let cluster = dir.cluster_of[&id].clone();
        let mut view = LedgerView { indexes_transactions: dir.protocol.status_query, ..LedgerView::default() };
        for (asset_id, balances) in &dir.genesis {
            if dir.cluster_of.get(&asset_id.org) == Some(&cluster) {
                view.assets.insert(asset_id.clone(), dir.asset_hashes[asset_id]);
                for (account, amount) in balances {
                    view.balances.insert((asset_id.clone(), account.clone()), *amount);
                }
            }
        }
        let state = OrgState {
            exchanges: Exchanges::new(dir.protocol.timeout_us, dir.protocol.retries),
            view,
            got: BTreeMap::new(),
            broadcasts: BTreeMap::new(),
            purchases: BTreeMap::new(),
            open_purchases: BTreeSet::new(),
            sales: BTreeMap::new(),
            accepted_transfers: BTreeMap::new(),
            deferred: Vec::new(),
            sync_asked: None,
            early: BTreeMap::new(),
            proven: BTreeMap::new(),
            plans: plan::Plans::default(),
            notices: BTreeMap::new(),
        };
        let receivers = setup
            .users
            .iter()
            .filter_map(|(user, person)| {
                let part = ReceiverPart::new(person.as_ref()?, &user.to_string(), id.as_str(), &dir.lei(&id));
                Some((user.clone(), part))
            })
            .collect();
        Self { cfg: Arc::new(OrgConfig { id, me, cluster, dir, setup, receivers }), state }
    }

    /// Its state (what its handlers change).
    pub fn state(&self) -> &OrgState {
        &self.state
    }

    /// Handles one input.
    pub fn handle(&mut self, now: u64, input: Input) -> Outbox {
        let mut out = Outbox::default();
        match input {
            Input::Receive(received) => self.on_receive(now, received, &mut out),
            Input::Rejected { envelope, rejection } => self.discard(&envelope, rejection, &mut out),
            Input::Timer(timer) => self.on_timer(timer, &mut out),
            Input::Command { request_id, command } => self.on_command(now, request_id, command, &mut out),
            Input::Crash => {
                self.state.exchanges.crash();
                self.state.deferred.clear();
                self.state.sync_asked = None;
                self.state.early.clear();
                self.state.plans.crash();
            }
            Input::Restart => {
                self.on_restart(&mut out);
                self.restart_plans(now, &mut out);
            }
        }
        out
    }

    /// Whether `timer` may fire at any moment, rather than only when nothing could answer it
    /// (an exploration's question): a plan's await is a wait, not a timeout.
    pub fn fires_any_moment(&self, timer: u64) -> bool {
        self.state.plans.is_await(timer)
    }

    /// Hands the replica over, keeping an empty one (at the end of a run).
    pub fn take_replica(&mut self) -> LedgerView {
        std::mem::take(&mut self.state.view)
    }

    /// A message from this org (its boundary seals it).
    fn message(&self, request_id: u64, to: Address, body: Body) -> Message {
        Message { request_id, from: self.cfg.me.clone(), to, body }
    }

    /// The org's finid: its public key, as the directory knows it.
    fn finid(&self) -> String {
        self.cfg.dir.keyring.key(&self.cfg.me).map(keys::finid).unwrap_or_default()
    }

    fn to_org(org: &OrgId) -> Address {
        Address::Actor(ActorId::Org(org.clone()))
    }

    fn on_receive(&mut self, now: u64, received: Received, out: &mut Outbox) {
        let Received { message, envelope } = received;
        let for_me = match &message.to {
            Address::Actor(actor) => actor == &self.cfg.me,
            Address::Cluster(cluster) => cluster == &self.cfg.cluster,
        };
        if !for_me {
            out.note(self.discarded(&envelope, Discard::Misaddressed));
            return;
        }
        let from_org = message.from.org().cloned();
        let from_ledger = matches!(&message.from, ActorId::Ledger(cluster) if *cluster == self.cfg.cluster);
        let request_id = message.request_id;
        // Every body, by name: a new one is a compile error here until it says who may send it
        // and what the org does with it, rather than a message thrown away as `unexpected`.
        // `org!()` is the sending org, for a body that only another org sends.
        macro_rules! org {
            () => {
                match from_org {
                    Some(from) => from,
                    None => return out.note(self.discarded(&envelope, Discard::Unexpected)),
                }
            };
        }
        match_body!(message.body, body => {
            body.receive(self, Arrival { request_id, from_org, envelope: &envelope }, out)
        }, {
            // From another org.
            Body::Advertisement(ad) => {
                out.note(Note::AdvertisementReceived {
                    org: self.cfg.id.clone(),
                    from: org!(),
                    resources: ad.resources,
                });
                self.changed(Change::Advertisement, &envelope, out);
            }
            Body::Get(get) => self.answer_get(request_id, org!(), get, out),
            Body::GetResponse(response) => self.on_get_response(request_id, org!(), response, &envelope, out),
            Body::Verify(verify) => self.answer_verify(request_id, org!(), verify, out),
            Body::VerifyProof(request) => self.answer_proof(request_id, org!(), request, out),
            Body::BalanceQuery(query) => self.answer_balance(request_id, org!(), query, out),
            Body::StatusQuery(query) => self.answer_status(request_id, org!(), query, out),
            body @ (Body::VerifyAnswer(_) | Body::ProofAnswer(_) | Body::BalanceAnswer(_) | Body::StatusAnswer(_)) => {
                self.on_broadcast_answer(request_id, org!(), body, &envelope, out)
            }
            Body::Transfer(transfer) => self.on_transfer(now, request_id, org!(), transfer, &envelope, out),
            Body::TxAccepted(accepted) => self.on_tx_accepted(now, request_id, org!(), accepted, out),
            Body::Settlement(settlement) => self.on_settlement(request_id, org!(), settlement, &envelope, out),
            Body::SettlementAck => self.on_acknowledged(request_id, org!(), out),
            Body::PlanProposal(proposal) => self.on_plan_proposal(request_id, org!(), proposal, out),
            Body::PlanApproval(approval) => self.on_plan_approval(request_id, org!(), approval, &envelope, out),
            Body::PlanGet(get) => self.answer_plan_get(request_id, org!(), get, out),
            Body::ConsentRequest(request) => self.on_consent_request(request_id, org!(), request, out),
            Body::PlanConsent(consents) => self.on_plan_consents(request_id, org!(), consents, out),
            Body::PlanExecute(execute) => self.on_plan_execute(request_id, org!(), execute, out),
            Body::PlanRollback(rollback) => self.on_plan_rollback(request_id, org!(), rollback, out),
            Body::PlanResult(result) => self.on_plan_result(request_id, org!(), result, &envelope, out),
            Body::PlanFinal(told) => self.on_plan_final(request_id, org!(), told, out),
            // From one of its users (an org never sends them).
            Body::Order(order) if from_org.is_none() => self.on_order(now, request_id, &message.from, order, out),
            Body::SignResponse(signed) if from_org.is_none() => self.on_signed(request_id, &message.from, signed, out),
            // From its cluster's ledger.
            Body::BlockCommitted(block) if from_ledger => self.on_block(block, out),
            Body::EscrowCommitted(event) if from_ledger => self.on_escrow(event, out),
            // From the wrong sender, or a user's or a ledger's to hear.
            Body::Order(_)
            | Body::SignResponse(_)
            | Body::BlockCommitted(_)
            | Body::EscrowCommitted(_)
            | Body::SignRequest(_)
            | Body::SignPlan(_)
            | Body::Submit(_)
            | Body::PlanSubmit(_)
            | Body::Hold(_)
            | Body::Release(_)
            | Body::SyncRequest { .. } => out.note(self.discarded(&envelope, Discard::Unexpected)),
        })
    }

    fn discarded(&self, envelope: &Envelope, reason: Discard) -> Note {
        Note::discarded(&self.cfg.me, envelope, reason)
    }

    /// A message whose signature failed is never acted on; if it claims to answer one
    /// of our exchanges, it counts against that exchange (see suspects).
    fn discard(&mut self, envelope: &Envelope, rejection: Rejection, out: &mut Outbox) {
        out.note(self.discarded(envelope, rejection.into()));
        if let ActorId::Org(from) = &envelope.from {
            self.on_bad_answer(envelope.request_id, from.clone(), envelope.kind, out);
        }
    }

    /// Records that state changed because of a message (the `authenticity` check reads it).
    fn changed(&self, change: Change, cause: &Arc<Envelope>, out: &mut Outbox) {
        out.note(Note::StateChange { actor: self.cfg.me.clone(), change, cause: cause.clone() });
    }

    fn on_timer(&mut self, timer: u64, out: &mut Outbox) {
        if self.on_plan_timer(timer, out) {
            return;
        }
        match self.state.exchanges.expire(timer, &self.cfg.id, out) {
            Expiry::Retried(key) if Self::moves_tokens(key.kind) => self.query_status(key.request_id, out),
            Expiry::Retried(_) | Expiry::Stale => {}
            Expiry::Failed(key, exchange) => self.on_exchange_failed(key, &exchange, out),
        }
    }

    fn on_exchange_failed(&mut self, key: ExchangeKey, exchange: &exchange::Exchange, out: &mut Outbox) {
        if exchange.bad_answers > 0 {
            self.suspect(&key.peer, (key.request_id, key.kind), SuspectReason::NoValidSignature, out);
        }
        self.gave_up(key.kind, key, exchange, out);
    }

    /// What the org does when an exchange of `kind` runs out of retries (an operation's, what it
    /// does for the exchange it is answered as).
    fn gave_up(&mut self, kind: ExchangeKind, key: ExchangeKey, exchange: &exchange::Exchange, out: &mut Outbox) {
        match kind {
            ExchangeKind::Get => {
                if let Body::Get(get) = &exchange.message.body {
                    out.note(Note::GetResult {
                        org: self.cfg.id.clone(),
                        request_id: key.request_id,
                        resource: get.resource.clone(),
                        status: crate::protocol::status::Status::Timeout,
                    });
                }
            }
            ExchangeKind::IvmsGet => self.ivms_timed_out(key.request_id, out),
            ExchangeKind::Verify | ExchangeKind::VerifyProof | ExchangeKind::Balance | ExchangeKind::Status => {
                self.member_timed_out(key.request_id, &key.peer, out)
            }
            ExchangeKind::Transfer => self.transfer_timed_out(key.request_id, out),
            ExchangeKind::Settlement => {}
            ExchangeKind::Operation(operation) => self.gave_up(operation.like(), key, exchange, out),
            ExchangeKind::PlanProposal
            | ExchangeKind::PlanConsent
            | ExchangeKind::PlanGet
            | ExchangeKind::PlanExecute
            | ExchangeKind::PlanRollback => self.plan_exchange_failed(&key, out),
        }
    }

    fn suspect(&mut self, org: &OrgId, key: (u64, ExchangeKind), reason: SuspectReason, out: &mut Outbox) {
        let (request_id, kind) = key;
        let answer = kind.answer();
        out.note(Note::Suspect { by: self.cfg.id.clone(), org: org.clone(), request_id, reason, answer });
    }

    fn on_command(&mut self, now: u64, request_id: u64, command: Command, out: &mut Outbox) {
        match_operation!(Command; command, command => command.start(self, now, request_id, out), {
            Command::Advertise { asset, to } => self.advertise(request_id, asset, to, out),
            Command::Get { resource, accept } => self.start_get(request_id, resource, accept, out),
            Command::Verify { cluster, resource } => self.start_verify(request_id, cluster, resource, out),
            Command::VerifyProof { cluster, transfer_request_id } => {
                self.start_verify_proof(request_id, cluster, transfer_request_id, out)
            }
            Command::Balance { cluster, account, asset } => {
                self.start_balance(request_id, cluster, account, asset, out)
            }
            // A purchase starts at the user's application, which sends its org an `Order`.
            Command::Buy { .. } => {}
            Command::Plan { plan } => self.start_plan(now, request_id, plan, out),
        })
    }

    fn on_restart(&mut self, out: &mut Outbox) {
        self.state.exchanges.restart(&self.cfg.id, out);
        let sync = self.message(
            0,
            Address::Actor(ActorId::Ledger(self.cfg.cluster.clone())),
            Body::SyncRequest { from_event: self.state.view.next_event },
        );
        out.send(sync);
    }
}
