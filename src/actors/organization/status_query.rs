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
use crate::actors::outbox::{Note, Outbox};
use crate::crypto::chainpoint::{ChainpointProof, ProofInputs};
use crate::crypto::merkle;
use crate::protocol::ids::OrgId;
use crate::protocol::message::{Body, SettledAt, Settlement, StatusAnswer, StatusQuery};
use crate::protocol::status::Status;

impl Organization {
    /// The buyer's wait for the settlement of `request_id` timed out (and the transfer was
    /// re-sent): under `status_query`, also ask the asset's cluster.
    pub(super) fn query_status(&mut self, request_id: u64, out: &mut Outbox) {
        if !self.dir.protocol.status_query || self.broadcasts.get(&request_id).is_some_and(|b| b.is_open()) {
            return;
        }
        let Some(purchase) = self.purchases.get(&request_id).filter(|p| !p.is_final()) else { return };
        let Some(tx_id) = purchase.tx_id else { return };
        let cluster = self.dir.cluster_of[&purchase.asset.org].clone();
        let body = Body::StatusQuery(StatusQuery { tx_id });
        self.broadcast(request_id, cluster, Question::Status { tx_id }, ExchangeKind::Status, body, out);
    }

    /// A member answers from its replica. The buyer's org (the destination's org) and the
    /// asset's org may ask; any other org is answered `denied`.
    pub(super) fn answer_status(&mut self, request_id: u64, from: OrgId, query: StatusQuery, out: &mut Outbox) {
        let height = self.view.height();
        let (status, height, settled) = match self.view.settled_at(&query.tx_id) {
            Some((tx, _)) if tx.tx.destination.org != from && tx.tx.asset.org != from => (Status::Denied, height, None),
            Some((tx, at)) => (Status::Ok, tx.height, Some(at)),
            None => (Status::NotFound, height, None),
        };
        let body = Body::StatusAnswer(StatusAnswer { tx_id: query.tx_id, status, height, settled });
        out.send(self.seal(request_id, Self::to_org(&from), body));
    }

    /// The status query's quorum was reached, or can no longer be.
    pub(super) fn on_status_resolved(
        &mut self,
        request_id: u64,
        verdict: Option<Verdict>,
        summary: String,
        out: &mut Outbox,
    ) {
        let (height, at) = match verdict {
            Some(Verdict::Status(Status::Ok, Some(settled))) => settled,
            other => {
                let detail = match other {
                    Some(Verdict::Status(status, _)) => format!("{summary}: answered {}", status.word()),
                    _ => summary,
                };
                out.note(Note::StatusResult { org: self.id.clone(), request_id, settled: false, detail });
                return;
            }
        };
        match self.proof_from(request_id, height, &at) {
            Ok(proof) => self.settled_by_status(request_id, height, proof, summary, out),
            Err(why) => {
                let detail = format!("{summary}, but {why}");
                out.note(Note::StatusResult { org: self.id.clone(), request_id, settled: false, detail });
            }
        }
    }

    /// The proof of this purchase's own ledger transaction, built from a quorum's answers.
    fn proof_from(&self, request_id: u64, height: u64, at: &SettledAt) -> Result<ChainpointProof, &'static str> {
        let purchase = self.purchases.get(&request_id).ok_or("no such transfer")?;
        let tx_id = purchase.tx_id.ok_or("no tx id")?;
        if purchase.ledger_tx(request_id, tx_id).hash() != at.tx_hash {
            return Err("the transaction answered is not this transfer's");
        }
        if merkle::replay(at.tx_hash, &at.path) != at.root {
            return Err("the Merkle path does not lead to the block root");
        }
        let cluster = self.dir.cluster_of[&purchase.asset.org].clone();
        Ok(ChainpointProof::build(&ProofInputs {
            tx_hash: at.tx_hash,
            path: &at.path,
            cluster: cluster.as_str(),
            height,
            received_us: at.received_us,
            node_id: proof_node_id(self.dir.seed, request_id),
        }))
    }

    fn settled_by_status(
        &mut self,
        request_id: u64,
        height: u64,
        proof: ChainpointProof,
        summary: String,
        out: &mut Outbox,
    ) {
        let Some(purchase) = self.purchases.get_mut(&request_id) else { return };
        // A `timeout` is only what this org concluded from silence; a quorum's word replaces it.
        if purchase.final_status.as_ref().is_some_and(|s| s.status != Status::Timeout) {
            return;
        }
        let Some(tx_id) = purchase.tx_id else { return };
        let peer = purchase.asset.org.clone();
        let cluster = self.dir.cluster_of[&peer].clone();
        out.note(Note::StatusResult { org: self.id.clone(), request_id, settled: true, detail: summary });
        let detail = format!("settled on {cluster} at height {height}, as a quorum of {cluster} answered");
        out.note(Note::TransferFinal {
            org: self.id.clone(),
            request_id,
            settled: true,
            reason: Status::Ok,
            detail: detail.clone(),
            proof: Some(proof.clone()),
        });
        purchase.final_status = Some(Settlement { tx_id, status: Status::Ok, detail, proof: Some(proof) });
        if let Some(cause) = self.broadcasts.get(&request_id).and_then(|b| b.last_answer.clone()) {
            self.changed("recorded a transfer's final status", &cause, out);
        }
        self.exchanges.close(&ExchangeKey { request_id, peer, kind: ExchangeKind::Transfer }, out);
    }
}
