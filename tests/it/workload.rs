//! The `workload` step: many transfers in one flow entry. It loads as exactly the `transfer`
//! steps it stands for (the same trace, byte for byte), validates with line and column like
//! every other step, and is in the JSON Schema.

use super::cli::finsim;

/// A generated network (users `org_N:100:user_N`, assets `org_N:101:asset_N`, each asset's
/// treasury `org_N:100:treasury`), without its flow and expectations.
fn network() -> String {
    let args = ["generate", "--orgs", "4", "--clusters", "2", "--users", "4", "--assets", "4", "--transfers", "1"];
    let (code, yaml, stderr) = finsim(&args);
    assert_eq!(code, 0, "{stderr}");
    let head = &yaml[..yaml.find("\nflow:").expect("a flow")];
    // Every asset shared with every org, so that any buyer may buy any asset.
    head.lines()
        .map(|l| {
            if l.trim_start().starts_with("shared_with:") {
                "    shared_with: [org_1, org_2, org_3, org_4]"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const WORKLOAD: &str = "
flow:
  - workload:
      transfers: 6
      first_request_id: 100
      buyers: [\"org_1:100:user_1\", \"org_2:100:user_2\"]
      assets:
        - { asset: \"org_3:101:asset_3\", from: \"org_3:100:treasury\" }
        - { asset: \"org_4:101:asset_4\", from: \"org_4:100:treasury\" }
        - { asset: \"org_1:101:asset_1\", from: \"org_1:100:treasury\" }
      quantity: 3
      every_ms: 5
      start_ms: 10
";

/// The same six transfers written out: transfer k buys asset k mod 3 for buyer k mod 2.
fn written_out() -> String {
    let buyers = ["org_1:100:user_1", "org_2:100:user_2"];
    let assets = [(3, "org_3"), (4, "org_4"), (1, "org_1")];
    let mut flow = String::from("\nflow:\n");
    for k in 0..6 {
        let (n, org) = assets[k % 3];
        flow.push_str(&format!(
            "  - transfer: {{ request_id: {}, user: \"{}\", asset: \"{org}:101:asset_{n}\", quantity: 3, from: \"{org}:100:treasury\", at_ms: {} }}\n",
            100 + k,
            buyers[k % 2],
            10 + 5 * k
        ));
    }
    flow
}

#[test]
fn a_workload_is_the_transfers_it_stands_for_byte_for_byte() {
    let compact =
        finsim::scenario::parse("compact.yaml", &(network() + WORKLOAD)).unwrap_or_else(|e| panic!("{}", e.render()));
    let long = finsim::scenario::parse("long.yaml", &(network() + &written_out()))
        .unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(compact.flow.len(), 6);
    assert_eq!(format!("{:?}", compact.flow), format!("{:?}", long.flow));
    let (a, b) = (finsim::run(&compact, 7), finsim::run(&long, 7));
    assert_eq!(a.digest, b.digest, "the same trace");
    assert!(a.passed, "{:?}", a.failures());
    let settled: std::collections::BTreeSet<u64> = a
        .trace
        .iter()
        .filter_map(|r| match &r.event {
            finsim::trace::Event::Note(finsim::trace::note::Note::TransferFinal {
                request_id, settled: true, ..
            }) => Some(*request_id),
            _ => None,
        })
        .collect();
    assert_eq!(settled, (100..106).collect(), "each transfer of the workload ran and settled");
}

#[test]
fn a_wrong_workload_is_refused_at_its_line_and_column_in_plain_words() {
    let cases = [
        ("transfers: 6", "transfers: 0", "a workload of 0 transfers"),
        ("transfers: 6", "transfers: 5000000", "expected 1 to 1000000 transfers"),
        ("\"org_2:100:user_2\"]", "\"org_2:100:nobody\"]", "org_2:100:nobody"),
        ("quantity: 3", "quantity: 0", "at least 1"),
        ("every_ms: 5", "every_ms: 99999999999", "beyond the virtual time"),
        ("first_request_id: 100", "first_request_id: 18446744073709551614", "2^64 - 1"),
        ("      start_ms: 10\n", "      start_ms: 10\n      rate: 3\n", "unknown key `rate`"),
    ];
    for (from, to, words) in cases {
        let text = network() + &WORKLOAD.replace(from, to);
        assert_ne!(text, network() + WORKLOAD, "{from} is in the workload");
        let error = finsim::scenario::parse("bad.yaml", &text).expect_err(words).render();
        assert!(error.contains(words), "{to}: {error}");
        assert!(error.contains("bad.yaml:"), "{to}: the file, line and column: {error}");
    }
    // Request ids another transfer uses.
    let clash = network()
        + &WORKLOAD.replace("flow:\n", "flow:\n  - transfer: { request_id: 103, user: \"org_1:100:user_1\", asset: \"org_3:101:asset_3\", quantity: 1, from: \"org_3:100:treasury\" }\n");
    let error = finsim::scenario::parse("clash.yaml", &clash).expect_err("a clash").render();
    assert!(error.contains("include 103, used by another transfer"), "{error}");
}

#[test]
fn the_schema_knows_the_workload_step() {
    let schema = finsim::scenario::json_schema();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let value: serde_json::Value = serde_saphyr::from_str(&(network() + WORKLOAD)).unwrap();
    assert!(validator.is_valid(&value));
    let wrong: serde_json::Value =
        serde_saphyr::from_str(&(network() + &WORKLOAD.replace("every_ms", "each_ms"))).unwrap();
    assert!(!validator.is_valid(&wrong), "an unknown key does not validate");
}
