//! Same scenario + same seed ⇒ the same trace, event by event; and the digests of
//! the bundled scenarios are pinned, so an accidental change in behaviour fails here.

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

/// Update with `FINSIM_PRINT_DIGESTS=1 cargo test pinned -- --nocapture` after an intended change.
const PINNED: &[(&str, &str)] = &[
    ("scenarios/advertise-then-transfer.yaml", "0bf544f3b262c0905c198c1eaac9088479ffba59dbba65190a6457f9892d6612"),
    ("scenarios/get-denied-and-not-found.yaml", "4724e8e68165f56212619694cb8c262d71346bdf3c589932b5a795013cc1bb09"),
    ("scenarios/insufficient-balance.yaml", "d86a4c259a84fe8d13d8ace79a0540536262a2e9b99fd1a473d5db7579b528a1"),
    ("scenarios/regulation-rejection.yaml", "ef1f64de77a12de44142f38042823ca6f71e27d6ddf94f65f94b046b85202769"),
    ("scenarios/three-clusters.yaml", "693de5ed97d72d8520c50410c83446b2205b2457eddbdd16032cc3e95b282b23"),
];

#[test]
fn pinned_digests_of_the_bundled_scenarios() {
    let mut actual = Vec::new();
    for path in bundled() {
        let scenario = load(&path);
        actual.push((relative(&path), finsim::run(&scenario, scenario.seed).digest));
    }
    if std::env::var_os("FINSIM_PRINT_DIGESTS").is_some() {
        for (file, digest) in &actual {
            println!("    (\"{file}\", \"{digest}\"),");
        }
    }
    for (file, digest) in PINNED {
        let found = actual.iter().find(|(f, _)| f == file).unwrap_or_else(|| panic!("{file} is pinned but missing"));
        assert_eq!(&found.1, digest, "{file}: behaviour changed; if intended, re-pin (see above)");
    }
    assert_eq!(PINNED.len(), actual.len(), "every bundled scenario is pinned");
}
