//! A redeem on the wire: the template its holder signs, the org's ask to sign it, the request.

use super::{PackLine, Reading, Step, UserSigned};
use crate::crypto::Hash32;
use crate::protocol::ids::{ActorId, ResourceId};
use crate::protocol::message::{Account, Settlement, UserSignature};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The redeem step's command to the holder's org: redeem `quantity` of `user`'s tokens of
/// `asset`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RedeemCommand {
    /// The holder.
    pub user: ResourceId,
    /// The asset.
    pub asset: ResourceId,
    /// How many.
    pub quantity: u64,
}

impl Step for RedeemCommand {
    fn says(&self, request_id: u64, actor: &ActorId) -> String {
        let RedeemCommand { user, asset, quantity } = self;
        format!("redeem {request_id}: {user} redeems {quantity} of {asset} through {actor}")
    }
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

impl Reading for SignRedeem {
    /// Its user's to sign: no org's state changes because of it.
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
        None
    }
}

impl Reading for Redeem {
    /// Only the holder's org asks to burn the holder's tokens (and only with its signature).
    fn entitled(&self) -> Option<&ResourceId> {
        Some(&self.owner.id)
    }
    fn user_signed(&self) -> Option<UserSigned<'_>> {
        Some(UserSigned {
            asset: &self.asset_id,
            signer: &self.owner,
            nonce: self.nonce,
            fields: self.template().fields().into(),
            signature: &self.signature,
        })
    }
    fn told(&self) -> Option<&Settlement> {
        None
    }
    fn pack_line(&self) -> Option<PackLine<'_>> {
        self.user_signed().map(|signed| PackLine::Signed("holder", signed))
    }
}

/// A body of each kind a redeem adds.
#[cfg(test)]
pub(super) fn samples() -> Vec<crate::protocol::message::Body> {
    use crate::protocol::message::Body;
    let template =
        RedeemTemplate { nonce: [0; 32], asset_id: "org_2:101:a".into(), source_finid: "aa".into(), amount: 5 };
    let owner = Account { id: ResourceId::parse("org_1:100:u").unwrap(), finid: "aa".into() };
    let signature = UserSignature { alg: "ed25519".into(), template_hash: Hash32([1; 32]), value: vec![2; 64].into() };
    vec![
        Body::SignRedeem(SignRedeem { template }),
        Body::Redeem(Redeem {
            owner,
            asset_id: ResourceId::parse("org_2:101:a").unwrap(),
            quantity: 5,
            nonce: [0; 32],
            signature,
        }),
    ]
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

    #[test]
    fn a_redeems_bodies_say_who_may_send_them_the_request_its_holder_signed_and_their_pack_line() {
        use crate::protocol::message::Body;
        let bodies = samples();
        let (Body::SignRedeem(ask), Body::Redeem(redeem)) = (&bodies[0], &bodies[1]) else { unreachable!() };
        // The ask is the holder's to sign: nothing for an org's state or the pack.
        assert_eq!((ask.entitled(), ask.user_signed(), ask.told(), ask.pack_line()), (None, None, None, None));
        // Only the holder's org asks to burn, with the holder's signature over the template.
        assert_eq!((redeem.entitled(), redeem.told()), (Some(&redeem.owner.id), None));
        let signed = UserSigned {
            asset: &redeem.asset_id,
            signer: &redeem.owner,
            nonce: redeem.nonce,
            fields: redeem.template().fields().into(),
            signature: &redeem.signature,
        };
        assert_eq!(redeem.user_signed(), Some(signed.clone()));
        assert_eq!(redeem.pack_line(), Some(PackLine::Signed("holder", signed)));
        assert_eq!(redeem.template().source_finid, redeem.owner.finid);
    }

    #[test]
    fn a_redeem_step_reads_as_what_its_holder_asks_through_its_org() {
        let id = |text: &str| ResourceId::parse(text).unwrap();
        let command = RedeemCommand { user: id("org_1:100:user_1"), asset: id("org_2:101:asset_1"), quantity: 120 };
        let org = ActorId::Org(crate::protocol::ids::OrgId::from("org_1"));
        let said = command.says(3, &org);
        assert_eq!(said, "redeem 3: org_1:100:user_1 redeems 120 of org_2:101:asset_1 through org_1");
    }
}
