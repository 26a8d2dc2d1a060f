//! Execution plans at an org, in every role: the coordinator that proposes and drives a plan
//! (its decisions are `actors::plan::coordinator`'s), an executor that approves and runs its
//! own instructions on its ledger (`actors::plan::executor`), a source's org that asks its
//! users for their consent, and a receiver's org that gives a receiver's data to an executor
//! of a plan naming them. `docs/plans.md` tells the protocol.

use super::exchange::{ExchangeKey, ExchangeKind};
use super::transfer::proof_node_id;
use super::Organization;
use crate::actors::note::{Note, SuspectReason};
use crate::actors::outbox::{Outbox, TimerId};
use crate::actors::plan::coordinator::{self, Coordinator};
use crate::actors::plan::executor::{self, Execution, Progress};
use crate::crypto::chainpoint::{ChainpointProof, ProofInputs};
use crate::crypto::Hash32;
use crate::protocol::envelope::{Envelope, Message};
use crate::protocol::ids::{ActorId, Address, OrgId, ResourceId, TextPieces};
use crate::protocol::message::{BlockCommitted, Body, GetResponse, Kind, SignResponse};
use crate::protocol::plan::{
    Consent, ConsentRequest, Instructs, Plan, PlanApproval, PlanConsents, PlanExecute, PlanFinal, PlanGet,
    PlanProposal, PlanResult, PlanRollback, PlanStatus, PlanSubmit, SignedBytes,
};
use crate::protocol::status::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A plan this org coordinates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Coordination {
    machine: Coordinator,
    hash: Hash32,
    /// Every executor's approval, as it signed it.
    approvals: BTreeMap<OrgId, SignedBytes>,
    /// Every consent that verified.
    consents: BTreeMap<ResourceId, Consent>,
    /// The instruction sent and not yet answered.
    sent: Option<u32>,
    /// Holds whose rollback is asked and not answered, by executor.
    rolling: BTreeMap<OrgId, BTreeSet<u32>>,
    /// How many times the instruction sent was answered `pending`.
    pending_answers: u32,
    /// When the plan's timeout falls (virtual µs).
    deadline_us: u64,
}

/// A plan at one of its executors: (coordinator, request id).
type ExecutionKey = (OrgId, u64);

/// A plan this org executes instructions of.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct ExecutorSide {
    execution: Execution,
    hash: Hash32,
    coordinator: OrgId,
    /// Its verdict on its own instructions, once made: `None` approved.
    verdict: Option<Option<(u32, Status)>>,
    /// The receivers whose IVMS-101 data it still needs, in order, and the documents got.
    to_fetch: Vec<ResourceId>,
    documents: BTreeMap<ResourceId, Option<Arc<str>>>,
    /// The proof of each of its transactions on the ledger, by (instruction, rollback): a
    /// re-sent instruction is answered with it again.
    proofs: BTreeMap<(u32, bool), Arc<ChainpointProof>>,
}

/// A consent this org gathers from its users for a plan's coordinator.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct ConsentAsk {
    plan: Arc<Plan>,
    coordinator: OrgId,
    /// The accounts asked, with their user's signature once it came.
    signed: BTreeMap<ResourceId, Option<Arc<[u8]>>>,
}

/// What a plan's timer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum PlanTimer {
    /// The plan's timeout.
    Timeout,
    /// The end of the await at instruction `n`.
    Await(u32),
}

/// What an org keeps of plans, in every role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Plans {
    /// The plans it coordinates, by request id.
    coordinating: BTreeMap<u64, Coordination>,
    /// The plans it executes instructions of, by (coordinator, request id).
    executing: BTreeMap<(OrgId, u64), ExecutorSide>,
    /// Its ledger transactions of plans, by tx id: (coordinator, request id, instruction, rollback).
    transactions: BTreeMap<Hash32, (OrgId, u64, u32, bool)>,
    /// Consents it gathers, by request id.
    consents: BTreeMap<u64, ConsentAsk>,
    /// The hashes of the plans it knows to be final.
    final_plans: BTreeSet<Hash32>,
    /// Its plans' timers.
    timers: BTreeMap<TimerId, (u64, PlanTimer)>,
    /// The timers a crash lost, armed again at the restart.
    lost: Vec<(u64, PlanTimer)>,
}

impl Plans {
    /// Whether a consent for this request is being gathered (a user's signature is for it).
    pub(super) fn gathers_consent(&self, request_id: u64) -> bool {
        self.consents.contains_key(&request_id)
    }

    /// Whether `timer` ends an await (a moment of the plan's own choosing, not a timeout).
    pub(super) fn is_await(&self, timer: TimerId) -> bool {
        matches!(self.timers.get(&timer), Some((_, PlanTimer::Await(_))))
    }

    /// The crash: every timer is lost (kept to be armed again at the restart; the exchanges
    /// re-send themselves).
    pub(super) fn crash(&mut self) {
        let lost = std::mem::take(&mut self.timers);
        self.lost.extend(lost.into_values());
    }
}

impl Organization {
    /// The plan step at its coordinator: propose it to every executor, ask every source's org
    /// for its users' consent, and arm the plan's timeout.
    pub(super) fn start_plan(&mut self, now: u64, request_id: u64, plan: Arc<Plan>, out: &mut Outbox) {
        if self.state.plans.coordinating.contains_key(&request_id) {
            return;
        }
        let hash = plan.hash();
        let org = self.cfg.id.clone();
        out.note(Note::PlanStarted { org: org.clone(), request_id, plan: plan.id, hash });
        for executor in plan.executors() {
            let body = Body::PlanProposal(PlanProposal { plan: plan.clone() });
            let key = ExchangeKey { request_id, peer: executor.clone(), kind: ExchangeKind::PlanProposal };
            let message = self.message(request_id, Self::to_org(executor), body);
            self.state.exchanges.start(key, message, out);
        }
        let mut by_org: BTreeMap<&OrgId, Vec<ResourceId>> = BTreeMap::new();
        for account in plan.consenting_accounts() {
            by_org.entry(&account.org).or_default().push(account.clone());
        }
        for (source_org, accounts) in by_org {
            let body = Body::ConsentRequest(ConsentRequest { plan: plan.clone(), accounts });
            let key = ExchangeKey { request_id, peer: source_org.clone(), kind: ExchangeKind::PlanConsent };
            let message = self.message(request_id, Self::to_org(source_org), body);
            self.state.exchanges.start(key, message, out);
        }
        let deadline_us = now.saturating_add(plan.timeout_ms.saturating_mul(1000));
        let coordination = Coordination {
            machine: Coordinator::new(plan.clone()),
            hash,
            approvals: BTreeMap::new(),
            consents: BTreeMap::new(),
            sent: None,
            rolling: BTreeMap::new(),
            pending_answers: 0,
            deadline_us,
        };
        self.state.plans.coordinating.insert(request_id, coordination);
        self.plan_timer(request_id, PlanTimer::Timeout, plan.timeout_ms.saturating_mul(1000), out);
        // A plan with nothing to approve and nobody to consent starts at once.
        if plan.executors().is_empty() && plan.consenting_accounts().is_empty() {
            let acts = self.state.plans.coordinating.get_mut(&request_id).map(|c| c.machine.start_empty());
            self.coordinate(request_id, acts.unwrap_or_default(), out);
        }
    }

    fn plan_timer(&mut self, request_id: u64, what: PlanTimer, delay_us: u64, out: &mut Outbox) {
        let timer = self.state.exchanges.allocate_timer();
        self.state.plans.timers.insert(timer, (request_id, what));
        out.timers.push((timer, delay_us));
    }

    /// A plan's timer fired; `false` if the timer is not a plan's.
    pub(super) fn on_plan_timer(&mut self, timer: TimerId, out: &mut Outbox) -> bool {
        let Some((request_id, what)) = self.state.plans.timers.remove(&timer) else { return false };
        let event = match what {
            PlanTimer::Timeout => coordinator::Event::Timeout,
            PlanTimer::Await(n) => coordinator::Event::AwaitOver(n),
        };
        self.feed_coordinator(request_id, event, out);
        true
    }

    /// After a restart: the plan timeouts (their timers were lost) are armed again for what is
    /// left of them; the exchanges re-send themselves.
    pub(super) fn restart_plans(&mut self, now: u64, out: &mut Outbox) {
        for (request_id, what) in std::mem::take(&mut self.state.plans.lost) {
            let delay = match (what, self.state.plans.coordinating.get(&request_id)) {
                (PlanTimer::Timeout, Some(c)) => c.deadline_us.saturating_sub(now),
                (PlanTimer::Await(_), Some(_)) => 0,
                (_, None) => continue,
            };
            self.plan_timer(request_id, what, delay, out);
        }
    }

    fn feed_coordinator(&mut self, request_id: u64, event: coordinator::Event, out: &mut Outbox) {
        let Some(coordination) = self.state.plans.coordinating.get_mut(&request_id) else { return };
        let acts = coordination.machine.on(event);
        self.coordinate(request_id, acts, out);
    }

    /// Carries out the coordinator's acts.
    fn coordinate(&mut self, request_id: u64, acts: Vec<coordinator::Act>, out: &mut Outbox) {
        let Some(coordination) = self.state.plans.coordinating.get(&request_id) else { return };
        let plan = coordination.machine.plan().clone();
        let hash = coordination.hash;
        let mut rollbacks: BTreeMap<OrgId, BTreeSet<u32>> = BTreeMap::new();
        for act in acts {
            match act {
                coordinator::Act::Send(n) => {
                    let Some(executor) = plan.executor(n).cloned() else { continue };
                    let coordination = self.state.plans.coordinating.get_mut(&request_id).expect("present above");
                    coordination.sent = Some(n);
                    coordination.pending_answers = 0;
                    let body = Body::PlanExecute(PlanExecute {
                        plan: plan.clone(),
                        n,
                        approvals: coordination.approvals.values().cloned().collect(),
                        consents: coordination.consents.values().cloned().collect(),
                    });
                    let key = ExchangeKey { request_id, peer: executor.clone(), kind: ExchangeKind::PlanExecute };
                    let message = self.message(request_id, Self::to_org(&executor), body);
                    self.state.exchanges.start(key, message, out);
                }
                coordinator::Act::Wait { n, ms } => {
                    self.plan_timer(request_id, PlanTimer::Await(n), ms.saturating_mul(1000), out)
                }
                coordinator::Act::Rollback(n) => {
                    if let Some(executor) = plan.executor(n) {
                        rollbacks.entry(executor.clone()).or_default().insert(n);
                    }
                }
                coordinator::Act::Final(status, reason) => self.plan_over(request_id, &plan, hash, status, reason, out),
            }
        }
        for (executor, holds) in rollbacks {
            let body = Body::PlanRollback(PlanRollback {
                plan_hash: hash,
                plan: plan.id,
                holds: holds.iter().copied().collect(),
            });
            let key = ExchangeKey { request_id, peer: executor.clone(), kind: ExchangeKind::PlanRollback };
            let message = self.message(request_id, Self::to_org(&executor), body);
            self.state.exchanges.start(key, message, out);
            if let Some(coordination) = self.state.plans.coordinating.get_mut(&request_id) {
                coordination.rolling.insert(executor, holds);
            }
        }
    }

    /// The plan is over: noted (its step finishes), every open exchange of it closed, its timers
    /// dropped, and every executor and source's org told.
    fn plan_over(
        &mut self,
        request_id: u64,
        plan: &Arc<Plan>,
        hash: Hash32,
        status: PlanStatus,
        reason: Option<Status>,
        out: &mut Outbox,
    ) {
        let org = self.cfg.id.clone();
        out.note(Note::PlanFinal { org, request_id, plan: plan.id, status, reason });
        let mut told: BTreeSet<OrgId> = plan.executors().into_iter().cloned().collect();
        told.extend(plan.consenting_accounts().into_iter().map(|a| a.org.clone()));
        let kinds = [
            ExchangeKind::PlanProposal,
            ExchangeKind::PlanConsent,
            ExchangeKind::PlanExecute,
            ExchangeKind::PlanRollback,
        ];
        for peer in &told {
            for kind in kinds {
                self.state.exchanges.close(&ExchangeKey { request_id, peer: peer.clone(), kind }, out);
            }
        }
        let timers: Vec<TimerId> =
            self.state.plans.timers.iter().filter(|(_, (r, _))| *r == request_id).map(|(t, _)| *t).collect();
        for timer in timers {
            self.state.plans.timers.remove(&timer);
            out.cancels.push(timer);
        }
        self.state.plans.final_plans.insert(hash);
        for peer in told {
            let body = Body::PlanFinal(PlanFinal { plan_hash: hash, plan: plan.id, status, reason });
            out.send(self.message(request_id, Self::to_org(&peer), body));
        }
    }

    /// An executor's verdict, at the coordinator.
    pub(super) fn on_plan_approval(
        &mut self,
        request_id: u64,
        from: OrgId,
        approval: PlanApproval,
        envelope: &Arc<Envelope>,
        out: &mut Outbox,
    ) {
        let Some(coordination) = self.state.plans.coordinating.get_mut(&request_id) else { return };
        if approval.plan_hash != coordination.hash {
            return;
        }
        let key = ExchangeKey { request_id, peer: from.clone(), kind: ExchangeKind::PlanProposal };
        if self.state.exchanges.close(&key, out).is_none() {
            return;
        }
        let event = match approval.refused {
            None => {
                let signed = SignedBytes {
                    signer: from.clone(),
                    payload: envelope.payload().into(),
                    signature: envelope.signature.to_vec().into(),
                };
                coordination.approvals.insert(from.clone(), signed);
                coordinator::Event::Approved(from)
            }
            Some((n, reason)) => coordinator::Event::Refused { org: from, n, reason },
        };
        self.feed_coordinator(request_id, event, out);
    }

    /// A source's org's consents, at the coordinator: each verified against its user's key.
    pub(super) fn on_plan_consents(&mut self, request_id: u64, from: OrgId, answer: PlanConsents, out: &mut Outbox) {
        let Some(coordination) = self.state.plans.coordinating.get(&request_id) else { return };
        let (plan, hash) = (coordination.machine.plan().clone(), coordination.hash);
        let key = ExchangeKey { request_id, peer: from.clone(), kind: ExchangeKind::PlanConsent };
        if self.state.exchanges.close(&key, out).is_none() {
            return;
        }
        let mut events = Vec::new();
        for account in plan.consenting_accounts().into_iter().filter(|a| a.org == from) {
            let consent = answer.consents.iter().find(|c| &c.account == account);
            match consent.filter(|c| c.plan_hash == hash && self.consent_verifies(c)) {
                Some(consent) => {
                    let coordination = self.state.plans.coordinating.get_mut(&request_id).expect("present above");
                    coordination.consents.insert(account.clone(), consent.clone());
                    events.push(coordinator::Event::Consented(account.clone()));
                }
                None => events.push(coordinator::Event::ConsentFailed(account.clone())),
            }
        }
        for event in events {
            self.feed_coordinator(request_id, event, out);
        }
    }

    /// Whether a consent's signature verifies with its account's user's key, over its plan hash.
    fn consent_verifies(&self, consent: &Consent) -> bool {
        self.cfg.dir.user_signed(&consent.account, &consent.plan_hash.0, &consent.signature)
    }

    /// An executor's word on an instruction or a rollback, at the coordinator. One that says it
    /// is done counts only with a proof of that instruction's (or rollback's) own transaction:
    /// another is discarded (`unbound_proof`), and the coordinator keeps waiting.
    pub(super) fn on_plan_result(
        &mut self,
        request_id: u64,
        from: OrgId,
        result: PlanResult,
        envelope: &Arc<Envelope>,
        out: &mut Outbox,
    ) {
        let Some(coordination) = self.state.plans.coordinating.get_mut(&request_id) else { return };
        if result.plan_hash != coordination.hash {
            return;
        }
        // A rollback of a hold that never reached the ledger is done at height 0, with nothing to prove.
        let unplaced = result.rollback && result.height == Some(0);
        if result.status == Status::Ok && !unplaced {
            let plan = coordination.machine.plan();
            let tx = match result.rollback {
                true => plan.rollback_tx(result.n, request_id),
                false => plan.ledger_tx(result.n, request_id),
            };
            let own = tx.map(|tx| tx.hash());
            let bound = result
                .proof
                .as_ref()
                .is_some_and(|p| own.is_some() && Hash32::from_hex(&p.hash) == own && p.replay().is_some());
            if !bound {
                return out.note(self.discarded(envelope, crate::actors::note::Discard::UnboundProof));
            }
        }
        let n = result.n;
        if result.rollback {
            let waiting = coordination.rolling.get_mut(&from).is_some_and(|holds| holds.remove(&n));
            if !waiting || result.status != Status::Ok {
                return;
            }
            if coordination.rolling.get(&from).is_some_and(BTreeSet::is_empty) {
                coordination.rolling.remove(&from);
                let key = ExchangeKey { request_id, peer: from.clone(), kind: ExchangeKind::PlanRollback };
                self.state.exchanges.close(&key, out);
            }
            self.note_instruction(request_id, n, true, &result, out);
            return self.feed_coordinator(request_id, coordinator::Event::RolledBack(n), out);
        }
        if coordination.sent != Some(n) {
            return;
        }
        let key = ExchangeKey { request_id, peer: from.clone(), kind: ExchangeKind::PlanExecute };
        if result.status == Status::Pending {
            // An honest executor's ledger closes a block within `block_ms`, shorter than a
            // timeout: `pending` answers past the retry budget are an executor that does not run
            // what it approved. The instruction counts as unanswered, and the executor a suspect.
            coordination.pending_answers += 1;
            if coordination.pending_answers <= self.cfg.dir.protocol.retries.saturating_add(1) {
                return self.state.exchanges.refresh(&key, out);
            }
            self.state.exchanges.close(&key, out);
            coordination.sent = None;
            let (by, org) = (self.cfg.id.clone(), from);
            out.note(Note::Suspect { by, org, request_id, reason: SuspectReason::Stalled, answer: Kind::PlanResult });
            return self.feed_coordinator(request_id, coordinator::Event::InstructionUnanswered(n), out);
        }
        if self.state.exchanges.close(&key, out).is_none() {
            return;
        }
        if let Some(coordination) = self.state.plans.coordinating.get_mut(&request_id) {
            coordination.sent = None;
        }
        self.note_instruction(request_id, n, false, &result, out);
        let event = match result.status {
            Status::Ok => coordinator::Event::Done(n),
            reason => coordinator::Event::Failed { n, reason },
        };
        self.feed_coordinator(request_id, event, out);
    }

    fn note_instruction(&self, request_id: u64, n: u32, rollback: bool, result: &PlanResult, out: &mut Outbox) {
        let plan = self.state.plans.coordinating.get(&request_id).map_or(0, |c| c.machine.plan().id);
        out.note(Note::PlanInstruction {
            org: self.cfg.id.clone(),
            request_id,
            plan,
            n,
            rollback,
            status: result.status,
            height: result.height,
            proof: result.proof.clone(),
        });
    }

    /// A plan exchange of the coordinator's, or an executor's get, ran out of retries.
    pub(super) fn plan_exchange_failed(&mut self, key: &ExchangeKey, out: &mut Outbox) {
        let request_id = key.request_id;
        let events = match key.kind {
            ExchangeKind::PlanProposal => vec![coordinator::Event::ApprovalUnanswered(key.peer.clone())],
            ExchangeKind::PlanConsent => {
                let Some(coordination) = self.state.plans.coordinating.get(&request_id) else { return };
                let plan = coordination.machine.plan().clone();
                let accounts = plan.consenting_accounts();
                let of_peer = accounts.into_iter().filter(|a| a.org == key.peer);
                of_peer.map(|a| coordinator::Event::ConsentUnanswered(a.clone())).collect()
            }
            ExchangeKind::PlanExecute => {
                let Some(coordination) = self.state.plans.coordinating.get_mut(&request_id) else { return };
                let Some(n) = coordination.sent.take() else { return };
                vec![coordinator::Event::InstructionUnanswered(n)]
            }
            ExchangeKind::PlanRollback => {
                let Some(coordination) = self.state.plans.coordinating.get_mut(&request_id) else { return };
                let holds = coordination.rolling.remove(&key.peer).unwrap_or_default();
                holds.into_iter().map(coordinator::Event::RollbackUnanswered).collect()
            }
            ExchangeKind::PlanGet => return self.plan_data_timed_out(key, out),
            _ => return,
        };
        for event in events {
            self.feed_coordinator(request_id, event, out);
        }
    }

    // ----- An executor -----

    /// A plan proposed to this org as an executor: its own instructions checked for permission,
    /// then (with the receivers' data) for regulation; answered once decided, and again for
    /// every copy.
    pub(super) fn on_plan_proposal(&mut self, request_id: u64, from: OrgId, proposal: PlanProposal, out: &mut Outbox) {
        let plan = proposal.plan;
        if plan.coordinator != from {
            return;
        }
        let key = (from.clone(), request_id);
        if let Some(side) = self.state.plans.executing.get(&key) {
            if let Some(verdict) = side.verdict {
                self.send_approval(request_id, &from, side.hash, verdict, out);
            }
            return;
        }
        let hash = plan.hash();
        let mine: Vec<u32> =
            plan.numbered().filter(|(n, _)| plan.executor(*n) == Some(&self.cfg.id)).map(|(n, _)| n).collect();
        let refused = mine.iter().find_map(|n| self.plan_permission(&plan, *n).err().map(|reason| (*n, reason)));
        // The receivers whose data the regulation checks read: none without rules.
        let mut to_fetch: Vec<ResourceId> = Vec::new();
        if refused.is_none() && self.cfg.setup.regulation.is_some() {
            for n in &mine {
                if let Some(receiver) = plan.instruction(*n).and_then(|i| i.receiver()) {
                    if !to_fetch.contains(receiver) {
                        to_fetch.push(receiver.clone());
                    }
                }
            }
        }
        let side = ExecutorSide {
            execution: Execution::new(plan.clone()),
            hash,
            coordinator: from.clone(),
            verdict: None,
            to_fetch,
            documents: BTreeMap::new(),
            proofs: BTreeMap::new(),
        };
        self.state.plans.executing.insert(key.clone(), side);
        if let Some(refused) = refused {
            return self.decide_approval(&key, Some(refused), out);
        }
        self.fetch_next_receiver(&key, out);
    }

    /// Permission for instruction `n`: this org manages its asset, and every account it names
    /// is a known account of an org the asset is shared with (or of this org).
    fn plan_permission(&self, plan: &Plan, n: u32) -> Result<(), Status> {
        let instruction = plan.instruction(n).ok_or(Status::Denied)?;
        let asset = instruction.asset(plan).ok_or(Status::Denied)?;
        if asset.org != self.cfg.id || !self.cfg.setup.assets.contains_key(asset) {
            return Err(Status::Denied);
        }
        let accounts = [instruction.source(plan), instruction.receiver()];
        for account in accounts.into_iter().flatten() {
            let known = self.cfg.dir.user_finids.contains_key(account);
            if !known || (account.org != self.cfg.id && !self.cfg.dir.shared_with(asset, &account.org)) {
                return Err(Status::Denied);
            }
        }
        Ok(())
    }

    /// Asks for the next receiver's data (its own users' it has), or decides when none is left.
    fn fetch_next_receiver(&mut self, key: &(OrgId, u64), out: &mut Outbox) {
        loop {
            let Some(side) = self.state.plans.executing.get_mut(key) else { return };
            let Some(receiver) = side.to_fetch.first().cloned() else { break };
            if receiver.org != self.cfg.id {
                let body = Body::PlanGet(PlanGet { plan: side.execution.plan().clone(), receiver: receiver.clone() });
                let request_id = key.1;
                let exchange = ExchangeKey { request_id, peer: receiver.org.clone(), kind: ExchangeKind::PlanGet };
                let message = self.message(request_id, Self::to_org(&receiver.org), body);
                return self.state.exchanges.start(exchange, message, out);
            }
            side.to_fetch.remove(0);
            let counterparty = Self::plan_counterparty(side.execution.plan(), &receiver);
            let own = self.cfg.id.clone();
            let document = self.document_for(&receiver, &counterparty, &own).1.map(|(payload, _)| Arc::from(payload));
            let side = self.state.plans.executing.get_mut(key).expect("present above");
            side.documents.insert(receiver, document);
        }
        let verdict = self.plan_regulation(key, out);
        self.decide_approval(key, verdict, out);
    }

    /// The account on the other side of what a receiver gets in a plan (for its IVMS-101
    /// document): the source of the first instruction paying it, or the asset for an issue.
    fn plan_counterparty(plan: &Plan, receiver: &ResourceId) -> ResourceId {
        plan.instructions
            .iter()
            .filter(|i| i.receiver() == Some(receiver))
            .find_map(|i| i.source(plan).or(i.asset(plan)).cloned())
            .unwrap_or_else(|| receiver.clone())
    }

    /// A receiver's data arrived at an executor.
    pub(super) fn on_plan_data(&mut self, request_id: u64, from: &OrgId, response: GetResponse, out: &mut Outbox) {
        let exchange = ExchangeKey { request_id, peer: from.clone(), kind: ExchangeKind::PlanGet };
        if !self.state.exchanges.is_open(&exchange) {
            return;
        }
        let key = self.state.plans.executing.keys().find(|(_, r)| *r == request_id).cloned();
        let Some(key) = key else { return };
        let side = self.state.plans.executing.get_mut(&key).expect("found above");
        if side.to_fetch.first() != Some(&response.resource) {
            return;
        }
        self.state.exchanges.close(&exchange, out);
        let side = self.state.plans.executing.get_mut(&key).expect("found above");
        side.to_fetch.remove(0);
        let document = response.payload.filter(|_| response.status == Status::Ok);
        side.documents.insert(response.resource, document);
        self.fetch_next_receiver(&key, out);
    }

    fn plan_data_timed_out(&mut self, exchange: &ExchangeKey, out: &mut Outbox) {
        let key = self.state.plans.executing.keys().find(|(_, r)| *r == exchange.request_id).cloned();
        let Some(key) = key else { return };
        let Some(side) = self.state.plans.executing.get(&key) else { return };
        let plan = side.execution.plan().clone();
        let receiver = side.to_fetch.first().cloned();
        let n = plan
            .numbered()
            .find(|(n, i)| plan.executor(*n) == Some(&self.cfg.id) && i.receiver() == receiver.as_ref())
            .map_or(1, |(n, _)| n);
        self.decide_approval(&key, Some((n, Status::Timeout)), out);
    }

    /// The regulation checks of this org's instructions that pay a receiver, each with its
    /// receiver's document and its own quantity: the lowest failing one, if any.
    fn plan_regulation(&self, key: &(OrgId, u64), out: &mut Outbox) -> Option<(u32, Status)> {
        let side = self.state.plans.executing.get(key)?;
        self.cfg.setup.regulation.as_ref()?;
        let plan = side.execution.plan();
        let mut refused = None;
        for (n, instruction) in plan.numbered() {
            if plan.executor(n) != Some(&self.cfg.id) {
                continue;
            }
            let (Some(receiver), Some(quantity)) = (instruction.receiver(), instruction.quantity(plan)) else {
                continue;
            };
            let document = side.documents.get(receiver).cloned().flatten();
            let passed = self.rules_pass(key.1, &receiver.text(), quantity, document.as_deref(), out);
            if !passed && refused.is_none() {
                refused = Some((n, Status::Regulation));
            }
        }
        refused
    }

    fn decide_approval(&mut self, key: &(OrgId, u64), verdict: Option<(u32, Status)>, out: &mut Outbox) {
        let Some(side) = self.state.plans.executing.get_mut(key) else { return };
        if side.verdict.is_some() {
            return;
        }
        side.verdict = Some(verdict);
        let hash = side.hash;
        self.send_approval(key.1, &key.0, hash, verdict, out);
    }

    fn send_approval(
        &self,
        request_id: u64,
        to: &OrgId,
        hash: Hash32,
        refused: Option<(u32, Status)>,
        out: &mut Outbox,
    ) {
        let body = Body::PlanApproval(PlanApproval { plan_hash: hash, refused });
        out.send(self.message(request_id, Self::to_org(to), body));
    }

    /// An instruction to run: the plan, every approval and every consent checked first.
    pub(super) fn on_plan_execute(&mut self, request_id: u64, from: OrgId, execute: PlanExecute, out: &mut Outbox) {
        let key = (from.clone(), request_id);
        let n = execute.n;
        let hash = execute.plan.hash();
        let refused = match self.state.plans.executing.get(&key) {
            None => Some(Status::Denied),
            Some(side) if side.hash != hash || side.verdict != Some(None) => Some(Status::Denied),
            Some(_) if execute.plan.executor(n) != Some(&self.cfg.id) => Some(Status::Denied),
            Some(_) => self.check_authorizations(&execute, hash),
        };
        if let Some(status) = refused {
            let result = PlanResult { plan_hash: hash, n, rollback: false, status, height: None, proof: None };
            return out.send(self.message(request_id, Self::to_org(&from), Body::PlanResult(result)));
        }
        let side = self.state.plans.executing.get_mut(&key).expect("checked above");
        let acts = side.execution.on(executor::Event::Execute(n));
        // The consent of the account the instruction takes from, if it takes from one.
        let plan = &execute.plan;
        let debited = plan.instruction(n).filter(|i| i.takes_from_source()).and_then(|i| i.source(plan));
        let consent = execute.consents.iter().find(|c| Some(&c.account) == debited).cloned();
        self.execute_acts(&key, acts, consent, out);
    }

    /// Every other executor's approval, signed by it, and every consent of the plan, verified.
    fn check_authorizations(&self, execute: &PlanExecute, hash: Hash32) -> Option<Status> {
        let plan = &execute.plan;
        for executor in plan.executors() {
            if executor == &plan.coordinator {
                continue; // the coordinator's own approval is the instruction it signed
            }
            let Some(signed) = execute.approvals.iter().find(|a| &a.signer == executor) else {
                return Some(Status::Denied);
            };
            let Ok(signature) = <[u8; 64]>::try_from(&signed.signature[..]) else { return Some(Status::Signature) };
            let signer = ActorId::Org(executor.clone());
            if !self.cfg.dir.null_signer && !self.cfg.dir.keyring.verify(&signer, &signed.payload, &signature) {
                return Some(Status::Signature);
            }
            let approved = postcard::from_bytes::<Message>(&signed.payload).ok().is_some_and(|m| {
                m.from == signer
                    && matches!(&m.body, Body::PlanApproval(a) if a.plan_hash == hash && a.refused.is_none())
            });
            if !approved {
                return Some(Status::Denied);
            }
        }
        for account in plan.consenting_accounts() {
            let consent = execute.consents.iter().find(|c| &c.account == account);
            if !consent.is_some_and(|c| c.plan_hash == hash && self.consent_verifies(c)) {
                return Some(Status::Signature);
            }
        }
        None
    }

    /// Carries out the executor's acts: submissions to the ledger, answers to the coordinator.
    fn execute_acts(
        &mut self,
        key: &(OrgId, u64),
        acts: Vec<executor::Act>,
        consent: Option<Consent>,
        out: &mut Outbox,
    ) {
        let Some(side) = self.state.plans.executing.get(key) else { return };
        let (plan, hash, coordinator) = (side.execution.plan().clone(), side.hash, side.coordinator.clone());
        let request_id = key.1;
        let ledger = Address::Actor(ActorId::Ledger(self.cfg.cluster.clone()));
        for act in acts {
            let (n, rollback, progress) = match act {
                executor::Act::Submit(n) | executor::Act::SubmitRollback(n) => {
                    let rollback = matches!(act, executor::Act::SubmitRollback(_));
                    let tx = if rollback { plan.rollback_tx(n, request_id) } else { plan.ledger_tx(n, request_id) };
                    let Some(tx) = tx else { continue };
                    self.state.plans.transactions.insert(tx.tx_id, (coordinator.clone(), request_id, n, rollback));
                    out.note(Note::Submitted { org: self.cfg.id.clone(), request_id, tx_hash: tx.hash() });
                    let consent = if rollback { None } else { consent.clone() };
                    let body = Body::PlanSubmit(PlanSubmit { plan: plan.clone(), n, rollback, consent });
                    out.send(self.message(request_id, ledger.clone(), body));
                    continue;
                }
                executor::Act::Answer(n, progress) => (n, false, progress),
                executor::Act::AnswerRollback(n, progress) => (n, true, progress),
            };
            let (status, height) = match progress {
                Progress::Pending => (Status::Pending, None),
                Progress::Done { height } => (Status::Ok, Some(height)),
                Progress::Failed(reason) => (reason, None),
            };
            let proof = self.state.plans.executing.get(key).and_then(|s| s.proofs.get(&(n, rollback))).cloned();
            let proof = proof.filter(|_| status == Status::Ok);
            let result = PlanResult { plan_hash: hash, n, rollback, status, height, proof };
            out.send(self.message(request_id, Self::to_org(&coordinator), Body::PlanResult(result)));
        }
    }

    /// Holds to roll back, at their executor.
    pub(super) fn on_plan_rollback(&mut self, request_id: u64, from: OrgId, rollback: PlanRollback, out: &mut Outbox) {
        let key = (from, request_id);
        let Some(side) = self.state.plans.executing.get_mut(&key) else { return };
        if side.hash != rollback.plan_hash {
            return;
        }
        let mut acts = Vec::new();
        for n in rollback.holds {
            acts.extend(side.execution.on(executor::Event::Rollback(n)));
        }
        self.execute_acts(&key, acts, None, out);
    }

    /// A plan's final status, at an executor or a source's org.
    pub(super) fn on_plan_final(&mut self, request_id: u64, from: OrgId, told: PlanFinal, out: &mut Outbox) {
        self.state.plans.final_plans.insert(told.plan_hash);
        let reverted = matches!(told.status, PlanStatus::Rejected | PlanStatus::Reverted);
        if let Some(side) = self.state.plans.executing.get_mut(&(from.clone(), request_id)) {
            if side.hash == told.plan_hash {
                let acts = side.execution.on(executor::Event::Final { reverted });
                self.execute_acts(&(from, request_id), acts, None, out);
            }
        }
    }

    /// A closed block: the plans' transactions in it (and those it refused) at their executor.
    pub(super) fn plan_transactions_in(&mut self, block: &BlockCommitted, out: &mut Outbox) {
        if self.state.plans.transactions.is_empty() {
            return;
        }
        let mut events: Vec<(ExecutionKey, executor::Event, Option<Arc<ChainpointProof>>)> = Vec::new();
        for (index, tx) in block.txs.iter().enumerate() {
            let Some((coordinator, request_id, n, rollback)) = self.state.plans.transactions.get(&tx.tx_id).cloned()
            else {
                continue;
            };
            let (leaves, tree) = (block.txs.hashes(), block.txs.tree());
            let path = tree.path(index);
            let proof = ChainpointProof::build(&ProofInputs {
                tx_hash: leaves[index],
                path: &path,
                cluster: self.cfg.cluster.as_str(),
                height: block.height,
                received_us: block.received_us.get(index).copied().unwrap_or(0),
                start_us: self.cfg.dir.protocol.clock.start_us,
                node_id: proof_node_id(self.cfg.dir.seed, request_id),
            });
            let event = match rollback {
                true => executor::Event::RolledBack { n, height: block.height },
                false => executor::Event::Settled { n, height: block.height },
            };
            events.push(((coordinator, request_id), event, Some(Arc::new(proof))));
        }
        for refused in block.refused.iter() {
            let Some((coordinator, request_id, n, rollback)) =
                self.state.plans.transactions.get(&refused.tx.tx_id).cloned()
            else {
                continue;
            };
            if !rollback {
                events.push(((coordinator, request_id), executor::Event::Refused { n, reason: refused.status }, None));
            }
        }
        for (key, event, proof) in events {
            let Some(side) = self.state.plans.executing.get_mut(&key) else { continue };
            match (event, proof) {
                (executor::Event::Settled { n, .. }, Some(proof)) => {
                    side.proofs.entry((n, false)).or_insert(proof);
                }
                (executor::Event::RolledBack { n, .. }, Some(proof)) => {
                    side.proofs.entry((n, true)).or_insert(proof);
                }
                _ => {}
            }
            let acts = side.execution.on(event);
            self.execute_acts(&key, acts, None, out);
        }
    }

    // ----- A source's org, a receiver's org -----

    /// The coordinator asks for its users' consents: each user is asked to sign the plan's
    /// hash; a copy is answered with the consents once they are in.
    pub(super) fn on_consent_request(
        &mut self,
        request_id: u64,
        from: OrgId,
        request: ConsentRequest,
        out: &mut Outbox,
    ) {
        let plan = request.plan;
        if plan.coordinator != from {
            return;
        }
        if let Some(ask) = self.state.plans.consents.get(&request_id) {
            if ask.signed.values().all(Option::is_some) {
                self.send_consents(request_id, out);
            }
            return;
        }
        let consenting = plan.consenting_accounts();
        let accounts: Vec<ResourceId> = request
            .accounts
            .into_iter()
            .filter(|a| a.org == self.cfg.id && consenting.contains(a) && self.cfg.setup.users.contains_key(a))
            .collect();
        let signed = accounts.iter().map(|a| (a.clone(), None)).collect();
        self.state.plans.consents.insert(request_id, ConsentAsk { plan: plan.clone(), coordinator: from, signed });
        if accounts.is_empty() {
            return self.send_consents(request_id, out);
        }
        for account in accounts {
            let body = Body::SignPlan(ConsentRequest { plan: plan.clone(), accounts: vec![account.clone()] });
            out.send(self.message(request_id, Address::Actor(ActorId::User(account)), body));
        }
    }

    /// A user's signature over a plan's hash.
    pub(super) fn on_consent_signed(
        &mut self,
        request_id: u64,
        from: &ActorId,
        signed: SignResponse,
        out: &mut Outbox,
    ) {
        let ActorId::User(account) = from else { return };
        let Some(ask) = self.state.plans.consents.get_mut(&request_id) else { return };
        let Some(slot) = ask.signed.get_mut(account) else { return };
        if slot.is_some() || signed.template_hash != ask.plan.hash() {
            return;
        }
        *slot = Some(signed.signature);
        if ask.signed.values().all(Option::is_some) {
            self.send_consents(request_id, out);
        }
    }

    fn send_consents(&self, request_id: u64, out: &mut Outbox) {
        let Some(ask) = self.state.plans.consents.get(&request_id) else { return };
        let plan_hash = ask.plan.hash();
        let consents = ask
            .signed
            .iter()
            .map(|(account, signature)| Consent {
                account: account.clone(),
                plan_hash,
                signature: signature.clone().unwrap_or_else(|| Arc::from(&[][..])),
            })
            .collect();
        let body = Body::PlanConsent(PlanConsents { plan_hash, consents });
        out.send(self.message(request_id, Self::to_org(&ask.coordinator), body));
    }

    /// An executor asks for a receiver's data: given when the plan names that user of this org
    /// as a receiver of an instruction the asker executes, and is not known to be final.
    pub(super) fn answer_plan_get(&mut self, request_id: u64, from: OrgId, get: PlanGet, out: &mut Outbox) {
        let plan = &get.plan;
        let names =
            plan.numbered().any(|(n, i)| i.receiver() == Some(&get.receiver) && plan.executor(n) == Some(&from));
        let pending = names && get.receiver.org == self.cfg.id && !self.state.plans.final_plans.contains(&plan.hash());
        let data = match pending {
            true => self.document_for(&get.receiver, &Self::plan_counterparty(plan, &get.receiver), &from),
            false => (Status::Denied, None),
        };
        self.send_user_data(request_id, from, get.receiver, data, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::outbox::{Input, Received};
    use crate::protocol::plan::{Hold, Instruction};

    /// Org 1 of a scenario whose users are Alice and Bob (Org 1's) and the treasury (Org 2's).
    fn org_1() -> Organization {
        let text = r#"name: consents
clusters:
  - { id: cluster_A, orgs: [org_1, org_2] }
users:
  - { id: "org_1:100:alice", org: org_1 }
  - { id: "org_1:100:bob", org: org_1 }
  - { id: "org_2:100:treasury", org: org_2 }
assets:
  - { id: "org_1:101:eur", org: org_1, shared_with: [org_2], balances: { "org_1:100:alice": 10, "org_2:100:treasury": 10 } }
flow: []
"#;
        let scenario = crate::scenario::parse("t.yaml", text).unwrap_or_else(|e| panic!("{}", e.render()));
        let dir = Arc::new(crate::sim::genesis::directory(&scenario, 1));
        let id = OrgId::from("org_1");
        let setup = crate::sim::genesis::org_setup(&scenario, &id);
        Organization::new(id, dir, setup)
    }

    #[test]
    fn an_org_asks_for_consent_only_its_own_users_whose_accounts_the_plan_takes_from() {
        let id = |text: &str| ResourceId::parse(text).unwrap();
        let hold = |from: &str| Instruction::Hold(Hold { asset: id("org_1:101:eur"), from: id(from), quantity: 1 });
        // The plan takes from Alice (Org 1's) and the treasury (Org 2's), not from Bob.
        let plan = Arc::new(Plan {
            id: 1,
            coordinator: OrgId::from("org_1"),
            timeout_ms: 10_000,
            instructions: vec![hold("org_1:100:alice"), hold("org_2:100:treasury")],
        });
        let accounts = vec![id("org_1:100:alice"), id("org_1:100:bob"), id("org_2:100:treasury")];
        let from = ActorId::Org(OrgId::from("org_1"));
        let body = Body::ConsentRequest(ConsentRequest { plan, accounts });
        let message = Message { request_id: 9, from: from.clone(), to: Address::Actor(from.clone()), body };
        let mut org = org_1();
        let out = org.handle(0, Input::Receive(Received::sealed(message, &keys_of(&from))));
        let asked: Vec<String> = out.sends.iter().map(|s| s.outgoing.to().to_string()).collect();
        assert_eq!(asked, ["user:org_1:100:alice"], "Alice only: Bob gives nothing, the treasury is Org 2's");
    }

    fn keys_of(actor: &ActorId) -> ed25519_dalek::SigningKey {
        crate::protocol::keys::actor_key(1, actor)
    }
}
