//! One state of an exploration and its moves: every actor's state, the messages in flight (a
//! multiset), the timers set, where each flow step stands, the drops left, and a digest of what
//! the checks will read (the notes, the personal data delivered, the answers about the ledger).
//! A move is one event of a run without latencies; `World::apply` makes it with the same actor
//! code and the same bookkeeping as the engine (`sim`), so a path of moves replays there as a
//! schedule.

use super::schedule::{message_id, Choice, Transmission};
use crate::actors::boundary::{Boundary, Signer};
use crate::actors::cluster_ledger::ClusterLedger;
use crate::actors::directory::Directory;
use crate::actors::note::Note;
use crate::actors::organization::Organization;
use crate::actors::outbox::{Command, Input, Outbox};
use crate::actors::user::User;
use crate::actors::TimerId;
use crate::check::observations::Observations;
use crate::net::network::between_orgs;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::ActorId;
use crate::protocol::message::Kind;
use crate::scenario::Scenario;
use crate::sim::effects;
use crate::sim::flow::{self, Flow, StepState};
use crate::sim::genesis;
use crate::trace::StepNumber;
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

/// An actor's index in `Context::actors`.
pub type Actor = u32;

/// What every state of one exploration shares: the actors' names and boundaries, the flow.
pub struct Context {
    /// Every actor, in id order.
    pub actors: Vec<ActorId>,
    index: BTreeMap<ActorId, Actor>,
    /// Each actor's boundary (the null signer: no actor forges in an exploration).
    boundaries: Vec<Boundary>,
    dir: Arc<Directory>,
    flow: Flow,
    /// Each step: its actor, its command, its request id, whether it has `at_ms`.
    steps: Vec<(Actor, Command, u64, bool)>,
}

/// One actor's state machine.
// Each machine is held behind an `Arc` already: boxing the org would add an indirection for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Machine {
    Org(Organization),
    Ledger(ClusterLedger),
    User(User),
}

impl Machine {
    fn handle(&mut self, now: u64, input: Input) -> Outbox {
        match self {
            Machine::Org(m) => m.handle(now, input),
            Machine::Ledger(m) => m.handle(now, input),
            Machine::User(m) => m.handle(now, input),
        }
    }

    fn fingerprint(&self) -> u64 {
        let mut h = DefaultHasher::new();
        match self {
            Machine::Org(m) => m.state().hash(&mut h),
            Machine::Ledger(m) => m.state().hash(&mut h),
            Machine::User(m) => m.state().hash(&mut h),
        }
        h.finish()
    }
}

/// A message in flight: its sender and envelope, and how many copies.
#[derive(Clone, Debug)]
struct Flight {
    envelope: Arc<Envelope>,
    copies: u32,
}

/// One move: what can happen next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Move {
    /// Step (index from 0) starts.
    Start(u32),
    /// A copy of message `id` from `from` reaches `to`.
    Deliver {
        /// The receiver.
        to: Actor,
        /// The sender.
        from: Actor,
        /// The message (`schedule::message_id`).
        id: u64,
    },
    /// A copy of message `id` between two orgs is lost.
    Drop {
        /// The receiver.
        to: Actor,
        /// The sender.
        from: Actor,
        /// The message.
        id: u64,
    },
    /// A timer fires.
    Timer {
        /// Whose.
        actor: Actor,
        /// Which.
        timer: TimerId,
    },
}

/// What a move may touch, known before it is made (`Context::footprint`), for the reduction:
/// two moves commute when neither is `global` (a timeout: it fires only when all is quiet), they
/// are at different actors, they are not both drops (they share the budget) nor a drop and a
/// delivery of the same message, and they may not both write a last-one-wins observation of the
/// same kind (two orgs' balance results about one account, say: the checks read the last one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// Where it happens (`NO_ACTOR` for a drop).
    pub actor: Actor,
    /// The message it delivers or loses.
    pub message: Option<(Actor, Actor, u64)>,
    /// A drop.
    pub drop: bool,
    /// A timeout.
    pub global: bool,
    /// The last-one-wins observations it may write.
    pub keys: u8,
}

/// The actor of a move made at no actor (a drop).
pub const NO_ACTOR: Actor = Actor::MAX;
/// May write a balance result.
const BALANCE: u8 = 1;
/// May write a proof result.
const PROOF: u8 = 2;

impl Footprint {
    /// Whether two moves with these footprints commute.
    pub fn independent(&self, other: &Footprint) -> bool {
        !self.global
            && !other.global
            && (self.actor != other.actor || self.actor == NO_ACTOR)
            && !(self.drop && other.drop)
            && (self.message.is_none() || self.message != other.message)
            && self.keys & other.keys == 0
    }
}

/// One state.
#[derive(Clone)]
pub struct World {
    machines: Vec<Arc<Machine>>,
    machine_prints: Vec<u64>,
    in_flight: BTreeMap<(Actor, Actor, u64), Flight>,
    /// Each timer set, with when it is due.
    timers: BTreeMap<(Actor, TimerId), u64>,
    /// Virtual time: it passes only when a timeout fires (a delivery takes no time), so that a
    /// wait bounded by a deadline (a transfer's liveness) ends.
    now: u64,
    steps: Vec<StepState>,
    drops_left: u32,
    /// The multiset of what the checks read, as a sum of hashes.
    history: u64,
    /// The last-one-wins observations (balance and proof results): key → the note's hash.
    last: BTreeMap<u64, u64>,
}

fn hash_of(value: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

impl Context {
    /// The context and the initial state of exploring `scenario` (its faults left out) with the
    /// keys of `seed`, with up to `drops` losses.
    pub fn new(scenario: &Scenario, seed: u64, drops: u32) -> (Self, World) {
        let mut keys = genesis::signing_keys(scenario, seed);
        let dir = Arc::new(genesis::directory_with_keys(scenario, seed, &keys));
        let mut machines = BTreeMap::new();
        for org in scenario.orgs.keys() {
            let honest = Organization::new(org.clone(), dir.clone(), genesis::org_setup(scenario, org));
            machines.insert(ActorId::Org(org.clone()), Machine::Org(honest));
        }
        for cluster in scenario.clusters.keys() {
            machines.insert(
                ActorId::Ledger(cluster.clone()),
                Machine::Ledger(ClusterLedger::new(cluster.clone(), dir.clone())),
            );
        }
        for user in scenario.users.keys() {
            let me = ActorId::User(user.clone());
            let key = keys.remove(&me).expect("every user has a key");
            machines.insert(me, Machine::User(User::new(user.clone(), key, dir.clone())));
        }
        let actors: Vec<ActorId> = machines.keys().cloned().collect();
        let index: BTreeMap<ActorId, Actor> = actors.iter().enumerate().map(|(i, a)| (a.clone(), i as Actor)).collect();
        // An org's messages carry its signature inside a plan's instructions (its approval):
        // with plans, orgs seal for real (checking nothing), so that a found order's messages are
        // the run's, byte for byte.
        let plans = scenario.plans().next().is_some();
        let boundaries = actors
            .iter()
            .map(|actor| match (actor, plans) {
                (ActorId::Org(_), true) => {
                    let key = keys.remove(actor).expect("every org has a key");
                    Boundary::new(Signer::SealOnly(Box::new(key)), dir.clone())
                }
                _ => Boundary::new(Signer::Null, dir.clone()),
            })
            .collect();
        let flow = Flow::new(scenario);
        let steps = flow
            .steps()
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let (actor, _, command) = flow::dispatch(&step.action);
                (index[&actor], command, flow.request_id(i), step.at_us.is_some())
            })
            .collect();
        let machines: Vec<Arc<Machine>> = machines.into_values().map(Arc::new).collect();
        let world = World {
            machine_prints: machines.iter().map(|m| m.fingerprint()).collect(),
            machines,
            in_flight: BTreeMap::new(),
            timers: BTreeMap::new(),
            now: 0,
            steps: flow.states.clone(),
            drops_left: drops,
            history: 0,
            last: BTreeMap::new(),
        };
        let context = Self { actors, index, boundaries, dir, flow, steps };
        let mut world = world;
        context.queue_ready(&mut world);
        (context, world)
    }

    fn is_ledger(&self, actor: Actor) -> bool {
        matches!(self.actors[actor as usize], ActorId::Ledger(_))
    }

    /// Whether a timer may fire at any moment: a ledger's block close, a plan's await. Every
    /// other timer is a timeout, which fires only when nothing could still answer it.
    fn any_moment(&self, world: &World, actor: Actor, timer: TimerId) -> bool {
        self.is_ledger(actor)
            || matches!(&*world.machines[actor as usize], Machine::Org(org) if org.fires_any_moment(timer))
    }

    /// Marks every sequential step whose predecessors are done as due to start.
    fn queue_ready(&self, world: &mut World) {
        while let Some(step) = Flow::next_ready_in(&world.steps) {
            world.steps[step] = StepState::Scheduled;
        }
    }

    /// The schedule's name of a move in `world` (before it is made).
    pub fn choice(&self, world: &World, mv: Move) -> Choice {
        let name = |to: Actor, from: Actor, id: u64| {
            let flight = &world.in_flight[&(to, from, id)];
            Transmission::of(&self.actors[from as usize], &self.actors[to as usize], &flight.envelope)
        };
        match mv {
            Move::Start(step) => Choice::Start { step: StepNumber::of_index(step as usize) },
            Move::Deliver { to, from, id } => Choice::Deliver(name(to, from, id)),
            Move::Drop { to, from, id } => Choice::Drop(name(to, from, id)),
            Move::Timer { actor, timer } => Choice::Timer { actor: self.actors[actor as usize].clone(), timer },
        }
    }

    /// Every move that can be made in `world`, in a fixed order.
    pub fn moves(&self, world: &World) -> Vec<Move> {
        let mut moves = Vec::new();
        for (i, state) in world.steps.iter().enumerate() {
            let timed = self.steps[i].3;
            // A step with `at_ms` may start at any moment after the step before it started.
            let after_previous = i == 0 || !matches!(world.steps[i - 1], StepState::Waiting | StepState::Scheduled);
            if *state == StepState::Scheduled && (!timed || after_previous) {
                moves.push(Move::Start(i as u32));
            }
        }
        for &(to, from, id) in world.in_flight.keys() {
            moves.push(Move::Deliver { to, from, id });
        }
        if world.drops_left > 0 {
            for &(to, from, id) in world.in_flight.keys() {
                if between_orgs(&self.actors[from as usize], &self.actors[to as usize]) {
                    moves.push(Move::Drop { to, from, id });
                }
            }
        }
        // A timeout fires only when nothing could still answer it: no message in flight, no
        // block to close; the earliest due first. A ledger closes a block at any moment.
        let anytime = |(actor, timer): (Actor, TimerId)| self.any_moment(world, actor, timer);
        let quiet = world.in_flight.is_empty() && !world.timers.keys().any(|k| anytime(*k));
        let first_due = world.timers.iter().filter(|(k, _)| !anytime(**k)).map(|(_, due)| *due).min();
        for (&(actor, timer), &due) in &world.timers {
            if anytime((actor, timer)) || (quiet && Some(due) == first_due) {
                moves.push(Move::Timer { actor, timer });
            }
        }
        moves
    }

    /// What a move may touch (before it is made in `world`).
    pub fn footprint(&self, world: &World, mv: Move) -> Footprint {
        let (actor, message, keys) = match mv {
            Move::Start(step) => {
                let (actor, command, _, _) = &self.steps[step as usize];
                let keys = match command {
                    Command::Balance { .. } => BALANCE,
                    Command::VerifyProof { .. } => PROOF,
                    _ => 0,
                };
                (*actor, None, keys)
            }
            Move::Deliver { to, from, id } => {
                let keys = match world.in_flight.get(&(to, from, id)).map(|f| f.envelope.kind) {
                    Some(Kind::BalanceAnswer) => BALANCE,
                    Some(Kind::ProofAnswer) => PROOF,
                    _ => 0,
                };
                (to, Some((to, from, id)), keys)
            }
            Move::Drop { to, from, id } => {
                return Footprint { actor: NO_ACTOR, message: Some((to, from, id)), drop: true, global: false, keys: 0 }
            }
            Move::Timer { actor, .. } => (actor, None, 0),
        };
        let global = matches!(mv, Move::Timer { actor, timer } if !self.any_moment(world, actor, timer));
        Footprint { actor, message, drop: false, global, keys: if global { BALANCE | PROOF } else { keys } }
    }

    /// Makes a move in `world` (one that `moves` offered), as the engine would.
    pub fn apply(&self, world: &mut World, mv: Move) {
        let keys = self.footprint(world, mv).keys;
        let (actor, input) = match mv {
            Move::Start(step) => {
                let (actor, command, request_id, _) = &self.steps[step as usize];
                world.steps[step as usize] = StepState::Running;
                (*actor, Input::Command { request_id: *request_id, command: command.clone() })
            }
            Move::Deliver { to, from, id } => {
                let envelope = world.take(to, from, id);
                if envelope.kind == Kind::GetResponse {
                    if let (ActorId::Org(_), ActorId::Org(_)) = (&self.actors[from as usize], &self.actors[to as usize])
                    {
                        world.history = world.history.wrapping_add(hash_of(("data", from, to, id)));
                    }
                }
                (to, self.boundaries[to as usize].open(envelope))
            }
            Move::Drop { to, from, id } => {
                world.take(to, from, id);
                world.drops_left -= 1;
                world.history = world.history.wrapping_add(hash_of(("lost", from, to, id)));
                return;
            }
            Move::Timer { actor, timer } => {
                // An org's timer (a timeout, an await) moves the clock to when it was due, as a
                // replay does; a block close does not.
                let due = world.timers.remove(&(actor, timer)).unwrap_or(world.now);
                if !self.is_ledger(actor) {
                    world.now = world.now.max(due);
                }
                (actor, Input::Timer(timer))
            }
        };
        let now = world.now;
        let machine = Arc::make_mut(&mut world.machines[actor as usize]);
        let out = machine.handle(now, input);
        world.machine_prints[actor as usize] = machine.fingerprint();
        let expected = Self::names_its_results(keys, &out);
        effects::take(out, &mut Acting { cx: self, world: &mut *world, actor, id: None });
        self.queue_ready(world);
        debug_assert!(expected, "a move wrote a last-one-wins observation its footprint does not name: {mv:?}");
    }

    /// Whether the result notes of an outbox are named by `keys`, the footprint of the move that
    /// made it (the reduction's guess before the move; a test holds every bundled scenario to it).
    fn names_its_results(keys: u8, out: &Outbox) -> bool {
        let written = out.notes.iter().fold(0, |keys, note| match note {
            Note::BalanceResult { .. } => keys | BALANCE,
            Note::ProofResult { .. } => keys | PROOF,
            _ => keys,
        });
        written & !keys == 0
    }
}

/// An exploration, keeping the effects of one actor's move (`effects::take`, as the engine's run
/// keeps them).
struct Acting<'a> {
    cx: &'a Context,
    world: &'a mut World,
    actor: Actor,
    /// The last message sent and its id (`schedule::message_id`), taken once for all its copies.
    id: Option<(Arc<Envelope>, u64)>,
}

impl effects::Effects for Acting<'_> {
    fn boundary(&self) -> Option<&Boundary> {
        self.cx.boundaries.get(self.actor as usize)
    }

    fn directory(&self) -> &Arc<Directory> {
        &self.cx.dir
    }

    fn cancel(&mut self, timer: TimerId) {
        self.world.timers.remove(&(self.actor, timer));
    }

    fn set(&mut self, timer: TimerId, delay_us: u64) {
        self.world.timers.insert((self.actor, timer), self.world.now.saturating_add(delay_us));
    }

    fn note(&mut self, note: Note) {
        let world = &mut *self.world;
        // Only what the checks read (`Observations::record`) is history: a note for the trace
        // alone (a discard, a retry, a sync) would make a loop of the protocol look endless.
        let line = if Observations::reads(&note) { serde_json::to_vec(&note).unwrap_or_default() } else { Vec::new() };
        let print = hash_of(&line);
        if !line.is_empty() {
            world.history = world.history.wrapping_add(print);
        }
        let key = match &note {
            Note::BalanceResult { account, asset, .. } => Some(hash_of(("balance", account, asset))),
            Note::ProofResult { transfer, .. } => Some(hash_of(("proof", transfer))),
            _ => None,
        };
        if let Some(key) = key {
            world.last.insert(key, print);
        }
        if let Some(step) = self.cx.flow.finished_by_in(&world.steps, &note) {
            world.steps[step] = StepState::Finished;
        }
    }

    fn transmit(&mut self, envelope: &Arc<Envelope>, receiver: ActorId, _retry: bool) {
        let Some(&to) = self.cx.index.get(&receiver) else { return };
        let id = match &self.id {
            Some((last, id)) if Arc::ptr_eq(last, envelope) => *id,
            _ => {
                let id = message_id(envelope);
                self.id = Some((envelope.clone(), id));
                id
            }
        };
        let world = &mut *self.world;
        if envelope.kind.is_ledger_answer() && matches!(self.cx.actors[self.actor as usize], ActorId::Org(_)) {
            world.history = world.history.wrapping_add(hash_of(("answer", self.actor, to, id)));
        }
        let flight = world
            .in_flight
            .entry((to, self.actor, id))
            .or_insert_with(|| Flight { envelope: envelope.clone(), copies: 0 });
        flight.copies += 1;
    }
}

impl World {
    /// Takes one copy of a message in flight.
    fn take(&mut self, to: Actor, from: Actor, id: u64) -> Arc<Envelope> {
        let key = (to, from, id);
        let flight = self.in_flight.get_mut(&key).expect("a move names a message in flight");
        flight.copies -= 1;
        let envelope = flight.envelope.clone();
        if flight.copies == 0 {
            self.in_flight.remove(&key);
        }
        envelope
    }

    /// The state's fingerprint: equal states have equal fingerprints (and different ones,
    /// different fingerprints but for a 64-bit collision).
    pub fn fingerprint(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.machine_prints.hash(&mut h);
        for (key, flight) in &self.in_flight {
            (key, flight.copies).hash(&mut h);
        }
        self.timers.hash(&mut h);
        self.now.hash(&mut h);
        self.steps.hash(&mut h);
        self.drops_left.hash(&mut h);
        self.history.hash(&mut h);
        self.last.hash(&mut h);
        h.finish()
    }
}
