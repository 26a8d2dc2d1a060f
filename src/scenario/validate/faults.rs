//! Validation of the `faults` and `protocol` blocks: probabilities in [0, 1],
//! intervals that end after they start, orgs and clusters that exist, each org in
//! one partition group at most.

use super::Validator;
use crate::protocol::ids::OrgId;
use crate::scenario::model::{self as m, Real, S};
use crate::scenario::{Behaviour, Crash, Endpoint, Faults, Partition, ProtocolConfig, Trigger, MAX_RETRIES};
use std::collections::BTreeSet;

impl Validator {
    fn probability(&mut self, p: Option<&S<Real>>, what: &str) -> f64 {
        match p {
            Some(p) if !(0.0..=1.0).contains(&p.value.0) => {
                self.problem_help(
                    p,
                    format!("`{what}` is {}, not a probability", p.value.0),
                    "expected a number between 0 and 1",
                );
                0.0
            }
            Some(p) => p.value.0,
            None => 0.0,
        }
    }

    /// A partition: `groups` or `cut` (not both), and `from_ms` with `until_ms`, or `on` with
    /// `for_ms` (not a time key with `on`).
    fn partition(&mut self, partition: &S<m::PartitionSpec>) -> Option<Partition> {
        let p = &partition.value;
        let on = p.on.as_ref().map(|on| (on, self.trigger(on)));
        let (from_us, until_us) = match (&on, &p.from_ms, &p.until_ms) {
            (Some((on, _)), from, until) => {
                if let Some(time) = from.as_ref().or(until.as_ref()) {
                    let key = if from.is_some() { "from_ms" } else { "until_ms" };
                    self.problem_help(
                        time,
                        format!("`{key}` with `on`"),
                        "a partition that starts `on` an event lasts `for_ms`",
                    );
                }
                match &p.for_ms {
                    Some(for_ms) => (0, self.time_ms(for_ms, "for_ms")),
                    None => {
                        self.problem(on, "a partition that starts `on` an event needs `for_ms`, how long it lasts");
                        (0, 0)
                    }
                }
            }
            (None, Some(from), Some(until)) => {
                if let Some(for_ms) = &p.for_ms {
                    self.problem_help(for_ms, "`for_ms` without `on`", "a partition with `from_ms` ends at `until_ms`");
                }
                let (from_us, until_us) = (self.time_ms(from, "from_ms"), self.time_ms(until, "until_ms"));
                if until.value < from.value {
                    self.problem_help(
                        until,
                        format!("`until_ms` {} is before `from_ms` {}", until.value.0, from.value.0),
                        "a partition ends after it starts",
                    );
                }
                (from_us, until_us)
            }
            (None, _, _) => {
                self.problem_help(
                    partition,
                    "a partition needs `from_ms` and `until_ms`",
                    "or `on: { settled: REQUEST_ID }` (or `on: { instruction: { plan, n } }`) with `for_ms`",
                );
                (0, 0)
            }
        };
        let (groups, cut) = match (&p.groups, &p.cut) {
            (Some(groups), None) => (self.groups(groups), Vec::new()),
            (None, Some(cut)) => (Vec::new(), self.cut(cut)),
            (Some(_), Some(cut)) => {
                self.problem_help(&cut[0], "`cut` with `groups`", "a partition gives `groups` or `cut`, not both");
                return None;
            }
            (None, None) => {
                self.problem_help(
                    partition,
                    "a partition needs `groups` or `cut`",
                    "`groups: [[A, B], [C]]` splits the orgs; `cut: [[A, B]]` cuts A from B only",
                );
                return None;
            }
        };
        let on = match on {
            Some((_, trigger)) => Some(trigger?),
            None => None,
        };
        Some(Partition { from_us, until_us, groups, cut, on })
    }

    /// A partition's groups, resolved to orgs (clusters to their orgs): each org in one group at
    /// most; the orgs no group names form one more group.
    fn groups(&mut self, spec: &[Vec<S<String>>]) -> Vec<BTreeSet<OrgId>> {
        let mut groups: Vec<BTreeSet<OrgId>> = Vec::new();
        let mut placed: BTreeSet<OrgId> = BTreeSet::new();
        for group in spec {
            let mut orgs = BTreeSet::new();
            for name in group {
                for org in self.members(name) {
                    if !placed.insert(org.clone()) {
                        self.problem_help(
                            name,
                            format!("org `{org}` is in two groups of this partition"),
                            "each org belongs to one group at most",
                        );
                    }
                    orgs.insert(org);
                }
            }
            groups.push(orgs);
        }
        let named: BTreeSet<OrgId> = groups.iter().flatten().cloned().collect();
        let rest: BTreeSet<OrgId> = self.orgs.keys().filter(|o| !named.contains(*o)).cloned().collect();
        if !rest.is_empty() {
            groups.push(rest);
        }
        groups
    }

    /// A cut's pairs of sides (each an org or a cluster), resolved to orgs.
    fn cut(&mut self, spec: &[S<Vec<S<String>>>]) -> Vec<(BTreeSet<OrgId>, BTreeSet<OrgId>)> {
        let mut pairs = Vec::new();
        for pair in spec {
            let [left, right] = &pair.value[..] else {
                let help = "each entry of `cut` is a pair of sides, `[A, B]`: an org or a cluster each";
                self.problem_help(pair, format!("a cut's entry names {} sides", pair.value.len()), help);
                continue;
            };
            let (l, r): (BTreeSet<OrgId>, BTreeSet<OrgId>) =
                (self.members(left).into_iter().collect(), self.members(right).into_iter().collect());
            if let Some(both) = l.intersection(&r).next() {
                let message = format!("org `{both}` is on both sides of this cut");
                self.problem_help(right, message, "a cut separates two sides that share no org");
            }
            pairs.push((l, r));
        }
        pairs
    }

    /// The orgs an endpoint names (a cluster's, or one org); none if it names nothing declared.
    fn members(&mut self, name: &S<String>) -> Vec<OrgId> {
        match self.endpoint(name) {
            Some(Endpoint::Org(org)) => vec![org],
            Some(Endpoint::Cluster(cluster)) => self.clusters[&cluster].clone(),
            None => Vec::new(),
        }
    }

    /// The event a fault starts on: a transfer's, issue's or redeem's request id of the flow, or
    /// an instruction of a plan of the flow.
    fn trigger(&mut self, on: &S<m::OnSpec>) -> Option<Trigger> {
        match &on.value {
            m::OnSpec::Settled(request_id) => {
                let id = request_id.value.0;
                if !self.transfer_ids.contains_key(&id) {
                    let help = Self::known_names(self.transfer_ids.keys());
                    self.problem_help(
                        request_id,
                        format!("no transfer, issue or redeem step has request id {id}"),
                        help,
                    );
                    return None;
                }
                Some(Trigger::Settled(id))
            }
            m::OnSpec::Instruction(i) => {
                let (plan, n) = (i.plan.value.0, i.n.value.0);
                let Some(size) = self.plan_sizes.get(&plan).copied() else {
                    let help = Self::known_names(self.plan_ids.iter());
                    self.problem_help(&i.plan, format!("no plan step has id {plan}"), help);
                    return None;
                };
                if n == 0 || n > size as u64 {
                    let help = format!("plan {plan} has instructions 1 to {size}");
                    self.problem_help(&i.n, format!("plan {plan} has no instruction {n}"), help);
                    return None;
                }
                Some(Trigger::Instruction { plan, n: n as u32 })
            }
        }
    }

    /// A crash: `at_ms` (with `restart_ms`), or `on` (with `restart_after_ms`).
    fn crash(&mut self, crash: &S<m::CrashSpec>) -> Option<Crash> {
        let c = &crash.value;
        let org = self.org(&c.org);
        let (at_us, restart_us, on) = match (&c.on, &c.at_ms) {
            (Some(on), at) => {
                let trigger = self.trigger(on);
                for (time, key) in [(at, "at_ms"), (&c.restart_ms, "restart_ms")] {
                    if let Some(time) = time {
                        let help = "a crash that starts `on` an event restarts `restart_after_ms` after it";
                        self.problem_help(time, format!("`{key}` with `on`"), help);
                    }
                }
                let restart_us = c.restart_after_ms.as_ref().map(|r| self.time_ms(r, "restart_after_ms").max(1));
                (0, restart_us, Some(trigger?))
            }
            (None, Some(at)) => {
                if let Some(after) = &c.restart_after_ms {
                    self.problem_help(
                        after,
                        "`restart_after_ms` without `on`",
                        "a crash at `at_ms` restarts at `restart_ms`",
                    );
                }
                let at_us = self.time_ms(at, "at_ms");
                let restart_us = c.restart_ms.as_ref().map(|r| self.time_ms(r, "restart_ms"));
                if let Some(restart) = &c.restart_ms {
                    if restart.value <= at.value {
                        self.problem_help(
                            restart,
                            format!("`restart_ms` {} is not after `at_ms` {}", restart.value.0, at.value.0),
                            "an org restarts after it crashes",
                        );
                    }
                }
                (at_us, restart_us, None)
            }
            (None, None) => {
                self.problem_help(
                    crash,
                    "a crash needs `at_ms`",
                    "or `on: { settled: REQUEST_ID }` (or `on: { instruction: { plan, n } }`)",
                );
                return None;
            }
        };
        Some(Crash { org: org?, at_us, restart_us, on })
    }

    pub(super) fn faults(&mut self, spec: Option<&m::FaultsSpec>) -> Faults {
        let Some(spec) = spec else { return Faults::default() };
        let mut faults = Faults {
            drop_probability: self.probability(spec.drop.as_ref(), "drop"),
            duplicate_probability: self.probability(spec.duplicate.as_ref(), "duplicate"),
            corrupt_probability: self.probability(spec.corrupt.as_ref(), "corrupt"),
            ..Faults::default()
        };
        for partition in &spec.partitions {
            if let Some(partition) = self.partition(partition) {
                faults.partitions.push(partition);
            }
        }
        for crash in &spec.crashes {
            if let Some(crash) = self.crash(crash) {
                faults.crashes.push(crash);
            }
        }
        for byzantine in &spec.byzantine {
            if let Behaviour::Custom(name) = &byzantine.behaviour.value {
                if !self.names.misbehaviours.contains(name) {
                    let known: Vec<&str> = self.names.misbehaviours.iter().map(String::as_str).collect();
                    let help = match known.is_empty() {
                        true => "no custom misbehaviour is registered: the finsim command has none; a program \
                                 registers its own through the library (docs/library.md)"
                            .to_owned(),
                        false => format!("registered: {}", known.join(", ")),
                    };
                    self.problem_help(
                        &byzantine.behaviour,
                        format!("unknown custom misbehaviour `{}`", crate::text::escape(name)),
                        help,
                    );
                    continue;
                }
            }
            if let Some(org) = self.org(&byzantine.org) {
                faults.byzantine.entry(org).or_default().insert(byzantine.behaviour.value.clone());
            }
        }
        faults
    }

    pub(super) fn protocol(&mut self, spec: Option<&m::ProtocolSpec>) -> ProtocolConfig {
        let mut config = ProtocolConfig::default();
        let Some(spec) = spec else { return config };
        if let Some(timeout) = &spec.timeout_ms {
            if timeout.value.0 == 0 {
                self.problem(timeout, "`timeout_ms` must be at least 1");
            }
            config.timeout_us = self.time_ms(timeout, "timeout_ms").max(1000);
        }
        if let Some(retries) = &spec.retries {
            if retries.value.0 > MAX_RETRIES {
                self.problem_help(
                    retries,
                    format!("`retries` is {}, more than a run allows", retries.value.0),
                    format!("expected at most {MAX_RETRIES} re-sends per exchange"),
                );
            }
            config.retries = retries.value.0.min(MAX_RETRIES) as u32;
        }
        config.quorum = spec.quorum.unwrap_or(config.quorum);
        if let Some(liveness) = &spec.liveness_ms {
            config.liveness_us = self.time_ms(liveness, "liveness_ms");
        }
        config.status_query = spec.status_query.unwrap_or(config.status_query);
        config.regulation_order = spec.regulation_order.unwrap_or(config.regulation_order);
        config.settlement = spec.settlement.unwrap_or(config.settlement);
        config.disclosure = spec.disclosure.unwrap_or(config.disclosure);
        if let Some(timeout) = &spec.plan_timeout_ms {
            config.plan_timeout_ms = self.time_ms(timeout, "plan_timeout_ms") / 1000;
        }
        config
    }
}
