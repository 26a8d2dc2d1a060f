//! An org's replica of its cluster's ledger: balances, block roots and the hashes
//! of asset data. It answers verify, verify_proof and balance requests from it.

use crate::actors::escrow::{self, Holds};
use crate::actors::outbox::Amounts;
use crate::crypto::merkle;
use crate::crypto::Hash32;
use crate::protocol::ids::{OrgId, ResourceId};
use crate::protocol::message::{BlockCommitted, EscrowCommitted, SettledAt};
use std::collections::BTreeMap;

/// The replica.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LedgerView {
    /// Balances by (asset, account).
    pub balances: BTreeMap<(ResourceId, ResourceId), u64>,
    /// The assets on this ledger.
    pub assets: BTreeMap<ResourceId, Hash32>,
    /// Block roots; the block at height h is `roots[h - 1]`.
    pub roots: Vec<Hash32>,
    /// The index of the next ledger event this replica expects.
    pub next_event: u64,
    /// Whether this replica indexes each settled transaction (`leaves` and `settled`): only
    /// the variant `status_query` reads them, and they are the largest part of a long run's
    /// memory (every org of a cluster keeps an entry per transaction of its ledger).
    pub indexes_transactions: bool,
    /// Each block's transaction hashes (its Merkle leaves); block h is `leaves[h - 1]`. Empty
    /// unless `indexes_transactions`.
    pub leaves: Vec<Vec<Hash32>>,
    /// Every settled transaction by tx id. Empty unless `indexes_transactions`.
    pub settled: BTreeMap<Hash32, SettledTx>,
    /// The holds in place (variant `settlement: escrow`).
    pub holds: Holds,
}

/// Where a transaction sits on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SettledTx {
    /// Its block's height.
    pub height: u64,
    /// Its place in the block.
    pub index: usize,
    /// The org of the account the tokens went to, and the asset's org: the two a status query
    /// is answered for. (Not the whole transaction: every org of a cluster keeps one of these per
    /// transaction of its ledger, the largest part of a long run's memory.)
    pub parties: (OrgId, OrgId),
    /// When the ledger received it, virtual microseconds.
    pub received_us: u64,
}

impl LedgerView {
    /// The current height.
    pub fn height(&self) -> u64 {
        self.roots.len() as u64
    }

    /// The root at a height.
    pub fn root_at(&self, height: u64) -> Option<Hash32> {
        height.checked_sub(1).and_then(|h| self.roots.get(h as usize).copied())
    }

    /// The balance of an account (0 when it never held the asset); `None` when the
    /// asset is not on this ledger.
    pub fn amounts(&self, asset: &ResourceId, account: &ResourceId) -> Option<Amounts> {
        self.assets.get(asset)?;
        let current = self.balances.get(&(asset.clone(), account.clone())).copied().unwrap_or(0);
        let held = escrow::held(&self.holds, asset, account);
        Some(Amounts { current, available: current.saturating_sub(held), held })
    }

    /// Applies an escrow event if it is the next ledger event; `false` if it is not.
    pub fn apply_escrow(&mut self, event: &EscrowCommitted) -> bool {
        if event.index != self.next_event {
            return false;
        }
        self.next_event += 1;
        for op in &event.held {
            self.holds.insert(op.tx_id, op.clone());
        }
        for op in &event.released {
            self.holds.remove(&op.tx_id);
        }
        true
    }

    /// Applies a ledger event if it is the next one; `false` if it is not (a gap or a repeat).
    pub fn apply(&mut self, event: &BlockCommitted, index: u64) -> bool {
        if index != self.next_event {
            return false;
        }
        self.next_event += 1;
        if event.txs.is_empty() {
            return true;
        }
        let height = self.roots.len() as u64 + 1;
        for (index, tx) in event.txs.iter().enumerate() {
            escrow::consume(&mut self.holds, tx);
            if let Some(debited) = tx.debited() {
                let source = self.balances.entry((tx.asset.clone(), debited.clone())).or_insert(0);
                *source = source.saturating_sub(tx.quantity);
            }
            if let Some(credited) = tx.credited() {
                *self.balances.entry((tx.asset.clone(), credited.clone())).or_insert(0) += tx.quantity;
            }
            if self.indexes_transactions {
                let received_us = event.received_us.get(index).copied().unwrap_or(0);
                // The org told of the result: a transfer's buyer's or an issue's receiver's, or
                // for a burn the holder's (its source).
                let told = tx.credited().unwrap_or(&tx.source).org.clone();
                let parties = (told, tx.asset.org.clone());
                self.settled.insert(tx.tx_id, SettledTx { height, index, parties, received_us });
            }
        }
        self.roots.push(event.root);
        if self.indexes_transactions {
            self.leaves.push(event.txs.hashes().to_vec());
        }
        true
    }

    /// Where a settled transaction sits, with its Merkle path: what a status answer carries
    /// (`None` too when this replica does not index transactions).
    pub fn settled_at(&self, tx_id: &Hash32) -> Option<(&SettledTx, SettledAt)> {
        let settled = self.settled.get(tx_id)?;
        let leaves = self.leaves.get(settled.height as usize - 1)?;
        let at = SettledAt {
            tx_hash: *leaves.get(settled.index)?,
            path: merkle::path(leaves, settled.index),
            root: self.root_at(settled.height)?,
            received_us: settled.received_us,
        };
        Some((settled, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::LedgerTx;

    #[test]
    fn an_account_that_never_held_the_asset_has_balance_zero() {
        let asset = ResourceId::parse("org_2:101:a").unwrap();
        let mut view = LedgerView::default();
        view.assets.insert(asset.clone(), Hash32::of(b"data"));
        let stranger = ResourceId::parse("org_1:100:nobody").unwrap();
        assert_eq!(view.amounts(&asset, &stranger), Some(Amounts { current: 0, available: 0, held: 0 }));
        let elsewhere = ResourceId::parse("org_9:101:b").unwrap();
        assert_eq!(view.amounts(&elsewhere, &stranger), None, "not on this ledger");
    }

    #[test]
    fn events_apply_in_order_once() {
        let event = BlockCommitted::empty(0);
        let mut view = LedgerView::default();
        assert!(!view.apply(&event, 1), "a gap is not applied");
        assert!(view.apply(&event, 0));
        assert!(!view.apply(&event, 0), "a repeat is not applied");
        assert_eq!(view.next_event, 1);
    }

    #[test]
    fn only_a_replica_that_indexes_transactions_can_say_where_one_settled() {
        let tx = LedgerTx {
            request_id: 1,
            tx_id: Hash32::of(b"tx"),
            asset: ResourceId::parse("org_2:101:a").unwrap(),
            source: ResourceId::parse("org_2:100:treasury").unwrap(),
            destination: ResourceId::parse("org_1:100:u").unwrap(),
            quantity: 5,
            submitter: OrgId::from("org_2"),
        };
        let root = crate::crypto::merkle::root(&[tx.hash()]);
        let event = BlockCommitted {
            index: 0,
            height: 1,
            root,
            txs: [tx.clone()].into(),
            received_us: [7].into(),
            refused: [].into(),
        };
        for indexes_transactions in [false, true] {
            let mut view = LedgerView { indexes_transactions, ..LedgerView::default() };
            assert!(view.apply(&event, 0));
            assert_eq!(view.root_at(1), Some(root), "every replica keeps the roots");
            assert_eq!(view.balances[&(tx.asset.clone(), tx.destination.clone())], 5, "and the balances");
            let at = view.settled_at(&tx.tx_id);
            assert_eq!(at.is_some(), indexes_transactions);
            if let Some((settled, at)) = at {
                assert_eq!((settled.height, at.tx_hash, at.root, at.received_us), (1, tx.hash(), root, 7));
            }
            assert_eq!(view.settled.len() + view.leaves.len(), if indexes_transactions { 2 } else { 0 });
        }
    }
}
