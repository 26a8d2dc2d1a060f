//! The Asset Transaction Signature Template (ATST), FinP2P's "hash list" template.
//!
//! An ordered list of fields `nonce, operation, asset_type, asset_id,
//! source_account_type, source_finid, destination_account_type, destination_finid,
//! amount`. The group hash is SHA-256 of the fields' bytes in that order; the template
//! hash is SHA-256 over the group hashes (one group here). The user signs the
//! template hash; the receiving org recomputes it from the transfer's own fields.

use crate::crypto::Hash32;
use serde::{Deserialize, Serialize};

/// The fields a user signs for a transfer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TransferTemplate {
    /// 32 bytes: 24 from the seeded nonce stream, then the virtual time in seconds (big-endian).
    pub nonce: [u8; 32],
    /// The asset's resource id.
    pub asset_id: String,
    /// The source account's finid: the holder the tokens leave.
    pub source_finid: String,
    /// The destination account's finid: the buyer, who signs.
    pub destination_finid: String,
    /// How many tokens.
    pub amount: u64,
}

impl TransferTemplate {
    /// The fields in template order, as bytes.
    pub fn fields(&self) -> [Vec<u8>; 9] {
        [
            self.nonce.to_vec(),
            b"transfer".to_vec(),
            b"finp2p".to_vec(),
            self.asset_id.as_bytes().to_vec(),
            b"finId".to_vec(),
            self.source_finid.as_bytes().to_vec(),
            b"finId".to_vec(),
            self.destination_finid.as_bytes().to_vec(),
            self.amount.to_string().into_bytes(),
        ]
    }

    /// The template hash: SHA-256 over the group hash.
    pub fn hash(&self) -> Hash32 {
        let fields = self.fields();
        let parts: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        let group = Hash32::of_parts(&parts);
        Hash32::of(&group.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys;

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
