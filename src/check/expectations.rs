//! The `expect` block: each expectation against what the run showed.

use super::Check;
use crate::check::observations::Observations;
use crate::protocol::ids::{OrgId, ResourceId};
use crate::protocol::status::Status;
use crate::scenario::{Expectation, GetStatusWord, Moving, ReasonWord, Scenario, TransferStatusWord};
use std::collections::{BTreeMap, BTreeSet};

/// Context the expectations need besides the observations.
pub struct Context<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// What the run showed.
    pub seen: &'a Observations,
    /// Invariant verdicts, for `invariant` expectations.
    pub invariants: &'a [Check],
}

/// The word a scenario uses for a rejection status.
pub fn reason_word(status: Status) -> &'static str {
    match status {
        Status::Regulation => "regulation",
        Status::Signature => "signature",
        Status::Denied => "permission",
        Status::Balance => "balance",
        Status::Timeout => "timeout",
        Status::NotFound => "not_found",
        Status::Ok => "ok",
        Status::Pending => "pending",
        Status::Replay => "replay",
    }
}

fn get_word(word: GetStatusWord) -> Status {
    match word {
        GetStatusWord::Ok => Status::Ok,
        GetStatusWord::Denied => Status::Denied,
        GetStatusWord::NotFound => Status::NotFound,
        GetStatusWord::Timeout => Status::Timeout,
    }
}

fn reason_status(word: ReasonWord) -> Status {
    match word {
        ReasonWord::Regulation => Status::Regulation,
        ReasonWord::Signature => Status::Signature,
        ReasonWord::Permission => Status::Denied,
        ReasonWord::Balance => Status::Balance,
        ReasonWord::Timeout => Status::Timeout,
        ReasonWord::Replay => Status::Replay,
    }
}

/// Checks every expectation, in file order.
pub fn check_all(cx: &Context<'_>) -> Vec<Check> {
    // The (account, asset) pairs a `balance` step asks about: found once, not once per
    // expectation (a file may hold 100,000 of each).
    let asked: BTreeSet<(&ResourceId, &ResourceId)> = cx
        .scenario
        .flow
        .iter()
        .filter_map(|s| match &s.action {
            crate::scenario::Action::Balance { account, asset, .. } => Some((account, asset)),
            _ => None,
        })
        .collect();
    // The plans' hold accounts, and the steps that move tokens by request id, found once too.
    let holds = cx.scenario.plan_holds();
    let moving =
        cx.scenario.flow.iter().filter_map(|s| s.action.moving()).map(|m| (m.moves().request_id(), m)).collect();
    let found = Found { asked, holds, moving };
    cx.scenario.expect.iter().map(|e| check(cx, &found, e)).collect()
}

/// What the expectations read of the flow, found once for all of them.
struct Found<'s> {
    /// The (account, asset) pairs a `balance` step asks about.
    asked: BTreeSet<(&'s ResourceId, &'s ResourceId)>,
    /// The plans' hold accounts.
    holds: crate::scenario::PlanHolds,
    /// The steps that move tokens, by request id.
    moving: BTreeMap<u64, &'s Moving>,
}

impl Found<'_> {
    /// How the step with this request id is named, and whose org must know its final status
    /// (a transfer's buyer's, for an id no step has).
    fn names(&self, request_id: u64) -> (&'static str, &'static str) {
        Moving::names(self.moving.get(&request_id).copied())
    }
}

fn check(cx: &Context<'_>, found: &Found<'_>, expectation: &Expectation) -> Check {
    let seen = cx.seen;
    match expectation {
        Expectation::Get { org, resource, status } => {
            let name = format!("get {org} {resource} is {}", get_word(*status).word());
            match seen.gets.get(&(org.clone(), resource.clone())) {
                Some(got) => Check::new(name, *got == get_word(*status), format!("{org} received {}", got.word())),
                None => Check::new(name, false, format!("{org} never received an answer for {resource}")),
            }
        }
        Expectation::Final { request_id, status, reason } => {
            let (word, knower) = found.names(*request_id);
            final_status(seen, (word, &format!("its {knower}'s org")), *request_id, *status, *reason)
        }
        Expectation::Plan { id, status, reason } => plan_status(seen, *id, *status, *reason),
        Expectation::Proof { request_id, valid } => {
            let what = found.names(*request_id).0;
            let name = format!("proof of {what} {request_id} is {}", if *valid { "valid" } else { "invalid" });
            match seen.proofs.get(request_id) {
                Some((is_valid, detail)) => Check::new(name, is_valid == valid, detail.clone()),
                None => Check::new(name, !valid, format!("no verify_proof of this {what} finished")),
            }
        }
        Expectation::Verify { resource, agreed, org } => {
            let name = match org {
                Some(org) => format!("verify {resource} by {org} is {}", if *agreed { "agreed" } else { "not agreed" }),
                None => format!("verify {resource} is {}", if *agreed { "agreed" } else { "not agreed" }),
            };
            let last =
                seen.verifies.iter().rev().find(|(o, r, _, _)| r == resource && org.as_ref().is_none_or(|x| x == o));
            match last {
                Some((_, _, was, detail)) => Check::new(name, was == agreed, detail.clone()),
                None => Check::new(name, false, format!("no verify of {resource} finished")),
            }
        }
        Expectation::Balance { account, asset, equals } => {
            balance(cx, (found.asked.contains(&(account, asset)), &found.holds), account, asset, *equals)
        }
        Expectation::Suspect { org } => {
            let name = format!("{org} is a suspect");
            let by: Vec<String> = seen
                .suspicions
                .iter()
                .filter(|(b, o)| o == org && !cx.scenario.faults.byzantine.contains_key(b))
                .map(|(b, _)| b.to_string())
                .collect();
            let detail = if by.is_empty() {
                "no honest org flagged it".to_owned()
            } else {
                format!("flagged by {}", by.join(", "))
            };
            Check::new(name, !by.is_empty(), detail)
        }
        Expectation::PersonalData { user, seen_by } => {
            let names = |orgs: &BTreeSet<OrgId>| orgs.iter().map(OrgId::to_string).collect::<Vec<_>>().join(", ");
            let name = format!("{user}'s personal data seen by [{}]", names(seen_by));
            let saw = super::invariants::seen_by(seen).remove(user).unwrap_or_default();
            let detail = if saw.is_empty() { "nobody saw it".to_owned() } else { format!("seen by {}", names(&saw)) };
            Check::new(name, &saw == seen_by, detail)
        }
        Expectation::Invariant { name, holds } => {
            let invariant = name.as_str();
            let label = format!("invariant {invariant} {}", if *holds { "holds" } else { "breaks" });
            match cx.invariants.iter().find(|c| c.name == invariant) {
                Some(c) => Check::new(label, c.passed == *holds, c.detail.clone()),
                None => Check::new(label, false, "the invariant was not checked"),
            }
        }
    }
}

fn balance(
    cx: &Context<'_>,
    (asked, holds): (bool, &crate::scenario::PlanHolds),
    account: &ResourceId,
    asset: &ResourceId,
    equals: u64,
) -> Check {
    let name = format!("balance {account} {asset} = {equals}");
    let cluster = &cx.scenario.orgs[&asset.org].cluster;
    let ledger = cx.seen.ledgers.get(cluster);
    let of = |account: &ResourceId| ledger.and_then(|l| l.balances.get(&(asset.clone(), account.clone()))).copied();
    // Tokens a plan still holds are the account's (held), as its balance answers say.
    let in_plans: u64 =
        holds.iter().filter(|(_, (a, source))| a == asset && source == account).map(|(h, _)| of(h).unwrap_or(0)).sum();
    let total = of(account).unwrap_or(0) + in_plans;
    // How the detail says it: the amount, and the part plans hold, if any.
    let on_ledger = match in_plans {
        0 => total.to_string(),
        held => format!("{total} ({held} of it held by plans)"),
    };
    if total != equals {
        return Check::new(name, false, format!("the ledger of {cluster} holds {on_ledger}"));
    }
    if !asked {
        return Check::new(name, true, format!("the ledger of {cluster} holds {on_ledger}"));
    }
    match cx.seen.balances.get(&(account.clone(), asset.clone())) {
        Some(seen) => match seen.answer {
            Some(amounts) if amounts.current == equals => Check::new(
                name,
                true,
                format!("the ledger holds {on_ledger}; {} was told {} ({})", seen.org, amounts.current, seen.detail),
            ),
            Some(amounts) => Check::new(
                name,
                false,
                format!("the ledger holds {on_ledger} but {} was told {} ({})", seen.org, amounts.current, seen.detail),
            ),
            // The contract asks the org's answer to match only "if it was given one".
            None => Check::new(
                name,
                true,
                format!("the ledger holds {on_ledger}; {} accepted no answer ({})", seen.org, seen.detail),
            ),
        },
        None => Check::new(name, true, format!("the ledger holds {on_ledger}; no balance step finished")),
    }
}

/// A final status expectation of a `kind` step (`transfer`, `issue`, `redeem`), read as the org
/// that must know it (`knower`) knows it.
/// A plan's final status (and reason) as its coordinator knows it.
fn plan_status(
    seen: &Observations,
    id: u64,
    status: crate::protocol::plan::PlanStatus,
    reason: Option<ReasonWord>,
) -> Check {
    let mut name = format!("plan {id} is {}", status.word());
    if let Some(reason) = reason {
        name.push_str(&format!(" ({})", reason_word(reason_status(reason))));
    }
    let Some((known, known_reason, _)) = seen.plans.get(&id).and_then(|p| p.outcome) else {
        return Check::new(name, false, "its coordinator does not know a final status");
    };
    let detail = match known_reason {
        Some(why) => format!("{} ({})", known.word(), reason_word(why)),
        None => known.word().to_owned(),
    };
    let passed = known == status && reason.is_none_or(|r| Some(reason_status(r)) == known_reason);
    Check::new(name, passed, detail)
}

fn final_status(
    seen: &Observations,
    (kind, knower): (&str, &str),
    request_id: u64,
    status: TransferStatusWord,
    reason: Option<ReasonWord>,
) -> Check {
    let mut name = format!(
        "{kind} {request_id} is {}",
        match status {
            TransferStatusWord::Settled => "settled",
            TransferStatusWord::Rejected => "rejected",
        }
    );
    if let Some(reason) = reason {
        name.push_str(&format!(" ({})", reason_word(reason_status(reason))));
    }
    let Some(known) = seen.transfers.get(&request_id) else {
        return Check::new(name, false, format!("{knower} does not know a final status"));
    };
    let detail = if known.settled {
        format!("settled: {}", known.cause)
    } else {
        format!("rejected ({}): {}", reason_word(known.reason), known.cause)
    };
    let passed = match status {
        TransferStatusWord::Settled => known.settled,
        TransferStatusWord::Rejected => !known.settled && reason.is_none_or(|r| reason_status(r) == known.reason),
    };
    Check::new(name, passed, detail)
}

#[cfg(test)]
mod tests {
    /// Every expectation of the file gets its check, in file order, a step that moves tokens named
    /// by its word and request id (the sample flow, run whole).
    #[test]
    fn every_expectation_is_checked_once_in_file_order() {
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        let outcome = crate::run(&scenario, scenario.seed);
        assert_eq!(outcome.expectations.len(), scenario.expect.len());
        assert!(outcome.expectations.iter().all(|c| c.passed), "{:#?}", outcome.expectations);
        assert_eq!(outcome.expectations[1].name, "transfer 10101 is settled");
        assert_eq!(outcome.expectations[2].name, "proof of transfer 10101 is valid");
    }
}
