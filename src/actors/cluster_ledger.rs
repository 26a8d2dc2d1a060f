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
use crate::actors::outbox::{Discard, Input, Note, Outbox};
use crate::crypto::{keys, merkle, Hash32};
use crate::protocol::envelope::{Envelope, Message};
use crate::protocol::ids::{ActorId, Address, ClusterId, ResourceId};
use crate::protocol::message::{BlockCommitted, Body, LedgerTx, RefusedTx};
use crate::protocol::status::Status;
use crate::scenario::Scenario;
use ed25519_dalek::SigningKey;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One closed block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Its height (from 1).
    pub height: u64,
    /// The Merkle root of its transaction hashes.
    pub root: Hash32,
    /// Its transactions, in order.
    pub txs: Vec<LedgerTx>,
}

/// A cluster ledger.
#[derive(Debug)]
pub struct ClusterLedger {
    cluster: ClusterId,
    me: ActorId,
    key: SigningKey,
    dir: Arc<Directory>,
    block_us: u64,
    /// Balances by (asset, account).
    pub balances: BTreeMap<(ResourceId, ResourceId), u64>,
    /// The blocks, in order.
    pub blocks: Vec<Block>,
    pending: Vec<(LedgerTx, u64)>,
    seen_requests: BTreeSet<u64>,
    events: Vec<Arc<Envelope>>,
    timer_armed: bool,
}

impl ClusterLedger {
    /// The genesis ledger of `cluster`: the initial balances of its orgs' assets.
    pub fn new(cluster: ClusterId, dir: Arc<Directory>, scenario: &Scenario) -> Self {
        let mut balances = BTreeMap::new();
        for (asset_id, asset) in &scenario.assets {
            if dir.cluster_of[&asset.org] == cluster {
                for (account, amount) in &asset.balances {
                    balances.insert((asset_id.clone(), account.clone()), *amount);
                }
            }
        }
        let me = ActorId::Ledger(cluster.clone());
        Self {
            key: keys::actor_key(dir.seed, &me),
            me,
            cluster,
            dir,
            block_us: scenario.block_ms.saturating_mul(1000),
            balances,
            blocks: Vec::new(),
            pending: Vec::new(),
            seen_requests: BTreeSet::new(),
            events: Vec::new(),
            timer_armed: false,
        }
    }

    /// Handles one input.
    pub fn handle(&mut self, now: u64, input: Input) -> Outbox {
        let mut out = Outbox::default();
        match input {
            Input::Deliver(envelope) => self.on_envelope(now, &envelope, &mut out),
            Input::Timer(_) => self.close_block(&mut out),
            Input::Command { .. } | Input::Crash | Input::Restart => {}
        }
        out
    }

    fn on_envelope(&mut self, now: u64, envelope: &Arc<Envelope>, out: &mut Outbox) {
        let message = match envelope.open(&self.dir.keyring) {
            Ok(message) => message,
            Err(rejection) => return self.discard(envelope, rejection.into(), out),
        };
        let Some(from) = message.from.org().filter(|o| self.dir.cluster_of.get(*o) == Some(&self.cluster)).cloned()
        else {
            return;
        };
        match message.body {
            // Only the asset's managing org submits its transactions, and only to debit its own accounts.
            Body::Submit(tx) if tx.asset.org != from || tx.submitter != from || tx.source.org != from => {
                self.discard(envelope, Discard::Unentitled, out);
            }
            Body::Submit(tx) => {
                if !self.seen_requests.insert(tx.request_id) && self.dir.defences.ledger_deduplicates_requests {
                    return;
                }
                out.note(Note::StateChange {
                    actor: self.me.clone(),
                    what: "queued a transaction".into(),
                    cause: envelope.clone(),
                });
                self.pending.push((tx, now));
                if !self.timer_armed {
                    self.timer_armed = true;
                    out.timers.push((0, self.block_us - now % self.block_us.max(1)));
                }
            }
            Body::SyncRequest { from_event } => {
                for event in self.events.iter().skip(from_event as usize) {
                    out.send_to(event.clone(), ActorId::Org(from.clone()), false);
                }
            }
            _ => {}
        }
    }

    fn discard(&self, envelope: &Envelope, reason: Discard, out: &mut Outbox) {
        out.note(Note::discarded(&self.me, envelope, reason));
    }

    fn close_block(&mut self, out: &mut Outbox) {
        self.timer_armed = false;
        let mut txs = Vec::new();
        let mut received_us = Vec::new();
        let mut refused = Vec::new();
        for (tx, received) in std::mem::take(&mut self.pending) {
            let source = (tx.asset.clone(), tx.source.clone());
            let held = self.balances.get(&source).copied().unwrap_or(0);
            if held < tx.quantity {
                out.note(Note::TxRefused {
                    cluster: self.cluster.clone(),
                    request_id: tx.request_id,
                    reason: Status::Balance,
                });
                refused.push(RefusedTx { tx, status: Status::Balance });
                continue;
            }
            self.balances.insert(source, held - tx.quantity);
            *self.balances.entry((tx.asset.clone(), tx.destination.clone())).or_insert(0) += tx.quantity;
            txs.push(tx);
            received_us.push(received);
        }
        let mut height = self.blocks.len() as u64;
        let mut root = self.blocks.last().map_or(Hash32([0; 32]), |b| b.root);
        if !txs.is_empty() {
            height += 1;
            root = merkle::root(&txs.iter().map(LedgerTx::hash).collect::<Vec<_>>());
            let requests = txs.iter().map(|t| t.request_id).collect();
            out.note(Note::BlockClosed { cluster: self.cluster.clone(), height, root, requests });
            self.blocks.push(Block { height, root, txs: txs.clone() });
        }
        let index = self.events.len() as u64;
        let event = BlockCommitted { index, height, root, txs, received_us, refused };
        let message = Message {
            request_id: index,
            from: self.me.clone(),
            to: Address::Cluster(self.cluster.clone()),
            body: Body::BlockCommitted(event),
        };
        let envelope = Arc::new(Envelope::seal(message, &self.key));
        self.events.push(envelope.clone());
        out.send(envelope);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys;
    use crate::protocol::ids::{OrgId, ResourceId};
    use crate::scenario;

    fn ledger() -> ClusterLedger {
        let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
        let dir = Arc::new(Directory::new(&scenario, 1));
        ClusterLedger::new(ClusterId::from("cluster_B"), dir, &scenario)
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
        Input::Deliver(Arc::new(Envelope::seal(message, &keys::actor_key(1, &from))))
    }

    fn queued(out: &Outbox) -> bool {
        out.notes.iter().any(|n| matches!(n, Note::StateChange { .. }))
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
        let Input::Deliver(envelope) = submit("org_2", "org_2:100:treasury", "org_2:101:asset_1") else {
            unreachable!()
        };
        let mut rerouted = (*envelope).clone();
        rerouted.request_id += 1;
        let out = ledger.handle(0, Input::Deliver(Arc::new(rerouted)));
        assert_eq!((discarded_for(&out), queued(&out)), (vec![Discard::Malformed], false));
        let mut forged = (*envelope).clone();
        forged.signature[0] ^= 1;
        let out = ledger.handle(0, Input::Deliver(Arc::new(forged)));
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

    #[test]
    fn an_org_of_another_cluster_is_not_heard() {
        let mut ledger = ledger();
        let out = ledger.handle(0, submit("org_1", "org_1:100:user_1", "org_2:101:asset_1"));
        assert!(!queued(&out) && out.sends.is_empty());
    }
}
