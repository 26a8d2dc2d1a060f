//! Variant `status_query`: a buyer's org that has the tx id but no final status when its
//! wait for the settlement times out asks every org of the asset's cluster how the
//! transaction ended (a broadcast with the scenario's quorum). Each member answers from its
//! replica: settled at a height with the Merkle path, or unknown. A quorum that says settled,
//! for this transfer's own ledger transaction and with a path that replays to the block
//! root, makes the transfer final `settled` with a Chainpoint proof built from the answers;
//! otherwise the buyer's org asks again on its next timeout, within its retries.
//!
//! Without it (the seed), a buyer's org whose asset's org settled and then stayed down
//! concludes `timeout` while the ledger holds the transfer (`agreement` breaks).

use super::exchange::{ExchangeKey, ExchangeKind};
use super::query::{Question, Verdict};
use super::transfer::proof_node_id;
use super::Organization;
use crate::actors::note::{Change, Finding, Note, Tally};
use crate::actors::outbox::Outbox;
use crate::crypto::chainpoint::{ChainpointProof, ProofInputs};
use crate::crypto::merkle;
use crate::protocol::cause::Cause;
use crate::protocol::ids::OrgId;
use crate::protocol::message::{Body, SettledAt, Settlement, StatusAnswer, StatusQuery};
use crate::protocol::status::Status;

impl Organization {
    /// The buyer's wait for the settlement of `request_id` timed out (and the transfer was
    /// re-sent): under `status_query`, also ask the asset's cluster.
    pub(super) fn query_status(&mut self, request_id: u64, out: &mut Outbox) {
        if !self.cfg.dir.protocol.status_query || self.state.broadcasts.get(&request_id).is_some_and(|b| b.is_open()) {
            return;
        }
        let Some(purchase) = self.state.purchases.get(&request_id).filter(|p| !p.is_final()) else { return };
        let Some(tx_id) = purchase.tx_id else { return };
        let cluster = self.cfg.dir.cluster_of[&purchase.asset.org].clone();
        let body = Body::StatusQuery(StatusQuery { tx_id });
        self.broadcast(request_id, cluster, Question::Status { tx_id }, ExchangeKind::Status, body, out);
    }

    /// A member answers from its replica. The buyer's org (the destination's org) and the
    /// asset's org may ask; any other org is answered `denied`.
    pub(super) fn answer_status(&mut self, request_id: u64, from: OrgId, query: StatusQuery, out: &mut Outbox) {
        let height = self.state.view.height();
        let (status, height, settled) = match self.state.view.settled_at(&query.tx_id) {
            Some((tx, _)) if tx.parties.0 != from && tx.parties.1 != from => (Status::Denied, height, None),
            Some((tx, at)) => (Status::Ok, tx.height, Some(at)),
            None => (Status::NotFound, height, None),
        };
        let body = Body::StatusAnswer(StatusAnswer { tx_id: query.tx_id, status, height, settled });
        out.send(self.message(request_id, Self::to_org(&from), body));
    }

    /// The status query's quorum was reached, or can no longer be.
    pub(super) fn on_status_resolved(
        &mut self,
        request_id: u64,
        verdict: Option<Verdict>,
        tally: Tally,
        out: &mut Outbox,
    ) {
        let (height, at) = match verdict {
            Some(Verdict::Status(Status::Ok, Some(settled))) => settled,
            other => {
                let finding = match other {
                    Some(Verdict::Status(status, _)) => Some(Finding::Answered(status)),
                    _ => None,
                };
                out.note(Note::StatusResult { org: self.cfg.id.clone(), request_id, settled: false, tally, finding });
                return;
            }
        };
        match self.proof_from(request_id, height, &at) {
            Some(Ok(proof)) => self.settled_by_status(request_id, height, proof, tally, out),
            Some(Err(finding)) => {
                let finding = Some(finding);
                out.note(Note::StatusResult { org: self.cfg.id.clone(), request_id, settled: false, tally, finding });
            }
            None => {}
        }
    }

    /// The proof of this purchase's own ledger transaction, built from a quorum's answers
    /// (`None` when there is no such purchase with a tx id: nothing to settle).
    fn proof_from(&self, request_id: u64, height: u64, at: &SettledAt) -> Option<Result<ChainpointProof, Finding>> {
        let purchase = self.state.purchases.get(&request_id)?;
        let tx_id = purchase.tx_id?;
        if purchase.ledger_tx(request_id, tx_id).hash() != at.tx_hash {
            return Some(Err(Finding::OtherTransaction));
        }
        if merkle::replay(at.tx_hash, &at.path) != at.root {
            return Some(Err(Finding::PathDiffers));
        }
        let cluster = self.cfg.dir.cluster_of[&purchase.asset.org].clone();
        Some(Ok(ChainpointProof::build(&ProofInputs {
            tx_hash: at.tx_hash,
            path: &at.path,
            cluster: cluster.as_str(),
            height,
            received_us: at.received_us,
            start_us: self.cfg.dir.protocol.clock.start_us,
            node_id: proof_node_id(self.cfg.dir.seed, request_id),
        })))
    }

    fn settled_by_status(
        &mut self,
        request_id: u64,
        height: u64,
        proof: ChainpointProof,
        tally: Tally,
        out: &mut Outbox,
    ) {
        let Some(purchase) = self.state.purchases.get_mut(&request_id) else { return };
        // A `timeout` is only what this org concluded from silence; a quorum's word replaces it.
        if purchase.final_status.as_ref().is_some_and(|s| s.status != Status::Timeout) {
            return;
        }
        let Some(tx_id) = purchase.tx_id else { return };
        let peer = purchase.asset.org.clone();
        let cluster = self.cfg.dir.cluster_of[&peer].clone();
        out.note(Note::StatusResult { org: self.cfg.id.clone(), request_id, settled: true, tally, finding: None });
        let cause = Cause::SettledByQuorum { cluster, height };
        let proof = std::sync::Arc::new(proof);
        let settlement = Settlement { tx_id, status: Status::Ok, cause, proof: Some(proof) };
        // A transfer's final note, or a redeem's.
        out.note(purchase.final_note(self.cfg.id.clone(), request_id, &settlement));
        let kind = purchase.exchange_kind();
        self.record_final(request_id, settlement);
        if let Some(cause) = self.state.broadcasts.get(&request_id).and_then(|b| b.last_answer.clone()) {
            self.changed(Change::FinalStatus, &cause, out);
        }
        self.state.exchanges.close(&ExchangeKey { request_id, peer, kind }, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::outbox::{Input, Outbox, Received};
    use crate::crypto::Hash32;
    use crate::protocol::ids::{ActorId, Address, ClusterId, ResourceId};
    use crate::protocol::keys;
    use crate::protocol::message::{BlockCommitted, Kind, LedgerTx, Order, SignResponse, TxAccepted};
    use std::sync::Arc;

    fn id(text: &str) -> ResourceId {
        ResourceId::parse(text).unwrap()
    }

    /// An org of the sample flow, seed 1, with `status_query` on.
    fn org(name: &str) -> Organization {
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        let mut dir = crate::sim::genesis::directory(&scenario, 1);
        dir.protocol.status_query = true;
        let org = OrgId::from(name);
        Organization::new(org.clone(), Arc::new(dir), crate::sim::genesis::org_setup(&scenario, &org))
    }

    fn deliver(from: ActorId, to: Address, request_id: u64, body: Body) -> Input {
        let message = crate::protocol::envelope::Message { request_id, from: from.clone(), to, body };
        Input::Receive(Received::sealed(message, &keys::actor_key(1, &from)))
    }

    fn org_id(name: &str) -> ActorId {
        ActorId::Org(OrgId::from(name))
    }

    /// The ledger transaction of the buyer's transfer 1 (tx id `[2; 32]`).
    fn settled_tx() -> LedgerTx {
        LedgerTx {
            request_id: 1,
            tx_id: Hash32([2; 32]),
            asset: id("org_2:101:asset_1"),
            source: id("org_2:100:treasury"),
            destination: id("org_1:100:user_1"),
            quantity: 100,
            submitter: OrgId::from("org_2"),
        }
    }

    fn status_queries(out: &Outbox) -> usize {
        out.sends.iter().filter(|s| s.outgoing.kind() == Kind::StatusQuery).count()
    }

    /// org_1 with transfer 1 accepted by org_2 (tx id `[2; 32]`); the armed wait's timer.
    fn buyer_waiting() -> (Organization, u64) {
        let mut buyer = org("org_1");
        let user = ActorId::User(id("org_1:100:user_1"));
        let me = Address::Actor(org_id("org_1"));
        let order = Order { asset: id("org_2:101:asset_1"), quantity: 100, seller: id("org_2:100:treasury") };
        buyer.handle(0, deliver(user.clone(), me.clone(), 1, Body::Order(order)));
        let signed = SignResponse { template_hash: Hash32([0; 32]), signature: vec![0; 64].into() };
        buyer.handle(0, deliver(user, me.clone(), 1, Body::SignResponse(signed)));
        let out =
            buyer.handle(0, deliver(org_id("org_2"), me, 1, Body::TxAccepted(TxAccepted { tx_id: Hash32([2; 32]) })));
        let timer = out.timers.last().expect("the wait is armed").0;
        (buyer, timer)
    }

    #[test]
    fn a_late_settlement_asks_the_cluster_once_while_the_query_is_open() {
        let (mut buyer, timer) = buyer_waiting();
        let out = buyer.handle(1_000_000, Input::Timer(timer));
        assert_eq!(status_queries(&out), 3, "every org of cluster_B");
        // The transfer's wait was re-armed first, before the members' exchanges.
        let transfer_timer = out.timers[0].0;
        let out = buyer.handle(2_000_000, Input::Timer(transfer_timer));
        assert!(out.sends.iter().any(|s| s.outgoing.kind() == Kind::Transfer && s.retry), "the transfer's wait fired");
        let again = out.sends.iter().filter(|s| s.outgoing.kind() == Kind::StatusQuery).count();
        assert_eq!(again, 0, "no second query while the first is open");
    }

    #[test]
    fn answers_about_another_transaction_count_for_nothing() {
        let (mut buyer, timer) = buyer_waiting();
        buyer.handle(1_000_000, Input::Timer(timer));
        let me = Address::Actor(org_id("org_1"));
        let mut results = 0;
        for member in ["org_3", "org_4"] {
            let answer = StatusAnswer { tx_id: Hash32([9; 32]), status: Status::NotFound, height: 0, settled: None };
            let out = buyer.handle(1_100_000, deliver(org_id(member), me.clone(), 1, Body::StatusAnswer(answer)));
            results += out.notes.iter().filter(|n| matches!(n, Note::StatusResult { .. })).count();
        }
        assert_eq!(results, 0, "no quorum of answers about tx [9; 32]");
    }

    #[test]
    fn only_the_buyers_org_and_the_assets_org_are_told_a_transactions_status() {
        let mut member = org("org_3");
        let tx = settled_tx();
        let block = BlockCommitted {
            index: 0,
            height: 1,
            root: tx.hash(),
            txs: [tx].into(),
            received_us: [5].into(),
            refused: [].into(),
        };
        let ledger = ActorId::Ledger(ClusterId::from("cluster_B"));
        member
            .handle(0, deliver(ledger, Address::Cluster(ClusterId::from("cluster_B")), 0, Body::BlockCommitted(block)));
        let me = Address::Actor(org_id("org_3"));
        for (asker, expected) in [("org_1", Status::Ok), ("org_2", Status::Ok), ("org_4", Status::Denied)] {
            let query = Body::StatusQuery(StatusQuery { tx_id: Hash32([2; 32]) });
            let out = member.handle(0, deliver(org_id(asker), me.clone(), 1, query));
            let answer = out.sends[0].outgoing.message().unwrap().clone();
            let Body::StatusAnswer(answer) = answer.body else { panic!("{answer:?}") };
            assert_eq!(answer.status, expected, "{asker}");
            assert_eq!(answer.settled.is_some(), expected == Status::Ok, "{asker}");
        }
    }

    #[test]
    fn a_quorum_that_says_settled_replaces_the_timeout_the_buyer_concluded() {
        let (mut buyer, timer) = buyer_waiting();
        let out = buyer.handle(1_000_000, Input::Timer(timer));
        let mut transfer_timer = out.timers[0].0;
        let mut timed_out = false;
        for attempt in 2..10 {
            let out = buyer.handle(attempt * 1_000_000, Input::Timer(transfer_timer));
            if out.notes.iter().any(|n| matches!(n, Note::TransferFinal { settled: false, .. })) {
                timed_out = true;
                break;
            }
            transfer_timer = out.timers[0].0;
        }
        assert!(timed_out, "the retries ran out");
        let tx = settled_tx();
        let at = SettledAt { tx_hash: tx.hash(), path: vec![], root: merkle::root(&[tx.hash()]), received_us: 5 };
        let me = Address::Actor(org_id("org_1"));
        let mut settled = false;
        for member in ["org_3", "org_4"] {
            let answer =
                StatusAnswer { tx_id: Hash32([2; 32]), status: Status::Ok, height: 1, settled: Some(at.clone()) };
            let out = buyer.handle(9_000_000, deliver(org_id(member), me.clone(), 1, Body::StatusAnswer(answer)));
            settled |= out.notes.iter().any(|n| matches!(n, Note::TransferFinal { settled: true, proof: Some(_), .. }));
        }
        assert!(settled, "the cluster's word replaces what silence suggested");
    }
}
