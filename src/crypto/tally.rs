//! How many ed25519 signatures and verifications this thread has computed: what a benchmark
//! sets against a run's time to tell the signatures' share from the engine's. A run's actors
//! live on the thread that runs it, so the difference of two readings around a run is that
//! run's work. Nothing here reaches a trace or an outcome.

use std::cell::Cell;

thread_local! {
    static SIGNATURES: Cell<u64> = const { Cell::new(0) };
    static VERIFICATIONS: Cell<u64> = const { Cell::new(0) };
    static SIGNED_BYTES: Cell<u64> = const { Cell::new(0) };
    static VERIFIED_BYTES: Cell<u64> = const { Cell::new(0) };
}

/// Counts of ed25519 work: signatures made and verifications computed (a verification the
/// keyring's memo answers is not one), and the bytes each covered (an ed25519 signature hashes
/// its message twice with SHA-512, a verification once: its cost grows with the length).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Signatures made.
    pub signatures: u64,
    /// Verifications computed.
    pub verifications: u64,
    /// The bytes those signatures cover, in all.
    pub signed_bytes: u64,
    /// The bytes those verifications cover, in all.
    pub verified_bytes: u64,
}

impl Tally {
    /// What this thread has computed so far.
    pub fn of_this_thread() -> Self {
        Self {
            signatures: SIGNATURES.get(),
            verifications: VERIFICATIONS.get(),
            signed_bytes: SIGNED_BYTES.get(),
            verified_bytes: VERIFIED_BYTES.get(),
        }
    }

    /// The work done since `earlier` (a reading of the same thread).
    pub fn since(self, earlier: Tally) -> Tally {
        Tally {
            signatures: self.signatures - earlier.signatures,
            verifications: self.verifications - earlier.verifications,
            signed_bytes: self.signed_bytes - earlier.signed_bytes,
            verified_bytes: self.verified_bytes - earlier.verified_bytes,
        }
    }
}

/// One more signature made on this thread, over `bytes` bytes.
pub(crate) fn signed(bytes: usize) {
    SIGNATURES.set(SIGNATURES.get() + 1);
    SIGNED_BYTES.set(SIGNED_BYTES.get() + bytes as u64);
}

/// One more verification computed on this thread, over `bytes` bytes.
pub(crate) fn verified(bytes: usize) {
    VERIFICATIONS.set(VERIFICATIONS.get() + 1);
    VERIFIED_BYTES.set(VERIFIED_BYTES.get() + bytes as u64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::keys;

    #[test]
    fn a_tally_counts_what_was_computed_not_what_the_memo_answered() {
        let actor = crate::protocol::ids::ActorId::Org(crate::protocol::ids::OrgId::from("org_1"));
        let key = keys::actor_key(3, &actor);
        let mut keyring = keys::Keyring::default();
        keyring.insert(actor.clone(), key.verifying_key());
        let before = Tally::of_this_thread();
        let signature = keys::sign(&key, b"m");
        assert!(keyring.verify(&actor, b"m", &signature));
        assert!(keyring.verify(&actor, b"m", &signature), "the memo's answer");
        assert!(!keyring.verify(&actor, b"no", &signature));
        let counted = Tally { signatures: 1, verifications: 2, signed_bytes: 1, verified_bytes: 3 };
        assert_eq!(Tally::of_this_thread().since(before), counted);
    }
}
