//! The simulation: a discrete-event loop whose nodes are actix actors.
//!
//! `Simulation` owns the virtual clock, the queue of pending events keyed by
//! `(virtual time, sequence number)`, the topology, the fault model, the flow and
//! the trace. It delivers one event to one actor, awaits its handler, takes the
//! outbox, decides the fate of each transmission (`net::faults::decide`), enqueues
//! the results, and only then pops the next event — so the order of everything is
//! fixed by `(time, seq)`, and a run never sleeps and never races. All actors live
//! on one actix System on the current thread.

pub(crate) mod adapter;
pub mod coverage;
pub(crate) mod effects;
pub(crate) mod flow;
pub(crate) mod genesis;
pub mod schedule;
pub mod script;
mod triggers;

use crate::actors::boundary::{Boundary, Signer};
use crate::actors::byzantine::{builtin, Byzantine, Misbehaviours};
use crate::actors::cluster_ledger::ClusterLedger;
use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::actors::directory::{Defences, Directory};
use crate::actors::note::{Discard, Note};
use crate::actors::organization::ledger_view::LedgerView;
use crate::actors::organization::Organization;
use crate::actors::outbox::{Input, Outbox};
use crate::actors::user::User;
use crate::lookup::Lookup;
use crate::net::network::{between_orgs, Network};
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{ActorId, ClusterId, OrgId};
use crate::protocol::keys;
use crate::scenario::Behaviour;
use crate::scenario::Scenario;
use crate::trace::{self, Event, Record, StepNumber};
use actix::{Actor, Addr, Recipient};
use adapter::{FinalSnapshot, Node, ReplicaSnapshot, Step};
use ed25519_dalek::SigningKey;
use flow::{Flow, StepState};
use schedule::{Choice, Misfit, Transmission};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

/// What stops a run that does not go quiet by itself: a protocol that never goes quiet, or a
/// scenario that asks for more than a run can hold, is a result to report, not a wait or an
/// abort. A run stopped by a limit ends like any other; the check `finished` fails and names
/// the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// The most events a run handles (plus `events_per_step` for each step of its flow).
    pub max_events: u64,
    /// The most bytes a run produces: its canonical trace so far (kept or streamed), and its
    /// queued events (each counted at `QUEUED_EVENT_BYTES`) (plus `bytes_per_step` for each step
    /// of its flow).
    pub max_bytes: u64,
    /// What each step of the flow adds to `max_events`: a long flow is a long run, not a storm.
    pub events_per_step: u64,
    /// What each step of the flow adds to `max_bytes`.
    pub bytes_per_step: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Self { max_events: 5_000_000, max_bytes: 256 << 20, events_per_step: 200, bytes_per_step: 64 << 10 }
    }
}

impl Budget {
    /// The limits of a run whose flow has `steps` steps.
    pub fn for_steps(self, steps: usize) -> Self {
        let steps = steps as u64;
        Self {
            max_events: self.max_events.saturating_add(self.events_per_step.saturating_mul(steps)),
            max_bytes: self.max_bytes.saturating_add(self.bytes_per_step.saturating_mul(steps)),
            events_per_step: 0,
            bytes_per_step: 0,
        }
    }
}

/// How a run is carried out: its budget, and (for tests of the checks) the protocol's defences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Where a run that does not go quiet stops.
    pub budget: Budget,
    /// Which defences against moving tokens twice are on (all, by default).
    pub defences: Defences,
    /// Keep every envelope handed to the network, in send order (for an evidence pack).
    pub record_envelopes: bool,
    /// Hash the trace (and hand each record to the run's tap, if it has one) without keeping
    /// it: the run's memory then does not grow with its history, and `RunResult::trace` is
    /// empty. (`Budget::max_bytes` still counts the trace: it bounds what a run produces.)
    pub forget_trace: bool,
    /// Sign nothing and check no signature (the null signer): every envelope is sealed with a
    /// zero signature and opened without a check, users sign with zeros, orgs accept users'
    /// signatures and the invariants' witness reads each envelope as its sender's: the engine's
    /// own cost, without any ed25519 work. Only for measuring; a scenario with forgery or
    /// corruption then runs differently (nothing is refused).
    pub null_signer: bool,
    /// Count no coverage (`RunResult::coverage` stays empty): the run then keeps no digest per
    /// delivery to tell a copy from a first delivery. `finsim run` reports no coverage; `finsim
    /// test` and `finsim explore` do.
    pub skip_coverage: bool,
}

/// One envelope handed to the network: when, by whom, to whom.
#[derive(Clone, Debug)]
pub struct SentEnvelope {
    /// Virtual time, microseconds.
    pub t_us: u64,
    /// The actor that sent it.
    pub from: ActorId,
    /// The actor it was sent to.
    pub to: ActorId,
    /// The envelope as it was sealed.
    pub envelope: Arc<Envelope>,
}

impl From<Budget> for Settings {
    fn from(budget: Budget) -> Self {
        Self { budget, ..Self::default() }
    }
}

/// What a run hands each trace record to as it happens, with the record's canonical line (its
/// JSON and a line feed: the bytes the digest hashes and a trace file holds).
pub type Tap<'a> = &'a mut dyn FnMut(&Record, &[u8]);

/// What a run tells whoever watches it, as things happen: the engine's one interface to the
/// checks above it (`check::observations::Observations` is the checks' observer), so that the
/// engine knows nothing of what is checked. Every method has a default that ignores the event.
pub trait Observer {
    /// A flow step started at `now_us`.
    fn step_started(&mut self, now_us: u64, action: &crate::scenario::Action) {
        let _ = (now_us, action);
    }

    /// An actor wrote `note` at `now_us`.
    fn note(&mut self, now_us: u64, note: &Note) {
        let _ = (now_us, note);
    }

    /// `sender` handed `envelope` to the network at `now_us` (once per receiver).
    fn sent(&mut self, now_us: u64, sender: &ActorId, envelope: &Envelope) {
        let _ = (now_us, sender, envelope);
    }

    /// A copy reached its receiver and is about to be opened.
    fn delivered(&mut self, arrival: &Arrival<'_>) {
        let _ = arrival;
    }

    /// The driver takes up its next event (a delivery, a timer, a step, a crash or a restart):
    /// the notes that follow, until the next call, are that event's.
    fn next_event(&mut self) {}

    /// A fault that starts on an event began; the network is quiet again from `quiet_from_us`
    /// on (a partition's end, a crash's restart, or the crash itself when it stays down).
    fn fault_started(&mut self, quiet_from_us: u64) {
        let _ = quiet_from_us;
    }

    /// The run ended: each cluster ledger's final state, and the replica of each org that is up.
    fn ended(&mut self, ledgers: BTreeMap<ClusterId, LedgerSnapshot>, replicas: BTreeMap<OrgId, LedgerView>) {
        let _ = (ledgers, replicas);
    }
}

/// A copy that reached its receiver, as an observer is told of it.
#[derive(Clone, Copy, Debug)]
pub struct Arrival<'a> {
    /// When it was sent and when it arrived.
    pub times: (u64, u64),
    /// The actor that put it on the wire.
    pub sender: &'a ActorId,
    /// The actor it reached.
    pub receiver: &'a ActorId,
    /// The envelope as it was sent (what arrived differs when the copy was corrupted).
    pub sent: &'a Arc<Envelope>,
    /// Whether what arrived is what was sent.
    pub intact: bool,
    /// Whether the run keeps envelopes (`Settings::record_envelopes`).
    pub keep: bool,
}

/// An observer that keeps nothing (a run measured for its cost alone).
impl Observer for () {}

/// One run for the engine: the scenario, the seed, the settings, where the scenario's custom
/// misbehaviours come from, and what each trace record is handed to.
pub struct Job<'a, 't> {
    /// What runs.
    pub scenario: &'a Scenario,
    /// The seed of its keys and draws.
    pub seed: u64,
    /// Its budget, defences and what it keeps.
    pub settings: Settings,
    /// The registry of the misbehaviours it may name as `custom`.
    pub misbehaviours: &'a dyn Misbehaviours,
    /// What each record is handed to as it happens.
    pub tap: Option<Tap<'t>>,
}

impl<'a, 't> Job<'a, 't> {
    /// `scenario` at `seed`, with default settings, no custom misbehaviour and no tap.
    pub fn new(scenario: &'a Scenario, seed: u64) -> Self {
        Self { scenario, seed, settings: Settings::default(), misbehaviours: &(), tap: None }
    }

    /// With `settings`.
    pub fn settings(self, settings: impl Into<Settings>) -> Self {
        Self { settings: settings.into(), ..self }
    }

    /// With the custom misbehaviours of `registry`.
    pub fn misbehaviours(self, registry: &'a dyn Misbehaviours) -> Self {
        Self { misbehaviours: registry, ..self }
    }

    /// Handing each record to `tap`.
    pub fn tap(self, tap: Tap<'t>) -> Self {
        Self { tap: Some(tap), ..self }
    }
}

/// What one queued event is counted as by `Budget::max_bytes` (the entry, its two actor ids,
/// its share of an envelope).
pub const QUEUED_EVENT_BYTES: u64 = 256;

/// What one recorded envelope costs a run's budget besides its payload: its line of an evidence
/// pack's `messages.jsonl` (header, signature in hex) and what the run holds of it.
pub const RECORDED_ENVELOPE_BYTES: u64 = 384;

/// The limit that stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `Budget::max_events` events (with the flow's allowance) were handled and more were queued.
    Events(u64),
    /// The run held more than `Budget::max_bytes` bytes.
    Bytes(u64),
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Events(n) => write!(f, "the run was stopped at its event limit ({n} events): it did not go quiet"),
            Limit::Bytes(n) => write!(
                f,
                "the run was stopped at its memory limit ({} MiB of trace and queued events): it did not go quiet",
                n >> 20
            ),
        }
    }
}

pub use crate::net::network::Stats;

/// What a run produced, before any check.
#[derive(Debug)]
pub struct RunResult<O = ()> {
    /// The canonical trace (empty when `Settings::forget_trace`).
    pub trace: Vec<Record>,
    /// SHA-256 (hex) of the canonical trace, hashed as the run went.
    pub digest: String,
    /// The run's observer, with what it kept.
    pub observations: O,
    /// Which (message kind, role, path) combinations the run took.
    pub coverage: coverage::Coverage,
    /// Transmission counts.
    pub stats: Stats,
    /// Every message of the run (user and ledger traffic included).
    pub messages: u64,
    /// The virtual time of the last event.
    pub virtual_us: u64,
    /// Steps that never finished.
    pub unfinished_steps: Vec<StepNumber>,
    /// The limit that stopped the run, if one did.
    pub stopped_by: Option<Limit>,
    /// The run's public directory (its keyring re-verifies causes in the checks).
    pub directory: Arc<Directory>,
    /// Every envelope handed to the network, in send order (when `Settings::record_envelopes`).
    pub sent: Vec<SentEnvelope>,
}

enum Pending {
    /// `envelope` as it arrives; `sent` as it was sent (they differ when it was corrupted).
    Deliver {
        sender: ActorId,
        receiver: ActorId,
        envelope: Arc<Envelope>,
        sent: Arc<Envelope>,
        sent_us: u64,
    },
    Timer {
        actor: ActorId,
        timer: u64,
    },
    StartStep(usize),
    Crash(OrgId),
    Restart(OrgId),
}

/// A pending event in the queue. The event is boxed so that the queue's sifts move three
/// words, not a delivery's two actor ids and two envelopes.
struct Scheduled {
    t_us: u64,
    seq: u64,
    pending: Box<Pending>,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.t_us, self.seq) == (other.t_us, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.t_us, self.seq).cmp(&(other.t_us, other.seq))
    }
}

/// An actix System on the current thread that runs simulations one after another.
/// A sweep keeps one per worker thread.
pub struct Runner {
    system: actix::SystemRunner,
}

impl Default for Runner {
    fn default() -> Self {
        Self::new()
    }
}

impl Runner {
    /// A new System on this thread, on a runtime without a timer or an IO driver: a run's time
    /// is virtual, so nothing in it may wait on the wall clock or a socket (and the runtime does
    /// not read the clock to drive timers on every turn).
    pub fn new() -> Self {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread().build().expect("a runtime without drivers needs no resources")
        };
        Self { system: actix::System::with_tokio_rt(runtime) }
    }

    /// Runs `job`, telling `observer` what happens; the run's actors stop when it ends. Never
    /// inlined: a profiler finds a run's whole cost under this one symbol (`docs/performance.md`).
    #[inline(never)]
    pub fn simulate<O: Observer>(&self, job: Job<'_, '_>, observer: O) -> RunResult<O> {
        let Job { scenario, seed, settings, misbehaviours, tap } = job;
        self.system.block_on(async {
            let mut simulation = Simulation::new(Cow::Borrowed(scenario), seed, settings, misbehaviours, observer);
            simulation.tap = tap;
            simulation.run(settings.budget).await
        })
    }

    /// Replays a schedule (`sim::schedule`) on a scenario without its faults, with the keys
    /// of `seed`: every event in the schedule's order, at virtual time 0.
    pub fn simulate_scheduled<O: Observer>(
        &self,
        scenario: &Scenario,
        seed: u64,
        schedule: &[Choice],
        observer: O,
    ) -> Result<RunResult<O>, Misfit> {
        let unfaulted = Scenario { faults: crate::scenario::Faults::default(), ..scenario.clone() };
        self.system.block_on(async {
            let mut simulation = Simulation::new(Cow::Owned(unfaulted), seed, Settings::default(), &(), observer);
            simulation.replay(schedule).await?;
            Ok(simulation.finish().await)
        })
    }
}

struct Simulation<'a, 't, O> {
    /// The scenario (owned by a script, which adds the faults it injects).
    scenario: Cow<'a, Scenario>,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<Scheduled>>,
    /// Each actor's node and the boundary its envelopes are opened and sealed at (looked up at
    /// every event, never iterated).
    actors: Lookup<ActorId, (Recipient<Step>, Boundary)>,
    ledgers: BTreeMap<ClusterId, Addr<Node<ClusterLedger>>>,
    orgs: BTreeMap<OrgId, Recipient<ReplicaSnapshot>>,
    network: Network,
    dir: Arc<Directory>,
    flow: Flow,
    /// The timers cancelled and not yet due, as (timer, actor).
    cancelled: Lookup<(u64, ActorId), ()>,
    /// The trace so far, unless the run forgets it (`Settings::forget_trace`).
    trace: Option<Vec<Record>>,
    /// What each record is handed to as it happens.
    tap: Option<Tap<'t>>,
    /// The digest of the trace so far, and its size in bytes (kept or streamed).
    trace_hasher: Sha256,
    trace_bytes: u64,
    /// Bytes of the envelopes kept for an evidence pack (`Settings::record_envelopes`), counted as
    /// the pack will write them (`RECORDED_ENVELOPE_BYTES` plus twice the payload, in hex).
    recorded_bytes: u64,
    /// The canonical line being written (one buffer for the whole run).
    line: Vec<u8>,
    observer: O,
    /// Which (message kind, role, path) combinations the run took.
    counter: coverage::Counter,
    messages: u64,
    /// Events handled so far, and the limit that stopped the run, if one did.
    events: u64,
    stopped_by: Option<Limit>,
    /// Every envelope handed to the network, when recorded.
    sent: Option<Vec<SentEnvelope>>,
    /// The faults that start on an event, not started yet.
    triggers: triggers::Triggers,
}

impl<'a, 't, O: Observer> Simulation<'a, 't, O> {
    /// A run's world at time 0, built with `settings`' defences and signer, keeping what
    /// `settings` asks it to keep (its `budget` is the caller's to apply).
    fn new(
        scenario: Cow<'a, Scenario>,
        seed: u64,
        settings: Settings,
        misbehaviours: &dyn Misbehaviours,
        observer: O,
    ) -> Self {
        let null_signer = settings.null_signer;
        let mut keys = genesis::signing_keys(&scenario, seed);
        let dir = Arc::new(Directory {
            defences: settings.defences,
            null_signer,
            ..genesis::directory_with_keys(&scenario, seed, &keys)
        });
        // Each actor's signer: its own key, a forger's forged key, or the null signer for all.
        let signer = |key: SigningKey| if null_signer { Signer::Null } else { Signer::Key(Box::new(key)) };
        let mut own_key = |me: &ActorId| keys.remove(me).expect("every actor has a key");
        let mut actors = Lookup::default();
        let mut ledgers = BTreeMap::new();
        let mut orgs = BTreeMap::new();
        for org in scenario.orgs.keys() {
            let setup = genesis::org_setup(&scenario, org);
            let (step, replica) = match scenario.faults.byzantine.get(org) {
                None => {
                    let honest = Organization::new(org.clone(), dir.clone(), setup);
                    let node = Node(honest).start();
                    (node.clone().recipient(), node.recipient())
                }
                Some(behaviours) => {
                    let mut ranked: Vec<_> = behaviours
                        .iter()
                        .filter_map(|b| match b {
                            Behaviour::Custom(name) => misbehaviours.make(name).map(|m| (u8::MAX, m)),
                            _ => b.word().and_then(builtin::by_name),
                        })
                        .collect();
                    ranked.sort_by_key(|(rank, _)| *rank);
                    let misbehaviours = ranked.into_iter().map(|(_, m)| m).collect();
                    let inner = Organization::new(org.clone(), dir.clone(), setup);
                    let byzantine = Byzantine::new(inner, org.clone(), dir.clone(), misbehaviours);
                    let node = Node(byzantine).start();
                    (node.clone().recipient(), node.recipient())
                }
            };
            // A forger's boundary seals with the forged key: one signature per message.
            let me = ActorId::Org(org.clone());
            let forges = scenario.faults.byzantine.get(org).is_some_and(|b| b.contains(&Behaviour::ForgeSignature));
            let own = own_key(&me);
            let key = if forges && !null_signer { keys::forged_key(seed, &me) } else { own };
            let boundary = Boundary::new(signer(key), dir.clone());
            actors.insert(me, (step, boundary));
            orgs.insert(org.clone(), replica);
        }
        for cluster in scenario.clusters.keys() {
            let node = Node(ClusterLedger::new(cluster.clone(), dir.clone())).start();
            let me = ActorId::Ledger(cluster.clone());
            let boundary = Boundary::new(signer(own_key(&me)), dir.clone());
            actors.insert(me, (node.clone().recipient(), boundary));
            ledgers.insert(cluster.clone(), node);
        }
        for user in scenario.users.keys() {
            let me = ActorId::User(user.clone());
            let key = own_key(&me);
            let node = Node(User::new(user.clone(), key.clone(), dir.clone())).start();
            actors.insert(me, (node.recipient(), Boundary::new(signer(key), dir.clone())));
        }
        let mut network = Network::new(&scenario, seed);
        let flow = Flow::new(&scenario);
        network.name_requests(flow.fate_names());
        let crashes = scenario.faults.crashes.clone();
        let timed_steps: Vec<(usize, u64)> =
            scenario.flow.iter().enumerate().filter_map(|(index, step)| step.at_us.map(|at| (index, at))).collect();
        let mut simulation = Self {
            scenario,
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            actors,
            ledgers,
            orgs,
            network,
            dir,
            flow,
            cancelled: Lookup::default(),
            trace: (!settings.forget_trace).then(Vec::new),
            tap: None,
            trace_hasher: Sha256::new(),
            trace_bytes: 0,
            recorded_bytes: 0,
            line: Vec::with_capacity(512),
            observer,
            counter: coverage::Counter::new(!settings.skip_coverage),
            messages: 0,
            events: 0,
            stopped_by: None,
            sent: settings.record_envelopes.then(Vec::new),
            triggers: triggers::Triggers::default(),
        };
        simulation.triggers = triggers::Triggers::of(&simulation.scenario);
        for crash in crashes.into_iter().filter(|c| c.on.is_none()) {
            simulation.schedule(crash.at_us, Pending::Crash(crash.org.clone()));
            if let Some(restart) = crash.restart_us {
                simulation.schedule(restart, Pending::Restart(crash.org));
            }
        }
        for (index, at_us) in timed_steps {
            simulation.schedule(at_us, Pending::StartStep(index));
        }
        simulation
    }

    fn is_down(&self, actor: &ActorId) -> bool {
        self.network.is_down(actor)
    }

    fn schedule(&mut self, t_us: u64, pending: Pending) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled { t_us, seq: self.seq, pending: Box::new(pending) }));
    }

    /// Appends to the trace, hashing the record's canonical line as it goes.
    fn record(&mut self, event: Event) {
        let record = Record { t_us: self.now, event };
        self.line.clear();
        trace::write_canonical_line(&mut self.line, &record);
        self.trace_hasher.update(&self.line);
        if let Some(tap) = &mut self.tap {
            tap(&record, &self.line);
        }
        self.trace_bytes += self.line.len() as u64;
        if let Some(trace) = &mut self.trace {
            trace.push(record);
        }
    }

    /// The bytes the run holds, as `Budget::max_bytes` counts them.
    fn held_bytes(&self) -> u64 {
        self.trace_bytes
            .saturating_add(self.recorded_bytes)
            .saturating_add((self.queue.len() as u64).saturating_mul(QUEUED_EVENT_BYTES))
    }

    async fn run(mut self, budget: Budget) -> RunResult<O> {
        self.advance(budget, None).await;
        self.finish().await
    }

    /// Handles events in order until none is left, the next is later than `until_us` (then
    /// the clock moves to `until_us`), or the budget runs out. Returns whether events remain.
    async fn advance(&mut self, budget: Budget, until_us: Option<u64>) -> bool {
        let budget = budget.for_steps(self.flow.steps().len());
        loop {
            if self.stopped_by.is_some() {
                return false;
            }
            self.queue_ready_steps();
            // Quiet, with steps waiting for orgs that stay down: they never start; the rest go on.
            // (A scripted run may still restart the org: only its run to the end abandons them.)
            if self.queue.is_empty() && until_us.is_none() && self.flow.abandon_waiting() {
                continue;
            }
            let later = |t_us: u64| until_us.is_some_and(|until| t_us > until);
            if self.queue.peek().is_none_or(|Reverse(next)| later(next.t_us)) {
                if let Some(until) = until_us {
                    self.now = self.now.max(until);
                }
                return !self.queue.is_empty();
            }
            let Some(Reverse(next)) = self.queue.pop() else { return false };
            // A cancelled timer, or one of an org that is down (its timers are lost), is no event:
            // it neither advances the clock nor reaches the trace.
            if let Pending::Timer { actor, timer } = &*next.pending {
                if self.cancelled.remove(&(*timer, actor.clone())).is_some() || self.is_down(actor) {
                    continue;
                }
            }
            self.events += 1;
            if self.events > budget.max_events {
                self.stopped_by = Some(Limit::Events(budget.max_events));
                return false;
            }
            if self.held_bytes() > budget.max_bytes {
                self.stopped_by = Some(Limit::Bytes(budget.max_bytes));
                return false;
            }
            self.now = next.t_us;
            self.handle(*next.pending).await;
        }
    }

    /// Handles one event.
    async fn handle(&mut self, pending: Pending) {
        self.observer.next_event();
        match pending {
            Pending::Deliver { sender, receiver, envelope, sent, sent_us } => {
                self.deliver(sender, receiver, envelope, sent, sent_us).await
            }
            Pending::Timer { actor, timer } => self.call(&actor, Input::Timer(timer)).await,
            Pending::StartStep(step) => self.start_step(step).await,
            Pending::Crash(org) => {
                if self.network.crash(&org) {
                    self.record(Event::Crashed { org: org.to_string() });
                    self.call(&ActorId::Org(org), Input::Crash).await;
                }
            }
            Pending::Restart(org) => {
                if self.network.restart(&org) {
                    self.record(Event::Restarted { org: org.to_string() });
                    self.call(&ActorId::Org(org.clone()), Input::Restart).await;
                    for step in self.flow.awaiting(&org) {
                        self.flow.states[step] = StepState::Scheduled;
                        self.schedule(self.now, Pending::StartStep(step));
                    }
                }
            }
        }
    }

    /// Queues every sequential step whose predecessors have finished, to start now.
    fn queue_ready_steps(&mut self) {
        while let Some(step) = self.flow.next_ready() {
            self.flow.states[step] = StepState::Scheduled;
            self.schedule(self.now, Pending::StartStep(step));
        }
    }

    /// Replays a schedule: each of its events is taken from those pending, whatever their
    /// times (virtual time passes only when an org's timeout fires, as in an exploration); a
    /// dropped message is lost in transit. Afterwards nothing may be left to happen.
    async fn replay(&mut self, choices: &[Choice]) -> Result<(), Misfit> {
        for (index, choice) in choices.iter().enumerate() {
            self.queue_ready_steps();
            let Some((t_us, pending)) = self.take(choice) else {
                return Err(Misfit::Impossible { index: index + 1, choice: Box::new(choice.clone()) });
            };
            self.events += 1;
            match (choice, pending) {
                (Choice::Drop(_), Pending::Deliver { sender, receiver, envelope, .. }) => {
                    let lost = self.network.lose(&sender, &receiver, &envelope);
                    self.record(lost);
                }
                (_, pending) => {
                    // Time passes only when a timeout fires, as in an exploration.
                    if let Pending::Timer { actor: ActorId::Org(_), .. } = &pending {
                        self.now = self.now.max(t_us);
                    }
                    self.handle(pending).await
                }
            }
        }
        self.queue_ready_steps();
        let live: Vec<Choice> = self.queue.iter().filter_map(|Reverse(s)| self.choice_of(&s.pending)).collect();
        match live.into_iter().min_by_key(|c| c.to_string()) {
            None => Ok(()),
            Some(next) => {
                let left = self.queue.iter().filter(|Reverse(s)| self.choice_of(&s.pending).is_some()).count();
                Err(Misfit::Unfinished { left, next: Box::new(next) })
            }
        }
    }

    /// The schedule's name of a pending event that can still happen (none for a cancelled timer
    /// or a step that is not due).
    fn choice_of(&self, pending: &Pending) -> Option<Choice> {
        match pending {
            Pending::Deliver { sender, receiver, envelope, .. } => {
                Some(Choice::Deliver(Transmission::of(sender, receiver, envelope)))
            }
            Pending::Timer { actor, timer } => (!self.cancelled.contains(&(*timer, actor.clone())))
                .then(|| Choice::Timer { actor: actor.clone(), timer: *timer }),
            Pending::StartStep(step) => (self.flow.states[*step] == StepState::Scheduled)
                .then(|| Choice::Start { step: StepNumber::of_index(*step) }),
            Pending::Crash(_) | Pending::Restart(_) => None,
        }
    }

    /// Takes the earliest pending event the choice names, if there is one, with its time.
    fn take(&mut self, choice: &Choice) -> Option<(u64, Pending)> {
        let mut pending = std::mem::take(&mut self.queue).into_sorted_vec();
        // `into_sorted_vec` of `Reverse` items is latest first: search from the end.
        let found = pending.iter().rposition(|Reverse(s)| match (choice, &*s.pending) {
            (Choice::Deliver(t) | Choice::Drop(t), Pending::Deliver { sender, receiver, envelope, .. }) => {
                t.names(sender, receiver, envelope)
                    && (matches!(choice, Choice::Deliver(_)) || between_orgs(sender, receiver))
            }
            (Choice::Timer { actor, timer }, Pending::Timer { actor: a, timer: t }) => {
                actor == a && timer == t && !self.cancelled.contains(&(*t, a.clone()))
            }
            // A step starts once it is due and the step before it has started (as explored).
            (Choice::Start { step }, Pending::StartStep(s)) => {
                let after_previous = s.checked_sub(1).is_none_or(|before| {
                    !matches!(self.flow.states[before], StepState::Waiting | StepState::Scheduled)
                });
                step.index() == *s && step.0 >= 1 && self.flow.states[*s] == StepState::Scheduled && after_previous
            }
            _ => false,
        });
        let taken = found.map(|at| {
            let Reverse(s) = pending.remove(at);
            (s.t_us, *s.pending)
        });
        self.queue = pending.into();
        taken
    }

    async fn finish(mut self) -> RunResult<O> {
        let stopped_by = self.stopped_by;
        let mut ledgers = BTreeMap::new();
        for (cluster, ledger) in &self.ledgers {
            let snapshot: LedgerSnapshot = ledger.send(FinalSnapshot).await.expect("ledger actors outlive the run");
            ledgers.insert(cluster.clone(), snapshot);
        }
        let mut replicas = BTreeMap::new();
        for (org, node) in &self.orgs {
            if !self.network.is_down(&ActorId::Org(org.clone())) {
                let replica = node.send(ReplicaSnapshot).await.expect("org actors outlive the run");
                replicas.insert(org.clone(), replica);
            }
        }
        self.observer.ended(ledgers, replicas);
        let unfinished_steps = self
            .flow
            .states
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != StepState::Finished)
            .map(|(i, _)| StepNumber::of_index(i))
            .collect();
        RunResult {
            trace: self.trace.unwrap_or_default(),
            digest: const_hex::encode(self.trace_hasher.finalize()),
            observations: self.observer,
            coverage: self.counter.coverage,
            stats: self.network.stats,
            messages: self.messages,
            virtual_us: self.now,
            unfinished_steps,
            stopped_by,
            directory: self.dir,
            sent: self.sent.unwrap_or_default(),
        }
    }

    async fn start_step(&mut self, step: usize) {
        if self.flow.states[step] != StepState::Scheduled {
            return;
        }
        let action = self.flow.steps()[step].action.clone();
        let (actor, org, command) = flow::dispatch(&action);
        // The network is the one record of who is down; a crash or restart due at this very
        // instant was queued before the step, so it has been applied.
        if self.network.is_down(&ActorId::Org(org)) {
            self.flow.states[step] = StepState::AwaitingRestart;
            return;
        }
        self.flow.states[step] = StepState::Running;
        let request_id = self.flow.request_id(step);
        self.observer.step_started(self.now, &action);
        self.record(Event::StepStarted {
            step: StepNumber::of_index(step),
            actor: actor.clone(),
            request_id,
            command: command.clone(),
        });
        self.call(&actor, Input::Command { request_id, command }).await;
    }

    async fn call(&mut self, actor: &ActorId, input: Input) {
        if let Some(out) = self.handled(actor, input).await {
            self.apply(actor.clone(), out);
        }
    }

    /// What `actor`'s handler does with `input` (nothing for an actor that is not there).
    async fn handled(&mut self, actor: &ActorId, input: Input) -> Option<Outbox> {
        let (recipient, _) = self.actors.get(actor)?;
        Some(recipient.send(Step { now: self.now, input }).await.expect("actors outlive the run"))
    }

    /// Applies an actor's outbox: timers, notes (trace, observations, flow), sends.
    fn apply(&mut self, actor: ActorId, out: Outbox) {
        self.counter.exchanges(&actor, &out);
        if matches!(actor, ActorId::Ledger(_)) && !self.triggers.is_empty() {
            for fault in self.triggers.fired(&out) {
                self.start_fault(fault);
            }
        }
        effects::take(out, &mut Acting { sim: self, actor });
    }

    /// A fault whose event just happened starts now.
    fn start_fault(&mut self, fault: triggers::Fault) {
        match fault {
            triggers::Fault::Partition(partition) => {
                let started = partition.started_at(self.now);
                self.observer.fault_started(started.until_us);
                self.record(Event::PartitionStarted { until_us: started.until_us });
                self.scenario.to_mut().faults.partitions.push(started);
            }
            triggers::Fault::Crash(crash) => {
                let back = crash.restart_us.map(|d| self.now.saturating_add(d));
                self.observer.fault_started(back.unwrap_or(self.now));
                self.schedule(self.now, Pending::Crash(crash.org.clone()));
                if let Some(back) = back {
                    self.schedule(back, Pending::Restart(crash.org));
                }
            }
        }
    }

    /// One transmission: the network decides its fate; the driver records and schedules.
    fn transmit(&mut self, sender: ActorId, receiver: ActorId, envelope: Arc<Envelope>, retry: bool) {
        self.messages += 1;
        if let Some(sent) = &mut self.sent {
            let written = RECORDED_ENVELOPE_BYTES.saturating_add(2 * envelope.payload().len() as u64);
            self.recorded_bytes = self.recorded_bytes.saturating_add(written);
            let record =
                SentEnvelope { t_us: self.now, from: sender.clone(), to: receiver.clone(), envelope: envelope.clone() };
            sent.push(record);
        }
        self.observer.sent(self.now, &sender, &envelope);
        let transmitted = self.network.transmit(self.now, &self.scenario.faults, sender, receiver, envelope, retry);
        for event in transmitted.events {
            self.record(event);
        }
        for a in transmitted.arrivals {
            let pending = Pending::Deliver {
                sender: a.sender,
                receiver: a.receiver,
                envelope: a.envelope,
                sent: a.sent,
                sent_us: a.sent_us,
            };
            self.schedule(a.arrival_us, pending);
        }
    }

    async fn deliver(
        &mut self,
        sender: ActorId,
        receiver: ActorId,
        envelope: Arc<Envelope>,
        sent: Arc<Envelope>,
        sent_us: u64,
    ) {
        let delivered = self.network.arrive(&sender, &receiver, &envelope);
        if !matches!(delivered, Event::Delivered { .. }) {
            return self.record(delivered);
        }
        let intact = Arc::ptr_eq(&envelope, &sent) || envelope == sent;
        let arrival = Arrival {
            times: (sent_us, self.now),
            sender: &sender,
            receiver: &receiver,
            sent: &sent,
            intact,
            keep: self.sent.is_some(),
        };
        self.observer.delivered(&arrival);
        self.record(delivered);
        // The receiver is looked up once: its boundary opens the envelope, its mailbox takes it.
        let Some((recipient, boundary)) = self.actors.get(&receiver) else { return };
        let copy = self.counter.is_copy(&receiver, &envelope);
        let kind = envelope.kind;
        let input = boundary.open(envelope);
        let status = match &input {
            Input::Receive(received) => received.message.body.status(),
            _ => None,
        };
        let request = recipient.send(Step { now: self.now, input });
        let out = request.await.expect("actors outlive the run");
        self.counter.delivered(&receiver, kind, status, copy, &out);
        self.apply(receiver, out);
    }
}

/// The engine's run, keeping the effects of one actor's handler (`effects::take`).
struct Acting<'s, 'a, 't, O> {
    sim: &'s mut Simulation<'a, 't, O>,
    actor: ActorId,
}

impl<O: Observer> effects::Effects for Acting<'_, '_, '_, O> {
    fn boundary(&self) -> Option<&Boundary> {
        self.sim.actors.get(&self.actor).map(|(_, boundary)| boundary)
    }

    fn directory(&self) -> &Arc<Directory> {
        &self.sim.dir
    }

    fn cancel(&mut self, timer: u64) {
        self.sim.cancelled.insert((timer, self.actor.clone()), ());
    }

    fn set(&mut self, timer: u64, delay_us: u64) {
        let sim = &mut *self.sim;
        sim.cancelled.remove(&(timer, self.actor.clone()));
        sim.schedule(sim.now.saturating_add(delay_us), Pending::Timer { actor: self.actor.clone(), timer });
    }

    fn note(&mut self, note: Note) {
        let sim = &mut *self.sim;
        if let Note::Discarded { reason: Discard::BadSignature, .. } = &note {
            sim.network.stats.bad_signatures += 1;
        }
        if let Note::Retry { .. } = &note {
            sim.network.stats.retries += 1;
        }
        sim.observer.note(sim.now, &note);
        let finished = sim.flow.finished_by(&note);
        sim.record(Event::Note(note));
        if let Some(step) = finished {
            sim.flow.states[step] = StepState::Finished;
            sim.record(Event::StepFinished { step: StepNumber::of_index(step) });
        }
    }

    fn transmit(&mut self, envelope: &Arc<Envelope>, receiver: ActorId, retry: bool) {
        self.sim.transmit(self.actor.clone(), receiver, envelope.clone(), retry);
    }
}

#[cfg(test)]
mod tests {
    use super::Budget;

    #[test]
    fn each_step_of_the_flow_adds_its_allowance_once() {
        let budget = Budget::default().for_steps(10);
        assert_eq!(budget.max_events, 5_000_000 + 10 * 200);
        assert_eq!(budget.max_bytes, (256 << 20) + 10 * (64 << 10));
        assert_eq!(budget.for_steps(10), budget, "the allowance is not added twice");
        let none = Budget { events_per_step: 0, bytes_per_step: 0, ..Budget::default() };
        assert_eq!(none.for_steps(1_000), none);
    }
}
