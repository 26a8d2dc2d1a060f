//! The flow: which step starts when. A step without `at_ms` starts when every step
//! before it has finished; a step with `at_ms` starts at that virtual time whatever
//! the others are doing. A step finishes when its result note arrives (matched by
//! request id). Every step starts through the event queue, at the virtual time it may start.
//! A step whose org is down then waits for the org's restart; a step whose org never comes
//! back is abandoned when nothing else is left to happen, and the steps after it go on.

use crate::actors::note::Note;
use crate::actors::outbox::Command;
use crate::protocol::ids::{ActorId, OrgId};
use crate::scenario::{Action, Scenario, Step};
use std::collections::BTreeMap;

/// Where a step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepState {
    /// Not started.
    Waiting,
    /// Queued to start (at its `at_ms`, or now that the steps before it have finished).
    Scheduled,
    /// Its org was down when it was due: it starts when the org restarts.
    AwaitingRestart,
    /// Started, not finished.
    Running,
    /// Finished.
    Finished,
    /// Never started: its org was down and did not come back before the run went quiet.
    Abandoned,
}

impl StepState {
    /// Whether the steps after it may start (a sequential step waits for every earlier one).
    pub fn is_done(self) -> bool {
        matches!(self, StepState::Finished | StepState::Abandoned)
    }
}

/// The flow of one run.
#[derive(Debug)]
pub struct Flow {
    steps: Vec<Step>,
    /// Each step's state.
    pub states: Vec<StepState>,
    request_ids: Vec<u64>,
    by_request: BTreeMap<u64, usize>,
    /// No step before this one is waiting (a step never goes back to `Waiting`).
    waiting_from: usize,
    /// Every step before this one is done (`is_done` is final).
    done_until: usize,
}

impl Flow {
    /// The flow of a scenario; request ids of the steps that do not move tokens are numbered
    /// above every transfer's, issue's and redeem's, so they never collide.
    pub fn new(scenario: &Scenario) -> Self {
        let max_transfer = scenario.flow.iter().filter_map(|s| s.action.request_id()).max().unwrap_or(0);
        let base = if max_transfer < 1_000_000 { 1_000_000 } else { max_transfer.saturating_add(1) };
        let request_ids: Vec<u64> = scenario
            .flow
            .iter()
            .enumerate()
            .map(|(i, s)| s.action.request_id().unwrap_or_else(|| base.saturating_add(i as u64)))
            .collect();
        let by_request = request_ids.iter().enumerate().map(|(i, r)| (*r, i)).collect();
        let states = scenario
            .flow
            .iter()
            .map(|s| if s.at_us.is_some() { StepState::Scheduled } else { StepState::Waiting })
            .collect();
        Self { steps: scenario.flow.clone(), states, request_ids, by_request, waiting_from: 0, done_until: 0 }
    }

    /// The steps.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The names the network keys the randomness of each step's messages by, for the steps whose
    /// request id finsim numbers (every step but a transfer, whose id is the file's): the step's
    /// identity, hashed, and how many identical steps came before it. A request id follows the
    /// step's place in the flow; this name does not, so removing one step (as `finsim shrink`
    /// does) changes the fate of no other step's messages.
    pub fn fate_names(&self) -> BTreeMap<u64, String> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut names = BTreeMap::new();
        for (step, request_id) in self.steps.iter().zip(&self.request_ids) {
            if step.action.request_id().is_some() {
                continue;
            }
            let digest = crate::crypto::Hash32::of(step.identity().as_bytes()).to_hex();
            let occurrence = seen.entry(digest.clone()).or_default();
            names.insert(*request_id, format!("step-{}-{occurrence}", &digest[..16]));
            *occurrence += 1;
        }
        names
    }

    /// The request id of a step's exchange.
    pub fn request_id(&self, step: usize) -> u64 {
        self.request_ids[step]
    }

    /// The next sequential step that may start now, if any: `next_ready_in` of the states, in
    /// constant time per call over a run (two cursors that only move forward, since no step
    /// goes back to waiting and a done step stays done), not a scan of the flow per event.
    pub fn next_ready(&mut self) -> Option<usize> {
        let states = &self.states;
        while self.waiting_from < states.len() && states[self.waiting_from] != StepState::Waiting {
            self.waiting_from += 1;
        }
        let next = self.waiting_from;
        if next == states.len() {
            return None;
        }
        while self.done_until < next && states[self.done_until].is_done() {
            self.done_until += 1;
        }
        (self.done_until == next).then_some(next)
    }

    /// The next sequential step that may start, given every step's state.
    pub fn next_ready_in(states: &[StepState]) -> Option<usize> {
        let next = states.iter().position(|s| *s == StepState::Waiting)?;
        let earlier_done = states[..next].iter().all(|s| s.is_done());
        earlier_done.then_some(next)
    }

    /// Which step a note finishes, if it is a step's result.
    pub fn finished_by(&self, note: &Note) -> Option<usize> {
        self.finished_by_in(&self.states, note)
    }

    /// Which step a note finishes given every step's state, if it is a step's result.
    pub fn finished_by_in(&self, states: &[StepState], note: &Note) -> Option<usize> {
        let request_id = match note {
            Note::Advertised { request_id, .. }
            | Note::GetResult { request_id, .. }
            | Note::VerifyResult { request_id, .. }
            | Note::ProofResult { request_id, .. }
            | Note::BalanceResult { request_id, .. }
            | Note::TransferFinal { request_id, .. }
            | Note::OperationFinal { request_id, .. }
            | Note::PlanFinal { request_id, .. } => *request_id,
            // Every other note is no step's result (listed, so that a new note is a compile error
            // here until it says whether it finishes a step).
            Note::AdvertisementReceived { .. }
            | Note::TransferStarted { .. }
            | Note::TxCreated { .. }
            | Note::StatusResult { .. }
            | Note::SaleFinal { .. }
            | Note::OperationStarted { .. }
            | Note::OperationDecided { .. }
            | Note::PlanStarted { .. }
            | Note::PlanInstruction { .. }
            | Note::Compliance { .. }
            | Note::PersonalData { .. }
            | Note::Submitted { .. }
            | Note::BlockClosed { .. }
            | Note::EscrowClosed { .. }
            | Note::TxRefused { .. }
            | Note::Suspect { .. }
            | Note::Discarded { .. }
            | Note::Retry { .. }
            | Note::WaitEnded { .. }
            | Note::Timeout { .. }
            | Note::Misbehaved { .. }
            | Note::Replayed { .. }
            | Note::StateChange { .. } => return None,
        };
        let step = *self.by_request.get(&request_id)?;
        (states[step] == StepState::Running).then_some(step)
    }

    /// The steps waiting for `org` to restart.
    pub fn awaiting(&self, org: &OrgId) -> Vec<usize> {
        (0..self.steps.len())
            .filter(|&i| self.states[i] == StepState::AwaitingRestart && &dispatch(&self.steps[i].action).1 == org)
            .collect()
    }

    /// Abandons every step still waiting for a restart; `true` if there was one.
    pub fn abandon_waiting(&mut self) -> bool {
        let mut any = false;
        for state in &mut self.states {
            if *state == StepState::AwaitingRestart {
                *state = StepState::Abandoned;
                any = true;
            }
        }
        any
    }
}

/// The actor a step starts at, the org whose availability it needs, and the command.
pub fn dispatch(action: &Action) -> (ActorId, OrgId, Command) {
    match action.clone() {
        Action::Advertise { org, asset, to } => (ActorId::Org(org.clone()), org, Command::Advertise { asset, to }),
        Action::Get { org, resource, accept } => (ActorId::Org(org.clone()), org, Command::Get { resource, accept }),
        Action::Verify { org, cluster, resource } => {
            (ActorId::Org(org.clone()), org, Command::Verify { cluster, resource })
        }
        Action::VerifyProof { org, cluster, request_id } => {
            (ActorId::Org(org.clone()), org, Command::VerifyProof { cluster, transfer_request_id: request_id })
        }
        Action::Balance { org, cluster, account, asset } => {
            (ActorId::Org(org.clone()), org, Command::Balance { cluster, account, asset })
        }
        Action::Plan { plan } => {
            let org = plan.coordinator.clone();
            (ActorId::Org(org.clone()), org, Command::Plan { plan })
        }
        Action::Moves(moving) => moving.moves().dispatch(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way the sample flow's six sequential steps can move forward (each step, in an
    /// order drawn from a fixed stream, goes Waiting → Scheduled → Running → Finished or Abandoned):
    /// the cursors always give what a scan of the states gives.
    #[test]
    fn the_cursors_agree_with_a_scan_of_the_states() {
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        let mut draw = 7u64;
        for _ in 0..200 {
            let mut flow = Flow::new(&scenario);
            for _ in 0..40 {
                assert_eq!(flow.next_ready(), Flow::next_ready_in(&flow.states));
                draw = draw.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let step = (draw >> 33) as usize % flow.states.len();
                flow.states[step] = match flow.states[step] {
                    StepState::Waiting => StepState::Scheduled,
                    StepState::Scheduled => StepState::Running,
                    StepState::Running if draw.is_multiple_of(5) => StepState::Abandoned,
                    StepState::Running => StepState::Finished,
                    done => done,
                };
            }
            assert_eq!(flow.next_ready(), Flow::next_ready_in(&flow.states));
        }
    }
}
