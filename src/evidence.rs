//! Evidence packs: a run's signed evidence as plain files that anyone can check with their own
//! ed25519, SHA-256 and Chainpoint tools, without finsim. `docs/evidence.md` documents every
//! byte layout. This module returns the files (path → bytes); the CLI writes them.

use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::crypto::chainpoint::ChainpointProof;
use crate::outcome::Outcome;
use crate::protocol::ids::{ActorId, ClusterId};
use crate::protocol::message::LedgerTx;
use crate::scenario::Scenario;
use crate::sim::{self, SentEnvelope};
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
}

/// Runs a scenario at a seed, keeping what its evidence pack needs.
pub fn run(scenario: &Scenario, seed: u64) -> (Outcome, Material) {
    let runner = sim::Runner::new();
    let settings = sim::Settings { record_envelopes: true, ..sim::Settings::default() };
    let mut result = runner.simulate_within(scenario, seed, settings);
    let material = Material {
        sent: std::mem::take(&mut result.sent),
        ledgers: result.observations.ledgers.clone(),
        proofs: result
            .observations
            .transfers
            .iter()
            .filter(|(_, known)| known.settled)
            .filter_map(|(id, known)| Some((*id, known.proof.clone()?)))
            .collect(),
        keys: result.directory.keyring.actors().map(|(actor, key)| (actor.clone(), key.to_bytes())).collect(),
    };
    let outcome = crate::outcome::conclude(scenario, seed, result, &crate::library::Simulator::default());
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

/// The files of the pack, by path: `scenario_bytes` is the scenario exactly as it was run.
pub fn files(scenario_bytes: &[u8], outcome: &Outcome, material: &Material) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert("scenario.yaml".to_owned(), scenario_bytes.to_vec());
    let mut outcome_json = serde_json::to_vec(outcome).expect("an outcome always encodes");
    outcome_json.push(b'\n');
    files.insert("outcome.json".to_owned(), outcome_json);
    files.insert("trace.jsonl".to_owned(), crate::trace::to_jsonl(&outcome.trace).into_bytes());
    let keys: BTreeMap<String, serde_json::Value> = material
        .keys
        .iter()
        .map(|(actor, key)| (actor.to_string(), json!({ "role": role(actor), "public_key": const_hex::encode(key) })))
        .collect();
    files.insert("keys.json".to_owned(), pretty(&keys));
    let messages = material.sent.iter().enumerate().map(|(i, sent)| MessageLine {
        seq: i + 1,
        t_us: sent.t_us,
        from: sent.from.to_string(),
        to: sent.to.to_string(),
        kind: sent.envelope.kind,
        request_id: sent.envelope.request_id,
        signer: sent.envelope.from.to_string(),
        signed: const_hex::encode(&sent.envelope.payload),
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
    let hashes: BTreeMap<&String, String> =
        files.iter().map(|(path, bytes)| (path, const_hex::encode(Sha256::digest(bytes)))).collect();
    let manifest = json!({ "finsim": env!("CARGO_PKG_VERSION"), "files": hashes });
    files.insert("manifest.json".to_owned(), pretty(&manifest));
    files
}
