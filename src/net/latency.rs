//! Latency sampling in whole microseconds, the same on every machine: uniform
//! draws are integers, and the normal model uses Box–Muller with the pure-Rust
//! `libm` (the platform's `ln`/`cos` may differ in the last bit between machines).

use crate::scenario::Latency;
use rand::Rng;
use rand_chacha::ChaCha12Rng;

/// Samples one latency.
pub fn sample(latency: Latency, rng: &mut ChaCha12Rng) -> u64 {
    match latency {
        Latency::Constant { us } => us,
        Latency::Uniform { min_us, max_us } => rng.random_range(min_us..=max_us),
        Latency::Normal { mean_us, stddev_us } => {
            // u1 in (0, 1] so that ln(u1) is finite.
            let u1 = 1.0 - rng.random::<f64>();
            let u2 = rng.random::<f64>();
            let z = libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2);
            let value = mean_us as f64 + z * stddev_us as f64;
            if value <= 0.0 {
                0
            } else {
                libm::round(value) as u64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::rng::{stream, Purpose};

    #[test]
    fn samples_stay_in_range_and_normal_is_clamped() {
        for i in 0..200 {
            let mut rng = stream(3, Purpose::Latency, &i.to_string());
            let u = sample(Latency::Uniform { min_us: 5, max_us: 25 }, &mut rng);
            assert!((5..=25).contains(&u));
            let n = sample(Latency::Normal { mean_us: 10, stddev_us: 1000 }, &mut rng);
            assert!(n < 10_000, "clamped at 0 from below, plausible above: {n}");
        }
        let mut rng = stream(3, Purpose::Latency, "x");
        assert_eq!(sample(Latency::Constant { us: 7 }, &mut rng), 7);
    }

    #[test]
    fn normal_has_roughly_the_right_mean() {
        let total: u64 = (0..2000)
            .map(|i| {
                sample(
                    Latency::Normal { mean_us: 50_000, stddev_us: 5_000 },
                    &mut stream(1, Purpose::Latency, &i.to_string()),
                )
            })
            .sum();
        let mean = total / 2000;
        assert!((48_000..52_000).contains(&mean), "mean {mean}");
    }
}
