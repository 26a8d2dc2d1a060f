//! SHA-256 digests, the Merkle tree of a ledger block
//! and Chainpoint v4 proofs. Nothing here knows about actors or the network.

pub mod chainpoint;
pub(crate) mod keyed;
pub mod merkle;
pub mod tally;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::fmt;

/// A SHA-256 digest: hex in JSON, raw bytes in canonical (postcard) encodings.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash32(pub [u8; 32]);

impl Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.to_hex())
        } else {
            self.0.serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Hash32::from_hex(&text).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
        } else {
            Ok(Hash32(<[u8; 32]>::deserialize(deserializer)?))
        }
    }
}

impl Hash32 {
    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// SHA-256 of the concatenation of `parts`.
    pub fn of_parts(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        Self(hasher.finalize().into())
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        const_hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        const_hex::decode_to_slice(text, &mut out).ok()?;
        Some(Self(out))
    }

    /// The first eight hex digits, for readable output.
    pub fn short(&self) -> String {
        const_hex::encode(&self.0[..4])
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32({})", self.short())
    }
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_displays_as_its_hex_and_debugs_as_its_short_form() {
        let hash = Hash32::of(b"finsim");
        assert_eq!(hash.to_string(), hash.to_hex());
        assert_eq!(hash.to_string().len(), 64);
        assert_eq!(Hash32::from_hex(&hash.to_string()), Some(hash));
        assert_eq!(format!("{hash:?}"), format!("Hash32({})", &hash.to_hex()[..8]));
    }
}
