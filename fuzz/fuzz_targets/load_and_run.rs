//! Any bytes, as a scenario file: loading never panics; an invalid file's every problem has a
//! line and a column and renders without control characters; a valid file runs (within a
//! small budget) to an outcome, never a panic or an abort.

#![no_main]

use finsim::scenario::{self, LoadError};
use finsim::simulator::Budget;
use finsim::Simulator;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/text.rs"]
mod text;

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
                !rendered.chars().any(|c| c != '\n' && text::shows_unsafely(c)),
                "control characters reach the terminal: {rendered:?}"
            );
        }
    }
});
