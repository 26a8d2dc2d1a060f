//! What users read, pinned: the rendering of errors in a file, and the readable
//! account of the sample flow. Review a change with `cargo insta review` (or set
//! `INSTA_UPDATE=always` and read the diff in git).

use finsim::scenario;

#[test]
fn errors_in_a_file_are_rendered_with_place_snippet_and_help() {
    let text = scenario::SAMPLE_FLOW
        .replace("org: org_2, asset:", "org: org_9, asset:")
        .replace("quantity: 100,", "quantity: 0,")
        .replace("country: GB", "country: Britain");
    let error = scenario::parse("scenarios/broken.yaml", &text).unwrap_err();
    insta::assert_snapshot!(error.render());
}

#[test]
fn a_syntax_error_is_rendered_with_its_place() {
    let text = scenario::SAMPLE_FLOW.replace("seed: 42", "seed: [42");
    let error = scenario::parse("scenarios/broken.yaml", &text).unwrap_err();
    insta::assert_snapshot!(error.render());
}

#[test]
fn the_sample_flow_reads_step_by_step() {
    let sample = scenario::parse(scenario::SAMPLE_FLOW_PATH, scenario::SAMPLE_FLOW).unwrap();
    let outcome = finsim::run(&sample, sample.seed);
    let mut lines = finsim::report::account(&outcome.trace);
    lines.extend(finsim::report::summary(&outcome, scenario::SAMPLE_FLOW_PATH));
    insta::assert_snapshot!(lines.join("\n"));
}
