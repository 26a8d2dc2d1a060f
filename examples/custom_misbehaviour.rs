//! A misbehaviour written outside finsim, through its public API only: an asset's org that
//! tells buyers every transfer settled, whatever its ledger did, with a proof made up for the
//! buyer's own transaction (so the buyer's org, which takes only a proof of its own transaction,
//! believes it). finsim's invariants catch it.
//!
//! Run with `cargo run --example custom_misbehaviour`; it exits 0 when the lie is caught.

use finsim::crypto::chainpoint::{ChainpointProof, ProofInputs, DEFAULT_START_US};
use finsim::library::outbox::Received;
use finsim::library::{Act, Cause, Context, Misbehaviour};
use finsim::library::{Input, Outbox};
use finsim::protocol::ids::ClusterId;
use finsim::protocol::message::{Body, LedgerTx, Transfer};
use finsim::protocol::status::Status;
use finsim::Simulator;
use std::collections::BTreeMap;

/// Rewrites every rejected settlement notification into a settled one, correctly signed, with a
/// proof of the buyer's transaction in a block that does not exist.
#[derive(Debug, Default)]
struct ClaimsSettled {
    /// The transfers received, by request id.
    transfers: BTreeMap<u64, Transfer>,
}

impl Misbehaviour for ClaimsSettled {
    fn name(&self) -> &str {
        "claims_settled"
    }

    fn before(&mut self, _cx: &Context<'_>, input: &Input, _out: &mut Outbox) {
        if let Input::Receive(Received { message, .. }) = input {
            if let Body::Transfer(transfer) = &message.body {
                self.transfers.insert(message.request_id, transfer.clone());
            }
        }
    }

    fn after(&mut self, cx: &Context<'_>, _input: &Input, out: &mut Outbox) {
        let transfers = &self.transfers;
        cx.rewrite_sends(out, "claims_settled", |message| {
            let Body::Settlement(settlement) = &mut message.body else { return None };
            let transfer = transfers.get(&message.request_id).filter(|_| settlement.status != Status::Ok)?;
            // The transaction the buyer's org expects to see settled: its own.
            let tx = LedgerTx {
                request_id: message.request_id,
                tx_id: settlement.tx_id,
                asset: transfer.asset_id.clone(),
                source: transfer.to.id.clone(),
                destination: transfer.from.id.clone(),
                quantity: transfer.quantity,
                submitter: cx.org.clone(),
            };
            let inputs = ProofInputs {
                tx_hash: tx.hash(),
                path: &[],
                cluster: "cluster_B",
                height: 1,
                received_us: 0,
                start_us: DEFAULT_START_US,
                node_id: [0; 6],
            };
            settlement.status = Status::Ok;
            settlement.cause = Cause::Settled { cluster: ClusterId::from("cluster_B"), height: 1 };
            settlement.proof = Some(ChainpointProof::build(&inputs).into());
            Some(Act::Altered)
        });
    }
}

const SCENARIO: &str = r#"
name: asset-org-claims-settled
description: The treasury holds 50 tokens; a user asks for 100. The ledger refuses it, and org_2 says it settled.
clusters:
  - { id: cluster_A, orgs: [org_1] }
  - { id: cluster_B, orgs: [org_2, org_3, org_4] }
users:
  - { id: "org_1:100:user_1", org: org_1, ivms101: { name: "Alice Example", country: GB } }
  - { id: "org_2:100:treasury", org: org_2 }
assets:
  - id: "org_2:101:asset_1"
    org: org_2
    shared_with: [org_1]
    balances: { "org_2:100:treasury": 50 }
faults:
  byzantine:
    - { org: org_2, behaviour: { custom: claims_settled } }
flow:
  - transfer: { request_id: 1, user: "org_1:100:user_1", asset: "org_2:101:asset_1", quantity: 100,
                from: "org_2:100:treasury" }
expect:
  - invariant: { name: agreement, holds: false }
  - invariant: { name: valid_proofs, holds: false }
"#;

fn main() {
    let simulator = Simulator::new().misbehaviour("claims_settled", ClaimsSettled::default);
    let scenario = match simulator.parse("asset-org-claims-settled", SCENARIO) {
        Ok(scenario) => scenario,
        Err(error) => {
            eprintln!("{}", error.render());
            std::process::exit(2);
        }
    };
    let outcome = simulator.run(&scenario, 0);
    for check in &outcome.invariants {
        println!("{:5} {} — {}", if check.passed { "ok" } else { "BROKE" }, check.name, check.detail);
    }
    let broke = |name: &str| outcome.invariants.iter().any(|c| c.name == name && !c.passed);
    assert!(broke("agreement"), "the buyer's org believes a settlement the ledger never made");
    assert!(broke("valid_proofs"), "and its proof recomputes no block's root");
    assert!(outcome.passed, "the scenario expects both to break: {:?}", outcome.failures());
    println!("caught: the lie broke `agreement` and `valid_proofs`");
}
