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

pub use note::Note;
pub use outbox::{Command, Input, Outbox, TimerId};
use std::fmt::Debug;
use std::hash::Hash;

/// A sans-IO actor: one input at a virtual time in, its effects out. No runtime: the actix
/// adapter (`sim::adapter`) drives it in a run, and a test or another driver may call it directly.
pub trait StateMachine {
    /// Handles one input at virtual time `now` (microseconds).
    fn handle(&mut self, now: u64, input: Input) -> Outbox;
}

/// A state machine whose state can be copied, compared and hashed apart from its fixed
/// configuration (shared behind an `Arc`): what an explorer of delivery orders keeps per
/// visited state, as stateright does. Cloning the machine clones its state only.
pub trait Stateful: StateMachine + Clone {
    /// What its handlers change.
    type State: Clone + Eq + Hash + Debug;
    /// Its state now.
    fn state(&self) -> &Self::State;
}

impl Stateful for organization::Organization {
    type State = organization::OrgState;
    fn state(&self) -> &Self::State {
        organization::Organization::state(self)
    }
}

impl Stateful for cluster_ledger::ClusterLedger {
    type State = cluster_ledger::LedgerState;
    fn state(&self) -> &Self::State {
        cluster_ledger::ClusterLedger::state(self)
    }
}

impl Stateful for user::User {
    type State = user::UserState;
    fn state(&self) -> &Self::State {
        user::User::state(self)
    }
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
