//! Any bytes, as a trace file given to `finsim diff`: reading never panics; a text that is read
//! as a trace has at least one event, each line a trace event, and it is identical to itself.

#![no_main]

use finsim::evidence::{check_trace_line, diff, Side};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(side) = Side::of_trace(text) else { return };
    assert!(!side.trace.is_empty());
    assert!(side.trace.iter().all(|line| check_trace_line(line).is_ok()));
    assert_eq!(diff(&side, &side), None);
});
