//! A run as three CSV tables for a spreadsheet (`finsim report FILE --csv DIR`): every operation
//! (`operations.csv`: each transfer, issue, redeem and plan, with its final status, its moments
//! and its retries), every check (`checks.csv`: each expectation and invariant with its verdict)
//! and every disclosure (`disclosures.csv`: each line of the register of personal data). Moments
//! are UTC (RFC 3339) beside virtual milliseconds; lists within a cell are separated by `;`.

use crate::outcome::Outcome;
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// The three tables, by file name, as CSV bytes.
pub fn tables(scenario: &Scenario, outcome: &Outcome, accounts: &super::Accounts) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert("operations.csv".to_owned(), operations(scenario.protocol.clock, &accounts.operations));
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

fn operations(clock: crate::protocol::clock::Clock, operations: &[super::operations::Operation]) -> Vec<u8> {
    let moment = |t: Option<u64>| t.map(|t| (clock.iso_ms(t), format!("{:.3}", t as f64 / 1000.0))).unwrap_or_default();
    let rows = operations.iter().map(|op| {
        let (started, started_ms) = moment(op.started_us);
        let (ended, ended_ms) = moment(op.final_us);
        vec![
            op.kind.to_owned(),
            op.id.to_string(),
            op.request_id.map(|r| r.to_string()).unwrap_or_default(),
            op.account.clone(),
            op.asset.clone(),
            op.quantity.map(|q| q.to_string()).unwrap_or_default(),
            op.status.clone(),
            op.reason.clone(),
            started,
            started_ms,
            ended,
            ended_ms,
            op.latency_us().map(|l| format!("{:.3}", l as f64 / 1000.0)).unwrap_or_default(),
            op.retries.map(|r| r.to_string()).unwrap_or_default(),
            op.told_by.clone(),
        ]
    });
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
