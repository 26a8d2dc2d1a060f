//! Evidence packs: a run's signed evidence as plain files that anyone can check with their own
//! ed25519, SHA-256 and Chainpoint tools, without finsim. `docs/evidence.md` documents every
//! byte layout. This module returns the files (path → bytes); the CLI writes them.

mod binding;
mod register;

/// One envelope handed to the network, as [`Material::sent`] holds it.
pub use crate::sim::SentEnvelope;
pub use binding::{MANDATORY, PLAN_STATUSES};

use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::check::observations::Observations;
use crate::crypto::chainpoint::ChainpointProof;
use crate::library::Registry;
use crate::outcome::Outcome;
use crate::protocol::ids::{ActorId, ClusterId};
use crate::protocol::ivms101;
use crate::protocol::message::{Body, LedgerTx};
use crate::protocol::operation::{match_body, PackLine, Reading};
use crate::protocol::status::Status;
use crate::scenario::Scenario;
use crate::sim;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What a pack is made of besides the outcome: every envelope sent, the ledgers' blocks, the
/// proofs the buyers' orgs accepted and the public keys.
#[derive(Debug)]
pub struct Material {
    /// Every envelope handed to the network, in send order.
    pub sent: Vec<SentEnvelope>,
    /// Each cluster ledger at the end.
    pub ledgers: BTreeMap<ClusterId, LedgerSnapshot>,
    /// The proof each buyer's org accepted, by transfer.
    pub proofs: BTreeMap<u64, ChainpointProof>,
    /// Every actor's public key (32 bytes), in id order.
    pub keys: Vec<(ActorId, [u8; 32])>,
    /// Each transfer's final status as its buyer's org knows it: settled, or the reason.
    pub finals: BTreeMap<u64, Status>,
    /// The real-world moment of virtual time 0, for every moment the pack shows.
    pub clock: crate::protocol::clock::Clock,
    /// Every copy that reached an org, in arrival order.
    pub(crate) arrivals: Vec<crate::check::observations::OrgArrival>,
    /// The run's directory: its keys and its users' finids.
    pub(crate) directory: std::sync::Arc<crate::actors::directory::Directory>,
    /// What the register of personal data needs of the scenario.
    pub(crate) register: register::Context,
    /// The sender, the receiver and the envelope whose delivery told each final status of `finals`.
    pub(crate) told: BTreeMap<u64, (ActorId, ActorId, std::sync::Arc<crate::protocol::envelope::Envelope>)>,
}

/// Runs a scenario at a seed with `settings` and a designer's extensions, keeping what its
/// evidence pack needs (`Simulator::evidence`).
pub(crate) fn run(scenario: &Scenario, seed: u64, settings: sim::Settings, registry: &Registry) -> (Outcome, Material) {
    let runner = sim::Runner::new();
    let settings = sim::Settings { record_envelopes: true, ..settings };
    let observations = Observations::for_settings(seed, &settings);
    let job = sim::Job::new(scenario, seed).settings(settings).misbehaviours(registry);
    let mut result = runner.simulate(job, observations);
    let material = Material {
        sent: std::mem::take(&mut result.sent),
        ledgers: result.observations.ledgers.clone(),
        proofs: result
            .observations
            .transfers
            .iter()
            .filter(|(_, known)| known.settled)
            .filter_map(|(id, known)| Some((*id, known.proof.as_deref()?.clone())))
            .collect(),
        keys: result.directory.keyring.actors().map(|(actor, key)| (actor.clone(), key.to_bytes())).collect(),
        finals: result.observations.transfers.iter().map(|(id, known)| (*id, known.reason)).collect(),
        told: std::mem::take(&mut result.observations.told),
        clock: scenario.protocol.clock,
        arrivals: std::mem::take(&mut result.observations.arrivals),
        register: register::Context::of(scenario, &result.directory),
        directory: result.directory.clone(),
    };
    let outcome = crate::library::conclude(scenario, seed, result, registry);
    (outcome, material)
}

fn role(actor: &ActorId) -> &'static str {
    match actor {
        ActorId::Org(_) => "org",
        ActorId::User(_) => "user",
        ActorId::Ledger(_) => "ledger",
    }
}

/// One line of `messages.jsonl`.
#[derive(Serialize)]
struct MessageLine {
    seq: usize,
    t_us: u64,
    at: String,
    from: String,
    to: String,
    kind: crate::protocol::message::Kind,
    request_id: u64,
    signer: String,
    signed: String,
    signature: String,
}

fn json_lines<T: Serialize>(lines: impl Iterator<Item = T>) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        serde_json::to_writer(&mut out, &line).expect("evidence lines always encode");
        out.push(b'\n');
    }
    out
}

fn pretty(value: &impl Serialize) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("evidence files always encode");
    out.push(b'\n');
    out
}

/// Where each envelope of the pack's `messages.jsonl` is: its `seq` (from 1), by the envelope
/// (as it was sealed), the actor that sent it and the actor it went to. A retried envelope is the
/// same sealed bytes sent again, and a replayed one is sent by another actor: the first line that
/// sent it from that actor to that one names it.
struct Seqs(BTreeMap<(usize, String, String), usize>);

impl Seqs {
    fn of(material: &Material) -> Self {
        let mut seqs = BTreeMap::new();
        for (i, sent) in material.sent.iter().enumerate() {
            let key = (std::sync::Arc::as_ptr(&sent.envelope) as usize, sent.from.to_string(), sent.to.to_string());
            seqs.entry(key).or_insert(i + 1);
        }
        Self(seqs)
    }

    /// The `seq` of the first line that sent `envelope` from `from` to `to`.
    fn of_envelope(
        &self,
        envelope: &std::sync::Arc<crate::protocol::envelope::Envelope>,
        from: &str,
        to: &str,
    ) -> Option<usize> {
        self.0.get(&(std::sync::Arc::as_ptr(envelope) as usize, from.to_owned(), to.to_owned())).copied()
    }
}

/// One line of `transfers.jsonl` per transfer, issue and redeem an org sent: a transfer's and a
/// redeem's template as its user signed it, an issue's receiver and quantity; the final status as
/// the org that asked knows it, with the `seq` of the signed message that told it.
fn operations(material: &Material, seqs: &Seqs) -> Vec<serde_json::Value> {
    let keys: BTreeMap<&ActorId, &[u8; 32]> = material.keys.iter().map(|(a, k)| (a, k)).collect();
    let key =
        |account: &crate::protocol::ids::ResourceId| keys.get(&ActorId::User(account.clone())).map(const_hex::encode);
    let mut seen = BTreeMap::new();
    for sent in &material.sent {
        if !matches!(sent.from, ActorId::Org(_)) {
            continue;
        }
        let Some(message) = sent.envelope.read() else { continue };
        let request_id = message.request_id;
        if seen.contains_key(&request_id) {
            continue;
        }
        let operation = message.body.operation().map(|o| o.word());
        let mut line = match_body!(message.body, body => match (body.pack_line(), operation) {
            (Some(line), Some(word)) => pack_line(word, line, &key),
            _ => continue,
        }, {
            Body::Transfer(transfer) => pack_line("transfer", PackLine::Signed("buyer", transfer.user_signed()), &key),
            // Every other body by name: a new one is a compile error here until it is decided
            // whether the pack has a line for it (an operation's body says it: `pack_line`).
            Body::Advertisement(..)
            | Body::Get(..)
            | Body::GetResponse(..)
            | Body::Verify(..)
            | Body::VerifyAnswer(..)
            | Body::Order(..)
            | Body::SignRequest(..)
            | Body::SignResponse(..)
            | Body::TxAccepted(..)
            | Body::Settlement(..)
            | Body::SettlementAck
            | Body::Submit(..)
            | Body::SyncRequest { .. }
            | Body::PlanSubmit(..)
            | Body::BlockCommitted(..)
            | Body::VerifyProof(..)
            | Body::ProofAnswer(..)
            | Body::BalanceQuery(..)
            | Body::BalanceAnswer(..)
            | Body::StatusQuery(..)
            | Body::StatusAnswer(..)
            | Body::Hold(..)
            | Body::Release(..)
            | Body::EscrowCommitted(..)
            | Body::PlanProposal(..)
            | Body::PlanApproval(..)
            | Body::PlanGet(..)
            | Body::ConsentRequest(..)
            | Body::SignPlan(..)
            | Body::PlanConsent(..)
            | Body::PlanExecute(..)
            | Body::PlanRollback(..)
            | Body::PlanResult(..)
            | Body::PlanFinal(..) => continue,
        });
        let (status, reason, tx_hash) = final_of(material, request_id);
        let told = material.told.get(&request_id);
        let fields = line.as_object_mut().expect("an operation's line is an object");
        fields.insert("request_id".to_owned(), request_id.into());
        fields.insert("status".to_owned(), status.into());
        fields.insert("reason".to_owned(), reason.into());
        fields.insert("tx_hash".to_owned(), tx_hash.into());
        let seq = told.and_then(|(from, to, envelope)| seqs.of_envelope(envelope, &from.to_string(), &to.to_string()));
        fields.insert("seq".to_owned(), seq.into());
        let proof = material.proofs.contains_key(&request_id).then(|| format!("proofs/{request_id}.json"));
        fields.insert("proof".to_owned(), proof.into());
        seen.insert(request_id, line);
    }
    seen.into_values().collect()
}

/// An operation's line, as its module says it: a request its user signed (the signer, the
/// template's fields, its hash, the signature and the signer's public key) or an order of the
/// managing org's own (the account, the asset, the quantity).
fn pack_line(
    word: &str,
    line: PackLine<'_>,
    key: &dyn Fn(&crate::protocol::ids::ResourceId) -> Option<String>,
) -> serde_json::Value {
    let mut fields = serde_json::Map::new();
    fields.insert("kind".to_owned(), word.into());
    match line {
        PackLine::Signed(party, signed) => {
            fields.insert(party.to_owned(), signed.signer.id.to_string().into());
            fields.insert("fields".to_owned(), template_fields(&signed.fields).into());
            fields.insert("template_hash".to_owned(), signed.signature.template_hash.to_hex().into());
            fields.insert("signature".to_owned(), const_hex::encode(&signed.signature.value).into());
            fields.insert("public_key".to_owned(), key(&signed.signer.id).into());
        }
        PackLine::Ordered(party, account, asset, quantity) => {
            fields.insert(party.to_owned(), account.to_string().into());
            fields.insert("asset".to_owned(), asset.to_string().into());
            fields.insert("quantity".to_owned(), quantity.into());
        }
    }
    fields.into()
}

/// A signature template's fields as a pack writes them: the nonce in hex, every other as text.
fn template_fields(fields: &[Vec<u8>]) -> Vec<String> {
    let text = |(i, bytes): (usize, &Vec<u8>)| match i {
        0 => const_hex::encode(bytes),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    };
    fields.iter().enumerate().map(text).collect()
}

/// A request's final status as the org told of it knows it (`settled`, `rejected` with the reason
/// word, or `pending`), and when settled its own transaction's hash, taken from the ledger (not
/// from the proof's word).
fn final_of(material: &Material, request_id: u64) -> (&'static str, Option<&'static str>, Option<String>) {
    let (status, reason) = match material.finals.get(&request_id) {
        Some(Status::Ok) => ("settled", None),
        Some(reason) => ("rejected", Some(reason.word())),
        None => ("pending", None),
    };
    let on_ledger = material.ledgers.values().flat_map(|l| &l.blocks).flat_map(|b| &b.txs);
    let tx_hash = on_ledger.filter(|tx| tx.request_id == request_id).map(|tx| tx.hash().to_hex()).next();
    (status, reason, tx_hash.filter(|_| status == "settled"))
}

/// One plan of a pack, gathered from the messages that carried it.
struct PlanLine {
    request_id: u64,
    coordinator: String,
    plan: std::sync::Arc<crate::protocol::plan::Plan>,
    approvals: BTreeMap<String, serde_json::Value>,
    consents: BTreeMap<String, serde_json::Value>,
    instructions: BTreeMap<(u32, bool), serde_json::Value>,
    end: Option<(&'static str, Option<&'static str>, usize)>,
}

/// The name of the proof file of a plan's instruction (or a hold's rollback).
fn plan_proof_name(plan: u64, n: u32, rollback: bool) -> String {
    match rollback {
        true => format!("proofs/plan-{plan}-{n}-rollback.json"),
        false => format!("proofs/plan-{plan}-{n}.json"),
    }
}

/// One line of `plans.jsonl` per plan the run proposed: its canonical bytes and hash, every
/// approval (the `seq` of the signed message that gave it, and its signature) and consent (the
/// user's signature over the hash), each instruction's result with the `seq` of the signed
/// message that told it and its proof file, and the plan's end as its coordinator told it. With
/// the proofs, by file name.
pub(crate) fn plans(material: &Material) -> (Vec<serde_json::Value>, Vec<(String, ChainpointProof)>) {
    let keys: BTreeMap<&ActorId, &[u8; 32]> = material.keys.iter().map(|(a, k)| (a, k)).collect();
    let key = |actor: &ActorId| keys.get(actor).map(const_hex::encode);
    let mut by_hash: BTreeMap<crate::crypto::Hash32, PlanLine> = BTreeMap::new();
    let mut proofs = Vec::new();
    for (i, sent) in material.sent.iter().enumerate() {
        let seq = i + 1;
        let Some(message) = sent.envelope.read() else { continue };
        let ActorId::Org(from) = &message.from else { continue };
        match message.body {
            Body::PlanProposal(proposal) => {
                by_hash.entry(proposal.plan.hash()).or_insert_with(|| PlanLine {
                    request_id: message.request_id,
                    coordinator: from.to_string(),
                    plan: proposal.plan.clone(),
                    approvals: BTreeMap::new(),
                    consents: BTreeMap::new(),
                    instructions: BTreeMap::new(),
                    end: None,
                });
            }
            Body::PlanApproval(approval) => {
                let Some(line) = by_hash.get_mut(&approval.plan_hash) else { continue };
                line.approvals.entry(from.to_string()).or_insert_with(|| {
                    json!({
                        "signer": from.as_str(),
                        "public_key": key(&message.from),
                        "seq": seq,
                        "signature": const_hex::encode(sent.envelope.signature),
                        "approved": approval.refused.is_none(),
                        "refused": approval.refused.map(|(n, reason)| json!({ "n": n, "reason": crate::check::expectations::reason_word(reason) })),
                    })
                });
            }
            Body::PlanConsent(answer) => {
                let Some(line) = by_hash.get_mut(&answer.plan_hash) else { continue };
                for consent in &answer.consents {
                    let user = ActorId::User(consent.account.clone());
                    line.consents.entry(consent.account.to_string()).or_insert_with(|| {
                        json!({
                            "account": consent.account.to_string(),
                            "signer": user.to_string(),
                            "public_key": key(&user),
                            "signature": const_hex::encode(&consent.signature),
                            "seq": seq,
                        })
                    });
                }
            }
            Body::PlanResult(result) if result.status != Status::Pending => {
                let Some(line) = by_hash.get_mut(&result.plan_hash) else { continue };
                let plan = line.plan.clone();
                let (n, rollback) = (result.n, result.rollback);
                let tx = match rollback {
                    true => plan.rollback_tx(n, line.request_id),
                    false => plan.ledger_tx(n, line.request_id),
                };
                let proof_file = result.proof.as_ref().filter(|_| result.status == Status::Ok).map(|proof| {
                    let name = plan_proof_name(plan.id, n, rollback);
                    proofs.push((name.clone(), (**proof).clone()));
                    name
                });
                line.instructions.entry((n, rollback)).or_insert_with(|| {
                    json!({
                        "n": n,
                        "kind": plan.instruction(n).map(|i| i.word()),
                        "rollback": rollback,
                        "executor": from.as_str(),
                        "status": if result.status == Status::Ok { "ok" } else { crate::check::expectations::reason_word(result.status) },
                        "height": result.height,
                        "tx_hash": tx.map(|t| t.hash().to_hex()),
                        "seq": seq,
                        "proof": proof_file,
                    })
                });
            }
            Body::PlanFinal(told) => {
                let Some(line) = by_hash.get_mut(&told.plan_hash) else { continue };
                let reason = told.reason.map(crate::check::expectations::reason_word);
                line.end.get_or_insert((told.status.word(), reason, seq));
            }
            _ => {}
        }
    }
    // A proof is written once per file name (an instruction answered twice is one line).
    proofs.sort_by(|a, b| a.0.cmp(&b.0));
    proofs.dedup_by(|a, b| a.0 == b.0);
    let lines = by_hash
        .into_values()
        .map(|line| {
            let plan = &line.plan;
            json!({
                "plan": plan.id,
                "request_id": line.request_id,
                "coordinator": line.coordinator,
                "canonical": const_hex::encode(plan.canonical_bytes()),
                "hash": plan.hash().to_hex(),
                "approvals": line.approvals.into_values().collect::<Vec<_>>(),
                "consents": line.consents.into_values().collect::<Vec<_>>(),
                "instructions": line.instructions.into_values().collect::<Vec<_>>(),
                "status": line.end.map(|(status, _, _)| status),
                "reason": line.end.and_then(|(_, reason, _)| reason),
                "seq": line.end.map(|(_, _, seq)| seq),
            })
        })
        .collect();
    (lines, proofs)
}

/// The files of the pack, by path: `scenario_bytes` is the scenario exactly as it was run.
pub fn files(scenario_bytes: &[u8], outcome: &Outcome, material: &Material) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let clock = material.clock;
    files.insert("scenario.yaml".to_owned(), scenario_bytes.to_vec());
    let mut outcome_json = serde_json::to_vec(outcome).expect("an outcome always encodes");
    outcome_json.push(b'\n');
    files.insert("outcome.json".to_owned(), outcome_json);
    files.insert("trace.jsonl".to_owned(), crate::trace::to_jsonl(&outcome.trace).into_bytes());
    files.insert("keys.json".to_owned(), keys_json(material));
    let messages = material.sent.iter().enumerate().map(|(i, sent)| MessageLine {
        seq: i + 1,
        t_us: sent.t_us,
        at: clock.iso_us(sent.t_us),
        from: sent.from.to_string(),
        to: sent.to.to_string(),
        kind: sent.envelope.kind,
        request_id: sent.envelope.request_id,
        signer: sent.envelope.from.to_string(),
        signed: const_hex::encode(sent.envelope.payload()),
        signature: const_hex::encode(sent.envelope.signature),
    });
    files.insert("messages.jsonl".to_owned(), json_lines(messages));
    let roots = material.ledgers.iter().flat_map(|(cluster, ledger)| {
        ledger.blocks.iter().map(move |block| {
            let txs: Vec<String> = block.txs.iter().map(LedgerTx::hash).map(|h| h.to_hex()).collect();
            json!({ "cluster": cluster.as_str(), "height": block.height, "root": block.root.to_hex(), "txs": txs })
        })
    });
    files.insert("roots.jsonl".to_owned(), json_lines(roots));
    for (request_id, proof) in &material.proofs {
        files.insert(format!("proofs/{request_id}.json"), pretty(proof));
    }
    let seqs = Seqs::of(material);
    files.insert("transfers.jsonl".to_owned(), json_lines(operations(material, &seqs).into_iter()));
    // A run without plans sends no plan message: its envelopes are not read again for them.
    let (plan_lines, plan_proofs) = if outcome.plans.is_empty() { Default::default() } else { plans(material) };
    if !plan_lines.is_empty() {
        files.insert("plans.jsonl".to_owned(), json_lines(plan_lines.into_iter()));
        for (name, proof) in plan_proofs {
            files.insert(name, pretty(&proof));
        }
    }
    let (personal, documents) = register::register(material, &seqs);
    for (name, bytes) in documents {
        files.insert(name, bytes);
    }
    files.insert("personal_data.jsonl".to_owned(), json_lines(personal.into_iter()));
    files.insert(STATEMENT.to_owned(), pretty(&statement(scenario_bytes, outcome)));
    let hashes: BTreeMap<&String, String> =
        files.iter().map(|(path, bytes)| (path, const_hex::encode(Sha256::digest(bytes)))).collect();
    let manifest = json!({ "finsim": env!("CARGO_PKG_VERSION"), "files": hashes });
    files.insert("manifest.json".to_owned(), pretty(&manifest));
    files
}

/// The lines of a run's `transfers.jsonl` and of its register of personal data, with the
/// sequence numbers of its messages indexed once for both (what a report reads).
pub(crate) fn operation_and_register_lines(material: &Material) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let seqs = Seqs::of(material);
    (operations(material, &seqs), register::register(material, &seqs).0)
}

/// The register of personal data of a run (the lines of its pack's `personal_data.jsonl`).
pub fn register_lines(material: &Material) -> Vec<serde_json::Value> {
    register::register(material, &Seqs::of(material)).0
}

/// Every text a message body holds (its ids, finids, hashes and payloads), read from its JSON
/// form: how the register and its binding find the users a message names.
fn body_texts(body: &Body) -> Vec<String> {
    let mut texts = Vec::new();
    let mut stack = vec![serde_json::to_value(body).unwrap_or_default()];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::String(text) => texts.push(text),
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(fields) => stack.extend(fields.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    texts
}

/// `keys.json`: every actor's role and public key, in id order.
fn keys_json(material: &Material) -> Vec<u8> {
    let keys: BTreeMap<String, serde_json::Value> = material
        .keys
        .iter()
        .map(|(actor, key)| (actor.to_string(), json!({ "role": role(actor), "public_key": const_hex::encode(key) })))
        .collect();
    pretty(&keys)
}

/// The SHA-256 (hex) of the `keys.json` a pack of this run holds: what a reader compares with
/// the keys the orgs published, since the pack asserts them itself.
pub(crate) fn keys_sha256(material: &Material) -> String {
    const_hex::encode(Sha256::digest(keys_json(material)))
}

/// The pack's in-toto Statement (v1): what supply-chain tools carry and sign.
pub(crate) const STATEMENT: &str = "statement.intoto.json";

/// The type of the pack's in-toto predicate: a name, not a location.
pub(crate) const PREDICATE_TYPE: &str = "urn:finsim:evidence-pack:v1";

/// An in-toto Statement (v1) of a run: its subjects are the trace (whose SHA-256 is the run's
/// digest) and the scenario exactly as it ran; its predicate names the scenario, the seed, the
/// finsim version and the digest. Signing it is the user's affair (`docs/evidence.md`).
fn statement(scenario_bytes: &[u8], outcome: &Outcome) -> serde_json::Value {
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            { "name": "trace.jsonl", "digest": { "sha256": outcome.digest } },
            { "name": "scenario.yaml", "digest": { "sha256": const_hex::encode(Sha256::digest(scenario_bytes)) } },
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "scenario": outcome.scenario,
            "seed": outcome.seed,
            "finsim": env!("CARGO_PKG_VERSION"),
            "digest": outcome.digest,
            "passed": outcome.passed,
        },
    })
}

/// Why a directory is not an evidence pack at all.
#[derive(Debug, PartialEq, Eq)]
pub struct NotAPack(pub String);

/// One thing in a pack that does not hold: the file, the line (from 1) when it is a line's, what.
#[derive(Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the pack.
    pub file: String,
    /// The line, when the problem is one line's.
    pub line: Option<usize>,
    /// What does not hold.
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.what),
            None => write!(f, "{}: {}", self.file, self.what),
        }
    }
}

/// What a check of a pack found: the problems, and the signatures that failed as the scenario
/// says they should (a `forge_signature` org's), by signer.
#[derive(Debug, Default)]
pub struct Verdict {
    /// What does not hold.
    pub problems: Vec<Problem>,
    /// Failing signatures of the scenario's forgers, by signer: expected.
    pub expected_failures: BTreeMap<String, usize>,
    /// How many signatures, transfers, proofs and documents were checked.
    pub checked: BTreeMap<&'static str, usize>,
    /// Problems past the first `MAX_PROBLEMS_PER_FILE` of a file, counted, not listed.
    pub omitted: BTreeMap<String, u64>,
    /// The JSON-lines files whose line-by-line check stopped at `MAX_PROBLEMS_PER_FILE` problems
    /// (a file of a hundred million bad lines costs a hundred lines' work, not a hundred million).
    pub stopped: std::collections::BTreeSet<String>,
    /// Problems listed so far, by file.
    listed: BTreeMap<String, usize>,
}

/// The most problems listed for one file: a file of a hundred million bad lines is reported as
/// its first problems and a count, not as a hundred million lines.
pub(crate) const MAX_PROBLEMS_PER_FILE: usize = 100;

impl Verdict {
    /// Records a problem, or counts it when its file has `MAX_PROBLEMS_PER_FILE` already.
    pub fn push(&mut self, problem: Problem) {
        let listed = self.listed.entry(problem.file.clone()).or_default();
        if *listed >= MAX_PROBLEMS_PER_FILE {
            *self.omitted.entry(problem.file).or_default() += 1;
        } else {
            *listed += 1;
            self.problems.push(problem);
        }
    }

    /// Whether everything held: no problem listed, omitted or left unchecked.
    pub fn holds(&self) -> bool {
        self.problems.is_empty() && self.omitted.is_empty() && self.stopped.is_empty()
    }

    /// Whether `file` has its `MAX_PROBLEMS_PER_FILE` problems listed: its line checks stop.
    fn full(&mut self, file: &str) -> bool {
        let full = self.listed.get(file).is_some_and(|n| *n >= MAX_PROBLEMS_PER_FILE);
        if full {
            self.stopped.insert(file.to_owned());
        }
        full
    }
}

fn problem(file: &str, line: Option<usize>, what: impl Into<String>) -> Problem {
    Problem { file: file.to_owned(), line, what: what.into() }
}

fn hex_bytes<const N: usize>(value: &serde_json::Value) -> Option<[u8; N]> {
    const_hex::decode(value.as_str()?).ok()?.try_into().ok()
}

/// The files of a pack, however they are kept: on disk (the CLI's reader, which walks the pack
/// without following links) or in memory (a `BTreeMap` of path → bytes, as `files` makes).
pub trait PackFiles {
    /// A file's bytes, by path relative to the pack (`proofs/7.json`); `None` when absent.
    fn read(&self, name: &str) -> Option<Vec<u8>>;
    /// Every file the pack holds, by relative path.
    fn names(&self) -> Vec<String>;
}

impl PackFiles for BTreeMap<String, Vec<u8>> {
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        self.get(name).cloned()
    }

    fn names(&self) -> Vec<String> {
        self.keys().cloned().collect()
    }
}

/// The most bytes of a JSON document of a pack that `verify` parses (a manifest, the keys, a proof,
/// an IVMS-101 document): what finsim writes is far smaller.
pub(crate) const MAX_JSON_DOCUMENT_BYTES: usize = 16 << 20;

/// The longest line of a pack's JSON-lines file that `verify` parses (a line of a block with
/// thousands of transactions is well under it).
pub(crate) const MAX_JSON_LINE_BYTES: usize = 1 << 20;

/// The seed `outcome.json` names, read without holding the rest of the document.
fn seed_of_outcome(bytes: &[u8]) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Seed {
        seed: u64,
    }
    serde_json::from_slice::<Seed>(bytes).ok().map(|s| s.seed)
}

/// Each line of a JSON-lines file as a JSON value (`Null` for a line that is not JSON), one at a
/// time (a large file is never held as values all at once), until `visit` returns false.
fn each_line(bytes: &[u8], mut visit: impl FnMut(usize, serde_json::Value) -> bool) {
    let text = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if text.is_empty() {
        return;
    }
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // A longer line is no line finsim writes, and is not parsed: as JSON values its many
        // small parts could take many times its size.
        let parsed = (line.len() <= MAX_JSON_LINE_BYTES).then(|| serde_json::from_slice(line).ok()).flatten();
        if !visit(i, parsed.unwrap_or(serde_json::Value::Null)) {
            return;
        }
    }
}

/// What is wrong with one line of `transfers.jsonl`: its template hash is not its fields', or the
/// user's signature over it does not verify.
fn transfer_problem(t: &serde_json::Value) -> Option<&'static str> {
    let fields: Vec<Vec<u8>> = t["fields"]
        .as_array()
        .map(|fs| {
            let bytes = |(j, f): (usize, &serde_json::Value)| {
                let text = f.as_str().unwrap_or_default();
                if j == 0 {
                    const_hex::decode(text).unwrap_or_default()
                } else {
                    text.as_bytes().to_vec()
                }
            };
            fs.iter().enumerate().map(bytes).collect()
        })
        .unwrap_or_default();
    let parts: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
    let hash = crate::crypto::Hash32::of(&crate::crypto::Hash32::of_parts(&parts).0);
    if Some(hash.to_hex()) != t["template_hash"].as_str().map(str::to_owned) {
        return Some("the template hash is not its fields'");
    }
    let key = hex_bytes::<32>(&t["public_key"]).and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok());
    let signed = match (key, hex_bytes::<64>(&t["signature"])) {
        (Some(key), Some(signature)) => crate::protocol::keys::verify(&key, &hash.0, &signature),
        _ => false,
    };
    (!signed).then_some("the user's signature does not verify")
}

/// Re-checks a pack: the manifest's hashes, and that it lists every file the pack holds; every
/// signature, every signed transfer template, every proof against the roots and its transfer,
/// every IVMS-101 document, and a re-run of the scenario at the pack's seed that must give every
/// file again, byte for byte.
pub fn verify(pack: &impl PackFiles) -> Result<Verdict, NotAPack> {
    let read = |name: &str| pack.read(name);
    // Each whole-file JSON document is read into types that hold only its text (never into
    // `serde_json::Value`, which a file of many small values makes many times its size).
    #[derive(serde::Deserialize)]
    struct Manifest {
        files: BTreeMap<String, String>,
    }
    let manifest: Manifest = read("manifest.json")
        .filter(|bytes| bytes.len() <= MAX_JSON_DOCUMENT_BYTES)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| NotAPack("no manifest.json that parses as a manifest (`files`: path to SHA-256)".to_owned()))?;
    let listed = &manifest.files;
    let scenario_bytes = read("scenario.yaml").ok_or_else(|| NotAPack("no scenario.yaml".to_owned()))?;
    let scenario = crate::scenario::parse_bytes("scenario.yaml", &scenario_bytes)
        .map_err(|e| NotAPack(format!("scenario.yaml is not a valid scenario: {}", e.first_problem())))?;
    let seed = read("outcome.json")
        .as_deref()
        .and_then(seed_of_outcome)
        .ok_or_else(|| NotAPack("no outcome.json that parses as JSON and names its seed".to_owned()))?;
    let mut verdict = Verdict::default();
    for name in pack.names() {
        if name != "manifest.json" && !listed.contains_key(&name) {
            verdict.push(problem(&name, None, "in the pack, but not listed in the manifest"));
        }
    }
    binding::check_mandatory(&pack.names(), &mut verdict);
    for (name, hash) in listed {
        match read(name) {
            None => verdict.push(problem(name, None, "listed in the manifest, but missing")),
            Some(bytes) if *hash != const_hex::encode(Sha256::digest(&bytes)) => {
                verdict.push(problem(name, None, "its SHA-256 differs from the manifest's"))
            }
            Some(_) => {}
        }
    }
    #[derive(serde::Deserialize)]
    struct Key {
        public_key: String,
    }
    let keys: BTreeMap<String, Key> = read("keys.json")
        .filter(|bytes| bytes.len() <= MAX_JSON_DOCUMENT_BYTES)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let key_of = |actor: &str| {
        let bytes: [u8; 32] = const_hex::decode(&keys.get(actor)?.public_key).ok()?.try_into().ok()?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok()
    };
    let forgers: Vec<String> = scenario
        .faults
        .byzantine
        .iter()
        .filter(|(_, b)| b.contains(&crate::scenario::Behaviour::ForgeSignature))
        .map(|(org, _)| org.to_string())
        .collect();
    // The plans, read first: the messages their approvals point at are kept as they pass.
    let mut plan_lines = Vec::new();
    each_line(&read("plans.jsonl").unwrap_or_default(), |_, line| {
        plan_lines.push(line);
        plan_lines.len() < 10_000
    });
    let wanted: std::collections::BTreeSet<u64> = plan_lines
        .iter()
        .flat_map(|p| p["approvals"].as_array().into_iter().flatten())
        .filter_map(|a| a["seq"].as_u64())
        .collect();
    let mut bindings = binding::Bindings::read(
        &read("transfers.jsonl").unwrap_or_default(),
        &read("personal_data.jsonl").unwrap_or_default(),
        &plan_lines,
    );
    let clusters = binding::clusters(&scenario);
    let mut approval_messages: BTreeMap<u64, (String, String, Vec<u8>)> = BTreeMap::new();
    each_line(&read("messages.jsonl").unwrap_or_default(), |i, m| {
        if wanted.contains(&(i as u64 + 1)) {
            let signed = m["signed"].as_str().and_then(|h| const_hex::decode(h).ok()).unwrap_or_default();
            let (signer, kind) = (m["signer"].as_str().unwrap_or_default(), m["kind"].as_str().unwrap_or_default());
            approval_messages.insert(i as u64 + 1, (signer.to_owned(), kind.to_owned(), signed));
        }
        if verdict.full("messages.jsonl") {
            return false;
        }
        let signer = m["signer"].as_str().unwrap_or_default();
        let signed = m["signed"].as_str().and_then(|h| const_hex::decode(h).ok());
        let verified = match (key_of(signer), signed, hex_bytes::<64>(&m["signature"])) {
            (Some(key), Some(bytes), Some(signature)) => crate::protocol::keys::verify(&key, &bytes, &signature),
            _ => false,
        };
        *verdict.checked.entry("signatures").or_default() += 1;
        if !verified && forgers.iter().any(|f| f == signer) {
            *verdict.expected_failures.entry(signer.to_owned()).or_default() += 1;
        } else if !verified {
            // The signer is named only when keys.json knows it: a line's text is not repeated.
            let what = match keys.get(signer) {
                Some(_) => format!("the signature is not {}'s", crate::text::clip(signer, 100)),
                None => "its signer has no key in keys.json".to_owned(),
            };
            verdict.push(problem("messages.jsonl", Some(i + 1), what));
        }
        bindings.message(i as u64 + 1, &m, verified, &clusters, &mut verdict);
        true
    });
    // Each transfer's transaction hash, by request id (what a proof's hash must be).
    let mut tx_hashes: BTreeMap<u64, serde_json::Value> = BTreeMap::new();
    each_line(&read("transfers.jsonl").unwrap_or_default(), |i, t| {
        if verdict.full("transfers.jsonl") {
            return false;
        }
        if let Some(request_id) = t["request_id"].as_u64() {
            tx_hashes.entry(request_id).or_insert_with(|| t["tx_hash"].clone());
        }
        // A transfer's and a redeem's template is signed by its user; an issue is its managing
        // org's own decision, signed on its messages.
        if t["kind"] == "issue" {
            *verdict.checked.entry("issues").or_default() += 1;
        } else {
            *verdict.checked.entry("transfers").or_default() += 1;
            if let Some(what) = transfer_problem(&t) {
                verdict.push(problem("transfers.jsonl", Some(i + 1), what));
            }
        }
        true
    });
    let public_key = |actor: &str| keys.get(actor).map(|k| k.public_key.clone());
    bindings.check(&read, &public_key, &mut verdict);
    binding::check_statement(&read, &mut verdict);
    // Each plan: its hash is its canonical bytes', every approval is its executor's signature on
    // the message it points at, every consent its user's signature over the plan's hash; each
    // instruction's proof file is bound to the instruction's transaction.
    let mut plan_proofs: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for (i, line) in plan_lines.iter().enumerate() {
        *verdict.checked.entry("plans").or_default() += 1;
        let at = |what: String| problem("plans.jsonl", Some(i + 1), what);
        let canonical = line["canonical"].as_str().and_then(|h| const_hex::decode(h).ok()).unwrap_or_default();
        let hash = line["hash"].as_str().unwrap_or_default();
        if const_hex::encode(Sha256::digest(&canonical)) != hash {
            verdict.push(at("its hash is not SHA-256 of its canonical bytes".to_owned()));
        }
        let hash_bytes = const_hex::decode(hash).unwrap_or_default();
        for approval in line["approvals"].as_array().into_iter().flatten() {
            *verdict.checked.entry("approvals").or_default() += 1;
            let signer = approval["signer"].as_str().unwrap_or_default();
            let message = approval["seq"].as_u64().and_then(|seq| approval_messages.get(&seq));
            let verified = match (key_of(signer), message, hex_bytes::<64>(&approval["signature"])) {
                (Some(key), Some((by, kind, signed)), Some(signature)) => {
                    by == signer && kind == "plan_approval" && crate::protocol::keys::verify(&key, signed, &signature)
                }
                _ => false,
            };
            if !verified {
                let what = format!(
                    "the approval of {} is not its signed plan_approval message",
                    crate::text::clip(signer, 100)
                );
                verdict.push(at(what));
            }
        }
        for consent in line["consents"].as_array().into_iter().flatten() {
            *verdict.checked.entry("consents").or_default() += 1;
            let signer = consent["signer"].as_str().unwrap_or_default();
            let verified = match (key_of(signer), hex_bytes::<64>(&consent["signature"])) {
                (Some(key), Some(signature)) => crate::protocol::keys::verify(&key, &hash_bytes, &signature),
                _ => false,
            };
            if !verified {
                let what = format!(
                    "the consent of {} is not its signature over the plan's hash",
                    crate::text::clip(signer, 100)
                );
                verdict.push(at(what));
            }
        }
        for instruction in line["instructions"].as_array().into_iter().flatten() {
            if let Some(proof) = instruction["proof"].as_str() {
                plan_proofs.insert(proof.to_owned(), instruction["tx_hash"].clone());
            }
        }
    }
    let mut roots: BTreeMap<(String, u64), String> = BTreeMap::new();
    each_line(&read("roots.jsonl").unwrap_or_default(), |_, b| {
        if let (Some(cluster), Some(height), Some(root)) =
            (b["cluster"].as_str(), b["height"].as_u64(), b["root"].as_str())
        {
            roots.entry((cluster.to_owned(), height)).or_insert_with(|| root.to_owned());
        }
        true
    });
    for (name, _) in listed.iter().filter(|(name, _)| name.starts_with("proofs/")) {
        *verdict.checked.entry("proofs").or_default() += 1;
        let proof: Option<ChainpointProof> = read(name)
            .filter(|bytes| bytes.len() <= MAX_JSON_DOCUMENT_BYTES)
            .and_then(|b| serde_json::from_slice(&b).ok());
        let Some((root, anchor)) = proof.as_ref().and_then(ChainpointProof::replay) else {
            verdict.push(problem(name, None, "not a Chainpoint proof that replays"));
            continue;
        };
        let request_id: Option<u64> = name.trim_start_matches("proofs/").trim_end_matches(".json").parse().ok();
        // A plan's instruction's proof is named after it (`proofs/plan-7-1.json`).
        let own = request_id.and_then(|id| tx_hashes.get(&id)).or_else(|| plan_proofs.get(name.as_str()));
        let hash = proof.as_ref().map(|p| serde_json::Value::from(p.hash.clone()));
        let block = roots.get(&(anchor.cluster.as_str().to_owned(), anchor.height));
        if own.is_none() || own != hash.as_ref() {
            verdict.push(problem(name, None, "its hash is not its own request's transaction"));
        } else if block.is_none_or(|b| *b != root.to_hex()) {
            verdict.push(problem(name, None, "it does not replay to its block's root in roots.jsonl"));
        }
    }
    for (name, _) in listed.iter().filter(|(name, _)| name.starts_with("ivms/")) {
        *verdict.checked.entry("documents").or_default() += 1;
        let text = read(name)
            .filter(|bytes| bytes.len() <= MAX_JSON_DOCUMENT_BYTES)
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        if ivms101::receiver_facts(&text).is_none() {
            verdict.push(problem(name, None, "not an IVMS101.2023 document"));
        }
    }
    // The run again, from the scenario and the seed: every file of the pack, byte for byte.
    let (rerun, material) = run(&scenario, seed, sim::Settings::default(), &Registry::default());
    for (name, bytes) in files(&scenario_bytes, &rerun, &material) {
        match read(&name) {
            None => verdict.push(problem(&name, None, "missing: the run makes it")),
            Some(found) if found != bytes => {
                let line = found.split(|b| *b == b'\n').zip(bytes.split(|b| *b == b'\n')).position(|(a, b)| a != b);
                let what = "differs from what a run of scenario.yaml at this seed makes";
                verdict.push(problem(&name, Some(line.unwrap_or(0) + 1), what));
            }
            Some(_) => {}
        }
    }
    Ok(verdict)
}

/// One side of `finsim diff`: a trace (its canonical lines, empty when the caller streams the
/// traces itself), and for a pack its outcome, the scenario it ran (to tell two scenarios apart)
/// and its final balances (from a re-run).
#[derive(Debug, Default)]
pub struct Side {
    /// The canonical trace, one JSON line per event.
    pub trace: Vec<String>,
    /// `outcome.json`, for a pack.
    pub outcome: Option<serde_json::Value>,
    /// The scenario's name and the SHA-256 of `scenario.yaml`, for a pack.
    pub scenario: Option<(String, String)>,
    /// The final balances, by (cluster, asset, account), for a pack.
    pub balances: Option<BTreeMap<(String, String, String), u64>>,
}

/// Whether a line is an event of a canonical trace: a JSON object that starts with its virtual
/// time `t_us` and names its `event`. Anything else is refused, and never printed.
pub fn check_trace_line(line: &str) -> Result<(), &'static str> {
    #[derive(serde::Deserialize)]
    #[expect(dead_code, reason = "only their presence and types are checked")]
    struct Head {
        t_us: u64,
        event: String,
    }
    if !line.starts_with("{\"t_us\":") {
        return Err("not a trace event (a JSON object that starts with \"t_us\")");
    }
    serde_json::from_str::<Head>(line).map(|_| ()).map_err(|_| "not a trace event (a JSON object with t_us and event)")
}

/// Where two traces part: the index of the first event that differs, and each side's event there
/// (`None`: that trace has ended).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The event's index, from 0.
    pub index: u64,
    /// A's event.
    pub a: Option<String>,
    /// B's event.
    pub b: Option<String>,
}

/// Why a trace file or an evidence pack cannot be one side of a comparison.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SideError {
    /// The trace has no event.
    #[error("empty: a trace has at least one event")]
    EmptyTrace,
    /// A line of the trace is not a trace event.
    #[error("line {line}: {why}")]
    NotAnEvent {
        /// The line, from 1.
        line: usize,
        /// What it is not.
        why: &'static str,
    },
    /// The pack's trace cannot be read.
    #[error("trace.jsonl: {0}")]
    Trace(Box<SideError>),
    /// A file the pack must hold is missing.
    #[error("no {0}")]
    Missing(&'static str),
    /// A file of the pack is not UTF-8 text.
    #[error("{0}: not UTF-8 text")]
    NotText(&'static str),
    /// `outcome.json` is larger than a JSON document of a pack may be.
    #[error("outcome.json: larger than {} MiB", MAX_JSON_DOCUMENT_BYTES >> 20)]
    OutcomeTooLarge,
    /// `outcome.json` is not JSON.
    #[error("outcome.json: not JSON")]
    OutcomeNotJson,
    /// `outcome.json` names no seed to run the scenario with.
    #[error("outcome.json names no seed")]
    NoSeed,
    /// `scenario.yaml` does not load; its first problem.
    #[error("scenario.yaml is not a valid scenario: {0}")]
    Scenario(String),
}

impl Side {
    /// A trace file's side.
    pub fn of_trace(text: &str) -> Result<Side, SideError> {
        let trace: Vec<String> = text.lines().map(str::to_owned).collect();
        if trace.is_empty() {
            return Err(SideError::EmptyTrace);
        }
        if let Some((i, why)) = trace.iter().enumerate().find_map(|(i, l)| check_trace_line(l).err().map(|w| (i, w))) {
            return Err(SideError::NotAnEvent { line: i + 1, why });
        }
        Ok(Side { trace, ..Side::default() })
    }

    /// A pack's side, from its files, with its trace.
    pub fn of_pack(pack: &impl PackFiles) -> Result<Side, SideError> {
        let trace = pack.read("trace.jsonl").ok_or(SideError::Missing("trace.jsonl"))?;
        let trace = String::from_utf8(trace).map_err(|_| SideError::NotText("trace.jsonl"))?;
        let mut side = Side::of_trace(&trace).map_err(|e| SideError::Trace(Box::new(e)))?;
        let rest = Side::of_pack_without_trace(pack)?;
        side.outcome = rest.outcome;
        side.scenario = rest.scenario;
        side.balances = rest.balances;
        Ok(side)
    }

    /// A pack's side without its trace (which the caller reads a line at a time).
    pub fn of_pack_without_trace(pack: &impl PackFiles) -> Result<Side, SideError> {
        let text = |name: &'static str| {
            let bytes = pack.read(name).ok_or(SideError::Missing(name))?;
            String::from_utf8(bytes).map_err(|_| SideError::NotText(name))
        };
        let outcome_text = text("outcome.json")?;
        if outcome_text.len() > MAX_JSON_DOCUMENT_BYTES {
            return Err(SideError::OutcomeTooLarge);
        }
        let outcome: serde_json::Value = serde_json::from_str(&outcome_text).map_err(|_| SideError::OutcomeNotJson)?;
        let scenario_text = text("scenario.yaml")?;
        let scenario = crate::scenario::parse("scenario.yaml", &scenario_text)
            .map_err(|e| SideError::Scenario(e.first_problem()))?;
        let seed = outcome["seed"].as_u64().ok_or(SideError::NoSeed)?;
        let (_, material) = run(&scenario, seed, sim::Settings::default(), &Registry::default());
        let balances = material
            .ledgers
            .iter()
            .flat_map(|(cluster, ledger)| {
                ledger.balances.iter().map(move |((asset, account), amount)| {
                    ((cluster.to_string(), asset.to_string(), account.to_string()), *amount)
                })
            })
            .collect();
        let digest = const_hex::encode(Sha256::digest(scenario_text.as_bytes()));
        Ok(Side {
            trace: Vec::new(),
            outcome: Some(outcome),
            scenario: Some((scenario.name.clone(), digest)),
            balances: Some(balances),
        })
    }
}

/// Where two traces held whole part, if they do.
pub(crate) fn first_divergence(a: &[String], b: &[String]) -> Option<Divergence> {
    let first = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i))?;
    Some(Divergence { index: first as u64, a: a.get(first).cloned(), b: b.get(first).cloned() })
}

/// How two runs differ: `None` when their traces are equal and they ran one scenario; else the
/// lines that say where and how.
pub fn diff(a: &Side, b: &Side) -> Option<Vec<String>> {
    describe(first_divergence(&a.trace, &b.trace).as_ref(), a, b)
}

/// The lines `diff` prints, given where the traces part (`None`: they do not): `None` when
/// nothing differs.
pub(crate) fn describe(divergence: Option<&Divergence>, a: &Side, b: &Side) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    if let (Some((name_a, digest_a)), Some((name_b, digest_b))) = (&a.scenario, &b.scenario) {
        if digest_a != digest_b {
            lines.push(format!(
                "the packs ran different scenarios: A `{}` (scenario.yaml SHA-256 {}…), B `{}` ({}…)",
                crate::text::clip(name_a, 100),
                &digest_a[..12],
                crate::text::clip(name_b, 100),
                &digest_b[..12]
            ));
        }
    }
    if let Some(divergence) = divergence {
        let event = |e: &Option<String>| {
            e.as_deref().map_or("(the trace has ended)".to_owned(), |e| crate::text::clip(e, 2000).into_owned())
        };
        let n = divergence.index + 1;
        lines.push(format!("first difference at event {n} (line {n} of each trace):"));
        lines.push(format!("  A: {}", event(&divergence.a)));
        lines.push(format!("  B: {}", event(&divergence.b)));
    }
    if lines.is_empty() {
        return None;
    }
    if let (Some(oa), Some(ob)) = (&a.outcome, &b.outcome) {
        for field in ["passed", "seed", "messages", "virtual_ms", "digest"] {
            if oa[field] != ob[field] {
                lines.push(format!("{field}: A {}; B {}", oa[field], ob[field]));
            }
        }
        for kind in ["expectations", "invariants"] {
            let checks = |o: &serde_json::Value| -> BTreeMap<String, (bool, String)> {
                o[kind]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| {
                        let name = c["name"].as_str().unwrap_or_default().to_owned();
                        (
                            name,
                            (
                                c["passed"].as_bool().unwrap_or(false),
                                c["detail"].as_str().unwrap_or_default().to_owned(),
                            ),
                        )
                    })
                    .collect()
            };
            let (ca, cb) = (checks(oa), checks(ob));
            for name in ca.keys().chain(cb.keys()).collect::<std::collections::BTreeSet<_>>() {
                let verdict = |c: Option<&(bool, String)>| match c {
                    Some((true, detail)) => format!("ok ({detail})"),
                    Some((false, detail)) => format!("FAIL ({detail})"),
                    None => "absent".to_owned(),
                };
                if ca.get(name) != cb.get(name) {
                    lines.push(format!("{kind} `{name}`: A {}; B {}", verdict(ca.get(name)), verdict(cb.get(name))));
                }
            }
        }
    }
    if let (Some(ba), Some(bb)) = (&a.balances, &b.balances) {
        for key in ba.keys().chain(bb.keys()).collect::<std::collections::BTreeSet<_>>() {
            if ba.get(key) != bb.get(key) {
                let (cluster, asset, account) = key;
                let show = |v: Option<&u64>| v.map_or("none".to_owned(), u64::to_string);
                lines.push(format!(
                    "balance of {account} in {asset} on {cluster}: A {}; B {}",
                    show(ba.get(key)),
                    show(bb.get(key))
                ));
            }
        }
    }
    Some(lines)
}
