//! `finsim report`: one self-contained HTML page for a reader who does not program. CSS and SVG
//! are inline (no script, no font, no request leaves the page); a print stylesheet lays it out on
//! paper. Built with maud (escaped by construction); the diagrams are SVG finsim draws itself.

use super::aggregates;
use crate::actors::note::Note;
use crate::evidence::Material;
use crate::outcome::Outcome;
use crate::scenario::Scenario;
use crate::sentences;
use crate::trace::{Event, Record};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

const STYLE: &str = "
body { font: 15px/1.45 system-ui, sans-serif; color: #1b1b1b; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2.2rem; }
.verdict { font-size: 1.3rem; font-weight: 600; padding: .4rem .8rem; display: inline-block; border-radius: 4px; }
.passed { background: #e3f4e1; color: #1d5e1a; } .failed { background: #fbe2e2; color: #8a1c1c; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; } th, td { border: 1px solid #d6d6d6; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.ok { color: #1d5e1a; } td.fail { color: #8a1c1c; font-weight: 600; }
code, .mono { font-family: ui-monospace, monospace; font-size: .85em; word-break: break-all; }
.when { white-space: nowrap; word-break: normal; }
svg { max-width: 100%; height: auto; background: #fff; } .legend span { margin-right: 1.2rem; display: inline-block; }
.diagram { overflow-x: auto; } .diagram svg { max-width: none; }
.author { border-left: 3px solid #ccc; padding-left: .8rem; color: #444; }
dl.glossary dt { font-weight: 600; margin-top: .3rem; } dl.glossary dd { margin-left: 1.5rem; }
.scale { background: #f4f7fb; padding: .5rem .8rem; border-radius: 4px; }
figure { margin: .8rem 0; } figcaption { color: #444; font-size: .9em; }
@page { size: A4; margin: 14mm 12mm; } @page wide { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.2rem; } h3 { font-size: 11pt; }
  h1, h2, h3, .legend, figcaption { break-after: avoid-page; break-inside: avoid; }
  th, td { font-size: 9pt; padding: .15rem .35rem; } code, .mono { font-size: 8.5pt; }
  tr, figure, .operation > p { break-inside: avoid; }
  section.flow { page: wide; } .diagram { overflow: visible; } .diagram svg { max-width: 100%; }
}
";

/// The report of one run: its outcome, the trace and the evidence of `material`.
pub fn page(scenario: &Scenario, outcome: &Outcome, material: &Material, file: &str) -> String {
    page_with(scenario, outcome, material, &super::Accounts::of(scenario, outcome, material), file)
}

/// The report of one run, with its `accounts` already made (a caller that also writes the CSV
/// tables makes them once). A run of more than 200 operations or 100 lanes is shown in
/// aggregates, with its 20 most notable operations in full.
pub fn page_with(
    scenario: &Scenario,
    outcome: &Outcome,
    material: &Material,
    accounts: &super::Accounts,
    file: &str,
) -> String {
    let verdict = if outcome.passed { "PASSED" } else { "FAILED" };
    let lanes = super::diagram::lane_count(scenario);
    let large = aggregates::at_scale(accounts.operations.len(), lanes);
    // The operations shown in full: all of them, or the most notable of a large run.
    let shown: BTreeSet<(&str, u64)> = if large {
        super::operations::notable(&accounts.operations, aggregates::NOTABLE).iter().map(|o| (o.kind, o.id)).collect()
    } else {
        accounts.operations.iter().map(|o| (o.kind, o.id)).collect()
    };
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "finsim report: " (scenario.name) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Run of " (scenario.name) }
                p { span class={ "verdict " (verdict.to_lowercase()) } { (verdict) } " at seed " (outcome.seed)
                    ", " (aggregates::count(outcome.messages)) " messages, from " (outcome.start) " to " (outcome.end)
                    " (" (format!("{:.3}", outcome.virtual_ms)) " ms of virtual time; every moment below is UTC)" }
                (summary(outcome, accounts, large))
                @if !scenario.description.is_empty() {
                    p class="author" { strong { "The scenario's author describes it: " } (scenario.description) }
                }
                @if large {
                    p class="scale" { "This run has " (aggregates::count(accounts.operations.len())) " operations and "
                        (aggregates::count(lanes)) " lanes: more than a page can show one by one (" (aggregates::OPERATIONS)
                        " operations or " (aggregates::LANES) " lanes). This report shows aggregates and the "
                        (aggregates::NOTABLE) " most notable operations in full; "
                        code { "finsim report " (file) " --csv DIR" } " writes every operation, check and disclosure as CSV." }
                }
                section {
                    h2 { "What was checked" }
                    @if large { (aggregates::checks(outcome)) (invariants(outcome)) } @else { (checks(outcome)) }
                }
                section {
                    h2 { "The network" }
                    @if large { (aggregates::network(scenario)) } @else { (topology(scenario)) }
                }
                @if large {
                    section {
                        h2 { "Messages" }
                        (aggregates::messages(&outcome.trace))
                    }
                    section {
                        h2 { "How long operations took" }
                        (aggregates::latencies(&accounts.operations))
                    }
                    section {
                        h2 { "Operations by cluster" }
                        (aggregates::clusters(&accounts.operations))
                    }
                    section {
                        h2 { "Regulation checks by rule" }
                        (aggregates::rules(&outcome.trace))
                    }
                } @else {
                    section class="flow" {
                        h2 { "The flow over time" }
                        (super::diagram::sequence(scenario, &outcome.trace))
                    }
                }
                section {
                    h2 { @if large { "The " (shown.len()) " most notable operations" } @else { "Transfers, issues and redeems" } }
                    @if large { p { "Every operation that did not settle or complete, then the most retried, then the slowest; in flow order." } }
                    (transfers(scenario, outcome, material, &shown))
                    (balances(scenario, material, large))
                }
                @if outcome.plans.iter().any(|p| shown.contains(&("plan", p.id))) {
                    section {
                        h2 { "Execution plans" }
                        (plans(scenario, outcome, material, &shown))
                    }
                }
                section {
                    h2 { "Who saw whose personal data" }
                    (who_saw(scenario, &outcome.trace, large))
                }
                section {
                    h2 { "Register of personal data" }
                    (register(&accounts.register, large))
                }
                section {
                    h2 { "Suspects" }
                    @if outcome.suspects.is_empty() { p { "No honest org suspected another." } }
                    @else { p { "Flagged by an honest org: " (outcome.suspects.join(", ")) } }
                }
                section {
                    h2 { "Words this report uses" }
                    (glossary())
                }
                section {
                    h2 { "Reproduce" }
                    p { "The run's digest (SHA-256 of its canonical trace): " code { (outcome.digest) } }
                    p { "The public keys every signature is checked with (" code { "keys.json" } " of the run's evidence pack) have SHA-256 "
                        code { (crate::evidence::keys_sha256(material)) }
                        ": compare it with the keys the orgs published elsewhere, the one thing a pack asserts of itself." }
                    p { "The same file and seed give the same trace on any machine: " code { "finsim run " (file) " --seed " (outcome.seed) } }
                }
            }
        }
    };
    markup.into_string()
}

/// The summary a reader sees first: the verdict against the author's expectations, set apart
/// from what a regulator asks (operations by final status and reason, rejections by rule,
/// personal data by recipient and purpose, the invariants).
fn summary(outcome: &Outcome, accounts: &super::Accounts, large: bool) -> Markup {
    let met = outcome.expectations.iter().filter(|c| c.passed).count();
    let verdict = match outcome.passed {
        true => format!(
            "PASSED means the run met every one of the {} expectations its author wrote, and every invariant held (or \
             broke as the author expected). It does not mean compliant: rejections below may be what the author expected.",
            aggregates::count(outcome.expectations.len())
        ),
        false => format!(
            "FAILED means the run did not do what its author expected: {} of {} expectations met; the checks below say which.",
            aggregates::count(met),
            aggregates::count(outcome.expectations.len())
        ),
    };
    // Operations by kind, final status and reason.
    let mut by_status: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for op in &accounts.operations {
        *by_status.entry((op.kind, op.status.as_str(), op.reason.as_str())).or_default() += 1;
    }
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    // Regulation checks that failed, by rule.
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for record in &outcome.trace {
        if let Event::Note(Note::Compliance { check, passed: false, .. }) = &record.event {
            *by_rule.entry(check.rule.word()).or_default() += 1;
        }
    }
    // Personal data disclosed (IVMS-101 documents) by recipient and purpose (a large run's by
    // purpose alone, with how many recipients).
    type Disclosed = (usize, BTreeSet<String>, BTreeSet<String>);
    let mut disclosed: BTreeMap<(String, String), Disclosed> = BTreeMap::new();
    for line in &accounts.register {
        if line["category"] != "ivms101" {
            continue;
        }
        let rules: Vec<String> = line["purpose"]["rules"].as_array().into_iter().flatten().map(text).collect();
        let operation = line["purpose"]["operation"].as_str().unwrap_or("no operation").to_owned();
        let to = text(&line["to"]);
        let recipient = if large { String::new() } else { to.clone() };
        let entry = disclosed.entry((recipient, format!("{operation}: {}", rules.join(", ")))).or_default();
        entry.0 += 1;
        entry.1.insert(text(&line["user"]));
        entry.2.insert(to);
    }
    let held = outcome.invariants.iter().filter(|c| c.passed).count();
    let expected_broken =
        outcome.invariants.iter().filter(|c| !c.passed && outcome.expected_broken.contains(&c.name)).count();
    html! {
        h2 { "Summary" }
        p { (verdict) }
        h3 { "Compliance summary" }
        table id="operations-by-status" {
            tr { th { "operation" } th { "final status" } th { "reason" } th { "how many" } }
            @for ((kind, status, reason), n) in &by_status {
                tr { td { (kind) } td { (status) } td { (reason) } td { (aggregates::count(*n)) } }
            }
        }
        @if by_rule.is_empty() { p { "No regulation check refused anything." } }
        @else {
            table id="rejections-by-rule" {
                tr { th { "rule that refused" } th { "checks that failed" } }
                @for (rule, n) in &by_rule { tr { td { code { (rule) } } td { (n) } } }
            }
        }
        @if disclosed.is_empty() { p { "No org received another org's user's IVMS-101 data." } }
        @else {
            table id="disclosed-by-recipient" {
                tr { th { @if large { "recipients" } @else { "recipient" } } th { "purpose: the rules that needed it" }
                     th { "documents" } th { "users" } }
                @for ((to, purpose), (n, users, recipients)) in &disclosed {
                    tr { td { @if large { (aggregates::count(recipients.len())) } @else { (to) } } td { (purpose) }
                         td { (aggregates::count(*n)) } td { (aggregates::count(users.len())) } }
                }
            }
        }
        p { "Invariants (what must hold in every run): " (held) " of " (outcome.invariants.len()) " held"
            @if expected_broken > 0 { ", " (expected_broken) " broke as the author expected" } "." }
    }
}

/// The report's words, briefly.
fn glossary() -> Markup {
    let words = [
        ("expectation", "what the scenario's author wrote the run should do; PASSED means every one was met"),
        ("invariant", "what must hold in every run (tokens conserved, each transfer settled once, proofs valid, …)"),
        ("ATST", "the Asset Transaction Signature Template: the fields a user signs for a transfer or a redeem"),
        ("IVMS-101", "the travel-rule data standard: who a transfer's originator and beneficiary are"),
        ("ivms_get", "an org's request for a user's IVMS-101 data, to run its regulation rules on it"),
        ("settlement", "the asset's org tells the buyer's org the final status, with its proof when settled"),
        ("proof", "a Chainpoint proof: from a transaction's hash to the root of the ledger block holding it"),
        ("register", "every copy of a user's personal data that reached another org, with why it went"),
        ("lane", "one actor (org, user or ledger) of the sequence diagram"),
    ];
    html! {
        dl class="glossary" {
            @for (word, meaning) in words { dt { code { (word) } } dd { (meaning) } }
        }
    }
}

/// One row of the checks' table.
fn check_row(name: &str, passed: bool, expected_broken: bool, detail: &str) -> Markup {
    let (class, word) = match (passed, expected_broken) {
        (true, _) => ("ok", "holds"),
        (false, true) => ("ok", "broken, as the scenario expects"),
        (false, false) => ("fail", "FAILS"),
    };
    html! { tr { td { (name) } td class=(class) { (word) } td { (detail) } } }
}

/// Every expectation and invariant, one row each.
fn checks(outcome: &Outcome) -> Markup {
    html! {
        table {
            tr { th { "check" } th { "verdict" } th { "what was seen" } }
            @for c in &outcome.expectations { (check_row(&format!("expected: {}", c.name), c.passed, false, &c.detail)) }
            @for c in &outcome.invariants { (check_row(&format!("always: {}", c.name), c.passed, outcome.expected_broken.contains(&c.name), &c.detail)) }
        }
    }
}

/// The invariants, one row each (a large run's expectations are grouped above them).
fn invariants(outcome: &Outcome) -> Markup {
    html! {
        table {
            tr { th { "invariant" } th { "verdict" } th { "what was seen" } }
            @for c in &outcome.invariants { (check_row(&format!("always: {}", c.name), c.passed, outcome.expected_broken.contains(&c.name), &c.detail)) }
        }
    }
}

fn topology(scenario: &Scenario) -> Markup {
    let most = scenario.clusters.values().map(Vec::len).max().unwrap_or(1);
    let (width, box_h, gap) = (260, 24 + most * 26, 20);
    let total_w = scenario.clusters.len() * (width + gap) + gap;
    let mut svg = String::new();
    let _ = write!(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {total_w} {}\" role=\"img\" aria-label=\"clusters and orgs\">", box_h + 40);
    for (i, (cluster, orgs)) in scenario.clusters.iter().enumerate() {
        let x = gap + i * (width + gap);
        let _ = write!(svg, "<rect x=\"{x}\" y=\"20\" width=\"{width}\" height=\"{box_h}\" rx=\"8\" fill=\"#f4f7fb\" stroke=\"#7a8aa0\"/>");
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"14\" font-size=\"13\" font-weight=\"600\">{} (ledger)</text>",
            x + 4,
            esc(cluster.as_str())
        );
        for (j, org) in orgs.iter().enumerate() {
            let y = 44 + j * 26;
            let byzantine = scenario.faults.byzantine.contains_key(org);
            let fill = if byzantine { "#fbe2e2" } else { "#ffffff" };
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"20\" rx=\"4\" fill=\"{fill}\" stroke=\"#555\"/>",
                x + 10,
                y - 14,
                width - 20
            );
            let users = scenario.users.iter().filter(|(_, u)| &u.org == org).count();
            let assets = scenario.assets.values().filter(|a| &a.org == org).count();
            let mark = if byzantine { " (byzantine)" } else { "" };
            let label = format!("{org}{mark}: {users} user(s), {assets} asset(s)");
            let _ = write!(svg, "<text x=\"{}\" y=\"{y}\" font-size=\"12\">{}</text>", x + 16, esc(&label));
        }
    }
    svg.push_str("</svg>");
    html! {
        (PreEscaped(svg))
        table {
            tr { th { "asset" } th { "managed by" } th { "shared with" } th { "initial balances" } }
            @for (id, asset) in &scenario.assets {
                tr { td { (id.to_string()) } td { (asset.org.to_string()) }
                     td { (asset.shared_with.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                     td { @for (account, amount) in &asset.balances { (account.to_string()) ": " (amount) br; } } }
            }
        }
    }
}

/// Text for the hand-drawn SVG, escaped as maud escapes everything else.
pub(super) fn esc(text: &str) -> String {
    let mut escaped = String::new();
    let _ = maud::Escaper::new(&mut escaped).write_str(text);
    escaped
}

/// A section per transfer, issue and redeem of `shown`, in flow order: its notes, its regulation
/// checks and its proof.
fn transfers(scenario: &Scenario, outcome: &Outcome, material: &Material, shown: &BTreeSet<(&str, u64)>) -> Markup {
    let ids: Vec<(u64, String)> = scenario
        .flow
        .iter()
        .filter_map(|s| {
            let moving = s.action.moving()?;
            let (kind, id) = (moving.word(), moving.moves().request_id());
            let heading = kind[..1].to_uppercase() + &kind[1..];
            shown.contains(&(kind, id)).then_some((id, heading))
        })
        .collect();
    // The notes of the operations shown, found in one pass over the trace: the report is linear
    // in the run, not operations × events.
    let wanted: BTreeSet<u64> = ids.iter().map(|(id, _)| *id).collect();
    let mut notes: BTreeMap<u64, Vec<&Record>> = BTreeMap::new();
    for record in &outcome.trace {
        if let Event::Note(note) = &record.event {
            for id in request_ids(note).into_iter().filter(|id| wanted.contains(id)) {
                notes.entry(id).or_default().push(record);
            }
        }
    }
    let none = Vec::new();
    html! {
        @if ids.is_empty() {
            @if shown.is_empty() { p { "The flow has no transfer, issue, redeem or plan." } }
            @else { p { "No transfer, issue or redeem here: the execution plans are below." } }
        }
        @for (id, heading) in ids {
            @let own = notes.get(&id).unwrap_or(&none);
            div class="operation" {
                h3 { (heading) " " (id) }
                (timeline(scenario.protocol.clock, own, id))
                (compliance(own, id))
                (proof(material, id, own))
            }
        }
    }
}

/// Per cluster: its assets, and their accounts with tokens and their supply, before and after.
fn supply_by_cluster(scenario: &Scenario, material: &Material) -> BTreeMap<String, (usize, usize, u64, usize, u64)> {
    let mut rows: BTreeMap<String, (usize, usize, u64, usize, u64)> = BTreeMap::new();
    for asset in scenario.assets.values() {
        let row = rows.entry(scenario.orgs[&asset.org].cluster.to_string()).or_default();
        row.0 += 1;
        row.1 += asset.balances.values().filter(|v| **v > 0).count();
        row.2 += asset.balances.values().sum::<u64>();
    }
    for (cluster, ledger) in &material.ledgers {
        let row = rows.entry(cluster.to_string()).or_default();
        row.3 += ledger.balances.values().filter(|v| **v > 0).count();
        row.4 += ledger.balances.values().sum::<u64>();
    }
    rows
}

/// Every account's balance before and after, or for a large run the supply by cluster.
fn balances(scenario: &Scenario, material: &Material, large: bool) -> Markup {
    let after_of = |asset_id: &crate::protocol::ids::ResourceId| {
        let cluster = &scenario.orgs[&scenario.assets[asset_id].org].cluster;
        material.ledgers.get(cluster)
    };
    html! {
        @if large {
            h3 { "Supply by cluster, before and after" }
            table id="supply" {
                tr { th { "cluster" } th { "assets" } th { "accounts before" } th { "supply before" } th { "accounts after" } th { "supply after" } }
                @for (cluster, (assets, before, supply_before, after, supply_after)) in supply_by_cluster(scenario, material) {
                    tr { td { (cluster) } td { (aggregates::count(assets)) } td { (aggregates::count(before)) }
                         td { (aggregates::count(supply_before)) } td { (aggregates::count(after)) } td { (aggregates::count(supply_after)) } }
                }
            }
        } @else {
            h3 { "Balances before and after" }
            table {
                tr { th { "asset" } th { "account" } th { "before" } th { "after" } }
                @for (asset_id, asset) in &scenario.assets {
                    @let after = after_of(asset_id);
                    @let accounts: BTreeSet<_> = asset.balances.keys().cloned()
                        .chain(after.into_iter().flat_map(|l| l.balances.keys().filter(|(a, _)| a == asset_id).map(|(_, acc)| acc.clone())))
                        .collect();
                    @for account in accounts {
                        tr { td { (asset_id.to_string()) } td { (account.to_string()) }
                             td { (asset.balances.get(&account).copied().unwrap_or(0)) }
                             td { (after.and_then(|l| l.balances.get(&(asset_id.clone(), account.clone()))).copied().unwrap_or(0)) } }
                    }
                }
            }
        }
    }
}

/// A section per plan: its instructions (executor, ledger, height, how each ended), what its
/// coordinator noted, its compliance checks, and its final status.
fn plans(scenario: &Scenario, outcome: &Outcome, material: &Material, shown: &BTreeSet<(&str, u64)>) -> Markup {
    // Each plan's request id, from its coordinator's note that it started.
    let mut request_of: BTreeMap<u64, u64> = BTreeMap::new();
    let mut notes: BTreeMap<u64, Vec<&Record>> = BTreeMap::new();
    for record in &outcome.trace {
        match &record.event {
            Event::Note(Note::PlanStarted { plan, request_id, .. }) => {
                request_of.insert(*plan, *request_id);
            }
            Event::Note(Note::Compliance { request_id, .. }) => notes.entry(*request_id).or_default().push(record),
            Event::Note(Note::PlanInstruction { plan, .. } | Note::PlanFinal { plan, .. }) => {
                if let Some(request_id) = request_of.get(plan) {
                    notes.entry(*request_id).or_default().push(record);
                }
            }
            _ => {}
        }
    }
    let steps: BTreeMap<u64, &crate::protocol::plan::Plan> =
        crate::check::invariants::plans::plans(scenario).map(|p| (p.id, p)).collect();
    // Who approved and who consented, with their signatures' messages, as the evidence pack says.
    let signed: BTreeMap<u64, serde_json::Value> = crate::evidence::plans(material)
        .0
        .into_iter()
        .filter_map(|line| Some((line["plan"].as_u64()?, line)))
        .collect();
    let word = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let none = Vec::new();
    html! {
        @for known in outcome.plans.iter().filter(|p| shown.contains(&("plan", p.id))) {
            @let plan = steps.get(&known.id);
            @let own = request_of.get(&known.id).and_then(|r| notes.get(r)).unwrap_or(&none);
            h3 { "Plan " (known.id) }
            p { "Coordinated by " (plan.map(|p| p.coordinator.to_string()).unwrap_or_default()) ": "
                @match (known.status, known.reason) {
                    (Some(status), Some(reason)) => { strong { (status) } " (" (reason) ")" }
                    (Some(status), None) => { strong { (status) } }
                    (None, _) => { "its coordinator knows no final status." }
                }
                @match known.status {
                    Some("completed") => { ": every instruction is on its ledger." }
                    Some("rejected") => { ": it never started, and nothing moved." }
                    Some("reverted") => { ": it started and was undone; every hold it placed was rolled back." }
                    Some("failed") => { ": part of it happened and could not be undone." }
                    _ => {}
                }
                @if let Some(first) = plan.and_then(|p| p.first_irreversible()) {
                    " Instruction " (first) " is its first irreversible one: until it is sent, any failure reverts \
                      the plan; once it is done, the plan only goes forward."
                }
            }
            @let proofs: BTreeMap<u64, String> = signed.get(&known.id).map(|line| {
                line["instructions"].as_array().into_iter().flatten()
                    .filter(|i| i["rollback"] == false && i["proof"].is_string())
                    .filter_map(|i| {
                        let tx = word(&i["tx_hash"]);
                        Some((i["n"].as_u64()?, format!("{} (tx {})", word(&i["proof"]), tx.get(..8).unwrap_or_default())))
                    })
                    .collect()
            }).unwrap_or_default();
            table {
                tr { th { "n" } th { "instruction" } th { "executor" } th { "ledger" } th { "status" } th { "height" } th { "proof" } }
                @for i in &known.instructions {
                    @let executor = plan.and_then(|p| p.executor(i.n)).map(ToString::to_string).unwrap_or_default();
                    @let what = plan.and_then(|p| p.instruction(i.n)).map(|ins| describe(plan.copied(), ins)).unwrap_or_default();
                    tr { td { (i.n) } td { (what) } td { (executor) } td { (i.cluster.clone().unwrap_or_default()) }
                         td { (i.status) @if let Some(reason) = i.reason { " (" (reason) ")" } }
                         td { (i.height.map(|h| h.to_string()).unwrap_or_default()) }
                         td class="mono" { (proofs.get(&u64::from(i.n)).cloned().unwrap_or_default()) } }
                }
            }
            @if let Some(line) = signed.get(&known.id) {
                p { "The plan's hash (SHA-256 of its canonical bytes), which approvals and consents sign: "
                    code { (word(&line["hash"])) } }
                table {
                    tr { th { "approval by" } th { "verdict" } th { "signed message" } }
                    @for a in line["approvals"].as_array().into_iter().flatten() {
                        tr { td { (word(&a["signer"])) }
                             td { @if a["approved"] == true { "approved" } @else {
                                 "refused instruction " (a["refused"]["n"]) " (" (word(&a["refused"]["reason"])) ")" } }
                             td { "message " (a["seq"]) } }
                    }
                }
                table {
                    tr { th { "consent of" } th { "signed by" } th { "carried by message" } }
                    @for c in line["consents"].as_array().into_iter().flatten() {
                        tr { td { (word(&c["account"])) } td { (word(&c["signer"])) } td { (c["seq"]) } }
                    }
                }
            }
            (timeline(scenario.protocol.clock, own, u64::MAX))
            (compliance(own, request_of.get(&known.id).copied().unwrap_or(u64::MAX)))
        }
    }
}

/// An instruction in words.
fn describe(plan: Option<&crate::protocol::plan::Plan>, instruction: &crate::protocol::plan::Instruction) -> String {
    use crate::protocol::plan::{Instruction, Instructs};
    let Some(plan) = plan else { return instruction.word().to_owned() };
    let text = |id: Option<&crate::protocol::ids::ResourceId>| id.map(ToString::to_string).unwrap_or_default();
    let quantity = instruction.quantity(plan).unwrap_or(0);
    match instruction {
        Instruction::Await(wait) => format!("await {} ms", wait.ms),
        Instruction::Release(release) => {
            format!(
                "release hold {} ({quantity} of {}) to {}",
                release.hold,
                text(instruction.asset(plan)),
                text(instruction.receiver())
            )
        }
        _ => {
            let mut words = format!("{} {quantity} of {}", instruction.word(), text(instruction.asset(plan)));
            if let Some(source) = instruction.source(plan) {
                words.push_str(&format!(" from {source}"));
            }
            if let Some(receiver) = instruction.receiver() {
                words.push_str(&format!(" to {receiver}"));
            }
            words
        }
    }
}

/// The request ids a note is about (the transfers whose section shows it).
fn request_ids(note: &Note) -> Vec<u64> {
    match note {
        Note::TransferStarted { request_id, .. }
        | Note::TxCreated { request_id, .. }
        | Note::TransferFinal { request_id, .. }
        | Note::SaleFinal { request_id, .. }
        | Note::Submitted { request_id, .. }
        | Note::StatusResult { request_id, .. }
        | Note::Retry { request_id, .. }
        | Note::Timeout { request_id, .. }
        | Note::TxRefused { request_id, .. }
        | Note::Compliance { request_id, .. }
        | Note::OperationStarted { request_id, .. }
        | Note::OperationDecided { request_id, .. }
        | Note::OperationFinal { request_id, .. } => vec![*request_id],
        Note::ProofResult { transfer, .. } => vec![*transfer],
        Note::BlockClosed { requests, .. } => requests.iter().copied().collect::<BTreeSet<u64>>().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The notes of one transfer, in order, as sentences.
fn timeline(clock: crate::protocol::clock::Clock, trace: &[&Record], id: u64) -> Markup {
    // The compliance checks and the proof's verification have sections of their own.
    // (`u64::MAX`: every note given, for a plan's section.)
    let of_it = |note: &Note| {
        !matches!(note, Note::Compliance { .. } | Note::ProofResult { .. })
            && (id == u64::MAX || request_ids(note).contains(&id))
    };
    let rows: Vec<(u64, String)> = trace
        .iter()
        .filter_map(|r| match &r.event {
            Event::Note(note) if of_it(note) => super::note_text(note).map(|t| (r.t_us, t)),
            _ => None,
        })
        .collect();
    html! {
        table {
            tr { th { "when (UTC)" } th { "virtual time" } th { "what happened" } }
            @for (t, text) in rows {
                tr { td class="mono when" { (clock.iso_ms(t)) } td class="mono when" { (format!("{:.3} ms", t as f64 / 1000.0)) } td { (text) } }
            }
        }
    }
}

fn compliance(trace: &[&Record], id: u64) -> Markup {
    let checks: Vec<_> = trace
        .iter()
        .filter_map(|r| match &r.event {
            Event::Note(Note::Compliance { org, request_id, check, passed }) if *request_id == id => {
                Some((org.to_string(), check.clone(), *passed))
            }
            _ => None,
        })
        .collect();
    html! {
        @if checks.is_empty() { p { "No regulation check ran on this transfer." } }
        @else {
            table class="compliance" {
                tr { th { "by" } th { "rule" } th { "what it requires" } th { "input read" } th { "value" } th { "limit" } th { "verdict" } }
                @for (org, check, passed) in checks {
                    tr { td { (org) } td { (check.rule.word()) } td { (sentences::requirement(&check)) }
                         td class="mono" { (check.field) } td { (check.value) }
                         td { (check.limit.to_string()) }
                         @if passed { td class="ok" { "pass" } } @else { td class="fail" { "FAIL" } } }
                }
            }
        }
    }
}

fn proof(material: &Material, id: u64, trace: &[&Record]) -> Markup {
    let verified = trace.iter().find_map(|r| match &r.event {
        Event::Note(Note::ProofResult { transfer, valid, tally, finding, .. }) if *transfer == id => {
            Some((*valid, sentences::result(tally.as_ref(), finding.as_ref())))
        }
        _ => None,
    });
    html! {
        @match material.proofs.get(&id) {
            None => p { "No proof: as far as the buyer's org knows, the transfer did not settle, so it holds none." },
            Some(p) => {
                @let replayed = p.replay();
                p { "Chainpoint proof " code { (p.proof_id) } " of transaction " code { (p.hash) } ", received "
                    (p.hash_received) ". Replaying its " (p.branches.first().map_or(0, |b| b.ops.len())) " operations gives "
                    @match &replayed { Some((root, anchor)) => { "root " code { (root.to_hex()) } " of block " (anchor.height) " on " (anchor.cluster) "." }
                                        None => { "nothing: it does not replay." } } }
                @match verified {
                    Some((true, how)) => p { "Verified with the cluster: valid (" (how) ")." },
                    Some((false, how)) => p class="fail" { "Verified with the cluster: NOT valid (" (how) ")." },
                    None => p { "The flow did not ask the cluster to verify it." },
                }
            }
        }
    }
}

/// Party × user: which personal-data fields reached whom, from whom, when, for which transfer.
/// The register of personal data, aggregated: per category, recipient, purpose and the rules that
/// needed it, how many copies (duplicates and copies that failed their signature check among them)
/// and which received fields no rule read.
fn register(lines: &[serde_json::Value], large: bool) -> Markup {
    type Key = (String, String, String, String);
    type Row = (usize, usize, usize, BTreeSet<String>, BTreeSet<String>);
    let mut rows: BTreeMap<Key, Row> = BTreeMap::new();
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
    for line in lines {
        let purpose = &line["purpose"];
        // A large run's copies are counted by the kind of operation, for every recipient at once.
        let what = match (purpose["operation"].as_str(), large) {
            (Some(operation), true) => format!("{operation}s"),
            (Some(operation), false) => format!("{operation} {}", purpose["request_id"]),
            (None, true) => "requests".to_owned(),
            (None, false) => format!("request {}", purpose["request_id"]),
        };
        let rules: Vec<String> = purpose["rules"].as_array().into_iter().flatten().map(text).collect();
        let to = text(&line["to"]);
        let recipient = if large { String::new() } else { to.clone() };
        let key = (text(&line["category"]), recipient, what, rules.join(", "));
        let row = rows.entry(key).or_default();
        row.4.insert(to);
        row.0 += 1;
        row.1 += usize::from(line["copy"] == "duplicate");
        row.2 += usize::from(line["copy"] == "bad_signature");
        row.3.extend(line["unread"].as_array().into_iter().flatten().map(text));
    }
    html! {
        p { "Every copy that reached an org and carried a user's personal data: an IVMS-101 document ("
            code { "ivms101" } "), a message naming a user's account or finid delivered to an org that is not the user's ("
            code { "identifier" } "), or a request for a user's data that was refused (" code { "denied" }
            "). " code { "none" } " means no rule read the data." }
        @if rows.is_empty() { p { "Nothing." } }
        @else {
            table id="register" {
                tr { th { "category" } th { @if large { "recipients" } @else { "recipient" } } th { "purpose" } th { "rules that needed it" } th { "copies" }
                     th { "duplicates" } th { "failed signature" } th { "fields no rule read" } }
                @for ((category, to, what, rules), (copies, duplicates, unsigned, unread, recipients)) in rows {
                    tr { td { (category) } td { @if large { (aggregates::count(recipients.len())) } @else { (to) } } td { (what) } td { (rules) } td { (aggregates::count(copies)) }
                         td { (aggregates::count(duplicates)) } td { (aggregates::count(unsigned)) } td class="mono" { (unread.into_iter().collect::<Vec<_>>().join(", ")) } }
                }
            }
        }
    }
}

fn who_saw(scenario: &Scenario, trace: &[Record], large: bool) -> Markup {
    let clock = scenario.protocol.clock;
    let mut given = super::Given::default();
    let mut rows = Vec::new();
    for record in trace {
        given.note(&record.event);
        if let Event::Delivered { hop } = &record.event {
            if let Some((user, fields)) = given.carried_by(hop) {
                rows.push((
                    hop.to.to_string(),
                    user.to_string(),
                    fields.join(", "),
                    hop.from.to_string(),
                    record.t_us,
                    hop.request_id,
                ));
            }
        }
    }
    if large {
        // Per cluster of the recipients: how many deliveries, to how many orgs, from how many
        // holders, of how many users' data, which fields.
        type Seen<'a> = (usize, BTreeSet<&'a str>, BTreeSet<&'a str>, BTreeSet<&'a str>, BTreeSet<&'a str>);
        let mut by_cluster: BTreeMap<String, Seen> = BTreeMap::new();
        for (party, user, fields, from, _, _) in &rows {
            let org = crate::protocol::ids::OrgId::from(party.as_str());
            let cluster = scenario.orgs.get(&org).map_or_else(|| party.clone(), |o| o.cluster.to_string());
            let entry = by_cluster.entry(cluster).or_default();
            entry.0 += 1;
            entry.1.insert(party.as_str());
            entry.2.insert(from.as_str());
            entry.3.insert(user.as_str());
            entry.4.extend(fields.split(", "));
        }
        return html! {
            @if by_cluster.is_empty() { p { "No org received another org's user's personal data." } }
            @else {
                table id="who-saw-by-cluster" {
                    tr { th { "the recipients' cluster" } th { "deliveries" } th { "recipients" } th { "from how many orgs" }
                         th { "users" } th { "fields" } }
                    @for (cluster, (n, parties, from, users, fields)) in &by_cluster {
                        tr { td { (cluster) } td { (aggregates::count(*n)) } td { (aggregates::count(parties.len())) }
                             td { (aggregates::count(from.len())) } td { (aggregates::count(users.len())) }
                             td class="mono" { (fields.iter().copied().collect::<Vec<_>>().join(", ")) } }
                    }
                }
            }
        };
    }
    html! {
        @if rows.is_empty() { p { "No org received another org's user's personal data." } }
        @else {
            table id="who-saw" {
                tr { th { "who saw it" } th { "whose data" } th { "which fields" } th { "from" } th { "when (UTC)" } th { "for transfer" } }
                @for (party, user, fields, from, t, id) in rows {
                    tr { td { (party) } td { (user) } td class="mono" { (fields) } td { (from) }
                         td class="mono" { (clock.iso_ms(t)) " (" (format!("{:.3} ms", t as f64 / 1000.0)) ")" } td { (id) } }
                }
            }
        }
    }
}
