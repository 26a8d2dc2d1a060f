//! Benchmarks of whole runs and of the per-message crypto that dominates them.
//! Figures and how to read them: docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use finsim::crypto::tally::Tally;
use finsim::protocol::keys;
use finsim::scenario;
use std::hint::black_box;

/// The allocator the `finsim` binary runs on, so that these figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn runs(c: &mut Criterion) {
    let sample = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
    let messages = finsim::run(&sample, sample.seed).messages;
    let mut group = c.benchmark_group("run");
    group.throughput(Throughput::Elements(messages));
    // `Simulator::run` keeps this thread's actix System from one run to the next, as a sweep's
    // worker does: the figures are of the runs, not of making Systems.
    let simulator = finsim::Simulator::new();
    group.bench_function("sample_flow_reused_system", |b| b.iter(|| simulator.run(black_box(&sample), 42)));
    let chaos_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/faults/chaos.yaml")).unwrap();
    let chaos = scenario::parse("chaos", &chaos_text).unwrap();
    group.throughput(Throughput::Elements(finsim::run(&chaos, 1).messages));
    group.bench_function("chaos_seed_1", |b| b.iter(|| simulator.run(black_box(&chaos), 1)));
    // A delivery versus payment beside the transfer: an execution plan across two ledgers.
    let dvp_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/plans/dvp-completed.yaml")).unwrap();
    let dvp = scenario::parse("dvp", &dvp_text).unwrap();
    group.throughput(Throughput::Elements(finsim::run(&dvp, dvp.seed).messages));
    group.bench_function("dvp", |b| b.iter(|| simulator.run(black_box(&dvp), 11)));
    group.finish();
}

fn crypto(c: &mut Criterion) {
    let key = keys::signing_key(1, "bench");
    let message = vec![7u8; 200];
    let signature = keys::sign(&key, &message);
    let verifying = key.verifying_key();
    c.bench_function("ed25519_sign_200B", |b| b.iter(|| keys::sign(&key, black_box(&message))));
    c.bench_function("ed25519_verify_200B", |b| b.iter(|| keys::verify(&verifying, black_box(&message), &signature)));
    // What the checks' witness runs (it also refuses small-order points, so it decompresses R).
    let strict = ed25519_dalek::Signature::from_bytes(&signature);
    c.bench_function("ed25519_verify_strict_200B", |b| {
        b.iter(|| verifying.verify_strict(black_box(&message), &strict).is_ok())
    });
}

/// A generated workload of `transfers` transfers among 20 orgs in 4 clusters.
fn workload(transfers: usize) -> scenario::Scenario {
    let spec = finsim::generate::Spec::benchmark(transfers);
    scenario::parse("generated", &finsim::generate::scenario_yaml(&spec).unwrap()).unwrap()
}

/// Benchmarks whole runs of `scenario` (seed 0, the trace hashed, not kept, no coverage: as
/// `finsim run` does) as `name`, counting `elements` per run; prints one run's ed25519 work and
/// returns it.
fn bench_run(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: String,
    scenario: &scenario::Scenario,
    elements: u64,
    null_signer: bool,
) -> Tally {
    let settings =
        finsim::simulator::Settings { forget_trace: true, null_signer, skip_coverage: true, ..Default::default() };
    let simulator = finsim::Simulator::new().settings(settings);
    // The ed25519 work of one run, to set against its time (docs/performance.md, "The engine
    // against the signatures"): a run's actors live on this thread.
    let before = Tally::of_this_thread();
    let messages = simulator.measure(scenario, 0);
    let tally = Tally::of_this_thread().since(before);
    eprintln!(
        "{name}: {messages} messages, {} signatures over {} bytes, {} verifications over {} bytes per run",
        tally.signatures, tally.signed_bytes, tally.verifications, tally.verified_bytes
    );
    group.throughput(Throughput::Elements(elements));
    group.bench_function(name, |b| b.iter(|| simulator.measure(black_box(scenario), 0)));
    tally
}

/// One signature and one verification at the mean lengths a run's `tally` signed and verified:
/// what its ed25519 work costs per operation (SHA-512 over the message makes it grow with the
/// length), measured in the same benchmark run as the run itself.
fn bench_ed25519_at(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    tally: Tally,
) {
    let key = keys::signing_key(1, "bench");
    let signed = vec![7u8; (tally.signed_bytes / tally.signatures.max(1)) as usize];
    let verified = vec![7u8; (tally.verified_bytes / tally.verifications.max(1)) as usize];
    let signature = keys::sign(&key, &verified);
    let verifying = key.verifying_key();
    group.throughput(Throughput::Elements(1));
    group.bench_function(format!("{name}/ed25519_sign_{}B", signed.len()), |b| {
        b.iter(|| keys::sign(&key, black_box(&signed)))
    });
    group.bench_function(format!("{name}/ed25519_verify_{}B", verified.len()), |b| {
        b.iter(|| keys::verify(&verifying, black_box(&verified), &signature))
    });
}

/// The cost per transfer at two sizes (flat when the engine is linear), and the same runs with
/// the null signer: the engine alone, against the ed25519 work `crypto` measures.
fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("per_transfer");
    group.sample_size(10);
    for transfers in [100, 1000] {
        let scenario = workload(transfers);
        let tally = bench_run(&mut group, format!("signed/{transfers}"), &scenario, transfers as u64, false);
        bench_ed25519_at(&mut group, &format!("signed/{transfers}"), tally);
        bench_run(&mut group, format!("null_signer/{transfers}"), &scenario, transfers as u64, true);
    }
    group.finish();
}

/// The HTML report of a finished run at two sizes, per transfer (flat when making a report is
/// linear in the run): its accounts (the operations and the register of personal data) and its
/// page, from the run's outcome and evidence, which are made once, outside the timing.
fn report(c: &mut Criterion) {
    let mut group = c.benchmark_group("report_per_transfer");
    group.sample_size(10);
    for transfers in [2000, 8000] {
        let scenario = workload(transfers);
        let (outcome, material) = finsim::Simulator::new().evidence(&scenario, 0);
        group.throughput(Throughput::Elements(transfers as u64));
        group.bench_function(format!("{transfers}"), |b| {
            b.iter(|| {
                let accounts = finsim::report::Accounts::of(&scenario, &outcome, &material);
                finsim::report::html::page_with(&scenario, &outcome, &material, &accounts, "generated.yaml").len()
            })
        });
    }
    group.finish();
}

/// The sample flow with `members` orgs in cluster_B: its verify, proof and balance steps are
/// broadcasts to every member, and its block reaches every replica.
fn wide_cluster(members: usize) -> scenario::Scenario {
    let orgs: Vec<String> = (2..members + 2).map(|k| format!("org_{k}")).collect();
    let text = scenario::SAMPLE_FLOW.replace("orgs: [org_2, org_3, org_4]", &format!("orgs: [{}]", orgs.join(", ")));
    assert_ne!(text, scenario::SAMPLE_FLOW, "the sample flow's cluster_B line");
    scenario::parse("wide", &text).unwrap()
}

/// The cost per member of a cluster's broadcasts at two sizes (flat when a broadcast is linear
/// in its members).
fn broadcast(c: &mut Criterion) {
    let mut group = c.benchmark_group("broadcast_per_member");
    group.sample_size(10);
    for members in [100, 1000] {
        bench_run(&mut group, format!("{members}"), &wide_cluster(members), members as u64, false);
    }
    group.finish();
}

fn parse(c: &mut Criterion) {
    c.bench_function("parse_sample_flow", |b| {
        b.iter(|| scenario::parse("sample", black_box(scenario::SAMPLE_FLOW)).unwrap())
    });
}

criterion_group!(benches, runs, crypto, scale, broadcast, parse, report);
criterion_main!(benches);
