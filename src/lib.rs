//! finsim: a deterministic, actor-based simulator of FinP2P networks.
//!
//! A scenario file (`scenario::parse`) describes clusters of organizations, users,
//! assets, the network and its faults, a flow of protocol steps and the expected
//! outcome. `run` simulates it — every organization, cluster ledger and user an
//! actix actor exchanging signed, typed messages over a simulated network in
//! virtual time — and checks the expectations and invariants. The same scenario and
//! seed give the same trace, byte for byte, on any machine.
//!
//! ```no_run
//! let scenario = finsim::scenario::parse("sample.yaml", finsim::scenario::SAMPLE_FLOW).unwrap();
//! let outcome = finsim::run(&scenario, scenario.seed);
//! assert!(outcome.passed);
//! ```
//!
//! The public API is the front layer ([`Simulator`], the one way in to a run, a stream, a replay, a
//! script, a sweep, an exploration, a report and an evidence pack; the modules of what they hand back:
//! [`outcome`], [`library`], [`explore`], [`evidence`], [`report`], [`shrink`], [`sweep`],
//! [`suite`], [`generate`]), the scenario it reads ([`scenario`]), the vocabulary its results are
//! written in (the wire: [`protocol`] and [`crypto`]; the trace and the nodes' notes: [`trace`]),
//! the command line ([`cli::main`]), and [`prelude`], what a protocol designer needs in one
//! import. The state machines, the engine, the network, the checks' machinery and the worker
//! pool are `pub(crate)`; each of their types a public item shows is re-exported beside it. The
//! modules are layered (`docs/architecture.md`, held by a test).

// Every type a public item shows is one a caller can name: a module made crate-private must not
// hide a type the public API hands out.
#![warn(unnameable_types)]

pub(crate) mod actors;
pub(crate) mod check;
pub mod cli;
pub mod crypto;
pub mod evidence;
pub mod explore;
pub mod generate;
pub mod library;
pub(crate) mod lookup;
pub(crate) mod net;
pub mod outcome;
pub(crate) mod pool;
pub mod protocol;
pub mod report;
pub mod scenario;
pub(crate) mod sentences;
pub mod shrink;
pub(crate) mod sim;
pub mod simulator;
pub mod suite;
pub mod sweep;
pub(crate) mod text;
pub mod trace;

#[cfg(test)]
mod tests;

pub use outcome::Outcome;
pub use simulator::{run, Simulator};

/// What a protocol designer needs, in one import: parse a scenario, run it (plainly, with custom
/// misbehaviours and invariants, or step by step with faults injected), and read the outcome.
///
/// ```
/// use finsim::prelude::*;
///
/// let simulator = Simulator::new().invariant("no_retry", |run: &Evidence<'_>| match run.outcome_stats.retries {
///     0 => Ok("no exchange was re-sent".to_owned()),
///     n => Err(format!("{n} re-sends")),
/// });
/// let scenario: Scenario = simulator.parse("sample", SAMPLE_FLOW).unwrap();
/// let outcome: Outcome = simulator.run(&scenario, 0);
/// let checks: Vec<&Check> = outcome.invariants.iter().filter(|c| c.name == "no_retry").collect();
/// assert!(checks[0].passed, "{}", checks[0].detail);
/// ```
pub mod prelude {
    pub use crate::check::Check;
    pub use crate::library::{Act, Cause, Context, Evidence, Invariant, Misbehaviour, Script, ScriptError};
    pub use crate::outcome::Outcome;
    pub use crate::run;
    pub use crate::scenario::{parse, LoadError, Scenario, SAMPLE_FLOW};
    pub use crate::sim::{Budget, Settings};
    pub use crate::Simulator;
}
