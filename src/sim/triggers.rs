//! The faults a scenario starts on an event (`on: { settled: REQUEST_ID }`, `on: { instruction:
//! { plan, n } }`): each waits for the block that holds its transaction to close, and starts
//! then, once. The engine looks for them in the blocks a ledger sends.

use crate::actors::outbox::Outbox;
use crate::crypto::Hash32;
use crate::protocol::message::Body;
use crate::scenario::{Crash, Partition, Scenario, Trigger};
use std::collections::BTreeMap;

/// A fault to start.
#[derive(Clone, Debug)]
pub(crate) enum Fault {
    /// A partition, with its duration as its `until_us`.
    Partition(Partition),
    /// A crash, with the time it stays down (if it restarts) as its `restart_us`.
    Crash(Crash),
}

/// What a fault waits for: a request's transaction, or a plan instruction's (by its tx id).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Awaited {
    Request(u64),
    Transaction(Hash32),
}

/// The faults not started yet, by what they wait for (in file order within one event).
#[derive(Debug, Default)]
pub(crate) struct Triggers {
    waiting: BTreeMap<Awaited, Vec<Fault>>,
}

impl Triggers {
    /// The faults of `scenario` that start on an event (an instruction that is no transaction, an
    /// `await`, never happens: its faults never start).
    pub(crate) fn of(scenario: &Scenario) -> Self {
        let plan_tx = |plan: u64, n: u32| scenario.plans().find(|p| p.id == plan)?.ledger_tx(n, 0).map(|tx| tx.tx_id);
        let awaited = |trigger: &Trigger| match trigger {
            Trigger::Settled(request_id) => Some(Awaited::Request(*request_id)),
            Trigger::Instruction { plan, n } => plan_tx(*plan, *n).map(Awaited::Transaction),
        };
        let mut waiting: BTreeMap<Awaited, Vec<Fault>> = BTreeMap::new();
        for partition in &scenario.faults.partitions {
            if let Some(on) = partition.on.as_ref().and_then(awaited) {
                waiting.entry(on).or_default().push(Fault::Partition(partition.clone()));
            }
        }
        for crash in &scenario.faults.crashes {
            if let Some(on) = crash.on.as_ref().and_then(awaited) {
                waiting.entry(on).or_default().push(Fault::Crash(crash.clone()));
            }
        }
        Self { waiting }
    }

    /// Whether no fault waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The faults whose event a ledger's outbox shows (a block it closed holds their
    /// transaction), each taken once.
    pub(crate) fn fired(&mut self, out: &Outbox) -> Vec<Fault> {
        let mut fired = Vec::new();
        for send in &out.sends {
            let Some(message) = send.outgoing.message() else { continue };
            let Body::BlockCommitted(block) = &message.body else { continue };
            for tx in block.txs.iter() {
                for key in [Awaited::Request(tx.request_id), Awaited::Transaction(tx.tx_id)] {
                    fired.extend(self.waiting.remove(&key).unwrap_or_default());
                }
            }
        }
        fired
    }
}
