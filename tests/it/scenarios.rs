//! Every bundled scenario passes, and its transmission counts balance.

use super::{bundled, load};

#[test]
fn every_bundled_scenario_passes() {
    for path in bundled() {
        let scenario = load(&path);
        let outcome = finsim::run(&scenario, scenario.seed);
        assert!(outcome.passed, "{}: {:#?}", path.display(), outcome.failures());
        assert_eq!(
            outcome.expectations.len(),
            scenario.expect.len(),
            "{}: every expectation is reported",
            path.display()
        );
    }
}

#[test]
fn sent_plus_duplicated_equals_delivered_plus_dropped() {
    for path in bundled() {
        let scenario = load(&path);
        let s = finsim::run(&scenario, scenario.seed).stats;
        assert_eq!(s.sent + s.duplicated, s.delivered + s.dropped, "{}: {s:?}", path.display());
        assert!(s.sent > 0, "{}: nothing crossed the network", path.display());
    }
}

#[test]
fn a_wrong_expectation_fails_and_is_named() {
    let text = finsim::scenario::SAMPLE_FLOW.replace("equals: 900", "equals: 901");
    let scenario = finsim::scenario::parse("wrong.yaml", &text).unwrap();
    let outcome = finsim::run(&scenario, scenario.seed);
    assert!(!outcome.passed);
    let failed: Vec<&str> = outcome.failures().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["balance org_2:100:treasury org_2:101:asset_1 = 901"]);
    assert!(outcome.failures()[0].detail.contains("holds 900"));
}

#[test]
fn an_account_that_never_held_the_asset_is_answered_zero() {
    let path = super::root().join("scenarios/insufficient-balance.yaml");
    let scenario = load(&path);
    let outcome = finsim::run(&scenario, scenario.seed);
    let check = outcome.expectations.iter().find(|c| c.name.starts_with("balance org_1:100:user_2")).unwrap();
    assert!(check.passed && check.detail.contains("was told 0"), "{check:?}");
}

#[test]
fn a_balance_the_org_was_denied_is_judged_on_the_ledger_and_says_so() {
    // org_3 manages neither the account nor the asset: the nodes answer `denied`.
    let text = finsim::scenario::SAMPLE_FLOW
        .replace("balance:      { org: org_1, cluster: cluster_B", "balance:      { org: org_3, cluster: cluster_B");
    let scenario = finsim::scenario::parse("denied.yaml", &text).unwrap();
    let outcome = finsim::run(&scenario, scenario.seed);
    let check = outcome.expectations.iter().find(|c| c.name.starts_with("balance org_1:100:user_1")).unwrap();
    assert!(check.passed, "{check:?}");
    assert!(check.detail.contains("org_3 accepted no answer") && check.detail.contains("denied"), "{check:?}");
}

#[test]
fn the_readme_example_is_the_sample_flow() {
    let readme = std::fs::read_to_string(super::root().join("README.md")).unwrap();
    let start = readme.find("```yaml\n").expect("the README shows a scenario") + "```yaml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let scenario =
        finsim::scenario::parse("README.md", &readme[start..end]).unwrap_or_else(|e| panic!("{}", e.render()));
    let bundled = load(&super::root().join("scenarios/advertise-then-transfer.yaml"));
    let outcome = finsim::run(&scenario, scenario.seed);
    assert!(outcome.passed);
    assert_eq!(outcome.digest, finsim::run(&bundled, bundled.seed).digest, "same network, same flow, same trace");
}

#[test]
fn a_mismatched_accept_and_an_asset_off_the_cluster_are_answered_not_found() {
    let text = finsim::scenario::SAMPLE_FLOW
        .replace("accept: application/json }", "accept: application/ivms-101 }")
        .replace("balance:      { org: org_1, cluster: cluster_B", "balance:      { org: org_1, cluster: cluster_A");
    let scenario = finsim::scenario::parse("mismatch.yaml", &text).unwrap();
    let outcome = finsim::run(&scenario, scenario.seed);
    let get = outcome.expectations.iter().find(|c| c.name.starts_with("get org_1")).unwrap();
    assert!(!get.passed && get.detail == "org_1 received not_found", "{get:?}");
    let balance = outcome.trace.iter().find_map(|r| match &r.event {
        finsim::trace::Event::Note(finsim::trace::note::Note::BalanceResult { answer, finding, .. }) => {
            Some((*answer, finding.clone()))
        }
        _ => None,
    });
    let (answer, finding) = balance.unwrap();
    let not_found = finsim::trace::note::Finding::Answered(finsim::protocol::status::Status::NotFound);
    assert!(answer.is_none() && finding == Some(not_found), "{finding:?}");
}
