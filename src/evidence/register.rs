//! The register of personal data (`personal_data.jsonl`): every copy that reached an org and
//! carried a user's personal data, in arrival order. Three categories: `ivms101` (the user's
//! IVMS-101 document, from another org: the user's, or one that should not have sent it), `identifier` (a message naming the user's account or
//! finid, delivered to an org that is not the user's: blocks, broadcasts, notifications) and
//! `denied` (a request for the user's data that the user's org refused). Each line names the
//! signed message it is bound to (`seq`), its purpose (the transfer, issue, redeem or plan, and
//! the rules that needed the data, or `none`), and whether the copy was a duplicate or failed its
//! signature check; an `ivms101` line also names the fields no rule read.

use super::{Material, Seqs};
use crate::protocol::ids::{ActorId, OrgId, ResourceId};
use crate::protocol::ivms101;
use crate::protocol::message::{Body, APPLICATION_IVMS101};
use crate::protocol::status::Status;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// What the register needs of the scenario: each user's org and finid, the fields each org's
/// rules read, and what each request id is.
#[derive(Debug, Default)]
pub struct Context {
    /// Each user's account, by the texts that name it (its account id and its finid).
    pub names: BTreeMap<String, ResourceId>,
    /// The IVMS-101 fields each org's rules read, with the rule that reads each.
    pub reads: BTreeMap<OrgId, Vec<(&'static str, &'static str)>>,
    /// What each request id is: `transfer`, `issue`, `redeem` or `plan` (with the plan's id).
    pub purposes: BTreeMap<u64, (&'static str, Option<u64>)>,
}

impl Context {
    /// The register's view of a scenario and its run's directory.
    pub fn of(scenario: &crate::scenario::Scenario, dir: &crate::actors::directory::Directory) -> Self {
        let mut names = BTreeMap::new();
        for user in scenario.users.keys() {
            names.insert(user.to_string(), user.clone());
            if let Some(finid) = dir.user_finids.get(user) {
                names.insert(finid.to_string(), user.clone());
            }
        }
        let reads = scenario
            .orgs
            .iter()
            .map(|(org, config)| (org.clone(), config.regulation.as_ref().map(|r| r.reads()).unwrap_or_default()))
            .collect();
        use crate::scenario::Action;
        let mut purposes = BTreeMap::new();
        let flow = crate::sim::flow::Flow::new(scenario);
        for (i, step) in scenario.flow.iter().enumerate() {
            let purpose = match &step.action {
                Action::Moves(moving) => (moving.word(), None),
                Action::Plan { plan } => ("plan", Some(plan.id)),
                Action::Advertise { .. } => ("advertise", None),
                Action::Get { .. } => ("get", None),
                Action::Verify { .. } => ("verify", None),
                Action::VerifyProof { .. } => ("verify_proof", None),
                Action::Balance { .. } => ("balance", None),
            };
            purposes.insert(flow.request_id(i), purpose);
        }
        Self { names, reads, purposes }
    }
}

/// The register's lines, and the IVMS-101 documents they name (`ivms/<n>.json`).
pub fn register(material: &Material, seqs: &Seqs) -> (Vec<serde_json::Value>, Vec<(String, Vec<u8>)>) {
    let cx = &material.register;
    let clock = material.clock;
    let purposes = &cx.purposes;
    let requests = requests(material);
    let mut lines = Vec::new();
    let mut documents = Vec::new();
    let mut seen = BTreeSet::new();
    let mut verified: BTreeMap<usize, bool> = BTreeMap::new();
    for arrival in &material.arrivals {
        let Some(message) = arrival.sent.read() else { continue };
        let to = arrival.to.as_str();
        let seq = seqs.of_envelope(&arrival.sent, &arrival.from.to_string(), to);
        let first = seen.insert((std::sync::Arc::as_ptr(&arrival.sent) as usize, arrival.to.clone()));
        // Each envelope's signature is verified once, however many orgs it reached (a broadcast,
        // a duplicate, a re-send), outside the run's memo: the cost is one verification per
        // envelope at any size.
        let envelope = &arrival.sent;
        let signed = *verified.entry(std::sync::Arc::as_ptr(envelope) as usize).or_insert_with(|| {
            let key = material.directory.keyring.key(&envelope.from);
            key.is_some_and(|key| crate::protocol::keys::verify(key, envelope.payload(), &envelope.signature))
        });
        let copy = match (arrival.intact && signed, first) {
            (false, _) => Some("bad_signature"),
            (true, false) => Some("duplicate"),
            (true, true) => None,
        };
        // A ledger event is about the requests of its transactions; any other message about its own.
        let purpose_of = |user: Option<&ResourceId>, rules: Vec<&'static str>| {
            let request_id = match (&message.body, user) {
                (Body::BlockCommitted(block), Some(user)) => block
                    .txs
                    .iter()
                    .find(|tx| tx.source == *user || tx.destination == *user)
                    .map_or(message.request_id, |tx| tx.request_id),
                _ => message.request_id,
            };
            let (operation, plan) = purposes.get(&request_id).copied().unzip();
            let rules = if rules.is_empty() { vec!["none"] } else { rules };
            json!({ "operation": operation, "plan": plan.flatten(), "request_id": request_id, "rules": rules })
        };
        let purpose = |rules: Vec<&'static str>| purpose_of(None, rules);
        let base = |category: &str, user: &ResourceId| {
            json!({
                "category": category,
                "seq": seq,
                "t_us": arrival.delivered_us,
                "at": clock.iso_us(arrival.delivered_us),
                "from": arrival.from.to_string(),
                "to": to,
                "user": user.to_string(),
                "kind": message.body.kind(),
                "copy": copy,
            })
        };
        let mut covered = BTreeSet::new();
        if let Body::GetResponse(response) = &message.body {
            let user = &response.resource;
            // From any org but the receiver itself: the user's, or one that should not have it.
            let from_org = matches!(&arrival.from, ActorId::Org(o) if *o != arrival.to);
            if from_org && user.is_user() && &*response.content_type == APPLICATION_IVMS101 {
                covered.insert(user.clone());
                match (&response.payload, response.status) {
                    (Some(document), _) => {
                        let fields = ivms101::disclosed_fields(document);
                        let reads = cx.reads.get(&arrival.to).map(Vec::as_slice).unwrap_or_default();
                        let mut rules: Vec<&'static str> = Vec::new();
                        for (rule, field) in reads {
                            if fields.contains(field) && !rules.contains(rule) {
                                rules.push(rule);
                            }
                        }
                        let unread: Vec<&str> =
                            fields.iter().copied().filter(|f| !reads.iter().any(|(_, r)| r == f)).collect();
                        let n = documents.len() + 1;
                        let payload = format!("ivms/{n}.json");
                        documents.push((payload.clone(), document.as_bytes().to_vec()));
                        let mut line = base("ivms101", user);
                        let leg = ivms101::leg(document).map(|(from, to)| json!({ "from": from, "to": to }));
                        let extra = json!({
                            "fields": fields,
                            "payload": payload,
                            "leg": leg,
                            "purpose": purpose(rules),
                            "unread": unread,
                        });
                        merge(&mut line, extra);
                        lines.push(line);
                    }
                    (None, status) if status != Status::Ok => {
                        // Bound to the refused request: the asker's, to the user's org.
                        let request = requests.get(&(arrival.to.clone(), user.org.clone(), message.request_id));
                        let mut line = base("denied", user);
                        let extra = json!({
                            "seq": request,
                            "from": to,
                            "to": user.org.as_str(),
                            "kind": request.map(|seq| material.sent[*seq - 1].envelope.kind),
                            "asked_by": to,
                            "refused_by": user.org.as_str(),
                            "status": status.word(),
                            "purpose": purpose(Vec::new()),
                        });
                        merge(&mut line, extra);
                        lines.push(line);
                    }
                    (None, _) => {}
                }
            }
        }
        for (user, named) in named_users(&message.body, cx) {
            if user.org == arrival.to || covered.contains(&user) {
                continue;
            }
            let mut line = base("identifier", &user);
            merge(&mut line, json!({ "names": named, "purpose": purpose_of(Some(&user), Vec::new()) }));
            lines.push(line);
        }
    }
    (lines, documents)
}

/// The `seq` of each request for a user's data, by (asker, the user's org, request id): the first
/// line that sent it.
fn requests(material: &Material) -> BTreeMap<(OrgId, OrgId, u64), usize> {
    let mut requests = BTreeMap::new();
    for (i, sent) in material.sent.iter().enumerate() {
        let (ActorId::Org(from), ActorId::Org(to)) = (&sent.from, &sent.to) else { continue };
        if sent.envelope.kind.asks_for_user_data() {
            requests.entry((from.clone(), to.clone(), sent.envelope.request_id)).or_insert(i + 1);
        }
    }
    requests
}

/// The users a body names, each with how (`account`, `finid`), in id order.
fn named_users(body: &Body, cx: &Context) -> BTreeMap<ResourceId, BTreeSet<&'static str>> {
    let mut named: BTreeMap<ResourceId, BTreeSet<&'static str>> = BTreeMap::new();
    for text in super::body_texts(body) {
        if let Some(user) = cx.names.get(text.as_str()) {
            let how = if user.to_string() == text { "account" } else { "finid" };
            named.entry(user.clone()).or_default().insert(how);
        }
    }
    named
}

fn merge(line: &mut serde_json::Value, extra: serde_json::Value) {
    if let (Some(line), serde_json::Value::Object(extra)) = (line.as_object_mut(), extra) {
        line.extend(extra);
    }
}
