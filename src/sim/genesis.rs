//! A run's starting point, computed once from the scenario: the public directory and each
//! org's setup. The actors are built from these (protocol-level values), never from the
//! scenario file's model.

use crate::actors::directory::{Defences, Directory};
use crate::actors::organization::OrgSetup;
use crate::crypto::Hash32;
use crate::protocol::ids::{ActorId, OrgId};
use crate::protocol::keys::{self, Keyring};
use crate::scenario::Scenario;
use ed25519_dalek::SigningKey;
use std::collections::BTreeMap;

/// Every actor's signing key in a run with `seed`, each derived once: a derivation costs a
/// scalar multiplication, about what a signature costs.
pub fn signing_keys(scenario: &Scenario, seed: u64) -> BTreeMap<ActorId, SigningKey> {
    let orgs = scenario.orgs.keys().map(|org| ActorId::Org(org.clone()));
    let ledgers = scenario.clusters.keys().map(|cluster| ActorId::Ledger(cluster.clone()));
    let users = scenario.users.keys().map(|user| ActorId::User(user.clone()));
    orgs.chain(ledgers).chain(users).map(|actor| (actor.clone(), keys::actor_key(seed, &actor))).collect()
}

/// The public directory of a scenario run with `seed`.
#[cfg(test)]
pub fn directory(scenario: &Scenario, seed: u64) -> Directory {
    directory_with_keys(scenario, seed, &signing_keys(scenario, seed))
}

/// The public directory of a scenario run with `seed` whose actors hold `signing_keys` (as
/// [`signing_keys`] derives them).
pub fn directory_with_keys(scenario: &Scenario, seed: u64, signing_keys: &BTreeMap<ActorId, SigningKey>) -> Directory {
    let mut keyring = Keyring::default();
    let mut user_finids = BTreeMap::new();
    for (actor, key) in signing_keys {
        if let ActorId::User(user) = actor {
            user_finids.insert(user.clone(), keys::finid(&key.verifying_key()).into());
        }
        keyring.insert(actor.clone(), key.verifying_key());
    }
    let asset_access = scenario
        .assets
        .iter()
        .map(|(id, asset)| {
            let mut orgs = asset.shared_with.clone();
            orgs.insert(asset.org.clone());
            (id.clone(), orgs)
        })
        .collect();
    let asset_hashes = scenario.assets.iter().map(|(id, a)| (id.clone(), Hash32::of(a.data.as_bytes()))).collect();
    Directory {
        seed,
        protocol: scenario.protocol,
        cluster_of: scenario.orgs.iter().map(|(o, c)| (o.clone(), c.cluster.clone())).collect(),
        leis: scenario.orgs.keys().map(|o| (o.clone(), crate::protocol::ivms101::lei(o.as_str()))).collect(),
        members: scenario.clusters.clone(),
        user_finids,
        asset_access,
        asset_hashes,
        keyring,
        rule_fields: scenario
            .orgs
            .iter()
            .map(|(org, c)| {
                (org.clone(), c.regulation.as_ref().map(|r| r.reads().into_iter().map(|(_, f)| f).collect()))
            })
            .collect(),
        quiet_after_us: scenario.faults.quiet_after_us(),
        plan_holds: scenario.plan_holds(),
        defences: Defences::default(),
        genesis: scenario.assets.iter().map(|(id, a)| (id.clone(), a.balances.clone())).collect(),
        block_us: scenario.block_ms.saturating_mul(1000),
        null_signer: false,
    }
}

/// The setup of `org` in a scenario: its users and their IVMS-101 data, its assets, its rules.
pub fn org_setup(scenario: &Scenario, org: &OrgId) -> OrgSetup {
    OrgSetup {
        users: scenario
            .users
            .iter()
            .filter(|(_, u)| &u.org == org)
            .map(|(id, u)| (id.clone(), u.ivms.clone()))
            .collect(),
        assets: scenario
            .assets
            .iter()
            .filter(|(_, a)| &a.org == org)
            .map(|(id, a)| (id.clone(), a.data.clone()))
            .collect(),
        regulation: scenario.orgs.get(org).and_then(|o| o.regulation.clone()),
    }
}
