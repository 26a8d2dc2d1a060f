//! The thin actix layer: each sans-IO actor runs inside an actix actor whose only
//! handler passes one `Step` (virtual time + input) to it and returns its `Outbox`.
//! The network's driver is the only caller.

use crate::actors::byzantine::Byzantine;
use crate::actors::cluster_ledger::{ClusterLedger, LedgerSnapshot};
use crate::actors::organization::ledger_view::LedgerView;
use crate::actors::organization::Organization;
use crate::actors::outbox::{Input, Outbox};
use crate::actors::StateMachine;
use actix::{Actor, Context, Handler, Message};

/// One event for an actor, at a virtual time (microseconds).
#[derive(Debug)]
pub struct Step {
    /// Virtual time.
    pub now: u64,
    /// The input.
    pub input: Input,
}

impl Message for Step {
    type Result = Outbox;
}

/// Asks a ledger for its final state (for the checks).
#[derive(Debug)]
pub struct Snapshot;

impl Message for Snapshot {
    type Result = LedgerSnapshot;
}

/// At the end of a run, takes a ledger's final state (for the checks), handed over rather than
/// copied.
#[derive(Debug)]
pub struct FinalSnapshot;

impl Message for FinalSnapshot {
    type Result = LedgerSnapshot;
}

/// At the end of a run, takes an org's replica of its cluster's ledger (for the checks): the org
/// hands it over rather than a copy, since nothing runs after.
#[derive(Debug)]
pub struct ReplicaSnapshot;

impl Message for ReplicaSnapshot {
    type Result = LedgerView;
}

/// An org's state machine, honest or wrapped: it keeps a replica of its cluster's ledger.
pub trait HasReplica {
    /// The replica, handed over (the org keeps an empty one).
    fn take_replica(&mut self) -> LedgerView;
}

impl HasReplica for Organization {
    fn take_replica(&mut self) -> LedgerView {
        Organization::take_replica(self)
    }
}

impl<S: HasReplica> HasReplica for Byzantine<S> {
    fn take_replica(&mut self) -> LedgerView {
        self.inner_mut().take_replica()
    }
}

impl<T: Runs + HasReplica> Handler<ReplicaSnapshot> for Node<T> {
    type Result = actix::MessageResult<ReplicaSnapshot>;

    fn handle(&mut self, _: ReplicaSnapshot, _: &mut Context<Self>) -> Self::Result {
        actix::MessageResult(self.0.take_replica())
    }
}

/// Any actor of the simulation, behind actix.
pub struct Node<T>(pub T);

/// What a node's state machine must be to run behind actix.
pub trait Runs: StateMachine + Unpin + 'static {}

impl<T: StateMachine + Unpin + 'static> Runs for T {}

impl<T: Runs> Actor for Node<T> {
    type Context = Context<Self>;
}

impl<T: Runs> Handler<Step> for Node<T> {
    type Result = actix::MessageResult<Step>;

    fn handle(&mut self, step: Step, _: &mut Context<Self>) -> Self::Result {
        actix::MessageResult(self.0.handle(step.now, step.input))
    }
}

impl Handler<Snapshot> for Node<ClusterLedger> {
    type Result = actix::MessageResult<Snapshot>;

    fn handle(&mut self, _: Snapshot, _: &mut Context<Self>) -> Self::Result {
        actix::MessageResult(self.0.snapshot())
    }
}

impl Handler<FinalSnapshot> for Node<ClusterLedger> {
    type Result = actix::MessageResult<FinalSnapshot>;

    fn handle(&mut self, _: FinalSnapshot, _: &mut Context<Self>) -> Self::Result {
        actix::MessageResult(self.0.take_snapshot())
    }
}
