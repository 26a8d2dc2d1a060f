//! Evidence packs: a run's signed evidence as plain files that anyone can check with their own
//! ed25519, SHA-256 and Chainpoint tools, without finsim. `docs/evidence.md` documents every
//! byte layout. This module returns the files (path → bytes); the CLI writes them.

use crate::actors::cluster_ledger::LedgerSnapshot;
use crate::crypto::chainpoint::ChainpointProof;
use crate::outcome::Outcome;
use crate::protocol::ids::{ActorId, ClusterId};
use crate::protocol::ivms101;
use crate::protocol::message::{Body, LedgerTx, APPLICATION_IVMS101};
use crate::protocol::status::Status;
use crate::scenario::Scenario;
use crate::sim::observations::Delivery;
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
    /// Each transfer's final status as its buyer's org knows it: settled, or the reason.
    pub finals: BTreeMap<u64, Status>,
    /// Every delivery of personal data, in delivery order.
    pub deliveries: Vec<Delivery>,
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
        finals: result.observations.transfers.iter().map(|(id, known)| (*id, known.reason)).collect(),
        deliveries: result.observations.data_deliveries.clone(),
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

/// One line of `transfers.jsonl` per transfer a buyer's org sent: the user's signed template.
fn transfers(material: &Material) -> Vec<serde_json::Value> {
    let keys: BTreeMap<&ActorId, &[u8; 32]> = material.keys.iter().map(|(a, k)| (a, k)).collect();
    let mut seen = BTreeMap::new();
    for sent in &material.sent {
        let Some(message) = sent.envelope.read() else { continue };
        let Body::Transfer(transfer) = message.body else { continue };
        if !matches!(sent.from, ActorId::Org(_)) || seen.contains_key(&message.request_id) {
            continue;
        }
        let fields: Vec<String> = transfer
            .template()
            .fields()
            .iter()
            .enumerate()
            .map(
                |(i, bytes)| {
                    if i == 0 {
                        const_hex::encode(bytes)
                    } else {
                        String::from_utf8_lossy(bytes).into_owned()
                    }
                },
            )
            .collect();
        let (status, reason) = match material.finals.get(&message.request_id) {
            Some(Status::Ok) => ("settled", None),
            Some(reason) => ("rejected", Some(reason.word())),
            None => ("pending", None),
        };
        // The transfer's own transaction on its ledger, as the ledger holds it (not the proof's word).
        let on_ledger = material.ledgers.values().flat_map(|l| &l.blocks).flat_map(|b| &b.txs);
        let tx_hash = on_ledger.filter(|tx| tx.request_id == message.request_id).map(|tx| tx.hash().to_hex()).next();
        let tx_hash = tx_hash.filter(|_| status == "settled");
        let key = keys.get(&ActorId::User(transfer.from.id.clone())).map(const_hex::encode);
        seen.insert(
            message.request_id,
            json!({
                "request_id": message.request_id,
                "buyer": transfer.from.id.to_string(),
                "fields": fields,
                "template_hash": transfer.signature.template_hash.to_hex(),
                "signature": const_hex::encode(&transfer.signature.value),
                "public_key": key,
                "status": status,
                "reason": reason,
                "tx_hash": tx_hash,
            }),
        );
    }
    seen.into_values().collect()
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
    files.insert("transfers.jsonl".to_owned(), json_lines(transfers(material).into_iter()));
    let mut personal = Vec::new();
    for delivery in &material.deliveries {
        let Some(Body::GetResponse(response)) = delivery.envelope.read().map(|m| m.body) else { continue };
        let Some(document) = response.payload.filter(|_| response.content_type == APPLICATION_IVMS101) else {
            continue;
        };
        let n = personal.len() + 1;
        personal.push(json!({
            "t_us": delivery.delivered_us,
            "from": delivery.from.as_str(),
            "to": delivery.to.as_str(),
            "user": response.resource.to_string(),
            "fields": ivms101::disclosed_fields(&document),
            "payload": format!("ivms/{n}.json"),
        }));
        files.insert(format!("ivms/{n}.json"), document.into_bytes());
    }
    files.insert("personal_data.jsonl".to_owned(), json_lines(personal.into_iter()));
    let hashes: BTreeMap<&String, String> =
        files.iter().map(|(path, bytes)| (path, const_hex::encode(Sha256::digest(bytes)))).collect();
    let manifest = json!({ "finsim": env!("CARGO_PKG_VERSION"), "files": hashes });
    files.insert("manifest.json".to_owned(), pretty(&manifest));
    files
}
