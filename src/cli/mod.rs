//! The `finsim` command: [`main`] parses the arguments (`args`) and dispatches to the
//! subcommand's module, which reads files and turns the library's results into output and the
//! contract's exit codes — 0 every check passed, 1 a check failed, 2 the file or the arguments are
//! invalid (or output the user asked for could not be written). Only this layer does file I/O;
//! the rest of the library parses text and returns values. The binary (`src/main.rs`) only calls
//! [`main`].

mod args;
mod check;
mod evidence;
mod explore;
mod generate;
mod input;
mod output;
mod report;
mod run;
mod shrink;
mod suite;
mod sweep;
mod target;

use crate::scenario::LoadError;
use crate::text::escape;
use args::{Cli, Command};
use clap::Parser;
use output::Output;
use std::io::Write;
use std::process::ExitCode;

/// Every expectation and invariant held.
pub(crate) const PASSED: u8 = 0;
/// A check failed.
pub(crate) const FAILED: u8 = 1;
/// The input or the arguments are invalid.
pub(crate) const INVALID: u8 = 2;

/// The most worker threads a sweep starts.
pub(crate) const MAX_JOBS: u64 = 256;

/// `--jobs`: a whole number, at least 1.
pub(crate) fn parse_jobs(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("a sweep needs at least one worker: give 1 or more".to_owned()),
        Ok(jobs) => Ok(jobs),
        Err(_) => Err(format!("`{}` is not a number of workers", escape(text))),
    }
}

/// The workers to start: `--jobs`, else every core; never more than `MAX_JOBS`.
pub(crate) fn workers(jobs: Option<u64>) -> u64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    jobs.unwrap_or(cores).min(MAX_JOBS)
}

pub(crate) fn invalid(error: &LoadError) -> u8 {
    eprint!("{}", error.render());
    INVALID
}

/// Runs the `finsim` command on this process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    // clap's own errors quote the arguments: written here, line by line, through the text policy,
    // so that an argument holding a control or reordering character is shown escaped.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let text = error.render().to_string();
            let shown: Vec<String> = text.lines().map(|line| escape(line).into_owned()).collect();
            // A reader that went away (`finsim --help | head -1`) is not an error.
            let _ = if error.use_stderr() {
                writeln!(std::io::stderr().lock(), "{}", shown.join("\n"))
            } else {
                writeln!(std::io::stdout().lock(), "{}", shown.join("\n"))
            };
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(INVALID));
        }
    };
    let command = cli.command.unwrap_or(Command::Run {
        file: None,
        seed: None,
        json: false,
        trace: None,
        evidence: None,
        schedule: None,
    });
    let out = Output::default();
    let code = match command {
        Command::Run { file, seed, json, trace, evidence, schedule } => {
            run::run(&out, run::RunArgs { file, seed, json, trace_file: trace, evidence, schedule })
        }
        Command::Generate { orgs, clusters, users, assets, transfers, faults, seed } => {
            let spec = crate::generate::Spec { orgs, clusters, users, assets, transfers, faults, seed };
            generate::generate(&out, &spec)
        }
        Command::Explore { file, seed, drops, max_states, no_reduction, json, output } => {
            let args = explore::ExploreArgs { file, seed, drops, max_states, no_reduction, json, output };
            explore::explore(&out, args)
        }
        Command::Check { file, json } => check::check(&out, &file, json),
        Command::VerifyEvidence { dir } => evidence::verify(&out, &dir),
        Command::Report { file, seed, output, csv } => report::report(&out, &file, seed, output, csv),
        Command::Diff { a, b } => evidence::diff(&out, &a, &b),
        Command::Sweep { file, seeds, jobs, json } => sweep::sweep(&out, &file, seeds, jobs, json),
        Command::Test { paths, seeds, jobs, json, junit, shard, corpus, fail_fast } => {
            let jobs = workers(jobs) as usize;
            let args = suite::TestArgs { paths, seeds, jobs, json, junit, shard, corpus, fail_fast };
            suite::test(&out, args)
        }
        Command::Shrink { file, seed, check, same_detail, output } => {
            let keep = crate::shrink::Keep { check: check.as_deref(), same_detail };
            shrink::shrink(&out, &file, seed, &keep, output)
        }
        Command::Schema => generate::schema(&out),
        Command::Merge { inputs, json, junit } => suite::merge(&out, &inputs, json, junit.as_deref()),
    };
    ExitCode::from(match out.finish() {
        Ok(()) => code,
        Err(error) => {
            eprintln!("error: cannot write to standard output: {error}");
            INVALID
        }
    })
}
