//! A generated workload run as `finsim run` runs it (trace hashed, not kept; no coverage), for a
//! profiler: `perf record` or `valgrind --tool=callgrind` around a release build of this
//! program measure the engine on the same runs as the `per_transfer` benchmarks
//! (docs/performance.md has the commands; CHANGELOG.md, "Near the ceiling", what they showed).
//!
//! `cargo run --release --example profile_run -- [TRANSFERS] [signed|null] [RUNS]`
//! (defaults: 100 transfers, signed, one run). It prints each run's messages, its ed25519 work and
//! the allocations it made (reallocations counted), whose count is exact where a profile samples.

use finsim::crypto::tally::Tally;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The allocator the `finsim` binary runs on (mimalloc), so that a profile is the binary's,
/// counting the allocations it serves.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on unchanged to mimalloc, which upholds `GlobalAlloc`'s contract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let transfers: usize = args.next().map_or(Ok(100), |a| a.parse())?;
    let null_signer = match args.next().as_deref() {
        None | Some("signed") => false,
        Some("null") => true,
        Some(other) => return Err(format!("expected `signed` or `null`, found `{other}`").into()),
    };
    let runs: usize = args.next().map_or(Ok(1), |a| a.parse())?;

    // The benchmarks' workload: 20 orgs in 4 clusters, one transfer step per 2 ms.
    let spec = finsim::generate::Spec::benchmark(transfers);
    let scenario = finsim::scenario::parse("generated", &finsim::generate::scenario_yaml(&spec)?)?;
    let settings =
        finsim::simulator::Settings { forget_trace: true, null_signer, skip_coverage: true, ..Default::default() };
    let simulator = finsim::Simulator::new().settings(settings);
    for _ in 0..runs {
        let (before, allocations) = (Tally::of_this_thread(), ALLOCATIONS.load(Relaxed));
        let messages = simulator.measure(&scenario, 0);
        let work = Tally::of_this_thread().since(before);
        let allocations = ALLOCATIONS.load(Relaxed) - allocations;
        println!(
            "{transfers} transfers: {} messages; {} signatures over {} bytes, {} verifications over {} bytes; \
             {allocations} allocations ({:.1} per message)",
            messages,
            work.signatures,
            work.signed_bytes,
            work.verifications,
            work.verified_bytes,
            allocations as f64 / messages as f64
        );
        // With real keys every message is signed and checked; the null signer does neither.
        assert_eq!(null_signer, work.signatures == 0 && work.verifications == 0, "{work:?}");
    }
    Ok(())
}
