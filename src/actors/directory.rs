//! What every actor may know about the network: who is in which cluster, which
//! org manages which user and asset, everyone's public key and finid, and the
//! protocol settings, and the genesis ledgers. Built once per run (by `sim::genesis`, from
//! the scenario); read-only.

use crate::crypto::Hash32;
use crate::protocol::config::{ProtocolConfig, Quorum};
use crate::protocol::ids::{ActorId, Address, ClusterId, OrgId, ResourceId};
use crate::protocol::keys::{self, Keyring};
use ed25519_dalek::VerifyingKey;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The public directory of a run.
#[derive(Debug)]
pub struct Directory {
    /// The run's seed (keys, nonces and byzantine values derive from it).
    pub seed: u64,
    /// Timeouts, retries, quorum.
    pub protocol: ProtocolConfig,
    /// Each org's cluster.
    pub cluster_of: BTreeMap<OrgId, ClusterId>,
    /// Each org's legal entity identifier (`protocol::ivms101::lei`): public, and what an IVMS-101
    /// document names both VASPs by.
    pub leis: BTreeMap<OrgId, String>,
    /// Each cluster's orgs, in file order.
    pub members: BTreeMap<ClusterId, Vec<OrgId>>,
    /// Each user's finid (shared text: every transfer names two).
    pub user_finids: BTreeMap<ResourceId, Arc<str>>,
    /// Each asset's managing org and the orgs it is shared with (managing org included).
    pub asset_access: BTreeMap<ResourceId, BTreeSet<OrgId>>,
    /// The SHA-256 of each asset's data, as on its cluster's ledger from the start.
    pub asset_hashes: BTreeMap<ResourceId, Hash32>,
    /// Every actor's verifying key.
    pub keyring: Keyring,
    /// The IVMS-101 fields each org's rules read, as it publishes them (`None`: it has no rules):
    /// under `disclosure: minimal`, what a user's org gives it.
    pub rule_fields: BTreeMap<OrgId, Option<Vec<&'static str>>>,
    /// When the fault schedule is over (`Faults::quiet_after_us`): liveness deadlines count from it.
    pub quiet_after_us: u64,
    /// The plans' hold accounts, each with its asset and the account whose tokens it keeps (a
    /// balance counts them as that account's, held).
    pub plan_holds: crate::protocol::plan::PlanHolds,
    /// The protocol's defences against moving tokens twice (all on, but in tests of the checks).
    pub defences: Defences,
    /// The genesis ledgers: each asset's initial balances (its cluster is its org's).
    pub genesis: BTreeMap<ResourceId, BTreeMap<ResourceId, u64>>,
    /// Each ledger closes a block every this many microseconds.
    pub block_us: u64,
    /// Every signature of the run is the null signer's (`sim::Settings::null_signer`): users sign
    /// with a zero signature and an org accepts a user's signature unchecked, as every boundary
    /// seals and opens envelopes. Only for measuring the engine without its ed25519 work.
    pub null_signer: bool,
}

/// The protocol's defences against moving tokens twice. Every one is on in a run; a test turns
/// one off to show that another defence, or an invariant, still catches what it would have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defences {
    /// The asset's org answers a repeated request id with its current answer and moves nothing.
    pub org_deduplicates_requests: bool,
    /// The asset's org refuses a signed transfer it accepted under another request id (`replay`).
    pub org_refuses_replays: bool,
    /// The cluster ledger queues a request id once.
    pub ledger_deduplicates_requests: bool,
}

impl Default for Defences {
    fn default() -> Self {
        Self { org_deduplicates_requests: true, org_refuses_replays: true, ledger_deduplicates_requests: true }
    }
}

impl Directory {
    /// Whether `org` may get and buy `asset` (shared with it, or it manages it).
    pub fn shared_with(&self, asset: &ResourceId, org: &OrgId) -> bool {
        self.asset_access.get(asset).is_some_and(|orgs| orgs.contains(org))
    }

    /// An org's legal entity identifier: the directory's, or computed for an org it does not list.
    pub fn lei(&self, org: &OrgId) -> Cow<'_, str> {
        match self.leis.get(org) {
            Some(lei) => Cow::Borrowed(lei),
            None => Cow::Owned(crate::protocol::ivms101::lei(org.as_str())),
        }
    }

    /// The public key of a user, by the finid the directory lists for it: the keyring's key,
    /// decompressed once per run, when that finid is the key's (as genesis makes it), else the
    /// finid parsed afresh; `None` for a user without a finid or a finid that is no key.
    pub fn user_key(&self, user: &ResourceId) -> Option<VerifyingKey> {
        let finid: &str = self.user_finids.get(user)?;
        match self.keyring.key(&ActorId::User(user.clone())) {
            Some(key) if keys::finid(key) == *finid => Some(*key),
            _ => keys::key_of_finid(finid),
        }
    }

    /// Whether `signature` is `user`'s ed25519 signature over `bytes`, with the key its finid names
    /// (under the null signer, any signature of the right length from a known user).
    pub fn user_signed(&self, user: &ResourceId, bytes: &[u8], signature: &[u8]) -> bool {
        let (Some(key), Ok(signature)) = (self.user_key(user), <[u8; 64]>::try_from(signature)) else { return false };
        self.null_signer || keys::verify(&key, bytes, &signature)
    }

    /// The orgs of a cluster.
    pub fn members_of(&self, cluster: &ClusterId) -> &[OrgId] {
        self.members.get(cluster).map(Vec::as_slice).unwrap_or_default()
    }

    /// The actors a send reaches: the one it is for (`only`: one member of a broadcast, or a
    /// ledger event re-sent to the org that asked), else the actor it is addressed to, else every
    /// org of the cluster it is addressed to.
    pub fn receivers<'a>(&'a self, only: Option<ActorId>, to: &'a Address) -> impl Iterator<Item = ActorId> + 'a {
        let one = match (only, to) {
            (Some(only), _) => Some(only),
            (None, Address::Actor(receiver)) => Some(receiver.clone()),
            (None, Address::Cluster(_)) => None,
        };
        let members = match (&one, to) {
            (None, Address::Cluster(cluster)) => self.members_of(cluster),
            _ => &[],
        };
        one.into_iter().chain(members.iter().map(|org| ActorId::Org(org.clone())))
    }

    /// How many equal answers a broadcast to `cluster` needs (at least one: an empty
    /// cluster can never confirm anything).
    pub fn quorum_size(&self, cluster: &ClusterId) -> usize {
        let n = self.members_of(cluster).len();
        let size = match self.protocol.quorum {
            Quorum::Any => 1,
            Quorum::Majority => n / 2 + 1,
            Quorum::All => n,
        };
        size.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_reaches_the_one_it_is_for_else_its_addressee_else_every_org_of_the_cluster() {
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        let dir = crate::sim::genesis::directory(&scenario, 1);
        let org = |name: &str| ActorId::Org(OrgId::from(name));
        let cluster_b = Address::Cluster(ClusterId::from("cluster_B"));
        let receivers = |only, to: &Address| dir.receivers(only, to).collect::<Vec<_>>();
        assert_eq!(receivers(None, &cluster_b), [org("org_2"), org("org_3"), org("org_4")]);
        assert_eq!(receivers(Some(org("org_3")), &cluster_b), [org("org_3")]);
        assert_eq!(receivers(None, &Address::Actor(org("org_1"))), [org("org_1")]);
        assert_eq!(receivers(None, &Address::Cluster(ClusterId::from("nowhere"))), []);
    }

    #[test]
    fn an_orgs_lei_is_the_one_its_id_gives_listed_or_not() {
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        let dir = crate::sim::genesis::directory(&scenario, 1);
        assert_eq!(dir.leis.len(), scenario.orgs.len());
        for org in [OrgId::from("org_2"), OrgId::from("not_in_the_run")] {
            assert_eq!(dir.lei(&org), crate::protocol::ivms101::lei(org.as_str()), "{org}");
        }
        assert!(matches!(dir.lei(&OrgId::from("org_2")), Cow::Borrowed(_)), "listed: the directory's");
    }

    #[test]
    fn a_users_key_is_the_one_its_listed_finid_names() {
        let scenario = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        let mut dir = crate::sim::genesis::directory(&scenario, 1);
        for (user, finid) in &dir.user_finids {
            assert_eq!(dir.user_key(user), keys::key_of_finid(finid), "{user}");
            assert!(dir.user_key(user).is_some());
        }
        let user = dir.user_finids.keys().next().unwrap().clone();
        let other = keys::finid(&keys::signing_key(2, "another").verifying_key());
        dir.user_finids.insert(user.clone(), other.clone().into());
        assert_eq!(dir.user_key(&user), keys::key_of_finid(&other), "a finid that is not the keyring's key");
        dir.user_finids.insert(user.clone(), "00".repeat(31).into());
        assert_eq!(dir.user_key(&user), None, "a finid that is no key");
        assert_eq!(dir.user_key(&ResourceId::parse("org_9:100:nobody").unwrap()), None);
    }
}
