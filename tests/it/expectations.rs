//! The expectation checker, one case per line: a bundled scenario run with other `expect`
//! entries, and which of them pass. Each case is a wrong expectation that must fail (or a
//! right one that must pass), so a checker that passes too much is caught.

use super::root;

/// Runs a bundled scenario with its `expect` block replaced by `expect` (YAML list entries),
/// and returns each expectation's verdict and detail, in order.
fn check(file: &str, expect: &[&str]) -> Vec<(bool, String)> {
    let path = root().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut kept = Vec::new();
    let mut in_expect = false;
    for line in text.lines() {
        let top_level = !line.is_empty() && !line.starts_with([' ', '-', '#']);
        if top_level {
            in_expect = line.starts_with("expect:");
        }
        if !in_expect {
            kept.push(line);
        }
    }
    let entries: Vec<String> = expect.iter().map(|e| format!("  - {e}")).collect();
    let text = format!("{}\nexpect:\n{}\n", kept.join("\n"), entries.join("\n"));
    let scenario = finsim::scenario::parse(file, &text).unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(scenario.expect.len(), expect.len());
    let outcome = finsim::run(&scenario, scenario.seed);
    outcome.expectations.into_iter().map(|c| (c.passed, c.detail)).collect()
}

fn verdicts(file: &str, expect: &[&str]) -> Vec<bool> {
    check(file, expect).into_iter().map(|(passed, _)| passed).collect()
}

const REGULATION: &str = "scenarios/regulation-rejection.yaml";
const LIAR: &str = "scenarios/faults/lying-balance-node.yaml";

#[test]
fn a_transfer_status_must_match_in_both_directions_and_with_its_reason() {
    let expect = [
        "transfer: { request_id: 1, status: rejected, reason: regulation }",
        "transfer: { request_id: 1, status: rejected }",
        "transfer: { request_id: 1, status: settled }",
        "transfer: { request_id: 1, status: rejected, reason: balance }",
        "transfer: { request_id: 3, status: settled }",
        "transfer: { request_id: 3, status: rejected }",
        "transfer: { request_id: 3, status: rejected, reason: regulation }",
    ];
    assert_eq!(verdicts(REGULATION, &expect), [true, true, false, false, true, false, false]);
}

#[test]
fn a_rejected_transfers_detail_names_its_reason_in_the_scenarios_words() {
    let results = check(REGULATION, &["transfer: { request_id: 1, status: rejected }"]);
    let (_, detail) = &results[0];
    assert!(detail.starts_with("rejected (regulation): allowed_countries"), "{detail}");
}

#[test]
fn a_suspect_expectation_counts_only_the_org_named_and_only_honest_accusers() {
    let expect = ["suspect: { org: org_4 }", "suspect: { org: org_3 }", "suspect: { org: org_2 }"];
    assert_eq!(verdicts(LIAR, &expect), [true, false, false]);
}

#[test]
fn a_balance_must_equal_the_ledger_and_the_answer_accepted() {
    let expect = [
        "balance: { account: \"org_1:100:user_1\", asset: \"org_2:101:asset_1\", equals: 100 }",
        "balance: { account: \"org_1:100:user_1\", asset: \"org_2:101:asset_1\", equals: 207 }",
        "balance: { account: \"org_2:100:treasury\", asset: \"org_2:101:asset_1\", equals: 900 }",
        "balance: { account: \"org_2:100:treasury\", asset: \"org_2:101:asset_1\", equals: 1000 }",
    ];
    assert_eq!(verdicts(LIAR, &expect), [true, false, true, false]);
}

#[test]
fn a_personal_data_expectation_must_name_exactly_the_orgs_that_saw_the_data() {
    // In the regulation scenario, org_2 fetches both buyers' data; nobody else sees it.
    let expect = [
        r#"personal_data: { user: "org_1:100:user_1", seen_by: [org_2] }"#,
        r#"personal_data: { user: "org_1:100:user_1", seen_by: [] }"#,
        r#"personal_data: { user: "org_1:100:user_1", seen_by: [org_2, org_3] }"#,
        r#"personal_data: { user: "org_1:100:user_2", seen_by: [org_2] }"#,
        r#"personal_data: { user: "org_2:100:treasury", seen_by: [] }"#,
        r#"personal_data: { user: "org_2:100:treasury", seen_by: [org_2] }"#,
    ];
    assert_eq!(verdicts(REGULATION, &expect), [true, false, false, true, true, false]);
}

#[test]
fn a_refused_request_for_personal_data_is_not_seeing_it() {
    // Three orgs ask for user data and are denied; only the asset's org, for a pending transfer, got it.
    let file = "scenarios/nosy-orgs-are-denied-personal-data.yaml";
    let expect = [
        r#"personal_data: { user: "org_1:100:user_1", seen_by: [org_2] }"#,
        r#"personal_data: { user: "org_1:100:user_2", seen_by: [] }"#,
    ];
    assert_eq!(verdicts(file, &expect), [true, true]);
}

#[test]
fn under_rules_first_a_transfer_over_the_limit_moves_no_personal_data() {
    let seen = r#"personal_data: { user: "org_1:100:user_1", seen_by: [org_2] }"#;
    let nobody = r#"personal_data: { user: "org_1:100:user_1", seen_by: [] }"#;
    assert_eq!(verdicts("scenarios/variants/over-limit-seed-order.yaml", &[seen, nobody]), [true, false]);
    assert_eq!(verdicts("scenarios/variants/over-limit-rules-first.yaml", &[seen, nobody]), [false, true]);
}
