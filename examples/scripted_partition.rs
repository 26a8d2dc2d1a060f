//! A scripted run: the sample flow, with cluster_A cut from cluster_B mid-transfer, then
//! repaired; assertions between the steps. Crash and restart work the same way.
//!
//! Run with `cargo run --example scripted_partition`.

use finsim::Simulator;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let simulator = Simulator::new();
    let scenario = simulator.parse("sample", finsim::scenario::SAMPLE_FLOW)?;
    let mut script = simulator.script(&scenario, 0);

    // Let the advertisement, get and verify through, and the transfer start.
    script.run_until_ms(30);
    script.partition(&[&["cluster_A"], &["cluster_B"]])?;
    script.run_until_ms(1_500);
    assert!(script.transfer(10101).is_none(), "cut off from the asset's org, the transfer is not final");
    let lost = script.trace().iter().filter(|r| format!("{:?}", r.event).contains("Partition")).count();
    println!("{:>8.3} ms  partitioned: {lost} transmission(s) lost so far", script.now_ms());

    script.repair();
    script.crash("org_4")?;
    script.run_until_ms(4_000);
    script.restart("org_4")?;
    let outcome = script.finish();
    println!(
        "transfer 10101: {:?}",
        outcome.expectations.iter().find(|c| c.name.starts_with("transfer")).map(|c| &c.detail)
    );
    println!("retries: {}, dropped: {}", outcome.stats.retries, outcome.stats.dropped);
    assert!(outcome.passed, "{:?}", outcome.failures());
    assert!(outcome.stats.retries > 0 && lost > 0);
    Ok(())
}
