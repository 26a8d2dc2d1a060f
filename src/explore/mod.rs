//! Exploration of delivery orders (`finsim explore`): every order in which the messages in
//! flight can be delivered, every moment a ledger can close a block, and (within a budget)
//! every loss of a transmission between orgs, on the same actor code as a run, from the same
//! initial state, without latencies. `docs/exploration.md` says what is explored and why the
//! reduction and the null signer are sound.
//!
//! The search is depth-first over `world::World`s, each visited once (by fingerprint), with
//! sleep sets (Godefroid): after a move `a` from a state, a sibling `b` that commutes with `a`
//! need not be made again after `a` — the order `b, a` reaches the same state. A state reached
//! again with a smaller sleep set is explored again for the moves it then lacked. Every end
//! state (nothing left to deliver or fire) is replayed through the ordinary engine as a schedule
//! (real keys, every invariant and expectation checked), so a counterexample replays by
//! construction.

pub use crate::sim::schedule;
pub(crate) mod world;

use crate::check::observations::Observations;
use crate::library::Registry;
use crate::scenario::Scenario;
use crate::sim;
use schedule::{Choice, Schedule};
use std::collections::{BTreeMap, VecDeque};
use world::{Context, Footprint, Move, World};

/// How an exploration is bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// How many transmissions between orgs may be lost along one path.
    pub drops: u32,
    /// The most distinct states visited before the exploration stops.
    pub max_states: u64,
    /// Whether to prune orders that only swap commuting moves (sleep sets).
    pub reduction: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self { drops: 0, max_states: 1_000_000, reduction: true }
    }
}

/// A check that fails in some end state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// The check's name (an expectation's or an invariant's).
    pub check: String,
    /// In how many distinct end states it fails.
    pub end_states: u64,
    /// What it saw in the first end state where it fails.
    pub detail: String,
}

/// What an exploration found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Exploration {
    /// The scenario's name.
    pub scenario: String,
    /// The seed its keys are derived from.
    pub seed: u64,
    /// The drops allowed.
    pub drops: u32,
    /// Whether the reduction was on.
    pub reduction: bool,
    /// Distinct states visited (the initial one included).
    pub states: u64,
    /// Moves made (each a transition from a visited state).
    pub transitions: u64,
    /// Distinct end states.
    pub end_states: u64,
    /// The longest path to an end state, in events.
    pub max_depth: u32,
    /// Whether the search ran to its end (false: `max_states` ran out first).
    pub complete: bool,
    /// Each check that fails in some end state, in the order first found.
    pub failures: Vec<Failure>,
    /// Which (message kind, role, path) combinations the replays of the end states took
    /// (`runs` counts end states).
    pub coverage: crate::sim::coverage::Coverage,
    /// The shortest schedule found to an end state where a check fails.
    #[serde(skip)]
    pub counterexample: Option<Schedule>,
}

/// What the search keeps of a visited state: how it was first reached, and the moves not made
/// from it (its sleep set).
struct Visit {
    parent: Option<(u64, Move)>,
    sleep: Vec<(Move, Footprint)>,
}

/// Explores `scenario` (its faults left out) with the keys of `seed`, checking the registered
/// invariants too in every end state (`Simulator::explore`).
pub(crate) fn explore(scenario: &Scenario, seed: u64, options: Options, registry: &Registry) -> Exploration {
    let unfaulted = Scenario { faults: crate::scenario::Faults::default(), ..scenario.clone() };
    let (context, initial) = Context::new(&unfaulted, seed, options.drops);
    let found = search(&context, initial, options.max_states, options.reduction);
    let mut exploration = Exploration {
        scenario: scenario.name.clone(),
        seed,
        drops: options.drops,
        reduction: options.reduction,
        states: found.distinct,
        transitions: found.transitions,
        end_states: found.ends.len() as u64,
        max_depth: found.ends.iter().map(|(_, depth)| *depth).max().unwrap_or(0),
        complete: found.complete,
        failures: Vec::new(),
        coverage: Default::default(),
        counterexample: None,
    };
    let runner = sim::Runner::new();
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    let mut shortest: Option<(u32, Schedule)> = None;
    for (events, depth) in found.ends {
        let failed: Vec<(String, String)> =
            match runner.simulate_scheduled(&unfaulted, seed, &events, Observations::for_seed(seed)) {
                Ok(result) => {
                    let outcome = crate::library::conclude(&unfaulted, seed, result, registry);
                    exploration.coverage.merge(&outcome.coverage);
                    outcome.failures().iter().map(|c| (c.name.clone(), c.detail.clone())).collect()
                }
                Err(misfit) => vec![("replay".to_owned(), format!("the engine did not replay this order: {misfit}"))],
            };
        for (check, detail) in &failed {
            let at = *failures.entry(check.clone()).or_insert_with(|| {
                exploration.failures.push(Failure { check: check.clone(), end_states: 0, detail: detail.clone() });
                exploration.failures.len() - 1
            });
            exploration.failures[at].end_states += 1;
        }
        if !failed.is_empty() && shortest.as_ref().is_none_or(|(d, _)| depth < *d) {
            let fails = failed.into_iter().map(|(check, _)| check).collect();
            shortest = Some((depth, Schedule { scenario: scenario.name.clone(), seed, fails, events }));
        }
    }
    exploration.counterexample = shortest.map(|(_, schedule)| schedule);
    exploration
}

/// What a search found.
pub struct Found {
    /// Moves made.
    pub transitions: u64,
    /// Distinct states visited.
    pub distinct: u64,
    /// Each distinct end state's schedule and length, in the order found.
    pub ends: Vec<(Vec<Choice>, u32)>,
    /// Whether it ran to the end.
    pub complete: bool,
}

/// The search, with or without sleep sets (for tests that compare the two).
#[cfg(test)]
pub(crate) fn search_for_tests(context: &Context, initial: World, max_states: u64, reduction: bool) -> Found {
    search(context, initial, max_states, reduction)
}

/// A state waiting to be expanded: its sleep set, and (when it is expanded again because it was
/// reached with a smaller sleep set) the only moves to make.
struct Node {
    world: World,
    print: u64,
    depth: u32,
    sleep: Vec<(Move, Footprint)>,
    only: Option<Vec<Move>>,
}

/// Depth-first over every state (the states waiting are a stack, so few are held at once), each
/// visited once; with `reduction`, sleep sets (Godefroid's
/// stateful form): after a move `a` from a state, a sibling `b` already made that commutes with
/// `a` is not made again after `a` (the order `b, a` reached the same state), and a state reached
/// again with a smaller sleep set is expanded again for the moves it then lacked, so every
/// reachable state is still visited.
fn search(context: &Context, initial: World, max_states: u64, reduction: bool) -> Found {
    let mut visited: BTreeMap<u64, Visit> = BTreeMap::new();
    let mut ends = Vec::new();
    let mut transitions = 0;
    let root = initial.fingerprint();
    visited.insert(root, Visit { parent: None, sleep: Vec::new() });
    let mut queue =
        VecDeque::from([Node { world: initial.clone(), print: root, depth: 0, sleep: Vec::new(), only: None }]);
    let mut complete = true;
    'search: while let Some(node) = queue.pop_back() {
        let moves = context.moves(&node.world);
        if moves.is_empty() {
            if node.only.is_none() {
                ends.push((node.print, node.depth));
            }
            continue;
        }
        let mut made: Vec<(Move, Footprint)> = Vec::new();
        for mv in moves {
            if node.sleep.iter().any(|(asleep, _)| *asleep == mv)
                || node.only.as_ref().is_some_and(|only| !only.contains(&mv))
            {
                continue;
            }
            let footprint = context.footprint(&node.world, mv);
            let mut next = node.world.clone();
            context.apply(&mut next, mv);
            transitions += 1;
            let sleep: Vec<(Move, Footprint)> = if reduction {
                node.sleep.iter().chain(&made).filter(|(_, f)| f.independent(&footprint)).cloned().collect()
            } else {
                Vec::new()
            };
            made.push((mv, footprint));
            let print = next.fingerprint();
            match visited.get_mut(&print) {
                None => {
                    if visited.len() as u64 >= max_states {
                        complete = false;
                        break 'search;
                    }
                    visited.insert(print, Visit { parent: Some((node.print, mv)), sleep: sleep.clone() });
                    queue.push_back(Node { world: next, print, depth: node.depth + 1, sleep, only: None });
                }
                Some(visit) => {
                    // Reached again: the moves asleep then but not now were never made from it.
                    let missing: Vec<Move> = visit
                        .sleep
                        .iter()
                        .filter(|(m, _)| !sleep.iter().any(|(s, _)| s == m))
                        .map(|(m, _)| *m)
                        .collect();
                    if !missing.is_empty() {
                        visit.sleep.retain(|(m, _)| !missing.contains(m));
                        let sleep = visit.sleep.clone();
                        queue.push_back(Node { world: next, print, depth: node.depth + 1, sleep, only: Some(missing) });
                    }
                }
            }
        }
    }
    let ends =
        ends.into_iter().map(|(print, depth)| (schedule_to(context, &initial, &visited, print), depth)).collect();
    Found { transitions, distinct: visited.len() as u64, ends, complete }
}

/// The schedule from the initial state to the visited state `print`.
fn schedule_to(context: &Context, initial: &World, visited: &BTreeMap<u64, Visit>, print: u64) -> Vec<Choice> {
    let mut moves = Vec::new();
    let mut at = print;
    while let Some((parent, mv)) = visited.get(&at).and_then(|v| v.parent) {
        moves.push(mv);
        at = parent;
    }
    moves.reverse();
    let mut world = initial.clone();
    moves
        .into_iter()
        .map(|mv| {
            let choice = context.choice(&world, mv);
            context.apply(&mut world, mv);
            choice
        })
        .collect()
}
