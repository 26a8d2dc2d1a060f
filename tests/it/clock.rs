//! One clock: a scenario's `start` is the real-world moment of virtual time 0 for proofs, the
//! FinP2P nonce, `--json`, the evidence pack and the report.

use super::root;
use std::collections::BTreeMap;

/// The sample flow with `start` given (or not), and its pack.
fn sample_at(start: Option<&str>) -> (finsim::Outcome, BTreeMap<String, Vec<u8>>) {
    let text = std::fs::read_to_string(root().join("scenarios/advertise-then-transfer.yaml")).unwrap();
    let text = match start {
        Some(start) => text.replacen("seed: 42\n", &format!("seed: 42\nstart: \"{start}\"\n"), 1),
        None => text,
    };
    let scenario = finsim::scenario::parse("sample.yaml", &text).unwrap();
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
    let files = finsim::evidence::files(text.as_bytes(), &outcome, &material);
    (outcome, files)
}

fn json(files: &BTreeMap<String, Vec<u8>>, name: &str) -> serde_json::Value {
    serde_json::from_slice(&files[name]).unwrap()
}

fn first_line(files: &BTreeMap<String, Vec<u8>>, name: &str) -> serde_json::Value {
    let text = std::str::from_utf8(&files[name]).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

#[test]
fn every_moment_counts_from_the_start_and_the_default_is_2026() {
    let (default, default_files) = sample_at(None);
    let (given, files) = sample_at(Some("2030-06-15T09:30:00Z"));
    assert_eq!(default.start, "2026-01-01T00:00:00Z");
    assert_eq!((given.start.as_str(), given.passed), ("2030-06-15T09:30:00Z", true));
    assert!(given.end.starts_with("2030-06-15T09:30:0") && given.end.ends_with('Z'), "{}", given.end);
    // The proof says when the ledger received the transaction, on the scenario's clock.
    let proof = json(&files, "proofs/10101.json");
    let received = proof["hash_received"].as_str().unwrap();
    assert!(received.starts_with("2030-06-15T09:30:0"), "{received}");
    assert!(json(&default_files, "proofs/10101.json")["hash_received"].as_str().unwrap().starts_with("2026-01-01T"));
    // The nonce's time bytes: whole seconds since the Unix epoch of the moment the buyer's org
    // made the template (the transfer starts in the flow's first second).
    let transfer = first_line(&files, "transfers.jsonl");
    let nonce = const_hex::decode(transfer["fields"][0].as_str().unwrap()).unwrap();
    let seconds = u64::from_be_bytes(nonce[24..].try_into().unwrap());
    let start_seconds = 1_907_746_200; // 2030-06-15T09:30:00Z
    assert!((start_seconds..start_seconds + 2).contains(&seconds), "{seconds}");
    // The pack writes each moment in UTC beside the virtual microseconds.
    let message = first_line(&files, "messages.jsonl");
    let personal = first_line(&files, "personal_data.jsonl");
    for line in [&message, &personal] {
        let at = line["at"].as_str().unwrap();
        let t_us = line["t_us"].as_u64().unwrap();
        let expected = format!("2030-06-15T09:30:{:02}.{:06}Z", t_us / 1_000_000, t_us % 1_000_000);
        assert_eq!(at, expected, "{line}");
    }
    let outcome = json(&files, "outcome.json");
    assert_eq!(outcome["start"], "2030-06-15T09:30:00Z");
    // Another start is another run: the nonces, the transactions and so the digest differ.
    assert_ne!(given.digest, default.digest);
}

#[test]
fn the_report_shows_moments_in_utc_and_the_hash_of_the_keys_it_trusts() {
    let text = std::fs::read_to_string(root().join("scenarios/advertise-then-transfer.yaml")).unwrap();
    let text = text.replacen("seed: 42\n", "seed: 42\nstart: \"2030-06-15T09:30:00Z\"\n", 1);
    let scenario = finsim::scenario::parse("sample.yaml", &text).unwrap();
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
    let page = finsim::report::html::page(&scenario, &outcome, &material, "sample.yaml");
    assert!(page.contains("from 2030-06-15T09:30:00Z to 2030-06-15T09:30:0"), "the run's span");
    assert!(page.contains("<th>when (UTC)</th>"), "the timeline's and the who-saw-what table's column");
    let files = finsim::evidence::files(text.as_bytes(), &outcome, &material);
    use sha2::Digest;
    let keys = const_hex::encode(sha2::Sha256::digest(&files["keys.json"]));
    assert!(page.contains(&keys), "the report prints the SHA-256 of the pack's keys.json");
}

#[test]
fn a_start_that_is_not_rfc_3339_in_utc_is_refused_at_its_place() {
    for start in ["2026-13-01T00:00:00Z", "2026-01-01T01:00:00+01:00", "tomorrow"] {
        let text = format!("name: x\nstart: \"{start}\"\nclusters: [{{id: c, orgs: [o]}}]\nflow: []\n");
        let error = finsim::scenario::parse("x.yaml", &text).unwrap_err();
        let rendered = error.to_string();
        assert!(rendered.contains("x.yaml:2:8"), "{rendered}");
        assert!(rendered.contains("`start` is not an RFC 3339 moment in UTC"), "{rendered}");
    }
}
