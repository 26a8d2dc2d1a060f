//! An issue: the asset's managing org mints new tokens to an account (`docs/protocol.md`,
//! "Issuance and redemption").

use super::Moves;
use crate::actors::outbox::Command;
use crate::protocol::ids::{ActorId, OrgId, ResourceId};
use crate::protocol::operation::IssueCommand;
use crate::scenario::model::{Whole, S};
use crate::scenario::validate::Validator;
use crate::scenario::SupplyChange;
use schemars::JsonSchema;
use serde::Deserialize;

/// The asset's managing org mints `quantity` new tokens to account `to`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IssueStep {
    pub(crate) request_id: S<Whole>,
    pub(crate) asset: S<String>,
    pub(crate) to: S<String>,
    pub(crate) quantity: S<Whole>,
    #[serde(default)]
    pub(crate) at_ms: Option<S<Whole>>,
}

/// The asset's managing org mints new tokens to an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// The request id.
    pub request_id: u64,
    /// The asset.
    pub asset: ResourceId,
    /// The account that receives them.
    pub to: ResourceId,
    /// How many.
    pub quantity: u64,
}

impl Issue {
    /// The step the file describes, or `None` after recording its problems in `v` (its request
    /// id and quantity are checked by the registry's `MovingSpec::validate`).
    pub(in crate::scenario) fn validate(s: &IssueStep, v: &mut Validator) -> Option<Issue> {
        let asset = v.asset(&s.asset);
        let to = v.user(&s.to);
        Some(Issue { request_id: s.request_id.value.0, asset: asset?, to: to?, quantity: s.quantity.value.0 })
    }
}

impl Moves for Issue {
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
        &self.to
    }
    fn told_org(&self) -> &OrgId {
        &self.to.org
    }
    fn knower(&self) -> &'static str {
        "receiver"
    }
    fn supply_change(&self) -> Option<SupplyChange<'_>> {
        Some(SupplyChange::Mint { asset: &self.asset, to: &self.to, quantity: self.quantity })
    }
    fn data_subject(&self) -> Option<(&ResourceId, &ResourceId)> {
        Some((&self.to, &self.asset))
    }
    fn words(&self) -> String {
        let Issue { request_id, asset, to, quantity } = self;
        format!("issue {request_id} {asset} {to} {quantity}")
    }
    fn dispatch(&self) -> (ActorId, OrgId, Command) {
        let Issue { asset, to, quantity, .. } = self.clone();
        let org = asset.org.clone();
        (ActorId::Org(org.clone()), org, Command::Issue(IssueCommand { asset, to, quantity }))
    }
}
