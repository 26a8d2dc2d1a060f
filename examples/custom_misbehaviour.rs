//! A misbehaviour written outside finsim, through its public API only: an asset's org that
//! tells buyers every transfer settled, whatever its ledger did. finsim's invariants catch it.
//!
//! Run with `cargo run --example custom_misbehaviour`; it exits 0 when the lie is caught.

use finsim::actors::{Input, Outbox};
use finsim::library::{Act, Cause, Context, Misbehaviour, Simulator};
use finsim::protocol::ids::ClusterId;
use finsim::protocol::message::Body;
use finsim::protocol::status::Status;

/// Rewrites every rejected settlement notification into a settled one, correctly signed.
#[derive(Debug, Default)]
struct ClaimsSettled;

impl Misbehaviour for ClaimsSettled {
    fn name(&self) -> &str {
        "claims_settled"
    }

    fn after(&mut self, cx: &Context<'_>, _input: &Input, out: &mut Outbox) {
        cx.rewrite_sends(out, self.name(), |message| match &mut message.body {
            Body::Settlement(settlement) if settlement.status != Status::Ok => {
                settlement.status = Status::Ok;
                settlement.cause = Cause::Settled { cluster: ClusterId::from("cluster_B"), height: 1 };
                Some(Act::Altered)
            }
            _ => None,
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
    assert!(broke("valid_proofs"), "and it holds no proof of it");
    assert!(outcome.passed, "the scenario expects both to break: {:?}", outcome.failures());
    println!("caught: the lie broke `agreement` and `valid_proofs`");
}
