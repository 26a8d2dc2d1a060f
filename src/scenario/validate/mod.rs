//! Turns the file model into a `Scenario`, collecting every problem with its place.
//!
//! The rules of the scenario format: plain names, every org in exactly one cluster,
//! resource ids whose prefix is their org, every name a step or expectation uses
//! declared (a get or verify may name an undeclared resource of a declared org),
//! non-negative latencies, probabilities in [0, 1], intervals that end after they start.

use super::error::Problem;
use super::model::Whole;
use super::model::{self as m, S};
use super::operation::transfer::Transfer;
use super::{
    Action, AssetConfig, Endpoint, Expectation, InvariantName, Latency, Link, Moving, NetworkConfig, OrgConfig,
    Regulation, Scenario, Step, UserConfig, MAX_TIME_MS,
};
use crate::protocol::ids::{is_plain_name, ClusterId, OrgId, ResourceId, ASSET_TYPE, USER_TYPE};
use crate::protocol::ivms101::PersonData;
use crate::protocol::message::{APPLICATION_IVMS101, APPLICATION_JSON};
use crate::protocol::plan::{
    Await, Hold, Instruction, Issue as PlanIssue, Plan, PlanStatus, Redeem as PlanRedeem, Release,
    Transfer as PlanTransfer,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

mod faults;

/// The validation of one file: what it has declared so far and the problems found.
pub(in crate::scenario) struct Validator {
    problems: Vec<Problem>,
    orgs: BTreeMap<OrgId, OrgConfig>,
    clusters: BTreeMap<ClusterId, Vec<OrgId>>,
    users: BTreeMap<ResourceId, UserConfig>,
    assets: BTreeMap<ResourceId, AssetConfig>,
    /// The request id of every transfer, issue and redeem so far, with the step's kind.
    transfer_ids: BTreeMap<u64, &'static str>,
    /// The id of every plan so far.
    plan_ids: BTreeSet<u64>,
    /// How many instructions each plan has.
    plan_sizes: BTreeMap<u64, usize>,
    /// The plans' hold accounts (a `balance` expectation may name one).
    hold_accounts: BTreeSet<ResourceId>,
    /// A plan's timeout when it gives none (`protocol.plan_timeout_ms`).
    plan_timeout_ms: u64,
    names: Names,
}

/// The names a scenario may use besides the built-in ones: misbehaviours and invariants a
/// library user registered (the `finsim` command registers none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// Custom misbehaviours (`behaviour: {custom: NAME}`).
    pub misbehaviours: BTreeSet<String>,
    /// Custom invariants (`invariant: {name: NAME, holds: …}`).
    pub invariants: BTreeSet<String>,
}

pub(super) fn validate(file: m::ScenarioFile, names: &Names) -> Result<Scenario, Vec<Problem>> {
    let mut v = Validator {
        names: names.clone(),
        problems: Vec::new(),
        orgs: BTreeMap::new(),
        clusters: BTreeMap::new(),
        users: BTreeMap::new(),
        assets: BTreeMap::new(),
        transfer_ids: BTreeMap::new(),
        plan_ids: BTreeSet::new(),
        plan_sizes: BTreeMap::new(),
        hold_accounts: BTreeSet::new(),
        plan_timeout_ms: 0,
    };
    v.text(&file.name, "the scenario's name", false);
    if let Some(description) = &file.description {
        v.text(description, "the description", true);
    }
    let seeds = file.seeds.as_ref().and_then(|text| match super::seeds::parse_seeds(&text.value) {
        Ok(seeds) => Some(seeds),
        Err(why) => {
            v.problem_help(
                text,
                why.to_string(),
                "`seeds` is a range of seeds, both ends included: \"A..B\", e.g. \"0..99\"",
            );
            None
        }
    });
    v.clusters(&file.clusters);
    v.org_settings(&file.orgs);
    let network = v.network(file.network.as_ref());
    let block_ms = match file.ledger.as_ref().and_then(|l| l.block_ms.as_ref()) {
        Some(b) if b.value.0 == 0 => {
            v.problem(b, "`block_ms` must be at least 1");
            100
        }
        Some(b) => v.time_ms(b, "block_ms") / 1000,
        None => 100,
    };
    v.users(&file.users);
    v.assets(&file.assets);
    let mut protocol = v.protocol(file.protocol.as_ref());
    if let Some(start) = &file.start {
        match crate::protocol::clock::Clock::parse(&start.value) {
            Ok(clock) => protocol.clock = clock,
            Err(why) => v.problem_help(
                start,
                format!("`start` is {why}"),
                "`start` is the real-world moment of virtual time 0, in UTC: \"2026-01-01T00:00:00Z\"",
            ),
        }
    }
    v.plan_timeout_ms = protocol.plan_timeout_ms;
    let flow = file.flow.iter().flat_map(|s| v.steps(s)).collect();
    let expect = file.expect.iter().filter_map(|e| v.expectation(e)).collect();
    let faults = v.faults(file.faults.as_ref());
    if !v.problems.is_empty() {
        v.problems.sort_by_key(|p| (p.line, p.column));
        return Err(v.problems);
    }
    Ok(Scenario {
        name: file.name.0.value,
        description: file.description.map(|d| d.0.value).unwrap_or_default().trim().to_owned(),
        seed: file.seed.map_or(0, |s| s.0),
        seeds,
        network,
        block_ms,
        clusters: v.clusters,
        orgs: v.orgs,
        users: v.users,
        assets: v.assets,
        flow,
        expect,
        faults,
        protocol,
    })
}

/// The most transfers one `workload` step expands to (a file may hold several).
pub const MAX_WORKLOAD_TRANSFERS: u64 = 1_000_000;

impl Validator {
    fn problem<T>(&mut self, at: &S<T>, message: impl Into<String>) {
        self.problems.push(Problem::at(at.referenced, message));
    }

    fn problem_help<T>(&mut self, at: &S<T>, message: impl Into<String>, help: impl Into<String>) {
        self.problems.push(Problem::at(at.referenced, message).help(help));
    }

    /// A time or duration in milliseconds, in microseconds, if it is within what a run
    /// represents (`MAX_TIME_MS`); else a problem, and 0.
    pub(super) fn time_ms(&mut self, value: &S<Whole>, what: &str) -> u64 {
        if value.value.0 > MAX_TIME_MS {
            self.problem_help(
                value,
                format!("`{what}` is {} ms, beyond the virtual time a run represents", value.value.0),
                format!("expected at most {MAX_TIME_MS} ms (365 days)"),
            );
            return 0;
        }
        value.value.0 * 1000
    }

    /// Free text that reaches reports: no control or invisible formatting characters (line
    /// breaks allowed where `multiline`), so that a file cannot rewrite a reader's terminal.
    fn text(&mut self, value: &S<String>, what: &str, multiline: bool) {
        let allowed = |c: char| multiline && c == '\n';
        if let Some(c) = value.value.chars().find(|c| crate::text::is_unsafe(*c) && !allowed(*c)) {
            self.problem_help(
                value,
                format!("{what} holds U+{:04X}, a control or invisible character", c as u32),
                "names and texts are printed on terminals: remove control and invisible formatting characters",
            );
        }
    }

    fn known_names<K: std::fmt::Display>(names: impl Iterator<Item = K>) -> String {
        let names: Vec<String> = names.map(|n| n.to_string()).collect();
        if names.is_empty() {
            "none are declared".to_owned()
        } else {
            format!("expected one of: {}", names.join(", "))
        }
    }

    fn clusters(&mut self, clusters: &[m::ClusterSpec]) {
        for cluster in clusters {
            if !is_plain_name(&cluster.id.value) {
                self.problem_help(
                    &cluster.id,
                    format!("`{}` is not a valid cluster id", cluster.id.value),
                    "use letters, digits, `_`, `-` and `.`",
                );
                continue;
            }
            let id = ClusterId::from(cluster.id.value.as_str());
            if self.clusters.contains_key(&id) {
                self.problem(&cluster.id, format!("cluster `{id}` is declared twice"));
                continue;
            }
            if self.orgs.contains_key(&OrgId::from(id.as_str())) {
                self.problem(&cluster.id, format!("`{id}` is already an org: org and cluster ids must differ"));
                continue;
            }
            let mut members = Vec::new();
            for org in &cluster.orgs {
                if !is_plain_name(&org.value) {
                    self.problem_help(
                        org,
                        format!("`{}` is not a valid org name", org.value),
                        "use letters, digits, `_`, `-` and `.`",
                    );
                    continue;
                }
                let org_id = OrgId::from(org.value.as_str());
                if let Some(existing) = self.orgs.get(&org_id) {
                    let message = format!(
                        "org `{org_id}` is already in cluster `{}`: every org belongs to exactly one cluster",
                        existing.cluster
                    );
                    self.problem(org, message);
                    continue;
                }
                if self.clusters.keys().any(|c| c.as_str() == org.value) || org.value == id.as_str() {
                    self.problem(
                        org,
                        format!("`{}` is already a cluster id: org and cluster ids must differ", org.value),
                    );
                    continue;
                }
                self.orgs.insert(org_id.clone(), OrgConfig { cluster: id.clone(), regulation: None });
                members.push(org_id);
            }
            self.clusters.insert(id, members);
        }
    }

    fn org(&mut self, name: &S<String>) -> Option<OrgId> {
        let id = OrgId::from(name.value.as_str());
        if self.orgs.contains_key(&id) {
            return Some(id);
        }
        let help = Self::known_names(self.orgs.keys());
        self.problem_help(name, format!("unknown org `{}`", name.value), help);
        None
    }

    fn cluster(&mut self, name: &S<String>) -> Option<ClusterId> {
        let id = ClusterId::from(name.value.as_str());
        if self.clusters.contains_key(&id) {
            return Some(id);
        }
        let help = Self::known_names(self.clusters.keys());
        self.problem_help(name, format!("unknown cluster `{}`", name.value), help);
        None
    }

    fn endpoint(&mut self, name: &S<String>) -> Option<Endpoint> {
        let org = OrgId::from(name.value.as_str());
        if self.orgs.contains_key(&org) {
            return Some(Endpoint::Org(org));
        }
        let cluster = ClusterId::from(name.value.as_str());
        if self.clusters.contains_key(&cluster) {
            return Some(Endpoint::Cluster(cluster));
        }
        let help = Self::known_names(
            self.orgs.keys().map(|o| o.to_string()).chain(self.clusters.keys().map(|c| c.to_string())),
        );
        self.problem_help(name, format!("unknown org or cluster `{}`", name.value), help);
        None
    }

    /// A resource id whose prefix names a declared org, of the wanted type if given.
    fn resource(&mut self, text: &S<String>, kind: Option<u16>) -> Option<ResourceId> {
        let id = match ResourceId::parse(&text.value) {
            Ok(id) => id,
            Err(message) => {
                self.problem(text, message.to_string());
                return None;
            }
        };
        if let Some(kind) = kind {
            if id.kind != kind {
                let what = if kind == USER_TYPE { "a user (type 100)" } else { "an asset (type 101)" };
                self.problem(text, format!("`{id}` is not {what}"));
                return None;
            }
        }
        if !self.orgs.contains_key(&id.org) {
            let help = Self::known_names(self.orgs.keys());
            self.problem_help(text, format!("`{id}` names unknown org `{}`", id.org), help);
            return None;
        }
        Some(id)
    }

    pub(in crate::scenario) fn user(&mut self, text: &S<String>) -> Option<ResourceId> {
        let id = self.resource(text, Some(USER_TYPE))?;
        if self.users.contains_key(&id) {
            return Some(id);
        }
        let help = Self::known_names(self.users.keys());
        self.problem_help(text, format!("unknown user `{id}`"), help);
        None
    }

    pub(in crate::scenario) fn asset(&mut self, text: &S<String>) -> Option<ResourceId> {
        let id = self.resource(text, Some(ASSET_TYPE))?;
        if self.assets.contains_key(&id) {
            return Some(id);
        }
        let help = Self::known_names(self.assets.keys());
        self.problem_help(text, format!("unknown asset `{id}`"), help);
        None
    }

    fn org_settings(&mut self, orgs: &[(S<String>, Option<m::OrgSpec>)]) {
        let mut seen = BTreeSet::new();
        for (name, spec) in orgs {
            let Some(org) = self.org(name) else { continue };
            if !seen.insert(org.clone()) {
                self.problem(name, format!("org `{org}` has two settings blocks"));
                continue;
            }
            let Some(regulation) = spec.as_ref().and_then(|s| s.regulation.as_ref()) else { continue };
            let mut countries = |list: &Option<Vec<S<String>>>| {
                list.as_ref()
                    .map(|countries| countries.iter().filter(|c| self.country(c)).map(|c| c.value.clone()).collect())
            };
            let allowed_countries = countries(&regulation.allowed_countries);
            let denied_countries = countries(&regulation.denied_countries);
            let travel_rule = regulation.travel_rule.as_ref().map(|spec| self.travel_rule(spec));
            if let Some(config) = self.orgs.get_mut(&org) {
                config.regulation = Some(Regulation {
                    allowed_countries,
                    denied_countries,
                    max_quantity: regulation.max_quantity.map(|q| q.0),
                    travel_rule,
                });
            }
        }
    }

    /// A `travel_rule`: a threshold and the fields it requires, each named once.
    fn travel_rule(&mut self, spec: &S<m::TravelRuleSpec>) -> crate::protocol::config::TravelRule {
        use crate::protocol::config::{TravelField, TravelRule};
        let mut required = BTreeSet::new();
        for word in &spec.value.required {
            match TravelField::ALL.into_iter().find(|f| f.word() == word.value) {
                Some(field) if !required.insert(field) => {
                    self.problem(word, format!("`{}` is required twice", word.value.as_str()));
                }
                Some(_) => {}
                None => self.problem_help(
                    word,
                    format!("`{}` is not a field the Travel Rule can require", crate::text::escape(&word.value)),
                    "expected name, country, date_of_birth or place_of_birth",
                ),
            }
        }
        if spec.value.required.is_empty() {
            self.problem_help(spec, "`travel_rule` requires no field", "list at least one in `required`");
        }
        TravelRule { threshold: spec.value.threshold.0, required }
    }

    fn country(&mut self, code: &S<String>) -> bool {
        let ok = code.value.len() == 2 && code.value.chars().all(|c| c.is_ascii_uppercase());
        if !ok {
            self.problem_help(
                code,
                format!("`{}` is not a country code", code.value),
                "expected an ISO 3166-1 alpha-2 code such as GB, DE or US",
            );
        }
        ok
    }

    fn latency(&mut self, spec: &S<m::LatencySpec>) -> Latency {
        let to_us = |ms: m::Real| (ms.0 * 1000.0).round() as u64;
        let bad = |ms: m::Real| !ms.0.is_finite() || ms.0 < 0.0 || ms.0 > MAX_TIME_MS as f64;
        match &spec.value {
            m::LatencySpec::Constant(c) if bad(c.ms) => {
                self.problem_help(spec, "invalid constant latency", latency_range());
                Latency::Constant { us: 0 }
            }
            m::LatencySpec::Constant(c) => Latency::Constant { us: to_us(c.ms) },
            m::LatencySpec::Uniform(u) if bad(u.min_ms) || bad(u.max_ms) || u.min_ms.0 > u.max_ms.0 => {
                self.problem_help(
                    spec,
                    "invalid uniform latency",
                    format!("expected 0 <= min_ms <= max_ms; {}", latency_range()),
                );
                Latency::Constant { us: 0 }
            }
            m::LatencySpec::Uniform(u) => Latency::Uniform { min_us: to_us(u.min_ms), max_us: to_us(u.max_ms) },
            m::LatencySpec::Normal(n) if bad(n.mean_ms) || bad(n.stddev_ms) => {
                self.problem_help(spec, "invalid normal latency", latency_range());
                Latency::Constant { us: 0 }
            }
            m::LatencySpec::Normal(n) => Latency::Normal { mean_us: to_us(n.mean_ms), stddev_us: to_us(n.stddev_ms) },
        }
    }

    fn network(&mut self, spec: Option<&m::NetworkSpec>) -> NetworkConfig {
        let latency = match spec.and_then(|n| n.latency.as_ref()) {
            Some(l) => self.latency(l),
            None => Latency::Constant { us: 10_000 },
        };
        let mut links = Vec::new();
        for link in spec.map(|n| n.links.as_slice()).unwrap_or_default() {
            let latency = self.latency(&link.latency);
            if link.between.value.len() != 2 {
                self.problem_help(
                    &link.between,
                    "`between` must name exactly two orgs or clusters",
                    "e.g. between: [cluster_A, cluster_B]",
                );
                continue;
            }
            let a = self.endpoint(&link.between.value[0]);
            let b = self.endpoint(&link.between.value[1]);
            if let (Some(a), Some(b)) = (a, b) {
                links.push(Link { a, b, latency });
            }
        }
        NetworkConfig { latency, links }
    }

    /// A user or asset declaration: a resource id of the right type whose prefix is its
    /// declared `org`, declared once.
    fn declaration(&mut self, id: &S<String>, org: &S<String>, kind: u16) -> Option<(ResourceId, OrgId)> {
        let org = self.org(org);
        let resource = self.resource(id, Some(kind))?;
        let org = org?;
        let what = if kind == USER_TYPE { "user" } else { "asset" };
        if resource.org != org {
            let message =
                format!("{what} `{resource}` has prefix `{}` but `org: {org}`: they must match", resource.org);
            self.problem(id, message);
            return None;
        }
        let declared =
            if kind == USER_TYPE { self.users.contains_key(&resource) } else { self.assets.contains_key(&resource) };
        if declared {
            self.problem(id, format!("{what} `{resource}` is declared twice"));
            return None;
        }
        Some((resource, org))
    }

    fn users(&mut self, users: &[m::UserSpec]) {
        for (declared, user) in users.iter().enumerate() {
            let Some((id, org)) = self.declaration(&user.id, &user.org, USER_TYPE) else { continue };
            let ivms = user.ivms101.as_ref().map(|spec| self.person(spec));
            self.users.insert(id, UserConfig { org, ivms, declared });
        }
    }

    fn person(&mut self, spec: &m::IvmsSpec) -> PersonData {
        if spec.name.value.trim().is_empty() {
            self.problem(&spec.name, "the name must not be empty");
        }
        self.text(&spec.name, "the name", false);
        if let Some(place) = &spec.place_of_birth {
            self.text(place, "the place of birth", false);
        }
        self.country(&spec.country);
        if let Some(date) = &spec.date_of_birth {
            if !is_date(&date.value) {
                self.problem_help(date, format!("`{}` is not a date", date.value), "expected YYYY-MM-DD");
            }
        }
        PersonData {
            name: spec.name.value.trim().to_owned(),
            country: spec.country.value.clone(),
            date_of_birth: spec.date_of_birth.as_ref().map(|d| d.value.clone()),
            place_of_birth: spec.place_of_birth.as_ref().map(|p| p.value.clone()),
        }
    }

    fn assets(&mut self, assets: &[m::AssetSpec]) {
        for asset in assets {
            let Some((id, org)) = self.declaration(&asset.id, &asset.org, ASSET_TYPE) else { continue };
            let shared_with = asset.shared_with.iter().filter_map(|o| self.org(o)).collect();
            let mut balances = BTreeMap::new();
            for (account, amount) in &asset.balances {
                if let Some(account) = self.user(account) {
                    balances.insert(account, amount.0);
                }
            }
            if balances.values().try_fold(0u64, |sum, b| sum.checked_add(*b)).is_none() {
                self.problem(&asset.id, "the initial balances add up to more than 2^64 - 1");
            }
            let data = asset.data.clone().unwrap_or(serde_json::Value::Object(Default::default())).to_string();
            self.assets.insert(id, AssetConfig { org, shared_with, data, balances });
        }
    }

    /// The steps a flow entry stands for: one, or a workload's transfers.
    fn steps(&mut self, step: &S<m::StepSpec>) -> Vec<Step> {
        match &step.value {
            m::StepSpec::Workload(workload) => self.workload(workload),
            _ => self.step(step).into_iter().collect(),
        }
    }

    fn step(&mut self, step: &S<m::StepSpec>) -> Option<Step> {
        let at_us = |v: &mut Self, at_ms: Option<&S<Whole>>| at_ms.map(|t| v.time_ms(t, "at_ms"));
        let (at_us, action) = match &step.value {
            m::StepSpec::Advertise(s) => {
                let org = self.org(&s.org);
                let asset = self.asset(&s.asset);
                let to: Vec<_> = s.to.iter().map(|o| self.org(o)).collect();
                (
                    at_us(self, s.at_ms.as_ref()),
                    Action::Advertise { org: org?, asset: asset?, to: to.into_iter().collect::<Option<_>>()? },
                )
            }
            m::StepSpec::Get(s) => {
                let org = self.org(&s.org);
                let resource = self.resource(&s.resource, None);
                if s.accept.value != APPLICATION_JSON && s.accept.value != APPLICATION_IVMS101 {
                    self.problem_help(
                        &s.accept,
                        format!("unknown content type `{}`", s.accept.value),
                        format!("expected {APPLICATION_JSON} or {APPLICATION_IVMS101}"),
                    );
                }
                (
                    at_us(self, s.at_ms.as_ref()),
                    Action::Get { org: org?, resource: resource?, accept: s.accept.value.clone() },
                )
            }
            m::StepSpec::Verify(s) => {
                let org = self.org(&s.org);
                let cluster = self.cluster(&s.cluster);
                let resource = self.resource(&s.resource, None);
                (at_us(self, s.at_ms.as_ref()), Action::Verify { org: org?, cluster: cluster?, resource: resource? })
            }
            m::StepSpec::VerifyProof(s) => {
                let org = self.org(&s.org);
                let cluster = self.cluster(&s.cluster);
                self.known_transfer(&s.request_id, None);
                (
                    at_us(self, s.at_ms.as_ref()),
                    Action::VerifyProof { org: org?, cluster: cluster?, request_id: s.request_id.value.0 },
                )
            }
            // Expanded by `steps`.
            m::StepSpec::Workload(_) => return None,
            m::StepSpec::Moves(spec) => (at_us(self, spec.at_ms()), Action::Moves(spec.validate(self)?)),
            m::StepSpec::Plan(s) => (at_us(self, s.at_ms.as_ref()), Action::Plan { plan: Arc::new(self.plan(s)?) }),
            m::StepSpec::Balance(s) => {
                let org = self.org(&s.org);
                let cluster = self.cluster(&s.cluster);
                let account = self.user(&s.account);
                let asset = self.asset(&s.asset);
                (
                    at_us(self, s.at_ms.as_ref()),
                    Action::Balance { org: org?, cluster: cluster?, account: account?, asset: asset? },
                )
            }
        };
        Some(Step { at_us, action })
    }

    /// An execution plan: its id unique among plans, its coordinator and every id it names
    /// declared, every quantity at least 1, every release of an earlier hold of its plan and no
    /// hold released twice.
    fn plan(&mut self, s: &m::PlanStep) -> Option<Plan> {
        let before = self.problems.len();
        let coordinator = self.org(&s.org);
        let id = s.id.value.0;
        if !self.plan_ids.insert(id) {
            self.problem_help(
                &s.id,
                format!("plan id {id} is used by another plan"),
                "plan ids are unique among plans",
            );
        }
        let timeout_ms = match &s.timeout_ms {
            Some(t) => self.time_ms(t, "timeout_ms") / 1000,
            None => self.plan_timeout_ms,
        };
        let mut instructions = Vec::new();
        // Each hold so far, by number, with the release that released it.
        let mut holds: BTreeMap<u64, Option<u64>> = BTreeMap::new();
        for (n, spec) in (1u64..).zip(&s.instructions) {
            let instruction = match &spec.value {
                m::InstructionSpec::Hold(h) => {
                    holds.insert(n, None);
                    let (asset, from) = (self.asset(&h.asset), self.user(&h.from));
                    let quantity = self.plan_quantity(&h.quantity, "hold");
                    Instruction::Hold(Hold { asset: asset?, from: from?, quantity })
                }
                m::InstructionSpec::Release(r) => {
                    let hold = r.hold.value.0;
                    match holds.get_mut(&hold) {
                        None => self.problem_help(
                            &r.hold,
                            format!("instruction {n} releases hold {hold}, which is no earlier hold of plan {id}"),
                            "a release names the number (from 1) of an earlier `hold` of its plan",
                        ),
                        Some(Some(first)) => {
                            let message = format!("hold {hold} is released twice: by instruction {first}, then {n}");
                            self.problem(&r.hold, message);
                        }
                        Some(released) => *released = Some(n),
                    }
                    let to = self.user(&r.to);
                    Instruction::Release(Release { hold: u32::try_from(hold).unwrap_or(u32::MAX), to: to? })
                }
                m::InstructionSpec::Transfer(t) => {
                    let (asset, from, to) = (self.asset(&t.asset), self.user(&t.from), self.user(&t.to));
                    let quantity = self.plan_quantity(&t.quantity, "transfer");
                    Instruction::Transfer(PlanTransfer { asset: asset?, from: from?, to: to?, quantity })
                }
                m::InstructionSpec::Issue(i) => {
                    let (asset, to) = (self.asset(&i.asset), self.user(&i.to));
                    let quantity = self.plan_quantity(&i.quantity, "issue");
                    Instruction::Issue(PlanIssue { asset: asset?, to: to?, quantity })
                }
                m::InstructionSpec::Redeem(r) => {
                    let (asset, from) = (self.asset(&r.asset), self.user(&r.from));
                    let quantity = self.plan_quantity(&r.quantity, "redeem");
                    Instruction::Redeem(PlanRedeem { asset: asset?, from: from?, quantity })
                }
                m::InstructionSpec::Await(a) => Instruction::Await(Await { ms: self.time_ms(&a.ms, "ms") / 1000 }),
            };
            instructions.push(instruction);
        }
        self.plan_sizes.insert(id, s.instructions.len());
        let plan = Plan { id, coordinator: coordinator?, timeout_ms, instructions };
        // A hold's tokens wait in an account named after the plan and the hold: no user may have it.
        self.hold_accounts.extend(plan.numbered().filter_map(|(n, _)| plan.hold_account(n)));
        for (n, _) in plan.numbered() {
            if let Some(account) = plan.hold_account(n).filter(|a| self.users.contains_key(a)) {
                let message = format!("user `{account}` has the name of the account that keeps hold {n} of plan {id}");
                self.problem_help(&s.id, message, "rename the user, or give the plan another id");
            }
        }
        (self.problems.len() == before).then_some(plan)
    }

    /// A plan instruction's quantity: at least 1.
    fn plan_quantity(&mut self, quantity: &S<Whole>, kind: &str) -> u64 {
        if quantity.value.0 == 0 {
            self.problem(quantity, format!("a{} {kind}'s quantity must be at least 1", an(kind)));
        }
        quantity.value.0
    }

    /// A workload's transfers, one step each (none when the workload is invalid).
    fn workload(&mut self, w: &m::WorkloadStep) -> Vec<Step> {
        let before = self.problems.len();
        let count = w.transfers.value.0;
        if count == 0 || count > MAX_WORKLOAD_TRANSFERS {
            self.problem_help(
                &w.transfers,
                format!("a workload of {count} transfers"),
                format!("expected 1 to {MAX_WORKLOAD_TRANSFERS} transfers; write several workloads for more"),
            );
            return Vec::new();
        }
        if w.buyers.is_empty() {
            self.problem(&w.transfers, "a workload needs at least one buyer in `buyers`");
        }
        if w.assets.is_empty() {
            self.problem(&w.transfers, "a workload needs at least one asset in `assets`");
        }
        let buyers: Vec<_> = w.buyers.iter().map(|b| self.user(b)).collect();
        let assets: Vec<_> = w.assets.iter().map(|a| (self.asset(&a.asset), self.user(&a.from))).collect();
        let quantity = w.quantity.as_ref().map_or(1, |q| q.value.0);
        if let Some(q) = w.quantity.as_ref().filter(|q| q.value.0 == 0) {
            self.problem(q, "a transfer's quantity must be at least 1");
        }
        let every_us = self.time_ms(&w.every_ms, "every_ms");
        let start_us = w.start_ms.as_ref().map_or(0, |t| self.time_ms(t, "start_ms"));
        let last_us = (count - 1).checked_mul(every_us).and_then(|span| span.checked_add(start_us));
        if last_us.is_none_or(|last| last > MAX_TIME_MS * 1000) {
            self.problem_help(
                &w.every_ms,
                "the workload's last transfer would start beyond the virtual time a run represents",
                format!("expected its last start, start_ms + (transfers - 1) × every_ms, at most {MAX_TIME_MS} ms"),
            );
        }
        let first = w.first_request_id.value.0;
        let Some(last) = first.checked_add(count - 1) else {
            self.problem(&w.first_request_id, "the workload's request ids would pass 2^64 - 1");
            return Vec::new();
        };
        if let Some((taken, kind)) = self.transfer_ids.range(first..=last).next() {
            let (taken, kind) = (*taken, *kind);
            self.problem(
                &w.first_request_id,
                format!("the workload's request ids {first} to {last} include {taken}, used by another {kind}"),
            );
        }
        if self.problems.len() > before {
            return Vec::new();
        }
        self.transfer_ids.extend((first..=last).map(|id| (id, "transfer")));
        let buyers: Vec<_> = buyers.into_iter().flatten().collect();
        let assets: Vec<_> = assets.into_iter().filter_map(|(asset, from)| Some((asset?, from?))).collect();
        (0..count)
            .map(|k| {
                let (asset, from) = assets[(k % assets.len() as u64) as usize].clone();
                let user = buyers[(k % buyers.len() as u64) as usize].clone();
                let action =
                    Action::Moves(Moving::Transfer(Transfer { request_id: first + k, user, asset, quantity, from }));
                Step { at_us: Some(start_us + k * every_us), action }
            })
            .collect()
    }

    /// A step that moves tokens: its quantity is at least 1 and its request id is unique among
    /// transfers, issues and redeems.
    pub(in crate::scenario) fn operation_step(
        &mut self,
        kind: &'static str,
        request_id: &S<Whole>,
        quantity: &S<Whole>,
    ) {
        if quantity.value.0 == 0 {
            self.problem(quantity, format!("a{} {kind}'s quantity must be at least 1", an(kind)));
        }
        if let Some(other) = self.transfer_ids.get(&request_id.value.0) {
            let message = format!("request id {} is used by another {other}", request_id.value.0);
            self.problem_help(request_id, message, "request ids are unique across transfers, issues and redeems");
        } else {
            self.transfer_ids.insert(request_id.value.0, kind);
        }
    }

    /// An expectation or a `verify_proof` names the request id of an earlier step of `kind` (any
    /// step that moves tokens, when `kind` is `None`).
    fn known_transfer(&mut self, request_id: &S<Whole>, kind: Option<&'static str>) {
        let found = self.transfer_ids.get(&request_id.value.0);
        if found.is_some_and(|k| kind.is_none_or(|kind| kind == *k)) {
            return;
        }
        let what = kind.unwrap_or("transfer, issue or redeem");
        let ids = self.transfer_ids.iter().filter(|(_, k)| kind.is_none_or(|kind| kind == **k)).map(|(id, _)| id);
        let help = Self::known_names(ids);
        let id = request_id.value.0;
        let message = match found {
            Some(other) => format!("request id {id} is a{} {other}, not a{} {what}", an(other), an(what)),
            None => format!("no {what} step has request id {id}"),
        };
        self.problem_help(request_id, message, help);
    }

    fn expectation(&mut self, expectation: &S<m::ExpectSpec>) -> Option<Expectation> {
        Some(match &expectation.value {
            m::ExpectSpec::Get(e) => {
                let org = self.org(&e.org);
                let resource = self.resource(&e.resource, None);
                Expectation::Get { org: org?, resource: resource?, status: e.status }
            }
            m::ExpectSpec::Moves(e) => {
                let (word, e) = e.parts();
                self.final_status(e, word);
                Expectation::Final { request_id: e.request_id.value.0, status: e.status, reason: e.reason }
            }
            m::ExpectSpec::Plan(e) => {
                let id = e.id.value.0;
                if !self.plan_ids.contains(&id) {
                    let help = Self::known_names(self.plan_ids.iter());
                    self.problem_help(&e.id, format!("no plan step has id {id}"), help);
                }
                let status = match e.status {
                    m::PlanStatusWord::Completed => PlanStatus::Completed,
                    m::PlanStatusWord::Rejected => PlanStatus::Rejected,
                    m::PlanStatusWord::Reverted => PlanStatus::Reverted,
                    m::PlanStatusWord::Failed => PlanStatus::Failed,
                };
                if status == PlanStatus::Completed && e.reason.is_some() {
                    self.problem(&e.id, "a completed plan has no `reason`");
                }
                Expectation::Plan { id, status, reason: e.reason }
            }
            m::ExpectSpec::Proof(e) => {
                self.known_transfer(&e.request_id, None);
                Expectation::Proof { request_id: e.request_id.value.0, valid: e.valid }
            }
            m::ExpectSpec::Verify(e) => {
                let resource = self.resource(&e.resource, None);
                let org = match &e.org {
                    Some(o) => Some(self.org(o)?),
                    None => None,
                };
                Expectation::Verify { resource: resource?, agreed: e.agreed, org }
            }
            m::ExpectSpec::Balance(e) => {
                // A plan's hold account may be named too (what a plan still holds).
                let hold = ResourceId::parse(&e.account.value).ok().filter(|a| self.hold_accounts.contains(a));
                let account = hold.or_else(|| self.user(&e.account));
                let asset = self.asset(&e.asset);
                Expectation::Balance { account: account?, asset: asset?, equals: e.equals.0 }
            }
            m::ExpectSpec::Suspect(e) => Expectation::Suspect { org: self.org(&e.org)? },
            m::ExpectSpec::PersonalData(e) => {
                let user = self.user(&e.user);
                let seen_by: Vec<Option<OrgId>> = e.seen_by.iter().map(|o| self.org(o)).collect();
                Expectation::PersonalData { user: user?, seen_by: seen_by.into_iter().collect::<Option<_>>()? }
            }
            m::ExpectSpec::Invariant(e) => {
                let name = &e.name.value;
                let builtin = InvariantName::ALL.iter().any(|i| i.word() == name);
                if !builtin && !self.names.invariants.contains(name) {
                    let known: Vec<&str> = InvariantName::ALL
                        .iter()
                        .map(|i| i.word())
                        .chain(self.names.invariants.iter().map(String::as_str))
                        .collect();
                    self.problem_help(
                        &e.name,
                        format!("unknown invariant `{}`", crate::text::escape(name)),
                        format!(
                            "expected one of: {} (a custom invariant must be registered: docs/library.md)",
                            known.join(", ")
                        ),
                    );
                    return None;
                }
                Expectation::Invariant { name: name.clone(), holds: e.holds }
            }
        })
    }
}

impl Validator {
    /// A final-status expectation of a step of `kind`.
    fn final_status(&mut self, e: &m::TransferExpect, kind: &'static str) {
        self.known_transfer(&e.request_id, Some(kind));
        if e.status == m::TransferStatusWord::Settled && e.reason.is_some() {
            self.problem(&e.request_id, format!("a settled {kind} has no `reason`"));
        }
    }
}

/// The article's `n` before a word that starts with a vowel sound.
fn an(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "n"
    } else {
        ""
    }
}

/// What every latency must be.
fn latency_range() -> String {
    format!("latencies are numbers of milliseconds from 0 to {MAX_TIME_MS} (365 days)")
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
        && match (text[..4].parse::<i32>(), text[5..7].parse::<u32>(), text[8..10].parse::<u32>()) {
            // A day of the calendar (1990-02-30 is not one), by chrono's calendar.
            (Ok(year), Ok(month), Ok(day)) => chrono::NaiveDate::from_ymd_opt(year, month, day).is_some(),
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn a_date_is_a_day_of_the_calendar() {
        assert!(is_date("1990-04-01") && is_date("2000-02-29") && is_date("1950-12-31"));
        assert!(!is_date("1990-02-30") && !is_date("1900-02-29") && !is_date("1990-13-01") && !is_date("1990-4-01"));
    }
}
