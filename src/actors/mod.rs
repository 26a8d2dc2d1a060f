//! The actors: `Organization` (a FinP2P node), `ClusterLedger` (a cluster's DLT)
//! and `User` (the application of one user). Each is a sans-IO state machine that
//! records its effects in an `Outbox`; `adapter` wraps each in a thin actix actor.
//! No actor calls another: everything they send crosses the network.

pub mod adapter;
pub mod cluster_ledger;
pub mod directory;
pub mod escrow;
pub mod organization;
pub mod outbox;
pub mod user;

pub use outbox::{Command, Input, Note, Outbox, TimerId};
