//! An invariant written outside finsim: "a transfer that ends rejected moved no personal
//! data". It breaks under the seed's order of checks and holds under the protocol variant
//! `regulation_order: rules_first`, on the same flow.
//!
//! Run with `cargo run --example custom_invariant`.

use finsim::library::Evidence;
use finsim::Simulator;

/// Every delivery of a user's IVMS-101 data, for a transfer its buyer's org knows as rejected.
fn minimal_disclosure(run: &Evidence<'_>) -> Result<String, String> {
    let mut moved = Vec::new();
    for delivery in &run.observations.data_deliveries {
        let request_id = delivery.request_id;
        let rejected = run.observations.transfers.get(&request_id).is_some_and(|t| !t.settled);
        if delivery.ivms && delivery.given && rejected {
            moved.push(format!(
                "{}'s data reached {} for rejected transfer {request_id}",
                delivery.resource, delivery.to
            ));
        }
    }
    match moved.is_empty() {
        true => Ok("no personal data moved for a rejected transfer".into()),
        false => Err(moved.join("; ")),
    }
}

fn scenario(order: &str) -> String {
    format!(
        r#"
name: over-limit-{order}
clusters:
  - {{ id: cluster_A, orgs: [org_1] }}
  - {{ id: cluster_B, orgs: [org_2, org_3] }}
orgs:
  org_2: {{ regulation: {{ max_quantity: 500 }} }}
users:
  - {{ id: "org_1:100:user_1", org: org_1, ivms101: {{ name: "Jonas Weber", country: DE }} }}
  - {{ id: "org_2:100:treasury", org: org_2 }}
assets:
  - {{ id: "org_2:101:asset_1", org: org_2, shared_with: [org_1], balances: {{ "org_2:100:treasury": 1000 }} }}
protocol:
  regulation_order: {order}
flow:
  - transfer: {{ request_id: 1, user: "org_1:100:user_1", asset: "org_2:101:asset_1", quantity: 600,
                from: "org_2:100:treasury" }}
expect:
  - transfer: {{ request_id: 1, status: rejected, reason: regulation }}
"#
    )
}

fn main() {
    let simulator = Simulator::new().invariant("minimal_disclosure", minimal_disclosure);
    let mut verdicts = Vec::new();
    for order in ["seed", "rules_first"] {
        let scenario = simulator.parse(&format!("over-limit-{order}"), &scenario(order)).expect("a valid scenario");
        let outcome = simulator.run(&scenario, 0);
        let check = outcome.invariants.iter().find(|c| c.name == "minimal_disclosure").expect("reported");
        println!(
            "regulation_order: {order:11} minimal_disclosure {} — {}",
            if check.passed { "holds" } else { "BREAKS" },
            check.detail
        );
        verdicts.push(check.passed);
    }
    assert_eq!(verdicts, [false, true], "breaks in the seed's order, holds under rules_first");
}
