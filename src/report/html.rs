//! `finsim report`: one self-contained HTML page for a reader who does not program. CSS and SVG
//! are inline (no script, no font, no request leaves the page); a print stylesheet lays it out on
//! paper. Built with maud (escaped by construction); the diagrams are SVG finsim draws itself.

use crate::actors::note::Note;
use crate::evidence::Material;
use crate::outcome::Outcome;
use crate::protocol::ids::ActorId;
use crate::scenario::Scenario;
use crate::sentences;
use crate::trace::LossCause;
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
svg { max-width: 100%; height: auto; background: #fff; } .legend span { margin-right: 1.2rem; }
.author { border-left: 3px solid #ccc; padding-left: .8rem; color: #444; }
dl.glossary dt { font-weight: 600; margin-top: .3rem; } dl.glossary dd { margin-left: 1.5rem; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
";

/// The report of one run: its outcome, the trace and the evidence of `material`.
pub fn page(scenario: &Scenario, outcome: &Outcome, material: &Material, file: &str) -> String {
    page_with(scenario, outcome, material, &super::Accounts::of(material), file)
}

/// The report of one run, with its `accounts` already made (a caller that also writes the CSV
/// tables makes them once).
pub fn page_with(
    scenario: &Scenario,
    outcome: &Outcome,
    material: &Material,
    accounts: &super::Accounts,
    file: &str,
) -> String {
    let verdict = if outcome.passed { "PASSED" } else { "FAILED" };
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
                    ", " (outcome.messages) " messages, from " (outcome.start) " to " (outcome.end)
                    " (" (format!("{:.3}", outcome.virtual_ms)) " ms of virtual time; every moment below is UTC)" }
                (summary(outcome, accounts))
                @if !scenario.description.is_empty() {
                    p class="author" { strong { "The scenario's author describes it: " } (scenario.description) }
                }
                (checks(outcome))
                h2 { "The network" }
                (topology(scenario))
                h2 { "The flow over time" }
                (sequence(scenario, &outcome.trace))
                h2 { "Transfers" }
                (transfers(scenario, outcome, material))
                @if !outcome.plans.is_empty() {
                    h2 { "Execution plans" }
                    (plans(scenario, outcome, material))
                }
                h2 { "Who saw whose personal data" }
                (who_saw(scenario.protocol.clock, &outcome.trace))
                h2 { "Register of personal data" }
                (register(&accounts.register))
                h2 { "Suspects" }
                @if outcome.suspects.is_empty() { p { "No honest org suspected another." } }
                @else { p { "Flagged by an honest org: " (outcome.suspects.join(", ")) } }
                h2 { "Words this report uses" }
                (glossary())
                h2 { "Reproduce" }
                p { "The run's digest (SHA-256 of its canonical trace): " code { (outcome.digest) } }
                p { "The public keys every signature is checked with (" code { "keys.json" } " of the run's evidence pack) have SHA-256 "
                    code { (crate::evidence::keys_sha256(material)) }
                    ": compare it with the keys the orgs published elsewhere, the one thing a pack asserts of itself." }
                p { "The same file and seed give the same trace on any machine: " code { "finsim run " (file) " --seed " (outcome.seed) } }
            }
        }
    };
    markup.into_string()
}

/// The summary a reader sees first: the verdict against the author's expectations, set apart
/// from what a regulator asks (operations by final status and reason, rejections by rule,
/// personal data by recipient and purpose, the invariants).
fn summary(outcome: &Outcome, accounts: &super::Accounts) -> Markup {
    let met = outcome.expectations.iter().filter(|c| c.passed).count();
    let verdict = match outcome.passed {
        true => format!(
            "PASSED means the run met every one of the {} expectations its author wrote, and every invariant held (or \
             broke as the author expected). It does not mean compliant: rejections below may be what the author expected.",
            outcome.expectations.len()
        ),
        false => format!(
            "FAILED means the run did not do what its author expected: {met} of {} expectations met; the checks below say which.",
            outcome.expectations.len()
        ),
    };
    // Operations by kind, final status and reason.
    let mut by_status: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    for line in &accounts.operations {
        *by_status.entry((text(&line["kind"]), text(&line["status"]), text(&line["reason"]))).or_default() += 1;
    }
    for plan in &outcome.plans {
        let key =
            ("plan".to_owned(), plan.status.unwrap_or("pending").to_owned(), plan.reason.unwrap_or("").to_owned());
        *by_status.entry(key).or_default() += 1;
    }
    // Regulation checks that failed, by rule.
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for record in &outcome.trace {
        if let Event::Note(Note::Compliance { check, passed: false, .. }) = &record.event {
            *by_rule.entry(check.rule.word()).or_default() += 1;
        }
    }
    // Personal data disclosed (IVMS-101 documents) by recipient and purpose.
    let mut disclosed: BTreeMap<(String, String), (usize, BTreeSet<String>)> = BTreeMap::new();
    for line in &accounts.register {
        if line["category"] != "ivms101" {
            continue;
        }
        let rules: Vec<String> = line["purpose"]["rules"].as_array().into_iter().flatten().map(text).collect();
        let operation = line["purpose"]["operation"].as_str().unwrap_or("no operation").to_owned();
        let entry = disclosed.entry((text(&line["to"]), format!("{operation}: {}", rules.join(", ")))).or_default();
        entry.0 += 1;
        entry.1.insert(text(&line["user"]));
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
                tr { td { (kind) } td { (status) } td { (reason) } td { (n) } }
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
                tr { th { "recipient" } th { "purpose: the rules that needed it" } th { "documents" } th { "users" } }
                @for ((to, purpose), (n, users)) in &disclosed {
                    tr { td { (to) } td { (purpose) } td { (n) } td { (users.len()) } }
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

fn checks(outcome: &Outcome) -> Markup {
    let row = |name: &str, passed: bool, expected_broken: bool, detail: &str| {
        let (class, word) = match (passed, expected_broken) {
            (true, _) => ("ok", "holds"),
            (false, true) => ("ok", "broken, as the scenario expects"),
            (false, false) => ("fail", "FAILS"),
        };
        html! { tr { td { (name) } td class=(class) { (word) } td { (detail) } } }
    };
    html! {
        h2 { "What was checked" }
        table {
            tr { th { "check" } th { "verdict" } th { "what was seen" } }
            @for c in &outcome.expectations { (row(&format!("expected: {}", c.name), c.passed, false, &c.detail)) }
            @for c in &outcome.invariants { (row(&format!("always: {}", c.name), c.passed, outcome.expected_broken.contains(&c.name), &c.detail)) }
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
fn esc(text: &str) -> String {
    let mut escaped = String::new();
    let _ = maud::Escaper::new(&mut escaped).write_str(text);
    escaped
}

/// The lanes of the sequence diagram, left to right: cluster by cluster, each org followed by its
/// users, then the cluster's ledger; every one has a lane, whether or not it sent anything. An
/// actor the scenario does not name (none, today) comes last.
fn lane_order(scenario: &Scenario, seen: &BTreeSet<String>) -> Vec<String> {
    let mut order = Vec::new();
    for (cluster, orgs) in &scenario.clusters {
        for org in orgs {
            order.push(ActorId::Org(org.clone()).to_string());
            let users = scenario.users.iter().filter(|(_, u)| &u.org == org);
            order.extend(users.map(|(id, _)| ActorId::User(id.clone()).to_string()));
        }
        order.push(ActorId::Ledger(cluster.clone()).to_string());
    }
    let rest: Vec<String> = seen.iter().filter(|a| !order.contains(a)).cloned().collect();
    order.extend(rest);
    order
}

/// The flow as a sequence diagram: one lane per org, user and ledger,
/// time downwards (by the order of distinct instants, so idle stretches take no room); drops,
/// duplicates, corruptions, retries, crashes and restarts marked.
fn sequence(scenario: &Scenario, trace: &[Record]) -> Markup {
    let mut lanes: BTreeSet<String> = BTreeSet::new();
    let mut instants: BTreeSet<u64> = BTreeSet::new();
    for record in trace {
        match &record.event {
            Event::Send { hop, latency_us, .. } => {
                lanes.insert(hop.from.to_string());
                lanes.insert(hop.to.to_string());
                instants.insert(record.t_us);
                instants.insert(record.t_us.saturating_add(*latency_us));
            }
            Event::Lost { hop, .. } | Event::Corrupted { hop, .. } | Event::Duplicated { hop, .. } => {
                lanes.insert(hop.from.to_string());
                lanes.insert(hop.to.to_string());
                instants.insert(record.t_us);
            }
            Event::Crashed { org } | Event::Restarted { org } => {
                lanes.insert(org.clone());
                instants.insert(record.t_us);
            }
            _ => {}
        }
    }
    let lanes = lane_order(scenario, &lanes);
    let lane_x: BTreeMap<&String, usize> = lanes.iter().enumerate().map(|(i, l)| (l, 70 + i * 130)).collect();
    let row: BTreeMap<u64, usize> = instants.iter().enumerate().map(|(i, t)| (*t, 40 + i * 14)).collect();
    let height = 60 + instants.len() * 14;
    let width = 140 + lanes.len() * 130;
    let mut svg = String::new();
    let _ = write!(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"sequence diagram\" font-size=\"11\">");
    svg.push_str("<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#333\"/></marker></defs>");
    for (lane, x) in lanes.iter().map(|l| (l, lane_x[l])) {
        // A long name (a user's) is written on two lines, split after its last colon.
        let label = match lane.rsplit_once(':') {
            Some((head, tail)) if lane.len() > 16 => {
                format!("<tspan x=\"{x}\">{}:</tspan><tspan x=\"{x}\" dy=\"1.1em\">{}</tspan>", esc(head), esc(tail))
            }
            _ => esc(lane),
        };
        let _ = write!(
            svg,
            "<text class=\"lane\" x=\"{x}\" y=\"16\" text-anchor=\"middle\" font-weight=\"600\">{label}</text>"
        );
        let _ = write!(
            svg,
            "<line x1=\"{x}\" y1=\"32\" x2=\"{x}\" y2=\"{}\" stroke=\"#bbb\" stroke-dasharray=\"3,3\"/>",
            height - 10
        );
    }
    let mut labelled = BTreeSet::new();
    let mut losses: BTreeMap<_, usize> = BTreeMap::new();
    for record in trace {
        if let Event::Lost { hop, cause } = &record.event {
            *losses.entry((record.t_us, &hop.from, hop.kind, *cause)).or_default() += 1;
        }
    }
    for record in trace {
        let y = row.get(&record.t_us).copied().unwrap_or(0);
        match &record.event {
            Event::Send { hop, latency_us, retry } => {
                let (x1, x2) = (lane_x[&hop.from.to_string()], lane_x[&hop.to.to_string()]);
                let y2 = row[&record.t_us.saturating_add(*latency_us)];
                let colour = if *retry { "#c46a00" } else { "#333" };
                let _ = write!(svg, "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{colour}\" marker-end=\"url(#arrow)\"><title>{} #{} at {} ({:.3} ms){}</title></line>",
                    hop.kind, hop.request_id, scenario.protocol.clock.iso_ms(record.t_us), record.t_us as f64 / 1000.0, if *retry { " (retry)" } else { "" });
                // The message's kind, written at its sender's end, above the arrow (once for a
                // broadcast: the same kind sent by the same actor at the same instant).
                if !labelled.insert((record.t_us, &hop.from, hop.kind)) {
                    continue;
                }
                let (lx, anchor) = if x2 >= x1 { (x1 + 6, "start") } else { (x1 - 6, "end") };
                let _ = write!(
                    svg,
                    "<text x=\"{lx}\" y=\"{}\" font-size=\"9\" fill=\"{colour}\" text-anchor=\"{anchor}\">{}</text>",
                    y - 2,
                    hop.kind
                );
            }
            Event::Lost { hop, cause } => {
                // Losses of one broadcast (same instant, sender, kind and cause) are written once,
                // with their count, between the sender and the first receiver.
                let Some(count) = losses.remove(&(record.t_us, &hop.from, hop.kind, *cause)) else { continue };
                let x = (lane_x[&hop.from.to_string()] + lane_x[&hop.to.to_string()]) / 2;
                let why = match cause {
                    LossCause::Drop => "dropped",
                    LossCause::Partition => "partition",
                    LossCause::ReceiverDown => "receiver down",
                };
                let times = if count > 1 { format!(" ×{count}") } else { String::new() };
                let _ = write!(svg, "<text x=\"{x}\" y=\"{}\" fill=\"#b00\" text-anchor=\"middle\" font-weight=\"700\">✕ lost {}{times} ({why})</text>", y + 4, hop.kind);
            }
            Event::Duplicated { hop, .. } | Event::Corrupted { hop, .. } => {
                let what = if matches!(record.event, Event::Duplicated { .. }) { "duplicated" } else { "corrupted" };
                let x = (lane_x[&hop.from.to_string()] + lane_x[&hop.to.to_string()]) / 2;
                let _ = write!(
                    svg,
                    "<text x=\"{x}\" y=\"{}\" fill=\"#7a3fa0\" text-anchor=\"middle\">{what} {}</text>",
                    y - 2,
                    hop.kind
                );
            }
            Event::Crashed { org } | Event::Restarted { org } => {
                let what = if matches!(record.event, Event::Crashed { .. }) { "crashed" } else { "restarted" };
                let x = lane_x[org];
                let _ = write!(svg, "<rect x=\"{}\" y=\"{}\" width=\"70\" height=\"12\" fill=\"#222\"/><text x=\"{x}\" y=\"{}\" fill=\"#fff\" text-anchor=\"middle\">{what}</text>", x - 35, y - 9, y + 1);
            }
            _ => {}
        }
    }
    svg.push_str("</svg>");
    html! {
        p class="legend" { span { "→ a message (hover for its kind, request and time)" } span style="color:#c46a00" { "→ a retry" }
            span style="color:#b00" { "✕ lost (dropped, across a partition, or at a receiver that is down)" } span style="color:#7a3fa0" { "duplicated or corrupted in transit" } }
        (PreEscaped(svg))
    }
}

fn transfers(scenario: &Scenario, outcome: &Outcome, material: &Material) -> Markup {
    // A section per step that moves tokens: a transfer, an issue, a redeem.
    let ids: Vec<(u64, &str)> = scenario
        .flow
        .iter()
        .filter_map(|s| {
            let heading = s.action.operation().map_or("Transfer", |o| match o {
                crate::protocol::operation::Operation::Issue => "Issue",
                crate::protocol::operation::Operation::Redeem => "Redeem",
            });
            Some((s.action.request_id()?, heading))
        })
        .collect();
    // Each transfer's notes, found in one pass over the trace: the report is linear in the run,
    // not transfers × events.
    let mut notes: BTreeMap<u64, Vec<&Record>> = BTreeMap::new();
    for record in &outcome.trace {
        if let Event::Note(note) = &record.event {
            for id in request_ids(note) {
                notes.entry(id).or_default().push(record);
            }
        }
    }
    let none = Vec::new();
    html! {
        @if ids.is_empty() { p { "The flow has no transfer." } }
        @for (id, heading) in ids {
            @let own = notes.get(&id).unwrap_or(&none);
            h3 { (heading) " " (id) }
            (timeline(scenario.protocol.clock, own, id))
            (compliance(own, id))
            (proof(material, id, own))
        }
        h3 { "Balances before and after" }
        table {
            tr { th { "asset" } th { "account" } th { "before" } th { "after" } }
            @for (asset_id, asset) in &scenario.assets {
                @let cluster = &scenario.orgs[&asset.org].cluster;
                @let after = material.ledgers.get(cluster);
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

/// A section per plan: its instructions (executor, ledger, height, how each ended), what its
/// coordinator noted, its compliance checks, and its final status.
fn plans(scenario: &Scenario, outcome: &Outcome, material: &Material) -> Markup {
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
        @for known in &outcome.plans {
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
                tr { td class="mono" { (clock.iso_ms(t)) } td class="mono" { (format!("{:.3} ms", t as f64 / 1000.0)) } td { (text) } }
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
            None => p { "No proof: the buyer's org holds none (the transfer did not settle as it knows it)." },
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
fn register(lines: &[serde_json::Value]) -> Markup {
    type Key = (String, String, String, String);
    let mut rows: BTreeMap<Key, (usize, usize, usize, BTreeSet<String>)> = BTreeMap::new();
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
    for line in lines {
        let purpose = &line["purpose"];
        let what = match purpose["operation"].as_str() {
            Some(operation) => format!("{operation} {}", purpose["request_id"]),
            None => format!("request {}", purpose["request_id"]),
        };
        let rules: Vec<String> = purpose["rules"].as_array().into_iter().flatten().map(text).collect();
        let key = (text(&line["category"]), text(&line["to"]), what, rules.join(", "));
        let row = rows.entry(key).or_default();
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
                tr { th { "category" } th { "recipient" } th { "purpose" } th { "rules that needed it" } th { "copies" }
                     th { "duplicates" } th { "failed signature" } th { "fields no rule read" } }
                @for ((category, to, what, rules), (copies, duplicates, unsigned, unread)) in rows {
                    tr { td { (category) } td { (to) } td { (what) } td { (rules) } td { (copies) } td { (duplicates) }
                         td { (unsigned) } td class="mono" { (unread.into_iter().collect::<Vec<_>>().join(", ")) } }
                }
            }
        }
    }
}

fn who_saw(clock: crate::protocol::clock::Clock, trace: &[Record]) -> Markup {
    let mut given: BTreeMap<(String, String, u64), (String, Vec<String>)> = BTreeMap::new();
    let mut rows = Vec::new();
    for record in trace {
        match &record.event {
            Event::Note(Note::PersonalData { holder, asked_by, user, request_id, given: true, fields, .. }) => {
                given.insert(
                    (holder.to_string(), asked_by.to_string(), *request_id),
                    (user.to_string(), fields.clone()),
                );
            }
            Event::Delivered { hop } if hop.kind == crate::protocol::message::Kind::GetResponse => {
                if let Some((user, fields)) = given.get(&(hop.from.to_string(), hop.to.to_string(), hop.request_id)) {
                    rows.push((
                        hop.to.to_string(),
                        user.clone(),
                        fields.join(", "),
                        hop.from.to_string(),
                        record.t_us,
                        hop.request_id,
                    ));
                }
            }
            _ => {}
        }
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
