//! The receiver's side of an issue, on the sample flow's org_1 without a runtime: whose asks for
//! its user's data it answers, and which final statuses it records.

use super::*;
use crate::actors::directory::Directory;
use crate::actors::outbox::Input;
use crate::crypto::chainpoint::{ChainpointProof, ProofInputs};
use crate::protocol::envelope::Message;
use crate::protocol::ids::{ActorId, Address};
use crate::protocol::keys;
use crate::protocol::message::{LedgerTx, Settlement};
use crate::scenario;

/// org_1 of the sample flow (its user_1 has IVMS-101 data; org_2's asset is shared with it).
fn org_1() -> (Organization, Arc<Directory>) {
    let scenario = scenario::parse("sample", scenario::SAMPLE_FLOW).unwrap();
    let dir = Arc::new(crate::sim::genesis::directory(&scenario, 1));
    let id = OrgId::from("org_1");
    let setup = crate::sim::genesis::org_setup(&scenario, &id);
    (Organization::new(id, dir.clone(), setup), dir)
}

fn issue(dir: &Directory) -> IssueOrder {
    let to = ResourceId::parse("org_1:100:user_1").unwrap();
    let finid = dir.user_finids[&to].clone();
    IssueOrder { asset: ResourceId::parse("org_2:101:asset_1").unwrap(), to: Account { id: to, finid }, quantity: 5 }
}

/// `body` from `from` to org_1 under request 7, as org_1's boundary hands it over.
fn arriving(dir: &Directory, from: &str, body: Body) -> Input {
    let sender = ActorId::Org(OrgId::from(from));
    let message =
        Message { request_id: 7, from: sender.clone(), to: Address::Actor(ActorId::Org(OrgId::from("org_1"))), body };
    Input::checked(Arc::new(Envelope::seal(message, &keys::actor_key(1, &sender))), &dir.keyring)
}

/// The status org_1 answered a data request with.
fn answered(out: &Outbox) -> Option<Status> {
    out.sends.iter().filter_map(|s| s.outgoing.message()).find_map(|m| match &m.body {
        Body::GetResponse(response) => Some(response.status),
        _ => None,
    })
}

fn notice(dir: &Directory, settlement: Settlement) -> Body {
    Body::IssueNotice(IssueNotice { issue: issue(dir), settlement })
}

fn rejected() -> Settlement {
    let cause = crate::protocol::cause::Cause::DataTimeout;
    Settlement { tx_id: Hash32([1; 32]), status: Status::Regulation, cause, proof: None }
}

fn finals(out: &Outbox) -> usize {
    out.notes.iter().filter(|n| matches!(n, Note::OperationFinal { operation: Operation::Issue, .. })).count()
}

#[test]
fn the_receivers_data_goes_to_the_assets_org_only_while_the_issue_is_not_known_final() {
    let (mut org, dir) = org_1();
    let get = || Body::IssueGet(IssueGet { issue: issue(&dir) });
    assert_eq!(answered(&org.handle(0, arriving(&dir, "org_3", get()))), Some(Status::Denied), "not the asset's org");
    assert_eq!(answered(&org.handle(0, arriving(&dir, "org_2", get()))), Some(Status::Ok), "the asset's org, pending");
    org.handle(0, arriving(&dir, "org_2", notice(&dir, rejected())));
    assert_eq!(answered(&org.handle(0, arriving(&dir, "org_2", get()))), Some(Status::Denied), "known final");
}

#[test]
fn a_final_status_is_recorded_once_from_the_assets_org_and_every_copy_is_acknowledged() {
    let (mut org, dir) = org_1();
    let acked =
        |out: &Outbox| out.sends.iter().any(|s| s.outgoing.kind() == crate::protocol::message::Kind::SettlementAck);
    let discarded = |out: &Outbox, reason: Discard| {
        out.notes.iter().any(|n| matches!(n, Note::Discarded { reason: r, .. } if *r == reason))
    };
    let out = org.handle(0, arriving(&dir, "org_3", notice(&dir, rejected())));
    assert!(discarded(&out, Discard::Unentitled) && !acked(&out) && finals(&out) == 0, "only the asset's org says");
    let out = org.handle(0, arriving(&dir, "org_2", notice(&dir, rejected())));
    assert!(acked(&out) && finals(&out) == 1);
    let out = org.handle(0, arriving(&dir, "org_2", notice(&dir, rejected())));
    assert!(acked(&out) && finals(&out) == 0, "a copy is acknowledged, not recorded again");
}

#[test]
fn a_settled_issue_needs_a_proof_of_its_own_mint() {
    let (mut org, dir) = org_1();
    let mint = LedgerTx {
        request_id: 7,
        tx_id: Hash32([1; 32]),
        asset: issue(&dir).asset.clone(),
        source: issue(&dir).asset.clone(),
        destination: issue(&dir).to.id.clone(),
        quantity: 5,
        submitter: OrgId::from("org_2"),
    };
    let proof_of = |tx: &LedgerTx| {
        let inputs = ProofInputs {
            tx_hash: tx.hash(),
            path: &[],
            cluster: "cluster_B",
            height: 1,
            received_us: 0,
            start_us: crate::crypto::chainpoint::DEFAULT_START_US,
            node_id: [0; 6],
        };
        Some(Arc::new(ChainpointProof::build(&inputs)))
    };
    let cause = crate::protocol::cause::Cause::Settled { cluster: "cluster_B".into(), height: 1 };
    let settled = |proof| Settlement { tx_id: Hash32([1; 32]), status: Status::Ok, cause: cause.clone(), proof };
    // A proof of another quantity's mint is not this issue's.
    let other = LedgerTx { quantity: 6, ..mint.clone() };
    let out = org.handle(0, arriving(&dir, "org_2", notice(&dir, settled(proof_of(&other)))));
    assert!(
        finals(&out) == 0
            && out.notes.iter().any(|n| matches!(n, Note::Discarded { reason: Discard::UnboundProof, .. }))
    );
    let out = org.handle(0, arriving(&dir, "org_2", notice(&dir, settled(None))));
    assert_eq!(finals(&out), 0, "settled without a proof");
    let out = org.handle(0, arriving(&dir, "org_2", notice(&dir, settled(proof_of(&mint)))));
    assert_eq!(finals(&out), 1, "its own mint's proof");
}

#[test]
fn an_issue_mints_to_its_receiver_whose_data_its_rules_read() {
    let (_, dir) = org_1();
    let (buyer, asset) =
        (ResourceId::parse("org_1:100:user_1").unwrap(), ResourceId::parse("org_2:101:asset_1").unwrap());
    let issue = Deal::Issue(IssueOrder { quantity: 500, ..issue(&dir) });
    assert_eq!(
        (issue.terms().operation(), issue.terms().asset(), issue.terms().quantity()),
        (Some(Operation::Issue), &asset, 500)
    );
    assert_eq!(
        (issue.terms().debited(), issue.terms().credited(), issue.terms().subject()),
        (None, Some(&buyer), Some(&buyer))
    );
    let tx = issue.ledger_tx(8, crate::crypto::Hash32([1; 32]), &OrgId::from("org_2"));
    assert_eq!((&tx.source, &tx.destination, tx.quantity), (&asset, &buyer, 500));
}
