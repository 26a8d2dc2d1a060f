//! Any bytes, as a schedule file (`finsim run FILE --schedule S`): parsing never panics, and a
//! schedule that parses replays against the sample flow to an outcome or a misfit, never a panic.

#![no_main]

use finsim::explore::schedule::Schedule;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(schedule) = serde_json::from_slice::<Schedule>(data) else { return };
    let scenario = finsim::scenario::parse(finsim::scenario::SAMPLE_FLOW_PATH, finsim::scenario::SAMPLE_FLOW)
        .expect("the sample flow is valid");
    if let Ok(outcome) = finsim::Simulator::new().replay(&scenario, schedule.seed, &schedule) {
        let _ = serde_json::to_string(&outcome);
    }
});
