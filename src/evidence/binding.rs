//! A pack's bindings: every file bound to a signed message of `messages.jsonl`, checked from the
//! pack alone, without a re-run (`docs/evidence.md`, "Bindings"). A personal-data line names the
//! message that delivered its document, whose signed bytes hold that document byte for byte; a
//! final status names the message that told it; each message's routing header is the one inside
//! its signed bytes; and nothing the messages say was disclosed or asked is missing a line.

use super::{each_line, problem, Verdict};
use crate::crypto::chainpoint::ChainpointProof;
use crate::protocol::envelope::Message;
use crate::protocol::ids::Address;
use crate::protocol::message::{Body, APPLICATION_IVMS101};
use crate::protocol::status::Status;
use std::collections::{BTreeMap, BTreeSet};

/// The files every pack holds; `plans.jsonl`, `proofs/` and `ivms/` are there when the run made
/// them.
pub const MANDATORY: [&str; 10] = [
    "manifest.json",
    "scenario.yaml",
    "outcome.json",
    "trace.jsonl",
    "keys.json",
    "messages.jsonl",
    "roots.jsonl",
    "transfers.jsonl",
    "personal_data.jsonl",
    super::STATEMENT,
];

/// What is wrong with the pack's in-toto Statement: its subjects must be the pack's trace and
/// scenario, its predicate the seed and digest of `outcome.json`.
pub(super) fn check_statement(read: &dyn Fn(&str) -> Option<Vec<u8>>, verdict: &mut Verdict) {
    let json = |name: &str| -> serde_json::Value {
        read(name)
            .filter(|bytes| bytes.len() <= super::MAX_JSON_DOCUMENT_BYTES)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    };
    let Some(bytes) = read(super::STATEMENT) else { return };
    let statement = json(super::STATEMENT);
    let outcome = json("outcome.json");
    let sha = |name: &str| read(name).map(|b| const_hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b)));
    let subject = |name: &str| {
        statement["subject"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["name"] == name)
            .map(|s| s["digest"]["sha256"].clone())
    };
    let predicate = &statement["predicate"];
    let holds = !bytes.is_empty()
        && statement["_type"] == "https://in-toto.io/Statement/v1"
        && statement["predicateType"] == super::PREDICATE_TYPE
        && subject("trace.jsonl").is_some_and(|d| d.as_str().map(str::to_owned) == sha("trace.jsonl"))
        && subject("scenario.yaml").is_some_and(|d| d.as_str().map(str::to_owned) == sha("scenario.yaml"))
        && predicate["seed"] == outcome["seed"]
        && predicate["digest"] == outcome["digest"]
        && predicate["scenario"] == outcome["scenario"]
        && predicate["passed"] == outcome["passed"];
    if !holds {
        let what = "its subjects are not the pack's trace.jsonl and scenario.yaml, or its predicate not outcome.json's";
        verdict.push(problem(super::STATEMENT, None, what));
    }
}

/// A line of `transfers.jsonl`, as its binding reads it.
struct Told {
    line: usize,
    request_id: u64,
    /// The org that knows the status: the buyer's, the holder's or the receiver's.
    org: String,
    status: String,
    reason: Option<String>,
    seq: Option<u64>,
    proof: Option<String>,
}

/// A line of `personal_data.jsonl`, as its binding reads it.
struct Disclosure {
    line: usize,
    /// `ivms101` (a line without a category is one), `identifier` or `denied`.
    category: String,
    /// The line says the copy failed its signature check: the message it names need not verify.
    unsigned: bool,
    seq: Option<u64>,
    from: String,
    to: String,
    user: String,
    payload: String,
}

/// A line of `plans.jsonl`, as its final status's binding reads it.
struct PlanEnd {
    line: usize,
    coordinator: String,
    status: Option<String>,
    reason: Option<String>,
    seq: Option<u64>,
}

/// A line of `messages.jsonl` another file names: who sent it to whom, whether its signature
/// verified, and what its signed bytes say.
struct Named {
    from: String,
    to: String,
    verified: bool,
    message: Option<Message>,
}

/// What the bindings read of a pack, gathered before and during the one pass over its messages.
#[derive(Default)]
pub(super) struct Bindings {
    told: Vec<Told>,
    disclosures: Vec<Disclosure>,
    plans: Vec<PlanEnd>,
    /// The seqs some line names.
    wanted: BTreeSet<u64>,
    named: BTreeMap<u64, Named>,
    /// The seqs of every IVMS-101 document an org sent another org, by (from, to, request id).
    documents: BTreeMap<(String, String, u64), Vec<u64>>,
    /// The request ids of every transfer, redeem and issue an org sent.
    operations: BTreeSet<u64>,
    /// Every block a ledger signed: (cluster, height, root, its transactions' hashes), in hex.
    blocks: BTreeSet<(String, u64, String, Vec<String>)>,
}

/// The org of an account (`org_1:100:user_1` is `org_1`'s).
fn org_of(account: &str) -> String {
    account.split(':').next().unwrap_or_default().to_owned()
}

fn text(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn word(value: &serde_json::Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

impl Bindings {
    /// Reads the lines that name messages: `transfers.jsonl`, `personal_data.jsonl` and the
    /// plans (already read).
    pub(super) fn read(transfers: &[u8], personal: &[u8], plans: &[serde_json::Value]) -> Self {
        let mut bindings = Self::default();
        each_line(transfers, |i, t| {
            let account = ["buyer", "holder", "receiver"].iter().find_map(|k| t[*k].as_str()).unwrap_or_default();
            bindings.told.push(Told {
                line: i + 1,
                request_id: t["request_id"].as_u64().unwrap_or_default(),
                org: org_of(account),
                status: text(&t["status"]),
                reason: word(&t["reason"]),
                seq: t["seq"].as_u64(),
                proof: word(&t["proof"]),
            });
            bindings.told.len() < 1_000_000
        });
        each_line(personal, |i, p| {
            bindings.disclosures.push(Disclosure {
                line: i + 1,
                category: p["category"].as_str().unwrap_or("ivms101").to_owned(),
                unsigned: p["copy"] == "bad_signature",
                seq: p["seq"].as_u64(),
                from: text(&p["from"]),
                to: text(&p["to"]),
                user: text(&p["user"]),
                payload: text(&p["payload"]),
            });
            bindings.disclosures.len() < 1_000_000
        });
        for (i, p) in plans.iter().enumerate() {
            bindings.plans.push(PlanEnd {
                line: i + 1,
                coordinator: text(&p["coordinator"]),
                status: word(&p["status"]),
                reason: word(&p["reason"]),
                seq: p["seq"].as_u64(),
            });
        }
        let seqs = bindings.told.iter().map(|t| t.seq).chain(bindings.disclosures.iter().map(|d| d.seq));
        bindings.wanted = seqs.chain(bindings.plans.iter().map(|p| p.seq)).flatten().collect();
        bindings
    }

    /// One line of `messages.jsonl` (`seq` from 1) whose signature did or did not verify: its
    /// routing header against its signed bytes, and what later checks need of it.
    pub(super) fn message(
        &mut self,
        seq: u64,
        line: &serde_json::Value,
        verified: bool,
        clusters: &BTreeMap<String, BTreeSet<String>>,
        verdict: &mut Verdict,
    ) {
        let signed = line["signed"].as_str().and_then(|h| const_hex::decode(h).ok()).unwrap_or_default();
        let message: Option<Message> = postcard::from_bytes(&signed).ok();
        let (from, to, signer) = (text(&line["from"]), text(&line["to"]), text(&line["signer"]));
        let at = |what: &str| problem("messages.jsonl", Some(seq as usize), what);
        let Some(message) = message else {
            // A forger's bytes are checked no further than its signature: that failure is expected.
            if verified {
                verdict.push(at("its signed bytes are not a message"));
            }
            return;
        };
        let kind = message.body.kind();
        let header = line["request_id"].as_u64() == Some(message.request_id)
            && line["kind"].as_str() == Some(kind.word())
            && message.from.to_string() == signer;
        // The receiver is inside the signed bytes for a send by the signer itself; a copy another
        // actor sends again (a replay) goes wherever that actor sends it.
        let addressed = from != signer
            || match &message.to {
                Address::Actor(actor) => actor.to_string() == to,
                Address::Cluster(cluster) => clusters.get(cluster.as_str()).is_some_and(|orgs| orgs.contains(&to)),
            };
        if !header {
            verdict.push(at("its request id, kind or signer is not that of its signed bytes"));
        } else if !addressed {
            verdict.push(at("its receiver is not the one its signed bytes address"));
        }
        let between_orgs = !from.contains(':') && !to.contains(':') && from != to;
        match &message.body {
            Body::GetResponse(response)
                if between_orgs && response.payload.is_some() && &*response.content_type == APPLICATION_IVMS101 =>
            {
                self.documents.entry((from.clone(), to.clone(), message.request_id)).or_default().push(seq);
            }
            // An org's request of a transfer or of an operation (the bodies the pack has a line for).
            body if !from.contains(':')
                && (matches!(body, Body::Transfer(_)) || body.reading().is_some_and(|r| r.pack_line().is_some())) =>
            {
                self.operations.insert(message.request_id);
            }
            Body::BlockCommitted(block) if verified => {
                if let Some(cluster) = signer.strip_prefix("ledger:") {
                    let txs = block.txs.hashes().iter().map(|h| h.to_hex()).collect();
                    self.blocks.insert((cluster.to_owned(), block.height, block.root.to_hex(), txs));
                }
            }
            _ => {}
        }
        if self.wanted.contains(&seq) {
            self.named.insert(seq, Named { from, to, verified, message: Some(message) });
        }
    }

    /// Every binding, once the messages were read: `read` gives a file of the pack, `key_of` an
    /// actor's public key (hex) as `keys.json` gives it.
    pub(super) fn check(
        &self,
        read: &dyn Fn(&str) -> Option<Vec<u8>>,
        key_of: &dyn Fn(&str) -> Option<String>,
        verdict: &mut Verdict,
    ) {
        self.check_finals(read, verdict);
        self.check_roots(read, verdict);
        self.check_disclosures(read, key_of, verdict);
        self.check_plans(verdict);
    }

    /// The named message, if its signature verified and its bytes decode.
    fn signed(&self, seq: Option<u64>) -> Option<(&Named, &Message)> {
        let named = self.named.get(&seq?)?;
        Some((named, named.message.as_ref().filter(|_| named.verified)?))
    }

    fn check_finals(&self, read: &dyn Fn(&str) -> Option<Vec<u8>>, verdict: &mut Verdict) {
        let mut lines = BTreeSet::new();
        for told in &self.told {
            lines.insert(told.request_id);
            let at = |what: String| problem("transfers.jsonl", Some(told.line), what);
            let reason = told.reason.as_deref();
            let Some(seq) = told.seq else {
                if !(told.status == "pending" || (told.status == "rejected" && reason == Some("timeout"))) {
                    verdict.push(at(format!("its status {} names no message that told it", clip(&told.status))));
                }
                continue;
            };
            let Some((named, message)) = self.signed(Some(seq)) else {
                verdict.push(at(format!("message {seq} is not a signed message of messages.jsonl")));
                continue;
            };
            // A transfer's settlement, an operation's final status, a settled transaction's status.
            let operation_told = message.body.reading().and_then(|r| r.told());
            let (status, proof) = match (&message.body, operation_told) {
                (Body::Settlement(s), _) | (_, Some(s)) => (s.status, s.proof.as_deref()),
                (Body::StatusAnswer(a), None) if a.status == Status::Ok => (a.status, None),
                _ => {
                    verdict.push(at(format!("message {seq} tells no final status")));
                    continue;
                }
            };
            if named.to != told.org || message.request_id != told.request_id {
                verdict.push(at(format!(
                    "message {seq} is not to {} about request {}",
                    clip(&told.org),
                    told.request_id
                )));
                continue;
            }
            let said = match status {
                Status::Ok => ("settled", None),
                reason => ("rejected", Some(reason.word())),
            };
            if (told.status.as_str(), reason) != said {
                verdict
                    .push(at(format!("its status is not the one message {seq} signed ({})", said.1.unwrap_or(said.0))));
                continue;
            }
            if status == Status::Ok {
                let file = told.proof.as_deref().filter(|name| *name == format!("proofs/{}.json", told.request_id));
                let held: Option<ChainpointProof> =
                    file.and_then(read).and_then(|bytes| serde_json::from_slice(&bytes).ok());
                match (held, proof) {
                    (None, _) => verdict.push(at("settled, but its proof is not in the pack".to_owned())),
                    (Some(held), Some(signed)) if held != *signed => {
                        verdict.push(at(format!("its proof is not the one message {seq} signed")))
                    }
                    _ => {}
                }
            }
        }
        for request_id in self.operations.difference(&lines) {
            let what = format!("request {request_id} was sent as a transfer, issue or redeem, but has no line");
            verdict.push(problem("transfers.jsonl", None, what));
        }
    }

    /// Each block of `roots.jsonl` is one its cluster's ledger signed: a `block_committed` with
    /// that height, root and transactions.
    fn check_roots(&self, read: &dyn Fn(&str) -> Option<Vec<u8>>, verdict: &mut Verdict) {
        each_line(&read("roots.jsonl").unwrap_or_default(), |i, b| {
            let txs: Vec<String> = b["txs"].as_array().into_iter().flatten().map(text).collect();
            let block = (text(&b["cluster"]), b["height"].as_u64().unwrap_or_default(), text(&b["root"]), txs);
            if !self.blocks.contains(&block) {
                let what = "no block_committed its cluster's ledger signed has this height, root and transactions";
                verdict.push(problem("roots.jsonl", Some(i + 1), what));
            }
            !verdict.full("roots.jsonl")
        });
    }

    fn check_disclosures(
        &self,
        read: &dyn Fn(&str) -> Option<Vec<u8>>,
        key_of: &dyn Fn(&str) -> Option<String>,
        verdict: &mut Verdict,
    ) {
        let mut disclosed = BTreeSet::new();
        for d in &self.disclosures {
            let at = |what: String| problem("personal_data.jsonl", Some(d.line), what);
            // A copy the line says failed its signature check names its message as it was sent.
            let named = match d.unsigned {
                true => d.seq.and_then(|seq| self.named.get(&seq)).and_then(|n| Some((n, n.message.as_ref()?))),
                false => self.signed(d.seq),
            };
            let Some((named, message)) = named else {
                verdict.push(at("it names no signed message of messages.jsonl".to_owned()));
                continue;
            };
            if d.category != "ivms101" {
                if let Some(what) = Self::names_the_user(d, named, message, key_of) {
                    verdict.push(at(what));
                }
                continue;
            }
            let Body::GetResponse(response) = &message.body else {
                verdict.push(at(format!("message {} carries no personal data", d.seq.unwrap_or_default())));
                continue;
            };
            let document = read(&d.payload);
            let carried = response.payload.as_deref().map(str::as_bytes);
            if named.from != d.from || named.to != d.to || response.resource.to_string() != d.user {
                let what = format!(
                    "message {} is not from {} to {} about {}",
                    d.seq.unwrap_or_default(),
                    clip(&d.from),
                    clip(&d.to),
                    clip(&d.user)
                );
                verdict.push(at(what));
            } else if &*response.content_type != APPLICATION_IVMS101
                || document.is_none()
                || carried != document.as_deref()
            {
                let what = format!(
                    "{} is not the IVMS-101 document message {} carried",
                    clip(&d.payload),
                    d.seq.unwrap_or_default()
                );
                verdict.push(at(what));
            } else {
                disclosed.insert((d.from.clone(), d.to.clone(), message.request_id));
            }
        }
        // Every document the trace says was delivered has a line.
        let mut missing = BTreeSet::new();
        each_line(&read("trace.jsonl").unwrap_or_default(), |_, event| {
            if event["event"] == "delivered" && event["kind"] == "get_response" {
                let hop = (text(&event["from"]), text(&event["to"]), event["request_id"].as_u64().unwrap_or_default());
                if self.documents.contains_key(&hop) && !disclosed.contains(&hop) {
                    missing.insert(hop);
                }
            }
            true
        });
        for (from, to, request_id) in missing {
            let what = format!(
                "{} sent {} an IVMS-101 document for request {request_id} that trace.jsonl delivers, and no line names it",
                clip(&from),
                clip(&to)
            );
            verdict.push(problem("personal_data.jsonl", None, what));
        }
    }

    /// What is wrong with an `identifier` or `denied` line: its message must go from `from` to
    /// `to` and name the user (its account, or for an identifier its finid, the user's public key
    /// in `keys.json`); a denied line's message is the request for the user's data.
    fn names_the_user(
        d: &Disclosure,
        named: &Named,
        message: &Message,
        key_of: &dyn Fn(&str) -> Option<String>,
    ) -> Option<String> {
        let seq = d.seq.unwrap_or_default();
        let request = message.body.kind().asks_for_user_data();
        match d.category.as_str() {
            "identifier" => {}
            "denied" if request => {}
            "denied" => return Some(format!("message {seq} is not a request for personal data")),
            other => return Some(format!("`{}` is not a category of the register", clip(other))),
        }
        if named.from != d.from || named.to != d.to {
            return Some(format!("message {seq} is not from {} to {}", clip(&d.from), clip(&d.to)));
        }
        let finid = (d.category == "identifier").then(|| key_of(&format!("user:{}", d.user))).flatten();
        let texts = super::body_texts(&message.body);
        let names = texts.iter().any(|t| *t == d.user || Some(t) == finid.as_ref());
        (!names).then(|| format!("message {seq} does not name {}", clip(&d.user)))
    }

    fn check_plans(&self, verdict: &mut Verdict) {
        for plan in &self.plans {
            let at = |what: String| problem("plans.jsonl", Some(plan.line), what);
            let Some(seq) = plan.seq else {
                if plan.status.is_some() {
                    verdict.push(at("its status names no plan_final message that told it".to_owned()));
                }
                continue;
            };
            let told = self.signed(Some(seq)).and_then(|(_, message)| match &message.body {
                Body::PlanFinal(end) if message.from.to_string() == plan.coordinator => Some(end),
                _ => None,
            });
            let Some(end) = told else {
                verdict.push(at(format!("message {seq} is not its coordinator's signed plan_final")));
                continue;
            };
            let reason = end.reason.map(crate::check::expectations::reason_word);
            if plan.status.as_deref() != Some(end.status.word()) || plan.reason.as_deref() != reason {
                verdict.push(at(format!("its status is not the one message {seq} signed ({})", end.status.word())));
            }
        }
    }
}

/// A pack's text, cut short for a problem's line.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    crate::text::clip(text, 100)
}

/// The clusters of a scenario and their orgs, by id text.
pub(super) fn clusters(scenario: &crate::scenario::Scenario) -> BTreeMap<String, BTreeSet<String>> {
    let orgs = |orgs: &Vec<crate::protocol::ids::OrgId>| orgs.iter().map(ToString::to_string).collect();
    scenario.clusters.iter().map(|(cluster, members)| (cluster.to_string(), orgs(members))).collect()
}

/// A mandatory file the pack does not hold.
pub(super) fn check_mandatory(names: &[String], verdict: &mut Verdict) {
    for file in MANDATORY {
        if !names.iter().any(|name| name == file) {
            verdict.push(problem(file, None, "missing: every pack holds it"));
        }
    }
}

/// A plan's final status by its index in the signed bytes of a `plan_final` (`docs/evidence.md`).
pub const PLAN_STATUSES: [&str; 4] = ["completed", "rejected", "reverted", "failed"];

#[cfg(test)]
mod tests {
    use super::PLAN_STATUSES;
    use crate::protocol::canonical;
    use crate::protocol::plan::PlanStatus;
    use crate::protocol::status::Status;

    #[test]
    fn the_status_tables_a_verifier_reads_are_the_signed_bytes_indices() {
        for status in [PlanStatus::Completed, PlanStatus::Rejected, PlanStatus::Reverted, PlanStatus::Failed] {
            let index = canonical::bytes(&status).unwrap()[0];
            assert_eq!(PLAN_STATUSES[usize::from(index)], status.word());
        }
        for status in Status::ALL {
            assert_eq!(canonical::bytes(&status).unwrap(), [status.code()], "{status:?} is its code");
        }
    }
}
