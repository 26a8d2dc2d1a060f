//! Unit tests of reads asked at a height: a lagging replica keeps them until it catches up.

use super::*;
use crate::actors::outbox::{Command, Input, Received};
use crate::crypto::chainpoint::{ChainpointProof, ProofInputs};
use crate::protocol::envelope::Message;
use crate::protocol::ids::ActorId;
use crate::protocol::keys;
use crate::protocol::message::{BlockCommitted, Settlement};
use crate::scenario;

/// An org of the sample flow, run with seed 1.
fn org(name: &str) -> Organization {
    let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
    let dir = Arc::new(crate::sim::genesis::directory(&scenario, 1));
    let id = OrgId::from(name);
    let setup = crate::sim::genesis::org_setup(&scenario, &id);
    Organization::new(id, dir, setup)
}

fn id(text: &str) -> ResourceId {
    ResourceId::parse(text).unwrap()
}

/// `body` from `from` to org `to`, signed with `from`'s key of seed 1.
fn from_org(from: &str, to: &str, request_id: u64, body: Body) -> Input {
    let from = ActorId::Org(OrgId::from(from));
    let to = Address::Actor(ActorId::Org(OrgId::from(to)));
    let message = Message { request_id, from: from.clone(), to, body };
    Input::Receive(Received::sealed(message, &keys::actor_key(1, &from)))
}

/// Block `index` of cluster_B's ledger (height `index + 1`): one token to user_1.
fn block(index: u64) -> Input {
    let from = ActorId::Ledger(ClusterId::from("cluster_B"));
    let tx = crate::protocol::message::LedgerTx {
        request_id: index,
        tx_id: Hash32([index as u8; 32]),
        asset: id("org_2:101:asset_1"),
        source: id("org_2:100:treasury"),
        destination: id("org_1:100:user_1"),
        quantity: 1,
        submitter: OrgId::from("org_2"),
    };
    let event = BlockCommitted {
        index,
        height: index + 1,
        root: tx.hash(),
        txs: [tx].into(),
        received_us: [0].into(),
        refused: [].into(),
    };
    let to = Address::Cluster(ClusterId::from("cluster_B"));
    let message = Message { request_id: 0, from: from.clone(), to, body: Body::BlockCommitted(event) };
    Input::Receive(Received::sealed(message, &keys::actor_key(1, &from)))
}

fn balance_query(min_height: u64) -> Body {
    let account = Account { id: id("org_1:100:user_1"), finid: String::new().into() };
    Body::BalanceQuery(BalanceQuery { account, asset: id("org_2:101:asset_1"), min_height })
}

fn proof_request(height: u64) -> Body {
    Body::VerifyProof(VerifyProofRequest { height, root: Hash32([0; 32]) })
}

/// The answers `out` sends, by kind, with their request ids.
fn answers(out: &Outbox) -> Vec<(Kind, u64)> {
    out.sends.iter().filter_map(|s| Some((s.outgoing.kind(), s.outgoing.message()?.request_id))).collect()
}

#[test]
fn a_balance_asked_above_the_replicas_height_is_answered_once_the_replica_reaches_it() {
    let mut member = org("org_3");
    let out = member.handle(0, from_org("org_1", "org_3", 7, balance_query(2)));
    assert_eq!(answers(&out), [], "the replica is at height 0");
    let out = member.handle(0, from_org("org_1", "org_3", 7, balance_query(2)));
    assert_eq!(answers(&out), [], "a repeat is kept once");
    let out = member.handle(0, block(0));
    assert_eq!(answers(&out), [], "height 1 is not yet 2");
    let out = member.handle(0, block(1));
    assert_eq!(answers(&out), [(Kind::BalanceAnswer, 7)], "answered once, at height 2");
    let Body::BalanceAnswer(answer) = &out.sends[0].outgoing.message().unwrap().body else { panic!() };
    assert_eq!((answer.status, answer.current), (Status::Ok, 2), "read after both blocks");
    let out = member.handle(0, block(2));
    assert_eq!(answers(&out), [], "and not again");
}

#[test]
fn a_balance_asked_at_or_below_the_replicas_height_is_answered_at_once() {
    let mut member = org("org_3");
    member.handle(0, block(0));
    for min_height in [0, 1] {
        let out = member.handle(0, from_org("org_1", "org_3", min_height, balance_query(min_height)));
        assert_eq!(answers(&out), [(Kind::BalanceAnswer, min_height)], "min_height {min_height}");
    }
}

#[test]
fn an_org_not_entitled_to_a_balance_is_denied_at_once_whatever_height_it_names() {
    let mut member = org("org_3");
    let out = member.handle(0, from_org("org_4", "org_3", 3, balance_query(9)));
    let [send] = &out.sends[..] else { panic!("{:?}", answers(&out)) };
    let Body::BalanceAnswer(answer) = &send.outgoing.message().unwrap().body else { panic!() };
    assert_eq!(answer.status, Status::Denied);
    assert!(member.state.deferred.is_empty(), "nothing is kept for it");
}

#[test]
fn a_proof_read_at_a_height_the_replica_has_not_reached_waits_for_it_and_finds_the_root() {
    let mut member = org("org_3");
    let out = member.handle(0, from_org("org_1", "org_3", 4, proof_request(1)));
    assert_eq!(answers(&out), []);
    let out = member.handle(0, block(0));
    let [send] = &out.sends[..] else { panic!("{:?}", answers(&out)) };
    let Body::ProofAnswer(answer) = &send.outgoing.message().unwrap().body else { panic!() };
    assert_eq!((answer.height, answer.status), (1, Status::Ok));
    assert!(answer.root.is_some(), "the root of block 0, at height 1");
}

#[test]
fn reads_kept_by_one_asker_or_for_one_request_do_not_hide_the_others() {
    let mut member = org("org_3");
    member.handle(0, from_org("org_1", "org_3", 1, proof_request(1)));
    member.handle(0, from_org("org_2", "org_3", 1, proof_request(1)));
    member.handle(0, from_org("org_1", "org_3", 2, balance_query(1)));
    let out = member.handle(0, block(0));
    assert_eq!(answers(&out), [(Kind::ProofAnswer, 1), (Kind::ProofAnswer, 1), (Kind::BalanceAnswer, 2)], "in order");
}

#[test]
fn a_crash_forgets_the_kept_reads() {
    let mut member = org("org_3");
    member.handle(0, from_org("org_1", "org_3", 7, balance_query(1)));
    member.handle(0, Input::Crash);
    member.handle(0, Input::Restart);
    let out = member.handle(0, block(0));
    assert_eq!(answers(&out).iter().filter(|(kind, _)| *kind == Kind::BalanceAnswer).count(), 0);
}

/// The `min_height` of the balance query `asker` broadcasts to `cluster`.
fn min_height_asked_of(asker: &mut Organization, cluster: &str) -> u64 {
    let command = Command::Balance {
        cluster: ClusterId::from(cluster),
        account: id("org_1:100:user_1"),
        asset: id("org_2:101:asset_1"),
    };
    let out = asker.handle(0, Input::Command { request_id: 9, command });
    let heights: BTreeSet<u64> = out
        .sends
        .iter()
        .filter_map(|s| match &s.outgoing.message()?.body {
            Body::BalanceQuery(query) => Some(query.min_height),
            _ => None,
        })
        .collect();
    assert_eq!(heights.len(), 1, "one height for every member: {heights:?}");
    heights.into_iter().next().unwrap()
}

/// A proof anchored at `cluster`'s height `height`.
fn proof_at(cluster: &str, height: u64) -> ChainpointProof {
    let tx_hash = Hash32([5; 32]);
    ChainpointProof::build(&ProofInputs {
        tx_hash,
        path: &[],
        cluster,
        height,
        received_us: 0,
        start_us: crate::crypto::chainpoint::DEFAULT_START_US,
        node_id: [0; 6],
    })
}

#[test]
fn a_balance_is_asked_at_the_highest_height_the_proofs_the_asker_holds_name_for_that_cluster() {
    let mut buyer = org("org_1");
    assert_eq!(min_height_asked_of(&mut buyer, "cluster_B"), 0, "no proofs yet");
    let user = ActorId::User(id("org_1:100:user_1"));
    let me = Address::Actor(ActorId::Org(OrgId::from("org_1")));
    for (request_id, cluster, height) in
        [(1, "cluster_B", 3), (2, "cluster_B", 5), (3, "cluster_A", 8), (4, "cluster_B", 4)]
    {
        let order = crate::protocol::message::Order {
            asset: id("org_2:101:asset_1"),
            quantity: 1,
            seller: id("org_2:100:treasury"),
        };
        let message = Message { request_id, from: user.clone(), to: me.clone(), body: Body::Order(order) };
        buyer.handle(0, Input::Receive(Received::sealed(message, &keys::actor_key(1, &user))));
        assert!(buyer.state.purchases.contains_key(&request_id), "the order is taken");
        buyer.record_final(
            request_id,
            Settlement {
                tx_id: Hash32([0; 32]),
                status: Status::Ok,
                cause: crate::protocol::cause::Cause::Settled { cluster: ClusterId::from(cluster), height },
                proof: Some(std::sync::Arc::new(proof_at(cluster, height))),
            },
        );
    }
    assert_eq!(
        min_height_asked_of(&mut buyer, "cluster_B"),
        5,
        "cluster_B's highest anchor; cluster_A's height 8 is another ledger"
    );
}

#[test]
fn a_balance_of_the_orgs_own_cluster_is_asked_at_its_replicas_height() {
    let mut member = org("org_3");
    member.handle(0, block(0));
    member.handle(0, block(1));
    assert_eq!(min_height_asked_of(&mut member, "cluster_B"), 2);
    assert_eq!(min_height_asked_of(&mut member, "cluster_A"), 0, "its replica is not cluster_A's");
}

/// Org_1 asks cluster_B (org_2, org_3, org_4; a quorum of 2) for user_1's balance, as request 9.
fn balance_broadcast() -> Organization {
    let mut asker = org("org_1");
    let command = Command::Balance {
        cluster: ClusterId::from("cluster_B"),
        account: id("org_1:100:user_1"),
        asset: id("org_2:101:asset_1"),
    };
    asker.handle(0, Input::Command { request_id: 9, command });
    asker
}

/// `member`'s answer to request 9: `current` tokens.
fn answer(asker: &mut Organization, member: &str, current: u64) -> Outbox {
    let body = Body::BalanceAnswer(crate::protocol::message::BalanceAnswer {
        status: Status::Ok,
        account: id("org_1:100:user_1"),
        asset: id("org_2:101:asset_1"),
        current,
        available: current,
        held: 0,
        height: 0,
    });
    let from = ActorId::Org(OrgId::from(member));
    let to = Address::Actor(ActorId::Org(OrgId::from("org_1")));
    let message = Message { request_id: 9, from: from.clone(), to, body: body.clone() };
    let cause = Arc::new(Envelope::seal(message, &keys::actor_key(1, &from)));
    let mut out = Outbox::default();
    asker.on_broadcast_answer(9, OrgId::from(member), body, &cause, &mut out);
    out
}

/// The tally of the balance result `out` notes, if it notes one.
fn tally(out: &Outbox) -> Option<Tally> {
    out.notes.iter().find_map(|note| match note {
        Note::BalanceResult { tally, .. } => Some(*tally),
        _ => None,
    })
}

/// The (suspect, reason) pairs `out` notes.
fn suspects(out: &Outbox) -> Vec<(String, SuspectReason)> {
    out.notes
        .iter()
        .filter_map(|note| match note {
            Note::Suspect { org, reason, .. } => Some((org.to_string(), *reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_broadcast_resolves_at_its_quorum_and_judges_each_late_answer_once() {
    let mut asker = balance_broadcast();
    assert_eq!(tally(&answer(&mut asker, "org_2", 5)), None, "one answer of a quorum of two");
    let resolved = tally(&answer(&mut asker, "org_3", 5)).expect("the quorum is reached");
    assert_eq!((resolved.reached, resolved.agreeing, resolved.valid, resolved.members), (true, 2, 2, 3));
    let late = answer(&mut asker, "org_4", 6);
    assert_eq!(suspects(&late), [("org_4".to_owned(), SuspectReason::Differs)], "the late answer differs");
    assert_eq!(tally(&late), None, "reported once");
    assert!(suspects(&answer(&mut asker, "org_4", 6)).is_empty(), "a repeat is not counted again");
    // A bad signature after the quorum: that member alone is suspected, once.
    let mut out = Outbox::default();
    asker.on_bad_answer(9, OrgId::from("org_4"), Kind::BalanceAnswer, &mut out);
    assert!(suspects(&out).is_empty(), "org_4 answered validly before, and is a suspect already");
    let mut asker = balance_broadcast();
    answer(&mut asker, "org_2", 5);
    answer(&mut asker, "org_3", 5);
    let mut out = Outbox::default();
    asker.on_bad_answer(9, OrgId::from("org_4"), Kind::BalanceAnswer, &mut out);
    assert_eq!(suspects(&out), [("org_4".to_owned(), SuspectReason::NoValidSignature)]);
    let mut again = Outbox::default();
    asker.on_bad_answer(9, OrgId::from("org_4"), Kind::BalanceAnswer, &mut again);
    assert!(suspects(&again).is_empty());
}

#[test]
fn a_broadcast_whose_quorum_is_out_of_reach_resolves_without_one() {
    let mut asker = balance_broadcast();
    answer(&mut asker, "org_2", 5);
    assert_eq!(tally(&answer(&mut asker, "org_3", 6)), None, "org_4 may still make a quorum");
    let mut out = Outbox::default();
    asker.member_timed_out(9, &OrgId::from("org_4"), &mut out);
    let ended = tally(&out).expect("no quorum can be reached any more");
    assert_eq!((ended.reached, ended.agreeing, ended.valid, ended.members), (false, 0, 2, 3));
    // Given up on a member that had answered: nothing more is outstanding than before.
    let mut asker = balance_broadcast();
    answer(&mut asker, "org_2", 5);
    let mut out = Outbox::default();
    asker.member_timed_out(9, &OrgId::from("org_2"), &mut out);
    asker.member_timed_out(9, &OrgId::from("org_3"), &mut out);
    assert_eq!(tally(&out), None, "org_2's answer and org_4 can still make a quorum");
    let resolved = tally(&answer(&mut asker, "org_4", 5)).expect("they do");
    assert!(resolved.reached);
    // An answer from outside the cluster counts for nothing.
    let mut asker = balance_broadcast();
    answer(&mut asker, "org_2", 5);
    assert_eq!(tally(&answer(&mut asker, "org_1", 5)), None, "org_1 is not of cluster_B");
}

/// The user data a `get` from `asker` to `holder` receives: its status and the IVMS-101 document's
/// beneficiary account, if given.
fn user_data_asked(holder: &mut Organization, asker: &str, request_id: u64) -> (Status, Option<String>) {
    let get = GetRequest { accept_types: vec![APPLICATION_IVMS101.into()].into(), resource: id("org_1:100:user_1") };
    let out = holder.handle(0, from_org(asker, "org_1", request_id, Body::Get(get)));
    let [send] = &out.sends[..] else { panic!("{:?}", answers(&out)) };
    let Body::GetResponse(response) = &send.outgoing.message().unwrap().body else { panic!() };
    // The seller's account, the document's originator (the account the tokens leave).
    let seller = response.payload.as_ref().map(|document| {
        let value: serde_json::Value = serde_json::from_str(document).unwrap();
        let account = &value["originator"]["accountNumber"][0];
        account.as_str().unwrap_or_default().to_owned()
    });
    (response.status, seller)
}

#[test]
fn a_users_data_goes_to_the_asset_org_of_an_open_purchase_the_earliest_first_and_no_longer_once_final() {
    let mut buyer = org("org_1");
    let user = ActorId::User(id("org_1:100:user_1"));
    let me = Address::Actor(ActorId::Org(OrgId::from("org_1")));
    assert_eq!(user_data_asked(&mut buyer, "org_2", 90), (Status::Denied, None), "no purchase yet");
    for (request_id, seller) in [(2, "org_2:100:treasury"), (1, "org_2:100:user_2")] {
        let order = crate::protocol::message::Order { asset: id("org_2:101:asset_1"), quantity: 1, seller: id(seller) };
        let message = Message { request_id, from: user.clone(), to: me.clone(), body: Body::Order(order) };
        buyer.handle(0, Input::Receive(Received::sealed(message, &keys::actor_key(1, &user))));
    }
    let (status, first) = user_data_asked(&mut buyer, "org_2", 91);
    assert_eq!(status, Status::Ok);
    assert!(first.as_deref().is_some_and(|a| a.contains("user_2")), "request 1's seller: {first:?}");
    for other in ["org_3", "org_1"] {
        // Both sides of the asset's org in the index's order.
        assert_eq!(user_data_asked(&mut buyer, other, 92), (Status::Denied, None), "{other}: not the asset's org");
    }
    let settled = |buyer: &mut Organization, request_id| {
        let cause = crate::protocol::cause::Cause::NoAnswer { org: OrgId::from("org_2"), retries: 0 };
        buyer.record_final(
            request_id,
            Settlement { tx_id: Hash32([0; 32]), status: Status::Timeout, cause, proof: None },
        );
    };
    settled(&mut buyer, 1);
    let (status, second) = user_data_asked(&mut buyer, "org_2", 93);
    assert_eq!(status, Status::Ok);
    assert!(second.as_deref().is_some_and(|a| a.contains("treasury")), "request 2's seller: {second:?}");
    settled(&mut buyer, 2);
    assert_eq!(user_data_asked(&mut buyer, "org_2", 94), (Status::Denied, None), "every purchase final");
}
