//! `finsim explore` and the schedules it writes (`finsim run --schedule` reads them).

use super::input;
use super::output::Output;
use crate::explore::schedule::Schedule;
use crate::explore::{Exploration, Options};
use crate::text::escape;

/// The exit code of an exploration that ran out of `--max-states` with no failure found.
pub const BOUNDED: u8 = 3;

/// What `finsim explore` was asked.
pub struct ExploreArgs {
    /// The scenario file.
    pub file: String,
    /// Override the file's seed (the keys).
    pub seed: Option<u64>,
    /// Losses allowed along one path.
    pub drops: u32,
    /// The most states visited.
    pub max_states: u64,
    /// Without the reduction.
    pub no_reduction: bool,
    /// JSON instead of lines.
    pub json: bool,
    /// Where to write a counterexample.
    pub output: Option<String>,
}

/// Explores a file; exit 0 clean, 1 a check fails somewhere, 2 invalid input, 3 bounded.
pub fn explore(out: &Output, args: ExploreArgs) -> u8 {
    let scenario = match input::load(&args.file) {
        Ok(scenario) => scenario,
        Err(error) => {
            eprint!("{}", error.render());
            return super::INVALID;
        }
    };
    let target = args.output.clone().unwrap_or_else(|| {
        let path = std::path::Path::new(&args.file);
        let stem = path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy());
        path.with_file_name(format!("{stem}.schedule.json")).display().to_string()
    });
    // Claimed now: a path that cannot be written, or that names the scenario, is an error before
    // the search, not after it. (Removed again when no counterexample is written.)
    let claim = match super::target::Target::claim(&target, "schedule", &[&args.file]) {
        Ok(claim) => claim,
        Err(error) => {
            eprintln!("error: {error}");
            return super::INVALID;
        }
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    let options = Options { drops: args.drops, max_states: args.max_states, reduction: !args.no_reduction };
    let exploration = crate::Simulator::new().explore(&scenario, seed, options);
    let written = match &exploration.counterexample {
        None => None,
        Some(schedule) => match write_schedule(claim, schedule) {
            Ok(()) => Some(target),
            Err(error) => {
                eprintln!("error: {error}");
                return super::INVALID;
            }
        },
    };
    if args.json {
        let mut value = serde_json::to_value(&exploration).unwrap_or_default();
        value["unreached"] = crate::sim::coverage::unreached_json(&exploration.coverage);
        value["kinds"] = crate::sim::coverage::kinds_json();
        value["counterexample"] = written.as_deref().map_or(serde_json::Value::Null, |t| t.into());
        out.line(&value.to_string());
    } else {
        account(out, &args.file, &exploration, written.as_deref(), args.max_states);
    }
    if !exploration.failures.is_empty() {
        super::FAILED
    } else if !exploration.complete {
        BOUNDED
    } else {
        super::PASSED
    }
}

fn write_schedule(claim: super::target::Target, schedule: &Schedule) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(schedule).map_err(|e| e.to_string())?;
    text.push('\n');
    claim.write_all(text.as_bytes())
}

fn account(out: &Output, file: &str, e: &Exploration, written: Option<&str>, max_states: u64) {
    let reduction = if e.reduction { "with" } else { "without" };
    out.line(&format!(
        "explored {} (seed {}, up to {} drop(s), {reduction} reduction): {} states, {} moves, {} distinct end \
         state(s), the longest {} events",
        escape(&crate::text::clip(&e.scenario, 200)),
        e.seed,
        e.drops,
        e.states,
        e.transitions,
        e.end_states,
        e.max_depth
    ));
    for failure in &e.failures {
        out.line(&format!(
            "FAILED in {} of {} end states: {}: {}",
            failure.end_states,
            e.end_states,
            escape(&failure.check),
            escape(&failure.detail)
        ));
    }
    if let Some(target) = written {
        out.line(&format!(
            "counterexample written to {}; replay it: finsim run {} --schedule {}",
            escape(target),
            escape(file),
            escape(target)
        ));
    }
    if !e.complete {
        out.line(&format!(
            "stopped at --max-states {} before every order was explored: the counts are a bound, not a verdict",
            max_states
        ));
    } else if e.failures.is_empty() {
        out.line("every invariant and expectation holds in every end state");
    }
}

/// Reads a schedule file: its JSON, or an error in finsim's words with its line and column.
pub fn read_schedule(file: &str) -> Result<Schedule, String> {
    let kind = input::Kind::Schedule;
    let text = input::read_text(file, kind).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| input::json_error(file, &e, kind).to_string())
}
