//! The Asset Transaction Signature Template (ATST), FinP2P's "hash list" template.
//!
//! An ordered list of fields `nonce, operation, asset_type, asset_id,
//! source_account_type, source_finid, destination_account_type, destination_finid,
//! amount`. The group hash is SHA-256 of the fields' bytes in that order; the template
//! hash is SHA-256 over the group hashes (one group here). The user signs the
//! template hash; the receiving org recomputes it from the transfer's own fields.

use crate::crypto::Hash32;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The fields a user signs for a transfer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TransferTemplate {
    /// 32 bytes: 24 from the seeded nonce stream, then the virtual time in seconds (big-endian).
    pub nonce: [u8; 32],
    /// The asset's resource id.
    pub asset_id: Arc<str>,
    /// The source account's finid: the holder the tokens leave.
    pub source_finid: Arc<str>,
    /// The destination account's finid: the buyer, who signs.
    pub destination_finid: Arc<str>,
    /// How many tokens.
    pub amount: u64,
}

impl TransferTemplate {
    /// The fields in template order, as bytes.
    pub fn fields(&self) -> [Vec<u8>; 9] {
        self.with_fields(|fields| fields.map(<[u8]>::to_vec))
    }

    /// The template hash: SHA-256 over the group hash.
    pub fn hash(&self) -> Hash32 {
        let group = self.with_fields(|fields| Hash32::of_parts(&fields));
        Hash32::of(&group.0)
    }

    /// Hands the fields in template order to `read`, borrowed (the hash is taken without a
    /// copy of each field).
    fn with_fields<T>(&self, read: impl FnOnce([&[u8]; 9]) -> T) -> T {
        let mut amount = itoa::Buffer::new();
        read([
            &self.nonce,
            b"transfer",
            b"finp2p",
            self.asset_id.as_bytes(),
            b"finId",
            self.source_finid.as_bytes(),
            b"finId",
            self.destination_finid.as_bytes(),
            amount.format(self.amount).as_bytes(),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::keys;

    fn template() -> TransferTemplate {
        TransferTemplate {
            nonce: [7; 32],
            asset_id: "org_2:101:asset_1".into(),
            source_finid: "aa".into(),
            destination_finid: "bb".into(),
            amount: 100,
        }
    }

    #[test]
    fn the_hash_is_taken_over_the_fields_in_template_order() {
        let template = template();
        let fields = template.fields();
        assert_eq!(fields[0], [7; 32]);
        assert_eq!(fields[8], b"100");
        let parts: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        assert_eq!(template.hash(), Hash32::of(&Hash32::of(&parts.concat()).0));
    }

    #[test]
    fn a_changed_amount_or_account_changes_the_hash_and_fails_the_signature() {
        let key = keys::signing_key(1, "user");
        let signed = template();
        let signature = keys::sign(&key, &signed.hash().0);
        assert!(keys::verify(&key.verifying_key(), &signed.hash().0, &signature));
        let mut changed = template();
        changed.amount = 1000;
        assert!(!keys::verify(&key.verifying_key(), &changed.hash().0, &signature));
        let mut changed = template();
        changed.destination_finid = "cc".into();
        assert!(!keys::verify(&key.verifying_key(), &changed.hash().0, &signature));
    }
}
