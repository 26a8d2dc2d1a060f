//! An evidence pack with one file replaced by any bytes, or one file added: `verify` never panics,
//! and a pack whose files changed is never found to hold.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The sample flow's pack, made once.
fn pack() -> &'static BTreeMap<String, Vec<u8>> {
    static PACK: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    PACK.get_or_init(|| {
        let text = finsim::scenario::SAMPLE_FLOW;
        let scenario = finsim::scenario::parse("scenario.yaml", text).expect("the sample flow is valid");
        let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
        finsim::evidence::files(text.as_bytes(), &outcome, &material)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else { return };
    let mut files = pack().clone();
    let names: Vec<String> = files.keys().cloned().collect();
    let name = names.get(usize::from(which) % (names.len() + 1)).cloned().unwrap_or_else(|| "extra.json".to_owned());
    let changed = files.get(&name).is_none_or(|old| old.as_slice() != bytes);
    files.insert(name, bytes.to_vec());
    if let Ok(verdict) = finsim::evidence::verify(&files) {
        assert!(!changed || !verdict.problems.is_empty(), "a changed pack was found to hold");
        for problem in &verdict.problems {
            let _ = problem.to_string();
        }
    }
});
