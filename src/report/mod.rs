//! The readable account of a run: one line per step boundary, delivery, loss,
//! fault and observation, at virtual time; then every check with its detail.
//! Pure functions from an `Outcome` to text; the CLI decides where it goes. The trace
//! carries data; `sentences` words it.

mod aggregates;
pub mod csv;
mod diagram;
pub mod html;
pub mod operations;

/// What the report's summary, its register and its CSV tables read of a run and its evidence,
/// made once: each operation (from the trace and the pack's `transfers.jsonl`), and the register
/// of personal data (whose making verifies every copy's signature).
#[derive(Debug)]
pub struct Accounts {
    /// Every transfer, issue, redeem and plan, in flow order.
    pub operations: Vec<operations::Operation>,
    /// The lines of `personal_data.jsonl`.
    pub register: Vec<serde_json::Value>,
}

impl Accounts {
    /// The accounts of a run and its evidence.
    pub fn of(scenario: &crate::scenario::Scenario, outcome: &Outcome, material: &crate::evidence::Material) -> Self {
        let (lines, register) = crate::evidence::operation_and_register_lines(material);
        Self { operations: operations::operations(scenario, outcome, &lines), register }
    }
}

use crate::actors::note::Note;
use crate::check::Check;
use crate::outcome::Outcome;
use crate::protocol::cause::RuleCheck;
use crate::protocol::message::Kind;
use crate::protocol::status::Status;
use crate::sentences;
use crate::trace::{Event, Hop, Record};
use std::collections::BTreeMap;

/// The step-by-step account, one line per trace event worth reading. A copy of a user's personal
/// data that arrives (or is lost) gets a line of its own, naming the user, under its delivery.
pub fn account(trace: &[Record]) -> Vec<String> {
    let mut account = Account::default();
    let mut lines = Vec::new();
    for record in trace {
        account.push(record, &mut lines);
    }
    lines
}

/// The personal data given in answer to a request (whose, which fields), by the transmission
/// that carries it: (holder, asker, request id). The account, the who-saw table and the diagram
/// each follow a run's IVMS-101 documents with it.
#[derive(Debug, Default)]
pub(crate) struct Given(BTreeMap<(String, String, u64), (crate::protocol::ids::ResourceId, Vec<String>)>);

impl Given {
    /// Notes the personal data an event says was given.
    pub(crate) fn note(&mut self, event: &Event) {
        if let Event::Note(Note::PersonalData { holder, asked_by, user, request_id, given: true, fields, .. }) = event {
            self.0.insert((holder.to_string(), asked_by.to_string(), *request_id), (user.clone(), fields.clone()));
        }
    }

    /// The user and the fields a transmission carries, when it is the answer that gave them.
    pub(crate) fn carried_by(&self, hop: &Hop) -> Option<&(crate::protocol::ids::ResourceId, Vec<String>)> {
        if hop.kind != Kind::GetResponse {
            return None;
        }
        self.0.get(&(hop.from.to_string(), hop.to.to_string(), hop.request_id))
    }
}

/// The account written as a run goes: each record's lines as it happens (`account` is the same
/// of a whole trace).
#[derive(Debug, Default)]
pub struct Account {
    /// The personal data given so far.
    given: Given,
}

impl Account {
    /// Appends the lines of the next record of the trace to `lines`.
    pub fn push(&mut self, record: &Record, lines: &mut Vec<String>) {
        self.given.note(&record.event);
        lines.extend(line(record));
        let (hop, arrived) = match &record.event {
            Event::Delivered { hop } => (hop, true),
            Event::Lost { hop, .. } => (hop, false),
            _ => return,
        };
        if let Some((user, _)) = self.given.carried_by(hop) {
            let text = if arrived {
                format!("{}'s personal data about {user} reached {}", hop.from, hop.to)
            } else {
                format!("{}'s personal data about {user} did not reach {} (lost)", hop.from, hop.to)
            };
            lines.push(format!("{}     {text}", at(record.t_us)));
        }
    }
}

fn at(t_us: u64) -> String {
    format!("{:>10.3} ms", t_us as f64 / 1000.0)
}

fn hop(h: &Hop) -> String {
    format!("{} → {}  {} #{}", h.from, h.to, h.kind, h.request_id)
}

fn line(record: &Record) -> Option<String> {
    let t = at(record.t_us);
    let text = match &record.event {
        Event::StepStarted { step, actor, request_id, command } => {
            format!("── step {step}: {}", sentences::step(actor, *request_id, command))
        }
        Event::StepFinished { step } => format!("── step {step} finished"),
        Event::Send { .. } => return None,
        Event::Delivered { hop: h } => format!("{}  delivered", hop(h)),
        Event::Lost { hop: h, cause } => format!("{}  LOST ({})", hop(h), serde_json::to_value(cause).ok()?.as_str()?),
        Event::Duplicated { hop: h, .. } => format!("{}  duplicated in transit", hop(h)),
        Event::Corrupted { hop: h, bit } => format!("{}  corrupted in transit (bit {bit})", hop(h)),
        Event::Crashed { org } => format!("!! {org} crashed"),
        Event::PartitionStarted { until_us } => {
            format!("!! a partition starts, until {:.3} ms", *until_us as f64 / 1000.0)
        }
        Event::Restarted { org } => format!("!! {org} restarted"),
        Event::Note(note) => format!("   {}", note_text(note)?),
    };
    Some(format!("{t}  {text}"))
}

fn note_text(note: &Note) -> Option<String> {
    Some(match note {
        Note::Advertised { org, asset, .. } => format!("{org} advertised {asset}"),
        Note::AdvertisementReceived { org, from, resources } => {
            let list: Vec<String> = resources.iter().map(ToString::to_string).collect();
            format!("{org} recorded {from}'s advertisement of {}", list.join(", "))
        }
        Note::GetResult { org, resource, status, .. } => format!("{org}: get {resource} → {status}"),
        Note::VerifyResult { org, resource, agreed, tally, finding, .. } => {
            let detail = sentences::result(tally.as_ref(), finding.as_ref());
            format!("{org}: verify {resource} → {} ({detail})", if *agreed { "agreed" } else { "NOT agreed" })
        }
        Note::ProofResult { org, transfer, valid, tally, finding, .. } => {
            let detail = sentences::result(tally.as_ref(), finding.as_ref());
            format!("{org}: proof of transfer {transfer} → {} ({detail})", if *valid { "valid" } else { "INVALID" })
        }
        Note::BalanceResult { org, account, asset, answer, tally, finding, .. } => {
            let detail = sentences::result(Some(tally), finding.as_ref());
            match answer {
                Some(a) => format!(
                    "{org}: balance of {account} in {asset} = {} (available {}, held {}; {detail})",
                    a.current, a.available, a.held
                ),
                None => format!("{org}: balance of {account} in {asset} → no answer accepted ({detail})"),
            }
        }
        Note::TransferStarted { org, request_id, user } => {
            format!("{org} builds transfer {request_id} for {user} from the ATST")
        }
        Note::TxCreated { org, request_id, tx_id } => {
            format!("{org} received transfer {request_id} and made its ledger transaction (tx id {})", tx_id.short())
        }
        Note::TransferFinal { org, request_id, settled, reason, cause, .. } => {
            if *settled {
                format!("{org}: transfer {request_id} SETTLED ({cause})")
            } else {
                format!(
                    "{org}: transfer {request_id} REJECTED, {} ({cause})",
                    crate::check::expectations::reason_word(*reason)
                )
            }
        }
        Note::StatusResult { org, request_id, settled, tally, finding } => {
            let detail = sentences::result(Some(tally), finding.as_ref());
            let verdict = if *settled { "settled" } else { "not known to have settled" };
            format!("{org}: the status query for transfer {request_id} says {verdict} ({detail})")
        }
        Note::EscrowClosed { cluster, held, released, refused } => {
            let mut parts = Vec::new();
            for (what, ids) in
                [("held tokens for", held), ("released the hold of", released), ("refused to hold for", refused)]
            {
                if !ids.is_empty() {
                    parts.push(format!("{what} requests {ids:?}"));
                }
            }
            format!("ledger:{cluster} {}", parts.join("; "))
        }
        Note::SaleFinal { org, request_id, settled, reason, cause } => {
            let verdict = if *settled {
                "settled".to_owned()
            } else {
                format!("rejected, {}", crate::check::expectations::reason_word(*reason))
            };
            format!("{org} decided transfer {request_id}: {verdict} ({cause})")
        }
        Note::OperationStarted { operation, org, request_id, account } => operation.started(org, *request_id, account),
        Note::OperationDecided { operation, org, request_id, settled, reason, cause } => {
            let verdict = if *settled {
                "settled".to_owned()
            } else {
                format!("rejected, {}", crate::check::expectations::reason_word(*reason))
            };
            format!("{org} decided {operation} {request_id}: {verdict} ({cause})")
        }
        Note::OperationFinal { operation, org, request_id, settled, reason, cause, .. } => {
            if *settled {
                format!("{org}: {operation} {request_id} SETTLED ({cause})")
            } else {
                let reason = crate::check::expectations::reason_word(*reason);
                format!("{org}: {operation} {request_id} REJECTED, {reason} ({cause})")
            }
        }
        Note::PlanStarted { org, plan, hash, .. } => format!("{org} starts plan {plan} (hash {})", hash.short()),
        Note::PlanInstruction { org, plan, n, rollback, status, height, .. } => {
            let what = if *rollback { format!("rollback of hold {n}") } else { format!("instruction {n}") };
            match (status, height) {
                (Status::Ok, Some(height)) => format!("{org}: plan {plan}, {what} done at height {height}"),
                (status, _) => {
                    format!("{org}: plan {plan}, {what} FAILED, {}", crate::check::expectations::reason_word(*status))
                }
            }
        }
        Note::PlanFinal { org, plan, status, reason, .. } => match reason {
            Some(reason) => format!(
                "{org}: plan {plan} {}, {}",
                status.word().to_uppercase(),
                crate::check::expectations::reason_word(*reason)
            ),
            None => format!("{org}: plan {plan} {}", status.word().to_uppercase()),
        },
        Note::Compliance { org, request_id, check, passed } => {
            let RuleCheck { rule, field, value, limit } = check;
            format!(
                "{org} regulation check `{}` on transfer {request_id}: {field} = {value}, expected {limit} → {}",
                rule.word(),
                if *passed { "pass" } else { "FAIL" }
            )
        }
        Note::PersonalData { holder, asked_by, user, given: true, status, fields, .. } => {
            format!("{holder} gave {user}'s IVMS-101 data ({}) to {asked_by} ({})", fields.join(", "), status.word())
        }
        Note::PersonalData { holder, asked_by, user, status, .. } => {
            format!("{holder} refused {user}'s IVMS-101 data to {asked_by} ({})", status.word())
        }
        Note::Submitted { org, request_id, tx_hash } => {
            format!("{org} fed transfer {request_id} to its ledger (tx hash {})", tx_hash.short())
        }
        Note::BlockClosed { cluster, height, root, requests } => {
            format!("ledger:{cluster} closed block {height} (root {}) with requests {requests:?}", root.short())
        }
        Note::TxRefused { cluster, request_id, reason } => {
            format!("ledger:{cluster} refused request {request_id} ({})", reason.word())
        }
        Note::Suspect { by, org, reason, .. } => format!("{by} suspects {org}: {reason}"),
        Note::Discarded { at, from, kind, reason, .. } => {
            format!("{at} discarded a {kind} claiming to be from {from} ({})", reason.word())
        }
        Note::Retry { org, to, kind, request_id, attempt } => {
            format!("{org} re-sends {kind} #{request_id} to {to} (retry {attempt})")
        }
        Note::WaitEnded { org, request_id, deadline_us } => format!(
            "{org} stopped waiting for transfer {request_id}: still pending at its liveness deadline ({} ms)",
            deadline_us / 1000
        ),
        Note::Timeout { org, to, kind, request_id } => format!("{org}: {kind} #{request_id} to {to} timed out"),
        Note::Misbehaved { org, behaviour, kind, request_id, to, act } => {
            format!("{org} (byzantine, {behaviour}) {kind} #{request_id} to {to}: {act}")
        }
        Note::Replayed { org, from, kind, request_id } => {
            format!("{org} replays {from}'s {kind} #{request_id} to every org")
        }
        Note::StateChange { .. } => return None,
    })
}

fn check_line(check: &Check, expected_broken: bool) -> String {
    let mark = match (check.passed, expected_broken) {
        (true, _) => "ok  ",
        (false, true) => "ok (broken, as expected)",
        (false, false) => "FAIL",
    };
    format!("  {mark}  {} — {}", check.name, check.detail)
}

/// The summary after the account: checks, suspects, stats, digest, verdict.
pub fn summary(outcome: &Outcome, file: &str) -> Vec<String> {
    let mut lines = vec![String::new(), "expectations:".to_owned()];
    if outcome.expectations.is_empty() {
        lines.push("  (none)".to_owned());
    }
    lines.extend(outcome.expectations.iter().map(|c| check_line(c, false)));
    lines.push("invariants:".to_owned());
    lines.extend(outcome.invariants.iter().map(|c| check_line(c, outcome.expected_broken.contains(&c.name))));
    if !outcome.unfinished_steps.is_empty() {
        let steps: Vec<String> = outcome.unfinished_steps.iter().map(ToString::to_string).collect();
        lines.push(format!("unfinished steps: {}", steps.join(", ")));
    }
    let suspects = if outcome.suspects.is_empty() { "none".to_owned() } else { outcome.suspects.join(", ") };
    lines.push(format!("suspects: {suspects}"));
    let s = &outcome.stats;
    lines.push(format!(
        "stats: sent {}, delivered {}, dropped {}, duplicated {}, corrupted {}, retries {}, bad signatures {}",
        s.sent, s.delivered, s.dropped, s.duplicated, s.corrupted, s.retries, s.bad_signatures
    ));
    lines.push(format!("messages: {}, virtual time: {:.3} ms", outcome.messages, outcome.virtual_ms));
    lines.push(format!("digest: {}", outcome.digest));
    let failures = outcome.failures();
    if failures.is_empty() {
        lines.push(format!("PASSED: {} (seed {})", outcome.scenario, outcome.seed));
    } else {
        lines.push(format!("FAILED: {} (seed {}): {} check(s) failed", outcome.scenario, outcome.seed, failures.len()));
        lines.extend(failures.iter().map(|c| format!("  - {}: {}", c.name, c.detail)));
        lines.push(format!("reproduce: finsim run {file} --seed {}", outcome.seed));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ids::{OrgId, ResourceId};
    use crate::protocol::status::Status;
    use crate::trace::LossCause;

    fn hop(kind: Kind, request_id: u64) -> Hop {
        Hop {
            from: crate::protocol::ids::ActorId::Org("org_1".into()),
            to: crate::protocol::ids::ActorId::Org("org_2".into()),
            kind,
            request_id,
        }
    }

    #[test]
    fn the_account_says_whether_personal_data_given_arrived() {
        let given = Note::PersonalData {
            holder: OrgId::from("org_1"),
            asked_by: OrgId::from("org_2"),
            user: ResourceId::parse("org_1:100:user_1").unwrap(),
            request_id: 7,
            given: true,
            status: Status::Ok,
            fields: vec!["name".into(), "countryOfResidence".into()],
        };
        let record = |t_us, event| Record { t_us, event };
        let trace = [
            record(1, Event::Note(given)),
            record(2, Event::Delivered { hop: hop(Kind::GetResponse, 8) }),
            record(3, Event::Lost { hop: hop(Kind::GetResponse, 7), cause: LossCause::Drop }),
            record(4, Event::Delivered { hop: hop(Kind::GetResponse, 7) }),
        ];
        let lines = account(&trace);
        assert!(
            lines[0].ends_with("org_1 gave org_1:100:user_1's IVMS-101 data (name, countryOfResidence) to org_2 (ok)")
        );
        assert_eq!(lines.len(), 6, "another request's answer says nothing of the data: {lines:#?}");
        assert!(lines[3].ends_with("org_1's personal data about org_1:100:user_1 did not reach org_2 (lost)"));
        assert!(lines[5].ends_with("org_1's personal data about org_1:100:user_1 reached org_2"));
    }
}
