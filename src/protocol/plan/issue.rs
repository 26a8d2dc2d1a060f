//! `issue { asset, to, quantity }`: the asset's managing org mints new tokens to `to`.

use super::{Instructs, Plan, Reversibility};
use crate::protocol::ids::ResourceId;
use serde::{Deserialize, Serialize};

/// A mint of `quantity` new tokens of `asset` to account `to`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Issue {
    /// The asset.
    pub asset: ResourceId,
    /// The account credited.
    pub to: ResourceId,
    /// How many.
    pub quantity: u64,
}

impl Instructs for Issue {
    fn asset<'p>(&'p self, _: &'p Plan) -> Option<&'p ResourceId> {
        Some(&self.asset)
    }
    fn source<'p>(&'p self, _: &'p Plan) -> Option<&'p ResourceId> {
        None
    }
    fn receiver(&self) -> Option<&ResourceId> {
        Some(&self.to)
    }
    fn quantity(&self, _: &Plan) -> Option<u64> {
        Some(self.quantity)
    }
    fn takes_from_source(&self) -> bool {
        false
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Irreversible
    }
    fn accounts(&self, _: &Plan, _: u32) -> Option<(ResourceId, ResourceId)> {
        // A mint's source is the asset itself (its unissued supply), as for an `issue` step.
        Some((self.asset.clone(), self.to.clone()))
    }
}
