//! Regulation as a regulator reads it: the rules `denied_countries` and `travel_rule`, each check
//! with the rule's key, the values it read and its verdict.

use super::{load, root};
use finsim::trace::note::Note;
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

/// The register's lines of a pack, by category: (from, to, request id) of each.
fn register(files: &std::collections::BTreeMap<String, Vec<u8>>) -> Vec<serde_json::Value> {
    let text = std::str::from_utf8(&files["personal_data.jsonl"]).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// A count made from the trace alone, as a reader without finsim would: every delivery of a
/// `get_response` between two orgs whose holder noted it gave (or refused) that asker the user's
/// IVMS-101 data for that request.
fn counted_from_the_trace(outcome: &finsim::Outcome) -> (usize, usize) {
    use std::collections::BTreeSet;
    let mut given = BTreeSet::new();
    let mut refused = BTreeSet::new();
    for record in &outcome.trace {
        if let Event::Note(Note::PersonalData { holder, asked_by, request_id, given: g, .. }) = &record.event {
            let key = (holder.to_string(), asked_by.to_string(), *request_id);
            if *g {
                given.insert(key)
            } else {
                refused.insert(key)
            };
        }
    }
    let (mut documents, mut denials) = (0, 0);
    for record in &outcome.trace {
        if let Event::Delivered { hop } = &record.event {
            let key = (hop.from.to_string(), hop.to.to_string(), hop.request_id);
            if hop.kind.word() == "get_response" && key.0 != key.1 {
                documents += usize::from(given.contains(&key));
                denials += usize::from(refused.contains(&key));
            }
        }
    }
    (documents, denials)
}

#[test]
fn the_register_counts_what_the_trace_shows_and_names_the_rules_that_needed_each_field() {
    for file in [
        "scenarios/advertise-then-transfer.yaml",
        "scenarios/nosy-orgs-are-denied-personal-data.yaml",
        "scenarios/faults/duplicates-settle-once.yaml",
        "scenarios/compliance/denied-countries-and-travel-rule.yaml",
        "scenarios/plans/primary-issuance.yaml",
    ] {
        let scenario = load(&root().join(file));
        let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
        let files = finsim::evidence::files(b"", &outcome, &material);
        let lines = register(&files);
        let count = |category: &str| lines.iter().filter(|l| l["category"] == category).count();
        assert_eq!((count("ivms101"), count("denied")), counted_from_the_trace(&outcome), "{file}");
        for line in &lines {
            assert!(line["seq"].as_u64().is_some(), "{file}: every line is bound to a message: {line}");
            assert!(!line["purpose"]["rules"].as_array().unwrap().is_empty(), "{file}: {line}");
        }
    }
    // The sample flow: org_2's one rule reads the country; every other field it got is unread.
    let scenario = load(&root().join("scenarios/advertise-then-transfer.yaml"));
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
    let lines = register(&finsim::evidence::files(b"", &outcome, &material));
    let document = lines.iter().find(|l| l["category"] == "ivms101").unwrap();
    assert_eq!(document["purpose"]["operation"], "transfer");
    assert_eq!(document["purpose"]["rules"], serde_json::json!(["receiver_matches", "allowed_countries"]));
    assert_eq!(document["unread"], serde_json::json!(["name", "dateAndPlaceOfBirth", "accountNumber"]));
    assert_eq!(document["leg"], serde_json::json!({ "from": "org_2:100:treasury", "to": "org_1:100:user_1" }));
    // The buyer's account reaches org_3 and org_4 in the cluster's blocks and the balance query:
    // identifiers, for the transfer and the balance step.
    let identifiers: Vec<(&str, &str, &str)> = lines
        .iter()
        .filter(|l| l["category"] == "identifier" && l["user"] == "org_1:100:user_1" && l["to"] == "org_3")
        .map(|l| (l["kind"].as_str().unwrap(), l["purpose"]["operation"].as_str().unwrap(), l["to"].as_str().unwrap()))
        .collect();
    assert_eq!(identifiers, [("block_committed", "transfer", "org_3"), ("balance_query", "balance", "org_3")]);
}

#[test]
fn duplicate_copies_and_copies_that_fail_their_signature_are_marked_in_the_register() {
    let scenario = load(&root().join("scenarios/faults/chaos.yaml"));
    let marks: std::collections::BTreeSet<String> = (0..8)
        .flat_map(|seed| {
            let (outcome, material) = finsim::Simulator::new().evidence(&scenario, seed);
            register(&finsim::evidence::files(b"", &outcome, &material))
        })
        .filter_map(|line| line["copy"].as_str().map(|mark| format!("{} {mark}", line["category"].as_str().unwrap())))
        .collect();
    for mark in ["ivms101 duplicate", "identifier duplicate", "identifier bad_signature"] {
        assert!(marks.contains(mark), "{mark} in {marks:?}");
    }
}

#[test]
fn under_minimal_disclosure_an_org_asks_only_what_its_rules_read_and_one_without_rules_asks_nothing() {
    let documents = |file: &str| {
        let scenario = load(&root().join(file));
        let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
        assert!(outcome.passed, "{file}: {:#?}", outcome.expectations);
        let lines = register(&finsim::evidence::files(b"", &outcome, &material));
        let documents: Vec<(String, Vec<String>, Vec<String>)> = lines
            .iter()
            .filter(|l| l["category"] == "ivms101")
            .map(|l| {
                let list = |v: &serde_json::Value| {
                    v.as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_owned()).collect()
                };
                (l["to"].as_str().unwrap().to_owned(), list(&l["fields"]), list(&l["unread"]))
            })
            .collect();
        let asked = |org: &str| {
            outcome.trace.iter().any(|r| {
                matches!(&r.event, Event::Send { hop, .. }
                if hop.from.to_string() == org && hop.to.to_string() == "org_1" && hop.kind.word() == "get")
            })
        };
        (documents, asked("org_2"), asked("org_3"))
    };
    let all = ["name", "countryOfResidence", "customerIdentification", "dateAndPlaceOfBirth", "accountNumber"];
    let words = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let (seed, org_2_asked, org_3_asked) = documents("scenarios/compliance/disclosure-seed.yaml");
    assert!(org_2_asked && org_3_asked, "the reference flow: both orgs ask");
    assert_eq!(
        seed,
        [
            ("org_2".to_owned(), words(&all), words(&["name", "dateAndPlaceOfBirth", "accountNumber"])),
            ("org_3".to_owned(), words(&all), words(&all)),
        ],
        "every field to both; the register marks what no rule read"
    );
    let (minimal, org_2_asked, org_3_asked) = documents("scenarios/compliance/disclosure-minimal.yaml");
    assert!(org_2_asked && !org_3_asked, "an org without rules asks for no personal data");
    assert_eq!(
        minimal,
        [("org_2".to_owned(), words(&["name", "countryOfResidence", "customerIdentification"]), words(&["name"]))],
        "the country its rule reads, and what a valid document needs"
    );
}

#[test]
fn a_travel_rule_requiring_a_date_and_a_place_of_birth_asks_for_their_one_element_once() {
    let text =
        std::fs::read_to_string(root().join("scenarios/compliance/denied-countries-and-travel-rule.yaml")).unwrap();
    let text = text.replace("required: [name, country, date_of_birth]", "required: [date_of_birth, place_of_birth]");
    let scenario = finsim::scenario::parse("x.yaml", &text).unwrap();
    let outcome = finsim::run(&scenario, scenario.seed);
    let limits: std::collections::BTreeSet<String> = outcome
        .trace
        .iter()
        .filter_map(|record| match &record.event {
            Event::Note(Note::Compliance { check, .. }) if check.rule.word() == "travel_rule" => {
                Some(check.limit.to_string())
            }
            _ => None,
        })
        .collect();
    assert_eq!(limits, ["each of [dateAndPlaceOfBirth] for a quantity of 500 or more".to_owned()].into());
}
