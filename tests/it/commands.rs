//! Hostile input on the commands other than `run`: each finding of an attack on schedules, packs,
//! shards, traces, corpora and trees has a regression test named after it (the full corpus, with
//! its time and memory limits, is `tests/attack/commands.py`).

use super::cli::{finsim, Scratch};

/// Runs the binary in `dir`.
fn finsim_in(dir: &str, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_finsim")).args(args).current_dir(dir).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

const SECRET: &str = "finsim-test-secret-4b1d";

#[test]
fn test_dir_never_follows_a_yaml_link_out_of_the_tree_and_runs_the_rest() {
    let dir = Scratch::new("commands", "links");
    let outside = Scratch::new("commands", "links-outside");
    let key = outside.write("id_ed25519", format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n"));
    dir.write("suite/good.yaml", finsim::scenario::SAMPLE_FLOW);
    std::os::unix::fs::symlink(&key, dir.path("suite/key.yaml")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.path("suite/environ.yaml")).unwrap();
    std::os::unix::fs::symlink("good.yaml", dir.path("suite/again.yaml")).unwrap();
    let (code, stdout, stderr) = finsim(&["test", &dir.path("suite")]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(!(stdout.clone() + &stderr).contains(SECRET), "{stdout}{stderr}");
    assert_eq!(stderr.matches("a symbolic link out of the directory searched: not followed").count(), 2, "{stderr}");
    assert!(stdout.contains("2 passed, 0 failed"), "the good file and the link inside the tree run: {stdout}");
}

#[test]
fn a_proc_file_that_says_it_is_empty_is_refused_unread() {
    for command in ["run", "check"] {
        let (code, stdout, stderr) = finsim(&[command, "/proc/self/environ"]);
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(stderr.contains("not the size the file system gives"), "{stderr}");
    }
}

#[test]
fn verify_evidence_reports_unlisted_files_and_links_and_never_reads_through_them() {
    let dir = Scratch::new("commands", "pack");
    let pack = dir.path("pack");
    let (code, _, stderr) = finsim(&["run", "--evidence", &pack]);
    assert_eq!(code, 0, "{stderr}");
    dir.write("pack/README", "added later");
    std::os::unix::fs::symlink("/etc/passwd", dir.path("pack/passwd.json")).unwrap();
    let (code, stdout, _) = finsim(&["verify-evidence", &pack]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("FAIL  README: in the pack, but not listed in the manifest"), "{stdout}");
    assert!(stdout.contains("FAIL  passwd.json: a symbolic link (not followed)"), "{stdout}");
    assert!(!stdout.contains("root:"), "{stdout}");
}

#[test]
fn report_without_o_keeps_a_name_from_the_file_in_this_directory() {
    let dir = Scratch::new("commands", "report-name");
    let cwd = dir.path("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let text = finsim::scenario::SAMPLE_FLOW.replace("name: advertise-then-transfer", "name: \"../../escaped\"");
    let file = dir.write("named.yaml", text);
    let (code, stdout, stderr) = finsim_in(&cwd, &["report", &file]);
    assert_eq!(code, 0, "{stderr}");
    let written: Vec<String> =
        std::fs::read_dir(&cwd).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(written, ["_.._escaped.html"], "{stdout}");
    assert!(!dir.0.parent().unwrap().join("escaped.html").exists());
}

#[test]
fn no_command_writes_over_a_file_it_reads() {
    let dir = Scratch::new("commands", "overwrite");
    let failing = finsim::scenario::SAMPLE_FLOW.replace("equals: 100 }", "equals: 99 }");
    let file = dir.write("failing.yaml", &failing);
    std::os::unix::fs::symlink(&file, dir.path("link.yaml")).unwrap();
    std::fs::hard_link(&file, dir.path("hard.yaml")).unwrap();
    for output in [file.clone(), dir.path("link.yaml"), dir.path("hard.yaml")] {
        let (code, _, stderr) = finsim(&["shrink", &file, "--seed", "42", "-o", &output]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("would overwrite"), "{stderr}");
    }
    let (code, _, stderr) = finsim(&["test", &file, "--junit", &file]);
    assert_eq!((code, stderr.contains("would overwrite")), (2, true), "{stderr}");
    let (code, _, stderr) = finsim(&["report", &file, "-o", &dir.path("hard.yaml")]);
    assert_eq!((code, stderr.contains("would overwrite")), (2, true), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), failing, "the input is unchanged");
}

#[test]
fn an_output_fifo_that_nothing_reads_is_an_error_not_a_wait() {
    let dir = Scratch::new("commands", "fifo");
    let fifo = dir.path("out.fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (code, stdout, stderr) = finsim(&["run", "--trace", &fifo]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("cannot write the trace: a FIFO that nothing reads"), "{stderr}");
}

#[test]
fn an_output_that_cannot_be_written_is_refused_before_any_case_runs() {
    let (code, stdout, stderr) = finsim(&["test", "scenarios", "--json", "--junit", "/nonexistent/j.xml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "no case ran: {stdout}");
    assert!(stderr.contains("/nonexistent/j.xml: cannot write the JUnit XML: no such file or directory"), "{stderr}");
}

#[test]
fn merge_refuses_a_shard_that_contradicts_itself_without_quoting_it() {
    let dir = Scratch::new("commands", "merge");
    let case = format!(r#"{{"file":"{SECRET}.yaml","seed":1,"passed":true,"digest":"","failed":["conservation"]}}"#);
    let shard = dir.write("lying.json", format!(r#"{{"cases":[{case}],"passed":1,"failed":0}}"#));
    let (code, stdout, stderr) = finsim(&["merge", &shard]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("its case 1 (seed 1) says it passed, yet names failed checks"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
    let value = dir.write("value.json", format!(r#"{{"cases": "{SECRET}"}}"#));
    let (code, _, stderr) = finsim(&["merge", &value]);
    assert_eq!(code, 2);
    assert!(stderr.contains(":1:") && !stderr.contains(SECRET) && !stderr.contains("at line"), "{stderr}");
}

#[test]
fn diff_refuses_what_is_not_a_trace_and_says_when_packs_ran_different_scenarios() {
    let dir = Scratch::new("commands", "diff");
    let empty = dir.write("empty.jsonl", "");
    let (code, _, stderr) = finsim(&["diff", &empty, &empty]);
    assert_eq!((code, stderr.contains("empty: a trace has at least one event")), (2, true), "{stderr}");
    let latin = dir.write("latin.jsonl", b"{\"t_us\":0,\"event\":\"caf\xe9\"}\n");
    let (code, _, stderr) = finsim(&["diff", &latin, &latin]);
    assert_eq!((code, stderr.contains("not UTF-8")), (2, true), "{stderr}");
    let secret = dir.write("secret.jsonl", format!("{SECRET}\n"));
    let (code, _, stderr) = finsim(&["diff", &secret, &secret]);
    assert_eq!(code, 2);
    assert!(!stderr.contains(SECRET), "{stderr}");
    let (a, b) = (dir.path("a"), dir.path("b"));
    finsim(&["run", "--evidence", &a]);
    finsim(&["run", "scenarios/three-clusters.yaml", "--evidence", &b]);
    let (code, stdout, _) = finsim(&["diff", &a, &b]);
    assert_eq!(code, 1);
    assert!(stdout.starts_with("the packs ran different scenarios: A `advertise-then-transfer`"), "{stdout}");
}

#[test]
fn generate_refuses_at_once_a_size_run_would_refuse() {
    let base = ["generate", "--orgs", "10", "--clusters", "2", "--users", "10", "--assets", "10", "--transfers"];
    for transfers in ["18446744073709551615", "1000000000", "2000000"] {
        let (code, stdout, stderr) = finsim(&[&base[..], &[transfers]].concat());
        assert_eq!(code, 2, "{transfers}: {stderr}");
        assert!(stdout.is_empty() && stderr.contains("at most 64 MiB"), "{stderr}");
    }
}

#[test]
fn an_argument_holding_a_reordering_character_is_shown_escaped() {
    let (code, _, stderr) = finsim(&["run", "--seed", "1\u{202e}2"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("1\\u{202e}2") && !stderr.contains('\u{202e}'), "{stderr}");
}

#[test]
fn a_corpus_entry_naming_a_file_outside_the_suite_is_never_read() {
    let dir = Scratch::new("commands", "corpus");
    dir.write("corpus/passwd.json", r#"{"file": "/etc/passwd", "seed": 1, "failed": ["x"]}"#);
    let (code, stdout, stderr) =
        finsim(&["test", "scenarios/advertise-then-transfer.yaml", "--corpus", &dir.path("corpus")]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("corpus: /etc/passwd seed 1 is not a file of this suite: not run"), "{stdout}");
    assert!(!stdout.contains("root:"), "{stdout}");
}
