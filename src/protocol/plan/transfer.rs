//! `transfer { asset, from, to, quantity }`: tokens from `from`'s available balance to `to`,
//! on the asset's ledger.

use super::{Instructs, Plan, Reversibility};
use crate::protocol::ids::ResourceId;
use serde::{Deserialize, Serialize};

/// A transfer of `quantity` tokens of `asset` from `from` to `to`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Transfer {
    /// The asset.
    pub asset: ResourceId,
    /// The account debited.
    pub from: ResourceId,
    /// The account credited.
    pub to: ResourceId,
    /// How many.
    pub quantity: u64,
}

impl Instructs for Transfer {
    fn asset<'p>(&'p self, _: &'p Plan) -> Option<&'p ResourceId> {
        Some(&self.asset)
    }
    fn source<'p>(&'p self, _: &'p Plan) -> Option<&'p ResourceId> {
        Some(&self.from)
    }
    fn receiver(&self) -> Option<&ResourceId> {
        Some(&self.to)
    }
    fn quantity(&self, _: &Plan) -> Option<u64> {
        Some(self.quantity)
    }
    fn takes_from_source(&self) -> bool {
        true
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Irreversible
    }
    fn accounts(&self, _: &Plan, _: u32) -> Option<(ResourceId, ResourceId)> {
        Some((self.from.clone(), self.to.clone()))
    }
}
