//! The network's draws, each keyed by what it decides (`crypto::keyed`): turning one fault on,
//! or adding one retry, perturbs only the draws it owns and no other.

use rand::Rng;
use rand_chacha::ChaCha12Rng;

/// What a draw decides; part of its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A transmission's latency.
    Latency,
    /// Whether a transmission is lost.
    Drop,
    /// Whether a transmission is delivered twice.
    Duplicate,
    /// Whether (and where) a transmission is altered.
    Corrupt,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Latency => b"latency",
            Purpose::Drop => b"drop",
            Purpose::Duplicate => b"duplicate",
            Purpose::Corrupt => b"corrupt",
        }
    }
}

/// The generator for one draw.
pub fn stream(seed: u64, purpose: Purpose, key: &str) -> ChaCha12Rng {
    crate::crypto::keyed::stream(seed, purpose.label(), key)
}

/// A uniform number in `[0, 1)`.
pub fn unit(seed: u64, purpose: Purpose, key: &str) -> f64 {
    stream(seed, purpose, key).random::<f64>()
}

/// Whether an event of probability `p` happens for this key.
pub fn chance(seed: u64, purpose: Purpose, key: &str, p: f64) -> bool {
    p > 0.0 && (p >= 1.0 || unit(seed, purpose, key) < p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_depend_on_their_key_only() {
        assert_eq!(unit(1, Purpose::Drop, "a"), unit(1, Purpose::Drop, "a"));
        assert_ne!(unit(1, Purpose::Drop, "a"), unit(1, Purpose::Drop, "b"));
        assert_ne!(unit(1, Purpose::Drop, "a"), unit(1, Purpose::Duplicate, "a"));
        assert_ne!(unit(1, Purpose::Drop, "a"), unit(2, Purpose::Drop, "a"));
        assert!(!chance(1, Purpose::Drop, "a", 0.0));
        assert!(chance(1, Purpose::Drop, "a", 1.0));
    }
}
