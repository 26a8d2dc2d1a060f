//! `redeem { asset, from, quantity }`: the asset's managing org burns tokens of `from`.

use super::{Instructs, Plan, Reversibility};
use crate::protocol::ids::ResourceId;
use serde::{Deserialize, Serialize};

/// A burn of `quantity` tokens of `asset` from account `from`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Redeem {
    /// The asset.
    pub asset: ResourceId,
    /// The account debited.
    pub from: ResourceId,
    /// How many.
    pub quantity: u64,
}

impl Instructs for Redeem {
    fn asset<'p>(&'p self, _: &'p Plan) -> Option<&'p ResourceId> {
        Some(&self.asset)
    }
    fn source<'p>(&'p self, _: &'p Plan) -> Option<&'p ResourceId> {
        Some(&self.from)
    }
    fn receiver(&self) -> Option<&ResourceId> {
        None
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
        // A burn's destination is the asset itself, as for a `redeem` step.
        Some((self.from.clone(), self.asset.clone()))
    }
}
