//! `honest_answers`: every answer an honest org gave about its cluster's ledger equals the
//! ledger's state at the height the answer names, and at the end every honest org's replica
//! equals the ledger.
//!
//! The truth is rebuilt here from the scenario's initial balances and the ledger's own blocks
//! (not from any org's replica): the asset data hashes (SHA-256 of each asset's canonical
//! data), each block's root, and the balances after each height. An answer of `not_found` for
//! a block root makes no claim (a replica may not have the block yet); one for a resource or a
//! balance claims the asset is not on the ledger, and is checked. Byzantine orgs are not
//! judged, and an org that is down at the end has no replica to compare.

use crate::actors::cluster_ledger::HeldState;
use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::check::observations::{Claim, Observations};
use crate::check::Check;
use crate::crypto::{merkle, Hash32};
use crate::protocol::ids::{ClusterId, ResourceId};
use crate::protocol::status::Status;
use crate::scenario::Scenario;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

type Balances = BTreeMap<(ResourceId, ResourceId), u64>;

/// A cluster ledger's history, rebuilt from its blocks.
struct Truth {
    /// SHA-256 of the data of each asset on the ledger.
    assets: BTreeMap<ResourceId, [u8; 32]>,
    /// The root of block h at index h (index 0, genesis, has none).
    roots: Vec<Option<Hash32>>,
    /// Each balance's changes: (the height it holds from, the amount), heights ascending. (One
    /// entry per change, not a copy of every balance per height: linear in the ledger's history.)
    changes: BTreeMap<(ResourceId, ResourceId), Vec<(u64, u64)>>,
    /// The balances after the last block.
    last: Balances,
    /// Each settled transaction by tx id: its block's height and its hash.
    settled: BTreeMap<Hash32, (u64, Hash32)>,
    /// The tokens held after each ledger event since the first hold (variant `settlement: escrow`).
    held: Vec<HeldState>,
}

impl Truth {
    fn of(scenario: &Scenario, cluster: &ClusterId, ledger: Option<&LedgerSnapshot>) -> Self {
        let mut assets = BTreeMap::new();
        let mut balances = Balances::new();
        for (id, asset) in scenario.assets.iter().filter(|(_, a)| &scenario.orgs[&a.org].cluster == cluster) {
            assets.insert(id.clone(), Sha256::digest(asset.data.as_bytes()).into());
            for (account, amount) in &asset.balances {
                balances.insert((id.clone(), account.clone()), *amount);
            }
        }
        let mut changes: BTreeMap<_, Vec<(u64, u64)>> =
            balances.iter().map(|(key, amount)| (key.clone(), vec![(0, *amount)])).collect();
        let mut roots = vec![None];
        let mut settled = BTreeMap::new();
        let mut blocks: Vec<_> = ledger.map(|l| l.blocks.iter().collect()).unwrap_or_default();
        blocks.sort_by_key(|b| b.height);
        for block in blocks {
            // The block's height is its place in the history (as replicas count it).
            let height = roots.len() as u64;
            let mut touched = BTreeSet::new();
            for tx in &block.txs {
                settled.insert(tx.tx_id, (block.height, tx.hash()));
                // A mint's source and a burn's destination are the asset itself: no account.
                if tx.source != tx.asset {
                    let source = balances.entry((tx.asset.clone(), tx.source.clone())).or_insert(0);
                    *source = source.saturating_sub(tx.quantity);
                    touched.insert((tx.asset.clone(), tx.source.clone()));
                }
                if tx.destination != tx.asset {
                    *balances.entry((tx.asset.clone(), tx.destination.clone())).or_insert(0) += tx.quantity;
                    touched.insert((tx.asset.clone(), tx.destination.clone()));
                }
            }
            for key in touched {
                let amount = balances[&key];
                changes.entry(key).or_default().push((height, amount));
            }
            roots.push(Some(block.root));
        }
        let held = ledger.map(|l| l.held_history.clone()).unwrap_or_default();
        Self { assets, roots, changes, last: balances, settled, held }
    }

    fn height(&self) -> u64 {
        self.roots.len() as u64 - 1
    }

    /// The root of the block at `height` (none at genesis or beyond the ledger).
    fn root_at(&self, height: u64) -> Option<Hash32> {
        self.roots.get(usize::try_from(height).ok()?).copied().flatten()
    }

    /// Every amount an account held in escrow while the ledger stood at `height`: after each
    /// escrow event at that height, after its block, and (unless a block opened the height) what
    /// was held when the height was reached.
    fn held_at(&self, height: u64, asset: &ResourceId, account: &ResourceId) -> BTreeSet<u64> {
        let of = |state: Option<&HeldState>| {
            state.and_then(|s| s.held.get(&(asset.clone(), account.clone()))).copied().unwrap_or(0)
        };
        let at: Vec<&HeldState> = self.held.iter().filter(|s| s.height == height).collect();
        let mut amounts: BTreeSet<u64> = at.iter().map(|s| of(Some(s))).collect();
        if at.first().is_none_or(|s| !s.block) {
            amounts.insert(of(self.held.iter().rev().find(|s| s.height < height)));
        }
        amounts
    }

    fn balance_at(&self, height: u64, asset: &ResourceId, account: &ResourceId) -> Option<u64> {
        if height > self.height() {
            return None;
        }
        let Some(changes) = self.changes.get(&(asset.clone(), account.clone())) else { return Some(0) };
        // The last change at or below the height; none yet means the account held nothing.
        let after = changes.partition_point(|(from, _)| *from <= height);
        Some(after.checked_sub(1).map_or(0, |at| changes[at].1))
    }
}

/// Checks every answer honest orgs gave, and their replicas at the end.
pub fn honest_answers(scenario: &Scenario, seen: &Observations) -> Check {
    let truths: BTreeMap<&ClusterId, Truth> =
        scenario.clusters.keys().map(|c| (c, Truth::of(scenario, c, seen.ledgers.get(c)))).collect();
    let honest = |org: &crate::protocol::ids::OrgId| !scenario.faults.byzantine.contains_key(org);
    let holds = scenario.plan_holds();
    let mut broken = BTreeSet::new();
    let mut answers = 0;
    for answer in seen.ledger_answers.iter().filter(|a| honest(&a.org)) {
        let cluster = &scenario.orgs[&answer.org].cluster;
        let truth = &truths[cluster];
        answers += 1;
        if let Some(wrong) = judge(&answer.claim, truth, &holds) {
            broken.insert(format!("{}'s answer to #{}: {wrong}", answer.org, answer.request_id));
        }
    }
    for (org, replica) in seen.replicas.iter().filter(|(org, _)| honest(org)) {
        let truth = &truths[&scenario.orgs[org].cluster];
        let roots: Vec<Hash32> = truth.roots.iter().filter_map(|root| *root).collect();
        let nonzero =
            |b: &Balances| -> Balances { b.iter().filter(|(_, v)| **v > 0).map(|(k, v)| (k.clone(), *v)).collect() };
        let final_balances = &truth.last;
        if replica.roots != roots {
            broken.insert(format!(
                "{org}'s replica holds {} block(s), the ledger {}",
                replica.roots.len(),
                roots.len()
            ));
        } else if nonzero(&replica.balances) != nonzero(final_balances) {
            broken.insert(format!("{org}'s replica's balances differ from the ledger's"));
        } else if seen.ledgers.get(&scenario.orgs[org].cluster).is_some_and(|l| l.holds != replica.holds) {
            broken.insert(format!("{org}'s replica's holds differ from the ledger's"));
        }
    }
    if broken.is_empty() {
        let replicas = seen.replicas.keys().filter(|o| honest(o)).count();
        return Check::new(
            "honest_answers",
            true,
            format!("{answers} answer(s) of honest orgs match their ledger; {replicas} replica(s) equal it"),
        );
    }
    Check::new("honest_answers", false, broken.into_iter().collect::<Vec<_>>().join("; "))
}

/// What is wrong with one answer, if anything.
fn judge(claim: &Claim, truth: &Truth, holds: &crate::scenario::PlanHolds) -> Option<String> {
    let beyond = |height: u64| {
        (height > truth.height()).then(|| format!("it names height {height}, beyond the ledger's {}", truth.height()))
    };
    match claim {
        Claim::Verify(a) => beyond(a.height).or_else(|| {
            let on_ledger = truth.assets.get(&a.resource);
            match (a.status, a.hash, on_ledger) {
                (Status::Ok, Some(hash), Some(truth)) if hash.0 == *truth => None,
                (Status::Ok, _, _) => Some(format!("the hash of {} differs from the ledger's", a.resource)),
                (Status::NotFound, _, Some(_)) => Some(format!("{} is on the ledger, not not_found", a.resource)),
                _ => None,
            }
        }),
        // The height of a proof answer is the one asked; only a root given is a claim.
        Claim::Proof(a) if a.status == Status::Ok => beyond(a.height).or_else(|| {
            (truth.root_at(a.height) != a.root)
                .then(|| format!("the root at height {} differs from the ledger's", a.height))
        }),
        Claim::Balance(a) => beyond(a.height).or_else(|| match a.status {
            Status::Ok => {
                // Tokens a plan holds are the account's, held.
                let in_plans: u64 = holds
                    .iter()
                    .filter(|(_, (asset, source))| *asset == a.asset && *source == a.account)
                    .map(|(h, _)| truth.balance_at(a.height, &a.asset, h).unwrap_or(0))
                    .sum();
                let expected = truth.balance_at(a.height, &a.asset, &a.account).unwrap_or(0) + in_plans;
                let held: BTreeSet<u64> =
                    truth.held_at(a.height, &a.asset, &a.account).into_iter().map(|h| h + in_plans).collect();
                let true_split = held.contains(&a.held) && a.available == expected.saturating_sub(a.held);
                (a.current != expected || !true_split).then(|| {
                    let mut wrong = format!(
                        "{} holds {expected} of {} at height {}, not {} (available {}, held {})",
                        a.account, a.asset, a.height, a.current, a.available, a.held
                    );
                    if held.iter().any(|h| *h > 0) {
                        let held: Vec<String> = held.iter().map(u64::to_string).collect();
                        wrong.push_str(&format!("; it had {} in escrow then", held.join(" or ")));
                    }
                    wrong
                })
            }
            Status::NotFound if truth.assets.contains_key(&a.asset) => {
                Some(format!("{} is on the ledger, not not_found", a.asset))
            }
            _ => None,
        }),
        // Variant `status_query`: settled where the ledger has it, or unknown up to that height.
        Claim::Status(a) => beyond(a.height).or_else(|| match (a.status, &a.settled) {
            (Status::Ok, Some(at)) => {
                let root = truth.root_at(a.height);
                let right = truth.settled.get(&a.tx_id) == Some(&(a.height, at.tx_hash))
                    && root == Some(at.root)
                    && merkle::replay(at.tx_hash, &at.path) == at.root;
                (!right).then(|| format!("tx {} did not settle at height {} as answered", a.tx_id.short(), a.height))
            }
            (Status::NotFound, _) => truth
                .settled
                .get(&a.tx_id)
                .filter(|(height, _)| *height <= a.height)
                .map(|(height, _)| format!("tx {} settled at height {height}, not unknown", a.tx_id.short())),
            _ => None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::cluster_ledger::Block;
    use crate::actors::organization::ledger_view::LedgerView;
    use crate::check::observations::LedgerAnswer;
    use crate::protocol::envelope::Envelope;
    use crate::protocol::envelope::Message;
    use crate::protocol::ids::{ActorId, Address, OrgId};
    use crate::protocol::keys;
    use crate::protocol::message::Body;
    use crate::protocol::message::{BalanceAnswer, LedgerTx, ProofAnswer};
    use crate::scenario;

    /// The judgement of an answer's body (as an org would send it).
    fn judge(body: &Body, truth: &Truth) -> Option<String> {
        super::judge(&Claim::of(body.clone()).expect("an answer about the ledger"), truth, &Default::default())
    }

    fn id(text: &str) -> ResourceId {
        ResourceId::parse(text).unwrap()
    }

    /// The sample flow settled at height 1: the treasury holds 900, the user 100.
    fn settled() -> (Scenario, Observations) {
        let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
        let tx = LedgerTx {
            request_id: 10101,
            tx_id: Hash32::of(b"tx"),
            asset: id("org_2:101:asset_1"),
            source: id("org_2:100:treasury"),
            destination: id("org_1:100:user_1"),
            quantity: 100,
            submitter: OrgId::from("org_2"),
        };
        let root = crate::crypto::merkle::root(&[tx.hash()]);
        let mut balances = Balances::new();
        balances.insert((id("org_2:101:asset_1"), id("org_2:100:treasury")), 900);
        balances.insert((id("org_2:101:asset_1"), id("org_1:100:user_1")), 100);
        let mut seen = Observations::default();
        let ledger = LedgerSnapshot {
            balances: balances.clone(),
            blocks: vec![Block { height: 1, root, txs: vec![tx] }],
            ..Default::default()
        };
        seen.ledgers.insert(ClusterId::from("cluster_B"), ledger);
        let mut replica = LedgerView { balances, roots: vec![root], next_event: 1, ..LedgerView::default() };
        replica.assets.insert(id("org_2:101:asset_1"), Hash32([0; 32]));
        seen.replicas.insert(OrgId::from("org_3"), replica);
        (scenario, seen)
    }

    fn answer(seen: &mut Observations, body: Body) {
        let from = ActorId::Org(OrgId::from("org_3"));
        let message =
            Message { request_id: 7, from: from.clone(), to: Address::Actor(ActorId::Org(OrgId::from("org_1"))), body };
        let envelope = Envelope::seal(message, &keys::actor_key(1, &from));
        let answer = LedgerAnswer::of(0, OrgId::from("org_3"), &envelope).expect("an answer about the ledger");
        seen.ledger_answers.push(answer);
    }

    fn balance(current: u64, held: u64, height: u64) -> Body {
        Body::BalanceAnswer(BalanceAnswer {
            status: Status::Ok,
            account: id("org_1:100:user_1"),
            asset: id("org_2:101:asset_1"),
            current,
            available: current,
            held,
            height,
        })
    }

    #[test]
    fn true_answers_and_an_equal_replica_pass() {
        let (scenario, mut seen) = settled();
        answer(&mut seen, balance(100, 0, 1));
        answer(&mut seen, balance(0, 0, 0));
        let root = seen.ledgers[&ClusterId::from("cluster_B")].blocks[0].root;
        answer(&mut seen, Body::ProofAnswer(ProofAnswer { height: 1, status: Status::Ok, root: Some(root) }));
        answer(&mut seen, Body::ProofAnswer(ProofAnswer { height: 2, status: Status::NotFound, root: None }));
        let check = honest_answers(&scenario, &seen);
        assert!(check.passed, "{check:?}");
    }

    #[test]
    fn a_wrong_amount_tokens_held_instead_of_current_or_a_height_ahead_of_the_ledger_fail() {
        for (body, words) in [
            (balance(101, 0, 1), "holds 100 of org_2:101:asset_1 at height 1, not 101"),
            (balance(0, 100, 1), "not 0 (available 0, held 100)"),
            (balance(100, 0, 0), "holds 0 of org_2:101:asset_1 at height 0"),
            (balance(100, 0, 2), "beyond the ledger's 1"),
            (
                Body::ProofAnswer(ProofAnswer { height: 1, status: Status::Ok, root: Some(Hash32([9; 32])) }),
                "the root at height 1 differs",
            ),
        ] {
            let (scenario, mut seen) = settled();
            answer(&mut seen, body);
            let check = honest_answers(&scenario, &seen);
            assert!(!check.passed && check.detail.contains(words), "{words}: {check:?}");
        }
    }

    #[test]
    fn a_balance_is_known_at_every_height_from_the_changes_alone() {
        let (scenario, mut seen) = settled();
        let ledger = seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap();
        let mut second = ledger.blocks[0].clone();
        second.height = 2;
        second.txs[0].quantity = 50;
        second.txs[0].tx_id = Hash32::of(b"tx2");
        ledger.blocks.push(second);
        let truth = Truth::of(&scenario, &ClusterId::from("cluster_B"), Some(ledger));
        let (asset, treasury, user) = (id("org_2:101:asset_1"), id("org_2:100:treasury"), id("org_1:100:user_1"));
        let at = |height| (truth.balance_at(height, &asset, &treasury), truth.balance_at(height, &asset, &user));
        assert_eq!(at(0), (Some(1000), Some(0)));
        assert_eq!(at(1), (Some(900), Some(100)));
        assert_eq!(at(2), (Some(850), Some(150)));
        assert_eq!(at(3), (None, None), "beyond the ledger");
        assert_eq!(truth.balance_at(1, &asset, &id("org_1:100:nobody")), Some(0));
        assert_eq!(truth.last[&(asset.clone(), user.clone())], 150);
        assert_eq!(truth.changes[&(asset, user)].len(), 2, "one entry per change, none per height");
    }

    /// Each answer alone, judged against the settled sample ledger: `None` is a true answer.
    fn judged(body: Body) -> Option<String> {
        let (scenario, seen) = settled();
        let truth =
            Truth::of(&scenario, &ClusterId::from("cluster_B"), seen.ledgers.get(&ClusterId::from("cluster_B")));
        judge(&body, &truth)
    }

    fn verify(status: Status, resource: &str, hash: Option<Hash32>) -> Body {
        Body::VerifyAnswer(crate::protocol::message::VerifyAnswer { resource: id(resource), status, hash, height: 1 })
    }

    #[test]
    fn each_kind_of_answer_is_judged_on_its_own_terms() {
        let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
        let data_hash = Hash32::of(scenario.assets[&id("org_2:101:asset_1")].data.as_bytes());
        let balance_of = |status: Status, asset: &str| {
            let Body::BalanceAnswer(mut a) = balance(0, 0, 1) else { unreachable!() };
            (a.status, a.asset) = (status, id(asset));
            Body::BalanceAnswer(a)
        };
        let cases: [(&str, Body, Option<&str>); 12] = [
            ("the data's hash", verify(Status::Ok, "org_2:101:asset_1", Some(data_hash)), None),
            ("another hash", verify(Status::Ok, "org_2:101:asset_1", Some(Hash32([7; 32]))), Some("differs")),
            ("ok without a hash", verify(Status::Ok, "org_2:101:asset_1", None), Some("differs")),
            ("a hash of what is not there", verify(Status::Ok, "org_2:101:other", Some(data_hash)), Some("differs")),
            ("not_found for the asset", verify(Status::NotFound, "org_2:101:asset_1", None), Some("not not_found")),
            ("not_found for what is not there", verify(Status::NotFound, "org_2:101:other", None), None),
            ("a balance beyond the ledger", balance(0, 0, 5), Some("beyond the ledger's 1")),
            ("available apart from current", only_available(100, 60), Some("available 60")),
            ("held tokens", balance(100, 3, 1), Some("held 3")),
            (
                "not_found for the asset's balance",
                balance_of(Status::NotFound, "org_2:101:asset_1"),
                Some("not not_found"),
            ),
            ("not_found for another asset", balance_of(Status::NotFound, "org_2:101:other"), None),
            ("denied", balance_of(Status::Denied, "org_2:101:asset_1"), None),
        ];
        for (what, body, wrong) in cases {
            let verdict = judged(body);
            match wrong {
                None => assert_eq!(verdict, None, "{what}"),
                Some(words) => assert!(verdict.as_deref().is_some_and(|v| v.contains(words)), "{what}: {verdict:?}"),
            }
        }
    }

    /// A status answer about the sample's settled transaction (tx id `SHA-256("tx")`).
    fn status(status: Status, height: u64, settled: Option<(Hash32, Hash32)>) -> Body {
        let settled = settled.map(|(tx_hash, root)| crate::protocol::message::SettledAt {
            tx_hash,
            path: Vec::new(),
            root,
            received_us: 0,
        });
        Body::StatusAnswer(crate::protocol::message::StatusAnswer { tx_id: Hash32::of(b"tx"), status, height, settled })
    }

    #[test]
    fn a_status_answer_must_name_the_block_the_transaction_is_in_or_say_unknown_only_before_it() {
        let (_, seen) = settled();
        let block = &seen.ledgers[&ClusterId::from("cluster_B")].blocks[0];
        let (hash, root) = (block.txs[0].hash(), block.root);
        let cases: [(&str, Body, Option<&str>); 7] = [
            ("settled where it is", status(Status::Ok, 1, Some((hash, root))), None),
            ("unknown before its block", status(Status::NotFound, 0, None), None),
            ("unknown at its block", status(Status::NotFound, 1, None), Some("settled at height 1, not unknown")),
            ("another leaf", status(Status::Ok, 1, Some((Hash32([3; 32]), root))), Some("did not settle")),
            ("another root", status(Status::Ok, 1, Some((hash, Hash32([4; 32])))), Some("did not settle")),
            ("another height", status(Status::Ok, 0, Some((hash, root))), Some("did not settle")),
            ("beyond the ledger", status(Status::Ok, 2, Some((hash, root))), Some("beyond the ledger's 1")),
        ];
        for (what, body, wrong) in cases {
            let verdict = judged(body);
            match wrong {
                None => assert_eq!(verdict, None, "{what}"),
                Some(words) => assert!(verdict.as_deref().is_some_and(|v| v.contains(words)), "{what}: {verdict:?}"),
            }
        }
    }

    #[test]
    fn a_balance_in_escrow_must_be_one_the_ledger_held_at_that_height() {
        let (scenario, mut seen) = settled();
        let held = |amount: u64| {
            let mut held = BTreeMap::new();
            held.insert((id("org_2:101:asset_1"), id("org_1:100:user_1")), amount);
            held
        };
        // At height 1: 30 held, then 10 (two escrow events while the ledger stood at 1).
        let ledger = seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap();
        ledger.held_history = vec![
            HeldState { height: 1, block: false, held: held(30) },
            HeldState { height: 1, block: false, held: held(10) },
        ];
        let split = |available: u64, held: u64| {
            let Body::BalanceAnswer(mut a) = balance(100, held, 1) else { unreachable!() };
            a.available = available;
            Body::BalanceAnswer(a)
        };
        let truth = |seen: &Observations| {
            Truth::of(&scenario, &ClusterId::from("cluster_B"), seen.ledgers.get(&ClusterId::from("cluster_B")))
        };
        let truth = truth(&seen);
        for (available, held, honest) in
            [(70, 30, true), (90, 10, true), (100, 0, true), (80, 20, false), (100, 30, false), (60, 10, false)]
        {
            let verdict = judge(&split(available, held), &truth);
            assert_eq!(verdict.is_none(), honest, "available {available}, held {held}: {verdict:?}");
        }
        let verdict = judge(&split(80, 20), &truth).unwrap();
        assert!(verdict.contains("it had 0 or 10 or 30 in escrow then"), "{verdict}");
        seen.replicas.get_mut(&OrgId::from("org_3")).unwrap().holds.insert(
            Hash32([1; 32]),
            crate::protocol::message::EscrowOp {
                request_id: 1,
                tx_id: Hash32([1; 32]),
                asset: id("org_2:101:asset_1"),
                account: id("org_1:100:user_1"),
                quantity: 1,
                submitter: OrgId::from("org_2"),
            },
        );
        let check = honest_answers(&scenario, &seen);
        assert!(!check.passed && check.detail.contains("org_3's replica's holds differ"), "{check:?}");
    }

    #[test]
    fn a_hold_placed_before_a_height_is_still_held_there_unless_a_block_says_otherwise() {
        let (scenario, mut seen) = settled();
        let mut held = BTreeMap::new();
        held.insert((id("org_2:101:asset_1"), id("org_1:100:user_1")), 30);
        let ledger = seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap();
        ledger.held_history = vec![HeldState { height: 0, block: false, held }];
        let truth =
            Truth::of(&scenario, &ClusterId::from("cluster_B"), seen.ledgers.get(&ClusterId::from("cluster_B")));
        let split = |available: u64, held: u64| {
            let Body::BalanceAnswer(mut a) = balance(100, held, 1) else { unreachable!() };
            a.available = available;
            Body::BalanceAnswer(a)
        };
        assert_eq!(judge(&split(70, 30), &truth), None, "held since height 0");
        let wrong = judge(&split(100, 0), &truth).expect("30 were held at height 1");
        assert!(wrong.ends_with("; it had 30 in escrow then"), "{wrong}");
        let plain = judged(balance(101, 0, 1)).unwrap();
        assert!(!plain.contains("escrow"), "no escrow, no word of it: {plain}");
    }

    fn only_available(current: u64, available: u64) -> Body {
        let Body::BalanceAnswer(mut a) = balance(current, 0, 1) else { unreachable!() };
        a.available = available;
        Body::BalanceAnswer(a)
    }

    #[test]
    fn a_replica_that_holds_an_explicit_zero_still_equals_the_ledger() {
        let (scenario, mut seen) = settled();
        let replica = seen.replicas.get_mut(&OrgId::from("org_3")).unwrap();
        replica.balances.insert((id("org_2:101:asset_1"), id("org_2:100:nobody")), 0);
        let ledger = seen.ledgers.get_mut(&ClusterId::from("cluster_B")).unwrap();
        ledger.balances.insert((id("org_2:101:asset_1"), id("org_2:100:someone_else")), 0);
        let check = honest_answers(&scenario, &seen);
        assert!(check.passed, "{check:?}");
    }

    #[test]
    fn a_replica_that_never_debited_the_seller_fails() {
        let (scenario, mut seen) = settled();
        let replica = seen.replicas.get_mut(&OrgId::from("org_3")).unwrap();
        replica.balances.insert((id("org_2:101:asset_1"), id("org_2:100:treasury")), 1000);
        let check = honest_answers(&scenario, &seen);
        assert!(!check.passed && check.detail.contains("org_3's replica's balances differ"), "{check:?}");
    }
}
