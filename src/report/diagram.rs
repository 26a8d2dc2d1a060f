//! The sequence diagram of a run: one lane per org, user and ledger, time downwards, every
//! message an arrow with its kind and request written beside it, so the page says on paper what
//! a screen says on hover.
//!
//! Labels never overlap by construction: every text the diagram writes in its body (a message's
//! label, a loss, a duplicate or corruption, a crash or restart) has a row of its own, tall enough
//! for its type; an instant holds as many rows as it has texts (idle stretches take none), and
//! the moment of each instant is written in a margin of its own at the left. A lane is as wide as
//! its longest heading line (at least 100 units); a user's lane is headed by the user's name where the scenario gives
//! one. A message that carries a user's personal data (an IVMS-101 document) is drawn thick and
//! green and says whose data it carries.

use super::html::esc;
use crate::protocol::clock::Clock;
use crate::protocol::ids::ActorId;
use crate::scenario::Scenario;
use crate::trace::{Event, LossCause, Record};
use maud::{html, Markup, PreEscaped};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The height of one row of the diagram's body, in SVG units: room for one line of its 10-unit type.
const ROW: usize = 16;
/// The margin at the left that holds each instant's moment.
const MARGIN: usize = 72;
/// The colours of arrows: a message, a retry, a message that carries personal data.
const COLOURS: [&str; 3] = ["#333333", "#c46a00", "#0b6e4f"];
/// A conservative width of one character of the body's 10-unit type.
const LABEL_CHAR: usize = 7;
/// A conservative width of one character of the lane headings' bold 11-unit type.
const HEADING_CHAR: usize = 7;

/// One lane: its actor (as the trace names it) and its heading, line by line.
struct Lane {
    actor: String,
    heading: Vec<String>,
}

/// The lanes of the diagram, left to right: cluster by cluster, each org followed by its users,
/// then the cluster's ledger; every actor of the run has one (the engine makes no other actor),
/// whether or not it sent anything.
fn lanes(scenario: &Scenario) -> Vec<Lane> {
    let mut lanes = Vec::new();
    for (cluster, orgs) in &scenario.clusters {
        for org in orgs {
            lanes.push(Lane { actor: ActorId::Org(org.clone()).to_string(), heading: vec![org.to_string()] });
            for (id, user) in scenario.users.iter().filter(|(_, u)| &u.org == org) {
                let actor = ActorId::User(id.clone()).to_string();
                let heading = match &user.ivms {
                    Some(person) => vec![person.name.clone(), id.to_string()],
                    None => vec![id.to_string()],
                };
                lanes.push(Lane { actor, heading });
            }
        }
        let ledger = ActorId::Ledger(cluster.clone()).to_string();
        lanes.push(Lane { heading: vec![ledger.clone()], actor: ledger });
    }
    lanes
}

/// How many lanes the diagram of a run of this scenario has.
pub(super) fn lane_count(scenario: &Scenario) -> usize {
    lanes(scenario).len()
}

/// What one row of the diagram's body shows.
enum Item<'a> {
    /// A message (or the messages of one broadcast: the same kind and request sent by the same
    /// actor at the same instant), labelled once.
    Send { record: &'a Record, carries: Option<String> },
    /// The losses of one broadcast (same instant, sender, kind, request and cause), with their
    /// count.
    Lost { record: &'a Record, count: usize },
    /// A copy duplicated or corrupted in transit.
    Altered(&'a Record),
    /// An org that crashed or restarted.
    Fault(&'a Record),
}

/// The sequence diagram, with its legend.
pub(super) fn sequence(scenario: &Scenario, trace: &[Record]) -> Markup {
    let clock = scenario.protocol.clock;
    let lanes = lanes(scenario);
    // Each lane as wide as its longest heading line, at least 100 units; its line in its middle.
    let mut lane_x: BTreeMap<&str, usize> = BTreeMap::new();
    let mut right = MARGIN;
    for lane in &lanes {
        let widest = lane.heading.iter().map(|line| line.chars().count()).max().unwrap_or(0);
        let width = (widest * HEADING_CHAR + 16).max(100);
        lane_x.insert(lane.actor.as_str(), right + width / 2);
        right += width;
    }
    let header = 14 * lanes.iter().map(|l| l.heading.len()).max().unwrap_or(1) + 18;

    // The items, in trace order, and every instant a message arrives at.
    let mut losses: BTreeMap<_, usize> = BTreeMap::new();
    for record in trace {
        if let Event::Lost { hop, cause } = &record.event {
            *losses.entry((record.t_us, hop.from.to_string(), hop.kind, hop.request_id, *cause)).or_default() += 1;
        }
    }
    let mut given = super::Given::default();
    let mut labelled = BTreeSet::new();
    let mut items: Vec<(u64, Item)> = Vec::new();
    let mut instants: BTreeSet<u64> = BTreeSet::new();
    for record in trace {
        let t = record.t_us;
        given.note(&record.event);
        match &record.event {
            Event::Send { hop, latency_us, .. } => {
                instants.insert(t.saturating_add(*latency_us));
                if labelled.insert((t, hop.from.to_string(), hop.kind, hop.request_id)) {
                    // Whose data it carries: the user's name, where the scenario gives one.
                    let carries = given.carried_by(hop).map(|(user, _)| {
                        let person = scenario.users.get(user).and_then(|u| u.ivms.as_ref());
                        person.map_or_else(|| user.to_string(), |p| p.name.clone())
                    });
                    items.push((t, Item::Send { record, carries }));
                }
            }
            Event::Lost { hop, cause } => {
                if let Some(count) = losses.remove(&(t, hop.from.to_string(), hop.kind, hop.request_id, *cause)) {
                    items.push((t, Item::Lost { record, count }));
                }
            }
            Event::Duplicated { .. } | Event::Corrupted { .. } => items.push((t, Item::Altered(record))),
            Event::Crashed { .. } | Event::Restarted { .. } => items.push((t, Item::Fault(record))),
            _ => {}
        }
    }
    // Rows: each instant gets one row per item it holds, at least one; an item's row is its own.
    let mut per_instant: BTreeMap<u64, usize> = instants.into_iter().map(|t| (t, 0)).collect();
    for (t, _) in &items {
        *per_instant.entry(*t).or_default() += 1;
    }
    let mut first_row: BTreeMap<u64, usize> = BTreeMap::new();
    let mut y = header + ROW;
    for (t, count) in &per_instant {
        first_row.insert(*t, y);
        y += ROW * (*count).max(1);
    }
    let height = y + ROW;
    // As wide as its lanes, or as the label that runs furthest right past the last one.
    let furthest = items.iter().filter_map(|(_, item)| reach(&lane_x, item)).max().unwrap_or(0);
    let width = right.max(furthest + 8);

    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"sequence\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
         role=\"img\" aria-label=\"sequence diagram\" font-size=\"10\">"
    );
    svg.push_str("<defs>");
    for colour in COLOURS {
        let _ = write!(
            svg,
            "<marker id=\"arrow-{}\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\" \
             markerUnits=\"userSpaceOnUse\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"{colour}\"/></marker>",
            &colour[1..]
        );
    }
    svg.push_str("</defs>");
    for lane in &lanes {
        let x = lane_x[lane.actor.as_str()];
        let _ = write!(
            svg,
            "<text class=\"lane\" data-actor=\"{}\" x=\"{x}\" y=\"14\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"600\">",
            esc(&lane.actor)
        );
        for (i, line) in lane.heading.iter().enumerate() {
            let (dy, style) = if i == 0 { ("0", "") } else { ("14", " font-weight=\"400\" fill=\"#555\"") };
            let _ = write!(svg, "<tspan x=\"{x}\" dy=\"{dy}\"{style}>{}</tspan>", esc(line));
        }
        svg.push_str("</text>");
        let _ = write!(
            svg,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#bbb\" stroke-dasharray=\"3,3\"/>",
            header,
            height - 4
        );
    }
    for (t, y) in &first_row {
        let _ = write!(
            svg,
            "<text class=\"moment\" x=\"{}\" y=\"{y}\" text-anchor=\"end\" font-size=\"9\" fill=\"#666\">{:.3} ms</text>",
            MARGIN - 8,
            *t as f64 / 1000.0
        );
    }
    let mut used: BTreeMap<u64, usize> = BTreeMap::new();
    for (t, item) in &items {
        let slot = used.entry(*t).or_default();
        let y = first_row[t] + ROW * *slot;
        *slot += 1;
        draw(&mut svg, clock, &lane_x, &first_row, y, item);
    }
    svg.push_str("</svg>");
    html! {
        p class="legend" {
            span { "→ a message, with its kind and request" }
            span style="color:#c46a00" { "→ a retry" }
            span style="color:#0b6e4f; font-weight:600" { "⇒ carries a user's personal data (IVMS-101)" }
            span style="color:#b00" { "✕ lost (dropped, across a partition, or at a receiver that is down)" }
            span style="color:#7a3fa0" { "duplicated or corrupted in transit" }
            span { "time runs downwards; each instant's virtual time is at the left" }
        }
        div class="diagram" { (PreEscaped(svg)) }
    }
}

/// Where an item's label, written at the left end of its arrow, may end at the right (the
/// labels that run leftwards from the sender end earlier).
fn reach(lane_x: &BTreeMap<&str, usize>, item: &Item) -> Option<usize> {
    let (hop, extra) = match item {
        Item::Send { record, carries } => match &record.event {
            Event::Send { hop, .. } => (hop, carries.as_ref().map_or(0, |whose| whose.chars().count() + 20) + 8),
            _ => return None,
        },
        Item::Lost { record, .. } | Item::Altered(record) => match &record.event {
            Event::Lost { hop, .. } | Event::Duplicated { hop, .. } | Event::Corrupted { hop, .. } => (hop, 40),
            _ => return None,
        },
        Item::Fault(_) => return None,
    };
    let x_of = |actor: &ActorId| lane_x.get(actor.to_string().as_str()).copied();
    let left = x_of(&hop.from)?.min(x_of(&hop.to)?);
    let chars = hop.kind.word().len() + hop.request_id.to_string().len() + extra;
    Some(left + 6 + chars * LABEL_CHAR)
}

/// Writes one item at row `y`: its label sits on the row, its arrow just below the label.
fn draw(
    svg: &mut String,
    clock: Clock,
    lane_x: &BTreeMap<&str, usize>,
    first_row: &BTreeMap<u64, usize>,
    y: usize,
    item: &Item,
) {
    // An actor without a lane (none: every actor of a run is the scenario's) is not drawn.
    let x_of = |actor: &ActorId| lane_x.get(actor.to_string().as_str()).copied();
    let left_of = |hop: &crate::trace::Hop| Some(x_of(&hop.from)?.min(x_of(&hop.to)?) + 6);
    match item {
        Item::Send { record, carries } => {
            let Event::Send { hop, latency_us, retry } = &record.event else { return };
            let (Some(x1), Some(x2)) = (x_of(&hop.from), x_of(&hop.to)) else { return };
            let arrival = first_row[&record.t_us.saturating_add(*latency_us)].max(y) + 4;
            let (colour, stroke) = match (carries, retry) {
                (Some(_), _) => (COLOURS[2], "2.2"),
                (None, true) => (COLOURS[1], "1"),
                (None, false) => (COLOURS[0], "1"),
            };
            let retried = if *retry { " (retry)" } else { "" };
            let _ = write!(
                svg,
                "<line x1=\"{x1}\" y1=\"{}\" x2=\"{x2}\" y2=\"{arrival}\" stroke=\"{colour}\" stroke-width=\"{stroke}\" \
                 marker-end=\"url(#arrow-{})\"><title>{} #{} from {} to {} at {} ({:.3} ms){retried}</title></line>",
                y + 4,
                &colour[1..],
                hop.kind,
                hop.request_id,
                esc(&hop.from.to_string()),
                esc(&hop.to.to_string()),
                clock.iso_ms(record.t_us),
                record.t_us as f64 / 1000.0,
            );
            // The label sits above the arrow at its sender's end, running away from the sender
            // along the arrow; one too long to run leftwards without reaching the margin starts
            // at the arrow's left end instead.
            let mut label = format!("{} #{}{retried}", hop.kind, hop.request_id);
            if let Some(whose) = carries {
                label.push_str(&format!(" · personal data of {whose}"));
            }
            let reach = label.chars().count() * LABEL_CHAR;
            let (x, anchor) =
                if x2 >= x1 || x1 < MARGIN + reach + 12 { (x1.min(x2) + 6, "start") } else { (x1 - 6, "end") };
            let weight = if carries.is_some() { " font-weight=\"600\"" } else { "" };
            let _ = write!(
                svg,
                "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\" fill=\"{colour}\"{weight}>{}</text>",
                esc(&label)
            );
        }
        Item::Lost { record, count } => {
            let Event::Lost { hop, cause } = &record.event else { return };
            let why = match cause {
                LossCause::Drop => "dropped",
                LossCause::Partition => "partition",
                LossCause::ReceiverDown => "receiver down",
            };
            let times = if *count > 1 { format!(" ×{count}") } else { String::new() };
            let text = format!("✕ lost {} #{}{times} ({why})", hop.kind, hop.request_id);
            if let Some(x) = left_of(hop) {
                mark(svg, x, y, "fill=\"#b00\" font-weight=\"700\"", &text);
            }
        }
        Item::Altered(record) => {
            let (hop, what) = match &record.event {
                Event::Duplicated { hop, .. } => (hop, "duplicated"),
                Event::Corrupted { hop, .. } => (hop, "corrupted"),
                _ => return,
            };
            let text = format!("{what} in transit: {} #{}", hop.kind, hop.request_id);
            if let Some(x) = left_of(hop) {
                mark(svg, x, y, "fill=\"#7a3fa0\"", &text);
            }
        }
        Item::Fault(record) => {
            let (org, what) = match &record.event {
                Event::Crashed { org } => (org, "crashed"),
                Event::Restarted { org } => (org, "restarted"),
                _ => return,
            };
            let Some(&x) = lane_x.get(org.as_str()) else { return };
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"70\" height=\"14\" fill=\"#222\"/>\
                 <text x=\"{x}\" y=\"{y}\" fill=\"#fff\" text-anchor=\"middle\">{what}</text>",
                x - 35,
                y - 11
            );
        }
    }
}

/// Writes a mark of the network's (a loss, a duplicate, a corruption) at `x`, on row `y`.
fn mark(svg: &mut String, x: usize, y: usize, style: &str, text: &str) {
    let _ = write!(svg, "<text x=\"{x}\" y=\"{y}\" {style}>{}</text>", esc(text));
}
