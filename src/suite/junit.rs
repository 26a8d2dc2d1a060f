//! JUnit XML of a suite's results (with `quick-junit`, as cargo-nextest writes it): a
//! `testsuite` per file (its path as `name`), a `testcase` per case (`name="seed N"`, `classname`
//! the scenario's name), a failing case holding one `failure` whose message names the failed
//! checks and whose text gives each with what was seen and the reproduce line. A file that could
//! not be loaded is a `testsuite` with one `testcase` in `error`. No time or timestamp is written:
//! the XML of a run depends on its cases alone.

use super::Results;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;

/// The JUnit XML of `results`.
pub fn xml(results: &Results) -> String {
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for case in &results.cases {
        let status = if case.passed {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(format!("failed: {}", case.failed.join(", ")));
            status.set_type("check failed");
            let mut text = case.details.join("\n");
            if text.is_empty() {
                text = case.failed.join("\n");
            }
            status.set_description(format!("{text}\nreproduce: {}", case.reproduce()));
            status
        };
        let mut test = TestCase::new(format!("seed {}", case.seed), status);
        test.set_classname(case.scenario.clone());
        suites.entry(&case.file).or_insert_with(|| TestSuite::new(case.file.clone())).add_test_case(test);
    }
    for invalid in &results.invalid {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message("not a valid scenario").set_type("invalid scenario").set_description(invalid.error.clone());
        let mut test = TestCase::new("valid scenario", status);
        test.set_classname(invalid.file.clone());
        suites.entry(&invalid.file).or_insert_with(|| TestSuite::new(invalid.file.clone())).add_test_case(test);
    }
    let mut report = Report::new("finsim test");
    report.add_test_suites(suites.into_values());
    report.to_string().unwrap_or_default()
}
