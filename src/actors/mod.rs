//! The actors: `Organization` (a FinP2P node), `ClusterLedger` (a cluster's DLT)
//! and `User` (the application of one user). Each is a sans-IO state machine that
//! records its effects in an `Outbox`; `sim::adapter` wraps each in a thin actix actor.
//! No actor calls another: everything they send crosses the network.

pub(crate) mod boundary;
pub mod byzantine;
pub mod cluster_ledger;
pub mod directory;
pub(crate) mod escrow;
pub mod note;
pub mod organization;
pub mod outbox;
pub mod plan;
pub(crate) mod user;

pub use outbox::{Input, Outbox, TimerId};

/// A sans-IO actor: one input at a virtual time in, its effects out. No runtime: the actix
/// adapter (`sim::adapter`) drives it in a run, and a test or another driver may call it directly.
pub trait StateMachine {
    /// Handles one input at virtual time `now` (microseconds).
    fn handle(&mut self, now: u64, input: Input) -> Outbox;
}

impl StateMachine for organization::Organization {
    fn handle(&mut self, now: u64, input: Input) -> Outbox {
        organization::Organization::handle(self, now, input)
    }
}

impl StateMachine for cluster_ledger::ClusterLedger {
    fn handle(&mut self, now: u64, input: Input) -> Outbox {
        cluster_ledger::ClusterLedger::handle(self, now, input)
    }
}

impl StateMachine for user::User {
    fn handle(&mut self, now: u64, input: Input) -> Outbox {
        user::User::handle(self, now, input)
    }
}
