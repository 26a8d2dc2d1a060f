//! `finsim report`: one self-contained page a person who does not program can read and print,
//! checked as text and, where Debian's Chromium is installed (CI installs it), rendered by a real
//! headless browser.

use super::{load, root};
use std::process::Command;

fn page(file: &str) -> (finsim::Outcome, String) {
    let scenario = load(&root().join(file));
    let (outcome, material) = finsim::evidence::run(&scenario, scenario.seed);
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
        assert!(page.contains("Chainpoint proof"), "{file}");
        assert!(page.contains(&format!("finsim run {file} --seed {}", outcome.seed)), "{file}");
    }
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
    let (outcome, material) = finsim::evidence::run(&scenario, scenario.seed);
    let page = finsim::report::html::page(&scenario, &outcome, &material, "hostile.yaml");
    assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"));
}

#[test]
fn a_real_headless_browser_renders_the_report_and_prints_it() {
    let browser =
        ["chromium", "chromium-browser"].into_iter().find(|b| Command::new(b).arg("--version").output().is_ok());
    let Some(browser) = browser else {
        assert!(std::env::var_os("CI").is_none(), "Chromium is needed to render the report (apt-get install chromium)");
        eprintln!("skipped: no Chromium to render the report in");
        return;
    };
    let (_, page) = page("scenarios/advertise-then-transfer.yaml");
    let dir = std::env::temp_dir().join(format!("finsim-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
