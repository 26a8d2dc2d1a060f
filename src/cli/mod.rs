//! The binary's own modules: one per subcommand, and reading input files and writing standard
//! output. Only the CLI does file I/O; the library parses text and returns values. `main.rs`
//! parses the arguments and dispatches.

pub mod check;
pub mod evidence;
pub mod explore;
pub mod generate;
pub mod input;
pub mod output;
pub mod report;
pub mod run;
pub mod shrink;
pub mod suite;
pub mod sweep;
pub mod target;

use finsim::scenario::LoadError;
use finsim::text::escape;

/// Every expectation and invariant held.
pub const PASSED: u8 = 0;
/// A check failed.
pub const FAILED: u8 = 1;
/// The input or the arguments are invalid.
pub const INVALID: u8 = 2;

/// The most worker threads a sweep starts.
pub const MAX_JOBS: u64 = 256;

/// `--jobs`: a whole number, at least 1.
pub fn parse_jobs(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("a sweep needs at least one worker: give 1 or more".to_owned()),
        Ok(jobs) => Ok(jobs),
        Err(_) => Err(format!("`{}` is not a number of workers", escape(text))),
    }
}

/// The workers to start: `--jobs`, else every core; never more than `MAX_JOBS`.
pub fn workers(jobs: Option<u64>) -> u64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    jobs.unwrap_or(cores).min(MAX_JOBS)
}

pub fn invalid(error: &LoadError) -> u8 {
    eprint!("{}", error.render());
    INVALID
}
