//! `release { hold: N, to }`: the tokens hold `N` of the same plan took are paid to `to`.
//! Its asset, source and quantity are its hold's.

use super::{Instructs, Plan, Reversibility};
use crate::protocol::ids::ResourceId;
use serde::{Deserialize, Serialize};

/// A release of hold `hold` (an earlier instruction's number) to account `to`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Release {
    /// The number of the hold it releases.
    pub hold: u32,
    /// The account paid.
    pub to: ResourceId,
}

impl Instructs for Release {
    fn asset<'p>(&'p self, plan: &'p Plan) -> Option<&'p ResourceId> {
        plan.hold(self.hold).map(|h| &h.asset)
    }
    fn source<'p>(&'p self, plan: &'p Plan) -> Option<&'p ResourceId> {
        plan.hold(self.hold).map(|h| &h.from)
    }
    fn receiver(&self) -> Option<&ResourceId> {
        Some(&self.to)
    }
    fn quantity(&self, plan: &Plan) -> Option<u64> {
        plan.hold(self.hold).map(|h| h.quantity)
    }
    fn takes_from_source(&self) -> bool {
        false
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Irreversible
    }
    fn accounts(&self, plan: &Plan, _: u32) -> Option<(ResourceId, ResourceId)> {
        Some((plan.hold_account(self.hold)?, self.to.clone()))
    }
}
