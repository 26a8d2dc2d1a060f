//! The invariants, checked after every run. Each is a pure function of the
//! scenario and what the run showed, so a test can feed it a broken state.

use super::Check;
use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::check::observations::Observations;
use crate::crypto::Hash32;
use crate::protocol::ids::{ActorId, ClusterId, OrgId};
use crate::protocol::message::LedgerTx;
use crate::scenario::{Action, Scenario, SupplyChange};
use std::collections::BTreeMap;

pub mod causes;
mod honest_answers;
pub mod plans;
mod privacy;
pub mod witness;

pub use causes::{Awaited, Causes, Doubt};
pub use honest_answers::honest_answers;
pub use privacy::{privacy, seen_by};

/// Checks every invariant, in the contract's order.
pub fn check_all(scenario: &Scenario, seen: &Observations) -> Vec<Check> {
    vec![
        conservation(scenario, &seen.ledgers),
        exactly_once(scenario, seen),
        valid_proofs(scenario, seen),
        agreement(scenario, seen),
        authenticity(scenario, seen),
        liveness(scenario, seen),
        privacy(scenario, seen),
        honest_answers(scenario, seen),
        holds_released(scenario, seen),
        plans::atomicity(scenario, seen),
        plans::consent(scenario, seen),
    ]
}

/// When the run ends, no account holds anything for a transfer that is final (as its buyer's
/// org knows it, or as the asset's org decided it). Trivially true under direct settlement.
pub fn holds_released(scenario: &Scenario, seen: &Observations) -> Check {
    let mut broken = plans::holds_left(scenario, seen);
    let mut holds = 0;
    for ledger in seen.ledgers.values() {
        for hold in ledger.holds.values() {
            holds += 1;
            let known = seen.transfers.get(&hold.request_id);
            if known.is_some() || seen.sales_final.contains(&hold.request_id) {
                let status = match known {
                    Some(k) if k.settled => "settled".to_owned(),
                    Some(k) => format!("rejected ({})", super::expectations::reason_word(k.reason)),
                    None => "decided by the asset's org".to_owned(),
                };
                broken.push(format!(
                    "{} still holds {} of {} for transfer {}, which is final: {status}",
                    hold.account, hold.quantity, hold.asset, hold.request_id
                ));
            }
        }
    }
    match broken.is_empty() {
        true => {
            Check::new("holds_released", true, format!("{holds} hold(s) left at the end, none for a final transfer"))
        }
        false => Check::new("holds_released", false, broken.join("; ")),
    }
}

/// Every step that moves tokens (a transfer, an issue, a redeem): its request id, asset and action.
fn transfers(scenario: &Scenario) -> impl Iterator<Item = (u64, &crate::protocol::ids::ResourceId, &Action)> {
    scenario.flow.iter().filter_map(|s| Some((s.action.request_id()?, s.action.moved_asset()?, &s.action)))
}

/// Whether the flow issues or redeems (the checks' words then name them beside transfers).
fn supply_moves(scenario: &Scenario) -> bool {
    scenario.flow.iter().any(|s| s.action.operation().is_some())
}

/// How the checks name a step that moves tokens (`transfer 7`, `issue 8`, `redeem 9`), and the
/// org that must know its final status.
fn named(action: &Action, request_id: u64) -> (String, String) {
    let (word, knower) = crate::scenario::Moving::names(action.moving());
    (format!("{word} {request_id}"), format!("the {knower}'s org"))
}

fn on_ledger<'a>(
    ledgers: &'a BTreeMap<ClusterId, LedgerSnapshot>,
    cluster: &ClusterId,
) -> impl Iterator<Item = &'a LedgerTx> {
    ledgers.get(cluster).into_iter().flat_map(|l| l.blocks.iter().flat_map(|b| b.txs.iter()))
}

/// For every asset, the balances on its ledger add up to its initial supply, plus every settled
/// issue, minus every settled redeem. A mint or a burn counts only when it settles a step of the
/// flow of that kind, asset and quantity: any other mint or burn breaks the rule.
pub fn conservation(scenario: &Scenario, ledgers: &BTreeMap<ClusterId, LedgerSnapshot>) -> Check {
    let mut broken = Vec::new();
    let steps: BTreeMap<u64, &Action> =
        scenario.flow.iter().filter_map(|s| Some((s.action.request_id()?, &s.action))).collect();
    let by_plans = plans::supply_txs(scenario);
    for (asset, config) in &scenario.assets {
        let cluster = &scenario.orgs[&config.org].cluster;
        let total: u128 = ledgers
            .get(cluster)
            .map(|l| l.balances.iter().filter(|((a, _), _)| a == asset).map(|(_, b)| u128::from(*b)).sum())
            .unwrap_or(0);
        let (mut issued, mut redeemed) = (0u128, 0u128);
        for tx in on_ledger(ledgers, cluster).filter(|t| &t.asset == asset && (t.mints() || t.burns())) {
            let flow_step = match steps.get(&tx.request_id).and_then(|a| a.supply_change()) {
                Some(SupplyChange::Mint { asset: a, to, quantity }) => {
                    tx.mints() && a == asset && &tx.destination == to && quantity == tx.quantity
                }
                Some(SupplyChange::Burn { asset: a, from, quantity }) => {
                    tx.burns() && a == asset && &tx.source == from && quantity == tx.quantity
                }
                None => false,
            } || by_plans.contains(&tx.tx_id);
            match (flow_step, tx.mints()) {
                (true, true) => issued += u128::from(tx.quantity),
                (true, false) => redeemed += u128::from(tx.quantity),
                (false, true) => broken.push(format!(
                    "{asset}: request {} minted {} to {}, which no issue of the flow asks",
                    tx.request_id, tx.quantity, tx.destination
                )),
                (false, false) => broken.push(format!(
                    "{asset}: request {} burnt {} of {}, which no redeem of the flow asks",
                    tx.request_id, tx.quantity, tx.source
                )),
            }
        }
        let expected = (u128::from(config.supply()) + issued).checked_sub(redeemed);
        if expected != Some(total) {
            let supply = config.supply();
            broken.push(format!(
                "{asset}: balances add up to {total}, supply is {supply} + {issued} issued - {redeemed} redeemed"
            ));
        }
    }
    match broken.is_empty() {
        true => Check::new("conservation", true, format!("{} asset(s): every supply conserved", scenario.assets.len())),
        false => Check::new("conservation", false, broken.join("; ")),
    }
}

/// A request settles at most once on any ledger, and so does a transfer its user signed once
/// (its nonce and template hash), whatever request ids carry it. Which signed transfer a
/// ledger transaction settles is read from the transfer envelopes its submitter accepted.
pub fn exactly_once(scenario: &Scenario, seen: &Observations) -> Check {
    // (receiving org, request id) → the transfer that request carried.
    let accepted = &seen.causes.accepted;
    let mut by_request: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    let mut by_signed: BTreeMap<[u8; 32], Vec<u64>> = BTreeMap::new();
    // A plan's transactions share its request id: each is counted by its own tx id instead.
    let plan_ledgers = plans::PlanLedgers::new(scenario, &seen.ledgers);
    let txs = seen.ledgers.values().flat_map(|l| l.blocks.iter().flat_map(|b| b.txs.iter()));
    for tx in txs.filter(|tx| !plan_ledgers.is_plan_tx(tx)) {
        by_request.entry(tx.request_id).or_default().push(tx.request_id);
        if let Some(transfer) = accepted.get(&(ActorId::Org(tx.submitter.clone()), tx.request_id)) {
            by_signed.entry(transfer.signed).or_default().push(tx.request_id);
        }
    }
    let mut twice: Vec<String> = by_request
        .iter()
        .filter(|(_, settled)| settled.len() > 1)
        .map(|(request, settled)| format!("request {request} settled {} times", settled.len()))
        .collect();
    twice.extend(by_signed.values().filter(|requests| requests.len() > 1).map(|requests| {
        let list: Vec<String> = requests.iter().map(u64::to_string).collect();
        format!("one signed transfer settled {} times, as requests {}", requests.len(), list.join(", "))
    }));
    twice.extend(plans::twice(&plan_ledgers));
    match twice.is_empty() {
        true => Check::new(
            "exactly_once",
            true,
            format!("{} settled request(s), each once and each a different signed transfer", by_request.len()),
        ),
        false => Check::new("exactly_once", false, twice.join("; ")),
    }
}

/// Every transfer its buyer's org knows as settled has a proof that recomputes its block's root.
pub fn valid_proofs(scenario: &Scenario, seen: &Observations) -> Check {
    let mut broken = Vec::new();
    let mut checked = 0;
    // Each ledger's blocks by height, found once (not searched once per transfer).
    let blocks: BTreeMap<(&str, u64), &crate::actors::cluster_ledger::Block> = seen
        .ledgers
        .iter()
        .flat_map(|(cluster, l)| l.blocks.iter().map(move |b| ((cluster.as_str(), b.height), b)))
        .collect();
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
        let Some(block) = blocks.get(&(anchor.cluster.as_str(), anchor.height)).copied() else {
            broken.push(format!("transfer {request_id}: no block {}:{}", anchor.cluster, anchor.height));
            continue;
        };
        // The proof must start from this transfer's own transaction in that block, not from
        // another transaction's hash (nor from an inner node, which never replays to the root).
        let own = block.txs.iter().find(|t| t.request_id == *request_id).map(LedgerTx::hash);
        if own.is_none() || own != Hash32::from_hex(&proof.hash) {
            broken.push(format!(
                "the proof of transfer {request_id} is not of its own transaction in block {}:{}",
                anchor.cluster, anchor.height
            ));
        } else if block.root != root {
            broken.push(format!(
                "the proof of transfer {request_id} does not recompute block {}:{}'s root",
                anchor.cluster, anchor.height
            ));
        }
    }
    for (what, tx, proof) in plans::proofs(scenario, seen) {
        checked += 1;
        let Some(proof) = proof else {
            broken.push(format!("{what} is done without a proof"));
            continue;
        };
        let Some((root, anchor)) = proof.replay() else {
            broken.push(format!("the proof of {what} does not replay"));
            continue;
        };
        let Some(block) = blocks.get(&(anchor.cluster.as_str(), anchor.height)).copied() else {
            broken.push(format!("{what}: no block {}:{}", anchor.cluster, anchor.height));
            continue;
        };
        let own = block.txs.iter().any(|t| t.tx_id == tx.tx_id && t.hash() == tx.hash());
        if !own || Hash32::from_hex(&proof.hash) != Some(tx.hash()) {
            broken.push(format!(
                "the proof of {what} is not of its own transaction in block {}:{}",
                anchor.cluster, anchor.height
            ));
        } else if block.root != root {
            broken.push(format!(
                "the proof of {what} does not recompute block {}:{}'s root",
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
    for (request_id, asset, action) in transfers(scenario) {
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
            let (name, knower) = named(action, request_id);
            broken.push(format!("{name}: {knower} knows {knows} but it {ledger} on {cluster}'s ledger"));
        }
    }
    broken.extend(plans::disagreements(scenario, seen));
    match broken.is_empty() {
        true if supply_moves(scenario) => {
            Check::new("agreement", true, "every buyer's, receiver's and holder's org agrees with the ledger")
        }
        true => Check::new("agreement", true, "every buyer's org agrees with the ledger"),
        false => Check::new("agreement", false, broken.join("; ")),
    }
}

/// No state changed because of a message whose signature fails or whose signer was not
/// entitled to it. Signatures are re-verified by `witness::Witness` (keys derived afresh from
/// the seed, not the run's keyring); entitlement: a settlement comes from the org that manages
/// the transfer's asset; a transfer from the org of the user who buys; data from the org of
/// the resource; an advertisement from the org it names; a status answer (variant
/// `status_query`) from an org of the asset's cluster; a ledger transaction from the org
/// that manages its asset, submitted by that org, debiting only an account of that org (and a
/// hold or release, variant `settlement: escrow`, the same).
pub fn authenticity(scenario: &Scenario, seen: &Observations) -> Check {
    let causes = &seen.causes;
    let assets: BTreeMap<u64, _> = transfers(scenario).map(|(id, asset, _)| (id, asset)).collect();
    let mut broken = Vec::new();
    for doubt in &causes.doubts {
        match doubt {
            Doubt::Broken(why) => broken.push(why.clone()),
            Doubt::Awaits { rule, named, from, request_id } => {
                let entitled = match rule {
                    // A request outside the flow (such as a byzantine copy) is settled by the org
                    // that accepted it as a transfer, if it manages that transfer's asset.
                    Awaited::Settlement => assets
                        .get(request_id)
                        .copied()
                        .or_else(|| causes.accepted.get(&(ActorId::Org(from.clone()), *request_id)).map(|a| &a.asset))
                        .is_some_and(|asset| &asset.org == from),
                    // Variant `status_query`: the answer that completed a quorum of the asset's cluster.
                    Awaited::StatusAnswer => {
                        let cluster = |org: &OrgId| scenario.orgs.get(org).map(|o| &o.cluster);
                        assets.get(request_id).is_some_and(|asset| cluster(from) == cluster(&asset.org))
                    }
                };
                if !entitled {
                    broken.push(named.unentitled(from));
                }
            }
        }
    }
    match broken.is_empty() {
        true => Check::new(
            "authenticity",
            true,
            format!("{} state change(s), each from a valid, entitled signer", causes.count),
        ),
        false => Check::new("authenticity", false, broken.join("; ")),
    }
}

/// Every transfer is final, as its buyer's org knows it, by its deadline.
pub fn liveness(scenario: &Scenario, seen: &Observations) -> Check {
    let quiet_after = seen.quiet_after_us(scenario);
    let mut broken = Vec::new();
    for (request_id, _, action) in transfers(scenario) {
        let name = || named(action, request_id).0;
        let Some(start) = seen.transfer_starts.get(&request_id) else {
            broken.push(format!("{} never started", name()));
            continue;
        };
        let deadline = (*start).max(quiet_after).saturating_add(scenario.protocol.liveness_us);
        match seen.transfers.get(&request_id) {
            Some(known) if known.t_us <= deadline => {}
            Some(known) => broken.push(format!(
                "{} became final at {} ms, after its deadline {} ms",
                name(),
                known.t_us / 1000,
                deadline / 1000
            )),
            None => broken.push(format!("{} is not final (deadline {} ms)", name(), deadline / 1000)),
        }
    }
    broken.extend(plans::late(scenario, seen));
    match broken.is_empty() {
        true if supply_moves(scenario) => {
            Check::new("liveness", true, "every transfer, issue and redeem became final by its deadline")
        }
        true => Check::new("liveness", true, "every transfer became final by its deadline"),
        false => Check::new("liveness", false, broken.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    //! Each checker is fed a state broken on purpose and must say so.

    use super::*;
    use crate::actors::cluster_ledger::Block;
    use crate::actors::note::Change;
    use crate::check::observations::KnownFinal;
    use crate::crypto::chainpoint::{ChainpointProof, ProofInputs};
    use crate::protocol::cause::Cause;
    use crate::protocol::envelope::{Envelope, Message};
    use crate::protocol::ids::{Address, OrgId, ResourceId};
    use crate::protocol::keys;
    use crate::protocol::message::Body;
    use crate::protocol::message::Settlement;
    use crate::protocol::status::Status;
    use crate::scenario::{self, Scenario};

    fn sample() -> Scenario {
        scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap()
    }

    fn id(text: &str) -> ResourceId {
        ResourceId::parse(text).unwrap()
    }

    #[test]
    fn holds_released_fails_only_on_a_hold_for_a_final_transfer() {
        let hold = |request_id: u64| crate::protocol::message::EscrowOp {
            request_id,
            tx_id: Hash32::of(&request_id.to_be_bytes()),
            asset: id("org_2:101:asset_1"),
            account: id("org_2:100:treasury"),
            quantity: 100,
            submitter: OrgId::from("org_2"),
        };
        let final_at = |seen: &mut Observations, request_id: u64| {
            let known = KnownFinal {
                operation: None,
                settled: false,
                reason: Status::Timeout,
                cause: Cause::DataTimeout,
                proof: None,
                t_us: 1,
            };
            seen.transfers.insert(request_id, known);
        };
        let mut seen = Observations::default();
        assert!(holds_released(&sample(), &seen).passed, "no ledger, no hold");
        let mut ledger = LedgerSnapshot::default();
        for request_id in [1u64, 2, 3] {
            ledger.holds.insert(Hash32::of(&request_id.to_be_bytes()), hold(request_id));
        }
        seen.ledgers.insert(ClusterId::from("cluster_B"), ledger);
        let check = holds_released(&sample(), &seen);
        assert!(check.passed && check.detail.starts_with("3 hold(s) left"), "holds for pending transfers: {check:?}");
        final_at(&mut seen, 2);
        let check = holds_released(&sample(), &seen);
        assert!(!check.passed && check.detail.contains("transfer 2, which is final: rejected (timeout)"), "{check:?}");
        seen.transfers.get_mut(&2).unwrap().settled = true;
        let check = holds_released(&sample(), &seen);
        assert!(check.detail.contains("transfer 2, which is final: settled"), "{check:?}");
        let mut seen_by_asset_org = Observations { ledgers: seen.ledgers.clone(), ..Observations::default() };
        seen_by_asset_org.sales_final.insert(3);
        let check = holds_released(&sample(), &seen_by_asset_org);
        assert!(!check.passed && check.detail.contains("transfer 3"), "{check:?}");
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
            start_us: crate::crypto::chainpoint::DEFAULT_START_US,
            node_id: [0; 6],
        });
        let mut balances = BTreeMap::new();
        balances.insert((id("org_2:101:asset_1"), id("org_2:100:treasury")), 900);
        balances.insert((id("org_2:101:asset_1"), id("org_1:100:user_1")), 100);
        let block = Block { height: 1, root: crate::crypto::merkle::root(&leaves), txs: vec![tx] };
        let mut seen = Observations::for_seed(1);
        seen.ledgers.insert(
            ClusterId::from("cluster_B"),
            LedgerSnapshot { balances, blocks: vec![block], ..Default::default() },
        );
        seen.transfers.insert(
            10101,
            KnownFinal {
                operation: None,
                settled: true,
                reason: Status::Ok,
                cause: Cause::DataTimeout,
                proof: Some(std::sync::Arc::new(proof)),
                t_us: 1_000,
            },
        );
        seen.transfer_starts.insert(10101, 0);
        seen
    }

    #[test]
    fn a_correct_state_passes_every_invariant() {
        let scenario = sample();
        let seen = settled_state();
        for check in check_all(&scenario, &seen) {
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
        let check = exactly_once(&sample(), &seen);
        assert!(!check.passed && check.detail.contains("request 10101 settled 2 times"), "{check:?}");
    }

    #[test]
    fn valid_proofs_fails_on_a_tampered_or_missing_proof() {
        let mut seen = settled_state();
        let known = seen.transfers.get_mut(&10101).unwrap();
        std::sync::Arc::make_mut(known.proof.as_mut().unwrap()).hash = Hash32::of(b"another tx").to_hex().into();
        assert!(!valid_proofs(&sample(), &seen).passed);
        seen.transfers.get_mut(&10101).unwrap().proof = None;
        let check = valid_proofs(&sample(), &seen);
        assert!(!check.passed && check.detail.contains("without a proof"), "{check:?}");
    }

    #[test]
    fn valid_proofs_refuses_each_forged_proof() {
        use crate::crypto::chainpoint::Op;
        use crate::crypto::merkle;
        // A block of two transactions: this transfer's and another.
        let two = || {
            let mut seen = settled_state();
            let block = &mut seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap().blocks[0];
            block.txs.push(tx(2));
            let hashes: Vec<Hash32> = block.txs.iter().map(LedgerTx::hash).collect();
            block.root = merkle::root(&hashes);
            (seen, hashes)
        };
        let proof_of = |hashes: &[Hash32], index: usize| {
            ChainpointProof::build(&ProofInputs {
                tx_hash: hashes[index],
                path: &merkle::path(hashes, index),
                cluster: "cluster_B",
                height: 1,
                received_us: 0,
                start_us: crate::crypto::chainpoint::DEFAULT_START_US,
                node_id: [0; 6],
            })
        };
        let (mut seen, hashes) = two();
        seen.transfers.get_mut(&10101).unwrap().proof = Some(std::sync::Arc::new(proof_of(&hashes, 0)));
        assert!(valid_proofs(&sample(), &seen).passed, "its own transaction's proof holds");
        // 1. The root itself as the proof's hash, with no path.
        let (mut seen, _) = two();
        let root = seen.ledgers[&ClusterId::from("cluster_B")].blocks[0].root;
        let proof = std::sync::Arc::make_mut(seen.transfers.get_mut(&10101).unwrap().proof.as_mut().unwrap());
        proof.hash = root.to_hex().into();
        proof.branches[0].ops.retain(|op| matches!(op, Op::Anchors(_)));
        assert_eq!(proof.replay().map(|(r, _)| r), Some(root), "it replays to the root as a bare hash");
        let check = valid_proofs(&sample(), &seen);
        assert!(!check.passed && check.detail.contains("not of its own transaction"), "{check:?}");
        // 2. Another transaction's genuine proof in the same block.
        let (mut seen, hashes) = two();
        seen.transfers.get_mut(&10101).unwrap().proof = Some(std::sync::Arc::new(proof_of(&hashes, 1)));
        let check = valid_proofs(&sample(), &seen);
        assert!(!check.passed && check.detail.contains("not of its own transaction"), "{check:?}");
        // 3. Its own hash with a path that leads elsewhere.
        let mut seen = settled_state();
        let proof = std::sync::Arc::make_mut(seen.transfers.get_mut(&10101).unwrap().proof.as_mut().unwrap());
        let detour =
            [Op::Left("01".into()), Op::Right(Hash32::of(b"sibling").to_hex().into()), Op::Hash("sha-256".into())];
        proof.branches[0].ops.splice(2..2, detour);
        let check = valid_proofs(&sample(), &seen);
        assert!(!check.passed && check.detail.contains("does not recompute"), "{check:?}");
    }

    #[test]
    fn agreement_fails_when_the_buyer_and_the_ledger_disagree() {
        let mut seen = settled_state();
        seen.transfers.get_mut(&10101).unwrap().settled = false;
        let check = agreement(&sample(), &seen);
        assert!(!check.passed && check.detail.contains("is on cluster_B"), "{check:?}");
        let mut seen = settled_state();
        seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap().blocks.clear();
        let check = agreement(&sample(), &seen);
        let detail = "transfer 10101: the buyer's org knows settled but it is not on cluster_B's ledger";
        assert_eq!((check.passed, check.detail.as_str()), (false, detail));
    }

    #[test]
    fn authenticity_fails_on_a_forged_or_unentitled_cause() {
        let scenario = sample();
        let settlement = Body::Settlement(Settlement {
            tx_id: Hash32([0; 32]),
            status: Status::Ok,
            cause: Cause::DataTimeout,
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
        seen.state_change(org_1.clone(), Change::Advertisement, &genuine);
        assert!(authenticity(&scenario, &seen).passed);
        for bad in [forged, unentitled] {
            let mut seen = settled_state();
            seen.state_change(org_1.clone(), Change::Advertisement, &bad);
            assert!(!authenticity(&scenario, &seen).passed);
        }
    }

    #[test]
    fn authenticity_fails_on_a_copy_altered_after_signing_and_on_a_submit_debiting_another_org() {
        let scenario = sample();
        let org_2 = ActorId::Org(OrgId::from("org_2"));
        let submit = |source: &str| Message {
            request_id: 10101,
            from: org_2.clone(),
            to: Address::Actor(ActorId::Ledger(ClusterId::from("cluster_B"))),
            body: Body::Submit(LedgerTx { source: id(source), ..tx(10101) }),
        };
        let ledger = ActorId::Ledger(ClusterId::from("cluster_B"));
        let with = |envelope: Envelope| {
            let mut seen = settled_state();
            seen.state_change(ledger.clone(), Change::TxQueued, &envelope);
            authenticity(&scenario, &seen)
        };
        let key = keys::actor_key(1, &org_2);
        assert!(with(Envelope::seal(submit("org_2:100:treasury"), &key)).passed);
        let check = with(Envelope::seal(submit("org_1:100:user_1"), &key));
        assert!(!check.passed && check.detail.contains("not entitled"), "{check:?}");
        // A bit flipped after signing: whatever a keyring's memo says, the witness re-verifies.
        let mut altered = Envelope::seal(submit("org_2:100:treasury"), &key);
        altered.flip_bit(altered.payload().len() * 8 - 1);
        let check = with(altered);
        assert!(!check.passed && check.detail.contains("signature is not org_2's"), "{check:?}");
    }

    #[test]
    fn authenticity_holds_each_hold_and_release_to_every_entitlement_rule() {
        let scenario = sample();
        let ledger = ActorId::Ledger(ClusterId::from("cluster_B"));
        let hold = |from: &str, submitter: &str, account: &str, release: bool| {
            let from = ActorId::Org(OrgId::from(from));
            let op = crate::protocol::message::EscrowOp {
                request_id: 10101,
                tx_id: Hash32::of(b"tx"),
                asset: id("org_2:101:asset_1"),
                account: id(account),
                quantity: 100,
                submitter: OrgId::from(submitter),
            };
            let body = if release { Body::Release(op) } else { Body::Hold(op) };
            let message = Message { request_id: 10101, from: from.clone(), to: Address::Actor(ledger.clone()), body };
            let mut seen = settled_state();
            let envelope = Envelope::seal(message, &keys::actor_key(1, &from));
            seen.state_change(ledger.clone(), Change::HoldQueued, &envelope);
            authenticity(&scenario, &seen).passed
        };
        for release in [false, true] {
            assert!(hold("org_2", "org_2", "org_2:100:treasury", release), "the asset's org on its own account");
            assert!(!hold("org_3", "org_3", "org_3:100:treasury", release), "not the asset's org");
            assert!(!hold("org_2", "org_3", "org_2:100:treasury", release), "another submitter named");
            assert!(!hold("org_2", "org_2", "org_1:100:user_1", release), "another org's account");
        }
    }

    /// A transfer envelope from org_1 to org_2 under `request_id`, of one signed transfer (user_1
    /// buys 100 of org_2's asset_1): the same user signature whatever the request id.
    fn carrying(request_id: u64) -> Envelope {
        let scenario = sample();
        let dir = crate::sim::genesis::directory(&scenario, 1);
        let user = id("org_1:100:user_1");
        let seller = id("org_2:100:treasury");
        let transfer = crate::protocol::message::Transfer {
            from: crate::protocol::message::Account { id: user.clone(), finid: dir.user_finids[&user].clone() },
            to: crate::protocol::message::Account { id: seller.clone(), finid: dir.user_finids[&seller].clone() },
            asset_id: id("org_2:101:asset_1"),
            quantity: 100,
            nonce: [7; 32],
            signature: crate::protocol::message::UserSignature {
                alg: "ed25519".into(),
                template_hash: Hash32([1; 32]),
                value: vec![0; 64].into(),
            },
        };
        let org_1 = ActorId::Org(OrgId::from("org_1"));
        let message = Message {
            request_id,
            from: org_1.clone(),
            to: Address::Actor(ActorId::Org(OrgId::from("org_2"))),
            body: Body::Transfer(transfer),
        };
        Envelope::seal(message, &keys::actor_key(1, &org_1))
    }

    #[test]
    fn authenticity_judges_a_settlement_outside_the_flow_by_the_transfer_its_sender_accepted_even_later() {
        let scenario = sample();
        let org_2 = ActorId::Org(OrgId::from("org_2"));
        let settlement = Message {
            request_id: 777,
            from: org_2.clone(),
            to: Address::Actor(ActorId::Org(OrgId::from("org_1"))),
            body: Body::Settlement(Settlement {
                tx_id: Hash32([0; 32]),
                status: Status::Ok,
                cause: Cause::DataTimeout,
                proof: None,
            }),
        };
        let mut seen = settled_state();
        seen.state_change(
            ActorId::Org(OrgId::from("org_1")),
            Change::FinalStatus,
            &Envelope::seal(settlement, &keys::actor_key(1, &org_2)),
        );
        let check = authenticity(&scenario, &seen);
        let detail = "org_1 recorded a transfer's final status on a settlement from org_2, who is not entitled to it";
        assert_eq!((check.passed, check.detail.as_str()), (false, detail));
        // org_2 accepts request 777 as a transfer of its own asset: now it may settle it.
        seen.state_change(org_2.clone(), Change::TransferAccepted, &carrying(777));
        let check = authenticity(&scenario, &seen);
        assert_eq!(
            (check.passed, check.detail.as_str()),
            (true, "2 state change(s), each from a valid, entitled signer")
        );
    }

    #[test]
    fn exactly_once_fails_when_one_signed_transfer_settles_under_two_request_ids() {
        let org_2 = ActorId::Org(OrgId::from("org_2"));
        let mut seen = settled_state();
        seen.state_change(org_2.clone(), Change::TransferAccepted, &carrying(10101));
        assert!(exactly_once(&sample(), &seen).passed);
        seen.state_change(org_2.clone(), Change::TransferAccepted, &carrying(777));
        let ledger = seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap();
        ledger.blocks.push(Block { height: 2, root: tx(777).hash(), txs: vec![tx(777)] });
        let check = exactly_once(&sample(), &seen);
        assert!(!check.passed && check.detail.contains("as requests 10101, 777"), "{check:?}");
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

    /// The bundled issue-and-redeem scenario and what its run showed.
    fn supply_run() -> (Scenario, Observations) {
        let text = include_str!("../../../scenarios/supply/issue-and-redeem.yaml");
        let scenario = scenario::parse("issue-and-redeem.yaml", text).unwrap();
        let job = crate::sim::Job::new(&scenario, scenario.seed);
        let seen = crate::sim::Runner::new().simulate(job, Observations::for_seed(scenario.seed)).observations;
        (scenario, seen)
    }

    #[test]
    fn conservation_counts_the_flows_issues_and_redeems_and_nothing_else() {
        let (scenario, mut seen) = supply_run();
        assert!(conservation(&scenario, &seen.ledgers).passed, "500 issued, 120 redeemed");
        let cluster = ClusterId::from("cluster_B");
        let (asset, user) = (id("org_2:101:asset_1"), id("org_1:100:user_1"));
        let ledger = seen.ledgers.get_mut(&cluster).unwrap();
        // A mint no issue of the flow asks for, with the balance it made.
        let rogue = LedgerTx { source: asset.clone(), destination: user.clone(), quantity: 7, ..tx(99) };
        let height = ledger.blocks.len() as u64 + 1;
        ledger.blocks.push(Block { height, root: rogue.hash(), txs: vec![rogue] });
        *ledger.balances.get_mut(&(asset.clone(), user.clone())).unwrap() += 7;
        let check = conservation(&scenario, &seen.ledgers);
        assert!(!check.passed && check.detail.contains("request 99 minted 7"), "{check:?}");
        // A burn that takes more than the redeem asked for.
        let (_, mut seen) = supply_run();
        let ledger = seen.ledgers.get_mut(&cluster).unwrap();
        let burn = ledger.blocks.iter_mut().flat_map(|b| b.txs.iter_mut()).find(|t| t.burns()).unwrap();
        burn.quantity += 1;
        *ledger.balances.get_mut(&(asset, user)).unwrap() -= 1;
        let check = conservation(&scenario, &seen.ledgers);
        assert!(!check.passed && check.detail.contains("burnt 121"), "{check:?}");
    }

    #[test]
    fn authenticity_refuses_a_burn_of_an_account_whose_holder_signed_no_request() {
        let seed = 5;
        let (org_1, org_2) = (ActorId::Org(OrgId::from("org_1")), ActorId::Org(OrgId::from("org_2")));
        let seal = |from: &ActorId, to: Address, body: Body| {
            let message = Message { request_id: 3, from: from.clone(), to, body };
            Envelope::seal(message, &keys::actor_key(seed, from))
        };
        let burn = |holder: &ResourceId, asset: &ResourceId| LedgerTx {
            asset: asset.clone(),
            source: holder.clone(),
            destination: asset.clone(),
            quantity: 5,
            request_id: 3,
            ..tx(3)
        };
        let ledger = Address::Actor(ActorId::Ledger(ClusterId::from("cluster_B")));
        // Each operation's request its holder signs (a redeem's), accepted by the asset's org.
        let signed = crate::protocol::operation::samples().into_iter().filter(|body| {
            body.reading().and_then(|reading| reading.user_signed()).is_some()
                && body.kind().parties().1 == crate::protocol::ids::Role::Org
        });
        for body in signed {
            let user_signed = body.reading().and_then(|reading| reading.user_signed()).unwrap();
            let (holder, asset) = (user_signed.signer.id.clone(), user_signed.asset.clone());
            let other = id(&format!("{}:{}:someone_else", holder.org, holder.kind));
            let operation = body.operation().unwrap();
            for (account, entitled) in [(&holder, true), (&other, false)] {
                let mut causes = Causes::new(witness::Witness::new(seed));
                let request = seal(&org_1, Address::Actor(org_2.clone()), body.clone());
                causes.record(org_2.clone(), Change::Accepted(operation), &request);
                let submit = seal(&org_2, ledger.clone(), Body::Submit(burn(account, &asset)));
                causes.record(ActorId::Ledger(ClusterId::from("cluster_B")), Change::TxQueued, &submit);
                assert_eq!(causes.doubts.is_empty(), entitled, "a burn of {account}: {:?}", causes.doubts);
            }
        }
        // Without any request accepted, no burn is entitled.
        let mut causes = Causes::new(witness::Witness::new(seed));
        let asset = id("org_2:101:asset_1");
        let submit = seal(&org_2, ledger, Body::Submit(burn(&id("org_1:100:alice"), &asset)));
        causes.record(ActorId::Ledger(ClusterId::from("cluster_B")), Change::TxQueued, &submit);
        assert_eq!(causes.doubts.len(), 1);
    }
}
