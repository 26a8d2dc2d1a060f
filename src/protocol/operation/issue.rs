//! An issue on the wire: the managing org's order, the get that carries it, the notice of its
//! final status.

use crate::protocol::ids::ResourceId;
use crate::protocol::message::{Account, Settlement};
use serde::{Deserialize, Serialize};

/// What the managing org mints: `quantity` new tokens of `asset` to account `to`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueOrder {
    /// The asset.
    pub asset: ResourceId,
    /// The account that receives the tokens, with its finid.
    pub to: Account,
    /// How many tokens.
    pub quantity: u64,
}

/// The managing org asks the receiver's org for the receiver's IVMS-101 data, naming the issue
/// the data is for (the receiver's org gives it only for an issue to its user that it does not
/// know to be final).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueGet {
    /// The issue.
    pub issue: IssueOrder,
}

/// The managing org tells the receiver's org how an issue ended (answered by `SettlementAck`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueNotice {
    /// The issue.
    pub issue: IssueOrder,
    /// Its final status: the tx id, the status, the cause and, when settled, the proof.
    pub settlement: Settlement,
}
