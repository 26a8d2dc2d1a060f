//! Each operation of a run (a transfer, issue, redeem or plan) as one row: what it moved, how it
//! ended and why, when it started and when its asker knew the end, how often its exchanges were
//! re-sent, and the message that told its final status. Made once, in one pass over the trace;
//! the summary, the aggregates, the most notable operations and `operations.csv` all read it.

use crate::actors::note::Note;
use crate::outcome::Outcome;
use crate::scenario::{Action, Scenario};
use crate::trace::Event;
use std::collections::BTreeMap;

/// One operation of the flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// `transfer`, `issue`, `redeem` or `plan`.
    pub kind: &'static str,
    /// Its request id (a plan's: its plan id).
    pub id: u64,
    /// Its request id on the wire (none for a plan: it has one per exchange).
    pub request_id: Option<u64>,
    /// The account it concerns: a transfer's buyer, an issue's receiver, a redeem's holder, a
    /// plan's coordinator.
    pub account: String,
    /// The asset it moves (none for a plan).
    pub asset: String,
    /// The quantity it moves (none for a plan).
    pub quantity: Option<u64>,
    /// The cluster whose ledger settles it (a plan's: its coordinator's).
    pub cluster: String,
    /// Its final status as its asker knows it (`settled`, `rejected`, … or `pending`).
    pub status: String,
    /// Why it did not settle (empty when it did).
    pub reason: String,
    /// When its step started (virtual µs).
    pub started_us: Option<u64>,
    /// When its asker first knew its final status (virtual µs).
    pub final_us: Option<u64>,
    /// How many times one of its messages was re-sent (none for a plan: its exchanges each have a
    /// request of their own, not counted here).
    pub retries: Option<u64>,
    /// The sequence number of the message that told its final status, as the evidence pack has
    /// it (empty when none did).
    pub told_by: String,
}

impl Operation {
    /// From its start to its asker knowing its end, when both happened.
    pub fn latency_us(&self) -> Option<u64> {
        Some(self.final_us?.saturating_sub(self.started_us?))
    }

    /// Whether it ended as it should: settled, or (a plan) completed.
    pub fn succeeded(&self) -> bool {
        matches!(self.status.as_str(), "settled" | "completed")
    }
}

/// What the trace says of one operation.
#[derive(Default)]
struct Seen {
    started_us: Option<u64>,
    final_us: Option<u64>,
    retries: u64,
}

/// Every operation of the flow, in flow order. `lines` are the evidence's operation lines (the
/// pack's `transfers.jsonl`), which hold each final status and the message that told it.
pub fn operations(scenario: &Scenario, outcome: &Outcome, lines: &[serde_json::Value]) -> Vec<Operation> {
    let mut seen: BTreeMap<u64, Seen> = BTreeMap::new();
    let mut plans: BTreeMap<u64, Seen> = BTreeMap::new();
    for record in &outcome.trace {
        let t = record.t_us;
        match &record.event {
            Event::StepStarted { request_id, .. } => {
                seen.entry(*request_id).or_default().started_us.get_or_insert(t);
            }
            Event::Note(Note::TransferFinal { request_id, .. } | Note::OperationFinal { request_id, .. }) => {
                seen.entry(*request_id).or_default().final_us.get_or_insert(t);
            }
            Event::Note(Note::Retry { request_id, .. }) => seen.entry(*request_id).or_default().retries += 1,
            Event::Note(Note::PlanStarted { plan, .. }) => {
                plans.entry(*plan).or_default().started_us.get_or_insert(t);
            }
            Event::Note(Note::PlanFinal { plan, .. }) => {
                plans.entry(*plan).or_default().final_us.get_or_insert(t);
            }
            _ => {}
        }
    }
    let lines: BTreeMap<u64, &serde_json::Value> =
        lines.iter().filter_map(|line| Some((line["request_id"].as_u64()?, line))).collect();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let ends: BTreeMap<u64, &crate::outcome::PlanOutcome> = outcome.plans.iter().map(|p| (p.id, p)).collect();
    let cluster_of = |org: &crate::protocol::ids::OrgId| scenario.orgs.get(org).map(|o| o.cluster.to_string());
    let mut rows = Vec::new();
    for step in &scenario.flow {
        let (kind, request_id, account, asset, quantity) = match &step.action {
            Action::Moves(moving) => {
                let step = moving.moves();
                (moving.word(), step.request_id(), step.account(), step.asset(), step.quantity())
            }
            Action::Plan { plan } => {
                let s = plans.remove(&plan.id).unwrap_or_default();
                let end = ends.get(&plan.id);
                rows.push(Operation {
                    kind: "plan",
                    id: plan.id,
                    request_id: None,
                    account: plan.coordinator.to_string(),
                    asset: String::new(),
                    quantity: None,
                    cluster: cluster_of(&plan.coordinator).unwrap_or_default(),
                    status: end.and_then(|e| e.status).unwrap_or("pending").to_owned(),
                    reason: end.and_then(|e| e.reason).unwrap_or_default().to_owned(),
                    started_us: s.started_us,
                    final_us: s.final_us,
                    retries: None,
                    told_by: String::new(),
                });
                continue;
            }
            Action::Advertise { .. }
            | Action::Get { .. }
            | Action::Verify { .. }
            | Action::VerifyProof { .. }
            | Action::Balance { .. } => continue,
        };
        let s = seen.remove(&request_id).unwrap_or_default();
        let line = lines.get(&request_id);
        let field = |key: &str| line.map(|l| text(&l[key])).unwrap_or_default();
        let cluster = scenario.assets.get(asset).and_then(|a| cluster_of(&a.org)).unwrap_or_default();
        rows.push(Operation {
            kind,
            id: request_id,
            request_id: Some(request_id),
            account: account.to_string(),
            asset: asset.to_string(),
            quantity: Some(quantity),
            cluster,
            status: line.map_or_else(|| "pending".to_owned(), |_| field("status")),
            reason: field("reason"),
            started_us: s.started_us,
            final_us: s.final_us,
            retries: Some(s.retries),
            told_by: field("seq"),
        });
    }
    rows
}

/// The most notable operations, at most `n`, in flow order: every one that did not succeed
/// first, then the most retried, then the slowest.
pub fn notable(operations: &[Operation], n: usize) -> Vec<&Operation> {
    let mut ranked: Vec<(usize, &Operation)> = operations.iter().enumerate().collect();
    // Failed before succeeded, then more retries, then longer (an unfinished one counts as the
    // longest), then flow order: a total order, so the choice is the same on every machine.
    ranked.sort_by_key(|(i, op)| {
        (
            op.succeeded(),
            std::cmp::Reverse(op.retries.unwrap_or(0)),
            std::cmp::Reverse(op.latency_us().unwrap_or(u64::MAX)),
            *i,
        )
    });
    ranked.truncate(n);
    ranked.sort_by_key(|(i, _)| *i);
    ranked.into_iter().map(|(_, op)| op).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: u64, status: &str, retries: u64, latency: u64) -> Operation {
        Operation {
            kind: "transfer",
            id,
            request_id: Some(id),
            account: String::new(),
            asset: String::new(),
            quantity: Some(1),
            cluster: String::new(),
            status: status.to_owned(),
            reason: String::new(),
            started_us: Some(0),
            final_us: Some(latency),
            retries: Some(retries),
            told_by: String::new(),
        }
    }

    #[test]
    fn the_notable_are_the_failed_then_the_most_retried_then_the_slowest_in_flow_order() {
        let ops = [
            op(1, "settled", 0, 10),
            op(2, "settled", 0, 90),
            op(3, "rejected", 0, 5),
            op(4, "settled", 2, 10),
            op(5, "settled", 0, 50),
            op(6, "pending", 0, 1),
        ];
        let ids = |n| notable(&ops, n).iter().map(|o| o.id).collect::<Vec<_>>();
        assert_eq!(ids(2), [3, 6], "what did not succeed first");
        assert_eq!(ids(3), [3, 4, 6], "then the most retried");
        assert_eq!(ids(5), [2, 3, 4, 5, 6], "then the slowest");
        assert_eq!(ids(10).len(), 6);
    }
}
