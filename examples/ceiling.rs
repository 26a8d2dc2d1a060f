//! The engine against the signature ceiling, measured interleaved: each round times one run of
//! the benchmarks' workload with the null signer (the engine alone), then, straight after, one
//! ed25519 signature and one verification at the mean lengths a signed run of the same workload
//! signs and verifies. A ratio is only read within one round, so that this machine's changes of
//! speed (CHANGELOG.md records ±45 % within an hour) fall on both sides of it alike.
//!
//! `cargo run --release --example ceiling -- [TRANSFERS] [ROUNDS]` (defaults: 1000 transfers,
//! 10 rounds). Each round prints the engine's cost per message and one sign + verify; the
//! summary gives the median of the rounds' ratios (the target's reading: engine per message
//! against one sign + verify) and the engine against the run's own ed25519 work (what a signed
//! run counts: more signatures and verifications than messages).

use finsim::crypto::tally::Tally;
use finsim::protocol::keys;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The allocator the `finsim` binary runs on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How many sign + verify pairs a round times (about 60 ms here).
const PAIRS: u32 = 1_000;

/// The wall-clock time `work` takes: this tool measures; nothing it times reaches a trace.
#[allow(clippy::disallowed_methods)]
fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = work();
    (value, start.elapsed())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let transfers: usize = args.next().map_or(Ok(1000), |a| a.parse())?;
    let rounds: usize = args.next().map_or(Ok(10), |a| a.parse())?;
    if rounds == 0 {
        return Err("expected at least one round".into());
    }

    let spec = finsim::generate::Spec::benchmark(transfers);
    let scenario = finsim::scenario::parse("generated", &finsim::generate::scenario_yaml(&spec)?)?;
    let simulator = |null_signer| {
        finsim::Simulator::new().settings(finsim::simulator::Settings {
            forget_trace: true,
            null_signer,
            skip_coverage: true,
            ..Default::default()
        })
    };
    let (signed_run, null_run) = (simulator(false), simulator(true));

    // One signed run: the ed25519 work the engine is set against (its counts and mean lengths).
    let before = Tally::of_this_thread();
    let messages = signed_run.measure(&scenario, 0);
    let work = Tally::of_this_thread().since(before);
    let signed = vec![7u8; (work.signed_bytes / work.signatures.max(1)) as usize];
    let verified = vec![7u8; (work.verified_bytes / work.verifications.max(1)) as usize];
    let key = keys::signing_key(1, "ceiling");
    let verifying = key.verifying_key();
    let signature = keys::sign(&key, &verified);
    println!(
        "{transfers} transfers: {messages} messages; a signed run signs {} times ({} B each) and verifies {} times ({} B each)",
        work.signatures,
        signed.len(),
        work.verifications,
        verified.len()
    );

    let (mut per_message, mut against_run) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let (ran, engine) = timed(|| null_run.measure(black_box(&scenario), 0));
        assert_eq!(ran, messages, "the null signer's run is the signed run's, message for message");
        let ((), signing) = timed(|| {
            for _ in 0..PAIRS {
                black_box(keys::sign(&key, black_box(&signed)));
            }
        });
        let ((), verifying_time) = timed(|| {
            for _ in 0..PAIRS {
                black_box(keys::verify(&verifying, black_box(&verified), &signature));
            }
        });
        let sign_us = signing.as_secs_f64() * 1e6 / f64::from(PAIRS);
        let verify_us = verifying_time.as_secs_f64() * 1e6 / f64::from(PAIRS);
        let engine_us = engine.as_secs_f64() * 1e6;
        let engine_per_message = engine_us / messages as f64;
        let run_ed25519_us = work.signatures as f64 * sign_us + work.verifications as f64 * verify_us;
        per_message.push(engine_per_message / (sign_us + verify_us));
        against_run.push(engine_us / run_ed25519_us);
        println!(
            "round {round}: engine {:.1} ms ({engine_per_message:.2} µs per message); sign {sign_us:.1} µs + verify {verify_us:.1} µs; \
             ratio {:.3} (against the run's ed25519 work: {:.3})",
            engine_us / 1e3,
            per_message[round - 1],
            against_run[round - 1]
        );
    }
    println!(
        "median of {rounds} rounds: engine per message / (sign + verify) = {:.3}; engine / the signed run's ed25519 work = {:.3}",
        median(&mut per_message),
        median(&mut against_run)
    );
    Ok(())
}
