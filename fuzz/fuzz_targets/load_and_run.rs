//! Any bytes, as a scenario file: loading never panics; an invalid file's every problem has a
//! line and a column and renders without control characters; a valid file runs (within a
//! small budget) to an outcome, never a panic or an abort.

#![no_main]

use finsim::scenario::{self, LoadError};
use finsim::simulator::Budget;
use finsim::Simulator;
use libfuzzer_sys::fuzz_target;

/// Whether a terminal would act on a character or hide it: a control character, a bidirectional
/// control, a zero-width character or the byte-order mark, a line or paragraph separator (a
/// predicate of the target's own, not finsim's policy).
fn shows_unsafely(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

fuzz_target!(|data: &[u8]| {
    match scenario::parse_bytes("fuzz.yaml", data) {
        Ok(scenario) => {
            let budget = Budget { max_events: 2_000, max_bytes: 4 << 20, events_per_step: 0, bytes_per_step: 0 };
            // `Simulator::run` keeps this thread's actix System from one input to the next.
            let outcome = Simulator::new().settings(budget).run(&scenario, scenario.seed);
            let _ = serde_json::to_string(&outcome);
        }
        Err(error) => {
            if let LoadError::Invalid { problems, .. } = &error {
                for problem in problems {
                    assert!(problem.line > 0 && problem.column > 0, "no place: {problem:?}");
                }
            }
            let rendered = error.render();
            assert!(
                !rendered.chars().any(|c| c != '\n' && shows_unsafely(c)),
                "control characters reach the terminal: {rendered:?}"
            );
        }
    }
});
