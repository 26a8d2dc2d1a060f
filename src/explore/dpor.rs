//! The reduced search: source-DPOR (Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic partial
//! order reduction", POPL 2014) with sleep sets, depth-first and stateless. It makes one order
//! of the moves, finds the races in it (two dependent moves that could have happened the other
//! way round: neither happens before the other), and adds, where the first of them was made, a
//! move that starts the other order; sleep sets keep it from making an order that only swaps
//! commuting moves of one already made. Every end state reachable is reached (the reduction
//! only skips orders equivalent to one explored: same moves at each actor, in the same order).
//!
//! Happens-before is tracked with vector clocks: an event's clock names, for each actor, the
//! last event of that actor before it (by position in the current order); a delivery follows
//! its message's send, a step's start follows what made it due, a timeout follows everything
//! (it fires only when all is quiet). Where a timeout can fire every move is made (a full
//! expansion), and so is every drop wherever drops are left.

use super::schedule::Choice;
use super::world::{Actor, Context, Footprint, Move, World, NO_ACTOR};
use std::collections::{BTreeMap, BTreeSet};

/// The longest path searched (a flow that long does not go quiet).
pub const MAX_DEPTH: usize = 100_000;

/// For each actor, the position (from 1) of its last event that happened before; 0 for none.
type Clock = Vec<u32>;

fn join(a: &mut Clock, b: &Clock) {
    for (x, y) in a.iter_mut().zip(b) {
        *x = (*x).max(*y);
    }
}

/// The clocks of one state: of the event that sent each message, set each timer, started or
/// finished each step, and of every event joined.
#[derive(Clone)]
struct Clocks {
    messages: BTreeMap<(Actor, Actor, u64), Clock>,
    timers: BTreeMap<(Actor, u64), Clock>,
    started: Vec<Option<Clock>>,
    finished: Vec<Option<Clock>>,
    all: Clock,
}

/// The move made from a frame, with what the race detection reads.
#[derive(Clone)]
struct Taken {
    mv: Move,
    footprint: Footprint,
    actor: Actor,
    /// The event's clock (its own position included).
    clock: Clock,
}

struct Frame {
    world: World,
    clocks: Clocks,
    moves: Vec<Move>,
    backtrack: Vec<Move>,
    done: Vec<(Move, Footprint)>,
    sleep: Vec<(Move, Footprint)>,
    taken: Option<Taken>,
    fresh: bool,
}

/// What the reduced search found.
pub struct Found {
    /// Moves made.
    pub transitions: u64,
    /// Distinct states seen.
    pub distinct: u64,
    /// Each distinct end state's schedule and length, in the order found.
    pub ends: Vec<(Vec<Choice>, u32)>,
    /// Whether it ran to the end.
    pub complete: bool,
}

/// Searches from `initial`, making at most `max_moves` moves.
pub fn search(context: &Context, initial: World, max_moves: u64) -> Found {
    let actors = context.actor_count();
    let steps = initial.step_count();
    let clocks = Clocks {
        messages: BTreeMap::new(),
        timers: BTreeMap::new(),
        started: vec![None; steps],
        finished: vec![None; steps],
        all: vec![0; actors],
    };
    let mut seen: BTreeSet<u64> = BTreeSet::from([initial.fingerprint()]);
    let mut ends: Vec<(Vec<Choice>, u32)> = Vec::new();
    let mut end_prints: BTreeSet<u64> = BTreeSet::new();
    let mut transitions = 0;
    let mut verdicts = Verdicts::new();
    let mut frames = vec![frame(context, initial, clocks, Vec::new())];
    while let Some(top) = frames.last_mut() {
        if top.fresh {
            top.fresh = false;
            if top.moves.is_empty() {
                let print = top.world.fingerprint();
                if end_prints.insert(print) {
                    let path = frames[..frames.len() - 1]
                        .iter()
                        .map(|f| {
                            context.choice(&f.world, f.taken.as_ref().expect("a frame below the top made a move").mv)
                        })
                        .collect();
                    ends.push((path, (frames.len() - 1) as u32));
                }
                frames.pop();
                continue;
            }
            let footprints: Vec<Footprint> = top.moves.iter().map(|m| context.footprint(&top.world, *m)).collect();
            let asleep = |m: &Move| top.sleep.iter().any(|(s, _)| s == m);
            if footprints.iter().any(|f| f.global) {
                top.backtrack = top.moves.clone();
            } else {
                top.backtrack = top.moves.iter().filter(|m| !asleep(m)).take(1).copied().collect();
                for (m, f) in top.moves.iter().zip(&footprints) {
                    if f.drop && !top.backtrack.contains(m) {
                        top.backtrack.push(*m);
                    }
                }
            }
        }
        let top = frames.last_mut().expect("the loop holds a frame");
        let next = top
            .backtrack
            .iter()
            .find(|m| !top.done.iter().any(|(d, _)| d == *m) && !top.sleep.iter().any(|(s, _)| s == *m))
            .copied();
        let Some(mv) = next else {
            frames.pop();
            continue;
        };
        // A path this long means the flow does not go quiet: a bound, not a verdict.
        if transitions >= max_moves || frames.len() > MAX_DEPTH {
            return Found { transitions, distinct: seen.len() as u64, ends, complete: false };
        }
        let top_index = frames.len() - 1;
        let footprint = context.footprint(&frames[top_index].world, mv);
        let (actor, cause) = cause(context, &frames[top_index], mv, &footprint);
        let mut taken = Taken { mv, footprint: footprint.clone(), actor, clock: cause };
        races(context, &mut frames, &mut taken, &mut verdicts);
        let top = &mut frames[top_index];
        let mut world = top.world.clone();
        let effect = context.apply(&mut world, mv);
        transitions += 1;
        seen.insert(world.fingerprint());
        let mut clocks = top.clocks.clone();
        join(&mut clocks.all, &taken.clock);
        for timer in &effect.armed {
            clocks.timers.insert((actor, *timer), taken.clock.clone());
        }
        if let Move::Deliver { to, from, id } | Move::Drop { to, from, id } = mv {
            if !world.in_flight(&(to, from, id)) {
                clocks.messages.remove(&(to, from, id));
            }
        }
        for message in &effect.sent {
            clocks.messages.entry(*message).or_insert_with(|| taken.clock.clone());
        }
        for step in &effect.finished {
            clocks.finished[*step] = Some(taken.clock.clone());
        }
        if let Move::Start(step) = mv {
            clocks.started[step as usize] = Some(taken.clock.clone());
        }
        let sleep: Vec<(Move, Footprint)> =
            top.sleep.iter().chain(&top.done).filter(|(_, f)| f.independent(&footprint)).cloned().collect();
        top.done.push((mv, footprint));
        top.taken = Some(taken);
        let child = frame(context, world, clocks, sleep);
        frames.push(child);
    }
    Found { transitions, distinct: seen.len() as u64, ends, complete: true }
}

fn frame(context: &Context, world: World, clocks: Clocks, sleep: Vec<(Move, Footprint)>) -> Frame {
    let moves = context.moves(&world);
    Frame { world, clocks, moves, backtrack: Vec::new(), done: Vec::new(), sleep, taken: None, fresh: true }
}

/// The actor a move happens at, and the clock of what it follows as a process of its own: the
/// send of the message it delivers or loses, the event that set the timer, what made the step
/// due; a timeout follows everything.
fn cause(context: &Context, frame: &Frame, mv: Move, footprint: &Footprint) -> (Actor, Clock) {
    let clocks = &frame.clocks;
    let none = || vec![0; clocks.all.len()];
    match mv {
        _ if footprint.global => (footprint.actor, clocks.all.clone()),
        Move::Start(step) => {
            let (actor, timed) = context.step_of(mv).expect("a start names a step");
            let step = step as usize;
            let mut clock = none();
            if timed {
                if let Some(Some(before)) = step.checked_sub(1).map(|s| &clocks.started[s]) {
                    join(&mut clock, before);
                }
            } else {
                for finished in clocks.finished[..step].iter().flatten() {
                    join(&mut clock, finished);
                }
            }
            (actor, clock)
        }
        Move::Deliver { to, from, id } => (to, clocks.messages.get(&(to, from, id)).cloned().unwrap_or_else(none)),
        Move::Drop { to, from, id } => (NO_ACTOR, clocks.messages.get(&(to, from, id)).cloned().unwrap_or_else(none)),
        Move::Timer { actor, timer } => (actor, clocks.timers.get(&(actor, timer)).cloned().unwrap_or_else(none)),
    }
}

/// Whether the event made at `position` at `actor` happened before an event with `clock`.
fn happens_before(actor: Actor, position: u32, clock: &Clock) -> bool {
    actor != NO_ACTOR && clock[actor as usize] >= position
}

/// Completes `next`'s clock (from its cause, with every earlier move it depends on) and, for
/// each earlier move in a race with it — dependent, and not already before it through another
/// event — makes sure the frame that move was made from will also start the reversed order.
/// Commutation verdicts already found: (the actor's state, one move, the other) → commute.
type Verdicts = BTreeMap<(u64, Move, Move), bool>;

fn races(context: &Context, frames: &mut [Frame], next: &mut Taken, verdicts: &mut Verdicts) {
    let top = frames.len() - 1;
    let mut racing = Vec::new();
    // Commutation is trusted only where no timeout fired and nothing was lost in between (and
    // not at all with drops): the equivalence tests against the full search hold it to that.
    let mut trust_commutation = !context.drops();
    for k in (0..top).rev() {
        let e = frames[k].taken.as_ref().expect("a frame below the top made a move");
        let position = k as u32 + 1;
        if e.footprint.global || e.footprint.drop {
            trust_commutation = false;
        }
        if e.footprint.independent(&next.footprint) || happens_before(e.actor, position, &next.clock) {
            continue;
        }
        // Two inputs of one actor that commute there are no race, and do not order the later
        // after the earlier: it could have come first, so the scan goes on to the moves before.
        let same_actor = e.actor == next.actor && e.actor != NO_ACTOR && !e.footprint.global;
        if same_actor && trust_commutation {
            let key = (frames[k].world.actor_print(e.actor), e.mv, next.mv);
            let commute = *verdicts
                .entry(key)
                .or_insert_with(|| context.commute(&frames[k].world, e.mv, &frames[top].world, next.mv));
            if commute {
                continue;
            }
        }
        racing.push(k);
        join(&mut next.clock, &e.clock);
    }
    if next.actor != NO_ACTOR {
        next.clock[next.actor as usize] = top as u32 + 1;
    }
    for k in racing {
        let e = frames[k].taken.as_ref().expect("a frame below the top made a move");
        let position = k as u32 + 1;
        // The moves after `e` that do not follow it, then `next`: one of their first moves,
        // made where `e` was, starts the reversed order.
        let mut after: Vec<(Move, Actor, u32, &Clock)> = Vec::new();
        for (j, f) in frames.iter().enumerate().take(top).skip(k + 1) {
            let t = f.taken.as_ref().expect("a frame below the top made a move");
            if !happens_before(e.actor, position, &t.clock) {
                after.push((t.mv, t.actor, j as u32 + 1, &t.clock));
            }
        }
        after.push((next.mv, next.actor, top as u32 + 1, &next.clock));
        let initials: Vec<Move> = after
            .iter()
            .enumerate()
            .filter(|(i, (_, _, _, clock))| {
                !after[..*i].iter().any(|(_, actor, position, _)| happens_before(*actor, *position, clock))
            })
            .map(|(_, (mv, ..))| *mv)
            .collect();
        let frame = &mut frames[k];
        if initials.iter().any(|m| frame.backtrack.contains(m)) {
            continue;
        }
        match initials.iter().find(|m| frame.moves.contains(m)) {
            Some(first) => frame.backtrack.push(*first),
            // Not expected (an initial is enabled where the race began); explore everything.
            None => {
                let all = frame.moves.clone();
                frame.backtrack = all;
            }
        }
    }
}
