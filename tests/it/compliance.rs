//! Regulation as a regulator reads it: the rules `denied_countries` and `travel_rule`, each check
//! with the rule's key, the values it read and its verdict.

use super::{load, root};
use finsim::actors::note::Note;
use finsim::trace::Event;

/// Each compliance check of a run: (request id, rule, value read, passed).
fn checks(outcome: &finsim::Outcome) -> Vec<(u64, &'static str, String, bool)> {
    let checks = outcome.trace.iter().filter_map(|record| match &record.event {
        Event::Note(Note::Compliance { request_id, check, passed, .. }) => {
            Some((*request_id, check.rule.word(), check.value.clone(), *passed))
        }
        _ => None,
    });
    checks.collect()
}

#[test]
fn a_denied_country_and_a_document_short_of_the_travel_rules_fields_are_refused_by_their_rule() {
    let scenario = load(&root().join("scenarios/compliance/denied-countries-and-travel-rule.yaml"));
    let outcome = finsim::run(&scenario, scenario.seed);
    assert!(outcome.passed, "{:#?}", outcome.expectations);
    let failed: Vec<(u64, &str, String)> =
        checks(&outcome).into_iter().filter(|c| !c.3).map(|(id, rule, value, _)| (id, rule, value)).collect();
    assert_eq!(
        failed,
        [
            (2, "denied_countries", "FR".to_owned()),
            (4, "travel_rule", "name,countryOfResidence,customerIdentification,accountNumber".to_owned()),
        ],
        "the French buyer by denied_countries; 600 tokens to a buyer without a date of birth by travel_rule"
    );
    // Under the threshold the Travel Rule asks nothing; at it, a full document passes.
    let travel: Vec<(u64, bool)> =
        checks(&outcome).into_iter().filter(|c| c.1 == "travel_rule").map(|c| (c.0, c.3)).collect();
    assert_eq!(travel, [(1, true), (2, true), (3, true), (4, false), (5, true)]);
}

#[test]
fn a_travel_rule_names_known_fields_once_and_at_least_one() {
    let file = |rule: &str| {
        format!(
            "name: x\nclusters: [{{id: c, orgs: [o]}}]\norgs:\n  o:\n    regulation:\n      travel_rule: {rule}\nflow: []\n"
        )
    };
    for (rule, said) in [
        ("{ threshold: 5, required: [name, birthday] }", "`birthday` is not a field the Travel Rule can require"),
        ("{ threshold: 5, required: [name, name] }", "`name` is required twice"),
        ("{ threshold: 5, required: [] }", "`travel_rule` requires no field"),
        ("{ threshold: 5, required: [name], above: 3 }", "unknown key `above`"),
    ] {
        let error = finsim::scenario::parse("x.yaml", &file(rule)).unwrap_err().to_string();
        assert!(error.contains(said), "{rule}: {error}");
        assert!(error.contains("x.yaml:6:"), "{rule}: at its place: {error}");
    }
}
