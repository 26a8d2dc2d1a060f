//! `finsim explore` and `finsim run --schedule`: every counterexample replays through the engine
//! and fails the same way; exit codes, misfits, determinism. (That the reduced search reaches every
//! end state the full one does is the explorer's own test, in `src/tests/explore.rs`.)

use super::cli::{finsim, scratch_file};
use super::{load, root};
use finsim::explore::Options;

#[test]
fn every_counterexample_replays_through_the_engine_and_fails_the_same_way() {
    let cases = [
        ("scenarios/explore/balance-while-settling.yaml", 0, "balance org_2:100:treasury org_2:101:asset_1 = 900"),
        ("scenarios/explore/balance-while-settling.yaml", 1, "balance org_2:100:treasury org_2:101:asset_1 = 900"),
        ("scenarios/nosy-orgs-are-denied-personal-data.yaml", 0, "get org_2 org_1:100:user_1 is denied"),
    ];
    for (file, drops, check) in cases {
        let scenario = load(&root().join(file));
        assert!(finsim::run(&scenario, scenario.seed).passed, "{file} passes at its seed");
        let found = finsim::Simulator::new().explore(&scenario, scenario.seed, Options { drops, ..Options::default() });
        assert!(found.complete, "{file}");
        let failure = found.failures.iter().find(|f| f.check == check).unwrap_or_else(|| panic!("{file}: {found:?}"));
        assert!(failure.end_states > 0 && failure.end_states < found.end_states, "{file}: only some orders fail");
        let schedule = found.counterexample.expect("a counterexample");
        let replayed = finsim::Simulator::new().replay(&scenario, schedule.seed, &schedule).unwrap();
        let failed: Vec<String> = replayed.failures().iter().map(|c| c.name.clone()).collect();
        assert_eq!(failed, schedule.fails, "{file}: the replay fails the checks the explorer named");
        assert!(failed.iter().any(|f| f == check));
        let renamed = finsim::scenario::Scenario { name: "another".into(), ..scenario.clone() };
        let misfit = finsim::Simulator::new().replay(&renamed, schedule.seed, &schedule).unwrap_err();
        assert!(matches!(misfit, finsim::explore::schedule::Misfit::Scenario { .. }), "{misfit}");
    }
}

#[test]
fn explore_and_replay_through_the_binary() {
    let file = root().join("scenarios/explore/balance-while-settling.yaml").display().to_string();
    let schedule = scratch_file("balance.schedule.json", "");
    let (code, out, _) = finsim(&["explore", &file, "-o", &schedule]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAILED in ") && out.contains(&format!("--schedule {schedule}")), "{out}");
    let (code, out, _) = finsim(&["run", &file, "--schedule", &schedule]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("org_2 was told 1000") && out.contains("--schedule"), "{out}");
    let (code, json, _) = finsim(&["run", &file, "--schedule", &schedule, "--json"]);
    assert_eq!(code, 1);
    let outcome: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(outcome["passed"], false);
    assert_eq!(outcome["virtual_ms"], 0.0, "no timeout fires in this order: time does not pass");
}

#[test]
fn explore_exit_codes() {
    let clean = root().join("scenarios/insufficient-balance.yaml").display().to_string();
    let (code, out, _) = finsim(&["explore", &clean]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("holds in every end state"), "{out}");
    let (code, out, _) = finsim(&["explore", &clean, "--max-states", "10"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("not a verdict") && out.contains("10 states"), "{out}");
    let (code, json, _) = finsim(&["explore", &clean, "--json", "--no-reduction"]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!((value["complete"].as_bool(), value["reduction"].as_bool()), (Some(true), Some(false)));
    assert_eq!(value["end_states"], 6);
    assert_eq!(value["counterexample"], serde_json::Value::Null);
    let broken = scratch_file("broken.yaml", "name: x\nclusters: 3\n");
    let (code, _, err) = finsim(&["explore", &broken]);
    assert_eq!(code, 2);
    assert!(err.contains("broken.yaml:2:"), "{err}");
}

#[test]
fn a_schedule_that_does_not_fit_is_refused_with_exit_2() {
    let file = root().join("scenarios/explore/balance-while-settling.yaml").display().to_string();
    let scenario = load(&root().join("scenarios/explore/balance-while-settling.yaml"));
    let found = finsim::Simulator::new().explore(&scenario, scenario.seed, Options::default());
    let mut schedule = found.counterexample.unwrap();
    let write = |name: &str, s: &finsim::explore::schedule::Schedule| {
        scratch_file(name, &serde_json::to_string_pretty(s).unwrap())
    };
    let whole = schedule.clone();
    schedule.events.truncate(schedule.events.len() - 1);
    let (code, _, err) = finsim(&["run", &file, "--schedule", &write("short.json", &schedule)]);
    assert_eq!(code, 2);
    assert!(err.contains("ends while 1 event(s) can still happen"), "{err}");
    let mut swapped = whole.clone();
    swapped.events.swap(0, 1);
    let (code, _, err) = finsim(&["run", &file, "--schedule", &write("swapped.json", &swapped)]);
    assert_eq!(code, 2);
    assert!(err.contains("event 1 of the schedule cannot happen there"), "{err}");
    let other = finsim::explore::schedule::Schedule { scenario: "another".into(), ..whole };
    let (code, _, err) = finsim(&["run", &file, "--schedule", &write("other.json", &other)]);
    assert_eq!(code, 2);
    assert!(err.contains("written for another scenario than"), "{err}");
    assert!(!err.contains("`another`"), "the schedule's text is not repeated: {err}");
    let garbage = scratch_file("garbage.json", "{\"scenario\": \"x\",\n \"events\": [ {\"fly\": 1} ] }");
    let (code, _, err) = finsim(&["run", &file, "--schedule", &garbage]);
    assert_eq!(code, 2);
    assert!(err.contains("garbage.json:2:") && err.contains("not a schedule"), "{err}");
}

#[test]
fn an_exploration_is_deterministic() {
    let file = root().join("scenarios/explore/balance-while-settling.yaml").display().to_string();
    let (a, b) = (scratch_file("a.schedule.json", ""), scratch_file("b.schedule.json", ""));
    let first = finsim(&["explore", &file, "--json", "-o", &a]);
    let second = finsim(&["explore", &file, "--json", "-o", &b]);
    assert_eq!(first.0, 1);
    let strip = |json: &str| {
        let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
        value["counterexample"] = serde_json::Value::Null;
        value
    };
    assert_eq!(strip(&first.1), strip(&second.1));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "the same counterexample, byte for byte");
}
