//! Variant `settlement: escrow`: the holds on a ledger (the cluster ledger's and each org's
//! replica). A hold keeps a transfer's quantity on the seller's account (`available` −q,
//! `held` +q) until the settling transaction, which carries the same tx id, consumes it, or
//! the asset's org releases it.

use crate::crypto::Hash32;
use crate::protocol::ids::ResourceId;
use crate::protocol::message::{EscrowOp, LedgerTx};
use std::collections::BTreeMap;

/// The holds in place, by the tx id of the transfer they are for.
pub type Holds = BTreeMap<Hash32, EscrowOp>;

/// Tokens held on an account, over every transfer.
pub fn held(holds: &Holds, asset: &ResourceId, account: &ResourceId) -> u64 {
    holds.values().filter(|h| &h.asset == asset && &h.account == account).map(|h| h.quantity).sum()
}

/// Tokens held per (asset, account), for the accounts that hold any.
pub fn totals(holds: &Holds) -> BTreeMap<(ResourceId, ResourceId), u64> {
    let mut totals = BTreeMap::new();
    for hold in holds.values() {
        *totals.entry((hold.asset.clone(), hold.account.clone())).or_insert(0) += hold.quantity;
    }
    totals
}

/// Takes the hold a settling transaction consumes: the one for its tx id, on its source
/// account, of its asset and quantity.
pub fn consume(holds: &mut Holds, tx: &LedgerTx) -> Option<EscrowOp> {
    let matches = holds
        .get(&tx.tx_id)
        .is_some_and(|h| h.asset == tx.asset && h.account == tx.source && h.quantity == tx.quantity);
    if matches {
        holds.remove(&tx.tx_id)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ids::OrgId;

    fn id(text: &str) -> ResourceId {
        ResourceId::parse(text).unwrap()
    }

    fn hold(tx: &[u8], quantity: u64) -> EscrowOp {
        EscrowOp {
            request_id: 1,
            tx_id: Hash32::of(tx),
            asset: id("org_2:101:asset_1"),
            account: id("org_2:100:treasury"),
            quantity,
            submitter: OrgId::from("org_2"),
        }
    }

    #[test]
    fn holds_add_up_per_account_and_only_the_matching_transaction_consumes_one() {
        let mut holds = Holds::new();
        for op in [hold(b"a", 30), hold(b"b", 12)] {
            holds.insert(op.tx_id, op);
        }
        let (asset, treasury) = (id("org_2:101:asset_1"), id("org_2:100:treasury"));
        assert_eq!(held(&holds, &asset, &treasury), 42);
        assert_eq!(held(&holds, &asset, &id("org_2:100:other")), 0);
        assert_eq!(totals(&holds).into_iter().collect::<Vec<_>>(), [((asset.clone(), treasury.clone()), 42)]);
        let mut tx = LedgerTx {
            request_id: 1,
            tx_id: Hash32::of(b"a"),
            asset,
            source: treasury,
            destination: id("org_1:100:user_1"),
            quantity: 29,
            submitter: OrgId::from("org_2"),
        };
        assert_eq!(consume(&mut holds, &tx), None, "another quantity");
        tx.quantity = 30;
        assert_eq!(consume(&mut holds, &tx).map(|h| h.quantity), Some(30));
        assert_eq!(consume(&mut holds, &tx), None, "consumed once");
        assert_eq!(holds.len(), 1);
    }
}
