//! `finsim report`: one self-contained page a person who does not program can read and print,
//! checked as text and, where Debian's Chromium is installed (CI installs it), rendered by a real
//! headless browser.

use super::{bundled, load, relative, root};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

fn page(file: &str) -> (finsim::Outcome, String) {
    let scenario = load(&root().join(file));
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
    let page = finsim::report::html::page(&scenario, &outcome, &material, file);
    (outcome, page)
}

#[test]
fn the_report_is_self_contained_and_shows_every_check_the_flow_and_who_saw_what() {
    for file in ["scenarios/advertise-then-transfer.yaml", "scenarios/faults/chaos.yaml"] {
        let (outcome, page) = page(file);
        assert!(page.starts_with("<!DOCTYPE html>"), "{file}");
        assert!(!page.contains("<script"), "{file}: no script");
        let outside: Vec<&str> = page
            .match_indices("http")
            .map(|(i, _)| &page[i..(i + 30).min(page.len())])
            .filter(|s| !s.starts_with("http://www.w3.org/2000/svg"))
            .collect();
        assert!(outside.is_empty(), "{file}: no request leaves the page: {outside:?}");
        assert!(page.contains("@media print"), "{file}: a print stylesheet");
        for check in outcome.expectations.iter().chain(&outcome.invariants) {
            assert!(page.contains(&check.name.replace('>', "&gt;")), "{file}: {}", check.name);
        }
        assert!(page.contains(&outcome.digest), "{file}: the digest");
        assert!(page.contains("Who saw whose personal data") && page.contains("countryOfResidence"), "{file}");
        assert!(page.contains("aria-label=\"sequence diagram\""), "{file}");
        // Every message's kind and request are written beside its arrow, for paper.
        for record in &outcome.trace {
            if let finsim::trace::Event::Send { hop, .. } = &record.event {
                assert!(page.contains(&format!(">{} #{}", hop.kind, hop.request_id)), "{file}: {hop:?}");
            }
        }
        assert!(page.contains("Chainpoint proof"), "{file}");
        assert!(page.contains(&format!("finsim run {file} --seed {}", outcome.seed)), "{file}");
    }
    let (_, sample) = page("scenarios/advertise-then-transfer.yaml");
    assert!(
        sample.contains("stroke-width=\"2.2\"")
            && sample.contains(">get_response #10101 · personal data of Alice Example<"),
        "the message that carries Alice's IVMS-101 document is marked, with whose data it carries"
    );
    assert_eq!(sample.matches("stroke-width=\"2.2\"").count(), 1, "and no other message");
    let (_, chaos) = page("scenarios/faults/chaos.yaml");
    for mark in
        ["(dropped)", "(partition)", "duplicated", "corrupted", "crashed", "restarted", "(retry)", "(byzantine)"]
    {
        assert!(chaos.contains(mark), "the chaos run's faults are marked: {mark}");
    }
}

#[test]
fn a_names_markup_is_shown_as_text_not_obeyed() {
    let text = finsim::scenario::SAMPLE_FLOW.replacen(
        "The seed's sample flow.",
        "The seed's <script>alert(1)</script> sample flow.",
        1,
    );
    let scenario = finsim::scenario::parse("hostile.yaml", &text).unwrap();
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
    let page = finsim::report::html::page(&scenario, &outcome, &material, "hostile.yaml");
    assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"));
}

/// Debian's Chromium, where it is installed; under CI its absence is a failure.
fn chromium() -> Option<&'static str> {
    let browser =
        ["chromium", "chromium-browser"].into_iter().find(|b| Command::new(b).arg("--version").output().is_ok());
    if browser.is_none() {
        assert!(std::env::var_os("CI").is_none(), "Chromium is needed to render the report (apt-get install chromium)");
        eprintln!("skipped: no Chromium to render the report in");
    }
    browser
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("finsim-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every bundled scenario's report, opened in Chromium through playwright-core
/// (`tests/browser/render.mjs`): no console error, no request leaving the page, a lane for every
/// org, user and ledger (and any other actor that took part), a row for every compliance check of the trace, and a
/// who-saw-what table that says what the run's `personal_data` says.
#[test]
fn every_bundled_report_renders_in_chromium_without_errors_or_requests_and_shows_the_run() {
    let Some(_) = chromium() else { return };
    let driver = root().join("tests/browser");
    if !driver.join("node_modules/playwright-core").is_dir() {
        assert!(std::env::var_os("CI").is_none(), "playwright-core is needed: npm ci in tests/browser");
        eprintln!("skipped: playwright-core is not installed (npm ci in tests/browser)");
        return;
    }
    let dir = scratch("bundled");
    // The driver's own check: a page that logs an error, throws and fetches from outside is caught.
    let hostile = dir.join("hostile.html");
    // Two texts drawn over each other are caught; so is a heading left as a printed page's last
    // line (a forced page break right after it).
    std::fs::write(
        &hostile,
        "<!DOCTYPE html><title>t</title><img src=\"http://example.invalid/x.png\"><script>console.error('boom'); missing();</script>\
         <svg width=\"200\" height=\"40\"><text x=\"10\" y=\"20\">transfer #1</text><text x=\"30\" y=\"24\">order #1</text></svg>\
         <h2>Left alone</h2><p style=\"break-before: page\">next page</p>",
    )
    .unwrap();
    let output =
        Command::new("node").arg(driver.join("render.mjs")).arg("--pdf").arg(&dir).arg(&hostile).output().unwrap();
    let caught: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{output:?}"));
    assert!(caught["console_errors"].as_array().unwrap().contains(&"boom".into()), "{caught}");
    assert!(caught["page_errors"][0].as_str().unwrap().contains("missing"), "{caught}");
    assert_eq!(caught["requests_outside"], serde_json::json!(["http://example.invalid/x.png"]), "{caught}");
    assert_eq!(caught["overlaps"], serde_json::json!([["transfer #1", "order #1"]]), "{caught}");
    assert_eq!(headings_ending_a_page(&dir.join("hostile.pdf"), &caught), ["page 1 ends with Left alone"]);
    std::fs::remove_file(&hostile).unwrap();
    let mut runs = BTreeMap::new();
    for path in bundled() {
        let file = relative(&path);
        let (outcome, page) = page(&file);
        let html = dir.join(format!("{}.html", file.replace('/', "_")));
        std::fs::write(&html, page).unwrap();
        runs.insert(html.display().to_string(), (file, outcome));
    }
    let shots = dir.join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let output = Command::new("node")
        .arg(driver.join("render.mjs"))
        .arg("--screenshot")
        .arg(&shots)
        .arg("--pdf")
        .arg(&dir)
        .args(runs.keys())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let seen: Vec<serde_json::Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(seen.len(), runs.len());
    for page in &seen {
        let (file, outcome) = &runs[page["file"].as_str().unwrap()];
        let scenario = load(&root().join(file));
        for quiet in ["console_errors", "page_errors", "requests_outside"] {
            assert_eq!(page[quiet], serde_json::json!([]), "{file}: {quiet}");
        }
        assert_eq!(page["heading"], format!("Run of {}", scenario.name), "{file}");
        assert_eq!(page["overlaps"], serde_json::json!([]), "{file}: texts drawn over each other");
        let html = std::path::Path::new(page["file"].as_str().unwrap());
        let pdf = dir.join(format!("{}.pdf", html.file_stem().unwrap().to_str().unwrap()));
        assert_eq!(headings_ending_a_page(&pdf, page), Vec::<String>::new(), "{file}: printed on A4");
        // A user's lane is headed by the user's name, where the scenario gives one.
        for (lane, heading) in page["lanes"].as_array().unwrap().iter().zip(page["lane_headings"].as_array().unwrap()) {
            let Some(user) = lane.as_str().unwrap().strip_prefix("user:") else { continue };
            let id = finsim::protocol::ids::ResourceId::parse(user).unwrap();
            let name = scenario.users[&id].ivms.as_ref().map_or(user, |person| person.name.as_str());
            assert_eq!(heading[0], name, "{file}: {lane}");
        }
        let shot = std::fs::read(shots.join(format!("{}.png", html.file_stem().unwrap().to_str().unwrap()))).unwrap();
        assert!(shot.starts_with(b"\x89PNG") && shot.len() > 20_000, "{file}: a screenshot of the whole page");
        let lanes: BTreeSet<String> =
            page["lanes"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_owned()).collect();
        let mut actors: BTreeSet<String> = scenario.orgs.keys().map(ToString::to_string).collect();
        actors.extend(scenario.users.keys().map(|u| format!("user:{u}")));
        actors.extend(scenario.clusters.keys().map(|c| format!("ledger:{c}")));
        for record in &outcome.trace {
            if let finsim::trace::Event::Send { hop, .. } = &record.event {
                actors.extend([hop.from.to_string(), hop.to.to_string()]);
            }
        }
        assert_eq!(lanes, actors, "{file}: a lane for every org, user and ledger");
        let checks = outcome
            .trace
            .iter()
            .filter(|r| matches!(r.event, finsim::trace::Event::Note(finsim::trace::note::Note::Compliance { .. })))
            .count();
        assert_eq!(page["compliance"].as_array().unwrap().len(), checks, "{file}: a row per compliance check");
        let mut who_saw: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in page["who_saw"].as_array().unwrap() {
            let (party, user) = (row[0].as_str().unwrap(), row[1].as_str().unwrap());
            who_saw.entry(user.to_owned()).or_default().insert(party.to_owned());
        }
        let json: BTreeMap<String, BTreeSet<String>> = outcome
            .personal_data
            .iter()
            .map(|p| (p.user.clone(), p.seen_by.iter().cloned().collect()))
            .filter(|(_, seen_by): &(String, BTreeSet<String>)| !seen_by.is_empty())
            .collect();
        assert_eq!(who_saw, json, "{file}: the who-saw-what table is the personal_data of the JSON");
    }
    // A large run's page (aggregates, a histogram, the most notable operations) too.
    let scenario = generated(12, 24, 260, finsim::generate::Faults::Heavy);
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
    let large = dir.join("large.html");
    std::fs::write(&large, finsim::report::html::page(&scenario, &outcome, &material, "generated.yaml")).unwrap();
    let output =
        Command::new("node").arg(driver.join("render.mjs")).arg("--pdf").arg(&dir).arg(&large).output().unwrap();
    let page: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{output:?}"));
    for quiet in ["console_errors", "page_errors", "requests_outside", "overlaps"] {
        assert_eq!(page[quiet], serde_json::json!([]), "the large run's page: {quiet}");
    }
    assert_eq!(page["texts"], 5, "its histogram's five labels were measured: {page}");
    assert_eq!(headings_ending_a_page(&dir.join("large.pdf"), &page), Vec::<String>::new());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The headings (of the page the browser saw) that are the last line of a page of its printed
/// PDF, read back by poppler's `pdftotext`, one per page that ends so.
fn headings_ending_a_page(pdf: &std::path::Path, seen: &serde_json::Value) -> Vec<String> {
    let output = Command::new("pdftotext").arg("-layout").arg(pdf).arg("-").output();
    let output = match output {
        Ok(output) if output.status.success() => output,
        other => panic!("pdftotext (poppler-utils) reads {}: {other:?}", pdf.display()),
    };
    let headings: BTreeSet<&str> = seen["headings"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
    let text = String::from_utf8_lossy(&output.stdout);
    let mut found = Vec::new();
    for (n, printed) in text.split('\u{c}').enumerate() {
        if let Some(last) = printed.lines().map(str::trim).rfind(|l| !l.is_empty()) {
            if headings.contains(last) {
                found.push(format!("page {} ends with {last}", n + 1));
            }
        }
    }
    found
}

#[test]
fn a_real_headless_browser_prints_the_report() {
    let Some(browser) = chromium() else { return };
    let (_, page) = page("scenarios/advertise-then-transfer.yaml");
    let dir = scratch("print");
    let html = dir.join("report.html");
    std::fs::write(&html, page).unwrap();
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile = format!("--user-data-dir={}", dir.join("profile").display());
    let url = format!("file://{}", html.display());
    let dom = Command::new(browser).args(flags).arg(&profile).arg("--dump-dom").arg(&url).output().unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("Run of advertise-then-transfer") && dom.contains("PASSED"), "{dom}");
    assert!(dom.contains("<svg") && dom.contains("Who saw whose personal data"), "the browser built the page");
    let pdf = dir.join("report.pdf");
    let printed = Command::new(browser)
        .args(flags)
        .arg(&profile)
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg("--no-pdf-header-footer")
        .arg(&url)
        .output()
        .unwrap();
    let bytes = std::fs::read(&pdf).unwrap_or_else(|_| panic!("{printed:?}"));
    assert!(bytes.starts_with(b"%PDF") && bytes.len() > 10_000, "printed: {} bytes", bytes.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Reads CSV tables with Python's own `csv` module (not the crate that wrote them): each file's
/// rows as dictionaries.
fn read_csv(dir: &std::path::Path) -> serde_json::Value {
    let script = "import csv, json, sys, pathlib\n\
                  d = pathlib.Path(sys.argv[1])\n\
                  print(json.dumps({p.name: list(csv.DictReader(p.open(newline=''))) for p in sorted(d.glob('*.csv'))}))";
    let output = Command::new("python3").args(["-c", script]).arg(dir).output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{output:?}"))
}

#[test]
fn report_csv_writes_every_operation_check_and_disclosure_a_spreadsheet_reads() {
    let dir = scratch("csv");
    for (file, operations) in [
        ("scenarios/compliance/denied-countries-and-travel-rule.yaml", 5),
        ("scenarios/plans/dvp-completed.yaml", 1),
        ("scenarios/supply/issue-and-redeem.yaml", 3),
    ] {
        let tables = dir.join(file.replace('/', "_"));
        let html = dir.join("page.html");
        let args = ["report", file, "-o", html.to_str().unwrap(), "--csv", tables.to_str().unwrap()];
        let (code, stdout, stderr) = super::cli::finsim(&args);
        assert_eq!(code, 0, "{file}: {stdout}{stderr}");
        assert!(stdout.contains("CSV tables written to"), "{stdout}");
        let read = read_csv(&tables);
        let scenario = super::load(&root().join(file));
        let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
        let rows = |name: &str| read[name].as_array().unwrap().clone();
        assert_eq!(rows("operations.csv").len(), operations, "{file}: one row per transfer, issue, redeem and plan");
        for row in rows("operations.csv") {
            assert!(
                ["settled", "rejected", "completed", "pending"].contains(&row["status"].as_str().unwrap()),
                "{row}"
            );
            assert!(row["started_at"].as_str().unwrap().starts_with("2026-01-01T"), "{row}");
            // A final status has its moment and its latency, a plan's as a transfer's.
            if row["status"] != "pending" {
                assert!(row["final_at"].as_str().unwrap().starts_with("2026-01-01T"), "{row}");
                assert!(row["latency_ms"].as_str().unwrap().parse::<f64>().unwrap() > 0.0, "{row}");
            }
        }
        let checks = rows("checks.csv");
        assert_eq!(checks.len(), outcome.expectations.len() + outcome.invariants.len(), "{file}");
        assert!(checks.iter().all(|c| c["verdict"] == "holds"), "{file}: {checks:?}");
        let register = finsim::evidence::register_lines(&material);
        assert_eq!(rows("disclosures.csv").len(), register.len(), "{file}: one row per line of the register");
        std::fs::remove_file(&html).unwrap();
    }
    // The compliance scenario's refusals, as a spreadsheet shows them.
    let read = read_csv(&dir.join("scenarios_compliance_denied-countries-and-travel-rule.yaml"));
    let refused: Vec<(&str, &str)> = read["operations.csv"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "rejected")
        .map(|r| (r["request_id"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(refused, [("2", "regulation"), ("4", "regulation")]);
    // A directory that is not empty is refused before the run.
    let (code, _, stderr) =
        super::cli::finsim(&["report", "scenarios/advertise-then-transfer.yaml", "--csv", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the directory is not empty"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_summary_comes_first_and_sets_the_authors_verdict_apart_from_compliance() {
    let (outcome, page) = page("scenarios/regulation-rejection.yaml");
    assert!(outcome.passed);
    let at = |text: &str| page.find(text).unwrap_or_else(|| panic!("{text} not in the page"));
    assert!(at("<h2>Summary</h2>") < at("The scenario's author describes it: "), "the summary first");
    assert!(at("The scenario's author describes it: ") < at("<h2>What was checked</h2>"));
    assert!(page.contains("It does not mean compliant"), "PASSED is the author's expectations, said so");
    // Operations by final status and reason: one settled, two refused by regulation.
    let table = &page[at("id=\"operations-by-status\"")..];
    let table = &table[..table.find("</table>").unwrap()];
    for row in [
        "<td>transfer</td><td>rejected</td><td>regulation</td><td>2</td>",
        "<td>transfer</td><td>settled</td><td></td><td>1</td>",
    ] {
        assert!(table.contains(row), "{row} in {table}");
    }
    // Rejections by rule: the country rule and the quantity rule, once each.
    let rules = &page[at("id=\"rejections-by-rule\"")..];
    let rules = &rules[..rules.find("</table>").unwrap()];
    assert!(rules.contains("<code>allowed_countries</code></td><td>1</td>"), "{rules}");
    assert!(rules.contains("<code>max_quantity</code></td><td>1</td>"), "{rules}");
    // Personal data by recipient and purpose: org_2 got the documents, for its rules.
    let disclosed = &page[at("id=\"disclosed-by-recipient\"")..];
    let disclosed = &disclosed[..disclosed.find("</table>").unwrap()];
    assert!(disclosed.contains("<td>org_2</td><td>transfer: receiver_matches, allowed_countries</td>"), "{disclosed}");
    assert!(page.contains("<dt><code>ATST</code></dt>"), "a glossary");
}

/// The cells of a table of the page (by its id), row by row, as text; header rows left out.
fn table_rows(page: &str, id: &str) -> Vec<Vec<String>> {
    let start = page.find(&format!("<table id=\"{id}\">")).unwrap_or_else(|| panic!("no table {id}"));
    let table = &page[start..];
    let table = &table[..table.find("</table>").unwrap()];
    let text = |cell: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in cell.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    };
    table
        .split("<tr>")
        .filter(|row| row.starts_with("<td"))
        .map(|row| row.split("<td").skip(1).map(|cell| text(&format!("<td{cell}"))).collect())
        .collect()
}

/// A generated run, parsed; `orgs_block` (YAML) is put before its users.
fn generated_with(spec: finsim::generate::Spec, orgs_block: &str) -> finsim::scenario::Scenario {
    let text =
        finsim::generate::scenario_yaml(&spec).unwrap().replacen("\nusers:\n", &format!("\n{orgs_block}users:\n"), 1);
    finsim::scenario::parse("generated.yaml", &text).unwrap()
}

/// A generated run of 4 clusters and 8 assets, parsed.
fn generated(
    orgs: usize,
    users: usize,
    transfers: usize,
    faults: finsim::generate::Faults,
) -> finsim::scenario::Scenario {
    generated_with(finsim::generate::Spec { orgs, clusters: 4, users, assets: 8, transfers, faults, seed: 3 }, "")
}

#[test]
fn a_large_run_is_shown_in_aggregates_with_its_most_notable_operations_in_full() {
    // 260 transfers under heavy faults: more than 200 operations, some of them retried or failed.
    let scenario = generated(12, 24, 260, finsim::generate::Faults::Heavy);
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
    let accounts = finsim::report::Accounts::of(&scenario, &outcome, &material);
    assert_eq!(accounts.operations.len(), 260);
    let page = finsim::report::html::page_with(&scenario, &outcome, &material, &accounts, "generated.yaml");
    assert!(!page.contains("aria-label=\"sequence diagram\""), "no per-message diagram");
    assert!(page.contains("No regulation check ran."), "the per-rule table says so when no rule ran");
    for table in ["messages-by-kind", "latencies", "per-cluster", "expectations-by-kind", "clusters", "supply"] {
        assert!(page.contains(&format!("id=\"{table}\"")), "the aggregate table {table}");
    }
    assert!(page.contains("aria-label=\"latency of each transfer\""), "the latency distribution, drawn");
    // The 20 most notable operations, each in full: what did not settle first, then the most
    // retried, then the slowest.
    let shown: Vec<u64> = page
        .match_indices("<div class=\"operation\"><h3>Transfer ")
        .map(|(i, m)| page[i + m.len()..].split('<').next().unwrap().parse().unwrap())
        .collect();
    let notable: Vec<u64> =
        finsim::report::operations::notable(&accounts.operations, 20).iter().map(|o| o.id).collect();
    assert_eq!(shown, notable);
    // Heavy faults settle every transfer here, some after retries: the most retried come first.
    assert!(accounts.operations.iter().all(|o| o.succeeded()));
    let most = accounts.operations.iter().map(|o| o.retries.unwrap_or(0)).max().unwrap();
    assert!(most > 0, "heavy faults make some exchange re-sent");
    let retried = |id: &u64| accounts.operations.iter().find(|o| o.id == *id).unwrap().retries.unwrap_or(0);
    let least_shown = shown.iter().map(retried).min().unwrap();
    let most_hidden =
        accounts.operations.iter().filter(|o| !shown.contains(&o.id)).map(|o| o.retries.unwrap_or(0)).max().unwrap();
    assert!(least_shown >= most_hidden, "none hidden was retried more than one shown");
    // The aggregates say what the run says.
    let number = |cell: &str| cell.replace(',', "").parse::<u64>().unwrap_or_else(|_| panic!("{cell}"));
    let mut expected: BTreeMap<String, [u64; 6]> = BTreeMap::new();
    for record in &outcome.trace {
        use finsim::trace::Event;
        let (hop, column) = match &record.event {
            Event::Send { hop, retry: true, .. } => {
                expected.entry(hop.kind.word().to_owned()).or_default()[1] += 1;
                (hop, 0)
            }
            Event::Send { hop, .. } => (hop, 0),
            Event::Delivered { hop } => (hop, 2),
            Event::Lost { hop, .. } => (hop, 3),
            Event::Duplicated { hop, .. } => (hop, 4),
            Event::Corrupted { hop, .. } => (hop, 5),
            _ => continue,
        };
        expected.entry(hop.kind.word().to_owned()).or_default()[column] += 1;
    }
    let messages: BTreeMap<String, [u64; 6]> = table_rows(&page, "messages-by-kind")
        .iter()
        .map(|row| (row[0].clone(), std::array::from_fn(|i| number(&row[i + 1]))))
        .collect();
    assert_eq!(messages, expected, "messages by kind: sent, retries, delivered, lost, duplicated, corrupted");
    assert!(expected.values().any(|row| row[3] > 0 && row[4] > 0 && row[5] > 0), "heavy faults lose and alter");
    let mut latencies: Vec<u64> = accounts.operations.iter().filter_map(|o| o.latency_us()).collect();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((q * latencies.len() as f64).ceil() as usize).max(1) - 1];
    let ms = |us: u64| format!("{:.3}", us as f64 / 1000.0);
    assert_eq!(
        table_rows(&page, "latencies"),
        [vec![
            "transfer".to_owned(),
            latencies.len().to_string(),
            (260 - latencies.len()).to_string(),
            ms(latencies[0]),
            ms(at(0.5)),
            ms(at(0.95)),
            ms(latencies[latencies.len() - 1]),
        ]]
    );
    let mut by_cluster: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for op in &accounts.operations {
        let row = by_cluster.entry(op.cluster.clone()).or_default();
        row.0 += 1;
        row.1 += u64::from(op.succeeded());
    }
    let shown_clusters: BTreeMap<String, (u64, u64)> = table_rows(&page, "per-cluster")
        .iter()
        .map(|row| (row[0].clone(), (number(&row[1]), number(&row[2]))))
        .collect();
    assert_eq!(shown_clusters, by_cluster, "operations by cluster");
    let expectations: u64 =
        table_rows(&page, "expectations-by-kind").iter().map(|r| number(&r[1]) + number(&r[2])).sum();
    assert_eq!(expectations, outcome.expectations.len() as u64);
    let clusters = table_rows(&page, "clusters");
    let sum = |i: usize| clusters.iter().map(|row| number(&row[i])).sum::<u64>();
    assert_eq!(clusters.len(), scenario.clusters.len());
    assert_eq!([sum(1), sum(2), sum(3)], [12, scenario.users.len() as u64, 8], "orgs, users, assets by cluster");
    for row in table_rows(&page, "supply") {
        assert_eq!(row[3], row[5], "transfers conserve each cluster's supply: {row:?}");
    }
    // Rules at scale: org_1 allows at most 5 tokens, so its larger sales are refused; they come
    // first among the most notable, and the checks that were not met are listed.
    let spec = finsim::generate::Spec {
        orgs: 12,
        clusters: 4,
        users: 24,
        assets: 8,
        transfers: 260,
        faults: finsim::generate::Faults::None,
        seed: 3,
    };
    let ruled = generated_with(spec, "orgs:\n  org_1:\n    regulation: { max_quantity: 5 }\n\n");
    let (outcome, material) = finsim::Simulator::new().evidence(&ruled, ruled.seed);
    let accounts = finsim::report::Accounts::of(&ruled, &outcome, &material);
    let page = finsim::report::html::page_with(&ruled, &outcome, &material, &accounts, "generated.yaml");
    let mut by_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for record in &outcome.trace {
        if let finsim::trace::Event::Note(finsim::trace::note::Note::Compliance { check, passed, .. }) = &record.event {
            let row = by_rule.entry(check.rule.word().to_owned()).or_default();
            if *passed {
                row.0 += 1;
            } else {
                row.1 += 1;
            }
        }
    }
    let expected: Vec<Vec<String>> = by_rule
        .iter()
        .map(|(rule, (passed, failed))| vec![rule.clone(), "1".to_owned(), passed.to_string(), failed.to_string()])
        .collect();
    assert_eq!(table_rows(&page, "per-rule"), expected, "checks by rule, all run by org_1");
    let failed = by_rule["max_quantity"].1;
    assert!(failed > 0 && by_rule["max_quantity"].0 > 0);
    let refused: Vec<u64> = accounts.operations.iter().filter(|o| !o.succeeded()).map(|o| o.id).collect();
    assert_eq!(refused.len(), failed, "each refusal is a rejected transfer");
    let shown: Vec<u64> = page
        .match_indices("<div class=\"operation\"><h3>Transfer ")
        .map(|(i, m)| page[i + m.len()..].split('<').next().unwrap().parse().unwrap())
        .collect();
    assert!(refused.len() < 20 && shown.len() == 20, "{refused:?}");
    assert!(refused.iter().all(|id| shown.contains(id)), "every refused one is among the most notable");
    let missed: Vec<String> = outcome.expectations.iter().filter(|c| !c.passed).map(|c| c.name.clone()).collect();
    assert!(!missed.is_empty(), "the generated expectations say settled");
    for name in missed.iter().take(100) {
        assert!(page.contains(&format!("<tr><td>{name}</td>")), "{name} is listed");
    }
    let met = outcome.expectations.iter().filter(|c| c.passed).map(|c| c.name.clone()).next().unwrap();
    assert!(!page.contains(&format!("<tr><td>{met}</td>")), "an expectation met is not listed one by one");
    // The same run below both thresholds shows every operation and its diagram.
    let small = generated(12, 24, 40, finsim::generate::Faults::Heavy);
    let (outcome, material) = finsim::Simulator::new().evidence(&small, small.seed);
    let page = finsim::report::html::page(&small, &outcome, &material, "generated.yaml");
    assert!(page.contains("aria-label=\"sequence diagram\""));
    assert_eq!(page.matches("<div class=\"operation\">").count(), 40);
}

#[test]
fn more_than_a_hundred_lanes_are_shown_in_aggregates() {
    // 60 orgs, 50 users, 8 treasuries (one per asset) and 4 ledgers: 122 lanes, for 10 transfers.
    let scenario = generated(60, 50, 10, finsim::generate::Faults::None);
    let (outcome, material) = finsim::Simulator::new().evidence(&scenario, scenario.seed);
    let page = finsim::report::html::page(&scenario, &outcome, &material, "generated.yaml");
    let why = page.find("This run has ").map(|i| &page[i..i + 40]);
    assert_eq!(why, Some("This run has 10 operations and 122 lanes"), "the page says why it shows aggregates");
    assert!(!page.contains("aria-label=\"sequence diagram\""));
    assert_eq!(page.matches("<div class=\"operation\">").count(), 10, "all ten are among the most notable");
}
