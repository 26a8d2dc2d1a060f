//! The `finsim` command. Thin: it parses arguments, reads files, and turns the
//! library's results into output and the contract's exit codes — 0 every check
//! passed, 1 a check failed, 2 the file or the arguments are invalid.

use clap::{Parser, Subcommand};
use finsim::scenario::{self, LoadError, Scenario};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "finsim", version, about = "A deterministic, actor-based simulator of FinP2P networks")]
struct Cli {
    /// With no command, finsim runs the bundled sample flow.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (no FILE: the bundled sample flow) and check its expectations and invariants.
    Run {
        /// The scenario file.
        file: Option<String>,
        /// Override the file's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Print the contract's JSON object instead of the readable account.
        #[arg(long)]
        json: bool,
        /// Write the canonical trace (JSON lines) to this file.
        #[arg(long, value_name = "FILE.jsonl")]
        trace: Option<String>,
    },
    /// Validate a scenario file without running it.
    Check {
        /// The scenario file.
        file: String,
    },
    /// Run a scenario once per seed and summarise (all cores by default).
    Sweep {
        /// The scenario file.
        file: String,
        /// The seeds, both ends included: A..B.
        #[arg(long, value_parser = finsim::sweep::parse_seeds)]
        seeds: std::ops::RangeInclusive<u64>,
        /// Worker threads (default: every core).
        #[arg(long)]
        jobs: Option<usize>,
        /// Print one JSON object instead of the readable summary.
        #[arg(long)]
        json: bool,
    },
}

const PASSED: u8 = 0;
const FAILED: u8 = 1;
const INVALID: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run { file: None, seed: None, json: false, trace: None });
    ExitCode::from(match command {
        Command::Run { file, seed, json, trace } => run(file, seed, json, trace),
        Command::Check { file } => check(&file),
        Command::Sweep { file, seeds, jobs, json } => sweep(&file, seeds, jobs, json),
    })
}

fn load(file: &str) -> Result<Scenario, LoadError> {
    let text =
        std::fs::read_to_string(file).map_err(|e| LoadError::Io { file: file.to_owned(), reason: e.to_string() })?;
    scenario::parse(file, &text)
}

fn check(file: &str) -> u8 {
    match load(file) {
        Ok(scenario) => {
            println!(
                "{file}: valid scenario `{}` ({} steps, {} expectations)",
                scenario.name,
                scenario.flow.len(),
                scenario.expect.len()
            );
            PASSED
        }
        Err(error) => {
            eprint!("{}", error.render());
            INVALID
        }
    }
}

fn run(file: Option<String>, seed: Option<u64>, json: bool, trace_file: Option<String>) -> u8 {
    let (path, loaded) = match &file {
        Some(path) => (path.clone(), load(path)),
        None => {
            (scenario::SAMPLE_FLOW_PATH.to_owned(), scenario::parse(scenario::SAMPLE_FLOW_PATH, scenario::SAMPLE_FLOW))
        }
    };
    let scenario = match loaded {
        Ok(scenario) => scenario,
        Err(error) => {
            eprint!("{}", error.render());
            return INVALID;
        }
    };
    let seed = seed.unwrap_or(scenario.seed);
    let outcome = finsim::run(&scenario, seed);
    if let Some(trace_file) = trace_file {
        if let Err(error) = std::fs::write(&trace_file, finsim::trace::to_jsonl(&outcome.trace)) {
            eprintln!("error: {trace_file}: cannot write the trace: {error}");
            return INVALID;
        }
    }
    if json {
        println!("{}", serde_json::to_string(&outcome).expect("an outcome always encodes"));
    } else {
        tracing_subscriber::fmt()
            .without_time()
            .with_target(false)
            .with_level(false)
            .with_ansi(false)
            .with_writer(|| QuietStdout(std::io::stdout()))
            .init();
        tracing::info!("scenario {} (seed {seed}): {}", scenario.name, scenario.description);
        for line in finsim::report::account(&outcome.trace).into_iter().chain(finsim::report::summary(&outcome, &path))
        {
            tracing::info!("{line}");
        }
    }
    if outcome.passed {
        PASSED
    } else {
        FAILED
    }
}

fn sweep(file: &str, seeds: std::ops::RangeInclusive<u64>, jobs: Option<usize>, json: bool) -> u8 {
    use std::io::IsTerminal;
    let scenario = match load(file) {
        Ok(scenario) => scenario,
        Err(error) => {
            eprint!("{}", error.render());
            return INVALID;
        }
    };
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let total = seeds.end() - seeds.start() + 1;
    // The bar is drawn on stdout, and only when stdout is a terminal: a pipe or a file gets the summary alone.
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
    let report = finsim::sweep::sweep(&scenario, seeds, jobs, &|| bar.inc(1));
    bar.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string(&report).expect("a sweep report always encodes"));
    } else {
        println!("sweep {file}: seeds {}..{} of `{}`", report.from, report.to, report.scenario);
        for run in report.runs.iter().filter(|r| !r.passed) {
            println!("seed {}: FAILED", run.seed);
            for check in &run.failed {
                println!("  - {}: {}", check.name, check.detail);
            }
            println!("  reproduce: finsim run {file} --seed {}", run.seed);
        }
        println!("{} passed, {} failed", report.passed, report.failed);
    }
    if report.failed == 0 {
        PASSED
    } else {
        FAILED
    }
}

/// Stdout that goes quiet when its reader has gone (`finsim run | head`), like any Unix tool.
struct QuietStdout(std::io::Stdout);

impl std::io::Write for QuietStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}
