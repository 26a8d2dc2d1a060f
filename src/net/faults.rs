//! The network's one decision per transmission.
//!
//! `decide` is the whole fault model at send time: a transmission between two
//! different orgs may be lost to a partition or to `drop`, altered by `corrupt`
//! (one bit of its signed bytes flipped, so its signature fails) and delivered a
//! second time by `duplicate`; every transmission gets a latency. A crashed
//! receiver is the one loss decided at arrival (`Network` checks it then). Each
//! draw is keyed by the transmission (sender, receiver, request id, kind, ordinal)
//! and its copy, so faults perturb nothing else.

use super::latency;
use super::rng::{self, Purpose};
use crate::scenario::{Faults, Latency};
use crate::trace::LossCause;
use rand::Rng;

/// What happens to one transmission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Lost at send time.
    Lost(LossCause),
    /// Delivered after `latency_us`.
    Delivered {
        /// The latency of the first copy.
        latency_us: u64,
        /// Which bit of the payload is flipped, if corrupted.
        corrupt_bit: Option<usize>,
        /// The latency of a second copy, if duplicated.
        duplicate_latency_us: Option<u64>,
    },
}

/// The identity of a transmission, for keying its draws.
pub struct TransmissionKey<'a> {
    /// e.g. `org_1>org_2#10101/transfer/0`.
    pub key: &'a str,
    /// The payload length in bytes (for choosing a bit to flip).
    pub payload_len: usize,
    /// Whether sender and receiver are two different orgs (faults apply only then).
    pub between_orgs: bool,
    /// Whether a partition separates them now.
    pub partitioned: bool,
}

/// Decides the fate of one transmission.
pub fn decide(seed: u64, faults: &Faults, latency_model: Latency, t: &TransmissionKey<'_>) -> Decision {
    let latency_us = latency_of(seed, latency_model, t.key);
    if !t.between_orgs {
        return Decision::Delivered { latency_us, corrupt_bit: None, duplicate_latency_us: None };
    }
    if t.partitioned {
        return Decision::Lost(LossCause::Partition);
    }
    if rng::chance(seed, Purpose::Drop, t.key, faults.drop_probability) {
        return Decision::Lost(LossCause::Drop);
    }
    let corrupt_bit = rng::chance(seed, Purpose::Corrupt, t.key, faults.corrupt_probability).then(|| {
        let mut rng = rng::stream(seed, Purpose::Corrupt, &format!("{}/bit", t.key));
        rng.random_range(0..t.payload_len.max(1) * 8)
    });
    let duplicate_latency_us = rng::chance(seed, Purpose::Duplicate, t.key, faults.duplicate_probability)
        .then(|| latency_of(seed, latency_model, &format!("{}/copy", t.key)));
    Decision::Delivered { latency_us, corrupt_bit, duplicate_latency_us }
}

/// The latency drawn for `key`: a constant one draws nothing (its generator would be keyed,
/// seeded and never read).
fn latency_of(seed: u64, latency_model: Latency, key: &str) -> u64 {
    match latency_model {
        Latency::Constant { us } => us,
        model => latency::sample(model, &mut rng::stream(seed, Purpose::Latency, key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(between_orgs: bool, partitioned: bool) -> TransmissionKey<'static> {
        TransmissionKey { key: "a>b#1/get/0", payload_len: 10, between_orgs, partitioned }
    }

    #[test]
    fn without_faults_everything_is_delivered() {
        let d = decide(1, &Faults::default(), Latency::Constant { us: 5 }, &key(true, false));
        assert_eq!(d, Decision::Delivered { latency_us: 5, corrupt_bit: None, duplicate_latency_us: None });
    }

    #[test]
    fn a_latency_is_drawn_from_its_key_and_a_constant_one_is_that_constant() {
        let uniform = Latency::Uniform { min_us: 0, max_us: 1_000_000 };
        let drawn = |key: &str| latency::sample(uniform, &mut rng::stream(1, Purpose::Latency, key));
        assert_eq!(latency_of(1, uniform, "a>b#1/get/0"), drawn("a>b#1/get/0"));
        assert_ne!(latency_of(1, uniform, "a>b#1/get/0"), latency_of(1, uniform, "a>b#1/get/1"));
        assert_eq!(latency_of(1, Latency::Constant { us: 5 }, "a>b#1/get/0"), 5);
    }

    #[test]
    fn each_fault_is_one_branch() {
        let all = Faults { drop_probability: 1.0, ..Faults::default() };
        assert_eq!(decide(1, &all, Latency::Constant { us: 5 }, &key(true, false)), Decision::Lost(LossCause::Drop));
        assert_eq!(
            decide(1, &all, Latency::Constant { us: 5 }, &key(false, false)),
            Decision::Delivered { latency_us: 5, corrupt_bit: None, duplicate_latency_us: None }
        );
        assert_eq!(
            decide(1, &Faults::default(), Latency::Constant { us: 5 }, &key(true, true)),
            Decision::Lost(LossCause::Partition)
        );
        let noisy = Faults { corrupt_probability: 1.0, duplicate_probability: 1.0, ..Faults::default() };
        match decide(1, &noisy, Latency::Constant { us: 5 }, &key(true, false)) {
            Decision::Delivered { corrupt_bit: Some(bit), duplicate_latency_us: Some(5), .. } => assert!(bit < 80),
            other => panic!("expected a corrupted duplicate, got {other:?}"),
        }
    }
}
