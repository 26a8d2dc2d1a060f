//! A run that keeps no trace (`Simulator::stream`, what `finsim run` does) hands every
//! record to its tap as it happens: the same records, the same canonical lines, the same
//! digest and the same checks as a run that keeps its trace.

use super::cli::finsim;
use finsim::crypto::tally::Tally;

/// A generated flow with heavy faults: losses, duplicates, corruption, crashes and retries.
fn heavy() -> finsim::scenario::Scenario {
    let args = ["generate", "--orgs", "6", "--clusters", "2", "--users", "8", "--assets", "4", "--transfers", "30"];
    let (code, yaml, stderr) = finsim(&[&args[..], &["--faults", "heavy", "--seed", "5"]].concat());
    assert_eq!(code, 0, "{stderr}");
    finsim::scenario::parse("heavy.yaml", &yaml).unwrap_or_else(|e| panic!("{}", e.render()))
}

#[test]
fn a_streamed_run_taps_the_trace_a_kept_run_holds_and_keeps_none_of_it() {
    for scenario in [finsim::scenario::parse("sample.yaml", finsim::scenario::SAMPLE_FLOW).unwrap(), heavy()] {
        let kept = finsim::run(&scenario, scenario.seed);
        let mut lines = Vec::new();
        let mut records = Vec::new();
        let streamed = finsim::Simulator::new().stream(&scenario, scenario.seed, &mut |record, line| {
            records.push(record.clone());
            lines.extend_from_slice(line);
        });
        assert!(streamed.trace.is_empty(), "the streamed run keeps no trace");
        assert!(!kept.trace.is_empty());
        assert_eq!(records, kept.trace, "{}: the tap saw every record, in order", scenario.name);
        assert_eq!(String::from_utf8(lines).unwrap(), finsim::trace::to_jsonl(&kept.trace));
        assert_eq!(streamed.digest, kept.digest);
        assert_eq!(serde_json::to_value(&streamed).unwrap(), serde_json::to_value(&kept).unwrap());
        assert!(streamed.coverage.is_empty(), "finsim run counts no coverage (it keeps no digest per delivery)");
        assert!(!kept.coverage.is_empty());
    }
}

#[test]
fn the_account_written_as_the_run_goes_is_the_account_of_the_whole_trace() {
    let scenario = heavy();
    let kept = finsim::run(&scenario, scenario.seed);
    let mut account = finsim::report::Account::default();
    let mut lines = Vec::new();
    for record in &kept.trace {
        account.push(record, &mut lines);
    }
    assert_eq!(lines, finsim::report::account(&kept.trace));
    assert!(lines.iter().any(|l| l.contains("personal data about")), "disclosures are worded as they go");
}

#[test]
fn finsim_run_writes_the_trace_file_and_the_account_as_the_run_goes() {
    let trace = std::env::temp_dir().join(format!("finsim-streamed-{}.jsonl", std::process::id()));
    let (code, json, stderr) = finsim(&["run", "--json", "--trace", trace.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let outcome: serde_json::Value = serde_json::from_str(&json).unwrap();
    let written = std::fs::read(&trace).unwrap();
    let _ = std::fs::remove_file(&trace);
    let digest = const_hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&written));
    assert_eq!(outcome["digest"], digest.as_str(), "the file holds the canonical trace the digest hashes");
    let (code, readable, _) = finsim(&["run"]);
    assert_eq!(code, 0);
    let scenario = finsim::scenario::parse("sample.yaml", finsim::scenario::SAMPLE_FLOW).unwrap();
    let kept = finsim::run(&scenario, scenario.seed);
    for line in finsim::report::account(&kept.trace) {
        assert!(readable.contains(line.trim_end()), "the account holds {line:?}");
    }
    assert!(readable.lines().next().unwrap().starts_with("scenario "), "the header comes first");
}

#[test]
fn the_null_signer_changes_nothing_but_the_signatures_in_a_run_without_forgery() {
    let args = ["generate", "--orgs", "6", "--clusters", "2", "--users", "8", "--assets", "4", "--transfers", "30"];
    let (_, yaml, _) = finsim(&args);
    let generated = finsim::scenario::parse("generated.yaml", &yaml).unwrap();
    let sample = finsim::scenario::parse("sample.yaml", finsim::scenario::SAMPLE_FLOW).unwrap();
    for scenario in [sample, generated] {
        let run = |null_signer| {
            let settings = finsim::simulator::Settings { null_signer, ..Default::default() };
            let before = Tally::of_this_thread();
            let outcome = finsim::Simulator::new().settings(settings).run(&scenario, scenario.seed);
            (outcome, Tally::of_this_thread().since(before))
        };
        let ((signed, signed_work), (null, null_work)) = (run(false), run(true));
        assert_eq!(null.digest, signed.digest, "{}: the same trace", scenario.name);
        assert_eq!(null.messages, signed.messages);
        // Every check holds as in the signed run (the witness reads the null signer's envelopes
        // as its own), and no ed25519 work is left: users and orgs skip it too.
        assert!(null.failures().is_empty(), "{}: {:?}", scenario.name, null.failures());
        assert_eq!(null.invariants, signed.invariants, "{}", scenario.name);
        assert_eq!(null_work, Tally::default(), "{}: no signature made or checked", scenario.name);
        assert!(signed_work.signatures > 0 && signed_work.verifications > 0, "{}: {signed_work:?}", scenario.name);
    }
}
