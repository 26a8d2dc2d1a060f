//! `finsim schema`: the JSON Schema of the scenario format, checked with an independent
//! validator (the `jsonschema` crate): every bundled and every generated scenario validates, a
//! set of wrong ones does not, and the copy in `docs/scenario.schema.json` that the bundled files
//! name for editors is the one finsim prints.

use super::{bundled, relative, root};
use proptest::prelude::*;

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&finsim::scenario::json_schema()).expect("a valid draft 2020-12 schema")
}

/// A scenario file's YAML as the JSON value a schema validator reads.
fn as_json(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("YAML")
}

#[test]
fn every_bundled_scenario_validates_against_the_schema() {
    let validator = validator();
    for path in bundled() {
        let value = as_json(&std::fs::read_to_string(&path).unwrap());
        let errors: Vec<String> =
            validator.iter_errors(&value).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", relative(&path));
    }
}

#[test]
fn wrong_keys_and_wrong_types_do_not_validate_and_finsim_refuses_them_too() {
    let validator = validator();
    let sample = finsim::scenario::SAMPLE_FLOW;
    let wrong = [
        ("an unknown top-level key", sample.replace("seed: 42\n", "seed: 42\nsede: 1\n")),
        ("an unknown key in a step", sample.replace("quantity: 100,", "quantity: 100, qty: 1,")),
        ("a seed that is a string", sample.replace("seed: 42", "seed: \"forty-two\"")),
        ("a negative quantity", sample.replace("quantity: 100,", "quantity: -100,")),
        ("a fractional quantity", sample.replace("quantity: 100,", "quantity: 1.5,")),
        ("an unknown step kind", sample.replace("- verify_proof:", "- verify_proofs:")),
        (
            "a step with two kinds",
            sample.replace(
                "- verify_proof: { org: org_1,",
                "- verify_proof: { org: org_1, x: 1 }\n    get: { org: org_1,",
            ),
        ),
        ("a latency that is a string", sample.replace("{ min_ms: 5, max_ms: 25 }", "{ min_ms: five, max_ms: 25 }")),
        ("clusters as a number", sample.replace("clusters:\n", "clusters: 5\nx_clusters:\n")),
        ("an unknown quorum word", sample.replace("seed: 42\n", "seed: 42\nprotocol: { quorum: most }\n")),
        ("a missing flow", sample[..sample.find("flow:").unwrap()].to_owned()),
    ];
    for (what, text) in wrong {
        assert_ne!(text, sample, "{what}: the edit applies");
        assert!(!validator.is_valid(&as_json(&text)), "{what} validates");
        assert!(finsim::scenario::parse("wrong.yaml", &text).is_err(), "{what}: finsim refuses it too");
    }
}

#[test]
fn the_schema_in_docs_is_the_one_finsim_prints_and_every_bundled_file_names_it() {
    let printed = format!("{}\n", serde_json::to_string_pretty(&finsim::scenario::json_schema()).unwrap());
    let committed = std::fs::read_to_string(root().join("docs/scenario.schema.json")).unwrap_or_default();
    assert!(
        committed == printed,
        "docs/scenario.schema.json is stale: run `cargo run -q -- schema > docs/scenario.schema.json`"
    );
    for path in bundled() {
        let text = std::fs::read_to_string(&path).unwrap();
        let depth = relative(&path).matches('/').count();
        let expected = format!("# yaml-language-server: $schema={}docs/scenario.schema.json", "../".repeat(depth));
        assert_eq!(text.lines().next(), Some(expected.as_str()), "{}", relative(&path));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_generated_scenario_validates_against_the_schema(shape in super::generated::shape()) {
        if let Some(text) = super::generated::scenario_text(&shape) {
            let value = as_json(&text);
            let errors: Vec<String> = validator().iter_errors(&value).map(|e| e.to_string()).collect();
            prop_assert!(errors.is_empty(), "{text}\n{errors:#?}");
        }
    }
}
