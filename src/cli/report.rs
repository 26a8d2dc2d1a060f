//! `finsim report`: a run's self-contained HTML report, written to a file claimed first.

use super::input;
use super::output::Output;

use crate::text::{clip, escape};

pub fn report(out: &Output, file: &str, seed: Option<u64>, output: Option<String>, csv: Option<String>) -> u8 {
    let scenario = match input::load(file) {
        Ok(scenario) => scenario,
        Err(error) => return super::invalid(&error),
    };
    // The default name comes from the file: it is made safe and kept in this directory.
    let target = output.unwrap_or_else(|| super::target::confined_name(&scenario.name, "report", "html"));
    let claim = match super::target::Target::claim(&target, "report", &[file]) {
        Ok(claim) => claim,
        Err(error) => {
            eprintln!("error: {error}");
            return super::INVALID;
        }
    };
    if let Some(dir) = &csv {
        if let Err(error) = super::evidence::prepare(dir, "the CSV tables") {
            eprintln!("error: {error}");
            return super::INVALID;
        }
    }
    let seed = seed.unwrap_or(scenario.seed);
    let report = crate::Simulator::new().report(&scenario, seed, file);
    if let Err(error) = claim.write_all(report.html.as_bytes()) {
        eprintln!("error: {error}");
        return super::INVALID;
    }
    let mut written = None;
    if let Some(dir) = &csv {
        let tables = report.csv(&scenario);
        if let Err(error) = super::evidence::write(dir, &tables) {
            eprintln!("error: {error}");
            return super::INVALID;
        }
        let names: Vec<&str> = tables.keys().map(String::as_str).collect();
        written = Some(format!("CSV tables written to {}: {}", input::shown(dir), names.join(", ")));
    }
    let verdict = if report.outcome.passed { "PASSED" } else { "FAILED" };
    out.line(&format!(
        "{verdict}: {} (seed {seed}); report written to {}",
        escape(&clip(&scenario.name, 200)),
        input::shown(&target)
    ));
    if let Some(written) = written {
        out.line(&written);
    }
    if report.outcome.passed {
        super::PASSED
    } else {
        super::FAILED
    }
}
