//! An issue, from both sides.
//!
//! Asset's managing org: the step's command is its own decision. The checks come in order —
//! permission (the receiver's org is this org or one the asset is shared with), then the
//! regulation checks on the receiver's IVMS-101 data, which it asks of the receiver's org with a
//! get that carries the issue — and the mint is fed to the cluster ledger (the sale machinery of
//! `transfer`, with an issue's deal). The receiver's org is told the final status, rejections
//! included, with the tx id and, when settled, the proof.
//!
//! Receiver's org: it gives the receiver's data for an issue that names its user and that it does
//! not know to be final, and records the final status it is told, once, acknowledging every copy.

use super::exchange::{ExchangeKind, OperationExchange};
use super::transfer::{proves, DataAsked, Deal, Refusal, Terms};
use super::{Arrival, Organization, Receives, Starts};
use crate::actors::note::{Change, Discard, Note};
use crate::actors::outbox::Outbox;
use crate::actors::user::Signs;
use crate::crypto::Hash32;
use crate::protocol::cause::Cause;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{OrgId, ResourceId};
use crate::protocol::message::{Account, Body, Settlement};
use crate::protocol::operation::{IssueCommand, IssueGet, IssueNotice, IssueOrder, Operation};
use crate::protocol::status::Status;
use std::sync::Arc;

impl Organization {
    /// The issue step at the asset's managing org.
    fn start_issue(&mut self, request_id: u64, command: IssueCommand, out: &mut Outbox) {
        let IssueCommand { asset, to, quantity } = command;
        if self.state.sales.contains_key(&request_id) {
            return;
        }
        let finid = self.cfg.dir.user_finids.get(&to).cloned().unwrap_or_default();
        let issue = IssueOrder { asset, to: Account { id: to.clone(), finid }, quantity };
        let tx_id = Hash32::of_parts(&[&request_id.to_be_bytes(), b"issue", self.cfg.id.as_str().as_bytes()]);
        let (operation, org) = (Operation::Issue, self.cfg.id.clone());
        out.note(Note::OperationStarted { operation, org, request_id, account: to.clone() });
        out.note(Note::TxCreated { org: self.cfg.id.clone(), request_id, tx_id });
        let check = self.check_issue_permission(&issue);
        self.open_sale(request_id, to.org, Deal::Issue(issue), tx_id, check, out);
    }

    /// The asset is managed here, the receiver is a known account, and its org is this org or
    /// one the asset is shared with.
    fn check_issue_permission(&self, issue: &IssueOrder) -> Result<(), Refusal> {
        let (asset, to) = (&issue.asset, &issue.to.id);
        let denied = |cause: Cause| Err(Box::new((Status::Denied, cause)));
        if asset.org != self.cfg.id || !self.cfg.setup.assets.contains_key(asset) {
            return denied(Cause::NotManaged { org: self.cfg.id.clone(), asset: asset.clone() });
        }
        if !self.cfg.dir.user_finids.contains_key(to) {
            return denied(Cause::NotAnAccount { account: to.clone(), org: to.org.clone() });
        }
        if to.org != self.cfg.id && !self.cfg.dir.shared_with(asset, &to.org) {
            return denied(Cause::NotShared { asset: asset.clone(), org: to.org.clone() });
        }
        Ok(())
    }

    /// The receiver's org is asked for the receiver's data: it gives it only to the asset's
    /// managing org, for an issue to its own user that it does not know to be final.
    fn answer_issue_get(&mut self, request_id: u64, from: OrgId, get: IssueGet, out: &mut Outbox) {
        let issue = &get.issue;
        let pending =
            issue.asset.org == from && issue.to.id.org == self.cfg.id && !self.state.notices.contains_key(&request_id);
        let data = if pending { self.document_for(&issue.to.id, &issue.asset, &from) } else { (Status::Denied, None) };
        self.send_user_data(request_id, from, issue.to.id.clone(), data, out);
    }

    /// The asset's managing org says how an issue to one of this org's users ended. Recorded
    /// once; every copy is acknowledged.
    fn on_issue_notice(
        &mut self,
        request_id: u64,
        from: OrgId,
        notice: IssueNotice,
        cause: &Arc<Envelope>,
        out: &mut Outbox,
    ) {
        let IssueNotice { issue, settlement } = notice;
        let entitled = issue.asset.org == from
            && issue.to.id.org == self.cfg.id
            && self.cfg.setup.users.contains_key(&issue.to.id);
        if !entitled {
            out.note(self.discarded(cause, Discard::Unentitled));
            return;
        }
        // A settled issue needs a proof of its own mint.
        let mint = |issue| Deal::Issue(issue).ledger_tx(request_id, settlement.tx_id, &from);
        if settlement.status == Status::Ok && !proves(&settlement, &mint(issue)) {
            out.note(self.discarded(cause, Discard::UnboundProof));
            return;
        }
        if let std::collections::btree_map::Entry::Vacant(entry) = self.state.notices.entry(request_id) {
            entry.insert(settlement.proof.clone());
            out.note(Note::OperationFinal {
                operation: Operation::Issue,
                org: self.cfg.id.clone(),
                request_id,
                settled: settlement.status == Status::Ok,
                reason: settlement.status,
                cause: settlement.cause.clone(),
                proof: settlement.proof.clone(),
            });
            self.record_proven(&settlement);
            self.changed(Change::FinalStatus, cause, out);
        }
        out.send(self.message(request_id, Self::to_org(&from), Body::SettlementAck));
    }
}

#[cfg(test)]
mod tests;

impl Terms for IssueOrder {
    fn operation(&self) -> Option<Operation> {
        Some(Operation::Issue)
    }
    fn asset(&self) -> &ResourceId {
        &self.asset
    }
    fn quantity(&self) -> u64 {
        self.quantity
    }
    /// None: the tokens are new.
    fn debited(&self) -> Option<&ResourceId> {
        None
    }
    fn credited(&self) -> Option<&ResourceId> {
        Some(&self.to.id)
    }
    /// The receiver.
    fn subject(&self) -> Option<&ResourceId> {
        self.credited()
    }
    /// The receiver's org, with a get that carries the issue.
    fn data_asked(&self) -> DataAsked {
        let get = Box::new(Body::IssueGet(IssueGet { issue: self.clone() }));
        DataAsked::Request(get, ExchangeKind::Operation(OperationExchange::IssueGet))
    }
    /// The receiver's org did not ask: its notice carries the issue.
    fn notice(&self, settlement: Settlement) -> (Body, ExchangeKind) {
        let notice = Body::IssueNotice(IssueNotice { issue: self.clone(), settlement });
        (notice, ExchangeKind::Operation(OperationExchange::IssueNotice))
    }
}

/// No user signs an issue: its bodies are between orgs.
impl Signs for IssueGet {
    fn to_sign(&self, _: Option<&str>) -> Option<Hash32> {
        None
    }
}

/// No user signs an issue: its bodies are between orgs.
impl Signs for IssueNotice {
    fn to_sign(&self, _: Option<&str>) -> Option<Hash32> {
        None
    }
}

/// The issue step starts at the asset's managing org.
impl Starts for IssueCommand {
    fn start(self, org: &mut Organization, _: u64, request_id: u64, out: &mut Outbox) {
        org.start_issue(request_id, self, out);
    }
}

/// The receiver's org answers the managing org's get.
impl Receives for IssueGet {
    fn receive(self, org: &mut Organization, arrival: Arrival<'_>, out: &mut Outbox) {
        if let Some(from) = arrival.org(org, out) {
            org.answer_issue_get(arrival.request_id, from, self, out);
        }
    }
}

/// The receiver's org records how the issue ended.
impl Receives for IssueNotice {
    fn receive(self, org: &mut Organization, arrival: Arrival<'_>, out: &mut Outbox) {
        if let Some(from) = arrival.org(org, out) {
            org.on_issue_notice(arrival.request_id, from, self, arrival.envelope, out);
        }
    }
}
