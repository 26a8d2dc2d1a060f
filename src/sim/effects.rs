//! What a driver does with the outbox an actor's handler returned: the one bookkeeping that the
//! engine's run (`Simulation::apply`) and the explorer's moves (`explore::world`) share. A driver
//! says how it keeps a timer, a note and a transmission (`Effects`); `take` destructures the
//! outbox in the order both follow (cancels, timers, notes, then sends), seals each send once at
//! the actor's boundary, and hands every receiver its copy.

use crate::actors::boundary::Boundary;
use crate::actors::directory::Directory;
use crate::actors::note::Note;
use crate::actors::outbox::{Outbox, TimerId};
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::ActorId;
use std::sync::Arc;

/// How one driver keeps the effects of one actor's handler.
pub(crate) trait Effects {
    /// The acting actor's boundary, which seals what it sends (`None`: an actor the driver does
    /// not hold, whose sends go nowhere).
    fn boundary(&self) -> Option<&Boundary>;
    /// Who receives a message: the run's public knowledge.
    fn directory(&self) -> &Arc<Directory>;
    /// A timer of the actor is cancelled.
    fn cancel(&mut self, timer: TimerId);
    /// A timer of the actor is set, due `delay_us` from now.
    fn set(&mut self, timer: TimerId, delay_us: u64);
    /// The actor noted something.
    fn note(&mut self, note: Note);
    /// One copy of a sealed message leaves for `receiver`.
    fn transmit(&mut self, envelope: &Arc<Envelope>, receiver: ActorId, retry: bool);
}

/// Applies an outbox: every part of it, by name (a new part is a compile error here until both
/// drivers keep it).
pub(crate) fn take(out: Outbox, effects: &mut impl Effects) {
    let Outbox { sends, timers, cancels, notes } = out;
    for timer in cancels {
        effects.cancel(timer);
    }
    for (timer, delay) in timers {
        effects.set(timer, delay);
    }
    for note in notes {
        effects.note(note);
    }
    if sends.is_empty() {
        return;
    }
    let Some(boundary) = effects.boundary() else { return };
    // A message held by several sends (a broadcast's members) or sent again (a retry, a ledger
    // event a replica syncs) is sealed once: the boundary remembers its envelope.
    let sealed: Vec<_> = sends.into_iter().map(|send| (boundary.seal(send.outgoing), send.only, send.retry)).collect();
    let dir = effects.directory().clone();
    for (envelope, only, retry) in sealed {
        for receiver in dir.receivers(only, &envelope.to) {
            effects.transmit(&envelope, receiver, retry);
        }
    }
}
