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

/// The trace speaks one vocabulary: keys in lower snake_case, no Rust enum name (no word starting
/// with a capital, but two-letter country codes and the Chainpoint proof's own `type`), every
/// actor written as its id string, and steps numbered from 1 (a step starts once; one that waits for a restart may start after
/// a later one).
#[test]
fn the_trace_writes_lower_case_words_actor_ids_and_steps_from_one() {
    fn check(value: &serde_json::Value, path: &str, bad: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => {
                let capital = s.starts_with(|c: char| c.is_ascii_uppercase());
                let country = s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase());
                if capital && !country && !(path.ends_with("proof.type") && s == "Chainpoint") {
                    bad.push(format!("{path} = {s}"));
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| check(v, &format!("{path}[]"), bad)),
            serde_json::Value::Object(fields) => {
                for (key, v) in fields {
                    let snake = key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                    let chainpoint = key == "@context" && path.ends_with("proof");
                    if !(snake || chainpoint) {
                        bad.push(format!("{path}.{key} (key)"));
                    }
                    let ids = v.is_string() || v.as_array().is_some_and(|a| a.iter().all(|x| x.is_string()));
                    if ["actor", "from", "to", "at", "holder", "asked_by"].contains(&key.as_str()) && !ids {
                        bad.push(format!("{path}.{key}: an actor that is not its id: {v}"));
                    }
                    check(v, &format!("{path}.{key}"), bad);
                }
            }
            _ => {}
        }
    }
    for path in bundled() {
        let scenario = load(&path);
        let outcome = finsim::run(&scenario, scenario.seed);
        let mut bad = Vec::new();
        let mut steps = Vec::new();
        for line in finsim::trace::to_jsonl(&outcome.trace).lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            check(&value, value["event"].as_str().unwrap_or("?"), &mut bad);
            if value["event"] == "step_started" {
                steps.push(value["step"].as_u64().unwrap() as usize);
            }
        }
        bad.sort();
        bad.dedup();
        assert!(bad.is_empty(), "{}: {bad:#?}", path.display());
        assert!(steps.iter().all(|s| (1..=scenario.flow.len()).contains(s)), "{}: {steps:?}", path.display());
        let once: std::collections::BTreeSet<_> = steps.iter().collect();
        assert_eq!(once.len(), steps.len(), "{}: each step starts once: {steps:?}", path.display());
    }
}

/// `docs/trace.md` documents every event and note the bundled scenarios' traces hold, and every
/// message kind they send.
#[test]
fn docs_trace_md_names_every_event_note_and_message_kind_of_the_bundled_traces() {
    let doc = std::fs::read_to_string(super::root().join("docs/trace.md")).unwrap();
    let mut missing = std::collections::BTreeSet::new();
    for path in bundled() {
        let scenario = load(&path);
        let outcome = finsim::run(&scenario, scenario.seed);
        for line in finsim::trace::to_jsonl(&outcome.trace).lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            for key in ["event", "note"] {
                if let Some(name) = value[key].as_str() {
                    if !doc.contains(&format!("| `{name}` |")) {
                        missing.insert(format!("{key} {name}"));
                    }
                }
            }
            if let (Some("send"), Some(kind)) = (value["event"].as_str(), value["kind"].as_str()) {
                if !doc.contains(&format!("`{kind}`")) {
                    missing.insert(format!("kind {kind}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "docs/trace.md does not document: {missing:?}");
}

/// The canonical line `trace::write_canonical_line` writes by hand is the derived JSON of the
/// record, byte for byte, for every kind of event the bundled scenarios record.
#[test]
fn a_canonical_line_is_the_records_derived_json() {
    let mut kinds = std::collections::BTreeSet::new();
    for path in bundled() {
        let scenario = load(&path);
        for record in finsim::run(&scenario, scenario.seed).trace {
            let mut derived = serde_json::to_vec(&record).unwrap();
            derived.push(b'\n');
            let line = finsim::trace::canonical_line(&record);
            assert_eq!(String::from_utf8(line).unwrap(), String::from_utf8(derived).unwrap(), "{}", path.display());
            let value: serde_json::Value = serde_json::from_slice(&finsim::trace::canonical_line(&record)).unwrap();
            kinds.insert(value["event"].as_str().unwrap().to_owned());
        }
    }
    let every = ["send", "delivered", "lost", "duplicated", "corrupted", "crashed", "restarted", "note"];
    let missing: Vec<_> = every.iter().filter(|k| !kinds.contains(**k)).collect();
    assert!(missing.is_empty(), "no bundled scenario records {missing:?}");
    assert!(kinds.contains("step_started") && kinds.contains("step_finished"));
}
