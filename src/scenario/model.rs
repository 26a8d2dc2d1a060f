//! The serde model of the scenario file, exactly as `SCENARIO.md` writes it.
//!
//! Every struct denies unknown fields; no `untagged`, no `flatten`, so that serde's
//! errors name what was expected. Values that later checks need to point at are
//! `Spanned`, so a semantic error carries the line and column of the offending value.
//! This module only describes the file; `validate` turns it into a `Scenario`.
//! Field meanings are documented in SCENARIO.md and `docs/`.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::fmt;
use std::marker::PhantomData;

/// Reads a YAML mapping as its list of pairs, in file order, so that each key keeps
/// its location (a map type would need the keys to be ordered or hashed).
fn pairs<'de, D, K, V>(deserializer: D) -> Result<Vec<(K, V)>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de>,
    V: Deserialize<'de>,
{
    struct Pairs<K, V>(PhantomData<(K, V)>);
    impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for Pairs<K, V> {
        type Value = Vec<(K, V)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(pair) = map.next_entry()? {
                out.push(pair);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(Pairs(PhantomData))
}

/// Reads a list, taking an empty value (`flow:` with nothing after it) as the empty list.
fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// A value with its location in the file.
pub type S<T> = Spanned<T>;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub network: Option<NetworkSpec>,
    #[serde(default)]
    pub ledger: Option<LedgerSpec>,
    #[serde(deserialize_with = "list")]
    pub clusters: Vec<ClusterSpec>,
    #[serde(default, deserialize_with = "pairs")]
    pub orgs: Vec<(S<String>, Option<OrgSpec>)>,
    #[serde(default, deserialize_with = "list")]
    pub users: Vec<UserSpec>,
    #[serde(default, deserialize_with = "list")]
    pub assets: Vec<AssetSpec>,
    #[serde(deserialize_with = "list")]
    pub flow: Vec<S<StepSpec>>,
    #[serde(default, deserialize_with = "list")]
    pub expect: Vec<S<ExpectSpec>>,
    #[serde(default)]
    pub faults: Option<FaultsSpec>,
    #[serde(default)]
    pub protocol: Option<ProtocolSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    #[serde(default)]
    pub latency: Option<S<LatencySpec>>,
    #[serde(default, deserialize_with = "list")]
    pub links: Vec<LinkSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencySpec {
    Constant(ConstantSpec),
    Uniform(UniformSpec),
    Normal(NormalSpec),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstantSpec {
    pub ms: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniformSpec {
    pub min_ms: f64,
    pub max_ms: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormalSpec {
    pub mean_ms: f64,
    pub stddev_ms: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub between: S<Vec<S<String>>>,
    pub latency: S<LatencySpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerSpec {
    #[serde(default)]
    pub block_ms: Option<S<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    pub id: S<String>,
    #[serde(deserialize_with = "list")]
    pub orgs: Vec<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSpec {
    #[serde(default)]
    pub regulation: Option<RegulationSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegulationSpec {
    #[serde(default)]
    pub allowed_countries: Option<Vec<S<String>>>,
    #[serde(default)]
    pub max_quantity: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub id: S<String>,
    pub org: S<String>,
    #[serde(default)]
    pub ivms101: Option<IvmsSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IvmsSpec {
    pub name: S<String>,
    pub country: S<String>,
    #[serde(default)]
    pub date_of_birth: Option<S<String>>,
    #[serde(default)]
    pub place_of_birth: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetSpec {
    pub id: S<String>,
    pub org: S<String>,
    #[serde(default, deserialize_with = "list")]
    pub shared_with: Vec<S<String>>,
    #[serde(default)]
    pub data: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "pairs")]
    pub balances: Vec<(S<String>, u64)>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepSpec {
    Advertise(AdvertiseStep),
    Get(GetStep),
    Verify(VerifyStep),
    Transfer(TransferStep),
    VerifyProof(VerifyProofStep),
    Balance(BalanceStep),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvertiseStep {
    pub org: S<String>,
    pub asset: S<String>,
    pub to: Vec<S<String>>,
    #[serde(default)]
    pub at_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetStep {
    pub org: S<String>,
    pub resource: S<String>,
    pub accept: S<String>,
    #[serde(default)]
    pub at_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyStep {
    pub org: S<String>,
    pub cluster: S<String>,
    pub resource: S<String>,
    #[serde(default)]
    pub at_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferStep {
    pub request_id: S<u64>,
    pub user: S<String>,
    pub asset: S<String>,
    pub quantity: S<u64>,
    pub from: S<String>,
    #[serde(default)]
    pub at_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyProofStep {
    pub org: S<String>,
    pub cluster: S<String>,
    pub request_id: S<u64>,
    #[serde(default)]
    pub at_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceStep {
    pub org: S<String>,
    pub cluster: S<String>,
    pub account: S<String>,
    pub asset: S<String>,
    #[serde(default)]
    pub at_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectSpec {
    Get(GetExpect),
    Transfer(TransferExpect),
    Proof(ProofExpect),
    Verify(VerifyExpect),
    Balance(BalanceExpect),
    Suspect(SuspectExpect),
    Invariant(InvariantExpect),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GetStatusWord {
    Ok,
    Denied,
    NotFound,
    Timeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatusWord {
    Settled,
    Rejected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonWord {
    Regulation,
    Signature,
    Permission,
    Balance,
    Timeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvariantName {
    Conservation,
    ExactlyOnce,
    ValidProofs,
    Agreement,
    Authenticity,
    Liveness,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetExpect {
    pub org: S<String>,
    pub resource: S<String>,
    pub status: GetStatusWord,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferExpect {
    pub request_id: S<u64>,
    pub status: TransferStatusWord,
    #[serde(default)]
    pub reason: Option<ReasonWord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofExpect {
    pub request_id: S<u64>,
    pub valid: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyExpect {
    pub resource: S<String>,
    pub agreed: bool,
    #[serde(default)]
    pub org: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceExpect {
    pub account: S<String>,
    pub asset: S<String>,
    pub equals: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuspectExpect {
    pub org: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvariantExpect {
    pub name: InvariantName,
    pub holds: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsSpec {
    #[serde(default)]
    pub drop: Option<S<f64>>,
    #[serde(default)]
    pub duplicate: Option<S<f64>>,
    #[serde(default)]
    pub corrupt: Option<S<f64>>,
    #[serde(default, deserialize_with = "list")]
    pub partitions: Vec<S<PartitionSpec>>,
    #[serde(default, deserialize_with = "list")]
    pub crashes: Vec<S<CrashSpec>>,
    #[serde(default, deserialize_with = "list")]
    pub byzantine: Vec<ByzantineSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    pub from_ms: u64,
    pub until_ms: S<u64>,
    pub groups: Vec<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashSpec {
    pub org: S<String>,
    pub at_ms: u64,
    #[serde(default)]
    pub restart_ms: Option<S<u64>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    WrongBalance,
    WrongHash,
    ForgeSignature,
    Silent,
    Replay,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByzantineSpec {
    pub org: S<String>,
    pub behaviour: Behaviour,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuorumWord {
    Any,
    Majority,
    All,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolSpec {
    #[serde(default)]
    pub timeout_ms: Option<S<u64>>,
    #[serde(default)]
    pub retries: Option<u32>,
    #[serde(default)]
    pub quorum: Option<QuorumWord>,
    #[serde(default)]
    pub liveness_ms: Option<u64>,
}
