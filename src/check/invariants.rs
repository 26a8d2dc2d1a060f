//! The invariants, checked after every run. Each is a pure function of the
//! scenario and what the run showed, so a test can feed it a broken state.

use super::Check;
use crate::actors::adapter::LedgerSnapshot;
use crate::crypto::keys::Keyring;
use crate::crypto::Hash32;
use crate::protocol::envelope::Message;
use crate::protocol::ids::{ActorId, ClusterId};
use crate::protocol::message::{Body, LedgerTx};
use crate::scenario::{Action, InvariantName, Scenario};
use crate::sim::observations::Observations;
use std::collections::BTreeMap;

/// The name an invariant is reported under.
pub fn name_of(name: InvariantName) -> &'static str {
    match name {
        InvariantName::Conservation => "conservation",
        InvariantName::ExactlyOnce => "exactly_once",
        InvariantName::ValidProofs => "valid_proofs",
        InvariantName::Agreement => "agreement",
        InvariantName::Authenticity => "authenticity",
        InvariantName::Liveness => "liveness",
    }
}

/// Checks every invariant, in the contract's order.
pub fn check_all(scenario: &Scenario, seen: &Observations, keyring: &Keyring) -> Vec<Check> {
    vec![
        conservation(scenario, &seen.ledgers),
        exactly_once(&seen.ledgers),
        valid_proofs(seen),
        agreement(scenario, seen),
        authenticity(scenario, seen, keyring),
        liveness(scenario, seen),
    ]
}

fn transfers(scenario: &Scenario) -> impl Iterator<Item = (u64, &crate::protocol::ids::ResourceId)> {
    scenario.flow.iter().filter_map(|s| match &s.action {
        Action::Transfer { request_id, asset, .. } => Some((*request_id, asset)),
        _ => None,
    })
}

fn on_ledger<'a>(
    ledgers: &'a BTreeMap<ClusterId, LedgerSnapshot>,
    cluster: &ClusterId,
) -> impl Iterator<Item = &'a LedgerTx> {
    ledgers.get(cluster).into_iter().flat_map(|l| l.blocks.iter().flat_map(|b| b.txs.iter()))
}

/// For every asset, the balances on its ledger add up to its initial supply.
pub fn conservation(scenario: &Scenario, ledgers: &BTreeMap<ClusterId, LedgerSnapshot>) -> Check {
    let mut broken = Vec::new();
    for (asset, config) in &scenario.assets {
        let cluster = &scenario.orgs[&config.org].cluster;
        let total: u128 = ledgers
            .get(cluster)
            .map(|l| l.balances.iter().filter(|((a, _), _)| a == asset).map(|(_, b)| u128::from(*b)).sum())
            .unwrap_or(0);
        if total != u128::from(config.supply()) {
            broken.push(format!("{asset}: balances add up to {total}, supply is {}", config.supply()));
        }
    }
    match broken.is_empty() {
        true => Check::new("conservation", true, format!("{} asset(s): every supply conserved", scenario.assets.len())),
        false => Check::new("conservation", false, broken.join("; ")),
    }
}

/// A request settles at most once on any ledger.
pub fn exactly_once(ledgers: &BTreeMap<ClusterId, LedgerSnapshot>) -> Check {
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for ledger in ledgers.values() {
        for tx in ledger.blocks.iter().flat_map(|b| b.txs.iter()) {
            *counts.entry(tx.request_id).or_default() += 1;
        }
    }
    let twice: Vec<String> =
        counts.iter().filter(|(_, n)| **n > 1).map(|(r, n)| format!("request {r} settled {n} times")).collect();
    match twice.is_empty() {
        true => Check::new("exactly_once", true, format!("{} settled request(s), each once", counts.len())),
        false => Check::new("exactly_once", false, twice.join("; ")),
    }
}

/// Every transfer its buyer's org knows as settled has a proof that recomputes its block's root.
pub fn valid_proofs(seen: &Observations) -> Check {
    let mut broken = Vec::new();
    let mut checked = 0;
    for (request_id, known) in seen.transfers.iter().filter(|(_, k)| k.settled) {
        checked += 1;
        let Some(proof) = &known.proof else {
            broken.push(format!("transfer {request_id} is settled without a proof"));
            continue;
        };
        let Some((root, anchor)) = proof.replay() else {
            broken.push(format!("the proof of transfer {request_id} does not replay"));
            continue;
        };
        let block = seen
            .ledgers
            .get(&ClusterId(anchor.cluster.clone()))
            .and_then(|l| l.blocks.iter().find(|b| b.height == anchor.height));
        let Some(block) = block else {
            broken.push(format!("transfer {request_id}: no block {}:{}", anchor.cluster, anchor.height));
            continue;
        };
        let tx_in_block = block.txs.iter().any(|t| Some(t.hash()) == Hash32::from_hex(&proof.hash));
        if block.root != root || !tx_in_block {
            broken.push(format!(
                "the proof of transfer {request_id} does not recompute block {}:{}'s root",
                anchor.cluster, anchor.height
            ));
        }
    }
    match broken.is_empty() {
        true => Check::new("valid_proofs", true, format!("{checked} proof(s) recompute their block roots")),
        false => Check::new("valid_proofs", false, broken.join("; ")),
    }
}

/// Each transfer's final status as its buyer's org knows it matches the ledger.
pub fn agreement(scenario: &Scenario, seen: &Observations) -> Check {
    let mut broken = Vec::new();
    for (request_id, asset) in transfers(scenario) {
        let cluster = &scenario.orgs[&asset.org].cluster;
        let settled_on_ledger = on_ledger(&seen.ledgers, cluster).any(|t| t.request_id == request_id);
        let known = seen.transfers.get(&request_id);
        let known_settled = known.is_some_and(|k| k.settled);
        if settled_on_ledger != known_settled {
            let knows = match known {
                Some(k) if k.settled => "settled".to_owned(),
                Some(k) => format!("rejected ({})", crate::check::expectations::reason_word(k.reason)),
                None => "no final status".to_owned(),
            };
            let ledger = if settled_on_ledger { "is" } else { "is not" };
            broken.push(format!(
                "transfer {request_id}: the buyer's org knows {knows} but it {ledger} on {cluster}'s ledger"
            ));
        }
    }
    match broken.is_empty() {
        true => Check::new("agreement", true, "every buyer's org agrees with the ledger"),
        false => Check::new("agreement", false, broken.join("; ")),
    }
}

/// No state changed because of a message whose signature failed or whose signer was not entitled.
pub fn authenticity(scenario: &Scenario, seen: &Observations, keyring: &Keyring) -> Check {
    let mut broken = Vec::new();
    let assets: BTreeMap<u64, _> = transfers(scenario).collect();
    for (actor, what, cause) in &seen.state_changes {
        let Ok(message) = cause.open(keyring) else {
            broken.push(format!("{actor} {what} on a {} whose signature fails", cause.kind));
            continue;
        };
        let entitled = match (&message.body, &message.from) {
            (Body::Settlement(_), ActorId::Org(from)) => {
                assets.get(&message.request_id).is_some_and(|a| &a.org == from)
            }
            (Body::Transfer(t), ActorId::Org(from)) => &t.from.id.org == from,
            (Body::GetResponse(r), ActorId::Org(from)) => &r.resource.org == from,
            (Body::Advertisement(a), ActorId::Org(from)) => &a.org == from,
            (Body::Submit(tx), ActorId::Org(from)) => &tx.asset.org == from && &tx.submitter == from,
            _ => false,
        };
        if !entitled {
            let Message { from, .. } = message;
            broken.push(format!("{actor} {what} on a {} from {from}, who is not entitled to it", cause.kind));
        }
    }
    match broken.is_empty() {
        true => Check::new(
            "authenticity",
            true,
            format!("{} state change(s), each from a valid, entitled signer", seen.state_changes.len()),
        ),
        false => Check::new("authenticity", false, broken.join("; ")),
    }
}

/// Every transfer is final, as its buyer's org knows it, by its deadline.
pub fn liveness(scenario: &Scenario, seen: &Observations) -> Check {
    let faults = &scenario.faults;
    let last_heal = faults.partitions.iter().map(|p| p.until_us).max().unwrap_or(0);
    let last_restart = faults.crashes.iter().map(|c| c.restart_us.unwrap_or(c.at_us)).max().unwrap_or(0);
    let mut broken = Vec::new();
    for (request_id, _) in transfers(scenario) {
        let Some(start) = seen.transfer_starts.get(&request_id) else {
            broken.push(format!("transfer {request_id} never started"));
            continue;
        };
        let deadline = (*start).max(last_heal).max(last_restart).saturating_add(scenario.protocol.liveness_us);
        match seen.transfers.get(&request_id) {
            Some(known) if known.t_us <= deadline => {}
            Some(known) => broken.push(format!(
                "transfer {request_id} became final at {} ms, after its deadline {} ms",
                known.t_us / 1000,
                deadline / 1000
            )),
            None => broken.push(format!("transfer {request_id} is not final (deadline {} ms)", deadline / 1000)),
        }
    }
    match broken.is_empty() {
        true => Check::new("liveness", true, "every transfer became final by its deadline"),
        false => Check::new("liveness", false, broken.join("; ")),
    }
}
