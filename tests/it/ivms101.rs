//! Every IVMS-101 document finsim sends, checked by an independent IVMS101.2023 validator: the
//! `ivms101` npm package (every constraint, C1 to C12), run by Node.js from `tests/ivms101/`.
//! `.ci/run` installs it (`npm ci` there); on a machine without it the test says so and passes,
//! except under CI, where a missing validator is a failure.

use super::{bundled, load, root};
use finsim::protocol::message::{Body, APPLICATION_IVMS101};
use std::io::Write;
use std::process::{Command, Stdio};

/// The IVMS-101 payloads sent in the bundled scenarios' runs.
fn payloads_sent() -> Vec<String> {
    let mut payloads = Vec::new();
    for path in bundled() {
        let scenario = load(&path);
        // Every envelope handed to the network, as an evidence pack keeps them.
        let (_, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
        for sent in &material.sent {
            let Some(message) = sent.envelope.read() else { continue };
            if let Body::GetResponse(response) = message.body {
                if &*response.content_type == APPLICATION_IVMS101 {
                    payloads.extend(response.payload.as_deref().map(str::to_owned));
                }
            }
        }
    }
    payloads.sort();
    payloads.dedup();
    payloads
}

/// Runs the validator on documents, one per line: its exit code and what it printed.
fn validate(documents: &[String]) -> Option<(i32, String)> {
    let dir = root().join("tests/ivms101");
    if !dir.join("node_modules/ivms101").is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the IVMS-101 validator is not installed: run `npm ci` in {}",
            dir.display()
        );
        eprintln!("skipped: the IVMS-101 validator is not installed (npm ci in tests/ivms101)");
        return None;
    }
    let mut child = Command::new("node")
        .arg("validate.mjs")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    child.stdin.take().unwrap().write_all(documents.join("\n").as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    Some((output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned()))
}

#[test]
fn every_ivms101_payload_sent_passes_an_independent_ivms101_2023_validator() {
    let documents = payloads_sent();
    assert!(documents.len() >= 5, "the bundled scenarios send IVMS-101 data: {}", documents.len());
    // A person with complete birth data too (no bundled user has it).
    let person = finsim::protocol::ivms101::PersonData {
        name: "Bob Q. Example".into(),
        country: "DE".into(),
        date_of_birth: Some("1980-01-02".into()),
        place_of_birth: Some("Berlin".into()),
    };
    let leis = [finsim::protocol::ivms101::lei("org_1"), finsim::protocol::ivms101::lei("org_2")];
    let parties = finsim::protocol::ivms101::Parties {
        receiver_id: "org_1:100:bob",
        receiver_org: "org_1",
        receiver_lei: &leis[0],
        sender_account: "org_2:100:treasury",
        sender_org: "org_2",
        sender_lei: &leis[1],
    };
    let mut all = documents;
    all.push(finsim::protocol::ivms101::document(&person, &parties));
    let Some((code, printed)) = validate(&all) else { return };
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains(&format!("{} valid, 0 invalid", all.len())), "{printed}");
}

#[test]
fn the_validator_refuses_what_the_2023_standard_refuses() {
    // The checker fails when it should: a legal person with only a name (constraint C4), and the
    // 2020 spelling `customerNumber` that the 2023 standard no longer knows.
    let good = payloads_sent().into_iter().next().expect("a payload");
    let mut without_id: serde_json::Value = serde_json::from_str(&good).unwrap();
    let originator = &mut without_id["originator"]["originatorPerson"][0]["legalPerson"];
    let account = originator.as_object_mut().unwrap().remove("customerIdentification").unwrap();
    let mut old_name = without_id.clone();
    old_name["originator"]["originatorPerson"][0]["legalPerson"]["customerNumber"] = account;
    let Some((code, printed)) = validate(&[without_id.to_string(), old_name.to_string()]) else { return };
    assert_eq!(code, 1, "{printed}");
    assert!(printed.contains("C4") && printed.contains("0 valid, 2 invalid"), "{printed}");
}
