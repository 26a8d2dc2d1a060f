//! Same scenario + same seed ⇒ the same trace, event by event; and the summaries and digests
//! of the bundled scenarios are pinned, so an accidental change in behaviour fails here.

use super::{bundled, load, relative};

#[test]
fn every_bundled_scenario_runs_the_same_twice_event_by_event() {
    for path in bundled() {
        let scenario = load(&path);
        let first = finsim::run(&scenario, scenario.seed);
        let second = finsim::run(&scenario, scenario.seed);
        assert_eq!(first.trace.len(), second.trace.len(), "{}", path.display());
        for (i, (a, b)) in first.trace.iter().zip(&second.trace).enumerate() {
            assert_eq!(a, b, "{}: event {i} differs", path.display());
        }
        assert_eq!(first.digest, second.digest);
    }
}

/// Each bundled scenario's summary (every check with its detail, the suspects, the stats, the
/// message count, the virtual time and the digest) is pinned as a snapshot named after its file, so
/// an accidental change in behaviour fails here and an intended one is reviewed as a diff:
/// `cargo insta review`, or `INSTA_UPDATE=always cargo test` and `git diff tests/it/snapshots`.
#[test]
fn bundled_scenarios() {
    insta::glob!("../../scenarios", "**/*.yaml", |path| {
        let scenario = load(path);
        let outcome = finsim::run(&scenario, scenario.seed);
        insta::assert_snapshot!(finsim::report::summary(&outcome, &relative(path)).join("\n"));
    });
}

/// The trace carries data, not sentences: no string in any bundled scenario's trace holds a
/// space (ids, words and hex do not), so rewording the readable account changes no digest.
#[test]
fn the_trace_carries_data_and_no_sentence() {
    fn strings<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::String(s) => out.push(s),
            serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(fields) => fields.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    for path in bundled() {
        let scenario = load(&path);
        let outcome = finsim::run(&scenario, scenario.seed);
        for line in finsim::trace::to_jsonl(&outcome.trace).lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let mut found = Vec::new();
            strings(&value, &mut found);
            let prose: Vec<_> = found.into_iter().filter(|s| s.contains(' ')).collect();
            assert!(prose.is_empty(), "{}: {prose:?} in {line}", path.display());
        }
    }
}
