//! `finsim sweep`: one run per seed on the worker pool, in seed order.

use super::input;
use super::output::Output;

use crate::text::{clip, escape};

pub fn sweep(out: &Output, file: &str, seeds: std::ops::RangeInclusive<u64>, jobs: Option<u64>, json: bool) -> u8 {
    use std::io::IsTerminal;
    let scenario = match input::load(file) {
        Ok(scenario) => scenario,
        Err(error) => return super::invalid(&error),
    };
    let total = crate::sweep::count(&seeds);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let asked = jobs.unwrap_or(cores);
    let workers = asked.min(total).min(super::MAX_JOBS);
    if jobs.is_some() && workers < asked {
        let why = if workers == total { "the number of seeds" } else { "the most finsim starts" };
        eprintln!("note: --jobs {asked} lowered to {workers}, {why}");
    }
    // The bar is drawn on stdout, and only when stdout is a terminal: a pipe or a file gets the lines alone.
    let bar = if !json && std::io::stdout().is_terminal() {
        let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stdout());
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {elapsed} elapsed, eta {eta}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let file_shown = input::shown(file);
    let (from, to) = (*seeds.start(), *seeds.end());
    if json {
        out.line(&format!(
            "{{\"scenario\":{},\"from\":{from},\"to\":{to},\"runs\":[",
            serde_json::Value::from(scenario.name.clone())
        ));
    } else {
        out.line(&format!("sweep {file_shown}: seeds {from}..{to} of `{}`", clip(&scenario.name, 200)));
    }
    let mut first = true;
    let mut on_result = |result: &crate::sweep::SeedResult| {
        bar.inc(1);
        if json {
            let comma = if first { "" } else { "," };
            first = false;
            out.line(&format!("{comma}{}", serde_json::to_string(result).unwrap_or_default()));
        } else if !result.passed {
            bar.suspend(|| {
                out.line(&format!("seed {}: FAILED", result.seed));
                for check in &result.failed {
                    out.line(&format!("  - {}: {}", check.name, escape(&check.detail)));
                }
                out.line(&format!("  reproduce: finsim run {file_shown} --seed {}", result.seed));
            });
        }
        !out.is_closed()
    };
    let summary = match crate::Simulator::new().sweep(&scenario, seeds, workers as usize, &mut on_result) {
        Ok(summary) => summary,
        Err(error) => {
            eprintln!("error: cannot start a worker thread: {error}");
            return super::INVALID;
        }
    };
    bar.finish_and_clear();
    if json {
        out.line(&format!("],\"passed\":{},\"failed\":{}}}", summary.passed, summary.failed));
    } else {
        out.line(&format!("{} passed, {} failed", summary.passed, summary.failed));
    }
    if summary.failed == 0 {
        super::PASSED
    } else {
        super::FAILED
    }
}
