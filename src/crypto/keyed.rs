//! Counter-based randomness: every draw is keyed by what it decides. A draw's generator is
//! ChaCha12 seeded with SHA-256 of (seed, label, 0, key), so one more draw of one kind
//! perturbs no other. Never `StdRng` or `thread_rng`: their streams may change between
//! versions. The network's fault and latency draws (`net::rng`) and the transfer nonces
//! (below) both come from here.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha12Rng;
use sha2::{Digest, Sha256};

/// The generator for one draw, labelled by what it decides.
pub fn stream(seed: u64, label: &[u8], key: &str) -> ChaCha12Rng {
    stream_of_pieces(seed, label, &[key.as_bytes()])
}

/// [`stream`] for the key whose text is `pieces` in a row, without putting them together.
fn stream_of_pieces(seed: u64, label: &[u8], pieces: &[&[u8]]) -> ChaCha12Rng {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_be_bytes());
    hasher.update(label);
    hasher.update([0]);
    pieces.iter().for_each(|piece| hasher.update(piece));
    ChaCha12Rng::from_seed(hasher.finalize().into())
}

/// The 24 random bytes of the nonce an org gives the transfer it builds for `request_id`.
pub fn nonce_bytes(seed: u64, org: &str, request_id: u64) -> [u8; 24] {
    let mut bytes = [0u8; 24];
    let mut digits = itoa::Buffer::new();
    let key = [org.as_bytes(), b"#", digits.format(request_id).as_bytes()];
    stream_of_pieces(seed, b"nonce", &key).fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_the_stream_keyed_by_org_and_request() {
        let mut whole = [0u8; 24];
        stream(7, b"nonce", "org_2#31").fill_bytes(&mut whole);
        assert_eq!(nonce_bytes(7, "org_2", 31), whole);
        assert_ne!(nonce_bytes(7, "org_2", 31), nonce_bytes(7, "org_23", 1), "the `#` keeps the pieces apart");
    }
}
