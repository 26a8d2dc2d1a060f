//! `finsim generate`: a scenario of a given size, the same bytes for the same arguments, that
//! loads and passes at every fault level.

use super::cli::finsim;

fn generate(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["generate"];
    all.extend_from_slice(args);
    finsim(&all)
}

const SIZE: [&str; 10] = ["--orgs", "7", "--clusters", "3", "--users", "9", "--assets", "5", "--transfers", "40"];

#[test]
fn the_same_arguments_print_the_same_scenario_and_another_seed_another_one() {
    let (code, first, _) = generate(&SIZE);
    assert_eq!(code, 0);
    assert_eq!(generate(&SIZE).1, first, "a deterministic function of its arguments");
    let mut reseeded = SIZE.to_vec();
    reseeded.extend(["--seed", "9"]);
    assert_ne!(generate(&reseeded).1, first);
}

#[test]
fn a_generated_scenario_loads_and_passes_with_every_fault_level() {
    for faults in ["none", "light", "heavy"] {
        let mut args = SIZE.to_vec();
        args.extend(["--faults", faults]);
        let (code, yaml, stderr) = generate(&args);
        assert_eq!(code, 0, "{stderr}");
        let scenario = finsim::scenario::parse("generated.yaml", &yaml).unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(scenario.flow.len(), 40);
        assert_eq!(scenario.clusters.len(), 3);
        let outcome = finsim::run(&scenario, scenario.seed);
        let failed: Vec<_> = outcome.failures().iter().map(|c| format!("{}: {}", c.name, c.detail)).collect();
        assert!(outcome.passed, "--faults {faults}: {failed:?}");
        if faults == "none" {
            let settled = outcome.expectations.iter().filter(|c| c.name.starts_with("transfer")).count();
            assert_eq!(settled, 40, "every transfer is expected to settle");
            assert!(outcome.expectations.iter().any(|c| c.name.starts_with("balance")));
        } else {
            assert!(outcome.stats.dropped > 0 || outcome.stats.duplicated > 0, "--faults {faults} does something");
        }
    }
}

#[test]
fn arguments_that_cannot_make_a_scenario_are_exit_2_in_plain_words() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["--orgs", "2", "--clusters", "3", "--users", "2", "--assets", "2", "--transfers", "1"],
            "every cluster needs an org",
        ),
        (&["--orgs", "1", "--clusters", "1", "--users", "1", "--assets", "1", "--transfers", "1"], "another org"),
        (
            &["--orgs", "2", "--clusters", "0", "--users", "2", "--assets", "2", "--transfers", "1"],
            "--clusters must be at least 1",
        ),
    ];
    for (args, words) in cases {
        let (code, stdout, stderr) = generate(args);
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
}
