//! Issuance and redemption on the wire: what the asset's managing org mints or burns, and the
//! messages that carry it. An issue is the managing org's own decision: it asks the receiver's
//! org for the receiver's IVMS-101 data with a get that carries the issue (`IssueGet`), mints on
//! its ledger, and tells the receiver's org the final status (`IssueNotice`). A redeem is a
//! holder's request: its org builds it from the asset's signature template (operation
//! `redeem`, `RedeemTemplate`), the holder signs it (`SignRedeem`), and the managing org
//! answers it as it answers a transfer (`TxAccepted`, then `Settlement`).

use super::ids::ResourceId;
use super::message::{Account, Settlement, UserSignature};
use crate::crypto::Hash32;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An operation on an asset's supply, beside transfers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// The asset's managing org mints new tokens to an account.
    Issue,
    /// A holder's tokens are burnt by the asset's managing org.
    Redeem,
}

impl Operation {
    /// The word the scenario file, the trace and the report use.
    pub fn word(self) -> &'static str {
        match self {
            Operation::Issue => "issue",
            Operation::Redeem => "redeem",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
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

/// The fields a holder signs to redeem: the ATST hash list with operation `redeem` and no
/// destination.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RedeemTemplate {
    /// 32 bytes, made as a transfer's nonce is.
    pub nonce: [u8; 32],
    /// The asset's resource id.
    pub asset_id: Arc<str>,
    /// The holder's finid: the account the tokens leave.
    pub source_finid: Arc<str>,
    /// How many tokens.
    pub amount: u64,
}

impl RedeemTemplate {
    /// The fields in template order, as bytes: `nonce, operation, asset_type, asset_id,
    /// source_account_type, source_finid, amount`.
    pub fn fields(&self) -> [Vec<u8>; 7] {
        self.with_fields(|fields| fields.map(<[u8]>::to_vec))
    }

    /// The template hash: SHA-256 over the group hash (one group), taken as a transfer's is.
    pub fn hash(&self) -> Hash32 {
        let group = self.with_fields(|fields| Hash32::of_parts(&fields));
        Hash32::of(&group.0)
    }

    /// Hands the fields in template order to `read`, borrowed.
    fn with_fields<T>(&self, read: impl FnOnce([&[u8]; 7]) -> T) -> T {
        let mut amount = itoa::Buffer::new();
        read([
            &self.nonce,
            b"redeem",
            b"finp2p",
            self.asset_id.as_bytes(),
            b"finId",
            self.source_finid.as_bytes(),
            amount.format(self.amount).as_bytes(),
        ])
    }
}

/// The org asks its user to sign a redeem's template.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignRedeem {
    /// The template's fields.
    pub template: RedeemTemplate,
}

/// A redeem request, the holder's org to the asset's managing org.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Redeem {
    /// The holder, who signs: the account the tokens leave.
    pub owner: Account,
    /// The asset.
    pub asset_id: ResourceId,
    /// How many tokens.
    pub quantity: u64,
    /// The template nonce.
    pub nonce: [u8; 32],
    /// The holder's signature over the template.
    pub signature: UserSignature,
}

impl Redeem {
    /// The template the holder signed, rebuilt from the request's own fields.
    pub fn template(&self) -> RedeemTemplate {
        RedeemTemplate {
            nonce: self.nonce,
            asset_id: self.asset_id.to_string().into(),
            source_finid: self.owner.finid.clone(),
            amount: self.quantity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redeem_template_hashes_its_seven_fields_in_order_and_names_its_operation() {
        let template = RedeemTemplate {
            nonce: [7; 32],
            asset_id: "org_2:101:asset_1".into(),
            source_finid: "aa".into(),
            amount: 5,
        };
        let fields = template.fields();
        assert_eq!(fields[1], b"redeem");
        assert_eq!(fields[6], b"5");
        let parts: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        assert_eq!(template.hash(), Hash32::of(&Hash32::of(&parts.concat()).0));
        let other = RedeemTemplate { amount: 6, ..template.clone() };
        assert_ne!(other.hash(), template.hash());
    }
}
