//! Unit tests of both sides of a transfer, on the sample flow's orgs without a runtime.

use super::*;
use crate::actors::directory::Directory;
use crate::actors::outbox::{Command, Input};
use crate::protocol::cause::Cause;
use crate::protocol::envelope::Message;
use crate::protocol::message::Kind;
use crate::scenario;

/// An org of the sample flow, run with seed 1.
fn org(name: &str) -> (Organization, Arc<Directory>) {
    let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
    let dir = Arc::new(crate::sim::genesis::directory(&scenario, 1));
    let id = OrgId::from(name);
    let setup = crate::sim::genesis::org_setup(&scenario, &id);
    (Organization::new(id, dir.clone(), setup), dir)
}

fn org_2() -> (Organization, Arc<Directory>) {
    org("org_2")
}

fn signed_transfer(dir: &Directory, quantity: u64) -> Transfer {
    let user = ResourceId::parse("org_1:100:user_1").unwrap();
    let seller = ResourceId::parse("org_2:100:treasury").unwrap();
    let mut transfer = Transfer {
        from: Account { id: user.clone(), finid: dir.user_finids[&user].clone() },
        to: Account { id: seller.clone(), finid: dir.user_finids[&seller].clone() },
        asset_id: ResourceId::parse("org_2:101:asset_1").unwrap(),
        quantity,
        nonce: [3; 32],
        signature: UserSignature { alg: "ed25519".into(), template_hash: Hash32([0; 32]), value: vec![].into() },
    };
    let key = keys::actor_key(1, &ActorId::User(user));
    transfer.signature.template_hash = transfer.template().hash();
    transfer.signature.value = keys::sign(&key, &transfer.template().hash().0).to_vec().into();
    transfer
}

#[test]
fn a_signed_transfer_passes_and_a_changed_amount_fails_the_signature_check() {
    let (org, dir) = org_2();
    let transfer = signed_transfer(&dir, 100);
    assert_eq!(org.check_signature(&transfer.from, || transfer.template().hash(), &transfer.signature), Ok(()));
    let mut tampered = transfer.clone();
    tampered.quantity = 1000;
    assert_eq!(
        org.check_signature(&tampered.from, || tampered.template().hash(), &tampered.signature).unwrap_err().0,
        Status::Signature
    );
    let mut tampered = transfer;
    tampered.to.finid = dir.user_finids[&ResourceId::parse("org_1:100:user_1").unwrap()].clone();
    assert_eq!(
        org.check_signature(&tampered.from, || tampered.template().hash(), &tampered.signature).unwrap_err().0,
        Status::Signature
    );
}

#[test]
fn a_transfer_of_an_unshared_asset_is_refused_permission() {
    let (org, dir) = org_2();
    let transfer = signed_transfer(&dir, 100);
    assert_eq!(org.check_permission(&OrgId::from("org_1"), &transfer), Ok(()));
    assert_eq!(org.check_permission(&OrgId::from("org_3"), &transfer).unwrap_err().0, Status::Denied);
}

#[test]
fn the_asset_org_debits_only_its_own_accounts_for_its_own_assets_for_the_buyers_own_users() {
    let (org, dir) = org_2();
    let buyer = OrgId::from("org_1");
    let transfer = signed_transfer(&dir, 100);
    let user = ResourceId::parse("org_1:100:user_1").unwrap();
    let mut foreign_seller = transfer.clone();
    foreign_seller.to = Account { id: user.clone(), finid: dir.user_finids[&user].clone() };
    let denied = *org.check_permission(&buyer, &foreign_seller).unwrap_err();
    assert_eq!(denied, (Status::Denied, Cause::NotAnAccount { account: user.clone(), org: OrgId::from("org_2") }));
    let mut wrong_finid = transfer.clone();
    wrong_finid.to.finid = dir.user_finids[&user].clone();
    assert_eq!(org.check_permission(&buyer, &wrong_finid).unwrap_err().0, Status::Denied);
    let mut foreign_asset = transfer.clone();
    foreign_asset.asset_id = ResourceId::parse("org_3:101:other").unwrap();
    assert_eq!(org.check_permission(&buyer, &foreign_asset).unwrap_err().0, Status::Denied);
    let mut unknown_asset = transfer.clone();
    unknown_asset.asset_id = ResourceId::parse("org_2:101:missing").unwrap();
    let denied = *org.check_permission(&buyer, &unknown_asset).unwrap_err();
    assert_eq!(
        denied,
        (Status::Denied, Cause::NotManaged { org: OrgId::from("org_2"), asset: unknown_asset.asset_id })
    );
    let denied = *org.check_permission(&OrgId::from("org_4"), &transfer).unwrap_err();
    assert!(matches!(&denied.1, Cause::NotAUser { org, .. } if org.as_str() == "org_4"), "{denied:?}");
}

#[test]
fn ledger_events_are_heard_only_from_the_orgs_own_cluster_ledger() {
    use crate::actors::note::Discard;
    use crate::actors::outbox::Received;
    use crate::protocol::ids::ClusterId;
    let block = || Body::BlockCommitted(BlockCommitted::empty(0));
    let escrow = || {
        Body::EscrowCommitted(EscrowCommitted { index: 0, height: 0, held: vec![], released: vec![], refused: vec![] })
    };
    for event in [block as fn() -> Body, escrow] {
        let (mut org, _) = org_2();
        let from_ledger_of = |cluster: &str| {
            let from = ActorId::Ledger(ClusterId::from(cluster));
            let to = Address::Cluster(ClusterId::from("cluster_B"));
            let message = Message { request_id: 0, from: from.clone(), to, body: event() };
            Input::Receive(Received::sealed(message, &keys::actor_key(1, &from)))
        };
        let out = org.handle(0, from_ledger_of("cluster_A"));
        assert!(out.notes.iter().any(|n| matches!(n, Note::Discarded { reason: Discard::Unexpected, .. })));
        assert_eq!(org.state.view.next_event, 0, "another cluster's ledger is not this org's ledger");
        org.handle(0, from_ledger_of("cluster_B"));
        assert_eq!(org.state.view.next_event, 1);
    }
}

/// org_1's sale of `transfer` at `stage` (tx id `[1; 32]`), as org_2 records it.
fn sale_of(transfer: &Transfer, stage: Stage) -> Sale {
    Sale {
        buyer_org: OrgId::from("org_1"),
        deal: Deal::Transfer(transfer.clone()),
        tx_id: Hash32([1; 32]),
        stage,
        held: false,
    }
}

#[test]
fn a_block_settles_or_refuses_only_a_sale_this_org_submitted() {
    use crate::protocol::message::RefusedTx;
    let (mut org, dir) = org_2();
    let transfer = signed_transfer(&dir, 100);
    let sale = |stage| sale_of(&transfer, stage);
    org.state.sales.insert(1, sale(Stage::AwaitingUserData));
    org.state.sales.insert(2, sale(Stage::AwaitingUserData));
    org.submit(1, &mut Outbox::default());
    let tx = |request_id: u64, submitter: &str| LedgerTx {
        request_id,
        tx_id: Hash32([1; 32]),
        asset: transfer.asset_id.clone(),
        source: transfer.to.id.clone(),
        destination: transfer.from.id.clone(),
        quantity: 100,
        submitter: OrgId::from(submitter),
    };
    let block = |index: u64, txs: Vec<LedgerTx>, refused: Vec<RefusedTx>| BlockCommitted {
        index,
        height: index + 1,
        root: Hash32([0; 32]),
        received_us: vec![0; txs.len()].into(),
        txs: txs.into(),
        refused: refused.into(),
    };
    let finals = |out: &Outbox| out.notes.iter().filter(|n| matches!(n, Note::SaleFinal { .. })).count();
    let refusal = |t| RefusedTx { tx: t, status: Status::Balance };
    // Another org's transaction or refusal under the same request id, and this org's own
    // transaction for a sale it has not submitted: none of them decides anything.
    let mut out = Outbox::default();
    org.on_block(block(0, vec![tx(1, "org_3"), tx(2, "org_2")], vec![]), &mut out);
    org.on_block(block(1, vec![], vec![refusal(tx(1, "org_3")), refusal(tx(2, "org_2"))]), &mut out);
    assert_eq!(finals(&out), 0);
    assert!(
        matches!(org.state.sales[&1].stage, Stage::Submitted)
            && matches!(org.state.sales[&2].stage, Stage::AwaitingUserData)
    );
    // Its own submitted transaction settles it.
    let mut out = Outbox::default();
    org.on_block(block(2, vec![tx(1, "org_2")], vec![]), &mut out);
    assert_eq!(finals(&out), 1);
    assert!(matches!(org.state.sales[&1].stage, Stage::Final(_)));
}

#[test]
fn an_escrow_event_goes_on_only_with_a_sale_this_org_asked_a_hold_for() {
    let (mut org, dir) = org_2();
    let transfer = signed_transfer(&dir, 100);
    let sale = |stage| sale_of(&transfer, stage);
    org.state.sales.insert(1, sale(Stage::AwaitingHold));
    org.state.sales.insert(2, sale(Stage::AwaitingUserData));
    let op = |request_id: u64, submitter: &str| EscrowOp {
        request_id,
        tx_id: Hash32([1; 32]),
        asset: transfer.asset_id.clone(),
        account: transfer.to.id.clone(),
        quantity: 100,
        submitter: OrgId::from(submitter),
    };
    let event = |index: u64, held: Vec<EscrowOp>, refused: Vec<EscrowOp>| EscrowCommitted {
        index,
        height: 0,
        held,
        released: vec![],
        refused,
    };
    let asks = |out: &Outbox| out.sends.iter().filter(|s| s.outgoing.kind() == Kind::Get).count();
    // Another org's hold under the same request id, and a hold for a sale not waiting for one.
    let mut out = Outbox::default();
    org.on_escrow(event(0, vec![op(1, "org_3"), op(2, "org_2")], vec![op(1, "org_3")]), &mut out);
    assert_eq!(asks(&out), 0);
    assert!(matches!(org.state.sales[&1].stage, Stage::AwaitingHold) && !org.state.sales[&1].held);
    // Its own hold: it asks for the buyer's IVMS-101 data.
    let mut out = Outbox::default();
    org.on_escrow(event(1, vec![op(1, "org_2")], vec![]), &mut out);
    assert_eq!(asks(&out), 1);
    assert!(matches!(org.state.sales[&1].stage, Stage::AwaitingUserData) && org.state.sales[&1].held);
}

#[test]
fn a_gap_in_the_ledgers_events_asks_the_ledger_for_what_was_missed() {
    let (mut org, _) = org_2();
    let event = BlockCommitted::empty;
    let sync_requests = |out: &Outbox| out.sends.iter().filter(|s| s.outgoing.kind() == Kind::SyncRequest).count();
    let mut out = Outbox::default();
    org.on_block(event(1), &mut out);
    assert_eq!(sync_requests(&out), 1, "event 1 before event 0");
    let mut out = Outbox::default();
    org.on_block(event(0), &mut out);
    org.on_block(event(0), &mut out);
    assert_eq!(sync_requests(&out), 0, "the next event, then a repeat");
}

#[test]
fn an_order_is_taken_once_and_only_from_one_of_the_orgs_own_users() {
    let (mut org_1, _) = org("org_1");
    let order = Order {
        asset: ResourceId::parse("org_2:101:asset_1").unwrap(),
        quantity: 100,
        seller: ResourceId::parse("org_2:100:treasury").unwrap(),
    };
    let treasury = ActorId::User(ResourceId::parse("org_2:100:treasury").unwrap());
    let user_1 = ActorId::User(ResourceId::parse("org_1:100:user_1").unwrap());
    let sign_requests = |out: &Outbox| out.sends.iter().filter(|s| s.outgoing.kind() == Kind::SignRequest).count();
    let mut out = Outbox::default();
    org_1.on_order(0, 5, &treasury, order.clone(), &mut out);
    assert_eq!((sign_requests(&out), org_1.state.purchases.len()), (0, 0), "another org's user");
    org_1.on_order(0, 5, &user_1, order.clone(), &mut out);
    org_1.on_order(0, 5, &user_1, order, &mut out);
    assert_eq!((sign_requests(&out), org_1.state.purchases.len()), (1, 1), "once per request id");
}

#[test]
fn the_buyer_stops_waiting_for_a_pending_transfer_at_its_liveness_deadline_and_not_before() {
    let (mut org_1, dir) = org("org_1");
    let user_1 = ActorId::User(ResourceId::parse("org_1:100:user_1").unwrap());
    let order = Order {
        asset: ResourceId::parse("org_2:101:asset_1").unwrap(),
        quantity: 100,
        seller: ResourceId::parse("org_2:100:treasury").unwrap(),
    };
    let mut out = Outbox::default();
    org_1.on_order(0, 5, &user_1, order, &mut out);
    let signed = SignResponse { template_hash: Hash32([0; 32]), signature: vec![0; 64].into() };
    org_1.on_signed(5, &user_1, signed, &mut out);
    let deadline_us = dir.quiet_after_us.saturating_add(dir.protocol.liveness_us);
    let pending = || TxAccepted { tx_id: Hash32([1; 32]) };
    let wait_ended = |out: &Outbox| out.notes.iter().any(|n| matches!(n, Note::WaitEnded { .. }));
    let mut out = Outbox::default();
    org_1.on_tx_accepted(deadline_us - 1, 5, OrgId::from("org_2"), pending(), &mut out);
    assert!(!wait_ended(&out), "still waiting just before the deadline");
    let mut out = Outbox::default();
    org_1.on_tx_accepted(deadline_us, 5, OrgId::from("org_2"), pending(), &mut out);
    assert!(wait_ended(&out), "the wait ends at the deadline");
}

#[test]
fn a_signed_transfer_is_accepted_under_one_request_id_only() {
    let (mut org, dir) = org_2();
    let transfer = signed_transfer(&dir, 100);
    assert_eq!(org.check_replay(1, &transfer.nonce, &transfer.signature), Ok(()));
    assert_eq!(
        org.check_replay(1, &transfer.nonce, &transfer.signature),
        Ok(()),
        "the same request again is not a replay"
    );
    let replay = *org.check_replay(2, &transfer.nonce, &transfer.signature).unwrap_err();
    assert_eq!(replay, (Status::Replay, Cause::AlreadyAccepted { first: 1 }));
    let mut other = transfer.clone();
    other.nonce = [4; 32];
    assert_eq!(org.check_replay(3, &other.nonce, &other.signature), Ok(()), "another nonce is another signed transfer");
}

#[test]
fn a_copy_of_an_org_has_its_own_state_and_the_same_input_gives_the_same_state() {
    let (mut org_1, _) = org("org_1");
    let mut copy = org_1.clone();
    assert!(Arc::ptr_eq(&org_1.cfg, &copy.cfg), "the configuration is shared, not copied");
    let get = || Input::Command {
        request_id: 7,
        command: Command::Get {
            resource: ResourceId::parse("org_2:101:asset_1").unwrap(),
            accept: "application/json".into(),
        },
    };
    let sent = org_1.handle(0, get());
    assert_eq!(sent.sends.len(), 1);
    assert_ne!(org_1.state(), copy.state(), "the get is an open exchange of the org that sent it only");
    copy.handle(0, get());
    assert_eq!(org_1.state(), copy.state());
    org_1.handle(0, Input::Crash);
    assert_ne!(org_1.state(), copy.state(), "a crash loses the exchange's timer");
}

#[test]
fn an_advertisement_names_the_orgs_own_finid() {
    let (mut org_2, dir) = org_2();
    let command =
        Command::Advertise { asset: ResourceId::parse("org_2:101:asset_1").unwrap(), to: vec![OrgId::from("org_1")] };
    let out = org_2.handle(0, Input::Command { request_id: 1, command });
    let Some(Body::Advertisement(ad)) = out.sends[0].outgoing.message().map(|m| m.body.clone()) else {
        panic!("{out:?}")
    };
    // The key derived afresh from the seed, not read back through the keyring the org used.
    let key = keys::actor_key(dir.seed, &ActorId::Org(OrgId::from("org_2"))).verifying_key();
    assert_eq!(ad.finid, keys::finid(&key));
}

/// Ledger event `index` for `on_block`: one token of asset_1 from the treasury to user_1,
/// submitted by org_2 under `request_id` with tx id `[1; 32]`.
fn block_with_tx(index: u64, request_id: u64) -> BlockCommitted {
    let tx = LedgerTx {
        request_id,
        tx_id: Hash32([1; 32]),
        asset: ResourceId::parse("org_2:101:asset_1").unwrap(),
        source: ResourceId::parse("org_2:100:treasury").unwrap(),
        destination: ResourceId::parse("org_1:100:user_1").unwrap(),
        quantity: 1,
        submitter: OrgId::from("org_2"),
    };
    BlockCommitted { index, height: 0, root: tx.hash(), txs: [tx].into(), received_us: [0].into(), refused: [].into() }
}

fn sync_requests(out: &Outbox) -> Vec<u64> {
    out.sends
        .iter()
        .filter_map(|s| match s.outgoing.message()?.body {
            Body::SyncRequest { from_event } => Some(from_event),
            _ => None,
        })
        .collect()
}

#[test]
fn ledger_events_that_arrive_before_their_turn_are_applied_when_it_comes() {
    let (mut org, dir) = org_2();
    let transfer = signed_transfer(&dir, 1);
    org.state.sales.insert(1, sale_of(&transfer, Stage::AwaitingUserData));
    org.submit(1, &mut Outbox::default());
    let hold = EscrowOp {
        request_id: 9,
        tx_id: Hash32([9; 32]),
        asset: transfer.asset_id.clone(),
        account: transfer.to.id.clone(),
        quantity: 5,
        submitter: OrgId::from("org_3"),
    };
    let escrow = EscrowCommitted { index: 1, height: 0, held: vec![hold], released: vec![], refused: vec![] };
    let finals = |out: &Outbox| out.notes.iter().filter(|n| matches!(n, Note::SaleFinal { .. })).count();
    let mut out = Outbox::default();
    org.on_block(block_with_tx(2, 1), &mut out);
    org.on_escrow(escrow, &mut out);
    assert_eq!((org.state.view.next_event, org.state.view.height(), finals(&out)), (0, 0, 0), "both wait");
    assert!(org.state.view.holds.is_empty());
    let mut out = Outbox::default();
    org.on_block(BlockCommitted::empty(0), &mut out);
    assert_eq!((org.state.view.next_event, org.state.view.height()), (3, 1), "0, then 1 and 2 that waited");
    assert_eq!(org.state.view.holds.len(), 1, "the early escrow event was applied");
    assert_eq!(finals(&out), 1, "the early block settled the sale it carries");
    assert!(org.state.early.is_empty());
    let mut out = Outbox::default();
    org.on_block(block_with_tx(2, 1), &mut out);
    assert_eq!((org.state.view.height(), finals(&out), sync_requests(&out).len()), (1, 0, 0), "a late copy is nothing");
}

#[test]
fn a_gap_is_asked_of_the_ledger_once_until_news_of_a_longer_one() {
    let (mut org, _) = org_2();
    let event = BlockCommitted::empty;
    let mut out = Outbox::default();
    org.on_block(event(2), &mut out);
    assert_eq!(sync_requests(&out), [0], "event 2 first: events from 0 are missing");
    let mut out = Outbox::default();
    org.on_block(event(2), &mut out);
    org.on_block(event(1), &mut out);
    assert_eq!(sync_requests(&out), [0; 0], "the answer is on its way: a copy, or an event inside the gap");
    org.on_block(event(4), &mut out);
    assert_eq!(sync_requests(&out), [0], "a longer gap than the one asked about");
    let mut out = Outbox::default();
    org.on_block(event(0), &mut out);
    assert_eq!(org.state.view.next_event, 3, "0, 1, 2 applied");
    assert_eq!(org.state.early.keys().collect::<Vec<_>>(), [&4], "4 waits for 3");
    org.on_block(event(4), &mut out);
    assert_eq!(sync_requests(&out), [3], "another gap: asked from where the replica is");
    org.on_block(event(3), &mut out);
    assert_eq!(org.state.view.next_event, 5, "4 waited for 3");
}

#[test]
fn a_crash_forgets_the_early_events_and_the_sync_it_asked() {
    let (mut org, _) = org_2();
    let event = BlockCommitted::empty;
    org.on_block(event(1), &mut Outbox::default());
    org.handle(0, Input::Crash);
    assert!(org.state.early.is_empty());
    let mut out = Outbox::default();
    org.on_block(event(1), &mut out);
    assert_eq!(sync_requests(&out), [0], "the answer may have been lost with the crash: asked again");
    org.on_block(event(0), &mut out);
    assert_eq!(org.state.view.next_event, 2);
}

/// org_1's get of asset_1 from org_2 (request 7), answered `answers` times with a bad signature,
/// left to time out: the notes of its last timer.
fn get_timed_out_after_bad_answers(answers: usize) -> Vec<Note> {
    use crate::protocol::envelope::{Envelope, Rejection};
    use crate::protocol::message::{GetResponse, APPLICATION_JSON};
    let (mut org_1, _) = org("org_1");
    let get =
        Command::Get { resource: ResourceId::parse("org_2:101:asset_1").unwrap(), accept: APPLICATION_JSON.into() };
    let mut timer = org_1.handle(0, Input::Command { request_id: 7, command: get }).timers[0].0;
    let from = ActorId::Org(OrgId::from("org_2"));
    let body = Body::GetResponse(GetResponse {
        resource: ResourceId::parse("org_2:101:asset_1").unwrap(),
        status: Status::Ok,
        content_type: APPLICATION_JSON.into(),
        payload: None,
    });
    let message =
        Message { request_id: 7, from: from.clone(), to: Address::Actor(ActorId::Org(OrgId::from("org_1"))), body };
    let forged = Arc::new(Envelope::seal(message, &keys::actor_key(2, &from)));
    for _ in 0..answers {
        org_1.handle(0, Input::Rejected { envelope: forged.clone(), rejection: Rejection::BadSignature });
    }
    for attempt in 1..100 {
        let out = org_1.handle(attempt * 1_000_000, Input::Timer(timer));
        match out.timers.first() {
            Some((next, _)) => timer = *next,
            None => return out.notes,
        }
    }
    panic!("the get never timed out")
}

#[test]
fn an_exchange_that_times_out_after_answers_with_bad_signatures_names_its_peer_and_the_answer_kind() {
    let notes = get_timed_out_after_bad_answers(1);
    let suspects: Vec<_> = notes
        .iter()
        .filter_map(|n| match n {
            Note::Suspect { org, reason, answer, .. } => Some((org.as_str().to_owned(), *reason, *answer)),
            _ => None,
        })
        .collect();
    use crate::actors::note::SuspectReason;
    assert_eq!(suspects, [("org_2".to_owned(), SuspectReason::NoValidSignature, Kind::GetResponse)]);
    let silent = get_timed_out_after_bad_answers(0);
    assert!(silent.iter().any(|n| matches!(n, Note::Timeout { .. })), "{silent:?}");
    assert!(!silent.iter().any(|n| matches!(n, Note::Suspect { .. })), "silence is no evidence of forgery");
}

#[test]
fn orders_and_signatures_are_heard_only_from_users_never_from_an_org() {
    use crate::actors::note::Discard;
    use crate::actors::outbox::Received;
    use crate::protocol::message::{Order, SignResponse};
    let order = || {
        Body::Order(Order {
            asset: ResourceId::parse("org_2:101:asset_1").unwrap(),
            quantity: 1,
            seller: ResourceId::parse("org_2:100:treasury").unwrap(),
        })
    };
    let signed = || Body::SignResponse(SignResponse { template_hash: Hash32([1; 32]), signature: vec![0; 64].into() });
    for body in [order as fn() -> Body, signed] {
        let (mut org, _) = org_2();
        let from = ActorId::Org(OrgId::from("org_1"));
        let message =
            Message { request_id: 5, from: from.clone(), to: Address::Actor(org.cfg.me.clone()), body: body() };
        let out = org.handle(0, Input::Receive(Received::sealed(message, &keys::actor_key(1, &from))));
        assert!(
            out.notes.iter().any(|n| matches!(n, Note::Discarded { reason: Discard::Unexpected, .. })),
            "an org's {:?} is unexpected",
            body().kind()
        );
        assert!(out.sends.is_empty() && org.state.purchases.is_empty());
    }
}

/// Each operation's terms, as the asset's org reads them: a transfer debits the seller and credits
/// the buyer, whose data the rules read; an issue debits nobody and credits the receiver, whose
/// data the rules read; a redeem debits the holder, credits nobody and reads no data. The ledger
/// transaction of each follows: a mint's source and a burn's destination are the asset.
#[test]
fn a_transfer_says_what_it_moves_from_and_to_whom_and_whose_data_its_rules_read() {
    let (_, dir) = org_2();
    let id = |text: &str| ResourceId::parse(text).unwrap();
    let (buyer, seller, asset) = (id("org_1:100:user_1"), id("org_2:100:treasury"), id("org_2:101:asset_1"));
    let transfer = Deal::Transfer(signed_transfer(&dir, 100));
    assert_eq!((transfer.operation(), transfer.asset(), transfer.quantity()), (None, &asset, 100));
    assert_eq!(
        (transfer.debited(), transfer.credited(), transfer.subject()),
        (Some(&seller), Some(&buyer), Some(&buyer))
    );
    let tx = transfer.ledger_tx(7, Hash32([1; 32]), &OrgId::from("org_2"));
    assert_eq!((&tx.source, &tx.destination, tx.quantity), (&seller, &buyer, 100));
}
