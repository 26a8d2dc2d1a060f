//! Any bytes, as the `finsim test --json` of a shard given to `finsim merge`: parsing, merging it
//! with itself (an overlap, refused when it holds a case) and writing JUnit XML never panic, and
//! merged counts are the cases' own.

#![no_main]

use finsim::suite::{Merger, Results};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(results) = serde_json::from_slice::<Results>(data) else { return };
    let mut merger = Merger::default();
    if merger.add("a.json", results.clone()).is_err() {
        return;
    }
    let mut twice = Merger::default();
    let _ = twice.add("a.json", results.clone());
    let _ = twice.add("b.json", results.clone());
    assert!(results.cases.is_empty() || twice.finish().is_err(), "an overlapping shard was merged");
    let Ok(merged) = merger.finish() else { return };
    let passed = merged.cases.iter().filter(|c| c.passed).count() as u64;
    assert_eq!((merged.passed, merged.failed), (passed, merged.cases.len() as u64 - passed));
    let _ = finsim::suite::junit::xml(&merged);
});
