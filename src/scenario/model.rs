//! The serde model of the scenario file, as `docs/scenario-format.md` describes it.
//!
//! Every struct denies unknown fields; no `untagged`, no `flatten`, so that serde's
//! errors name what was expected. Values that later checks need to point at are
//! `Spanned`, so a semantic error carries the line and column of the offending value.
//! This module only describes the file; `validate` turns it into a `Scenario`.
//! Field meanings are documented in `docs/`.

use super::operation::{operations, MovingExpect, MovingSpec};
pub use crate::protocol::config::{Disclosure, Quorum as QuorumWord, RegulationOrder, SettlementMode};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::borrow::Cow;
use std::collections::BTreeMap;
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

/// A non-negative whole number, written as one: a quoted string (`"100"`), a fraction or a
/// negative number is a type error with its place, not read leniently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Whole(pub u64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WholeVisitor;
        impl<'de> Visitor<'de> for WholeVisitor {
            type Value = Whole;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative whole number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Whole, E> {
                Ok(Whole(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Whole, E> {
                u64::try_from(v).map(Whole).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Whole, E> {
                if v.fract() == 0.0 && v >= 18_446_744_073_709_551_615.0 {
                    return Err(E::custom("the number is larger than 18446744073709551615 (2^64 - 1)"));
                }
                Err(E::invalid_type(Unexpected::Float(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Whole, E> {
                Err(E::invalid_type(Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_any(WholeVisitor)
    }
}

/// A number, written as one (a quoted string is a type error).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Real(pub f64);

impl<'de> Deserialize<'de> for Real {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RealVisitor;
        impl<'de> Visitor<'de> for RealVisitor {
            type Value = Real;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Real, E> {
                Ok(Real(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Real, E> {
                Ok(Real(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Real, E> {
                Ok(Real(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Real, E> {
                Err(E::invalid_type(Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_any(RealVisitor)
    }
}

/// An enum written as a mapping with exactly one key, the variant's name, whose value holds
/// the variant's fields: `- transfer: { ... }`. Written out instead of serde's externally
/// tagged enums so that a bare `- transfer` (no fields) is an error at its own line, not a
/// confusing one on the next, and a second key is an error that names it.
///
/// A group after `and` is one variant of the enum, `$outer($inner)`, whose keys are the inner
/// enum's: `and Moves(MovingSpec) { Transfer(TransferStep) = "transfer", … }` reads
/// `- transfer: { … }` as `Moves(MovingSpec::Transfer(…))`, so that the steps of a registry
/// (`scenario::operation`) are one variant a match names once.
macro_rules! one_key_enum {
    (
        $(#[$meta:meta])* pub enum $name:ident { $($variant:ident($fields:ty) = $key:literal),+ $(,)? }
        $(and $outer:ident($inner:ident) { $($ivariant:ident($ifields:ty) = $ikey:literal),+ $(,)? })?
    ) => {
        $(#[$meta])*
        pub enum $name {
            $(
                #[doc = concat!("`", $key, "`")]
                $variant($fields),
            )+
            $(
                #[doc = concat!($("`", $ikey, "` "),+)]
                $outer($inner),
            )?
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                let one = |key: &str, fields: Schema| {
                    let mut properties = serde_json::Map::new();
                    properties.insert(key.to_owned(), fields.to_value());
                    serde_json::json!({
                        "type": "object",
                        "properties": properties,
                        "required": [key],
                        "additionalProperties": false,
                    })
                };
                #[allow(unused_mut)]
                let mut kinds: Vec<serde_json::Value> = vec![$(one($key, generator.subschema_for::<$fields>())),+];
                $($(kinds.push(one($ikey, generator.subschema_for::<$ifields>()));)+)?
                schemars::json_schema!({ "oneOf": kinds })
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const KINDS: &[&str] = &[$($key,)+ $($($ikey,)+)?];
                struct OneKey;
                impl<'de> Visitor<'de> for OneKey {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "one key naming the kind ({})", KINDS.join(", "))
                    }
                    fn visit_str<E: de::Error>(self, kind: &str) -> Result<$name, E> {
                        Err(E::custom(format!(
                            "`{kind}` needs its fields as a mapping: write `{kind}: {{ ... }}`"
                        )))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        let Some(kind) = map.next_key::<String>()? else {
                            return Err(de::Error::custom(format!(
                                "expected one key naming the kind ({})", KINDS.join(", ")
                            )));
                        };
                        let value = match kind.as_str() {
                            $($key => $name::$variant(map.next_value()?),)+
                            $($($ikey => $name::$outer($inner::$ivariant(map.next_value()?)),)+)?
                            other => return Err(de::Error::unknown_variant(other, KINDS)),
                        };
                        if let Some(second) = map.next_key::<String>()? {
                            return Err(de::Error::custom(format!(
                                "one entry has one kind: `{kind}` is followed by a second key `{second}`; start a new `-` entry for it"
                            )));
                        }
                        Ok(value)
                    }
                }
                deserializer.deserialize_any(OneKey)
            }
        }
    };
}

impl JsonSchema for Whole {
    fn schema_name() -> Cow<'static, str> {
        "Whole".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({ "type": "integer", "minimum": 0, "description": "a whole number, 0 or more" })
    }
}

impl JsonSchema for Real {
    fn schema_name() -> Cow<'static, str> {
        "Real".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({ "type": "number" })
    }
}

/// The JSON Schema of a list that may also be written empty (`flow:` with nothing after it):
/// only ever named in `#[schemars(with = ...)]`.
pub struct List<T>(PhantomData<T>);

impl<T: JsonSchema> JsonSchema for List<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("List_of_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let items = generator.subschema_for::<T>();
        schemars::json_schema!({ "type": ["array", "null"], "items": items })
    }
}

/// A value with its location in the file: serde-saphyr's `Spanned`, in a newtype whose JSON
/// Schema is its value's (the location is not part of the file's format).
#[derive(Clone, Debug, Deserialize)]
#[serde(transparent)]
pub struct S<T>(pub Spanned<T>);

impl<T> std::ops::Deref for S<T> {
    type Target = Spanned<T>;

    fn deref(&self) -> &Spanned<T> {
        &self.0
    }
}

impl<T: JsonSchema> JsonSchema for S<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A whole scenario file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: S<String>,
    #[serde(default)]
    pub description: Option<S<String>>,
    #[serde(default)]
    pub seed: Option<Whole>,
    #[serde(default)]
    pub seeds: Option<S<String>>,
    /// The real-world moment of virtual time 0: RFC 3339, UTC (default `2026-01-01T00:00:00Z`).
    #[serde(default)]
    pub start: Option<S<String>>,
    #[serde(default)]
    pub network: Option<NetworkSpec>,
    #[serde(default)]
    pub ledger: Option<LedgerSpec>,
    #[serde(deserialize_with = "list")]
    #[schemars(with = "List<ClusterSpec>")]
    pub clusters: Vec<ClusterSpec>,
    #[serde(default, deserialize_with = "pairs")]
    #[schemars(with = "Option<BTreeMap<String, Option<OrgSpec>>>")]
    pub orgs: Vec<(S<String>, Option<OrgSpec>)>,
    #[serde(default, deserialize_with = "list")]
    #[schemars(with = "List<UserSpec>")]
    pub users: Vec<UserSpec>,
    #[serde(default, deserialize_with = "list")]
    #[schemars(with = "List<AssetSpec>")]
    pub assets: Vec<AssetSpec>,
    #[serde(deserialize_with = "list")]
    #[schemars(with = "List<S<StepSpec>>")]
    pub flow: Vec<S<StepSpec>>,
    #[serde(default, deserialize_with = "list")]
    #[schemars(with = "List<S<ExpectSpec>>")]
    pub expect: Vec<S<ExpectSpec>>,
    #[serde(default)]
    pub faults: Option<FaultsSpec>,
    #[serde(default)]
    pub protocol: Option<ProtocolSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    #[serde(default)]
    pub latency: Option<S<LatencySpec>>,
    #[serde(default, deserialize_with = "list")]
    #[schemars(with = "List<LinkSpec>")]
    pub links: Vec<LinkSpec>,
}

one_key_enum! {
    /// A latency model: one key naming the model.
    #[derive(Clone, Debug)]
    pub enum LatencySpec {
    Constant(ConstantSpec) = "constant",
    Uniform(UniformSpec) = "uniform",
    Normal(NormalSpec) = "normal",
    }
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConstantSpec {
    pub ms: Real,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UniformSpec {
    pub min_ms: Real,
    pub max_ms: Real,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NormalSpec {
    pub mean_ms: Real,
    pub stddev_ms: Real,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub between: S<Vec<S<String>>>,
    pub latency: S<LatencySpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerSpec {
    #[serde(default)]
    pub block_ms: Option<S<Whole>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    pub id: S<String>,
    #[serde(deserialize_with = "list")]
    #[schemars(with = "List<S<String>>")]
    pub orgs: Vec<S<String>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgSpec {
    #[serde(default)]
    pub regulation: Option<RegulationSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegulationSpec {
    #[serde(default)]
    pub allowed_countries: Option<Vec<S<String>>>,
    #[serde(default)]
    pub denied_countries: Option<Vec<S<String>>>,
    #[serde(default)]
    pub max_quantity: Option<Whole>,
    #[serde(default)]
    pub travel_rule: Option<S<TravelRuleSpec>>,
}

/// `travel_rule: { threshold: N, required: [name, country, date_of_birth, place_of_birth] }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TravelRuleSpec {
    pub threshold: Whole,
    #[serde(deserialize_with = "list")]
    #[schemars(with = "List<S<String>>")]
    pub required: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub id: S<String>,
    pub org: S<String>,
    #[serde(default)]
    pub ivms101: Option<IvmsSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IvmsSpec {
    pub name: S<String>,
    pub country: S<String>,
    #[serde(default)]
    pub date_of_birth: Option<S<String>>,
    #[serde(default)]
    pub place_of_birth: Option<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetSpec {
    pub id: S<String>,
    pub org: S<String>,
    #[serde(default, deserialize_with = "list")]
    #[schemars(with = "List<S<String>>")]
    pub shared_with: Vec<S<String>>,
    #[serde(default)]
    pub data: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "pairs")]
    #[schemars(with = "Option<BTreeMap<String, Whole>>")]
    pub balances: Vec<(S<String>, Whole)>,
}

/// The file's steps and expectations, with those of every operation in the registry
/// (`scenario::operation`): a step that moves tokens is `StepSpec::Moves`, its expectation
/// `ExpectSpec::Moves`.
macro_rules! steps_and_expectations {
    ($($(#[$doc:meta])* $variant:ident($step:ty, $spec:ty, $operation:expr) = $word:literal,)+) => {
        one_key_enum! {
            /// A flow step: one key naming the kind, its fields as the value.
            #[derive(Debug)]
            pub enum StepSpec {
            Advertise(AdvertiseStep) = "advertise",
            Get(GetStep) = "get",
            Verify(VerifyStep) = "verify",
            VerifyProof(VerifyProofStep) = "verify_proof",
            Balance(BalanceStep) = "balance",
            Workload(WorkloadStep) = "workload",
            Plan(PlanStep) = "plan",
            }
            and Moves(MovingSpec) { $($variant($spec) = $word,)+ }
        }

        one_key_enum! {
            /// An expectation: one key naming the kind, its fields as the value.
            #[derive(Debug)]
            pub enum ExpectSpec {
            Get(GetExpect) = "get",
            Proof(ProofExpect) = "proof",
            Verify(VerifyExpect) = "verify",
            Balance(BalanceExpect) = "balance",
            Suspect(SuspectExpect) = "suspect",
            PersonalData(PersonalDataExpect) = "personal_data",
            Invariant(InvariantExpect) = "invariant",
            Plan(PlanExpect) = "plan",
            }
            and Moves(MovingExpect) { $($variant(TransferExpect) = $word,)+ }
        }
    };
}

operations!(steps_and_expectations);

/// An execution plan: its coordinator runs its instructions in order, all or nothing
/// (`docs/plans.md`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    pub id: S<Whole>,
    pub org: S<String>,
    #[serde(default)]
    pub timeout_ms: Option<S<Whole>>,
    pub instructions: Vec<S<InstructionSpec>>,
    #[serde(default)]
    pub at_ms: Option<S<Whole>>,
}

one_key_enum! {
    /// One instruction of a plan: one key naming the kind, its fields as the value.
    #[derive(Debug)]
    pub enum InstructionSpec {
    Hold(HoldSpec) = "hold",
    Release(ReleaseSpec) = "release",
    Transfer(PlanTransferSpec) = "transfer",
    Issue(PlanIssueSpec) = "issue",
    Redeem(PlanRedeemSpec) = "redeem",
    Await(AwaitSpec) = "await",
    }
}

/// `from`'s available tokens held by the plan.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldSpec {
    pub asset: S<String>,
    pub from: S<String>,
    pub quantity: S<Whole>,
}

/// The tokens of hold `hold` (an earlier instruction's number) paid to `to`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSpec {
    pub hold: S<Whole>,
    pub to: S<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanTransferSpec {
    pub asset: S<String>,
    pub from: S<String>,
    pub to: S<String>,
    pub quantity: S<Whole>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanIssueSpec {
    pub asset: S<String>,
    pub to: S<String>,
    pub quantity: S<Whole>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRedeemSpec {
    pub asset: S<String>,
    pub from: S<String>,
    pub quantity: S<Whole>,
}

/// The next instruction starts no earlier than `ms` after this one is reached.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwaitSpec {
    pub ms: S<Whole>,
}

/// Many transfers in one step: transfer k (from 0) is bought by `buyers[k % buyers]`, of
/// `assets[k % assets]`, with request id `first_request_id + k`, started at
/// `start_ms + k * every_ms`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadStep {
    pub transfers: S<Whole>,
    pub first_request_id: S<Whole>,
    pub buyers: Vec<S<String>>,
    pub assets: Vec<WorkloadAsset>,
    #[serde(default)]
    pub quantity: Option<S<Whole>>,
    pub every_ms: S<Whole>,
    #[serde(default)]
    pub start_ms: Option<S<Whole>>,
}

/// An asset a workload buys, and the account of its org the tokens come from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadAsset {
    pub asset: S<String>,
    pub from: S<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvertiseStep {
    pub org: S<String>,
    pub asset: S<String>,
    pub to: Vec<S<String>>,
    #[serde(default)]
    pub at_ms: Option<S<Whole>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetStep {
    pub org: S<String>,
    pub resource: S<String>,
    pub accept: S<String>,
    #[serde(default)]
    pub at_ms: Option<S<Whole>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyStep {
    pub org: S<String>,
    pub cluster: S<String>,
    pub resource: S<String>,
    #[serde(default)]
    pub at_ms: Option<S<Whole>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyProofStep {
    pub org: S<String>,
    pub cluster: S<String>,
    pub request_id: S<Whole>,
    #[serde(default)]
    pub at_ms: Option<S<Whole>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BalanceStep {
    pub org: S<String>,
    pub cluster: S<String>,
    pub account: S<String>,
    pub asset: S<String>,
    #[serde(default)]
    pub at_ms: Option<S<Whole>>,
}

/// A plan's final status, as its coordinator knows it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanExpect {
    pub id: S<Whole>,
    pub status: PlanStatusWord,
    #[serde(default)]
    pub reason: Option<ReasonWord>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatusWord {
    Completed,
    Rejected,
    Reverted,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GetStatusWord {
    Ok,
    Denied,
    NotFound,
    Timeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatusWord {
    Settled,
    Rejected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonWord {
    Regulation,
    Signature,
    Permission,
    Balance,
    Timeout,
    Replay,
}

/// The built-in invariants, in the order they are checked and reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum InvariantName {
    Conservation,
    ExactlyOnce,
    ValidProofs,
    Agreement,
    Authenticity,
    Liveness,
    Privacy,
    HonestAnswers,
    HoldsReleased,
    Atomicity,
    Consent,
}

impl InvariantName {
    /// Every built-in invariant, in the contract's order.
    pub const ALL: [InvariantName; 11] = [
        InvariantName::Conservation,
        InvariantName::ExactlyOnce,
        InvariantName::ValidProofs,
        InvariantName::Agreement,
        InvariantName::Authenticity,
        InvariantName::Liveness,
        InvariantName::Privacy,
        InvariantName::HonestAnswers,
        InvariantName::HoldsReleased,
        InvariantName::Atomicity,
        InvariantName::Consent,
    ];

    /// The name it is reported under.
    pub fn word(self) -> &'static str {
        match self {
            InvariantName::Conservation => "conservation",
            InvariantName::ExactlyOnce => "exactly_once",
            InvariantName::ValidProofs => "valid_proofs",
            InvariantName::Agreement => "agreement",
            InvariantName::Authenticity => "authenticity",
            InvariantName::Liveness => "liveness",
            InvariantName::Privacy => "privacy",
            InvariantName::HonestAnswers => "honest_answers",
            InvariantName::HoldsReleased => "holds_released",
            InvariantName::Atomicity => "atomicity",
            InvariantName::Consent => "consent",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetExpect {
    pub org: S<String>,
    pub resource: S<String>,
    pub status: GetStatusWord,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferExpect {
    pub request_id: S<Whole>,
    pub status: TransferStatusWord,
    #[serde(default)]
    pub reason: Option<ReasonWord>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofExpect {
    pub request_id: S<Whole>,
    pub valid: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyExpect {
    pub resource: S<String>,
    pub agreed: bool,
    #[serde(default)]
    pub org: Option<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BalanceExpect {
    pub account: S<String>,
    pub asset: S<String>,
    pub equals: Whole,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspectExpect {
    pub org: S<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataExpect {
    pub user: S<String>,
    pub seen_by: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvariantExpect {
    pub name: S<String>,
    pub holds: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultsSpec {
    #[serde(default)]
    pub drop: Option<S<Real>>,
    #[serde(default)]
    pub duplicate: Option<S<Real>>,
    #[serde(default)]
    pub corrupt: Option<S<Real>>,
    #[serde(default, deserialize_with = "list")]
    #[schemars(with = "List<S<PartitionSpec>>")]
    pub partitions: Vec<S<PartitionSpec>>,
    #[serde(default, deserialize_with = "list")]
    #[schemars(with = "List<S<CrashSpec>>")]
    pub crashes: Vec<S<CrashSpec>>,
    #[serde(default, deserialize_with = "list")]
    #[schemars(with = "List<ByzantineSpec>")]
    pub byzantine: Vec<ByzantineSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    #[serde(default)]
    pub from_ms: Option<S<Whole>>,
    #[serde(default)]
    pub until_ms: Option<S<Whole>>,
    #[serde(default)]
    pub groups: Option<Vec<Vec<S<String>>>>,
    /// Pairs of sides: only transmissions between the two sides of a pair are lost.
    #[serde(default)]
    pub cut: Option<Vec<S<Vec<S<String>>>>>,
    /// The event it starts on, instead of `from_ms`.
    #[serde(default)]
    pub on: Option<S<OnSpec>>,
    /// With `on`: how long it lasts.
    #[serde(default)]
    pub for_ms: Option<S<Whole>>,
}

one_key_enum! {
    /// An event a fault starts on: one key naming the kind.
    #[derive(Debug)]
    pub enum OnSpec {
    Settled(S<Whole>) = "settled",
    Instruction(InstructionOn) = "instruction",
    }
}

/// A plan's instruction, for `on: { instruction: { plan, n } }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructionOn {
    pub plan: S<Whole>,
    pub n: S<Whole>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrashSpec {
    pub org: S<String>,
    #[serde(default)]
    pub at_ms: Option<S<Whole>>,
    #[serde(default)]
    pub restart_ms: Option<S<Whole>>,
    /// The event it starts on, instead of `at_ms`.
    #[serde(default)]
    pub on: Option<S<OnSpec>>,
    /// With `on`: how long after it goes down it restarts (omitted: it stays down).
    #[serde(default)]
    pub restart_after_ms: Option<S<Whole>>,
}

/// How a byzantine org misbehaves: a built-in word, or `{custom: NAME}`, a misbehaviour
/// registered under that name through the library (`docs/library.md`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    WrongBalance,
    WrongHash,
    ForgeSignature,
    Silent,
    Replay,
    Resubmit,
    WithholdRelease,
    SkipConsent,
    Custom(String),
}

impl Behaviour {
    /// The scenario's word for a built-in behaviour; `None` for a custom one.
    pub fn word(&self) -> Option<&'static str> {
        Some(match self {
            Behaviour::WrongBalance => "wrong_balance",
            Behaviour::WrongHash => "wrong_hash",
            Behaviour::ForgeSignature => "forge_signature",
            Behaviour::Silent => "silent",
            Behaviour::Replay => "replay",
            Behaviour::Resubmit => "resubmit",
            Behaviour::WithholdRelease => "withhold_release",
            Behaviour::SkipConsent => "skip_consent",
            Behaviour::Custom(_) => return None,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ByzantineSpec {
    pub org: S<String>,
    pub behaviour: S<Behaviour>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtocolSpec {
    #[serde(default)]
    pub timeout_ms: Option<S<Whole>>,
    #[serde(default)]
    pub retries: Option<S<Whole>>,
    #[serde(default)]
    pub quorum: Option<QuorumWord>,
    #[serde(default)]
    pub liveness_ms: Option<S<Whole>>,
    #[serde(default)]
    pub status_query: Option<bool>,
    #[serde(default)]
    pub regulation_order: Option<RegulationOrder>,
    #[serde(default)]
    pub settlement: Option<SettlementMode>,
    #[serde(default)]
    pub plan_timeout_ms: Option<S<Whole>>,
    #[serde(default)]
    pub disclosure: Option<Disclosure>,
}
