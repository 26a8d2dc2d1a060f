//! An issue on the wire: the managing org's order, the get that carries it, the notice of its
//! final status.

use super::{PackLine, Reading, Step, UserSigned};
use crate::protocol::ids::{ActorId, ResourceId};
use crate::protocol::message::{Account, Settlement};
use serde::{Deserialize, Serialize};

/// The issue step's command to the asset's managing org: mint `quantity` new tokens of `asset`
/// to account `to`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueCommand {
    /// The asset.
    pub asset: ResourceId,
    /// The account that receives them.
    pub to: ResourceId,
    /// How many.
    pub quantity: u64,
}

impl Step for IssueCommand {
    fn says(&self, request_id: u64, actor: &ActorId) -> String {
        let IssueCommand { asset, to, quantity } = self;
        format!("issue {request_id}: {actor} mints {quantity} of {asset} to {to}")
    }
}

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

impl Reading for IssueGet {
    /// No state changes because of the get: its answer is the receiver's org's.
    fn entitled(&self) -> Option<&ResourceId> {
        None
    }
    fn user_signed(&self) -> Option<UserSigned<'_>> {
        None
    }
    fn told(&self) -> Option<&Settlement> {
        None
    }
    fn pack_line(&self) -> Option<PackLine<'_>> {
        Some(self.issue.pack_line())
    }
}

impl Reading for IssueNotice {
    /// Only the asset's managing org mints, and tells of it.
    fn entitled(&self) -> Option<&ResourceId> {
        Some(&self.issue.asset)
    }
    fn user_signed(&self) -> Option<UserSigned<'_>> {
        None
    }
    fn told(&self) -> Option<&Settlement> {
        Some(&self.settlement)
    }
    fn pack_line(&self) -> Option<PackLine<'_>> {
        Some(self.issue.pack_line())
    }
}

impl IssueOrder {
    /// The pack's line: the receiver, the asset, the quantity (no user signs an issue).
    fn pack_line(&self) -> PackLine<'_> {
        PackLine::Ordered("receiver", &self.to.id, &self.asset, self.quantity)
    }
}

/// A body of each kind an issue adds.
#[cfg(test)]
pub(super) fn samples() -> Vec<crate::protocol::message::Body> {
    use crate::crypto::Hash32;
    use crate::protocol::message::Body;
    let id = |text: &str| ResourceId::parse(text).unwrap();
    let issue =
        IssueOrder { asset: id("org_2:101:a"), to: Account { id: id("org_1:100:u"), finid: "aa".into() }, quantity: 5 };
    let settlement = Settlement {
        tx_id: Hash32([3; 32]),
        status: crate::protocol::status::Status::Ok,
        cause: crate::protocol::cause::Cause::DataTimeout,
        proof: None,
    };
    vec![Body::IssueGet(IssueGet { issue: issue.clone() }), Body::IssueNotice(IssueNotice { issue, settlement })]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::Body;

    #[test]
    fn an_issues_bodies_say_who_may_send_them_what_they_tell_and_their_pack_line() {
        let bodies = samples();
        let (Body::IssueGet(get), Body::IssueNotice(notice)) = (&bodies[0], &bodies[1]) else { unreachable!() };
        let line = PackLine::Ordered("receiver", &get.issue.to.id, &get.issue.asset, 5);
        // The get changes nothing at its receiver; only the asset's managing org tells of a mint.
        assert_eq!((get.entitled(), get.user_signed(), get.told()), (None, None, None));
        assert_eq!(get.pack_line(), Some(line.clone()));
        assert_eq!(notice.entitled(), Some(&notice.issue.asset));
        assert_eq!((notice.user_signed(), notice.told()), (None, Some(&notice.settlement)));
        assert_eq!(notice.pack_line(), Some(line));
    }

    #[test]
    fn an_issue_step_reads_as_what_its_org_does() {
        let id = |text: &str| ResourceId::parse(text).unwrap();
        let command = IssueCommand { asset: id("org_2:101:asset_1"), to: id("org_1:100:user_1"), quantity: 500 };
        let org = ActorId::Org(crate::protocol::ids::OrgId::from("org_2"));
        assert_eq!(command.says(4, &org), "issue 4: org_2 mints 500 of org_2:101:asset_1 to org_1:100:user_1");
    }
}
