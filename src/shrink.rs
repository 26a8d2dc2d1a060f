//! Shrinking a failing scenario (`finsim shrink`): delta debugging (Zeller's ddmin) over the
//! file's parts, every candidate a valid scenario run at the same seed, until no single part can
//! be removed without losing the failure.
//!
//! The parts are a flow step (with the expectations that name only what it created: a transfer's,
//! an issue's or a redeem's own expectation, its `proof` expectations and its `verify_proof`
//! steps, a get's or verify's expectation when no other step makes it), a fault entry (a partition, a crash, a byzantine
//! entry; a probability, removed meaning 0), a link, an expectation, and an org, user, asset or
//! cluster (a candidate that still names a removed one is invalid, and so not taken). The failure
//! kept is one check, by name, that the file fails at the seed (its first, unless one is named).
//! A message's fate depends on its own keys, not on its step's place in the flow
//! (`sim::Flow::fate_names`), so a failure survives the removal of steps that have nothing to do
//! with it.

use crate::library::run_with;
use crate::scenario;
use crate::scenario::operation::WORDS as MOVING;
use crate::sim::Runner;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One removable part of a scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// `flow[i]`.
    Step(usize),
    /// `expect[i]`.
    Expectation(usize),
    /// `network.links[i]`.
    Link(usize),
    /// `faults.partitions[i]`.
    Partition(usize),
    /// `faults.crashes[i]`.
    Crash(usize),
    /// `faults.byzantine[i]`.
    Byzantine(usize),
    /// `faults.drop`, `faults.duplicate` or `faults.corrupt` (removed: 0).
    Probability(&'static str),
    /// `users[i]`.
    User(usize),
    /// `assets[i]`.
    Asset(usize),
    /// Org `j` of `clusters[i]` (and its `orgs:` settings).
    Org(usize, usize),
    /// `clusters[i]`, with its orgs.
    Cluster(usize),
}

/// What a shrink found.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The smaller file's YAML, without the comment.
    pub yaml: String,
    /// The file shrunk, as given.
    pub file: String,
    /// The seed it fails at.
    pub seed: u64,
    /// The check it still fails.
    pub check: String,
    /// How many parts the file had, and has.
    pub parts: (usize, usize),
    /// How many candidates were run.
    pub runs: usize,
}

/// Why a file could not be shrunk.
#[derive(Debug, PartialEq, Eq)]
pub enum NotShrunk {
    /// It passes at that seed: nothing to shrink (exit 1).
    Passes,
    /// It does not fail the check asked for (exit 1).
    CheckHolds(String),
    /// It is not a valid scenario (exit 2).
    Invalid(String),
}

/// The parts of a scenario file's value (its YAML read as JSON), in the order ddmin takes them.
pub fn parts_of(file: &Value) -> Vec<Part> {
    let len = |v: &Value| v.as_array().map_or(0, Vec::len);
    let mut parts = Vec::new();
    parts.extend((0..len(&file["flow"])).map(Part::Step));
    parts.extend((0..len(&file["expect"])).map(Part::Expectation));
    parts.extend((0..len(&file["network"]["links"])).map(Part::Link));
    let faults = &file["faults"];
    parts.extend((0..len(&faults["partitions"])).map(Part::Partition));
    parts.extend((0..len(&faults["crashes"])).map(Part::Crash));
    parts.extend((0..len(&faults["byzantine"])).map(Part::Byzantine));
    for key in ["drop", "duplicate", "corrupt"] {
        if faults.get(key).and_then(Value::as_f64).is_some_and(|p| p > 0.0) {
            parts.push(Part::Probability(key));
        }
    }
    parts.extend((0..len(&file["users"])).map(Part::User));
    parts.extend((0..len(&file["assets"])).map(Part::Asset));
    if let Some(clusters) = file["clusters"].as_array() {
        for (i, cluster) in clusters.iter().enumerate() {
            parts.extend((0..len(&cluster["orgs"])).map(|j| Part::Org(i, j)));
            parts.push(Part::Cluster(i));
        }
    }
    parts
}

/// The kind and fields of a one-key entry (`{transfer: {...}}`).
fn entry(value: &Value) -> Option<(&str, &Value)> {
    let object = value.as_object()?;
    let (kind, fields) = object.iter().next()?;
    Some((kind.as_str(), fields))
}

/// Keeps the entries of the list at `pointer` (a JSON pointer, e.g. `/faults/crashes`) whose
/// index `keep` says; a list the file does not have stays absent.
fn retain_indexed(file: &mut Value, pointer: &str, keep: impl Fn(usize) -> bool) {
    if let Some(items) = file.pointer_mut(pointer).and_then(Value::as_array_mut) {
        let mut index = 0;
        items.retain(|_| {
            index += 1;
            keep(index - 1)
        });
    }
}

/// What an expectation is about, as the steps that make it would create it.
fn made_by(kind: &str, fields: &Value) -> Option<String> {
    match kind {
        // Request ids are unique across the steps that move tokens: one word names them all.
        kind if kind == "proof" || MOVING.contains(&kind) => Some(format!("request {}", fields["request_id"])),
        "get" => Some(format!("get {} {}", fields["org"], fields["resource"])),
        "verify" => Some(format!("verify {}", fields["resource"])),
        _ => None,
    }
}

/// What a step creates, in the words of `made_by`.
fn creates(kind: &str, fields: &Value) -> Vec<String> {
    match kind {
        kind if MOVING.contains(&kind) => vec![format!("request {}", fields["request_id"])],
        "get" => vec![format!("get {} {}", fields["org"], fields["resource"])],
        "verify" => vec![format!("verify {}", fields["resource"])],
        _ => vec![],
    }
}

/// The file without `removed` (and what only they made), as a value to write with `to_yaml`.
pub fn without(file: &Value, removed: &BTreeSet<Part>) -> Value {
    let mut out = file.clone();
    let gone = |f: &dyn Fn(&Part) -> bool| removed.iter().any(f);
    let made = |v: &Value| -> BTreeSet<String> {
        v.as_array().into_iter().flatten().filter_map(entry).flat_map(|(k, f)| creates(k, f)).collect()
    };
    let before = made(&file["flow"]);
    retain_indexed(&mut out, "/flow", |i| !gone(&|p| *p == Part::Step(i)));
    // A verify_proof step of a transfer (issue, redeem) that is gone goes too (it would name none).
    let after = made(&out["flow"]);
    if let Some(steps) = out.get_mut("flow").and_then(Value::as_array_mut) {
        steps.retain(|s| match entry(s) {
            Some(("verify_proof", f)) => {
                let transfer = format!("request {}", f["request_id"]);
                !before.contains(&transfer) || after.contains(&transfer)
            }
            _ => true,
        });
    }
    let lost: BTreeSet<&String> = before.difference(&after).collect();
    retain_indexed(&mut out, "/expect", |i| {
        let orphan = entry(&file["expect"][i]).and_then(|(k, f)| made_by(k, f)).is_some_and(|m| lost.contains(&m));
        !orphan && !gone(&|p| *p == Part::Expectation(i))
    });
    retain_indexed(&mut out, "/network/links", |i| !gone(&|p| *p == Part::Link(i)));
    retain_indexed(&mut out, "/faults/partitions", |i| !gone(&|p| *p == Part::Partition(i)));
    retain_indexed(&mut out, "/faults/crashes", |i| !gone(&|p| *p == Part::Crash(i)));
    retain_indexed(&mut out, "/faults/byzantine", |i| !gone(&|p| *p == Part::Byzantine(i)));
    if let Some(faults) = out.get_mut("faults").and_then(Value::as_object_mut) {
        for key in ["drop", "duplicate", "corrupt"] {
            if removed.contains(&Part::Probability(key)) {
                faults.remove(key);
            }
        }
    }
    retain_indexed(&mut out, "/users", |i| !gone(&|p| *p == Part::User(i)));
    retain_indexed(&mut out, "/assets", |i| !gone(&|p| *p == Part::Asset(i)));
    let mut orgs_gone = Vec::new();
    if let Some(clusters) = out.get_mut("clusters").and_then(Value::as_array_mut) {
        for (i, cluster) in clusters.iter_mut().enumerate() {
            let names: Vec<Value> = cluster.get("orgs").and_then(Value::as_array).cloned().unwrap_or_default();
            for (j, name) in names.iter().enumerate() {
                if removed.contains(&Part::Org(i, j)) || removed.contains(&Part::Cluster(i)) {
                    orgs_gone.extend(name.as_str().map(str::to_owned));
                }
            }
            retain_indexed(cluster, "/orgs", |j| !removed.contains(&Part::Org(i, j)));
        }
    }
    retain_indexed(&mut out, "/clusters", |i| !removed.contains(&Part::Cluster(i)));
    if let Some(settings) = out.get_mut("orgs").and_then(Value::as_object_mut) {
        for org in &orgs_gone {
            settings.remove(org);
        }
    }
    out
}

/// The order a file's top-level keys are written in.
const KEY_ORDER: [&str; 14] = [
    "name",
    "description",
    "seed",
    "seeds",
    "network",
    "ledger",
    "clusters",
    "orgs",
    "users",
    "assets",
    "flow",
    "expect",
    "faults",
    "protocol",
];

/// The file as YAML: block style for the top level and its lists, each entry in flow style
/// written as JSON (which YAML reads as it is).
pub fn to_yaml(file: &Value) -> String {
    let mut text = String::new();
    let json = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    let mut keys: Vec<&String> = file.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    keys.sort_by_key(|k| KEY_ORDER.iter().position(|o| o == k).unwrap_or(KEY_ORDER.len()));
    for key in keys {
        let value = &file[key.as_str()];
        match value {
            Value::Array(items) if !items.is_empty() => {
                text.push_str(&format!("{key}:\n"));
                for item in items {
                    text.push_str(&format!("  - {}\n", json(item)));
                }
            }
            Value::Object(fields) if !fields.is_empty() => {
                text.push_str(&format!("{key}:\n"));
                for (field, inner) in fields {
                    // Quoted, so that an org named `null` or `1` stays a name.
                    let field = json(&Value::from(field.as_str()));
                    match inner {
                        Value::Array(items) if !items.is_empty() => {
                            text.push_str(&format!("  {field}:\n"));
                            for item in items {
                                text.push_str(&format!("    - {}\n", json(item)));
                            }
                        }
                        _ => text.push_str(&format!("  {field}: {}\n", json(inner))),
                    }
                }
            }
            _ => text.push_str(&format!("{key}: {}\n", json(value))),
        }
    }
    text
}

/// Runs candidates and remembers their verdicts.
struct Oracle<'a> {
    file: &'a Value,
    seed: u64,
    check: &'a str,
    /// With `--same-detail`: what the check must still say it saw.
    detail: Option<&'a str>,
    runner: Runner,
    seen: BTreeMap<BTreeSet<Part>, bool>,
    runs: usize,
}

impl Oracle<'_> {
    /// Whether the file without `removed` is valid and still fails the check.
    fn fails(&mut self, removed: &BTreeSet<Part>) -> bool {
        if let Some(verdict) = self.seen.get(removed) {
            return *verdict;
        }
        let text = to_yaml(&without(self.file, removed));
        let verdict = match scenario::parse("candidate.yaml", &text) {
            Ok(candidate) => {
                self.runs += 1;
                let outcome = run_with(&self.runner, &candidate, self.seed);
                outcome.failures().iter().any(|c| c.name == self.check && self.detail.is_none_or(|d| c.detail == d))
            }
            Err(_) => false,
        };
        self.seen.insert(removed.clone(), verdict);
        verdict
    }
}

/// ddmin: the smallest set of `parts` (beyond those already `removed`) it finds that keeps the
/// failure, by removing chunks, then complements, at finer and finer granularity.
fn ddmin(oracle: &mut Oracle<'_>, removed: &mut BTreeSet<Part>, parts: Vec<Part>) -> Vec<Part> {
    let mut kept = parts;
    let mut n = 2usize;
    while kept.len() >= 2 {
        let chunk = kept.len().div_ceil(n);
        let chunks: Vec<Vec<Part>> = kept.chunks(chunk).map(<[Part]>::to_vec).collect();
        let mut reduced = false;
        // A chunk alone keeps the failure: keep only it.
        for c in &chunks {
            let mut trial = removed.clone();
            trial.extend(kept.iter().filter(|p| !c.contains(p)));
            if oracle.fails(&trial) {
                *removed = trial;
                kept = c.clone();
                n = 2;
                reduced = true;
                break;
            }
        }
        if !reduced {
            // The complement of a chunk keeps it: drop the chunk.
            for c in &chunks {
                let mut trial = removed.clone();
                trial.extend(c.iter().copied());
                if oracle.fails(&trial) {
                    *removed = trial;
                    kept.retain(|p| !c.contains(p));
                    n = (n - 1).max(2);
                    reduced = true;
                    break;
                }
            }
        }
        if !reduced {
            if n >= kept.len() {
                break;
            }
            n = (2 * n).min(kept.len());
        }
    }
    kept
}

/// What to keep failing.
#[derive(Clone, Debug, Default)]
pub struct Keep<'a> {
    /// The check, by name (default: the first check the file fails).
    pub check: Option<&'a str>,
    /// Whether the check must also say the same about what it saw (its detail): a stricter
    /// failure, which keeps what made it (a balance expectation then keeps its transfer).
    pub same_detail: bool,
}

/// Shrinks `text` (the file `file`) at `seed`, keeping the failure `keep` names.
pub fn shrink(file: &str, text: &str, seed: u64, keep: &Keep<'_>) -> Result<Shrunk, NotShrunk> {
    let check = keep.check;
    let original = scenario::parse(file, text).map_err(|e| NotShrunk::Invalid(e.render()))?;
    let runner = Runner::new();
    let outcome = run_with(&runner, &original, seed);
    let failures: Vec<String> = outcome.failures().iter().map(|c| c.name.clone()).collect();
    let target = match check {
        Some(name) if failures.iter().any(|f| f == name) => name.to_owned(),
        Some(name) => return Err(NotShrunk::CheckHolds(name.to_owned())),
        None => failures.first().cloned().ok_or(NotShrunk::Passes)?,
    };
    let mut value: Value = serde_saphyr::from_str(text).map_err(|e| NotShrunk::Invalid(e.to_string()))?;
    if let Some(object) = value.as_object_mut() {
        object.insert("seed".into(), seed.into());
        object.remove("seeds");
    }
    let all = parts_of(&value);
    let detail = outcome.failures().iter().find(|c| c.name == target).map(|c| c.detail.clone()).unwrap_or_default();
    let detail = keep.same_detail.then_some(detail.as_str());
    let mut oracle = Oracle { file: &value, seed, check: &target, detail, runner, seen: BTreeMap::new(), runs: 0 };
    let mut removed = BTreeSet::new();
    // The file as written back (no part removed) must still fail: the rewriting loses nothing.
    if !oracle.fails(&removed) {
        return Err(NotShrunk::Invalid("the file, written back without its comments, no longer fails".into()));
    }
    let kept = ddmin(&mut oracle, &mut removed, all.clone());
    // 1-minimal: no single part left can go (removing one can free another, so go round).
    let mut kept: Vec<Part> = kept;
    loop {
        let single = kept.iter().copied().find(|p| {
            let mut trial = removed.clone();
            trial.insert(*p);
            oracle.fails(&trial)
        });
        match single {
            Some(part) => {
                removed.insert(part);
                kept.retain(|p| *p != part);
            }
            None => break,
        }
    }
    let runs = oracle.runs;
    let result = without(&value, &removed);
    Ok(Shrunk {
        yaml: to_yaml(&result),
        file: file.to_owned(),
        seed,
        check: target,
        parts: (all.len(), parts_of(&result).len()),
        runs,
    })
}

impl Shrunk {
    /// The smaller file's text, written to `target`: a comment naming where it came from and the
    /// command that reproduces it, then the YAML. Paths and the check's name are written so that
    /// no character of theirs ends the comment (`comment_text`).
    pub fn text_for(&self, target: &str) -> String {
        format!(
            "# Shrunk by `finsim shrink` from {} at seed {}: it still fails the check `{}`.\n\
             # Reproduce: finsim run {} --seed {}\n{}",
            comment_text(&self.file),
            self.seed,
            comment_text(&self.check),
            comment_text(target),
            self.seed,
            self.yaml
        )
    }
}

/// Text for a YAML comment: escaped (`crate::text::escape` writes a line break or any other
/// unsafe character as `\u{a}`), so that it stays on its comment line.
pub(crate) fn comment_text(text: &str) -> String {
    crate::text::escape(&crate::text::clip(text, 300)).into_owned()
}
