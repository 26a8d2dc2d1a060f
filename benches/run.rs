//! Benchmarks of whole runs and of the per-message crypto that dominates them.
//! Figures and how to read them: docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use finsim::crypto::keys;
use finsim::scenario;
use std::hint::black_box;

fn runs(c: &mut Criterion) {
    let sample = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
    let messages = finsim::run(&sample, sample.seed).messages;
    let mut group = c.benchmark_group("run");
    group.throughput(Throughput::Elements(messages));
    group.bench_function("sample_flow", |b| b.iter(|| finsim::run(black_box(&sample), 42)));
    let runner = finsim::sim::Runner::new();
    group.bench_function("sample_flow_reused_system", |b| {
        b.iter(|| finsim::outcome::run_with(&runner, black_box(&sample), 42))
    });
    let chaos_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/faults/chaos.yaml")).unwrap();
    let chaos = scenario::parse("chaos", &chaos_text).unwrap();
    group.throughput(Throughput::Elements(finsim::run(&chaos, 1).messages));
    group.bench_function("chaos_seed_1", |b| b.iter(|| finsim::outcome::run_with(&runner, black_box(&chaos), 1)));
    group.finish();
}

fn crypto(c: &mut Criterion) {
    let key = keys::signing_key(1, "bench");
    let message = vec![7u8; 200];
    let signature = keys::sign(&key, &message);
    let verifying = key.verifying_key();
    c.bench_function("ed25519_sign_200B", |b| b.iter(|| keys::sign(&key, black_box(&message))));
    c.bench_function("ed25519_verify_200B", |b| b.iter(|| keys::verify(&verifying, black_box(&message), &signature)));
}

fn parse(c: &mut Criterion) {
    c.bench_function("parse_sample_flow", |b| {
        b.iter(|| scenario::parse("sample", black_box(scenario::SAMPLE_FLOW)).unwrap())
    });
}

criterion_group!(benches, runs, crypto, parse);
criterion_main!(benches);
