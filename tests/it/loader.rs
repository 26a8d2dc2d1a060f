//! The loader: bad input is an error with a line and column, never a panic.

use finsim::scenario::{self, LoadError};
use proptest::prelude::*;

fn problems(text: &str) -> Vec<(u64, u64, String)> {
    match scenario::parse("t.yaml", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.problems().iter().map(|p| (p.line, p.column, p.message.clone())).collect(),
    }
}

const MINIMAL: &str = "name: m\nclusters:\n  - id: c\n    orgs: [o1, o2]\nflow: []\n";

#[test]
fn the_minimal_file_is_valid_with_the_defaults() {
    let s = scenario::parse("m.yaml", MINIMAL).unwrap();
    assert_eq!(s.seed, 0);
    assert_eq!(s.block_ms, 100);
    assert_eq!(s.network.latency, scenario::Latency::Constant { us: 10_000 });
    assert_eq!(s.protocol.retries, 3);
}

#[test]
fn an_unknown_key_is_an_error_at_its_place() {
    let p = problems("name: m\nclusters: []\nflow: []\ncolour: red\n");
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].0, p[0].1), (4, 1));
    assert!(p[0].2.contains("colour"), "{p:?}");
}

#[test]
fn an_unknown_org_in_a_step_names_line_and_column() {
    let text = format!(
        "{}  - get: {{ org: o9, resource: \"o1:101:a\", accept: application/json }}\n",
        MINIMAL.replace("flow: []\n", "flow:\n")
    );
    let p = problems(&text);
    assert_eq!(p, vec![(6, 17, "unknown org `o9`".to_owned())]);
}

#[test]
fn a_bad_probability_and_an_inverted_partition_are_rejected() {
    let text = format!("{MINIMAL}faults:\n  drop: 1.5\n  partitions:\n    - {{ from_ms: 100, until_ms: 50, groups: [[o1], [o2]] }}\n  crashes:\n    - {{ org: o7, at_ms: 1 }}\n  byzantine:\n    - {{ org: o1, behaviour: lying }}\n");
    let p = problems(&text);
    // Serde stops at the first type error (the unknown behaviour); fix it and the rest are reported together.
    assert!(p[0].2.contains("lying"), "{p:?}");
    let text = text.replace("lying", "silent");
    let p = problems(&text);
    let lines: Vec<u64> = p.iter().map(|x| x.0).collect();
    assert_eq!(lines, vec![7, 9, 11], "{p:?}");
}

#[test]
fn a_partition_group_naming_an_unknown_cluster_is_rejected_at_its_place() {
    let text =
        format!("{MINIMAL}faults:\n  partitions:\n    - {{ from_ms: 0, until_ms: 5, groups: [[cluster_Z], [o1]] }}\n");
    let p = problems(&text);
    assert_eq!(p, vec![(8, 44, "unknown org or cluster `cluster_Z`".to_owned())]);
}

#[test]
fn a_resource_whose_prefix_differs_from_its_org_is_rejected() {
    let text = format!("{MINIMAL}users:\n  - {{ id: \"o2:100:u\", org: o1 }}\n");
    let p = problems(&text);
    assert!(p[0].2.contains("must match"), "{p:?}");
    let text = format!("{MINIMAL}assets:\n  - {{ id: \"o1:101:a\", org: o1 }}\n  - {{ id: \"o1:101:a\", org: o1 }}\n");
    let p = problems(&text);
    assert_eq!(p, vec![(8, 11, "asset `o1:101:a` is declared twice".to_owned())]);
}

#[test]
fn an_unreadable_file_is_an_io_error() {
    let e = LoadError::Io { file: "x.yaml".into(), reason: "gone".into() };
    assert!(e.render().contains("x.yaml"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = scenario::parse("p.yaml", &text);
    }

    #[test]
    fn mutated_sample_files_never_panic_and_errors_have_places(cut in 0usize..3000, insert in "[ -~\\n]{0,12}") {
        let sample = scenario::SAMPLE_FLOW;
        let cut = cut.min(sample.len());
        let cut = (0..=cut).rev().find(|i| sample.is_char_boundary(*i)).unwrap_or(0);
        let text = format!("{}{}{}", &sample[..cut], insert, &sample[cut..]);
        if let Err(e) = scenario::parse("p.yaml", &text) {
            for p in e.problems() {
                prop_assert!(p.line >= 1, "no line for {:?}", p);
            }
            prop_assert!(!e.render().is_empty());
        }
    }

    #[test]
    fn generated_fault_blocks_are_validated_without_panic(
        drop in -1.0f64..2.0,
        from in 0u64..u64::MAX,
        until in 0u64..u64::MAX,
        org in "(o1|o2|o3|c|x)",
        behaviour in "(wrong_balance|wrong_hash|forge_signature|silent|replay|other)",
    ) {
        let text = format!("{MINIMAL}faults:\n  drop: {drop}\n  partitions:\n    - {{ from_ms: {from}, until_ms: {until}, groups: [[{org}]] }}\n  crashes:\n    - {{ org: {org}, at_ms: {from}, restart_ms: {until} }}\n  byzantine:\n    - {{ org: {org}, behaviour: {behaviour} }}\n");
        match scenario::parse("f.yaml", &text) {
            Ok(s) => {
                prop_assert!((0.0..=1.0).contains(&s.faults.drop_probability));
                prop_assert!(s.faults.partitions.iter().all(|p| p.until_us >= p.from_us));
            }
            Err(e) => prop_assert!(e.problems().iter().all(|p| p.line >= 1)),
        }
    }
}

#[test]
fn an_org_and_a_cluster_may_not_share_a_name_in_either_order() {
    let p = problems("name: m\nclusters:\n  - { id: a, orgs: [x] }\n  - { id: x, orgs: [y] }\nflow: []\n");
    assert_eq!((p[0].0, p[0].1), (4, 11), "{p:?}");
    let p = problems("name: m\nclusters:\n  - { id: a, orgs: [x] }\n  - { id: b, orgs: [a] }\nflow: []\n");
    assert_eq!(p[0].0, 4, "{p:?}");
}
