//! What a report shows of a large run in place of its per-message diagram and per-operation
//! sections: counts, latency distributions drawn, per-cluster and per-rule tables, and the
//! checks grouped by kind. Every table is made in one pass over the run, so a report's making
//! grows with the run, not faster.

use super::operations::Operation;
use crate::actors::note::Note;
use crate::outcome::Outcome;
use crate::scenario::Scenario;
use crate::trace::{Event, Record};
use maud::{html, Markup, PreEscaped};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Above this many operations (transfers, issues, redeems and plans), a report shows aggregates.
pub(crate) const OPERATIONS: usize = 200;
/// Above this many lanes (orgs, users and ledgers), a report shows aggregates.
pub(crate) const LANES: usize = 100;
/// How many of the most notable operations a report of a large run shows in full.
pub(crate) const NOTABLE: usize = 20;
/// How many failed expectations a report of a large run lists one by one.
const FAILED_LISTED: usize = 100;

/// A count written with thousands separated, as a reader expects.
pub(super) fn count(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ms(us: u64) -> String {
    format!("{:.3}", us as f64 / 1000.0)
}

/// The value at quantile `q` of sorted values (nearest rank).
fn quantile(sorted: &[u64], q: f64) -> u64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Messages by kind: how many were sent (retries among them), delivered, lost, duplicated and
/// corrupted.
pub(super) fn messages(trace: &[Record]) -> Markup {
    #[derive(Default)]
    struct Row {
        sent: usize,
        retries: usize,
        delivered: usize,
        lost: usize,
        duplicated: usize,
        corrupted: usize,
    }
    let mut rows: BTreeMap<&'static str, Row> = BTreeMap::new();
    for record in trace {
        match &record.event {
            Event::Send { hop, retry, .. } => {
                let row = rows.entry(hop.kind.word()).or_default();
                row.sent += 1;
                row.retries += usize::from(*retry);
            }
            Event::Delivered { hop } => rows.entry(hop.kind.word()).or_default().delivered += 1,
            Event::Lost { hop, .. } => rows.entry(hop.kind.word()).or_default().lost += 1,
            Event::Duplicated { hop, .. } => rows.entry(hop.kind.word()).or_default().duplicated += 1,
            Event::Corrupted { hop, .. } => rows.entry(hop.kind.word()).or_default().corrupted += 1,
            _ => {}
        }
    }
    html! {
        table id="messages-by-kind" {
            tr { th { "message kind" } th { "sent" } th { "of which retries" } th { "delivered" } th { "lost" }
                 th { "duplicated" } th { "corrupted" } }
            @for (kind, r) in &rows {
                tr { td { code { (kind) } } td { (count(r.sent)) } td { (count(r.retries)) } td { (count(r.delivered)) }
                     td { (count(r.lost)) } td { (count(r.duplicated)) } td { (count(r.corrupted)) } }
            }
        }
    }
}

/// Per operation kind: how long operations took from their start to their asker knowing the
/// end (count, minimum, median, 95th percentile, maximum), and a histogram of it drawn.
pub(super) fn latencies(operations: &[Operation]) -> Markup {
    let mut by_kind: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    let mut unfinished: BTreeMap<&str, usize> = BTreeMap::new();
    for op in operations {
        match op.latency_us() {
            Some(latency) => by_kind.entry(op.kind).or_default().push(latency),
            None => *unfinished.entry(op.kind).or_default() += 1,
        }
    }
    for values in by_kind.values_mut() {
        values.sort_unstable();
    }
    html! {
        table id="latencies" {
            tr { th { "operation" } th { "final" } th { "no final status" } th { "fastest (ms)" } th { "median (ms)" }
                 th { "95th percentile (ms)" } th { "slowest (ms)" } }
            @for (kind, values) in &by_kind {
                tr { td { (kind) } td { (count(values.len())) } td { (count(unfinished.get(kind).copied().unwrap_or(0))) }
                     td { (ms(values[0])) } td { (ms(quantile(values, 0.5))) } td { (ms(quantile(values, 0.95))) }
                     td { (ms(values[values.len() - 1])) } }
            }
        }
        @for (kind, values) in &by_kind {
            figure {
                (PreEscaped(histogram(kind, values)))
                figcaption { "How long each " (kind) " took, from its step's start to its asker knowing its final status." }
            }
        }
    }
}

/// A histogram of sorted latencies in 20 equal bins, as SVG with its axes labelled.
fn histogram(kind: &str, sorted: &[u64]) -> String {
    const BINS: usize = 20;
    let (low, high) = (sorted[0], sorted[sorted.len() - 1]);
    let span = (high - low).max(1);
    let mut bins = [0usize; BINS];
    for &v in sorted {
        let bin = (((v - low) as u128 * BINS as u128) / (span as u128 + 1)) as usize;
        bins[bin.min(BINS - 1)] += 1;
    }
    let most = bins.iter().copied().max().unwrap_or(1).max(1);
    let (left, bar, plot_h, top) = (60, 30, 140, 20);
    let width = left + BINS * bar + 20;
    let height = top + plot_h + 44;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
         role=\"img\" aria-label=\"latency of each {kind}\" font-size=\"11\">"
    );
    for (i, n) in bins.iter().enumerate() {
        let h = n * plot_h / most;
        let x = left + i * bar;
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{h}\" fill=\"#4a78a8\"><title>{n}</title></rect>",
            x + 2,
            top + plot_h - h,
            bar - 4
        );
    }
    let base = top + plot_h;
    let _ =
        write!(svg, "<line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#333\"/>", left + BINS * bar);
    let _ = write!(svg, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 6, top + 4, count(most));
    let _ = write!(svg, "<text x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>", left - 6);
    let _ = write!(svg, "<text x=\"{left}\" y=\"{}\">{} ms</text>", base + 16, ms(low));
    let _ =
        write!(svg, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} ms</text>", left + BINS * bar, base + 16, ms(high));
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}s by latency, {BINS} equal bins</text>",
        left + BINS * bar / 2,
        base + 36,
        super::html::esc(kind)
    );
    svg.push_str("</svg>");
    svg
}

/// Per cluster (the ledger that settles): operations by outcome and their median latency.
pub(super) fn clusters(operations: &[Operation]) -> Markup {
    #[derive(Default)]
    struct Row {
        total: usize,
        succeeded: usize,
        latencies: Vec<u64>,
        retries: u64,
    }
    let mut rows: BTreeMap<&str, Row> = BTreeMap::new();
    for op in operations {
        let row = rows.entry(op.cluster.as_str()).or_default();
        row.total += 1;
        row.succeeded += usize::from(op.succeeded());
        row.retries += op.retries.unwrap_or(0);
        row.latencies.extend(op.latency_us());
    }
    for row in rows.values_mut() {
        row.latencies.sort_unstable();
    }
    html! {
        table id="per-cluster" {
            tr { th { "cluster" } th { "operations" } th { "settled or completed" } th { "not" } th { "retries" }
                 th { "median latency (ms)" } }
            @for (cluster, row) in &rows {
                tr { td { (cluster) } td { (count(row.total)) } td { (count(row.succeeded)) }
                     td { (count(row.total - row.succeeded)) } td { (count(row.retries)) }
                     td { @if row.latencies.is_empty() { "—" } @else { (ms(quantile(&row.latencies, 0.5))) } } }
            }
        }
    }
}

/// Per regulation rule: the orgs that ran it, and its checks passed and failed.
pub(super) fn rules(trace: &[Record]) -> Markup {
    let mut rows: BTreeMap<&'static str, (std::collections::BTreeSet<String>, usize, usize)> = BTreeMap::new();
    for record in trace {
        if let Event::Note(Note::Compliance { org, check, passed, .. }) = &record.event {
            let row = rows.entry(check.rule.word()).or_default();
            row.0.insert(org.to_string());
            if *passed {
                row.1 += 1;
            } else {
                row.2 += 1;
            }
        }
    }
    html! {
        @if rows.is_empty() { p { "No regulation check ran." } }
        @else {
            table id="per-rule" {
                tr { th { "rule" } th { "orgs that ran it" } th { "passed" } th { "failed" } }
                @for (rule, (orgs, passed, failed)) in &rows {
                    tr { td { code { (rule) } } td { (count(orgs.len())) } td { (count(*passed)) } td { (count(*failed)) } }
                }
            }
        }
    }
}

/// The author's expectations grouped by kind (the first word of each name), with the ones that
/// failed listed (the first hundred; `checks.csv` holds them all); the invariants in full.
pub(super) fn checks(outcome: &Outcome) -> Markup {
    let mut groups: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for check in &outcome.expectations {
        let kind = check.name.split_whitespace().next().unwrap_or("expectation");
        let group = groups.entry(kind).or_default();
        if check.passed {
            group.0 += 1;
        } else {
            group.1 += 1;
        }
    }
    let failed: Vec<_> = outcome.expectations.iter().filter(|c| !c.passed).collect();
    html! {
        table id="expectations-by-kind" {
            tr { th { "expectation" } th { "met" } th { "not met" } }
            @for (kind, (met, missed)) in &groups {
                tr { td { (kind) } td class="ok" { (count(*met)) } td class=(if *missed > 0 { "fail" } else { "ok" }) { (count(*missed)) } }
            }
        }
        @if !failed.is_empty() {
            table {
                tr { th { "expectation not met" } th { "what was seen" } }
                @for c in failed.iter().take(FAILED_LISTED) { tr { td { (c.name) } td { (c.detail) } } }
            }
            @if failed.len() > FAILED_LISTED {
                p { "And " (count(failed.len() - FAILED_LISTED)) " more: every check is in " code { "checks.csv" }
                    " (" code { "finsim report FILE --csv DIR" } ")." }
            }
        }
    }
}

/// The network of a large run: per cluster, its orgs, users and assets, in a table.
pub(super) fn network(scenario: &Scenario) -> Markup {
    html! {
        table id="clusters" {
            tr { th { "cluster" } th { "orgs" } th { "users" } th { "assets managed" } th { "byzantine orgs" } }
            @for (cluster, orgs) in &scenario.clusters {
                @let users = scenario.users.values().filter(|u| orgs.contains(&u.org)).count();
                @let assets = scenario.assets.values().filter(|a| orgs.contains(&a.org)).count();
                @let byzantine: Vec<String> = orgs.iter().filter(|o| scenario.faults.byzantine.contains_key(*o)).map(ToString::to_string).collect();
                tr { td { (cluster.to_string()) } td { (count(orgs.len())) } td { (count(users)) } td { (count(assets)) }
                     td { @if byzantine.is_empty() { "none" } @else { (byzantine.join(", ")) } } }
            }
        }
    }
}

/// Is this run large enough for aggregates?
pub(super) fn at_scale(operations: usize, lanes: usize) -> bool {
    operations > OPERATIONS || lanes > LANES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&values, 0.5), 50);
        assert_eq!(quantile(&values, 0.95), 95);
        assert_eq!(quantile(&[7], 0.95), 7);
    }

    #[test]
    fn a_run_is_large_above_either_threshold() {
        assert!(!at_scale(OPERATIONS, LANES));
        assert!(at_scale(OPERATIONS + 1, 1));
        assert!(at_scale(1, LANES + 1));
    }

    #[test]
    fn a_histogram_holds_every_value_in_its_bins() {
        let svg = histogram("transfer", &[1000, 1000, 2000, 21000]);
        let bars: usize = svg
            .match_indices("<title>")
            .map(|(i, _)| svg[i + 7..].split('<').next().unwrap().parse::<usize>().unwrap())
            .sum();
        assert_eq!(bars, 4);
        assert!(svg.contains("1.000 ms") && svg.contains("21.000 ms"));
    }
}
