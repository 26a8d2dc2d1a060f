//! What the run showed, gathered from the actors' notes as they happen: the input
//! of the expectation and invariant checks.

use super::invariants::{witness::Witness, Causes};
use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::actors::note::{Change, Note};
use crate::actors::organization::ledger_view::LedgerView;
use crate::actors::outbox::Amounts;
use crate::crypto::chainpoint::ChainpointProof;
use crate::protocol::cause::Cause;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{ActorId, ClusterId, OrgId, ResourceId};
use crate::protocol::message::{BalanceAnswer, Body, Kind, ProofAnswer, StatusAnswer, VerifyAnswer};
use crate::protocol::operation::Operation;
use crate::protocol::plan::PlanStatus;
use crate::protocol::status::Status;
use crate::sentences;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A transfer's final status as its buyer's org knows it (an issue's as its receiver's org, a
/// redeem's as its holder's org).
#[derive(Clone, Debug, PartialEq)]
pub struct KnownFinal {
    /// The issue or redeem it is (none for a transfer).
    pub operation: Option<Operation>,
    /// Settled, or rejected.
    pub settled: bool,
    /// The rejection reason (`Ok` when settled).
    pub reason: Status,
    /// What decided it.
    pub cause: Cause,
    /// The proof, when settled.
    pub proof: Option<Arc<ChainpointProof>>,
    /// When the buyer's org first knew a final status.
    pub t_us: u64,
}

/// The last answer a balance step accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct BalanceSeen {
    /// The org that asked.
    pub org: OrgId,
    /// The amounts, if a quorum gave them.
    pub answer: Option<Amounts>,
    /// In words.
    pub detail: String,
}

/// A data answer (`get_response`) as it reached an org, read from the bytes as sent (a copy
/// altered in transit still counts as seen: the bytes arrived).
#[derive(Clone, Debug)]
pub struct Delivery {
    /// When it was sent.
    pub sent_us: u64,
    /// When it arrived.
    pub delivered_us: u64,
    /// The sender.
    pub from: OrgId,
    /// The receiver.
    pub to: OrgId,
    /// The request it answers.
    pub request_id: u64,
    /// The resource whose data it answers.
    pub resource: ResourceId,
    /// Whether it is an IVMS-101 document (`application/ivms-101`).
    pub ivms: bool,
    /// Whether it carries data (a refusal carries none).
    pub given: bool,
    /// The envelope as it was sent, kept only for an evidence pack (`Settings::record_envelopes`).
    pub envelope: Option<Arc<Envelope>>,
}

impl Delivery {
    /// A delivery of `sent` (the envelope as sent) from `from` to `to`, if its signed bytes decode
    /// to a data answer; the envelope itself is kept only when `keep`.
    pub fn of(times: (u64, u64), from: OrgId, to: OrgId, sent: Arc<Envelope>, keep: bool) -> Option<Self> {
        let message = sent.read()?;
        let Body::GetResponse(response) = message.body else { return None };
        Some(Self {
            sent_us: times.0,
            delivered_us: times.1,
            from,
            to,
            request_id: message.request_id,
            ivms: &*response.content_type == crate::protocol::message::APPLICATION_IVMS101,
            given: response.payload.is_some(),
            resource: response.resource,
            envelope: keep.then_some(sent),
        })
    }
}

/// A copy that reached an org (runs that keep envelopes).
#[derive(Clone, Debug)]
pub struct OrgArrival {
    /// When it arrived.
    pub delivered_us: u64,
    /// The actor that put it on the wire.
    pub from: ActorId,
    /// The org it reached.
    pub to: OrgId,
    /// The envelope as it was sent.
    pub sent: Arc<Envelope>,
    /// Whether what arrived is what was sent (a corrupted copy is not).
    pub intact: bool,
}

/// What an org's answer about its cluster's ledger claimed.
#[derive(Clone, Debug, PartialEq)]
pub enum Claim {
    /// A verify answer: an asset's data hash at a height.
    Verify(VerifyAnswer),
    /// A verify_proof answer: a block root at a height.
    Proof(ProofAnswer),
    /// A balance answer: an account's amounts at a height.
    Balance(BalanceAnswer),
    /// A status answer (variant `status_query`): where a transaction settled, or that it did not.
    Status(StatusAnswer),
}

impl Claim {
    /// The claim a message body makes about the ledger, if it makes one.
    pub fn of(body: Body) -> Option<Self> {
        match body {
            Body::VerifyAnswer(a) => Some(Claim::Verify(a)),
            Body::ProofAnswer(a) => Some(Claim::Proof(a)),
            Body::BalanceAnswer(a) => Some(Claim::Balance(a)),
            Body::StatusAnswer(a) => Some(Claim::Status(a)),
            _ => None,
        }
    }
}

/// An answer about the ledger an org sent (verify, verify_proof, balance, status), decoded from
/// the bytes it signed as it sent them: the envelope itself is not kept, so that a run's memory
/// holds one small claim per answer.
#[derive(Clone, Debug)]
pub struct LedgerAnswer {
    /// When it was sent.
    pub sent_us: u64,
    /// The org that answered.
    pub org: OrgId,
    /// The request it answered.
    pub request_id: u64,
    /// What it claimed.
    pub claim: Claim,
}

impl LedgerAnswer {
    /// The answer `org` sealed in `envelope` at `sent_us`, if its signed bytes decode to an
    /// answer about the ledger.
    pub fn of(sent_us: u64, org: OrgId, envelope: &Envelope) -> Option<Self> {
        let message = envelope.read()?;
        let claim = Claim::of(message.body)?;
        Some(Self { sent_us, org, request_id: message.request_id, claim })
    }
}

/// The notes the checks do not read: for the trace, the report and the flow only. With `record`'s
/// arms they cover every note, so a new note is a compile error until it is one or the other.
macro_rules! unread_notes {
    () => {
        Note::Advertised { .. }
            | Note::AdvertisementReceived { .. }
            | Note::TransferStarted { .. }
            | Note::TxCreated { .. }
            | Note::StatusResult { .. }
            | Note::OperationStarted { .. }
            | Note::Compliance { .. }
            | Note::PersonalData { .. }
            | Note::Submitted { .. }
            | Note::BlockClosed { .. }
            | Note::EscrowClosed { .. }
            | Note::TxRefused { .. }
            | Note::Discarded { .. }
            | Note::Retry { .. }
            | Note::WaitEnded { .. }
            | Note::Timeout { .. }
            | Note::Misbehaved { .. }
            | Note::Replayed { .. }
    };
}

/// Everything the checks read.
#[derive(Clone, Debug, Default)]
pub struct Observations {
    /// The status of each org's last get of each resource.
    pub gets: BTreeMap<(OrgId, ResourceId), Status>,
    /// Every verify result, in order: (org, resource, agreed, detail).
    pub verifies: Vec<(OrgId, ResourceId, bool, String)>,
    /// The last verify_proof result per transfer: (valid, detail).
    pub proofs: BTreeMap<u64, (bool, String)>,
    /// The last accepted balance answer per (account, asset).
    pub balances: BTreeMap<(ResourceId, ResourceId), BalanceSeen>,
    /// Final statuses as the buyers' orgs know them (issues' and redeems' too, as their
    /// receivers' and holders' orgs know them: request ids are unique across the three).
    pub transfers: BTreeMap<u64, KnownFinal>,
    /// When each transfer, issue and redeem step started.
    pub transfer_starts: BTreeMap<u64, u64>,
    /// The transfers, issues and redeems the asset's org decided (settled or rejected), by request id.
    pub sales_final: BTreeSet<u64>,
    /// (suspecting org, suspected org).
    pub suspicions: BTreeSet<(OrgId, OrgId)>,
    /// What the invariants keep of the state changes' causes, read as they happened.
    pub(crate) causes: Causes,
    /// Each cluster ledger's final state.
    pub ledgers: BTreeMap<ClusterId, LedgerSnapshot>,
    /// Every data answer (`get_response`) that reached an org from another org, read as it arrived.
    pub data_deliveries: Vec<Delivery>,
    /// Every answer about the ledger an org sent.
    pub(crate) ledger_answers: Vec<LedgerAnswer>,
    /// Each org's replica of its cluster's ledger at the end, for the orgs that are up then.
    pub replicas: BTreeMap<OrgId, LedgerView>,
    /// Each plan as its coordinator knows it, by plan id.
    pub plans: BTreeMap<u64, PlanSeen>,
    /// When the faults that started on an event were over (`Faults::quiet_after_us` counts the
    /// others).
    pub(crate) triggered_quiet_us: u64,
    /// The sender, the receiver and the envelope (as it was sent) whose delivery told each final
    /// status of `transfers`, kept
    /// only in a run that keeps envelopes (an evidence pack's); none for a final an org concluded
    /// from silence (a timeout).
    pub(crate) told: BTreeMap<u64, (ActorId, ActorId, Arc<Envelope>)>,
    /// Every copy that reached an org, in arrival order, kept only in a run that keeps envelopes
    /// (an evidence pack's register of personal data reads it).
    pub(crate) arrivals: Vec<OrgArrival>,
    /// The envelope being handled and its receiver, while the notes of its delivery come (runs
    /// that keep envelopes).
    pub(crate) handling: Option<(ActorId, ActorId, Arc<Envelope>)>,
}

impl Observations {
    /// When the run's last fault was over: the schedule's and those that started on an event.
    pub fn quiet_after_us(&self, scenario: &crate::scenario::Scenario) -> u64 {
        scenario.faults.quiet_after_us().max(self.triggered_quiet_us)
    }
}

/// A plan as its coordinator knows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanSeen {
    /// Its coordinator.
    pub coordinator: Option<OrgId>,
    /// The request id it runs under.
    pub request_id: u64,
    /// When it started.
    pub started_us: u64,
    /// How each instruction (and each hold's rollback, `true`) ended, by number.
    pub instructions: BTreeMap<(u32, bool), InstructionSeen>,
    /// Its final status and reason, and when the coordinator knew it.
    pub outcome: Option<(PlanStatus, Option<Status>, u64)>,
}

/// How one instruction of a plan (or a hold's rollback) ended, as its coordinator was told.
#[derive(Clone, Debug, PartialEq)]
pub struct InstructionSeen {
    /// `ok`, or why it failed.
    pub status: Status,
    /// The height of the block that holds it.
    pub height: Option<u64>,
    /// Its proof.
    pub proof: Option<Arc<ChainpointProof>>,
}

impl Observations {
    /// Nothing observed yet, in a run with `seed`.
    pub fn for_seed(seed: u64) -> Self {
        Self::for_run(seed, false)
    }

    /// Nothing observed yet, in a run with `seed` whose signatures are the null signer's when
    /// `null_signer` (the witness then takes each envelope's signature as its sender's).
    pub fn for_run(seed: u64, null_signer: bool) -> Self {
        let witness = if null_signer { Witness::of_null_signer(seed) } else { Witness::new(seed) };
        Self { causes: Causes::new(witness), ..Self::default() }
    }

    /// Nothing observed yet, in a run with `seed` and `settings` (whose signer the witness
    /// must know).
    pub fn for_settings(seed: u64, settings: &crate::sim::Settings) -> Self {
        Self::for_run(seed, settings.null_signer)
    }

    /// A state change of `actor` caused by `envelope`: the envelope is read and judged now,
    /// not kept (`Causes::record`).
    pub fn state_change(&mut self, actor: ActorId, change: Change, envelope: &Envelope) {
        self.causes.record(actor, change, envelope);
    }

    /// A final status learned at `t_us`. A later word from the asset's org may replace a
    /// `timeout`; the operation was final (for `liveness`) from the first time.
    fn known_final(
        &mut self,
        t_us: u64,
        operation: Option<Operation>,
        request_id: u64,
        (settled, reason, cause, proof): (bool, Status, &Cause, &Option<Arc<ChainpointProof>>),
    ) {
        let first_us = self.transfers.get(&request_id).map_or(t_us, |k| k.t_us);
        let known =
            KnownFinal { operation, settled, reason, cause: cause.clone(), proof: proof.clone(), t_us: first_us };
        self.transfers.insert(request_id, known);
        match &self.handling {
            Some(handled) => self.told.insert(request_id, handled.clone()),
            None => self.told.remove(&request_id),
        };
    }

    /// Records one note seen at `t_us`.
    pub fn record(&mut self, t_us: u64, note: &Note) {
        match note {
            Note::GetResult { org, resource, status, .. } => {
                self.gets.insert((org.clone(), resource.clone()), *status);
            }
            Note::VerifyResult { org, resource, agreed, tally, finding, .. } => {
                let detail = sentences::result(tally.as_ref(), finding.as_ref());
                self.verifies.push((org.clone(), resource.clone(), *agreed, detail));
            }
            Note::ProofResult { transfer, valid, tally, finding, .. } => {
                self.proofs.insert(*transfer, (*valid, sentences::result(tally.as_ref(), finding.as_ref())));
            }
            Note::BalanceResult { org, account, asset, answer, tally, finding, .. } => {
                let detail = sentences::result(Some(tally), finding.as_ref());
                let seen = BalanceSeen { org: org.clone(), answer: *answer, detail };
                self.balances.insert((account.clone(), asset.clone()), seen);
            }
            Note::TransferFinal { request_id, settled, reason, cause, proof, .. } => {
                self.known_final(t_us, None, *request_id, (*settled, *reason, cause, proof));
            }
            Note::OperationFinal { operation, request_id, settled, reason, cause, proof, .. } => {
                self.known_final(t_us, Some(*operation), *request_id, (*settled, *reason, cause, proof));
            }
            Note::SaleFinal { request_id, .. } | Note::OperationDecided { request_id, .. } => {
                self.sales_final.insert(*request_id);
            }
            Note::Suspect { by, org, .. } => {
                self.suspicions.insert((by.clone(), org.clone()));
            }
            Note::StateChange { actor, change, cause } => {
                self.state_change(actor.clone(), *change, cause);
            }
            Note::PlanStarted { org, request_id, plan, .. } => {
                let seen = self.plans.entry(*plan).or_default();
                (seen.coordinator, seen.request_id, seen.started_us) = (Some(org.clone()), *request_id, t_us);
            }
            Note::PlanInstruction { plan, n, rollback, status, height, proof, .. } => {
                let seen = InstructionSeen { status: *status, height: *height, proof: proof.clone() };
                self.plans.entry(*plan).or_default().instructions.insert((*n, *rollback), seen);
            }
            Note::PlanFinal { plan, status, reason, .. } => {
                let seen = self.plans.entry(*plan).or_default();
                seen.outcome.get_or_insert((*status, *reason, t_us));
            }
            unread_notes!() => {}
        }
    }

    /// Whether the checks read a note (`record` keeps something of it): the one list of what is
    /// history for the checks, which exploration reads too.
    pub fn reads(note: &Note) -> bool {
        !matches!(note, unread_notes!())
    }
}

impl crate::sim::Observer for Observations {
    fn step_started(&mut self, now_us: u64, action: &crate::scenario::Action) {
        if let Some(request_id) = action.request_id() {
            self.transfer_starts.insert(request_id, now_us);
        }
    }

    fn note(&mut self, now_us: u64, note: &Note) {
        self.record(now_us, note);
    }

    fn sent(&mut self, now_us: u64, sender: &ActorId, envelope: &Envelope) {
        if !envelope.kind.is_ledger_answer() {
            return;
        }
        if let ActorId::Org(org) = sender {
            if let Some(answer) = LedgerAnswer::of(now_us, org.clone(), envelope) {
                self.ledger_answers.push(answer);
            }
        }
    }

    fn delivered(&mut self, arrival: &crate::sim::Arrival<'_>) {
        let crate::sim::Arrival { times, sender, receiver, sent, intact, keep } = *arrival;
        if keep {
            self.handling = Some((sender.clone(), receiver.clone(), sent.clone()));
            if let ActorId::Org(to) = receiver {
                let kept = OrgArrival {
                    delivered_us: times.1,
                    from: sender.clone(),
                    to: to.clone(),
                    sent: sent.clone(),
                    intact,
                };
                self.arrivals.push(kept);
            }
        }
        if let (ActorId::Org(from), ActorId::Org(to), Kind::GetResponse) = (sender, receiver, sent.kind) {
            if let Some(delivery) = Delivery::of(times, from.clone(), to.clone(), sent.clone(), keep) {
                self.data_deliveries.push(delivery);
            }
        }
    }

    fn next_event(&mut self) {
        self.handling = None;
    }

    fn fault_started(&mut self, quiet_from_us: u64) {
        self.triggered_quiet_us = self.triggered_quiet_us.max(quiet_from_us);
    }

    fn ended(&mut self, ledgers: BTreeMap<ClusterId, LedgerSnapshot>, replicas: BTreeMap<OrgId, LedgerView>) {
        self.ledgers = ledgers;
        self.replicas = replicas;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Hash32;

    #[test]
    fn the_checks_read_step_results_final_statuses_suspicions_and_state_changes_only() {
        let org = || OrgId::from("org_1");
        let final_note = |operation| Note::OperationFinal {
            operation,
            org: org(),
            request_id: 1,
            settled: true,
            reason: Status::Ok,
            cause: Cause::DataTimeout,
            proof: None,
        };
        let operation = Operation::ALL[0];
        let decided = Note::OperationDecided {
            operation,
            org: org(),
            request_id: 1,
            settled: false,
            reason: Status::Balance,
            cause: Cause::DataTimeout,
        };
        for note in Operation::ALL.iter().map(|&operation| final_note(operation)).chain([decided]) {
            assert!(Observations::reads(&note), "{note:?}");
            let mut seen = Observations::for_seed(0);
            seen.record(5, &note);
            assert!(seen.transfers.contains_key(&1) || seen.sales_final.contains(&1), "{note:?} is kept");
        }
        let started = Note::OperationStarted {
            operation,
            org: org(),
            request_id: 1,
            account: ResourceId::parse("org_1:100:u").unwrap(),
        };
        let created = Note::TxCreated { org: org(), request_id: 1, tx_id: Hash32([0; 32]) };
        for note in [started, created] {
            assert!(!Observations::reads(&note), "{note:?}");
        }
        let mut seen = Observations::for_seed(0);
        seen.record(5, &final_note(operation));
        assert_eq!(seen.transfers[&1].operation, Some(operation));
    }
}
