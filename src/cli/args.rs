//! The command line: every subcommand, its arguments and its help (clap's derive).

use clap::{Parser, Subcommand};

const EXIT_CODES: &str = "Exit codes: 0 every expectation and invariant held; 1 a check failed; \
2 the file or the arguments are invalid, or the output could not be written.";

#[derive(Parser)]
#[command(
    name = "finsim",
    version,
    about = "A deterministic, actor-based simulator of FinP2P networks",
    after_help = "Examples:\n  finsim                                   run the bundled sample flow\n  \
finsim run scenarios/three-clusters.yaml --seed 7\n  \
finsim sweep scenarios/faults/chaos.yaml --seeds 0..199\n\n\
The scenario format: docs/scenario-format.md. Exit codes: 0 passed, 1 a check failed, 2 invalid input."
)]
pub(super) struct Cli {
    /// With no command, finsim runs the bundled sample flow.
    #[command(subcommand)]
    pub(super) command: Option<Command>,
}

#[derive(Subcommand)]
pub(super) enum Command {
    /// Run a scenario (no FILE: the bundled sample flow) and check its expectations and invariants.
    #[command(after_help = format!(
        "Examples:\n  finsim run\n  finsim run scenarios/faults/chaos.yaml --seed 7 --json\n  \
finsim run scenarios/three-clusters.yaml --trace run.jsonl\n  \
finsim run scenarios/faults/chaos.yaml --evidence chaos-pack\n\n{EXIT_CODES}"
    ))]
    Run {
        /// The scenario file.
        file: Option<String>,
        /// Override the file's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Print the contract's JSON object instead of the readable account.
        #[arg(long)]
        json: bool,
        /// Write the canonical trace (JSON lines) to this file (opened before the run).
        #[arg(long, value_name = "FILE.jsonl")]
        trace: Option<String>,
        /// Also write an evidence pack to this directory (created; it must not exist or be empty):
        /// the scenario, outcome, trace, public keys, every signed message, the block roots and the
        /// proofs, with a manifest of their SHA-256 (see docs/evidence.md).
        #[arg(long, value_name = "DIR")]
        evidence: Option<String>,
        /// Replay this schedule (written by `finsim explore`) instead of the timed run: the file's
        /// faults are left out and its events happen in the schedule's order (docs/exploration.md).
        #[arg(long, value_name = "SCHEDULE.json", conflicts_with = "evidence")]
        schedule: Option<String>,
    },
    /// Print a scenario of a given size (a deterministic function of the arguments) to run or to keep.
    #[command(
        after_help = "Examples:\n  finsim generate --orgs 20 --clusters 4 --users 40 --assets 20 --transfers 1000 > big.yaml\n  \
finsim generate --orgs 1000 --clusters 100 --users 2000 --assets 1000 --transfers 100000 --faults light > huge.yaml\n\n\
Orgs are dealt round-robin into clusters, users and assets round-robin over the orgs; each transfer is of a \
user to an asset another org manages (drawn from --seed), one every 2 ms. Without faults, every transfer must \
settle and every balance is expected; with faults, the invariants every run checks (every transfer final, \
tokens conserved, settled at most once). Exit codes: 0 printed; 2 arguments that cannot make a scenario."
    )]
    Generate {
        /// Organizations (at least --clusters).
        #[arg(long, value_name = "N")]
        orgs: usize,
        /// Clusters.
        #[arg(long, value_name = "C")]
        clusters: usize,
        /// Users.
        #[arg(long, value_name = "U")]
        users: usize,
        /// Assets.
        #[arg(long, value_name = "A")]
        assets: usize,
        /// Transfer steps.
        #[arg(long, value_name = "T")]
        transfers: usize,
        /// The network's faults.
        #[arg(long, value_enum, default_value = "none")]
        faults: crate::generate::Faults,
        /// The scenario's seed (also what the transfers are drawn from).
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Explore every order of a flow's deliveries (and, with --drops, losses) and check every end state.
    #[command(after_help = "Examples:\n  finsim explore scenarios/advertise-then-transfer.yaml\n  \
finsim explore scenarios/explore/balance-while-settling.yaml --json\n  \
finsim explore my.yaml --drops 1 --max-states 200000 -o found.schedule.json\n\n\
Latencies are forgotten and the file's faults left out: every order in which the messages in flight can be \
delivered, every moment a ledger can close a block, and up to --drops losses of transmissions between orgs. A \
timeout fires only when nothing is in flight. Every invariant and expectation is checked in every end state; \
the first failing schedule found with the fewest events is written as JSON for `finsim run FILE --schedule`. \
docs/exploration.md says what is explored and how.\n\
Exit codes: 0 every check holds in every end state; 1 a check fails in some end state (schedule written); 2 \
invalid input; 3 --max-states ran out first (the counts are a bound, not a verdict).")]
    Explore {
        /// The scenario file.
        file: String,
        /// Override the file's seed (the keys messages are signed with on replay).
        #[arg(long)]
        seed: Option<u64>,
        /// Transmissions between orgs that may be lost along one order.
        #[arg(long, value_name = "K", default_value_t = 0)]
        drops: u32,
        /// The most distinct states to visit (at least 1).
        #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
        max_states: u64,
        /// Explore every order, without pruning those that only swap commuting deliveries.
        #[arg(long)]
        no_reduction: bool,
        /// Print one JSON object instead of the readable lines.
        #[arg(long)]
        json: bool,
        /// Where to write a counterexample (default: `<stem>.schedule.json` beside FILE).
        #[arg(short = 'o', long, value_name = "SCHEDULE.json")]
        output: Option<String>,
    },
    /// Run a scenario and write a self-contained HTML report of it, for a reader who does not program.
    #[command(after_help = format!(
        "Examples:\n  finsim report scenarios/advertise-then-transfer.yaml -o report.html\n  \
finsim report scenarios/faults/chaos.yaml --seed 7 -o chaos.html\n\n\
The page needs nothing but itself (CSS and SVG inline, no script) and prints as it shows.\n{EXIT_CODES}"
    ))]
    Report {
        /// The scenario file.
        file: String,
        /// Override the file's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Where to write the page (default: the scenario's name with `.html`, in this directory).
        #[arg(short = 'o', long, value_name = "OUT.html")]
        output: Option<String>,
        /// Also write every operation, check and disclosure as CSV (operations.csv, checks.csv,
        /// disclosures.csv) into this new or empty directory.
        #[arg(long, value_name = "DIR")]
        csv: Option<String>,
    },
    /// Validate a scenario file without running it.
    #[command(
        after_help = "Examples:\n  finsim check scenarios/three-clusters.yaml\n  finsim check my.yaml --json\n\n\
--json prints {\"file\", \"valid\": true, \"scenario\", \"steps\", \"expectations\", \"seeds\"} or {\"file\", \
\"valid\": false, \"problems\": [{\"line\", \"column\", \"message\", \"help\"}]} (line and column from 1; 0 when the \
file could not be read).\nExit codes: 0 the file is a valid scenario; 2 it is not, or cannot be read."
    )]
    Check {
        /// The scenario file.
        file: String,
        /// Print one JSON object instead of the readable line.
        #[arg(long)]
        json: bool,
    },
    /// Re-check an evidence pack: manifest, signatures, signed transfers, proofs, IVMS-101 documents,
    /// and a re-run of its scenario that must give every file again, byte for byte.
    #[command(
        name = "verify-evidence",
        after_help = "Example:\n  finsim verify-evidence chaos-pack\n\nExit codes: 0 everything holds; 1 something \
does not (each named with its file and line); 2 DIR is not an evidence pack."
    )]
    VerifyEvidence {
        /// The pack's directory (written by `finsim run FILE --evidence DIR`).
        dir: String,
    },
    /// Compare two runs: evidence packs or trace files.
    #[command(after_help = "Examples:\n  finsim diff pack-seed-1 pack-seed-2\n  finsim diff a.jsonl b.jsonl\n\n\
Prints `identical` (exit 0) when the traces are equal; else the first diverging event (its index and both \
events), then, for packs, the expectations, invariants and final balances that differ (exit 1). Exit 2: \
an input is neither a pack nor a trace file.")]
    Diff {
        /// An evidence pack's directory, or a trace file.
        a: String,
        /// The other.
        b: String,
    },
    /// Run every scenario under PATHS at its seeds, as a CI suite (all cores by default).
    #[command(after_help = "Examples:\n  finsim test\n  finsim test scenarios/ --junit junit.xml\n  \
finsim test scenarios/faults/chaos.yaml --seeds 0..999 --shard 2/4 --json > shard-2.json\n  \
finsim test scenarios/ --corpus .finsim-corpus --fail-fast\n\n\
A case is a (file, seed): the seeds are --seeds, else the file's `seeds: \"A..B\"`, else its `seed`. Cases \
run in (path, seed) order; each failing case is printed with the checks that failed and its reproduce line, as \
soon as every earlier case is done, so the output does not depend on --jobs. The last line is `N passed, M failed`.\n\
Exit codes: 0 every case passed; 1 a case failed; 2 a file is invalid (each named with its line and column; the \
valid files still run), or an argument or output is.")]
    Test {
        /// Scenario files, and directories searched recursively for `*.yaml` (default: scenarios).
        paths: Vec<String>,
        /// Run every file at these seeds, both ends included: A..B (instead of its own).
        #[arg(long, value_parser = crate::sweep::parse_seeds)]
        seeds: Option<std::ops::RangeInclusive<u64>>,
        /// Worker threads (default: every core; at most MAX_JOBS).
        #[arg(long, value_parser = super::parse_jobs)]
        jobs: Option<u64>,
        /// Print one JSON object: {"cases": [{"file", "seed", "passed", "digest", "failed"}], "passed", "failed"}.
        #[arg(long)]
        json: bool,
        /// Also write JUnit XML to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<String>,
        /// Run only shard K of N: the cases at positions K-1, K-1+N, ... of the (path, seed) order.
        #[arg(long, value_name = "K/N", value_parser = crate::suite::parse_shard)]
        shard: Option<(usize, usize)>,
        /// Record each failing case in DIR; the next run with DIR runs them first, and removes those that pass.
        #[arg(long, value_name = "DIR")]
        corpus: Option<String>,
        /// Stop starting cases after the first failure.
        #[arg(long)]
        fail_fast: bool,
    },
    /// Shrink a scenario that fails at a seed to a smallest file that still fails the same check.
    #[command(after_help = "Examples:\n  finsim shrink scenarios/faults/chaos.yaml --seed 17\n  \
finsim shrink big.yaml --seed 3 --check agreement -o small.yaml\n\n\
Delta debugging over the file's parts (flow steps, expectations, links, fault entries, probabilities, users, \
assets, orgs, clusters): every candidate is a valid scenario run at the same seed, and the result is 1-minimal: \
no single part can be removed without losing the failure. OUT starts with a comment naming FILE, the seed and \
the check; it prints the sizes before and after.\n\
Exit codes: 0 OUT written; 1 FILE passes at that seed (or does not fail --check); 2 FILE or an argument is \
invalid, or OUT cannot be written.")]
    Shrink {
        /// The failing scenario file.
        file: String,
        /// The seed it fails at.
        #[arg(long)]
        seed: u64,
        /// The check to keep failing, by name (default: the first check it fails).
        #[arg(long, value_name = "NAME")]
        check: Option<String>,
        /// Keep the check failing with the same detail (what it saw), not only by name.
        #[arg(long)]
        same_detail: bool,
        /// Where to write the smaller file (default: `<stem>.min.yaml` beside FILE).
        #[arg(short = 'o', long, value_name = "OUT")]
        output: Option<String>,
    },
    /// Print the JSON Schema (draft 2020-12) of the scenario format, for editors and validators.
    #[command(after_help = "Examples:\n  finsim schema > scenario.schema.json\n\n\
Every valid scenario validates against it; an unknown key or a value of the wrong type does not. Rules across \
values (names that must be declared, intervals that must end after they start) are `finsim check`'s. The \
repository keeps a copy in docs/scenario.schema.json, which each bundled scenario names on its first line for \
editors (yaml-language-server). Exit code 0.")]
    Schema,
    /// Join the `finsim test --json` results of shards into one report.
    #[command(after_help = "Examples:\n  finsim merge shard-1.json shard-2.json shard-3.json shard-4.json\n  \
finsim merge shard-*.json --junit junit.xml --json > all.json\n\n\
Prints each failing case and `N passed, M failed`, as `finsim test` does. Exit codes: 0 every case passed; 1 a \
case failed; 2 a shard recorded an invalid file, an input is not `finsim test --json` output, or two inputs hold \
the same case (overlapping shards).")]
    Merge {
        /// The shards' JSON files.
        #[arg(required = true)]
        inputs: Vec<String>,
        /// Print the merged JSON object instead of the readable lines.
        #[arg(long)]
        json: bool,
        /// Also write JUnit XML of the merged results to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<String>,
    },
    /// Run a scenario once per seed and report each failing seed as it is found (all cores by default).
    #[command(after_help = format!(
        "Examples:\n  finsim sweep scenarios/faults/chaos.yaml --seeds 0..199\n  \
finsim sweep scenarios/faults/chaos.yaml --seeds 0..999 --jobs 2 --json\n\n\
Failing seeds are printed in seed order as soon as every earlier seed is done, so the output does not \
depend on --jobs.\n{EXIT_CODES}"
    ))]
    Sweep {
        /// The scenario file.
        file: String,
        /// The seeds, both ends included: A..B.
        #[arg(long, value_parser = crate::sweep::parse_seeds)]
        seeds: std::ops::RangeInclusive<u64>,
        /// Worker threads (default: every core; never more than the seeds, nor than MAX_JOBS).
        #[arg(long, value_parser = super::parse_jobs)]
        jobs: Option<u64>,
        /// Print one JSON object instead of the readable summary.
        #[arg(long)]
        json: bool,
    },
}
