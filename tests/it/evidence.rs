//! Evidence packs checked as a reviewer would, with other implementations and no finsim code:
//! the verifier in `docs/examples/verify_pack.py` (Python: hashlib's SHA-256, PyNaCl's ed25519)
//! and a Chainpoint v4 parser (the `chainpoint-parse` npm package, `tests/evidence/`). `.ci/run`
//! installs both; on a machine without them the checks say so and pass, except under CI.

use super::{bundled, load, relative, root};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pack(file: &str) -> (finsim::Outcome, BTreeMap<String, Vec<u8>>) {
    pack_at(file, None)
}

/// The pack of a bundled scenario's run at `seed` (its own seed when `None`).
fn pack_at(file: &str, seed: Option<u64>) -> (finsim::Outcome, BTreeMap<String, Vec<u8>>) {
    let path = root().join(file);
    let scenario = load(&path);
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, seed.unwrap_or(scenario.seed));
    let bytes = std::fs::read(&path).unwrap();
    let files = finsim::evidence::files(&bytes, &outcome, &material);
    (outcome, files)
}

/// Whether a tool the independent checks need is here; under CI its absence is a failure.
fn available(what: &str, present: bool) -> bool {
    if !present {
        assert!(std::env::var_os("CI").is_none(), "{what} is needed to check evidence packs (.ci/run installs it)");
        eprintln!("skipped: {what} is not installed");
    }
    present
}

/// A pack written to a fresh directory, removed when dropped.
struct Written(PathBuf);

impl Written {
    fn new(name: &str, files: &BTreeMap<String, Vec<u8>>) -> Self {
        let dir = std::env::temp_dir().join(format!("finsim-evidence-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, bytes) in files {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, bytes).unwrap();
        }
        Written(dir)
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a checker on a written pack: its exit code and the JSON it printed.
fn run_checker(command: &mut Command, dir: &Path) -> (i32, serde_json::Value) {
    let output = command.arg(dir).output().unwrap();
    let summary = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{output:?}"));
    (output.status.code().unwrap_or(-1), summary)
}

/// The Python verifier of `docs/examples/` on a pack: its exit code and JSON summary.
fn check(name: &str, files: &BTreeMap<String, Vec<u8>>) -> Option<(i32, serde_json::Value)> {
    let python = Command::new("python3").args(["-c", "import nacl, yaml"]).output();
    if !available("Python 3 with PyNaCl and PyYAML", python.is_ok_and(|o| o.status.success())) {
        return None;
    }
    let written = Written::new(name, files);
    let mut command = Command::new("python3");
    command.arg(root().join("docs/examples/verify_pack.py")).arg("--json");
    Some(run_checker(&mut command, &written.0))
}

/// The Chainpoint v4 parser on a pack's proofs: its exit code and what it found per proof.
fn chainpoint(name: &str, files: &BTreeMap<String, Vec<u8>>) -> Option<(i32, serde_json::Value)> {
    let dir = root().join("tests/evidence");
    if !available("chainpoint-parse (npm ci in tests/evidence)", dir.join("node_modules/chainpoint-parse").is_dir()) {
        return None;
    }
    let written = Written::new(name, files);
    let mut command = Command::new("node");
    command.arg(dir.join("chainpoint.mjs"));
    Some(run_checker(&mut command, &written.0))
}

#[test]
fn a_pack_is_the_run_finsim_would_have_made_and_its_manifest_covers_every_file() {
    let (outcome, files) = pack("scenarios/advertise-then-transfer.yaml");
    let scenario = load(&root().join("scenarios/advertise-then-transfer.yaml"));
    assert_eq!(outcome.digest, finsim::run(&scenario, scenario.seed).digest, "recording changes nothing");
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let listed: Vec<&String> = manifest["files"].as_object().unwrap().keys().collect();
    let expected: Vec<&String> = files.keys().filter(|p| *p != "manifest.json").collect();
    assert_eq!(listed, expected);
    for name in [
        "scenario.yaml",
        "outcome.json",
        "trace.jsonl",
        "keys.json",
        "messages.jsonl",
        "roots.jsonl",
        "proofs/10101.json",
    ] {
        assert!(files.contains_key(name), "{name}");
    }
    assert_eq!(files["trace.jsonl"], finsim::trace::to_jsonl(&outcome.trace).into_bytes());
    let messages = std::str::from_utf8(&files["messages.jsonl"]).unwrap().lines().count() as u64;
    assert_eq!(messages, outcome.messages, "one line per envelope handed to the network");
}

/// Every bundled scenario's pack, and chaos at more seeds: finsim's `verify-evidence`, the Python
/// verifier and the Chainpoint parser each find it sound, and agree on what they counted.
#[test]
fn every_bundled_pack_holds_for_verify_evidence_the_python_verifier_and_a_chainpoint_parser() {
    let mut runs: Vec<(String, Option<u64>)> = bundled().iter().map(|p| (relative(p), None)).collect();
    runs.extend((2..6).map(|seed| ("scenarios/faults/chaos.yaml".to_owned(), Some(seed))));
    let mut proofs = 0;
    for (file, seed) in runs {
        let label = format!("{file} at seed {seed:?}");
        let (outcome, files) = pack_at(&file, seed);
        let verdict = verify(&files).unwrap();
        assert!(verdict.problems.is_empty(), "{label}: {:?}", verdict.problems);
        let Some((code, summary)) = check("bundled", &files) else { return };
        assert_eq!(code, 0, "{label}: {summary}");
        let expected: BTreeMap<String, u64> =
            verdict.expected_failures.iter().map(|(signer, n)| (signer.clone(), *n as u64)).collect();
        assert_eq!(summary["signatures_expected_bad"], serde_json::json!(expected), "{label}");
        let counted = |key: &str| summary[key].as_u64().unwrap() as usize;
        let expected_bad: u64 = expected.values().sum();
        assert_eq!(counted("signatures_ok") as u64 + expected_bad, outcome.messages, "{label}");
        assert_eq!(counted("proofs_ok"), verdict.checked.get("proofs").copied().unwrap_or(0), "{label}");
        assert_eq!(counted("transfers_ok"), verdict.checked.get("transfers").copied().unwrap_or(0), "{label}");
        let mut register: BTreeMap<String, u64> = BTreeMap::new();
        for line in lines_of(&files, "personal_data.jsonl") {
            *register.entry(line["category"].as_str().unwrap().to_owned()).or_default() += 1;
        }
        assert_eq!(counted("personal_data") as u64, register.get("ivms101").copied().unwrap_or(0), "{label}");
        assert_eq!(summary["register"], serde_json::json!(register), "{label}: every line bound");
        let Some((code, parsed)) = chainpoint("bundled", &files) else { return };
        assert_eq!(code, 0, "{label}: {parsed}");
        let named: Vec<String> = files.keys().filter_map(|f| f.strip_prefix("proofs/")).map(str::to_owned).collect();
        assert_eq!(parsed.as_object().unwrap().keys().cloned().collect::<Vec<_>>(), named, "{label}");
        proofs += named.len();
    }
    assert!(proofs >= 20, "the bundled packs hold proofs: {proofs}");
}

#[test]
fn the_checker_catches_an_altered_file_signature_or_proof() {
    let (_, files) = pack("scenarios/advertise-then-transfer.yaml");
    // A signature changed (and the manifest re-made to match): an honest signer's message fails.
    let mut altered = files.clone();
    let messages = String::from_utf8(altered["messages.jsonl"].clone()).unwrap();
    let first: serde_json::Value = serde_json::from_str(messages.lines().next().unwrap()).unwrap();
    let signature = first["signature"].as_str().unwrap();
    let flipped = format!("{}{}", if signature.starts_with('0') { "1" } else { "0" }, &signature[1..]);
    altered.insert("messages.jsonl".into(), messages.replacen(signature, &flipped, 1).into_bytes());
    let Some((_, summary)) = check("signature", &altered) else { return };
    assert_eq!(summary["signatures_bad"][first["signer"].as_str().unwrap()], 1, "{summary}");
    assert_eq!(summary["files_bad"], serde_json::json!(["messages.jsonl"]), "and the manifest no longer matches");
    // A proof whose hash is the block's root (no path): it matches no transaction of the block.
    let mut forged = files.clone();
    let mut proof: serde_json::Value = serde_json::from_slice(&forged["proofs/10101.json"]).unwrap();
    let root_line: serde_json::Value =
        serde_json::from_str(std::str::from_utf8(&forged["roots.jsonl"]).unwrap().lines().next().unwrap()).unwrap();
    proof["hash"] = root_line["root"].clone();
    proof["branches"][0]["ops"].as_array_mut().unwrap().retain(|op| op.get("anchors").is_some());
    forged.insert("proofs/10101.json".into(), serde_json::to_vec(&proof).unwrap());
    let Some((code, summary)) = check("proof", &forged) else { return };
    assert_eq!(code, 1);
    assert_eq!(summary["proofs_bad"], serde_json::json!(["10101.json"]), "{summary}");
    // A user's signed amount changed: the template hash no longer matches its fields.
    let mut changed = files.clone();
    let transfers = String::from_utf8(changed["transfers.jsonl"].clone()).unwrap();
    changed.insert("transfers.jsonl".into(), transfers.replacen(r#""100"]"#, r#""1000"]"#, 1).into_bytes());
    let Some((_, summary)) = check("transfer", &changed) else { return };
    assert_eq!(summary["transfers_bad"], serde_json::json!([10101]), "{summary}");
}

#[test]
fn a_proof_of_another_transfer_is_caught_even_when_it_replays_to_a_real_root() {
    // chaos settles 10101 and 10102 in one block: each proof, swapped for the other's, still
    // replays to that block's root, but starts from the other transfer's transaction.
    let (_, mut files) = pack("scenarios/faults/chaos.yaml");
    let (a, b) = (files["proofs/10101.json"].clone(), files["proofs/10102.json"].clone());
    files.insert("proofs/10101.json".into(), b);
    files.insert("proofs/10102.json".into(), a);
    let Some((_, summary)) = check("swapped", &files) else { return };
    assert_eq!(summary["proofs_bad"], serde_json::json!(["10101.json", "10102.json"]), "{summary}");
}

#[test]
fn a_redeems_signed_amount_changed_or_an_issues_proof_swapped_is_caught_by_both_verifiers() {
    let (_, files) = pack("scenarios/supply/issue-and-redeem.yaml");
    // The redeem's signed amount changed, the manifest made again: the template no longer matches.
    let mut changed = files.clone();
    let lines = String::from_utf8(changed["transfers.jsonl"].clone()).unwrap();
    assert!(lines.contains(r#""120"]"#), "{lines}");
    changed.insert("transfers.jsonl".into(), lines.replacen(r#""120"]"#, r#""12"]"#, 1).into_bytes());
    rehash(&mut changed);
    let verdict = verify(&changed).unwrap();
    let at_redeem = |p: &finsim::evidence::Problem| p.file == "transfers.jsonl" && p.line == Some(3);
    assert!(verdict.problems.iter().any(at_redeem), "{:?}", verdict.problems);
    // The issue's proof and the redeem's swapped: each replays to a real root, of the other's
    // transaction; caught without the re-run (the hash is not the request's own transaction).
    let swapped = proofs_swapped(&files, ["proofs/1.json", "proofs/3.json"]);
    if let Some((_, summary)) = check("supply-amount", &changed) {
        assert_eq!(summary["transfers_bad"], serde_json::json!([3]), "{summary}");
    }
    if let Some((_, summary)) = check("supply-proofs", &swapped) {
        assert_eq!(summary["proofs_bad"], serde_json::json!(["1.json", "3.json"]), "{summary}");
    }
}

#[test]
fn a_plans_consent_approval_or_proof_altered_is_caught_by_both_verifiers_without_a_re_run() {
    let (_, files) = pack("scenarios/plans/dvp-completed.yaml");
    let plans = String::from_utf8(files["plans.jsonl"].clone()).unwrap();
    let line: serde_json::Value = serde_json::from_str(plans.lines().next().unwrap()).unwrap();
    let with_line = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut line = line.clone();
        change(&mut line);
        let mut altered = files.clone();
        altered.insert("plans.jsonl".into(), format!("{}\n", serde_json::to_string(&line).unwrap()).into_bytes());
        rehash(&mut altered);
        altered
    };
    // Alice's consent signature swapped for the treasury's.
    let consent = with_line(&|l| l["consents"][0]["signature"] = l["consents"][1]["signature"].clone());
    // org_2's approval pointed at another message of org_2's.
    let approval =
        with_line(&|l| l["approvals"][1]["seq"] = serde_json::json!(l["approvals"][1]["seq"].as_u64().unwrap() + 1));
    // The plan's canonical bytes changed (a quantity), its hash left.
    let canonical = with_line(&|l| {
        let bytes = l["canonical"].as_str().unwrap().to_owned();
        l["canonical"] = serde_json::json!(format!("{}00", &bytes[..bytes.len() - 2]));
    });
    type Case<'a> = (&'a str, &'a BTreeMap<String, Vec<u8>>, &'a str);
    let cases: [Case; 3] = [
        ("plan-consent", &consent, "the consent of user:org_1:100:alice is not its signature over the plan's hash"),
        ("plan-approval", &approval, "the approval of org_2 is not its signed plan_approval message"),
        ("plan-canonical", &canonical, "its hash is not SHA-256 of its canonical bytes"),
    ];
    for (name, altered, what) in cases {
        let verdict = verify(altered).unwrap();
        assert!(
            verdict.problems.iter().any(|p| p.file == "plans.jsonl" && p.what == what),
            "{name}: {:?}",
            verdict.problems
        );
        if let Some((code, summary)) = check(name, altered) {
            assert_eq!(code, 1, "{name}: {summary}");
            let problems: Vec<&str> =
                summary["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
            assert!(problems.contains(&format!("plans.jsonl:1: {what}").as_str()), "{name}: {problems:?}");
        }
    }
    // The proofs of the hold and of the release swapped: each replays, to another transaction.
    let swapped = proofs_swapped(&files, ["proofs/plan-7-1.json", "proofs/plan-7-3.json"]);
    if let Some((_, summary)) = check("plan-proofs", &swapped) {
        assert_eq!(summary["proofs_bad"], serde_json::json!(["plan-7-1.json", "plan-7-3.json"]), "{summary}");
    }
}

/// The pack with two proofs swapped and its manifest made again: `verify-evidence` must say
/// that neither is its own request's transaction.
fn proofs_swapped(files: &BTreeMap<String, Vec<u8>>, [a, b]: [&str; 2]) -> BTreeMap<String, Vec<u8>> {
    let mut swapped = files.clone();
    swapped.insert(a.into(), files[b].clone());
    swapped.insert(b.into(), files[a].clone());
    rehash(&mut swapped);
    let verdict = verify(&swapped).unwrap();
    let unbound: Vec<&str> = verdict
        .problems
        .iter()
        .filter(|p| p.what == "its hash is not its own request's transaction")
        .map(|p| p.file.as_str())
        .collect();
    assert_eq!(unbound, [a, b], "{:?}", verdict.problems);
    swapped
}

/// The manifest of `files`, made again (what a forger who alters a file would do).
fn rehash(files: &mut BTreeMap<String, Vec<u8>>) {
    use sha2::Digest;
    let hashes: BTreeMap<String, String> = files
        .iter()
        .filter(|(path, _)| *path != "manifest.json")
        .map(|(path, bytes)| (path.clone(), const_hex::encode(sha2::Sha256::digest(bytes))))
        .collect();
    let manifest = serde_json::json!({ "finsim": env!("CARGO_PKG_VERSION"), "files": hashes });
    files.insert("manifest.json".into(), serde_json::to_vec_pretty(&manifest).unwrap());
}

fn verify(files: &BTreeMap<String, Vec<u8>>) -> Result<finsim::evidence::Verdict, finsim::evidence::NotAPack> {
    finsim::evidence::verify(files)
}

#[test]
fn verify_evidence_passes_a_fresh_pack_and_names_the_forgers_failures_as_expected() {
    let (_, files) = pack("scenarios/faults/chaos.yaml");
    let verdict = verify(&files).unwrap();
    assert!(verdict.problems.is_empty(), "{:?}", verdict.problems);
    assert_eq!(verdict.expected_failures.keys().collect::<Vec<_>>(), ["org_5"]);
    assert_eq!(verdict.checked["proofs"], 2);
    assert_eq!(verdict.checked["transfers"], 2);
}

#[test]
fn verify_evidence_catches_a_file_altered_and_re_hashed_by_re_running_the_scenario() {
    let (_, files) = pack("scenarios/advertise-then-transfer.yaml");
    let mut altered = files.clone();
    let trace = String::from_utf8(altered["trace.jsonl"].clone()).unwrap();
    let mut lines: Vec<&str> = trace.lines().collect();
    let moved = lines.remove(3);
    lines.insert(4, moved);
    altered.insert("trace.jsonl".into(), format!("{}\n", lines.join("\n")).into_bytes());
    rehash(&mut altered);
    let problems: Vec<String> = verify(&altered).unwrap().problems.iter().map(ToString::to_string).collect();
    let differs = |file: &str| format!("{file}: differs from what a run of scenario.yaml at this seed makes");
    assert_eq!(
        problems,
        [UNBOUND_STATEMENT.to_owned(), differs("manifest.json:12"), differs("trace.jsonl:4")],
        "the statement no longer names the trace; the line that moved, and the new manifest"
    );
    // Not re-hashed: the manifest says so too.
    let mut unhashed = files.clone();
    unhashed.insert("roots.jsonl".into(), b"{}\n".to_vec());
    let problems: Vec<String> = verify(&unhashed).unwrap().problems.iter().map(ToString::to_string).collect();
    assert!(problems.contains(&"roots.jsonl: its SHA-256 differs from the manifest's".to_owned()), "{problems:?}");
    // A signature of an honest org, changed: named by its line.
    let mut forged = files.clone();
    let messages = String::from_utf8(forged["messages.jsonl"].clone()).unwrap();
    let second = messages.lines().nth(1).unwrap();
    let signature =
        serde_json::from_str::<serde_json::Value>(second).unwrap()["signature"].as_str().unwrap().to_owned();
    let flipped = format!("{}{}", if signature.starts_with('0') { "1" } else { "0" }, &signature[1..]);
    forged.insert("messages.jsonl".into(), messages.replacen(&signature, &flipped, 1).into_bytes());
    rehash(&mut forged);
    let problems: Vec<String> = verify(&forged).unwrap().problems.iter().map(ToString::to_string).collect();
    assert!(problems.iter().any(|p| p.starts_with("messages.jsonl:2: the signature is not ")), "{problems:?}");
}

#[test]
fn verify_evidence_reads_every_ivms101_document_and_names_one_that_is_not() {
    let (_, mut files) = pack("scenarios/advertise-then-transfer.yaml");
    files.insert("ivms/1.json".into(), br#"{"not": "an IVMS-101 document"}"#.to_vec());
    rehash(&mut files);
    let problems: Vec<String> = verify(&files).unwrap().problems.iter().map(ToString::to_string).collect();
    assert!(problems.contains(&"ivms/1.json: not an IVMS101.2023 document".to_owned()), "{problems:?}");
}

#[test]
fn verify_evidence_refuses_what_is_not_a_pack() {
    let (_, mut files) = pack("scenarios/advertise-then-transfer.yaml");
    files.remove("manifest.json");
    assert!(verify(&files).is_err());
    let (_, mut files) = pack("scenarios/advertise-then-transfer.yaml");
    files.insert("scenario.yaml".into(), b"not: [a scenario".to_vec());
    assert!(verify(&files).is_err());
}

fn pack_of_text(text: &str) -> BTreeMap<String, Vec<u8>> {
    let scenario = finsim::scenario::parse("scenario.yaml", text).unwrap();
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
    finsim::evidence::files(text.as_bytes(), &outcome, &material)
}

#[test]
fn diff_says_identical_or_the_first_diverging_event_and_what_differs_at_the_end() {
    let side = |files: &BTreeMap<String, Vec<u8>>| finsim::evidence::Side::of_pack(files).unwrap();
    let a = pack_of_text(finsim::scenario::SAMPLE_FLOW);
    assert_eq!(finsim::evidence::diff(&side(&a), &side(&a)), None, "a pack and itself");
    let fewer = finsim::scenario::SAMPLE_FLOW.replace("quantity: 100,", "quantity: 40,");
    let b = pack_of_text(&fewer);
    let lines = finsim::evidence::diff(&side(&a), &side(&b)).expect("they differ");
    assert!(lines[0].starts_with("the packs ran different scenarios: A `advertise-then-transfer`"), "{lines:#?}");
    assert!(lines[1].starts_with("first difference at event "), "{lines:#?}");
    assert!(lines[2].starts_with("  A: {") && lines[3].starts_with("  B: {"), "{lines:#?}");
    let treasury = "balance of org_2:100:treasury in org_2:101:asset_1 on cluster_B: A 900; B 960";
    assert!(lines.iter().any(|l| l == treasury), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("expectations `balance org_1:100:user_1")), "{lines:#?}");
    // Trace files alone: the events only.
    let trace = |files: &BTreeMap<String, Vec<u8>>| {
        finsim::evidence::Side::of_trace(std::str::from_utf8(&files["trace.jsonl"]).unwrap()).unwrap()
    };
    let lines = finsim::evidence::diff(&trace(&a), &trace(&b)).unwrap();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    // Each reason a side cannot be read is a kind of its own.
    use finsim::evidence::{Side, SideError};
    assert_eq!(Side::of_trace("").unwrap_err(), SideError::EmptyTrace);
    let not_an_event = Side::of_trace("{\"t_us\":0,\"event\":\"start\"}\nnot json\n").unwrap_err();
    assert!(matches!(not_an_event, SideError::NotAnEvent { line: 2, .. }), "{not_an_event:?}");
    let mut no_outcome = a.clone();
    no_outcome.remove("outcome.json");
    assert_eq!(Side::of_pack(&no_outcome).unwrap_err(), SideError::Missing("outcome.json"));
    let mut bad_trace = a.clone();
    bad_trace.insert("trace.jsonl".to_owned(), Vec::new());
    let error = Side::of_pack(&bad_trace).unwrap_err();
    assert_eq!(error, SideError::Trace(Box::new(SideError::EmptyTrace)));
    assert_eq!(error.to_string(), "trace.jsonl: empty: a trace has at least one event");
    let mut no_seed = a.clone();
    no_seed.insert("outcome.json".to_owned(), b"{}".to_vec());
    assert_eq!(Side::of_pack(&no_seed).unwrap_err(), SideError::NoSeed);
}

/// `bytes` with one byte changed: the first letter or digit at or after the middle becomes the
/// next one of its kind (so hex stays hex and a number stays a number).
fn one_byte_changed(bytes: &[u8]) -> Vec<u8> {
    let mut changed = bytes.to_vec();
    let at = (bytes.len() / 2..bytes.len()).find(|&i| bytes[i].is_ascii_alphanumeric()).expect("a letter or digit");
    changed[at] = match bytes[at] {
        b'9' => b'0',
        b'f' => b'a',
        b'z' => b'a',
        b'Z' => b'A',
        c => c + 1,
    };
    changed
}

/// What `verify-evidence` says of a pack: its problems, or why it is not a pack.
fn said(files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    match verify(files) {
        Ok(verdict) => verdict.problems.iter().map(ToString::to_string).collect(),
        Err(finsim::evidence::NotAPack(why)) => vec![why],
    }
}

#[test]
fn verify_evidence_names_the_file_when_one_byte_of_any_file_kind_changes() {
    let (_, files) = pack("scenarios/faults/chaos.yaml");
    let kinds: Vec<&String> = files.keys().collect();
    assert_eq!(kinds.len(), 14, "ten kinds of file, two proofs and two documents: {kinds:?}");
    for name in files.keys() {
        let mut altered = files.clone();
        altered.insert(name.clone(), one_byte_changed(&files[name]));
        let problems = said(&altered);
        assert!(problems.iter().any(|p| p.starts_with(name.as_str())), "{name}: {problems:#?}");
        if name == "manifest.json" {
            continue;
        }
        // Re-hashed, as a forger would: the file's own check or the re-run still names it.
        rehash(&mut altered);
        let problems = said(&altered);
        assert!(problems.iter().any(|p| p.starts_with(name.as_str())), "re-hashed {name}: {problems:#?}");
    }
    // A one-byte change that leaves a valid scenario: the manifest names it; re-hashed, the re-run
    // of the changed scenario no longer gives the pack's trace.
    let scenario = String::from_utf8(files["scenario.yaml"].clone()).unwrap();
    let mut altered = files.clone();
    altered.insert("scenario.yaml".into(), scenario.replacen("restart_ms: 800", "restart_ms: 900", 1).into_bytes());
    assert!(said(&altered).contains(&"scenario.yaml: its SHA-256 differs from the manifest's".to_owned()));
    rehash(&mut altered);
    let problems = said(&altered);
    assert!(problems.iter().any(|p| p.starts_with("trace.jsonl:")), "{problems:#?}");
}

#[test]
fn diff_of_two_identical_runs_two_seeds_and_a_scenario_without_one_step() {
    let side = |files: &BTreeMap<String, Vec<u8>>| finsim::evidence::Side::of_pack(files).unwrap();
    // Two runs of the same file and seed, made apart: identical.
    let (_, first) = pack("scenarios/faults/chaos.yaml");
    let (_, again) = pack("scenarios/faults/chaos.yaml");
    assert_eq!(finsim::evidence::diff(&side(&first), &side(&again)), None);
    // Two seeds: they part at an event, and the digests differ.
    let (_, other) = pack_at("scenarios/faults/chaos.yaml", Some(2));
    let lines = finsim::evidence::diff(&side(&first), &side(&other)).expect("two seeds differ");
    assert!(lines[0].starts_with("first difference at event "), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("seed: A 1; B 2")), "{lines:#?}");
    // The sample flow without its last step (the balance query): the traces agree up to where the
    // query would have started, and the balance expectation that needed it is what differs.
    let text = finsim::scenario::SAMPLE_FLOW;
    let step = text.lines().find(|l| l.trim_start().starts_with("- balance:      { org: org_1")).unwrap();
    let shorter = text.replacen(&format!("{step}\n"), "", 1);
    assert_ne!(shorter, text);
    let (a, b) = (pack_of_text(text), pack_of_text(&shorter));
    let lines = finsim::evidence::diff(&side(&a), &side(&b)).expect("one step fewer differs");
    assert!(lines[0].starts_with("the packs ran different scenarios"), "{lines:#?}");
    let at: usize = lines[1]
        .trim_start_matches("first difference at event ")
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let trace_a = std::str::from_utf8(&a["trace.jsonl"]).unwrap().lines().collect::<Vec<_>>();
    let trace_b = std::str::from_utf8(&b["trace.jsonl"]).unwrap().lines().collect::<Vec<_>>();
    assert_eq!(trace_a[..at - 1], trace_b[..at - 1], "the same until event {at}");
    assert_ne!(trace_a.get(at - 1), trace_b.get(at - 1), "event {at} differs");
    assert!(lines.iter().any(|l| l.starts_with("digest: A \"")), "{lines:#?}");
}

/// The lines of a JSON-lines file of a pack.
fn lines_of(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Vec<serde_json::Value> {
    let text = std::str::from_utf8(&files[name]).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// A JSON-lines file of a pack written again from its lines.
fn set_lines(files: &mut BTreeMap<String, Vec<u8>>, name: &str, lines: &[serde_json::Value]) {
    let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
    files.insert(name.into(), text.into_bytes());
}

/// Line `n` (from 1) of a JSON-lines file given another status and reason: the `seq` it names.
fn status_changed(
    files: &mut BTreeMap<String, Vec<u8>>,
    name: &str,
    n: usize,
    (status, reason): (&str, &str),
) -> serde_json::Value {
    let mut lines = lines_of(files, name);
    (lines[n - 1]["status"], lines[n - 1]["reason"]) = (status.into(), reason.into());
    set_lines(files, name, &lines);
    lines[n - 1]["seq"].clone()
}

/// The register's line (from 1) that names an IVMS-101 document of the pack.
fn document_line(files: &BTreeMap<String, Vec<u8>>, payload: &str) -> (usize, serde_json::Value) {
    let lines = lines_of(files, "personal_data.jsonl");
    let n = lines.iter().position(|l| l["payload"] == payload).unwrap();
    (n + 1, lines[n].clone())
}

/// One tampering of a pack: its name, the pack it starts from, what it does, and the problem
/// both verifiers must name (as `file:line: what`, or `file: what`).
struct Tampering {
    name: &'static str,
    scenario: &'static str,
    alter: fn(&mut BTreeMap<String, Vec<u8>>) -> String,
    /// Whether the manifest is made again afterwards (as a forger would); not for a file added
    /// unlisted.
    rehash: bool,
}

/// What both verifiers say of a statement that no longer names the pack's run.
const UNBOUND_STATEMENT: &str =
    "statement.intoto.json: its subjects are not the pack's trace.jsonl and scenario.yaml, \
                                 or its predicate not outcome.json's";

/// What both verifiers say when the sample flow's document has no line of the register.
const UNNAMED_DOCUMENT: &str =
    "personal_data.jsonl: org_1 sent org_2 an IVMS-101 document for request 10101 that trace.jsonl delivers, and no \
     line names it";

fn tamperings() -> Vec<Tampering> {
    const SAMPLE: &str = "scenarios/advertise-then-transfer.yaml";
    vec![
        Tampering {
            name: "ivms-altered",
            scenario: SAMPLE,
            alter: |files| {
                let document = String::from_utf8(files["ivms/1.json"].clone()).unwrap();
                files.insert("ivms/1.json".into(), document.replacen("\"GB\"", "\"FR\"", 1).into_bytes());
                let (n, line) = document_line(files, "ivms/1.json");
                format!(
                    "personal_data.jsonl:{n}: ivms/1.json is not the IVMS-101 document message {} carried",
                    line["seq"]
                )
            },
            rehash: true,
        },
        Tampering {
            name: "ivms-swapped",
            scenario: "scenarios/regulation-rejection.yaml",
            alter: |files| {
                let (a, b) = (files["ivms/1.json"].clone(), files["ivms/2.json"].clone());
                files.insert("ivms/1.json".into(), b);
                files.insert("ivms/2.json".into(), a);
                let (n, line) = document_line(files, "ivms/2.json");
                format!(
                    "personal_data.jsonl:{n}: ivms/2.json is not the IVMS-101 document message {} carried",
                    line["seq"]
                )
            },
            rehash: true,
        },
        Tampering {
            name: "personal-line-deleted",
            scenario: SAMPLE,
            alter: |files| {
                let lines: Vec<_> =
                    lines_of(files, "personal_data.jsonl").into_iter().filter(|l| l["category"] != "ivms101").collect();
                set_lines(files, "personal_data.jsonl", &lines);
                UNNAMED_DOCUMENT.to_owned()
            },
            rehash: true,
        },
        Tampering {
            name: "personal-data-emptied",
            scenario: SAMPLE,
            alter: |files| {
                set_lines(files, "personal_data.jsonl", &[]);
                UNNAMED_DOCUMENT.to_owned()
            },
            rehash: true,
        },
        Tampering {
            name: "personal-recipient-changed",
            scenario: SAMPLE,
            alter: |files| {
                let mut lines = lines_of(files, "personal_data.jsonl");
                let (n, _) = document_line(files, "ivms/1.json");
                lines[n - 1]["to"] = "org_3".into();
                set_lines(files, "personal_data.jsonl", &lines);
                let seq = lines[n - 1]["seq"].clone();
                format!("personal_data.jsonl:{n}: message {seq} is not from org_1 to org_3 about org_1:100:user_1")
            },
            rehash: true,
        },
        Tampering {
            name: "personal-data-removed",
            scenario: SAMPLE,
            alter: |files| {
                files.remove("personal_data.jsonl");
                "personal_data.jsonl: missing: every pack holds it".to_owned()
            },
            rehash: true,
        },
        Tampering {
            name: "proof-removed",
            scenario: SAMPLE,
            alter: |files| {
                files.remove("proofs/10101.json");
                "transfers.jsonl:1: settled, but its proof is not in the pack".to_owned()
            },
            rehash: true,
        },
        Tampering {
            name: "status-changed",
            scenario: SAMPLE,
            alter: |files| {
                let seq = status_changed(files, "transfers.jsonl", 1, ("rejected", "regulation"));
                format!("transfers.jsonl:1: its status is not the one message {seq} signed (settled)")
            },
            rehash: true,
        },
        Tampering {
            name: "transfer-line-deleted",
            scenario: SAMPLE,
            alter: |files| {
                set_lines(files, "transfers.jsonl", &[]);
                "transfers.jsonl: request 10101 was sent as a transfer, issue or redeem, but has no line".to_owned()
            },
            rehash: true,
        },
        Tampering {
            name: "message-relabelled",
            scenario: SAMPLE,
            alter: |files| {
                let mut lines = lines_of(files, "messages.jsonl");
                let n = lines.iter().position(|m| m["from"] == "org_2" && m["to"] == "org_1").unwrap();
                lines[n]["to"] = "org_3".into();
                set_lines(files, "messages.jsonl", &lines);
                format!("messages.jsonl:{}: its receiver is not the one its signed bytes address", n + 1)
            },
            rehash: true,
        },
        Tampering {
            name: "trace-removed",
            scenario: SAMPLE,
            alter: |files| {
                files.remove("trace.jsonl");
                "trace.jsonl: missing: every pack holds it".to_owned()
            },
            rehash: true,
        },
        Tampering {
            name: "identifier-relabelled",
            scenario: SAMPLE,
            alter: |files| {
                let mut lines = lines_of(files, "personal_data.jsonl");
                let n =
                    lines.iter().position(|l| l["category"] == "identifier" && l["kind"] == "block_committed").unwrap();
                lines[n]["user"] = "org_1:100:nobody".into();
                set_lines(files, "personal_data.jsonl", &lines);
                format!("personal_data.jsonl:{}: message {} does not name org_1:100:nobody", n + 1, lines[n]["seq"])
            },
            rehash: true,
        },
        Tampering {
            name: "denial-relabelled",
            scenario: "scenarios/nosy-orgs-are-denied-personal-data.yaml",
            alter: |files| {
                let mut lines = lines_of(files, "personal_data.jsonl");
                let n = lines.iter().position(|l| l["category"] == "denied").unwrap();
                let asker = lines[n]["from"].as_str().unwrap().to_owned();
                let other = if asker == "org_2" { "org_3" } else { "org_2" };
                lines[n]["from"] = other.into();
                set_lines(files, "personal_data.jsonl", &lines);
                let (seq, to) = (lines[n]["seq"].clone(), lines[n]["to"].as_str().unwrap().to_owned());
                format!("personal_data.jsonl:{}: message {seq} is not from {other} to {to}", n + 1)
            },
            rehash: true,
        },
        Tampering {
            name: "trace-shortened",
            scenario: SAMPLE,
            alter: |files| {
                let trace = String::from_utf8(files["trace.jsonl"].clone()).unwrap();
                let kept: String = trace.lines().skip(1).map(|line| format!("{line}\n")).collect();
                files.insert("trace.jsonl".into(), kept.into_bytes());
                UNBOUND_STATEMENT.to_owned()
            },
            rehash: true,
        },
        Tampering {
            name: "unlisted-file",
            scenario: SAMPLE,
            alter: |files| {
                files.insert("ivms/7.json".into(), files["ivms/1.json"].clone());
                "ivms/7.json: in the pack, but not listed in the manifest".to_owned()
            },
            rehash: false,
        },
        Tampering {
            name: "root-rewritten",
            scenario: SAMPLE,
            alter: |files| {
                let mut lines = lines_of(files, "roots.jsonl");
                lines[0]["txs"] = serde_json::json!([]);
                set_lines(files, "roots.jsonl", &lines);
                "roots.jsonl:1: no block_committed its cluster's ledger signed has this height, root and transactions"
                    .to_owned()
            },
            rehash: true,
        },
        Tampering {
            name: "verdict-changed",
            scenario: "scenarios/regulation-rejection.yaml",
            alter: |files| {
                let mut outcome: serde_json::Value = serde_json::from_slice(&files["outcome.json"]).unwrap();
                outcome["passed"] = false.into();
                files.insert("outcome.json".into(), format!("{outcome}\n").into_bytes());
                UNBOUND_STATEMENT.to_owned()
            },
            rehash: true,
        },
        Tampering {
            name: "unlisted-readme",
            scenario: SAMPLE,
            alter: |files| {
                files.insert("README".into(), b"nothing to see\n".to_vec());
                "README: in the pack, but not listed in the manifest".to_owned()
            },
            rehash: false,
        },
        Tampering {
            name: "issue-status-changed",
            scenario: "scenarios/supply/issue-and-redeem.yaml",
            alter: |files| {
                assert_eq!(lines_of(files, "transfers.jsonl")[1]["kind"], "issue");
                let seq = status_changed(files, "transfers.jsonl", 2, ("rejected", "balance"));
                format!("transfers.jsonl:2: its status is not the one message {seq} signed (regulation)")
            },
            rehash: true,
        },
        Tampering {
            name: "plan-status-changed",
            scenario: "scenarios/plans/dvp-completed.yaml",
            alter: |files| {
                let seq = status_changed(files, "plans.jsonl", 1, ("reverted", "balance"));
                format!("plans.jsonl:1: its status is not the one message {seq} signed (completed)")
            },
            rehash: true,
        },
    ]
}

#[test]
fn every_tampering_is_refused_by_both_verifiers_from_the_bindings_alone() {
    for tampering in tamperings() {
        let (_, mut files) = pack(tampering.scenario);
        let expected = (tampering.alter)(&mut files);
        if tampering.rehash {
            rehash(&mut files);
        }
        // finsim's own verifier, its re-run's findings set aside: the binding alone refuses it.
        let verdict = verify(&files).unwrap();
        let rerun = |p: &&finsim::evidence::Problem| {
            p.what == "differs from what a run of scenario.yaml at this seed makes"
                || p.what == "missing: the run makes it"
        };
        let found: Vec<String> = verdict.problems.iter().filter(|p| !rerun(p)).map(ToString::to_string).collect();
        assert!(found.contains(&expected), "{}: {expected:?} not in {found:#?}", tampering.name);
        if let Some((code, summary)) = check(tampering.name, &files) {
            assert_eq!(code, 1, "{}: {summary}", tampering.name);
            let said: Vec<&str> = summary["problems"].as_array().unwrap().iter().filter_map(|p| p.as_str()).collect();
            assert!(said.contains(&expected.as_str()), "{}: {expected:?} not in {said:#?}", tampering.name);
        }
    }
}

#[test]
fn the_python_verifier_reads_finsims_kinds_statuses_and_mandatory_files() {
    let python = Command::new("python3").args(["-c", "import nacl, yaml"]).output();
    if !available("Python 3 with PyNaCl and PyYAML", python.is_ok_and(|o| o.status.success())) {
        return;
    }
    let script = "import json, sys; sys.path.insert(0, sys.argv[1]); import verify_pack as v; \
                  print(json.dumps([v.KINDS, v.STATUSES, v.PLAN_STATUSES, v.MANDATORY]))";
    let output = Command::new("python3").args(["-c", script]).arg(root().join("docs/examples")).output().unwrap();
    let tables: [Vec<String>; 4] = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{output:?}"));
    let words = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let kinds: Vec<&str> = finsim::protocol::message::Kind::ALL.iter().map(|k| k.word()).collect();
    let statuses: Vec<&str> = finsim::protocol::status::Status::ALL.iter().map(|s| s.word()).collect();
    assert_eq!(tables[0], words(&kinds), "KINDS, in the order of the bodies' indices");
    assert_eq!(tables[1], words(&statuses), "STATUSES, by code");
    assert_eq!(tables[2], words(&finsim::evidence::PLAN_STATUSES), "PLAN_STATUSES, by index");
    assert_eq!(tables[3], words(&finsim::evidence::MANDATORY), "MANDATORY");
}
