//! A transfer: a user buys tokens from an account of the asset's managing org (the reference
//! flow, steps 7 to 14).

use super::Moves;
use crate::actors::outbox::Command;
use crate::protocol::ids::{ActorId, OrgId, ResourceId};
use crate::scenario::model::{Whole, S};
use crate::scenario::validate::Validator;
use crate::scenario::SupplyChange;
use schemars::JsonSchema;
use serde::Deserialize;

/// A user buys `quantity` tokens of `asset` from account `from` (the asset's managing org's).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferStep {
    pub(crate) request_id: S<Whole>,
    pub(crate) user: S<String>,
    pub(crate) asset: S<String>,
    pub(crate) quantity: S<Whole>,
    pub(crate) from: S<String>,
    #[serde(default)]
    pub(crate) at_ms: Option<S<Whole>>,
}

/// A user buys tokens from an account of the asset's org.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The request id.
    pub request_id: u64,
    /// The buyer.
    pub user: ResourceId,
    /// The asset.
    pub asset: ResourceId,
    /// How many.
    pub quantity: u64,
    /// The account the tokens leave.
    pub from: ResourceId,
}

impl Transfer {
    /// The step the file describes, or `None` after recording its problems in `v` (its request
    /// id and quantity are checked by the registry's `MovingSpec::validate`).
    pub(in crate::scenario) fn validate(s: &TransferStep, v: &mut Validator) -> Option<Transfer> {
        let user = v.user(&s.user);
        let asset = v.asset(&s.asset);
        let from = v.user(&s.from);
        Some(Transfer {
            request_id: s.request_id.value.0,
            user: user?,
            asset: asset?,
            quantity: s.quantity.value.0,
            from: from?,
        })
    }
}

impl Moves for Transfer {
    fn request_id(&self) -> u64 {
        self.request_id
    }
    fn asset(&self) -> &ResourceId {
        &self.asset
    }
    fn quantity(&self) -> u64 {
        self.quantity
    }
    fn account(&self) -> &ResourceId {
        &self.user
    }
    fn told_org(&self) -> &OrgId {
        &self.user.org
    }
    fn knower(&self) -> &'static str {
        "buyer"
    }
    fn supply_change(&self) -> Option<SupplyChange<'_>> {
        None
    }
    fn data_subject(&self) -> Option<(&ResourceId, &ResourceId)> {
        Some((&self.user, &self.asset))
    }
    fn words(&self) -> String {
        let Transfer { request_id, user, asset, quantity, from } = self;
        format!("transfer {request_id} {user} {asset} {quantity} {from}")
    }
    fn dispatch(&self) -> (ActorId, OrgId, Command) {
        let Transfer { user, asset, quantity, from, .. } = self.clone();
        let org = user.org.clone();
        (ActorId::User(user), org, Command::Buy { asset, quantity, seller: from })
    }
}
