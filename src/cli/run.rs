//! `finsim run`: one run, its readable account or JSON, its trace, evidence pack or replayed schedule.

use super::input;
use super::output::Output;
use crate::scenario;
use crate::text::{clip, escape};
use std::io::Write;

/// What `finsim run` was asked.
pub struct RunArgs {
    /// The scenario (the bundled sample flow when none).
    pub file: Option<String>,
    /// The seed, over the file's.
    pub seed: Option<u64>,
    /// One JSON object instead of the readable account.
    pub json: bool,
    /// Where to write the trace.
    pub trace_file: Option<String>,
    /// Where to write an evidence pack.
    pub evidence: Option<String>,
    /// A schedule to replay.
    pub schedule: Option<String>,
}

pub fn run(out: &Output, args: RunArgs) -> u8 {
    let RunArgs { file, seed, json, trace_file, evidence, schedule } = args;
    let (path, bytes) = match &file {
        Some(path) => match input::read_scenario(path) {
            Ok(bytes) => (path.clone(), bytes),
            Err(error) => return super::invalid(&error),
        },
        None => (scenario::SAMPLE_FLOW_PATH.to_owned(), scenario::SAMPLE_FLOW.as_bytes().to_vec()),
    };
    let scenario = match scenario::parse_bytes(&path, &bytes) {
        Ok(scenario) => scenario,
        Err(error) => return super::invalid(&error),
    };
    if let Some(dir) = &evidence {
        if let Err(error) = super::evidence::prepare(dir, "the evidence pack") {
            eprintln!("error: {error}");
            return super::INVALID;
        }
    }
    // The trace file is claimed before the run: a path that cannot be written is an error now,
    // not after the run, and no file this call reads (the scenario, the schedule) is overwritten.
    let inputs: Vec<&str> = file.iter().chain(schedule.iter()).map(String::as_str).collect();
    let mut claim = match trace_file.as_deref().map(|t| super::target::Target::claim(t, "trace", &inputs)).transpose() {
        Ok(claim) => claim,
        Err(error) => {
            eprintln!("error: {error}");
            return super::INVALID;
        }
    };
    // A replay's reproduce line names its schedule.
    let shown = match &schedule {
        Some(file) => format!("{path} --schedule {file}"),
        None => path.clone(),
    };
    let schedule = match schedule.as_deref().map(super::explore::read_schedule).transpose() {
        Ok(schedule) => schedule,
        Err(error) => {
            eprintln!("error: {error}");
            return super::INVALID;
        }
    };
    let seed = seed.or(schedule.as_ref().map(|s| s.seed)).unwrap_or(scenario.seed);
    // Emptied only now that every input has been read.
    let trace = match claim.as_mut().map(super::target::Target::writer).transpose() {
        Ok(trace) => trace,
        Err(error) => {
            eprintln!("error: {error}");
            return super::INVALID;
        }
    };
    let account = (!json).then(|| account_dispatch(out));
    let header = |dispatch: &tracing::Dispatch| {
        tracing::dispatcher::with_default(dispatch, || {
            let description = scenario.description.split_whitespace().collect::<Vec<_>>().join(" ");
            let name = clip(&scenario.name, 200);
            tracing::info!("scenario {name} (seed {seed}): {}", escape(&clip(&description, 2000)));
        })
    };
    let mut trace = trace.map(|writer| (writer, Ok(())));
    let streamed = evidence.is_none() && schedule.is_none();
    let outcome = match (&evidence, &schedule) {
        (_, Some(schedule)) => match crate::Simulator::new().replay(&scenario, seed, schedule) {
            Ok(outcome) => outcome,
            Err(misfit) => {
                eprintln!("error: the schedule does not fit {}: {}", escape(&path), escape(&misfit.to_string()));
                return super::INVALID;
            }
        },
        // The trace file and the account are written as the run goes; the run keeps no trace.
        (None, None) => {
            if let Some(dispatch) = &account {
                header(dispatch);
            }
            let mut readable = crate::report::Account::default();
            let mut lines = Vec::new();
            let mut tap = |record: &crate::trace::Record, line: &[u8]| {
                if let Some((writer, written @ Ok(()))) = &mut trace {
                    *written = writer.write_all(line);
                }
                if let Some(dispatch) = &account {
                    readable.push(record, &mut lines);
                    tracing::dispatcher::with_default(dispatch, || {
                        for line in lines.drain(..) {
                            tracing::info!("{}", escape(&line));
                        }
                    });
                }
            };
            crate::Simulator::new().stream(&scenario, seed, &mut tap)
        }
        (Some(dir), None) => {
            let (outcome, material) = crate::Simulator::new().evidence(&scenario, seed);
            if let Err(error) = super::evidence::write(dir, &crate::evidence::files(&bytes, &outcome, &material)) {
                eprintln!("error: {error}");
                return super::INVALID;
            }
            outcome
        }
    };
    if let Some((writer, written)) = &mut trace {
        // A kept trace (a replay's, an evidence run's) is written now.
        let kept = std::mem::replace(written, Ok(())).and_then(|()| {
            outcome.trace.iter().try_for_each(|record| {
                serde_json::to_writer(&mut *writer, record).map_err(std::io::Error::from)?;
                writer.write_all(b"\n")
            })
        });
        if let Err(error) = kept.and_then(|()| writer.flush()) {
            let name = trace_file.as_deref().unwrap_or_default();
            eprintln!("error: {}: cannot write the trace: {error}", escape(name));
            return super::INVALID;
        }
    }
    if let Some(dispatch) = &account {
        if !streamed {
            header(dispatch);
        }
        tracing::dispatcher::with_default(dispatch, || {
            let lines =
                crate::report::account(&outcome.trace).into_iter().chain(crate::report::summary(&outcome, &shown));
            for line in lines {
                tracing::info!("{}", escape(&line));
            }
        });
    } else {
        out.line(&serde_json::to_string(&outcome).unwrap_or_default());
    }
    if outcome.passed {
        super::PASSED
    } else {
        super::FAILED
    }
}

/// Where the readable account goes: `tracing` lines on the output (virtual time is part of each
/// line; no wall clock).
pub fn account_dispatch(out: &Output) -> tracing::Dispatch {
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .without_time()
        .with_target(false)
        .with_level(false)
        .with_ansi(false)
        .with_writer(move || writer.writer())
        .finish();
    tracing::Dispatch::new(subscriber)
}
