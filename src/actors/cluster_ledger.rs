//! `ClusterLedger`: a cluster's DLT. Append-only blocks; each block's transaction
//! hashes form a SHA-256 Merkle tree whose root anchors proofs.
//!
//! Only the asset's managing org (a member of this cluster) may submit its
//! transactions. Every `block_ms` the ledger closes a block with every transaction
//! submitted since the last one, applying them in order; one whose source holds too
//! little is refused (reason `balance`). No empty blocks. Each event (a block, or
//! refusals alone) goes to every org of the cluster, and is kept so that an org that
//! restarts can ask for what it missed.

use crate::actors::directory::Directory;
use crate::actors::escrow::{self, Holds};
use crate::actors::note::{Change, Discard, Note};
use crate::actors::outbox::{Input, Outbox, Received};
use crate::crypto::Hash32;
use crate::protocol::envelope::{Envelope, Message};
use crate::protocol::ids::{ActorId, Address, ClusterId, ResourceId};
use crate::protocol::message::{BlockCommitted, Body, EscrowCommitted, EscrowOp, LedgerTx, RefusedTx, Transactions};
use crate::protocol::operation::match_body;
use crate::protocol::plan::PlanSubmit;
use crate::protocol::status::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One closed block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Block {
    /// Its height (from 1).
    pub height: u64,
    /// The Merkle root of its transaction hashes.
    pub root: Hash32,
    /// Its transactions, in order.
    pub txs: Vec<LedgerTx>,
}

/// A ledger's final state.
#[derive(Debug, Clone, Default)]
pub struct LedgerSnapshot {
    /// Balances by (asset, account).
    pub balances: std::collections::BTreeMap<(crate::protocol::ids::ResourceId, crate::protocol::ids::ResourceId), u64>,
    /// Its blocks.
    pub blocks: Vec<Block>,
    /// The holds still in place (variant `settlement: escrow`).
    pub holds: crate::actors::escrow::Holds,
    /// The tokens held after each ledger event since the first hold.
    pub held_history: Vec<HeldState>,
}

/// The tokens held per account after one ledger event (kept once escrow is in use, for the
/// `honest_answers` check: a balance answer names a height, and holds change between blocks).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HeldState {
    /// The ledger's height after the event.
    pub height: u64,
    /// Whether the event was a block (it closed `height`), or holds and releases.
    pub block: bool,
    /// Tokens held per (asset, account).
    pub held: BTreeMap<(ResourceId, ResourceId), u64>,
}

/// A hold or a release waiting for the next block close.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum EscrowRequest {
    Hold(EscrowOp),
    Release(EscrowOp),
}

/// What a ledger is built with and never changes.
#[derive(Debug)]
pub struct LedgerConfig {
    cluster: ClusterId,
    me: ActorId,
    dir: Arc<Directory>,
    block_us: u64,
}

/// What a ledger's handlers change: its balances, blocks, holds and what waits for the next
/// block close. `Clone + Eq + Hash`, as an explorer needs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LedgerState {
    /// Balances by (asset, account).
    balances: BTreeMap<(ResourceId, ResourceId), u64>,
    /// The blocks, in order.
    blocks: Vec<Block>,
    /// The holds in place (variant `settlement: escrow`).
    holds: Holds,
    /// The tokens held after each ledger event since the first hold.
    held_history: Vec<HeldState>,
    pending: Vec<(LedgerTx, u64)>,
    pending_escrow: Vec<EscrowRequest>,
    seen_requests: BTreeSet<u64>,
    /// The plans' transactions queued so far, by tx id: each is queued once.
    plan_txs: BTreeSet<Hash32>,
    events: Vec<Arc<Message>>,
    timer_armed: bool,
}

/// A cluster ledger: its fixed configuration and its state.
#[derive(Clone, Debug)]
pub struct ClusterLedger {
    cfg: Arc<LedgerConfig>,
    state: LedgerState,
}

impl ClusterLedger {
    /// The genesis ledger of `cluster`: the initial balances of its orgs' assets.
    pub fn new(cluster: ClusterId, dir: Arc<Directory>) -> Self {
        let mut balances = BTreeMap::new();
        for (asset_id, genesis) in &dir.genesis {
            if dir.cluster_of.get(&asset_id.org) == Some(&cluster) {
                for (account, amount) in genesis {
                    balances.insert((asset_id.clone(), account.clone()), *amount);
                }
            }
        }
        let me = ActorId::Ledger(cluster.clone());
        let state = LedgerState {
            balances,
            blocks: Vec::new(),
            holds: Holds::new(),
            held_history: Vec::new(),
            pending: Vec::new(),
            pending_escrow: Vec::new(),
            seen_requests: BTreeSet::new(),
            plan_txs: BTreeSet::new(),
            events: Vec::new(),
            timer_armed: false,
        };
        let cfg = LedgerConfig { me, cluster, block_us: dir.block_us, dir };
        Self { cfg: Arc::new(cfg), state }
    }

    /// Its state (what its handlers change).
    pub fn state(&self) -> &LedgerState {
        &self.state
    }

    /// What the checks read of it at the end of a run.
    pub fn snapshot(&self) -> LedgerSnapshot {
        LedgerSnapshot {
            balances: self.state.balances.clone(),
            blocks: self.state.blocks.clone(),
            holds: self.state.holds.clone(),
            held_history: self.state.held_history.clone(),
        }
    }

    /// The same at the very end of a run, handed over rather than copied (the ledger keeps an
    /// empty state: nothing runs after).
    pub fn take_snapshot(&mut self) -> LedgerSnapshot {
        LedgerSnapshot {
            balances: std::mem::take(&mut self.state.balances),
            blocks: std::mem::take(&mut self.state.blocks),
            holds: std::mem::take(&mut self.state.holds),
            held_history: std::mem::take(&mut self.state.held_history),
        }
    }

    /// Handles one input.
    pub fn handle(&mut self, now: u64, input: Input) -> Outbox {
        let mut out = Outbox::default();
        match input {
            Input::Receive(Received { message, envelope }) => self.on_receive(now, message, &envelope, &mut out),
            Input::Rejected { envelope, rejection } => self.discard(&envelope, rejection.into(), &mut out),
            Input::Timer(_) => self.close_block(&mut out),
            Input::Command { .. } | Input::Crash | Input::Restart => {}
        }
        out
    }

    fn on_receive(&mut self, now: u64, message: Message, envelope: &Arc<Envelope>, out: &mut Outbox) {
        let Some(from) =
            message.from.org().filter(|o| self.cfg.dir.cluster_of.get(*o) == Some(&self.cfg.cluster)).cloned()
        else {
            return;
        };
        // An operation's bodies are an org's or a user's: a ledger hears an operation as the
        // transactions an org submits.
        match_body!(message.body, _operation => {}, {
            // Only the asset's managing org submits its transactions, and only to debit its own
            // accounts (or the asset's own supply, a mint) unless it burns (a holder's redeem,
            // whose signature the `authenticity` invariant checks).
            Body::Submit(tx)
                if tx.asset.org != from || tx.submitter != from || (tx.source.org != from && !tx.burns()) =>
            {
                self.discard(envelope, Discard::Unentitled, out);
            }
            // The same rule for holds and releases: the asset's org, on its own account.
            Body::Hold(op) | Body::Release(op)
                if op.asset.org != from || op.submitter != from || op.account.org != from =>
            {
                self.discard(envelope, Discard::Unentitled, out);
            }
            Body::Hold(op) => self.queue_escrow(now, EscrowRequest::Hold(op), Change::HoldQueued, envelope, out),
            Body::Release(op) => {
                self.queue_escrow(now, EscrowRequest::Release(op), Change::ReleaseQueued, envelope, out)
            }
            Body::Submit(tx) => {
                if !self.state.seen_requests.insert(tx.request_id) && self.cfg.dir.defences.ledger_deduplicates_requests
                {
                    return;
                }
                out.note(Note::StateChange {
                    actor: self.cfg.me.clone(),
                    change: Change::TxQueued,
                    cause: envelope.clone(),
                });
                self.state.pending.push((tx, now));
                self.arm(now, out);
            }
            Body::PlanSubmit(submit) => self.queue_plan_tx(now, message.request_id, &from, submit, envelope, out),
            Body::SyncRequest { from_event } => {
                for event in self.state.events.iter().skip(from_event as usize) {
                    out.send_to(event.clone(), ActorId::Org(from.clone()), false);
                }
            }
            // Every other body, by name: a new one is a compile error here until it says whether
            // the ledger acts on it.
            Body::Advertisement(_)
            | Body::Get(_)
            | Body::GetResponse(_)
            | Body::Verify(_)
            | Body::VerifyAnswer(_)
            | Body::Order(_)
            | Body::SignRequest(_)
            | Body::SignResponse(_)
            | Body::Transfer(_)
            | Body::TxAccepted(_)
            | Body::Settlement(_)
            | Body::SettlementAck
            | Body::BlockCommitted(_)
            | Body::VerifyProof(_)
            | Body::ProofAnswer(_)
            | Body::BalanceQuery(_)
            | Body::BalanceAnswer(_)
            | Body::StatusQuery(_)
            | Body::StatusAnswer(_)
            | Body::EscrowCommitted(_)
            | Body::PlanProposal(_)
            | Body::PlanApproval(_)
            | Body::PlanGet(_)
            | Body::ConsentRequest(_)
            | Body::SignPlan(_)
            | Body::PlanConsent(_)
            | Body::PlanExecute(_)
            | Body::PlanRollback(_)
            | Body::PlanResult(_)
            | Body::PlanFinal(_) => {}
        })
    }

    /// A plan's instruction (or a hold's rollback) from its executor: the transaction the plan
    /// says, queued once. Only the asset's managing org submits it, and it debits an account of
    /// another org only with the consent of that account's user over the plan's hash.
    fn queue_plan_tx(
        &mut self,
        now: u64,
        request_id: u64,
        from: &crate::protocol::ids::OrgId,
        submit: PlanSubmit,
        envelope: &Arc<Envelope>,
        out: &mut Outbox,
    ) {
        let plan = &submit.plan;
        let tx = match submit.rollback {
            true => plan.rollback_tx(submit.n, request_id),
            false => plan.ledger_tx(submit.n, request_id),
        };
        let Some(tx) = tx else { return self.discard(envelope, Discard::Unentitled, out) };
        let consented = || {
            let hash = plan.hash();
            submit.consent.as_ref().is_some_and(|c| {
                c.account == tx.source
                    && c.plan_hash == hash
                    && self.cfg.dir.user_signed(&tx.source, &hash.0, &c.signature)
            })
        };
        if &tx.asset.org != from || (tx.source.org != *from && !tx.mints() && !consented()) {
            return self.discard(envelope, Discard::Unentitled, out);
        }
        if !self.state.plan_txs.insert(tx.tx_id) {
            return;
        }
        out.note(Note::StateChange { actor: self.cfg.me.clone(), change: Change::TxQueued, cause: envelope.clone() });
        self.state.pending.push((tx, now));
        self.arm(now, out);
    }

    /// Arms the block timer, if it is not armed: the next multiple of `block_ms`.
    fn arm(&mut self, now: u64, out: &mut Outbox) {
        if !self.state.timer_armed {
            self.state.timer_armed = true;
            out.timers.push((0, self.cfg.block_us - now % self.cfg.block_us.max(1)));
        }
    }

    fn queue_escrow(
        &mut self,
        now: u64,
        request: EscrowRequest,
        change: Change,
        cause: &Arc<Envelope>,
        out: &mut Outbox,
    ) {
        out.note(Note::StateChange { actor: self.cfg.me.clone(), change, cause: cause.clone() });
        self.state.pending_escrow.push(request);
        self.arm(now, out);
    }

    /// Applies the holds and releases asked since the last close, before the block's
    /// transactions, as one ledger event.
    fn close_escrow(&mut self, out: &mut Outbox) {
        if self.state.pending_escrow.is_empty() {
            return;
        }
        let (mut held, mut released, mut refused) = (Vec::new(), Vec::new(), Vec::new());
        for request in std::mem::take(&mut self.state.pending_escrow) {
            match request {
                EscrowRequest::Hold(op) => {
                    let current =
                        self.state.balances.get(&(op.asset.clone(), op.account.clone())).copied().unwrap_or(0);
                    let available = current.saturating_sub(escrow::held(&self.state.holds, &op.asset, &op.account));
                    if self.state.holds.contains_key(&op.tx_id) || available < op.quantity {
                        refused.push(op);
                    } else {
                        self.state.holds.insert(op.tx_id, op.clone());
                        held.push(op);
                    }
                }
                EscrowRequest::Release(op) => {
                    if self.state.holds.get(&op.tx_id) == Some(&op) {
                        self.state.holds.remove(&op.tx_id);
                        released.push(op);
                    }
                }
            }
        }
        let requests = |ops: &[EscrowOp]| ops.iter().map(|o| o.request_id).collect::<Vec<_>>();
        out.note(Note::EscrowClosed {
            cluster: self.cfg.cluster.clone(),
            held: requests(&held),
            released: requests(&released),
            refused: requests(&refused),
        });
        let height = self.state.blocks.len() as u64;
        self.state.held_history.push(HeldState { height, block: false, held: escrow::totals(&self.state.holds) });
        let index = self.state.events.len() as u64;
        let event = EscrowCommitted { index, height, held, released, refused };
        self.publish(index, Body::EscrowCommitted(event), out);
    }

    /// Keeps a ledger event for orgs that sync, and sends it to the cluster.
    fn publish(&mut self, index: u64, body: Body, out: &mut Outbox) {
        let message = Message {
            request_id: index,
            from: self.cfg.me.clone(),
            to: Address::Cluster(self.cfg.cluster.clone()),
            body,
        };
        let message = Arc::new(message);
        self.state.events.push(message.clone());
        out.send(message);
    }

    fn discard(&self, envelope: &Envelope, reason: Discard, out: &mut Outbox) {
        out.note(Note::discarded(&self.cfg.me, envelope, reason));
    }

    fn close_block(&mut self, out: &mut Outbox) {
        self.state.timer_armed = false;
        self.close_escrow(out);
        if self.state.pending.is_empty() {
            return;
        }
        let mut txs = Vec::new();
        let mut received_us = Vec::new();
        let mut refused = Vec::new();
        for (tx, received) in std::mem::take(&mut self.state.pending) {
            let source = (tx.asset.clone(), tx.source.clone());
            let current = self.state.balances.get(&source).copied().unwrap_or(0);
            // A transaction settling a hold spends the held tokens; any other only what is free;
            // a mint spends nothing.
            let spendable = match escrow::consume(&mut self.state.holds, &tx) {
                _ if tx.mints() => u64::MAX,
                Some(hold) => hold.quantity,
                None => current.saturating_sub(escrow::held(&self.state.holds, &tx.asset, &tx.source)),
            };
            if spendable < tx.quantity {
                out.note(Note::TxRefused {
                    cluster: self.cfg.cluster.clone(),
                    request_id: tx.request_id,
                    reason: Status::Balance,
                });
                refused.push(RefusedTx { tx, status: Status::Balance });
                continue;
            }
            if !tx.mints() {
                self.state.balances.insert(source, current - tx.quantity);
            }
            if let Some(credited) = tx.credited() {
                *self.state.balances.entry((tx.asset.clone(), credited.clone())).or_insert(0) += tx.quantity;
            }
            txs.push(tx);
            received_us.push(received);
        }
        let new_block = !txs.is_empty();
        let mut height = self.state.blocks.len() as u64;
        let mut root = self.state.blocks.last().map_or(Hash32([0; 32]), |b| b.root);
        let block_txs = Transactions::from(txs.clone());
        if !txs.is_empty() {
            height += 1;
            // The tree stays with the block's transactions: its replicas read it from there.
            root = block_txs.tree().root();
            let requests = txs.iter().map(|t| t.request_id).collect();
            out.note(Note::BlockClosed { cluster: self.cfg.cluster.clone(), height, root, requests });
            self.state.blocks.push(Block { height, root, txs });
        }
        if !self.state.held_history.is_empty() {
            self.state.held_history.push(HeldState {
                height,
                block: new_block,
                held: escrow::totals(&self.state.holds),
            });
        }
        let index = self.state.events.len() as u64;
        let event = BlockCommitted {
            index,
            height,
            root,
            txs: block_txs,
            received_us: received_us.into(),
            refused: refused.into(),
        };
        self.publish(index, Body::BlockCommitted(event), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ids::{OrgId, ResourceId};
    use crate::protocol::keys;
    use crate::scenario;

    /// The sample flow's directory at seed 1, built once.
    fn directory() -> Arc<Directory> {
        static DIRECTORY: std::sync::LazyLock<Arc<Directory>> = std::sync::LazyLock::new(|| {
            let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
            Arc::new(crate::sim::genesis::directory(&scenario, 1))
        });
        DIRECTORY.clone()
    }

    fn ledger() -> ClusterLedger {
        ClusterLedger::new(ClusterId::from("cluster_B"), directory())
    }

    /// What an envelope is for the ledger once its boundary checked it.
    fn arrive(envelope: Arc<Envelope>) -> Input {
        Input::checked(envelope, &directory().keyring)
    }

    /// The envelope an input came in.
    fn envelope_of(input: Input) -> Arc<Envelope> {
        match input {
            Input::Receive(Received { envelope, .. }) | Input::Rejected { envelope, .. } => envelope,
            _ => unreachable!("an arrival"),
        }
    }

    fn submit(from: &str, source: &str, asset: &str) -> Input {
        submit_as(from, from, source, asset)
    }

    /// A submission sent by `from` that names `submitter` as its submitter.
    fn submit_as(from: &str, submitter: &str, source: &str, asset: &str) -> Input {
        let from = ActorId::Org(OrgId::from(from));
        let tx = LedgerTx {
            request_id: 1,
            tx_id: Hash32::of(b"tx"),
            asset: ResourceId::parse(asset).unwrap(),
            source: ResourceId::parse(source).unwrap(),
            destination: ResourceId::parse("org_1:100:user_1").unwrap(),
            quantity: 10,
            submitter: OrgId::from(submitter),
        };
        let message = Message {
            request_id: 1,
            from: from.clone(),
            to: Address::Actor(ActorId::Ledger(ClusterId::from("cluster_B"))),
            body: Body::Submit(tx),
        };
        arrive(Arc::new(Envelope::seal(message, &keys::actor_key(1, &from))))
    }

    fn queued(out: &Outbox) -> bool {
        out.notes.iter().any(|n| matches!(n, Note::StateChange { .. }))
    }

    #[test]
    fn a_copy_of_a_ledger_shares_its_configuration_and_has_its_own_state() {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let hash = |state: &LedgerState| BuildHasherDefault::<DefaultHasher>::default().hash_one(state);
        let mut ledger = ledger();
        let mut copy = ledger.clone();
        assert!(Arc::ptr_eq(&ledger.cfg, &copy.cfg), "the configuration is shared, not copied");
        ledger.handle(0, submit("org_2", "org_2:100:treasury", "org_2:101:asset_1"));
        assert_ne!(ledger.state(), copy.state(), "only the ledger that was fed changed");
        assert_ne!(hash(ledger.state()), hash(copy.state()));
        copy.handle(0, submit("org_2", "org_2:100:treasury", "org_2:101:asset_1"));
        assert_eq!(ledger.state(), copy.state(), "the same input from the same state gives the same state");
        assert_eq!(hash(ledger.state()), hash(copy.state()));
        ledger.handle(5, Input::Timer(0));
        assert_eq!(ledger.snapshot().blocks.len(), 1, "the copy fed the same way closes the same block");
        assert!(copy.snapshot().blocks.is_empty(), "and the copy has not closed it");
    }

    #[test]
    fn the_assets_org_may_submit_a_debit_of_its_own_account() {
        let mut ledger = ledger();
        let out = ledger.handle(0, submit("org_2", "org_2:100:treasury", "org_2:101:asset_1"));
        assert!(queued(&out));
    }

    #[test]
    fn another_org_of_the_cluster_may_not_submit_for_an_asset_it_does_not_manage() {
        let mut ledger = ledger();
        let out = ledger.handle(0, submit("org_3", "org_2:100:treasury", "org_2:101:asset_1"));
        assert!(!queued(&out));
        assert!(out
            .notes
            .iter()
            .any(|n| matches!(n, Note::Discarded { reason, .. } if *reason == Discard::Unentitled)));
    }

    #[test]
    fn the_assets_org_may_not_debit_an_account_of_another_org() {
        let mut ledger = ledger();
        let out = ledger.handle(0, submit("org_2", "org_1:100:user_1", "org_2:101:asset_1"));
        assert!(!queued(&out));
    }

    fn discarded_for(out: &Outbox) -> Vec<Discard> {
        out.notes
            .iter()
            .filter_map(|n| match n {
                Note::Discarded { reason, .. } => Some(*reason),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_malformed_envelope_is_discarded_as_malformed_and_a_forged_one_as_a_bad_signature() {
        let mut ledger = ledger();
        let envelope = envelope_of(submit("org_2", "org_2:100:treasury", "org_2:101:asset_1"));
        let mut rerouted = (*envelope).clone();
        rerouted.request_id += 1;
        let out = ledger.handle(0, arrive(Arc::new(rerouted)));
        assert_eq!((discarded_for(&out), queued(&out)), (vec![Discard::Malformed], false));
        let mut forged = (*envelope).clone();
        forged.signature[0] ^= 1;
        let out = ledger.handle(0, arrive(Arc::new(forged)));
        assert_eq!((discarded_for(&out), queued(&out)), (vec![Discard::BadSignature], false));
    }

    #[test]
    fn each_entitlement_rule_alone_refuses_a_submission() {
        // Another org of the cluster debiting its own account for an asset it does not manage.
        let out = ledger().handle(0, submit("org_3", "org_3:100:treasury", "org_2:101:asset_1"));
        assert_eq!((discarded_for(&out), queued(&out)), (vec![Discard::Unentitled], false));
        // The asset's org naming another org as the submitter.
        let out = ledger().handle(0, submit_as("org_2", "org_3", "org_2:100:treasury", "org_2:101:asset_1"));
        assert_eq!((discarded_for(&out), queued(&out)), (vec![Discard::Unentitled], false));
        // The asset's org debiting an account of another org of its cluster.
        let out = ledger().handle(0, submit("org_2", "org_3:100:treasury", "org_2:101:asset_1"));
        assert_eq!((discarded_for(&out), queued(&out)), (vec![Discard::Unentitled], false));
    }

    /// A hold (or release) of `quantity` on the treasury for the transaction `tx`, from org_2.
    fn escrow(hold: bool, tx: &[u8], quantity: u64) -> Input {
        let from = ActorId::Org(OrgId::from("org_2"));
        let op = EscrowOp {
            request_id: 1,
            tx_id: Hash32::of(tx),
            asset: ResourceId::parse("org_2:101:asset_1").unwrap(),
            account: ResourceId::parse("org_2:100:treasury").unwrap(),
            quantity,
            submitter: OrgId::from("org_2"),
        };
        let body = if hold { Body::Hold(op) } else { Body::Release(op) };
        let to = Address::Actor(ActorId::Ledger(ClusterId::from("cluster_B")));
        let message = Message { request_id: 1, from: from.clone(), to, body };
        arrive(Arc::new(Envelope::seal(message, &keys::actor_key(1, &from))))
    }

    /// The escrow event a block close published: (held, released, refused) quantities.
    fn escrow_event(out: &Outbox) -> Option<(Vec<u64>, Vec<u64>, Vec<u64>)> {
        out.sends.iter().find_map(|send| match &send.outgoing.message()?.body {
            Body::EscrowCommitted(e) => {
                let q = |ops: &[EscrowOp]| ops.iter().map(|o| o.quantity).collect();
                Some((q(&e.held), q(&e.released), q(&e.refused)))
            }
            _ => None,
        })
    }

    fn treasury() -> (ResourceId, ResourceId) {
        (ResourceId::parse("org_2:101:asset_1").unwrap(), ResourceId::parse("org_2:100:treasury").unwrap())
    }

    #[test]
    fn a_hold_needs_the_available_balance_and_a_release_gives_it_back() {
        let mut ledger = ledger();
        ledger.handle(0, escrow(true, b"a", 600));
        ledger.handle(0, escrow(true, b"b", 500));
        let out = ledger.handle(100_000, Input::Timer(0));
        assert_eq!(escrow_event(&out), Some((vec![600], vec![], vec![500])), "1000 cover 600, not 600 + 500");
        let (asset, account) = treasury();
        assert_eq!(escrow::held(&ledger.state.holds, &asset, &account), 600);
        ledger.handle(100_000, escrow(false, b"a", 600));
        let out = ledger.handle(200_000, Input::Timer(0));
        assert_eq!(escrow_event(&out), Some((vec![], vec![600], vec![])));
        assert!(ledger.state.holds.is_empty());
        let history: Vec<(u64, bool, u64)> =
            ledger.state.held_history.iter().map(|s| (s.height, s.block, s.held.values().sum())).collect();
        assert_eq!(history, [(0, false, 600), (0, false, 0)]);
    }

    #[test]
    fn only_the_settling_transaction_spends_held_tokens() {
        let mut ledger = ledger();
        ledger.handle(0, escrow(true, b"tx", 950));
        ledger.handle(0, Input::Timer(0));
        // Another transaction may spend only the 50 left available; the held one settles.
        let other = envelope_of(submit("org_2", "org_2:100:treasury", "org_2:101:asset_1"));
        let mut other_tx = match postcard::from_bytes::<Message>(other.payload()).unwrap().body {
            Body::Submit(tx) => tx,
            _ => unreachable!(),
        };
        other_tx.tx_id = Hash32::of(b"other");
        other_tx.quantity = 60;
        let mut settling = other_tx.clone();
        (settling.tx_id, settling.quantity, settling.request_id) = (Hash32::of(b"tx"), 950, 2);
        for tx in [other_tx, settling] {
            let from = ActorId::Org(OrgId::from("org_2"));
            let to = Address::Actor(ActorId::Ledger(ClusterId::from("cluster_B")));
            let message = Message { request_id: tx.request_id, from: from.clone(), to, body: Body::Submit(tx) };
            ledger.handle(0, arrive(Arc::new(Envelope::seal(message, &keys::actor_key(1, &from)))));
        }
        ledger.handle(100_000, Input::Timer(0));
        let (asset, account) = treasury();
        assert_eq!(ledger.state.blocks.iter().map(|b| b.txs.len()).sum::<usize>(), 1, "the 60 is refused");
        assert_eq!(ledger.state.balances[&(asset.clone(), account.clone())], 50);
        assert!(ledger.state.holds.is_empty(), "the hold is consumed");
        let history: Vec<(u64, bool, u64)> =
            ledger.state.held_history.iter().map(|s| (s.height, s.block, s.held.values().sum())).collect();
        assert_eq!(history, [(0, false, 950), (1, true, 0)], "the block that spent the hold is in the history");
    }

    #[test]
    fn a_hold_of_exactly_the_available_balance_is_placed_and_direct_blocks_keep_no_history() {
        let mut ledger = ledger();
        ledger.handle(0, submit("org_2", "org_2:100:treasury", "org_2:101:asset_1"));
        ledger.handle(100_000, Input::Timer(0));
        assert!(ledger.state.held_history.is_empty(), "no escrow, no history of holds");
        ledger.handle(100_000, escrow(true, b"all", 990));
        let out = ledger.handle(200_000, Input::Timer(0));
        assert_eq!(escrow_event(&out), Some((vec![990], vec![], vec![])), "990 left, 990 held");
    }

    /// A hold sent by `from`, naming `submitter`, on `account` of `asset`.
    fn hold_as(from: &str, submitter: &str, account: &str, asset: &str) -> Input {
        let from = ActorId::Org(OrgId::from(from));
        let op = EscrowOp {
            request_id: 1,
            tx_id: Hash32::of(b"a"),
            asset: ResourceId::parse(asset).unwrap(),
            account: ResourceId::parse(account).unwrap(),
            quantity: 10,
            submitter: OrgId::from(submitter),
        };
        let to = Address::Actor(ActorId::Ledger(ClusterId::from("cluster_B")));
        let message = Message { request_id: 1, from: from.clone(), to, body: Body::Hold(op) };
        arrive(Arc::new(Envelope::seal(message, &keys::actor_key(1, &from))))
    }

    #[test]
    fn each_entitlement_rule_alone_refuses_a_hold() {
        let (asset, treasury) = ("org_2:101:asset_1", "org_2:100:treasury");
        let queued_hold = |out: &Outbox| out.notes.iter().any(|n| matches!(n, Note::StateChange { .. }));
        let out = ledger().handle(0, hold_as("org_2", "org_2", treasury, asset));
        assert!(queued_hold(&out), "the asset's org, on its own account");
        for (from, submitter, account) in [
            ("org_3", "org_3", "org_3:100:treasury"), // an org that does not manage the asset
            ("org_2", "org_3", treasury),             // another submitter named
            ("org_2", "org_2", "org_3:100:treasury"), // another org's account
        ] {
            let out = ledger().handle(0, hold_as(from, submitter, account, asset));
            assert_eq!(
                (discarded_for(&out), queued_hold(&out)),
                (vec![Discard::Unentitled], false),
                "{from} {submitter} {account}"
            );
        }
    }

    #[test]
    fn a_hold_on_another_orgs_account_is_refused_unread() {
        let from = ActorId::Org(OrgId::from("org_3"));
        let genuine = envelope_of(escrow(true, b"a", 10));
        let mut message: Message = postcard::from_bytes(genuine.payload()).unwrap();
        message.from = from.clone();
        let forged = arrive(Arc::new(Envelope::seal(message, &keys::actor_key(1, &from))));
        let mut ledger = ledger();
        let out = ledger.handle(0, forged);
        assert_eq!(discarded_for(&out), vec![Discard::Unentitled]);
        assert!(out.timers.is_empty());
    }

    #[test]
    fn an_org_of_another_cluster_is_not_heard() {
        let mut ledger = ledger();
        let out = ledger.handle(0, submit("org_1", "org_1:100:user_1", "org_2:101:asset_1"));
        assert!(!queued(&out) && out.sends.is_empty());
    }

    /// A submission by `from` of `quantity` of the sample's asset from `source` to `destination`
    /// (the asset itself as a source mints, as a destination burns), under request `request_id`.
    fn moving(from: &str, request_id: u64, (source, destination): (&str, &str), quantity: u64) -> Input {
        let sender = ActorId::Org(OrgId::from(from));
        let tx = LedgerTx {
            request_id,
            tx_id: Hash32::of(&request_id.to_be_bytes()),
            asset: ResourceId::parse("org_2:101:asset_1").unwrap(),
            source: ResourceId::parse(source).unwrap(),
            destination: ResourceId::parse(destination).unwrap(),
            quantity,
            submitter: OrgId::from(from),
        };
        let to = Address::Actor(ActorId::Ledger(ClusterId::from("cluster_B")));
        let message = Message { request_id, from: sender.clone(), to, body: Body::Submit(tx) };
        arrive(Arc::new(Envelope::seal(message, &keys::actor_key(1, &sender))))
    }

    #[test]
    fn a_mint_credits_without_a_debit_and_a_burn_debits_without_a_credit_within_the_available_balance() {
        const ASSET: &str = "org_2:101:asset_1";
        let mut ledger = ledger();
        let balance = |ledger: &ClusterLedger, account: &str| {
            let key = (ResourceId::parse(ASSET).unwrap(), ResourceId::parse(account).unwrap());
            ledger.snapshot().balances.get(&key).copied().unwrap_or(0)
        };
        let supply = |ledger: &ClusterLedger| ledger.snapshot().balances.values().sum::<u64>();
        let before = supply(&ledger);
        assert!(queued(&ledger.handle(0, moving("org_2", 1, (ASSET, "org_1:100:user_1"), 70))));
        ledger.handle(1, Input::Timer(0));
        assert_eq!((balance(&ledger, "org_1:100:user_1"), supply(&ledger)), (70, before + 70), "minted");
        // The holder's org's account is not the asset org's: a burn may still debit it.
        assert!(queued(&ledger.handle(2, moving("org_2", 2, ("org_1:100:user_1", ASSET), 30))));
        // More than is left is refused for balance, and burns nothing.
        ledger.handle(2, moving("org_2", 3, ("org_1:100:user_1", ASSET), 41));
        let out = ledger.handle(3, Input::Timer(0));
        assert_eq!((balance(&ledger, "org_1:100:user_1"), supply(&ledger)), (40, before + 40), "burnt 30, not 41");
        let refused = out
            .notes
            .iter()
            .any(|n| matches!(n, Note::TxRefused { request_id: 3, reason, .. } if *reason == Status::Balance));
        assert!(refused, "{:?}", out.notes);
        assert!(
            !ledger.snapshot().balances.keys().any(|(_, account)| account.to_string() == ASSET),
            "the asset holds no balance of its own"
        );
    }

    #[test]
    fn only_the_assets_org_mints_or_burns() {
        let mut ledger = ledger();
        for input in [
            moving("org_3", 1, ("org_2:101:asset_1", "org_3:100:x"), 5),
            moving("org_3", 2, ("org_1:100:user_1", "org_2:101:asset_1"), 5),
        ] {
            let out = ledger.handle(0, input);
            assert!(!queued(&out));
            assert!(out.notes.iter().any(|n| matches!(n, Note::Discarded { reason: Discard::Unentitled, .. })));
        }
    }
}
