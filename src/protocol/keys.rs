//! Ed25519 keys derived from the seed and the actor's name, so that every
//! signature of a run is reproducible, and the public directory of verifying keys.

use crate::protocol::ids::ActorId;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// `SigningKey::from_bytes(sha256(seed ‖ label))`: independent of rand_core versions.
pub fn signing_key(seed: u64, label: &str) -> SigningKey {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_be_bytes());
    hasher.update(label.as_bytes());
    SigningKey::from_bytes(&hasher.finalize().into())
}

/// The key of an actor.
pub fn actor_key(seed: u64, actor: &ActorId) -> SigningKey {
    signing_key(seed, &format!("finsim/key/{actor}"))
}

/// A key that is not the actor's own: what a `forge_signature` org signs with.
pub fn forged_key(seed: u64, actor: &ActorId) -> SigningKey {
    signing_key(seed, &format!("finsim/forged/{actor}"))
}

/// Signs `bytes`.
pub fn sign(key: &SigningKey, bytes: &[u8]) -> [u8; 64] {
    crate::crypto::tally::signed(bytes.len());
    key.sign(bytes).to_bytes()
}

/// Verifies an ed25519 signature; any malformed input is simply `false`.
pub fn verify(key: &VerifyingKey, bytes: &[u8], signature: &[u8; 64]) -> bool {
    crate::crypto::tally::verified(bytes.len());
    key.verify(bytes, &Signature::from_bytes(signature)).is_ok()
}

/// The FinP2P global identifier (finid) of a key: its public key in hex.
pub fn finid(key: &VerifyingKey) -> String {
    const_hex::encode(key.as_bytes())
}

/// Parses a finid back into a verifying key.
pub fn key_of_finid(finid: &str) -> Option<VerifyingKey> {
    let mut bytes = [0u8; 32];
    const_hex::decode_to_slice(finid, &mut bytes).ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// How many verifications the memo remembers: a fixed table, so that a run's memory does not
/// grow with its messages (repeats come close together: a broadcast's receivers, a duplicate, a
/// re-send).
const MEMO_SLOTS: usize = 1 << 14;

/// One verification the memo remembers: its digest and its result.
type Remembered = ([u8; 32], bool);

/// The public directory: every actor's verifying key, decompressed once, and a memo of recent
/// verifications. Verifying is a pure function of (key, bytes, signature), so the memo
/// changes no outcome; it saves the ~38 µs of each repeat (every receiver of a broadcast,
/// duplicates, replays and re-sends of the same envelope).
#[derive(Debug, Default)]
pub struct Keyring {
    keys: BTreeMap<ActorId, VerifyingKey>,
    /// Slot `i` holds the last verification whose digest (SHA-256 of the signer's public key,
    /// the signature and the bytes: the first two have fixed lengths, so nothing is ambiguous)
    /// falls in it, and its result; a different digest there is a miss.
    verified: Mutex<Vec<Option<Remembered>>>,
}

impl Keyring {
    /// Registers an actor's public key.
    pub fn insert(&mut self, actor: ActorId, key: VerifyingKey) {
        self.keys.insert(actor, key);
    }

    /// Every actor's public key, in id order.
    pub fn actors(&self) -> impl Iterator<Item = (&ActorId, &VerifyingKey)> {
        self.keys.iter()
    }

    /// An actor's public key, if it has one.
    pub fn key(&self, actor: &ActorId) -> Option<&VerifyingKey> {
        self.keys.get(actor)
    }

    /// Whether `signature` over `bytes` is `actor`'s; `false` for an unknown actor.
    pub fn verify(&self, actor: &ActorId, bytes: &[u8], signature: &[u8; 64]) -> bool {
        let Some(key) = self.keys.get(actor) else { return false };
        let digest: [u8; 32] =
            Sha256::new().chain_update(key.as_bytes()).chain_update(signature).chain_update(bytes).finalize().into();
        let slot = u64::from_le_bytes(digest[..8].try_into().expect("eight bytes")) as usize % MEMO_SLOTS;
        let mut memo = self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if memo.is_empty() {
            memo.resize(MEMO_SLOTS, None);
        }
        if let Some((seen, valid)) = memo[slot] {
            if seen == digest {
                return valid;
            }
        }
        let valid = verify(key, bytes, signature);
        memo[slot] = Some((digest, valid));
        valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_reproducible_and_signatures_check() {
        let a = signing_key(7, "org_1");
        assert_eq!(a.to_bytes(), signing_key(7, "org_1").to_bytes());
        assert_ne!(a.to_bytes(), signing_key(8, "org_1").to_bytes());
        let sig = sign(&a, b"hello");
        assert!(verify(&a.verifying_key(), b"hello", &sig));
        assert!(!verify(&a.verifying_key(), b"hellp", &sig));
        let other = signing_key(7, "org_2");
        assert!(!verify(&other.verifying_key(), b"hello", &sig));
        assert_eq!(key_of_finid(&finid(&a.verifying_key())), Some(a.verifying_key()));
    }

    #[test]
    fn the_memo_answers_like_the_verification_it_remembers() {
        let actor = ActorId::Org(crate::protocol::ids::OrgId::from("org_1"));
        let key = actor_key(3, &actor);
        let mut keyring = Keyring::default();
        keyring.insert(actor.clone(), key.verifying_key());
        let sig = sign(&key, b"m");
        for _ in 0..2 {
            assert!(keyring.verify(&actor, b"m", &sig));
            assert!(!keyring.verify(&actor, b"n", &sig));
        }
        let stranger = ActorId::Org(crate::protocol::ids::OrgId::from("org_2"));
        assert!(!keyring.verify(&stranger, b"m", &sig), "unknown signer");
        // The memo remembers a verification under its key: the same bytes and signature
        // claimed by another signer are verified afresh, and fail.
        keyring.insert(stranger.clone(), actor_key(3, &stranger).verifying_key());
        assert!(keyring.verify(&actor, b"m", &sig));
        assert!(!keyring.verify(&stranger, b"m", &sig), "another signer's key");
    }

    #[test]
    fn the_memo_stays_right_when_its_slots_are_reused() {
        let actor = ActorId::Org(crate::protocol::ids::OrgId::from("org_1"));
        let key = actor_key(3, &actor);
        let mut keyring = Keyring::default();
        keyring.insert(actor.clone(), key.verifying_key());
        // Twice as many messages as slots: every slot is overwritten, every answer stays right.
        let messages: Vec<Vec<u8>> = (0..2 * MEMO_SLOTS as u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let sig = sign(&key, &messages[0]);
        for message in &messages {
            assert_eq!(keyring.verify(&actor, message, &sig), message == &messages[0]);
        }
        assert!(keyring.verify(&actor, &messages[0], &sig));
        assert_eq!(keyring.verified.lock().unwrap().len(), MEMO_SLOTS, "the memo does not grow");
    }
}
