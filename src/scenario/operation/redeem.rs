//! A redeem: a holder's org asks the asset's managing org to burn the holder's tokens
//! (`docs/protocol.md`, "Issuance and redemption").

use super::Moves;
use crate::actors::outbox::Command;
use crate::protocol::ids::{ActorId, OrgId, ResourceId};
use crate::protocol::operation::RedeemCommand;
use crate::scenario::model::{Whole, S};
use crate::scenario::validate::Validator;
use crate::scenario::SupplyChange;
use schemars::JsonSchema;
use serde::Deserialize;

/// A holder redeems `quantity` tokens: its org asks the asset's managing org to burn them.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RedeemStep {
    pub(crate) request_id: S<Whole>,
    pub(crate) user: S<String>,
    pub(crate) asset: S<String>,
    pub(crate) quantity: S<Whole>,
    #[serde(default)]
    pub(crate) at_ms: Option<S<Whole>>,
}

/// A holder redeems tokens: the asset's managing org burns them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redeem {
    /// The request id.
    pub request_id: u64,
    /// The holder.
    pub user: ResourceId,
    /// The asset.
    pub asset: ResourceId,
    /// How many.
    pub quantity: u64,
}

impl Redeem {
    /// The step the file describes, or `None` after recording its problems in `v` (its request
    /// id and quantity are checked by the registry's `MovingSpec::validate`).
    pub(in crate::scenario) fn validate(s: &RedeemStep, v: &mut Validator) -> Option<Redeem> {
        let user = v.user(&s.user);
        let asset = v.asset(&s.asset);
        Some(Redeem { request_id: s.request_id.value.0, user: user?, asset: asset?, quantity: s.quantity.value.0 })
    }
}

impl Moves for Redeem {
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
        "holder"
    }
    fn supply_change(&self) -> Option<SupplyChange<'_>> {
        Some(SupplyChange::Burn { asset: &self.asset, from: &self.user, quantity: self.quantity })
    }
    fn data_subject(&self) -> Option<(&ResourceId, &ResourceId)> {
        // The holder's org asks; the managing org burns what its ledger holds, and needs no
        // personal data for it.
        None
    }
    fn words(&self) -> String {
        let Redeem { request_id, user, asset, quantity } = self;
        format!("redeem {request_id} {user} {asset} {quantity}")
    }
    fn dispatch(&self) -> (ActorId, OrgId, Command) {
        let Redeem { user, asset, quantity, .. } = self.clone();
        let org = user.org.clone();
        (ActorId::Org(org.clone()), org, Command::Redeem(RedeemCommand { user, asset, quantity }))
    }
}
