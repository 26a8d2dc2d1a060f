//! Validation of the `faults` and `protocol` blocks: probabilities in [0, 1],
//! intervals that end after they start, orgs and clusters that exist, each org in
//! one partition group at most.

use super::Validator;
use crate::protocol::ids::OrgId;
use crate::scenario::model::{self as m, Real, S};
use crate::scenario::{Behaviour, Crash, Endpoint, Faults, Partition, ProtocolConfig, MAX_RETRIES};
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

    pub(super) fn faults(&mut self, spec: Option<&m::FaultsSpec>) -> Faults {
        let Some(spec) = spec else { return Faults::default() };
        let mut faults = Faults {
            drop_probability: self.probability(spec.drop.as_ref(), "drop"),
            duplicate_probability: self.probability(spec.duplicate.as_ref(), "duplicate"),
            corrupt_probability: self.probability(spec.corrupt.as_ref(), "corrupt"),
            ..Faults::default()
        };
        for partition in &spec.partitions {
            let p = &partition.value;
            let from_us = self.time_ms(&p.from_ms, "from_ms");
            let until_us = self.time_ms(&p.until_ms, "until_ms");
            if p.until_ms.value < p.from_ms.value {
                self.problem_help(
                    &p.until_ms,
                    format!("`until_ms` {} is before `from_ms` {}", p.until_ms.value.0, p.from_ms.value.0),
                    "a partition ends after it starts",
                );
            }
            let mut groups: Vec<BTreeSet<OrgId>> = Vec::new();
            let mut placed: BTreeSet<OrgId> = BTreeSet::new();
            for group in &p.groups {
                let mut orgs = BTreeSet::new();
                for name in group {
                    let members = match self.endpoint(name) {
                        Some(Endpoint::Org(org)) => vec![org],
                        Some(Endpoint::Cluster(cluster)) => self.clusters[&cluster].clone(),
                        None => continue,
                    };
                    for org in members {
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
            faults.partitions.push(Partition { from_us, until_us, groups });
        }
        for crash in &spec.crashes {
            let c = &crash.value;
            let at_us = self.time_ms(&c.at_ms, "at_ms");
            let restart_us = c.restart_ms.as_ref().map(|r| self.time_ms(r, "restart_ms"));
            let Some(org) = self.org(&c.org) else { continue };
            if let Some(restart) = &c.restart_ms {
                if restart.value <= c.at_ms.value {
                    self.problem_help(
                        restart,
                        format!("`restart_ms` {} is not after `at_ms` {}", restart.value.0, c.at_ms.value.0),
                        "an org restarts after it crashes",
                    );
                }
            }
            faults.crashes.push(Crash { org, at_us, restart_us });
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
        if let Some(timeout) = &spec.plan_timeout_ms {
            config.plan_timeout_ms = self.time_ms(timeout, "plan_timeout_ms") / 1000;
        }
        config
    }
}
