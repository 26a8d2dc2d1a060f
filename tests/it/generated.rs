//! Generated scenarios: random topologies, flows and faults, all valid by
//! construction. Whatever they are, a run finishes without panicking, its counts
//! balance, and the safety invariants hold.

use proptest::prelude::*;
use std::fmt::Write;

#[derive(Debug, Clone)]
pub struct Shape {
    clusters: Vec<usize>,
    steps: Vec<(u8, usize, usize, usize, u64)>,
    quorum: u8,
    drop: f64,
    crash: Option<(usize, u64, Option<u64>)>,
    byzantine: Option<(usize, u8)>,
    block_ms: u64,
}

pub fn shape() -> impl Strategy<Value = Shape> {
    (
        proptest::collection::vec(0usize..4, 1..4),
        proptest::collection::vec((0u8..6, 0usize..64, 0usize..64, 0usize..64, 1u64..700), 0..8),
        0u8..3,
        0.0f64..0.3,
        proptest::option::of((0usize..64, 0u64..1500, proptest::option::of(1u64..2000))),
        proptest::option::of((0usize..64, 0u8..5)),
        1u64..400,
    )
        .prop_map(|(clusters, steps, quorum, drop, crash, byzantine, block_ms)| Shape {
            clusters,
            steps,
            quorum,
            drop,
            crash,
            byzantine,
            block_ms,
        })
}

/// Writes a valid scenario of the given shape: every org has a user; the first org of each cluster with
/// any org manages an asset shared with every org; steps pick among them.
pub fn scenario_text(shape: &Shape) -> Option<String> {
    let mut orgs = Vec::new();
    let mut text = String::from("name: generated\nclusters:\n");
    for (c, size) in shape.clusters.iter().enumerate() {
        let members: Vec<String> = (0..*size).map(|i| format!("o{c}_{i}")).collect();
        writeln!(text, "  - {{ id: c{c}, orgs: [{}] }}", members.join(", ")).ok()?;
        orgs.extend(members.into_iter().map(|m| (m, c)));
    }
    if orgs.is_empty() {
        return None;
    }
    text.push_str("users:\n");
    for (org, _) in &orgs {
        writeln!(text, "  - {{ id: \"{org}:100:u\", org: {org}, ivms101: {{ name: \"U {org}\", country: GB }} }}")
            .ok()?;
    }
    let managers: Vec<&String> = orgs.iter().filter(|(o, _)| o.ends_with("_0")).map(|(o, _)| o).collect();
    let all: Vec<&str> = orgs.iter().map(|(o, _)| o.as_str()).collect();
    text.push_str("assets:\n");
    for manager in &managers {
        writeln!(text, "  - {{ id: \"{manager}:101:a\", org: {manager}, shared_with: [{}], data: {{ n: 1 }}, balances: {{ \"{manager}:100:u\": 1000 }} }}", all.join(", ")).ok()?;
    }
    writeln!(text, "ledger: {{ block_ms: {} }}", shape.block_ms).ok()?;
    text.push_str("flow:\n");
    let pick = |i: usize| &orgs[i % orgs.len()];
    for (n, (kind, a, b, c, quantity)) in shape.steps.iter().enumerate() {
        let (asker, cluster) = pick(*a);
        let manager = managers[*b % managers.len()];
        let (buyer, _) = pick(*c);
        let at = if n % 3 == 2 { format!(", at_ms: {}", quantity) } else { String::new() };
        let line = match kind {
            0 => format!("get: {{ org: {asker}, resource: \"{manager}:101:a\", accept: application/json{at} }}"),
            1 => format!("verify: {{ org: {asker}, cluster: c{cluster}, resource: \"{manager}:101:a\"{at} }}"),
            2 | 3 => format!("transfer: {{ request_id: {n}, user: \"{buyer}:100:u\", asset: \"{manager}:101:a\", quantity: {quantity}, from: \"{manager}:100:u\"{at} }}"),
            4 => format!("balance: {{ org: {asker}, cluster: c{cluster}, account: \"{buyer}:100:u\", asset: \"{manager}:101:a\"{at} }}"),
            _ => format!("advertise: {{ org: {manager}, asset: \"{manager}:101:a\", to: [{asker}]{at} }}"),
        };
        writeln!(text, "  - {line}").ok()?;
    }
    let quorum = ["any", "majority", "all"][shape.quorum as usize];
    writeln!(text, "protocol: {{ quorum: {quorum}, timeout_ms: 300, retries: 3 }}").ok()?;
    writeln!(text, "faults:\n  drop: {}", shape.drop).ok()?;
    if let Some((org, at, restart)) = shape.crash {
        let restart = restart.map(|r| format!(", restart_ms: {}", at + r)).unwrap_or_default();
        writeln!(text, "  crashes:\n    - {{ org: {}, at_ms: {at}{restart} }}", pick(org).0).ok()?;
    }
    if let Some((org, behaviour)) = shape.byzantine {
        let behaviour = ["wrong_balance", "wrong_hash", "forge_signature", "silent", "replay"][behaviour as usize];
        writeln!(text, "  byzantine:\n    - {{ org: {}, behaviour: {behaviour} }}", pick(org).0).ok()?;
    }
    Some(text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_scenarios_run_to_the_end_and_stay_safe(shape in shape(), seed in any::<u64>()) {
        let Some(text) = scenario_text(&shape) else { return Ok(()) };
        let scenario = finsim::scenario::parse("generated.yaml", &text).map_err(|e| TestCaseError::fail(format!("{}\n{text}", e.render())))?;
        let outcome = finsim::run(&scenario, seed);
        let s = outcome.stats;
        prop_assert_eq!(s.sent + s.duplicated, s.delivered + s.dropped, "{}", text);
        for name in ["conservation", "exactly_once", "authenticity", "valid_proofs"] {
            let check = outcome.invariants.iter().find(|c| c.name == name).unwrap();
            prop_assert!(check.passed, "{} broke (seed {}): {}\n{}", name, seed, check.detail, text);
        }
        prop_assert!(outcome.invariants.iter().all(|c| c.name != "finished"), "the run did not go quiet\n{}", text);
    }
}
