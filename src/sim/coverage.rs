//! Coverage: which paths of the protocol a run took, counted by (message kind, role, path).
//!
//! The engine counts as it goes: every delivery (acted on with its answer's status, a copy
//! ignored or answered again, or discarded unread and why), every re-send of an exchange, every
//! exchange that ran out of retries, and every answer that made its sender a suspect. `finsim
//! test --json` and `finsim explore --json` report the union over their runs, and
//! docs/coverage.md shows it for the bundled suite, with what no scenario reaches.

use crate::actors::note::{Discard, Note};
use crate::actors::organization::exchange::ExchangeKind;
use crate::actors::outbox::Outbox;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::ActorId;
use crate::protocol::message::Kind;
use crate::protocol::status::Status;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

pub use crate::protocol::ids::Role;

/// What happened to one message (or one exchange) at the actor that took the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Path {
    /// Delivered and acted on; an answer that carries a status said `ok`.
    Ok,
    /// Delivered and acted on; the answer carries this status (not `ok`).
    Status(Status),
    /// Sent again by an exchange whose wait ran out (the sender's path).
    Retry,
    /// An exchange that sent this request ran out of retries (the asker's path).
    Timeout,
    /// A copy of an envelope its receiver already had, that changed nothing and sent nothing.
    DuplicateIgnored,
    /// A copy of an envelope its receiver already had, answered (or acted on) again.
    DuplicateAnswered,
    /// Discarded unread: a bad signature, a malformed payload, a misaddressed copy, …
    Discarded(Discard),
    /// An answer of this kind made its sender a suspect (the asker's path).
    Suspect,
}

impl Path {
    /// Every path, in the order the JSON and the docs list them.
    pub fn all() -> impl Iterator<Item = Path> {
        let statuses = Status::ALL.into_iter().filter(|s| *s != Status::Ok).map(Path::Status);
        let discards = Discard::ALL.into_iter().map(Path::Discarded);
        let exchange = [Path::Retry, Path::Timeout, Path::DuplicateIgnored, Path::DuplicateAnswered, Path::Suspect];
        std::iter::once(Path::Ok).chain(statuses).chain(exchange).chain(discards)
    }

    /// The path a word names.
    pub fn from_word(word: &str) -> Option<Path> {
        Path::all().find(|path| path.word() == word)
    }

    /// The word the JSON and the docs use: `ok`, a status word, `retried`, `timed_out`,
    /// `duplicate_ignored`, `duplicate_answered`, a discard reason, `suspect`.
    pub fn word(self) -> &'static str {
        match self {
            Path::Ok => "ok",
            Path::Status(status) => status.word(),
            Path::Retry => "retried",
            Path::Timeout => "timed_out",
            Path::DuplicateIgnored => "duplicate_ignored",
            Path::DuplicateAnswered => "duplicate_answered",
            Path::Discarded(reason) => reason.word(),
            Path::Suspect => "suspect",
        }
    }
}

/// One (message kind, role, path) combination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Combination {
    /// The message kind (for a retry, a timeout or a suspect: the exchange's request or answer).
    pub kind: Kind,
    /// Who took the path.
    pub role: Role,
    /// What happened.
    pub path: Path,
}

/// How often each combination was taken, in a run or over several.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    taken: BTreeMap<Combination, Taken>,
}

/// How often one combination was taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Taken {
    /// Times over every run.
    pub times: u64,
    /// Runs that took it at least once.
    pub runs: u64,
}

/// A sum of coverage counts that a u64 does not hold (counts read from a file may be anything).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("coverage counts past what a u64 holds")]
pub struct CountOverflow;

impl Coverage {
    /// Counts one taking of `kind × role × path`.
    pub fn take(&mut self, kind: Kind, role: Role, path: Path) {
        let taken = self.taken.entry(Combination { kind, role, path }).or_default();
        taken.times += 1;
        taken.runs = 1;
    }

    /// Adds another run's (or another union's) coverage to this one.
    pub fn merge(&mut self, other: &Coverage) {
        for (combination, more) in &other.taken {
            let taken = self.taken.entry(*combination).or_default();
            taken.times = taken.times.saturating_add(more.times);
            taken.runs = taken.runs.saturating_add(more.runs);
        }
    }

    /// Adds another's counts, unless a sum would not fit a u64 (counts read from a file may be
    /// anything): then nothing is added.
    pub fn try_merge(&mut self, other: &Coverage) -> Result<(), CountOverflow> {
        let fits = other.taken.iter().all(|(combination, more)| {
            let taken = self.taken.get(combination).copied().unwrap_or_default();
            taken.times.checked_add(more.times).is_some() && taken.runs.checked_add(more.runs).is_some()
        });
        if !fits {
            return Err(CountOverflow);
        }
        self.merge(other);
        Ok(())
    }

    /// Every combination taken, in order (kind, role, path), with its counts.
    pub fn iter(&self) -> impl Iterator<Item = (&Combination, &Taken)> {
        self.taken.iter()
    }

    /// How often `kind × role × path` was taken (zero counts when never).
    pub fn get(&self, kind: Kind, role: Role, path: Path) -> Taken {
        self.taken.get(&Combination { kind, role, path }).copied().unwrap_or_default()
    }

    /// Whether nothing was taken.
    pub fn is_empty(&self) -> bool {
        self.taken.is_empty()
    }
}

/// One combination and its counts, as the JSON writes it.
#[derive(Serialize, Deserialize)]
struct Row {
    kind: Kind,
    role: Role,
    path: String,
    times: u64,
    runs: u64,
}

/// The JSON form: `[{"kind", "role", "path", "times", "runs"}]`, in (kind, role, path) order.
impl Serialize for Coverage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.taken.iter().map(|(c, t)| Row {
            kind: c.kind,
            role: c.role,
            path: c.path.word().to_owned(),
            times: t.times,
            runs: t.runs,
        }))
    }
}

/// Reads the JSON form back (`finsim merge` joins the coverage of shards).
impl<'de> Deserialize<'de> for Coverage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut coverage = Coverage::default();
        for row in Vec::<Row>::deserialize(deserializer)? {
            let path = Path::from_word(&row.path)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown coverage path `{}`", row.path)))?;
            let taken = Taken { times: row.times, runs: row.runs };
            let mut one = Coverage::default();
            one.taken.insert(Combination { kind: row.kind, role: row.role, path }, taken);
            coverage.merge(&one);
        }
        Ok(coverage)
    }
}

/// A path the protocol can take, as `unreached` lists it: one path, or a copy of a delivery
/// (ignored or answered again: which of the two depends on the kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reachable {
    /// This path.
    Path(Path),
    /// `duplicate_ignored` or `duplicate_answered`.
    Duplicate,
}

impl Reachable {
    /// The word the JSON and the docs use (`duplicate` for either copy path).
    pub fn word(self) -> &'static str {
        match self {
            Reachable::Path(path) => path.word(),
            Reachable::Duplicate => "duplicate",
        }
    }

    fn taken_in(self, coverage: &Coverage, kind: Kind, role: Role) -> bool {
        match self {
            Reachable::Path(path) => coverage.get(kind, role, path).times > 0,
            Reachable::Duplicate => [Path::DuplicateIgnored, Path::DuplicateAnswered]
                .into_iter()
                .any(|path| coverage.get(kind, role, path).times > 0),
        }
    }
}

/// Every path the protocol can take, by (message kind, role): each kind received `ok`, with each
/// status its answers carry; between orgs, as a copy and with a bad signature; each exchange's
/// request re-sent and
/// timed out, and its answer's sender made a suspect. (Other discard reasons are listed when taken,
/// not expected of every kind.)
pub fn reachable() -> Vec<(Kind, Role, Reachable)> {
    // The asset's org's IVMS-101 get is a `get` exchange too: the same request and answer kinds.
    let exchanges: Vec<ExchangeKind> =
        ExchangeKind::ALL.iter().copied().filter(|e| *e != ExchangeKind::IvmsGet).collect();
    let mut all = Vec::new();
    for &kind in Kind::ALL {
        let (sender, role) = kind.parties();
        all.push((kind, role, Reachable::Path(Path::Ok)));
        all.extend(kind.statuses_answered().iter().map(|s| (kind, role, Reachable::Path(Path::Status(*s)))));
        // The network's faults, and byzantine orgs, act on transmissions between orgs only: a
        // user's application and a ledger talk to their own org's node directly.
        if (sender, role) == (Role::Org, Role::Org) {
            all.push((kind, role, Reachable::Duplicate));
            all.push((kind, role, Reachable::Path(Path::Discarded(Discard::BadSignature))));
        }
        if exchanges.iter().any(|e| e.request() == kind) {
            all.push((kind, Role::Org, Reachable::Path(Path::Retry)));
            all.push((kind, Role::Org, Reachable::Path(Path::Timeout)));
        }
        if exchanges.iter().any(|e| e.answer() == kind) {
            all.push((kind, Role::Org, Reachable::Path(Path::Suspect)));
        }
    }
    all
}

impl Coverage {
    /// The paths of `reachable()` this coverage never took.
    pub fn unreached(&self) -> Vec<(Kind, Role, Reachable)> {
        reachable().into_iter().filter(|(kind, role, path)| !path.taken_in(self, *kind, *role)).collect()
    }
}

/// The JSON form of `Coverage::unreached`: `[{"kind", "role", "path"}]`.
pub fn unreached_json(coverage: &Coverage) -> serde_json::Value {
    let rows = coverage
        .unreached()
        .into_iter()
        .map(|(kind, role, path)| serde_json::json!({"kind": kind.word(), "role": role.word(), "path": path.word()}));
    serde_json::Value::Array(rows.collect())
}

/// Every message kind's word, in the order coverage lists them (the order tables are drawn in).
pub fn kinds_json() -> serde_json::Value {
    serde_json::Value::Array(Kind::ALL.iter().map(|kind| kind.word().into()).collect())
}

/// What the engine keeps to tell a copy from a first delivery, and counts with.
#[derive(Debug)]
pub(crate) struct Counter {
    /// Whether it counts at all (`sim::Settings::skip_coverage` turns it off).
    pub(crate) enabled: bool,
    pub(crate) coverage: Coverage,
    /// A 64-bit digest of every (receiver, envelope) delivered so far: membership only, never
    /// iterated, so its order reaches nothing.
    delivered: BTreeSet<u64>,
}

impl Default for Counter {
    fn default() -> Self {
        Self { enabled: true, coverage: Coverage::default(), delivered: BTreeSet::new() }
    }
}

impl Counter {
    /// A counter that counts when `enabled`.
    pub(crate) fn new(enabled: bool) -> Self {
        Self { enabled, ..Self::default() }
    }

    /// Whether `envelope` reached `receiver` before (and remembers that it has now); always
    /// `false` when the counter is off (it then remembers nothing).
    pub(crate) fn is_copy(&mut self, receiver: &ActorId, envelope: &Envelope) -> bool {
        if !self.enabled {
            return false;
        }
        // SipHash with fixed keys: the same digest on every machine and every run.
        let mut hasher = std::hash::DefaultHasher::new();
        receiver.hash(&mut hasher);
        envelope.payload().hash(&mut hasher);
        envelope.signature.hash(&mut hasher);
        !self.delivered.insert(hasher.finish())
    }

    /// A delivery of `kind` to `receiver`, whose message carried `status` (when it opened and
    /// carries one), that its handler answered with `out`.
    pub(crate) fn delivered(
        &mut self,
        receiver: &ActorId,
        kind: Kind,
        status: Option<Status>,
        copy: bool,
        out: &Outbox,
    ) {
        if !self.enabled {
            return;
        }
        let discarded = out.notes.iter().find_map(|note| match note {
            Note::Discarded { at, kind: k, reason, .. } if at == receiver && *k == kind => Some(*reason),
            _ => None,
        });
        let path = match (discarded, status) {
            (Some(reason), _) => Path::Discarded(reason),
            (None, _) if copy && out.is_empty() => Path::DuplicateIgnored,
            (None, _) if copy => Path::DuplicateAnswered,
            (None, None | Some(Status::Ok)) => Path::Ok,
            (None, Some(status)) => Path::Status(status),
        };
        self.coverage.take(kind, Role::of(receiver), path);
    }

    /// What an actor's outbox says about exchanges: re-sends, exchanges out of retries, suspects.
    pub(crate) fn exchanges(&mut self, actor: &ActorId, out: &Outbox) {
        if !self.enabled {
            return;
        }
        let role = Role::of(actor);
        for send in out.sends.iter().filter(|send| send.retry) {
            self.coverage.take(send.outgoing.kind(), role, Path::Retry);
        }
        for note in &out.notes {
            match note {
                Note::Timeout { kind, .. } => self.coverage.take(kind.request(), role, Path::Timeout),
                Note::Suspect { answer, .. } => self.coverage.take(*answer, role, Path::Suspect),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_adds_times_and_runs_and_the_json_is_sorted() {
        let mut one = Coverage::default();
        one.take(Kind::Transfer, Role::Org, Path::Ok);
        one.take(Kind::Transfer, Role::Org, Path::Ok);
        one.take(Kind::Get, Role::Org, Path::Retry);
        let mut union = Coverage::default();
        union.merge(&one);
        union.merge(&one);
        assert_eq!(union.get(Kind::Transfer, Role::Org, Path::Ok), Taken { times: 4, runs: 2 });
        assert_eq!(union.get(Kind::Transfer, Role::Ledger, Path::Ok), Taken::default());
        let json = serde_json::to_value(&union).unwrap();
        assert_eq!(
            json[0],
            serde_json::json!({"kind": "get", "role": "org", "path": "retried", "times": 2, "runs": 2})
        );
        assert_eq!(json[1]["kind"], "transfer");
        assert_eq!(serde_json::from_value::<Coverage>(json).unwrap(), union, "the JSON reads back");
    }

    #[test]
    fn what_is_taken_is_no_longer_unreached_and_a_copy_either_way_counts_once() {
        let mut coverage = Coverage::default();
        let before = coverage.unreached().len();
        assert_eq!(before, reachable().len());
        coverage.take(Kind::Get, Role::Org, Path::DuplicateAnswered);
        coverage.take(Kind::Get, Role::Org, Path::Retry);
        coverage.take(Kind::Get, Role::Ledger, Path::Ok);
        let unreached = coverage.unreached();
        assert_eq!(unreached.len(), before - 2, "a get is received by an org, not a ledger");
        assert!(!unreached.contains(&(Kind::Get, Role::Org, Reachable::Duplicate)));
        assert!(unreached.contains(&(Kind::Get, Role::Org, Reachable::Path(Path::Timeout))));
        assert!(!reachable().contains(&(Kind::Submit, Role::Org, Reachable::Path(Path::Retry))), "no exchange");
        let mut listed = reachable();
        listed.sort();
        listed.dedup();
        assert_eq!(listed.len(), reachable().len(), "each combination once");
    }

    #[test]
    fn every_path_has_its_own_word() {
        let paths: Vec<Path> = Path::all().collect();
        for path in &paths {
            assert_eq!(Path::from_word(path.word()), Some(*path), "{path:?}");
        }
        let words: BTreeSet<&str> = paths.iter().map(|p| p.word()).collect();
        assert_eq!(words.len(), paths.len(), "no two paths share a word");
        assert_eq!(paths.len(), 1 + 8 + 5 + 6);
        assert!(serde_json::from_str::<Coverage>(r#"[{"kind":"get","role":"org","path":"lost","times":1,"runs":1}]"#)
            .is_err());
    }

    #[test]
    fn path_words_name_statuses_and_discards_as_the_trace_does() {
        assert_eq!(Path::Status(Status::NotFound).word(), "not_found");
        assert_eq!(Path::Discarded(Discard::BadSignature).word(), "bad_signature");
        assert_eq!(Path::DuplicateIgnored.word(), "duplicate_ignored");
    }
}
