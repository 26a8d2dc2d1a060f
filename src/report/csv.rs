//! A run as three CSV tables for a spreadsheet (`finsim report FILE --csv DIR`): every operation
//! (`operations.csv`: each transfer, issue, redeem and plan, with its final status, its moments
//! and its retries), every check (`checks.csv`: each expectation and invariant with its verdict)
//! and every disclosure (`disclosures.csv`: each line of the register of personal data). Moments
//! are UTC (RFC 3339) beside virtual milliseconds; lists within a cell are separated by `;`.

use crate::actors::note::Note;
use crate::outcome::Outcome;
use crate::scenario::{Action, Scenario};
use crate::trace::Event;
use std::collections::BTreeMap;

/// The three tables, by file name, as CSV bytes.
pub fn tables(scenario: &Scenario, outcome: &Outcome, accounts: &super::Accounts) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert("operations.csv".to_owned(), operations(scenario, outcome, &accounts.operations));
    files.insert("checks.csv".to_owned(), checks(outcome));
    files.insert("disclosures.csv".to_owned(), disclosures(&accounts.register));
    files
}

/// Writes rows of cells as CSV (`csv` quotes what needs quoting).
fn write(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).expect("CSV into memory");
    for row in rows {
        writer.write_record(&row).expect("CSV into memory");
    }
    writer.into_inner().expect("CSV into memory")
}

/// What the trace says of one operation: when it started, when its asker first knew its end, and
/// how many times its exchanges were re-sent.
#[derive(Default)]
struct Seen {
    started_us: Option<u64>,
    final_us: Option<u64>,
    retries: u64,
}

fn operations(scenario: &Scenario, outcome: &Outcome, lines: &[serde_json::Value]) -> Vec<u8> {
    let clock = scenario.protocol.clock;
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
    let moment = |t: Option<u64>| t.map(|t| (clock.iso_ms(t), format!("{:.3}", t as f64 / 1000.0))).unwrap_or_default();
    let latency = |s: &Seen| match (s.started_us, s.final_us) {
        (Some(a), Some(b)) => format!("{:.3}", b.saturating_sub(a) as f64 / 1000.0),
        _ => String::new(),
    };
    let lines: BTreeMap<u64, &serde_json::Value> =
        lines.iter().filter_map(|line| Some((line["request_id"].as_u64()?, line))).collect();
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
    let mut rows = Vec::new();
    for step in &scenario.flow {
        let (kind, request_id, account, asset, quantity) = match &step.action {
            Action::Transfer { request_id, user, asset, quantity, .. } => {
                ("transfer", *request_id, user, asset, *quantity)
            }
            Action::Issue { request_id, to, asset, quantity } => ("issue", *request_id, to, asset, *quantity),
            Action::Redeem { request_id, user, asset, quantity } => ("redeem", *request_id, user, asset, *quantity),
            Action::Plan { plan } => {
                let s = plans.remove(&plan.id).unwrap_or_default();
                let end = outcome.plans.iter().find(|p| p.id == plan.id);
                let (started, started_ms) = moment(s.started_us);
                let (ended, ended_ms) = moment(s.final_us);
                rows.push(vec![
                    "plan".to_owned(),
                    plan.id.to_string(),
                    String::new(),
                    plan.coordinator.to_string(),
                    String::new(),
                    String::new(),
                    end.and_then(|e| e.status).unwrap_or("pending").to_owned(),
                    end.and_then(|e| e.reason).unwrap_or_default().to_owned(),
                    started,
                    started_ms,
                    ended,
                    ended_ms,
                    latency(&s),
                    String::new(),
                    String::new(),
                ]);
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
        let field = |key: &str| line.map(|l| &l[key]).filter(|v| !v.is_null()).map(text).unwrap_or_default();
        let (started, started_ms) = moment(s.started_us);
        let (ended, ended_ms) = moment(s.final_us);
        let status = line.map_or_else(|| "pending".to_owned(), |_| field("status"));
        rows.push(vec![
            kind.to_owned(),
            request_id.to_string(),
            request_id.to_string(),
            account.to_string(),
            asset.to_string(),
            quantity.to_string(),
            status,
            field("reason"),
            started,
            started_ms,
            ended,
            ended_ms,
            latency(&s),
            s.retries.to_string(),
            field("seq"),
        ]);
    }
    let header = [
        "kind",
        "id",
        "request_id",
        "account",
        "asset",
        "quantity",
        "status",
        "reason",
        "started_at",
        "started_ms",
        "final_at",
        "final_ms",
        "latency_ms",
        "retries",
        "told_by_seq",
    ];
    write(&header, rows)
}

fn checks(outcome: &Outcome) -> Vec<u8> {
    let verdict = |passed: bool, expected_broken: bool| match (passed, expected_broken) {
        (true, _) => "holds",
        (false, true) => "broken_as_expected",
        (false, false) => "fails",
    };
    let expectations = outcome
        .expectations
        .iter()
        .map(|c| vec!["expectation".to_owned(), c.name.clone(), verdict(c.passed, false).to_owned(), c.detail.clone()]);
    let invariants = outcome.invariants.iter().map(|c| {
        let broken = outcome.expected_broken.contains(&c.name);
        vec!["invariant".to_owned(), c.name.clone(), verdict(c.passed, broken).to_owned(), c.detail.clone()]
    });
    write(&["kind", "name", "verdict", "detail"], expectations.chain(invariants))
}

fn disclosures(lines: &[serde_json::Value]) -> Vec<u8> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => {
            items.iter().map(|i| i.as_str().unwrap_or_default()).collect::<Vec<_>>().join(";")
        }
        other => other.to_string(),
    };
    let rows = lines.iter().map(|line| {
        let purpose = &line["purpose"];
        vec![
            text(&line["category"]),
            text(&line["seq"]),
            text(&line["at"]),
            format!("{:.3}", line["t_us"].as_u64().unwrap_or_default() as f64 / 1000.0),
            text(&line["from"]),
            text(&line["to"]),
            text(&line["user"]),
            text(&line["kind"]),
            text(&line["copy"]),
            text(&purpose["operation"]),
            text(&purpose["plan"]),
            text(&purpose["request_id"]),
            text(&purpose["rules"]),
            text(&line["fields"]),
            text(&line["unread"]),
            text(&line["payload"]),
        ]
    });
    let header = [
        "category",
        "seq",
        "at",
        "at_ms",
        "from",
        "to",
        "user",
        "kind",
        "copy",
        "operation",
        "plan",
        "request_id",
        "rules",
        "fields",
        "unread",
        "payload",
    ];
    write(&header, rows)
}
