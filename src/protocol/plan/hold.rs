//! `hold { asset, from, quantity }`: the executor moves `quantity` of `from`'s available
//! tokens into the plan's hold account for this instruction, where they wait for a release
//! (to a receiver) or a rollback (back to `from`). The one reversible instruction.

use super::{Instructs, Plan, Reversibility};
use crate::protocol::ids::ResourceId;
use serde::{Deserialize, Serialize};

/// A hold of `quantity` tokens of `asset` on account `from`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hold {
    /// The asset.
    pub asset: ResourceId,
    /// The account whose tokens are held.
    pub from: ResourceId,
    /// How many.
    pub quantity: u64,
}

impl Instructs for Hold {
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
        Reversibility::Reversible
    }
    fn accounts(&self, plan: &Plan, n: u32) -> Option<(ResourceId, ResourceId)> {
        Some((self.from.clone(), plan.hold_account(n)?))
    }
}
