//! `await { ms }`: the next instruction starts no earlier than `ms` after this one is reached.
//! It touches no ledger, and is neither reversible nor irreversible.

use super::{Instructs, Plan, Reversibility};
use crate::protocol::ids::ResourceId;
use serde::{Deserialize, Serialize};

/// A pause of `ms` milliseconds between two instructions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Await {
    /// How long, in milliseconds of virtual time.
    pub ms: u64,
}

impl Instructs for Await {
    fn asset<'p>(&'p self, _: &'p Plan) -> Option<&'p ResourceId> {
        None
    }
    fn source<'p>(&'p self, _: &'p Plan) -> Option<&'p ResourceId> {
        None
    }
    fn receiver(&self) -> Option<&ResourceId> {
        None
    }
    fn quantity(&self, _: &Plan) -> Option<u64> {
        None
    }
    fn takes_from_source(&self) -> bool {
        false
    }
    fn reversibility(&self) -> Reversibility {
        Reversibility::Neither
    }
    fn accounts(&self, _: &Plan, _: u32) -> Option<(ResourceId, ResourceId)> {
        None
    }
}
