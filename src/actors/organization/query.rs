//! Gets, verifies, proof checks and balances: answering them, and asking them.
//!
//! A get is one exchange with the resource's org. A verify, verify_proof or balance
//! is a broadcast: one exchange per member of the cluster; the step finishes when a
//! quorum of equal valid answers is reached or can no longer be reached. Members
//! whose valid answer differs from the quorum's, or whose answers all failed their
//! signature, become suspects (late answers included).

use super::exchange::{ExchangeKey, ExchangeKind};
use super::Organization;
use crate::actors::note::{Change, Finding, Note, SuspectReason, Tally};
use crate::actors::outbox::{Amounts, Outbox};
use crate::crypto::Hash32;
use crate::protocol::config::Disclosure;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{Address, ClusterId, OrgId, ResourceId, TextPieces};
use crate::protocol::ivms101::ReceiverPart;
use crate::protocol::message::{
    Account, Advertisement, BalanceAnswer, BalanceQuery, Body, GetRequest, GetResponse, Host, Kind, ProofAnswer,
    SettledAt, VerifyAnswer, VerifyProofRequest, VerifyRequest, APPLICATION_IVMS101, APPLICATION_JSON,
};
use crate::protocol::status::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;

/// A user's IVMS-101 data as an org answers for it: the status, and the document with the
/// fields it discloses when given.
pub(super) type UserData = (Status, Option<(String, Vec<&'static str>)>);

/// What a broadcast asks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Question {
    Verify {
        resource: ResourceId,
        hash: Hash32,
    },
    Proof {
        transfer: u64,
        root: Hash32,
        height: u64,
    },
    Balance {
        account: ResourceId,
        asset: ResourceId,
    },
    /// How the transaction with this tx id ended (variant `status_query`).
    Status {
        tx_id: Hash32,
    },
}

/// What a member answered; equal verdicts count toward the same quorum.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Verdict {
    Hash(Option<Hash32>),
    Root(Option<Hash32>),
    Balance(Status, Amounts),
    /// Settled at a height (with what the proof is built from), or not (`not_found`, `denied`).
    Status(Status, Option<(u64, SettledAt)>),
}

/// A broadcast in progress (or resolved, still collecting late answers).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Broadcast {
    question: Question,
    kind: ExchangeKind,
    cluster: ClusterId,
    members: Vec<OrgId>,
    valid: BTreeMap<OrgId, Verdict>,
    /// How many valid answers gave each verdict (kept as answers come: a broadcast to n members
    /// is then evaluated in O(log n) per answer, not by counting every answer again).
    counts: BTreeMap<Verdict, usize>,
    /// Members that have neither answered validly nor been given up on.
    outstanding: usize,
    bad: BTreeSet<OrgId>,
    gave_up: BTreeSet<OrgId>,
    resolved: Option<Option<Verdict>>,
    suspects: BTreeSet<OrgId>,
    /// The last valid answer counted (what a state change it decides is recorded against).
    pub(super) last_answer: Option<Arc<Envelope>>,
}

/// Whether `org` is one of a broadcast's members: its cluster's orgs, as the directory lists them
/// (a lookup, not a walk through the members).
fn is_member(dir: &crate::actors::directory::Directory, broadcast: &Broadcast, org: &OrgId) -> bool {
    dir.cluster_of.get(org) == Some(&broadcast.cluster)
}

impl Broadcast {
    /// Whether it is still waiting for its quorum.
    pub fn is_open(&self) -> bool {
        self.resolved.is_none()
    }
}

impl Organization {
    pub(super) fn advertise(&mut self, request_id: u64, asset: ResourceId, to: Vec<OrgId>, out: &mut Outbox) {
        for org in &to {
            let body = Body::Advertisement(Advertisement {
                cluster: self.cfg.cluster.clone(),
                org: self.cfg.id.clone(),
                finid: self.finid(),
                hosts: vec![Host { scheme: "TCP".into(), address: format!("finp2p.{}.example", self.cfg.id) }],
                resources: vec![asset.clone()],
            });
            out.send(self.message(request_id, Self::to_org(org), body));
        }
        out.note(Note::Advertised { org: self.cfg.id.clone(), asset, to, request_id });
    }

    pub(super) fn start_get(&mut self, request_id: u64, resource: ResourceId, accept: String, out: &mut Outbox) {
        let peer = resource.org.clone();
        let body = Body::Get(GetRequest { accept_types: [accept].into(), resource });
        let message = self.message(request_id, Self::to_org(&peer), body);
        self.state.exchanges.start(ExchangeKey { request_id, peer, kind: ExchangeKind::Get }, message, out);
    }

    /// Reference flow, step 3 (and the answer to step 11): check the asker may have the data.
    pub(super) fn answer_get(&mut self, request_id: u64, from: OrgId, get: GetRequest, out: &mut Outbox) {
        let resource = get.resource.clone();
        let wants = |t: &str| get.accept_types.iter().any(|a| a == t);
        let (status, content_type, payload) = if resource.is_asset() && wants(APPLICATION_JSON) {
            match self.cfg.setup.assets.get(&resource) {
                None => (Status::NotFound, APPLICATION_JSON, None),
                Some(_) if !self.cfg.dir.shared_with(&resource, &from) => (Status::Denied, APPLICATION_JSON, None),
                Some(data) => (Status::Ok, APPLICATION_JSON, Some(data.clone())),
            }
        } else if resource.is_user() && wants(APPLICATION_IVMS101) {
            let data = self.user_data_for(&resource, &from);
            return self.send_user_data(request_id, from, resource, data, out);
        } else {
            (Status::NotFound, APPLICATION_JSON, None)
        };
        let body = Body::GetResponse(GetResponse {
            resource,
            status,
            content_type: content_type.into(),
            payload: payload.map(Arc::from),
        });
        out.send(self.message(request_id, Self::to_org(&from), body));
    }

    /// Answers a request for a user's IVMS-101 data with what `data` says (given, or the status
    /// it is refused with), noting who asked and which fields went.
    pub(super) fn send_user_data(
        &mut self,
        request_id: u64,
        from: OrgId,
        user: ResourceId,
        data: UserData,
        out: &mut Outbox,
    ) {
        let (status, document) = data;
        let (payload, fields) = document.unzip();
        let fields = fields.unwrap_or_default();
        out.note(Note::PersonalData {
            holder: self.cfg.id.clone(),
            asked_by: from.clone(),
            user: user.clone(),
            request_id,
            given: payload.is_some(),
            status,
            fields: fields.into_iter().map(str::to_owned).collect(),
        });
        let body = Body::GetResponse(GetResponse {
            resource: user,
            status,
            content_type: APPLICATION_IVMS101.into(),
            payload: payload.map(Arc::from),
        });
        out.send(self.message(request_id, Self::to_org(&from), body));
    }

    /// A user's IVMS-101 document for `asker`, about a movement whose other party is
    /// `counterparty`'s account (`not_found` when the user has no data). Under `disclosure:
    /// minimal` it carries only the fields the asker's published rules read, with the name and
    /// the customer identification a valid document needs.
    pub(super) fn document_for(&self, user: &ResourceId, counterparty: &ResourceId, asker: &OrgId) -> UserData {
        let Some(part) = self.cfg.receivers.get(user) else { return (Status::NotFound, None) };
        let org = &counterparty.org;
        let (account, lei) = (counterparty.text(), self.cfg.dir.lei(org));
        if self.cfg.dir.protocol.disclosure == Disclosure::Minimal {
            let read = self.cfg.dir.rule_fields.get(asker).cloned().flatten().unwrap_or_default();
            let person = self.cfg.setup.users.get(user).and_then(Option::as_ref);
            if let Some(person) = person {
                let (me, my_lei) = (self.cfg.id.as_str(), self.cfg.dir.lei(&self.cfg.id));
                let part = ReceiverPart::with_fields(person, &user.to_string(), me, &my_lei, &|f| read.contains(&f));
                return (Status::Ok, Some(part.document(&account, org.as_str(), &lei)));
            }
        }
        (Status::Ok, Some(part.document(&account, org.as_str(), &lei)))
    }

    /// A user's IVMS-101 data goes only to an org with a pending transfer for that user.
    /// The document comes with the fields it discloses.
    fn user_data_for(&self, user: &ResourceId, asker: &OrgId) -> UserData {
        // The earliest open purchase of this user from the asker's assets.
        let first = (user.clone(), asker.clone(), 0);
        let open = self.state.open_purchases.range(first..).next().filter(|(u, org, _)| u == user && org == asker);
        let Some(pending) = open.and_then(|(_, _, request_id)| self.state.purchases.get(request_id)) else {
            return (Status::Denied, None);
        };
        self.document_for(user, &pending.seller, asker)
    }

    pub(super) fn on_get_response(
        &mut self,
        request_id: u64,
        from: OrgId,
        response: GetResponse,
        cause: &Arc<Envelope>,
        out: &mut Outbox,
    ) {
        let get_key = ExchangeKey { request_id, peer: from.clone(), kind: ExchangeKind::Get };
        if self.state.exchanges.close(&get_key, out).is_some() {
            if let (Status::Ok, Some(payload)) = (response.status, &response.payload) {
                self.state.got.insert(response.resource.clone(), Hash32::of(payload.as_bytes()));
                self.changed(Change::ResourceData, cause, out);
            }
            out.note(Note::GetResult {
                org: self.cfg.id.clone(),
                request_id,
                resource: response.resource,
                status: response.status,
            });
            return;
        }
        // The personal data a transfer, or an operation's request answered as its get is, waits for.
        for &kind in ExchangeKind::ALL.iter().filter(|kind| kind.like() == ExchangeKind::IvmsGet) {
            let key = ExchangeKey { request_id, peer: from.clone(), kind };
            if self.state.exchanges.close(&key, out).is_some() {
                return self.on_ivms(request_id, response, out);
            }
        }
        // A plan's receiver's data, at an executor.
        self.on_plan_data(request_id, &from, response, out);
    }

    /// Reference flow, step 5: a node answers with the hash on its ledger.
    pub(super) fn answer_verify(&mut self, request_id: u64, from: OrgId, verify: VerifyRequest, out: &mut Outbox) {
        let hash = self.state.view.assets.get(&verify.resource).copied();
        let status = if hash.is_some() { Status::Ok } else { Status::NotFound };
        let body = Body::VerifyAnswer(VerifyAnswer {
            resource: verify.resource,
            status,
            hash,
            height: self.state.view.height(),
        });
        out.send(self.message(request_id, Self::to_org(&from), body));
    }

    /// A node answers with the root it holds at that height (once its replica has it).
    pub(super) fn answer_proof(&mut self, request_id: u64, from: OrgId, request: VerifyProofRequest, out: &mut Outbox) {
        if request.height > self.state.view.height() {
            return self.defer(Deferred { request_id, from, read: Read::Proof(request) });
        }
        let root = self.state.view.root_at(request.height);
        let status = if root.is_some() { Status::Ok } else { Status::NotFound };
        let body = Body::ProofAnswer(ProofAnswer { height: request.height, status, root });
        out.send(self.message(request_id, Self::to_org(&from), body));
    }

    /// Reference flow, step 17: the account's own org or the asset's managing org may ask.
    pub(super) fn answer_balance(&mut self, request_id: u64, from: OrgId, query: BalanceQuery, out: &mut Outbox) {
        let entitled = query.account.id.org == from || query.asset.org == from;
        if entitled && query.min_height > self.state.view.height() {
            return self.defer(Deferred { request_id, from, read: Read::Balance(query) });
        }
        let amounts = self.state.view.amounts(&query.asset, &query.account.id).map(|mut amounts| {
            // Tokens a plan holds are still the account's: counted, as held.
            let in_plans = self.plan_held(&query.asset, &query.account.id);
            amounts.current = amounts.current.saturating_add(in_plans);
            amounts.held = amounts.held.saturating_add(in_plans);
            amounts
        });
        let (status, amounts) = match (entitled, amounts) {
            (false, _) => (Status::Denied, Amounts { current: 0, available: 0, held: 0 }),
            (true, None) => (Status::NotFound, Amounts { current: 0, available: 0, held: 0 }),
            (true, Some(amounts)) => (Status::Ok, amounts),
        };
        let body = Body::BalanceAnswer(BalanceAnswer {
            status,
            account: query.account.id,
            asset: query.asset,
            current: amounts.current,
            available: amounts.available,
            held: amounts.held,
            height: self.state.view.height(),
        });
        out.send(self.message(request_id, Self::to_org(&from), body));
    }

    /// The tokens of `asset` the plans' hold accounts keep for `account`, on this org's replica.
    fn plan_held(&self, asset: &ResourceId, account: &ResourceId) -> u64 {
        let holds = self.cfg.dir.plan_holds.iter().filter(|(_, (a, source))| a == asset && source == account);
        holds.map(|(h, _)| self.state.view.balances.get(&(asset.clone(), h.clone())).copied().unwrap_or(0)).sum()
    }

    /// Keeps a read until the replica reaches its height (once per request and asker).
    fn defer(&mut self, deferred: Deferred) {
        let again = self.state.deferred.iter().any(|d| d.request_id == deferred.request_id && d.from == deferred.from);
        if !again {
            self.state.deferred.push(deferred);
        }
    }

    /// Answers the deferred reads the replica can answer now, in the order they came (those it
    /// still cannot answer are kept again, in the same order).
    pub(super) fn answer_deferred(&mut self, out: &mut Outbox) {
        for Deferred { request_id, from, read } in std::mem::take(&mut self.state.deferred) {
            match read {
                Read::Proof(request) => self.answer_proof(request_id, from, request, out),
                Read::Balance(query) => self.answer_balance(request_id, from, query, out),
            }
        }
    }

    /// The highest height of `cluster` this org knows of: its replica's, for its own cluster,
    /// and the anchors of the proofs it holds.
    fn known_height(&self, cluster: &ClusterId) -> u64 {
        let own = if *cluster == self.cfg.cluster { self.state.view.height() } else { 0 };
        self.state.proven.get(cluster.as_str()).map_or(own, |proven| own.max(*proven))
    }

    pub(super) fn start_verify(&mut self, request_id: u64, cluster: ClusterId, resource: ResourceId, out: &mut Outbox) {
        let Some(hash) = self.state.got.get(&resource).copied() else {
            out.note(Note::VerifyResult {
                org: self.cfg.id.clone(),
                request_id,
                resource: resource.clone(),
                agreed: false,
                tally: None,
                finding: Some(Finding::NotGot),
            });
            return;
        };
        let body = Body::Verify(VerifyRequest { resource: resource.clone(), hash });
        self.broadcast(request_id, cluster, Question::Verify { resource, hash }, ExchangeKind::Verify, body, out);
    }

    pub(super) fn start_verify_proof(&mut self, request_id: u64, cluster: ClusterId, transfer: u64, out: &mut Outbox) {
        // The proof of a request this org asked for, or of one it was told of (an issue's).
        let told = self.state.notices.get(&transfer).and_then(|proof| proof.as_deref());
        let proof = self.state.purchases.get(&transfer).and_then(|p| p.proof()).or(told);
        let replayed = proof.and_then(|p| p.replay());
        let invalid = |finding| Note::ProofResult {
            org: self.cfg.id.clone(),
            request_id,
            transfer,
            valid: false,
            tally: None,
            finding: Some(finding),
        };
        let Some((root, anchor)) = replayed else {
            out.note(invalid(if proof.is_none() { Finding::NoProof } else { Finding::NoReplay }));
            return;
        };
        if anchor.cluster != cluster.as_str() {
            out.note(invalid(Finding::AnchoredElsewhere { cluster: anchor.cluster }));
            return;
        }
        let body = Body::VerifyProof(VerifyProofRequest { height: anchor.height, root });
        let question = Question::Proof { transfer, root, height: anchor.height };
        self.broadcast(request_id, cluster, question, ExchangeKind::VerifyProof, body, out);
    }

    pub(super) fn start_balance(
        &mut self,
        request_id: u64,
        cluster: ClusterId,
        account: ResourceId,
        asset: ResourceId,
        out: &mut Outbox,
    ) {
        let finid = self.cfg.dir.user_finids.get(&account).cloned().unwrap_or_default();
        let min_height = self.known_height(&cluster);
        let account_ref = Account { id: account.clone(), finid };
        let body = Body::BalanceQuery(BalanceQuery { account: account_ref, asset: asset.clone(), min_height });
        self.broadcast(request_id, cluster, Question::Balance { account, asset }, ExchangeKind::Balance, body, out);
    }

    pub(super) fn broadcast(
        &mut self,
        request_id: u64,
        cluster: ClusterId,
        question: Question,
        kind: ExchangeKind,
        body: Body,
        out: &mut Outbox,
    ) {
        let message = Arc::new(self.message(request_id, Address::Cluster(cluster.clone()), body));
        let members = self.cfg.dir.members_of(&cluster).to_vec();
        for member in &members {
            let key = ExchangeKey { request_id, peer: member.clone(), kind };
            self.state.exchanges.start(key, message.clone(), out);
        }
        let broadcast = Broadcast {
            question,
            kind,
            cluster,
            outstanding: members.len(),
            members,
            valid: BTreeMap::new(),
            counts: BTreeMap::new(),
            bad: BTreeSet::new(),
            gave_up: BTreeSet::new(),
            resolved: None,
            suspects: BTreeSet::new(),
            last_answer: None,
        };
        self.state.broadcasts.insert(request_id, broadcast);
        self.evaluate(request_id, None, out);
    }

    pub(super) fn on_broadcast_answer(
        &mut self,
        request_id: u64,
        from: OrgId,
        body: Body,
        cause: &Arc<Envelope>,
        out: &mut Outbox,
    ) {
        let Some(broadcast) = self.state.broadcasts.get_mut(&request_id) else { return };
        if !is_member(&self.cfg.dir, broadcast, &from) {
            return;
        }
        let verdict = match (&broadcast.question, body) {
            (Question::Verify { .. }, Body::VerifyAnswer(a)) => {
                Verdict::Hash(a.hash.filter(|_| a.status == Status::Ok))
            }
            (Question::Proof { .. }, Body::ProofAnswer(a)) => Verdict::Root(a.root.filter(|_| a.status == Status::Ok)),
            (Question::Balance { .. }, Body::BalanceAnswer(a)) => {
                Verdict::Balance(a.status, Amounts { current: a.current, available: a.available, held: a.held })
            }
            (Question::Status { tx_id }, Body::StatusAnswer(a)) if a.tx_id == *tx_id => {
                let settled = a.settled.filter(|_| a.status == Status::Ok).map(|at| (a.height, at));
                // An `ok` without a place is no claim of settlement: it counts as unknown.
                let status = match (&settled, a.status) {
                    (Some(_), _) => Status::Ok,
                    (None, Status::Ok) => Status::NotFound,
                    (None, status) => status,
                };
                Verdict::Status(status, settled)
            }
            _ => return,
        };
        let key = ExchangeKey { request_id, peer: from.clone(), kind: broadcast.kind };
        if broadcast.valid.contains_key(&from) {
            return;
        }
        *broadcast.counts.entry(verdict.clone()).or_default() += 1;
        if !broadcast.gave_up.contains(&from) {
            broadcast.outstanding -= 1;
        }
        broadcast.valid.insert(from.clone(), verdict);
        broadcast.last_answer = Some(cause.clone());
        self.state.exchanges.close(&key, out);
        self.evaluate(request_id, Some(&from), out);
    }

    /// A member's answer failed its signature.
    pub(super) fn on_bad_answer(&mut self, request_id: u64, from: OrgId, kind: Kind, out: &mut Outbox) {
        if !kind.is_answer() {
            return;
        }
        let point_to_point = ExchangeKind::ALL.iter().copied().filter(|kind| {
            matches!(
                kind.like(),
                ExchangeKind::Get | ExchangeKind::IvmsGet | ExchangeKind::Transfer | ExchangeKind::Settlement
            )
        });
        for exchange_kind in point_to_point {
            self.state.exchanges.count_bad_answer(&ExchangeKey { request_id, peer: from.clone(), kind: exchange_kind });
        }
        let Some(broadcast) = self.state.broadcasts.get_mut(&request_id) else { return };
        if !is_member(&self.cfg.dir, broadcast, &from) {
            return;
        }
        broadcast.bad.insert(from.clone());
        self.evaluate(request_id, Some(&from), out);
    }

    pub(super) fn member_timed_out(&mut self, request_id: u64, member: &OrgId, out: &mut Outbox) {
        if let Some(broadcast) = self.state.broadcasts.get_mut(&request_id) {
            let counted = is_member(&self.cfg.dir, broadcast, member) && !broadcast.valid.contains_key(member);
            if broadcast.gave_up.insert(member.clone()) && counted {
                broadcast.outstanding -= 1;
            }
            self.evaluate(request_id, Some(member), out);
        }
    }

    /// Resolves a broadcast when its quorum is reached or out of reach; flags suspects.
    /// `changed` is the member whose answer (or silence) prompted it: once the broadcast is
    /// resolved, only it can have become a suspect.
    fn evaluate(&mut self, request_id: u64, changed: Option<&OrgId>, out: &mut Outbox) {
        let Some(broadcast) = self.state.broadcasts.get_mut(&request_id) else { return };
        let quorum = self.cfg.dir.quorum_size(&broadcast.cluster);
        let mut changed = changed;
        if broadcast.resolved.is_none() {
            let outstanding = broadcast.outstanding;
            let best = broadcast.counts.iter().max_by_key(|(_, n)| **n).map(|(v, n)| (v.clone(), *n));
            match best {
                Some((verdict, n)) if n >= quorum => broadcast.resolved = Some(Some(verdict)),
                Some((_, n)) if n + outstanding < quorum => broadcast.resolved = Some(None),
                None if outstanding < quorum => broadcast.resolved = Some(None),
                _ => return,
            }
            let kind = broadcast.kind;
            let open: Vec<OrgId> = broadcast.members.clone();
            for member in open {
                self.state.exchanges.close(&ExchangeKey { request_id, peer: member, kind }, out);
            }
            self.report_broadcast(request_id, quorum, out);
            // Resolved just now: every answer so far is judged.
            changed = None;
        }
        self.flag_suspects(request_id, changed, out);
    }

    /// Flags the members whose answers differ from the resolved verdict or never had a valid
    /// signature: every member (`only: None`), or only the one that just answered.
    fn flag_suspects(&mut self, request_id: u64, only: Option<&OrgId>, out: &mut Outbox) {
        let Some(broadcast) = self.state.broadcasts.get_mut(&request_id) else { return };
        let Some(resolved) = &broadcast.resolved else { return };
        let mut new = Vec::new();
        // One member, or all: the same kind of range either way (no allocation per answer).
        let range = match only {
            Some(member) => (Bound::Included(member), Bound::Included(member)),
            None => (Bound::Unbounded, Bound::Unbounded),
        };
        for (member, verdict) in broadcast.valid.range::<OrgId, _>(range) {
            if resolved.as_ref().is_some_and(|q| q != verdict) && broadcast.suspects.insert(member.clone()) {
                new.push((member.clone(), SuspectReason::Differs));
            }
        }
        for member in broadcast.bad.range::<OrgId, _>(range) {
            if !broadcast.valid.contains_key(member) && broadcast.suspects.insert(member.clone()) {
                new.push((member.clone(), SuspectReason::NoValidSignature));
            }
        }
        let kind = broadcast.kind;
        for (member, reason) in new {
            self.suspect(&member, (request_id, kind), reason, out);
        }
    }

    fn report_broadcast(&mut self, request_id: u64, quorum: usize, out: &mut Outbox) {
        let Some(broadcast) = self.state.broadcasts.get(&request_id) else { return };
        let resolved = broadcast.resolved.clone().flatten();
        let agreeing = resolved.as_ref().map_or(0, |v| broadcast.valid.values().filter(|x| *x == v).count());
        let tally = Tally {
            reached: resolved.is_some(),
            agreeing,
            valid: broadcast.valid.len(),
            members: broadcast.members.len(),
            quorum,
        };
        let note = match (&broadcast.question, resolved) {
            (Question::Status { .. }, verdict) => return self.on_status_resolved(request_id, verdict, tally, out),
            (Question::Verify { resource, hash }, verdict) => {
                let agreed = verdict == Some(Verdict::Hash(Some(*hash)));
                let finding = match verdict {
                    Some(Verdict::Hash(None)) => Some(Finding::NoHash),
                    Some(_) if !agreed => Some(Finding::HashDiffers),
                    _ => None,
                };
                let (org, resource, tally) = (self.cfg.id.clone(), resource.clone(), Some(tally));
                Note::VerifyResult { org, request_id, resource, agreed, tally, finding }
            }
            (Question::Proof { transfer, root, height }, verdict) => {
                let valid = verdict == Some(Verdict::Root(Some(*root)));
                let finding = verdict.filter(|_| !valid).map(|_| Finding::RootDiffers { height: *height });
                Note::ProofResult {
                    org: self.cfg.id.clone(),
                    request_id,
                    transfer: *transfer,
                    valid,
                    tally: Some(tally),
                    finding,
                }
            }
            (Question::Balance { account, asset }, verdict) => {
                let (answer, finding) = match verdict {
                    Some(Verdict::Balance(Status::Ok, amounts)) => (Some(amounts), None),
                    Some(Verdict::Balance(status, _)) => (None, Some(Finding::Answered(status))),
                    _ => (None, None),
                };
                Note::BalanceResult {
                    org: self.cfg.id.clone(),
                    request_id,
                    account: account.clone(),
                    asset: asset.clone(),
                    answer,
                    tally,
                    finding,
                }
            }
        };
        out.note(note);
    }
}

/// A read kept until the replica reaches the height it names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Deferred {
    request_id: u64,
    from: OrgId,
    read: Read,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Read {
    Proof(VerifyProofRequest),
    Balance(BalanceQuery),
}

#[cfg(test)]
mod tests;
