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
    let quiet_after = scenario.faults.quiet_after_us();
    let mut broken = Vec::new();
    for (request_id, _) in transfers(scenario) {
        let Some(start) = seen.transfer_starts.get(&request_id) else {
            broken.push(format!("transfer {request_id} never started"));
            continue;
        };
        let deadline = (*start).max(quiet_after).saturating_add(scenario.protocol.liveness_us);
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

#[cfg(test)]
mod tests {
    //! Each checker is fed a state broken on purpose and must say so.

    use super::*;
    use crate::actors::cluster_ledger::Block;
    use crate::actors::directory::Directory;
    use crate::crypto::chainpoint::{ChainpointProof, ProofInputs};
    use crate::crypto::keys;
    use crate::protocol::envelope::Envelope;
    use crate::protocol::ids::{Address, OrgId, ResourceId};
    use crate::protocol::message::Settlement;
    use crate::protocol::status::Status;
    use crate::scenario::{self, Scenario};
    use crate::sim::observations::KnownFinal;
    use std::sync::Arc;

    fn sample() -> Scenario {
        scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap()
    }

    fn id(text: &str) -> ResourceId {
        ResourceId::parse(text).unwrap()
    }

    fn tx(request_id: u64) -> LedgerTx {
        LedgerTx {
            request_id,
            tx_id: Hash32::of(&request_id.to_be_bytes()),
            asset: id("org_2:101:asset_1"),
            source: id("org_2:100:treasury"),
            destination: id("org_1:100:user_1"),
            quantity: 100,
            submitter: OrgId::from("org_2"),
        }
    }

    /// The state a correct run of the sample flow ends in.
    fn settled_state() -> Observations {
        let tx = tx(10101);
        let leaves = [tx.hash()];
        let proof = ChainpointProof::build(&ProofInputs {
            tx_hash: leaves[0],
            path: &[],
            cluster: "cluster_B",
            height: 1,
            received_us: 0,
            node_id: [0; 6],
        });
        let mut balances = BTreeMap::new();
        balances.insert((id("org_2:101:asset_1"), id("org_2:100:treasury")), 900);
        balances.insert((id("org_2:101:asset_1"), id("org_1:100:user_1")), 100);
        let block = Block { height: 1, root: crate::crypto::merkle::root(&leaves), txs: vec![tx] };
        let mut seen = Observations::default();
        seen.ledgers.insert(ClusterId::from("cluster_B"), LedgerSnapshot { balances, blocks: vec![block] });
        seen.transfers.insert(
            10101,
            KnownFinal { settled: true, reason: Status::Ok, detail: String::new(), proof: Some(proof), t_us: 1_000 },
        );
        seen.transfer_starts.insert(10101, 0);
        seen
    }

    #[test]
    fn a_correct_state_passes_every_invariant() {
        let scenario = sample();
        let seen = settled_state();
        let keyring = Directory::new(&scenario, 1).keyring;
        for check in check_all(&scenario, &seen, &keyring) {
            assert!(check.passed, "{check:?}");
        }
    }

    #[test]
    fn conservation_fails_when_tokens_appear() {
        let mut seen = settled_state();
        let ledger = seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap();
        *ledger.balances.get_mut(&(id("org_2:101:asset_1"), id("org_1:100:user_1"))).unwrap() += 1;
        let check = conservation(&sample(), &seen.ledgers);
        assert!(!check.passed && check.detail.contains("1001"), "{check:?}");
    }

    #[test]
    fn exactly_once_fails_when_a_request_settles_twice() {
        let mut seen = settled_state();
        let ledger = seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap();
        ledger.blocks.push(Block { height: 2, root: tx(10101).hash(), txs: vec![tx(10101)] });
        let check = exactly_once(&seen.ledgers);
        assert!(!check.passed && check.detail.contains("request 10101 settled 2 times"), "{check:?}");
    }

    #[test]
    fn valid_proofs_fails_on_a_tampered_or_missing_proof() {
        let mut seen = settled_state();
        let known = seen.transfers.get_mut(&10101).unwrap();
        known.proof.as_mut().unwrap().hash = Hash32::of(b"another tx").to_hex();
        assert!(!valid_proofs(&seen).passed);
        seen.transfers.get_mut(&10101).unwrap().proof = None;
        let check = valid_proofs(&seen);
        assert!(!check.passed && check.detail.contains("without a proof"), "{check:?}");
    }

    #[test]
    fn agreement_fails_when_the_buyer_and_the_ledger_disagree() {
        let mut seen = settled_state();
        seen.transfers.get_mut(&10101).unwrap().settled = false;
        let check = agreement(&sample(), &seen);
        assert!(!check.passed && check.detail.contains("is on cluster_B"), "{check:?}");
        let mut seen = settled_state();
        seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap().blocks.clear();
        assert!(!agreement(&sample(), &seen).passed);
    }

    #[test]
    fn authenticity_fails_on_a_forged_or_unentitled_cause() {
        let scenario = sample();
        let dir = Directory::new(&scenario, 1);
        let settlement = Body::Settlement(Settlement {
            tx_id: Hash32([0; 32]),
            status: Status::Ok,
            detail: String::new(),
            proof: None,
        });
        let message = |from: &str| Message {
            request_id: 10101,
            from: ActorId::Org(OrgId::from(from)),
            to: Address::Actor(ActorId::Org(OrgId::from("org_1"))),
            body: settlement.clone(),
        };
        let forged = Envelope::seal(message("org_2"), &keys::forged_key(1, &ActorId::Org(OrgId::from("org_2"))));
        let unentitled = Envelope::seal(message("org_3"), &keys::actor_key(1, &ActorId::Org(OrgId::from("org_3"))));
        let genuine = Envelope::seal(message("org_2"), &keys::actor_key(1, &ActorId::Org(OrgId::from("org_2"))));
        let org_1 = ActorId::Org(OrgId::from("org_1"));
        let mut seen = settled_state();
        seen.state_changes.push((org_1.clone(), "recorded".into(), Arc::new(genuine)));
        assert!(authenticity(&scenario, &seen, &dir.keyring).passed);
        for bad in [forged, unentitled] {
            let mut seen = settled_state();
            seen.state_changes.push((org_1.clone(), "recorded".into(), Arc::new(bad)));
            assert!(!authenticity(&scenario, &seen, &dir.keyring).passed);
        }
    }

    #[test]
    fn liveness_fails_when_a_transfer_is_late_or_never_final() {
        let scenario = sample();
        let mut seen = settled_state();
        seen.transfers.get_mut(&10101).unwrap().t_us = scenario.protocol.liveness_us + 1;
        assert!(!liveness(&scenario, &seen).passed);
        seen.transfers.clear();
        let check = liveness(&scenario, &seen);
        assert!(!check.passed && check.detail.contains("not final"), "{check:?}");
    }
}
