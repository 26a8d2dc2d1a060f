//! A run's starting point, computed once from the scenario: the public directory and each
//! org's setup. The actors are built from these (protocol-level values), never from the
//! scenario file's model.

use crate::actors::directory::{Defences, Directory};
use crate::actors::organization::OrgSetup;
use crate::crypto::keys::{self, Keyring};
use crate::crypto::Hash32;
use crate::protocol::ids::{ActorId, OrgId};
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// The public directory of a scenario run with `seed`.
pub fn directory(scenario: &Scenario, seed: u64) -> Directory {
    let mut keyring = Keyring::default();
    let mut register = |actor: ActorId| {
        let key = keys::actor_key(seed, &actor).verifying_key();
        keyring.insert(actor, key);
    };
    for org in scenario.orgs.keys() {
        register(ActorId::Org(org.clone()));
    }
    for cluster in scenario.clusters.keys() {
        register(ActorId::Ledger(cluster.clone()));
    }
    let mut user_finids = BTreeMap::new();
    for user in scenario.users.keys() {
        let actor = ActorId::User(user.clone());
        user_finids.insert(user.clone(), keys::finid(&keys::actor_key(seed, &actor).verifying_key()));
        register(actor);
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
        members: scenario.clusters.clone(),
        user_finids,
        asset_access,
        asset_hashes,
        keyring,
        quiet_after_us: scenario.faults.quiet_after_us(),
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
