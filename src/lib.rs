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

pub mod actors;
pub mod check;
pub mod crypto;
pub mod evidence;
pub mod explore;
pub mod generate;
pub mod library;
pub mod lookup;
pub mod net;
pub mod outcome;
pub mod pool;
pub mod protocol;
pub mod report;
pub mod scenario;
pub mod sentences;
pub mod shrink;
pub mod sim;
pub mod suite;
pub mod sweep;
pub mod text;
pub mod trace;

pub use library::run;
pub use outcome::Outcome;
