//! The protocol's configuration, as the actors see it: settings, variants, an org's
//! regulation rules. The scenario file's `protocol:` block and `orgs.*.regulation` are read
//! into these; nothing here knows about files.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
/// How many of a cluster's orgs must give the same valid answer.
pub enum Quorum {
    /// The first valid answer.
    Any,
    /// More than half of the cluster's orgs.
    Majority,
    /// Every org of the cluster.
    All,
}

/// When the asset's org checks its own rules: in the reference flow's order (after the IVMS-101 get), or first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegulationOrder {
    /// Permission, then the IVMS-101 get, then every regulation rule (the reference flow's order).
    #[default]
    Seed,
    /// Permission and `max_quantity` before the IVMS-101 get: a transfer they reject moves no personal data.
    RulesFirst,
}

/// How the asset's org settles a transfer on its ledger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettlementMode {
    /// One ledger transaction moves the tokens when the checks pass (the seed).
    #[default]
    Direct,
    /// The quantity is held on the seller's account first; the hold becomes the buyer's on
    /// settlement and returns to the seller on rejection or timeout.
    Escrow,
}

/// The protocol's settings: timeouts, retries, the quorum, the liveness bound, the variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolConfig {
    /// Wait this long for an answer, then re-send.
    pub timeout_us: u64,
    /// Re-sends after the first try.
    pub retries: u32,
    /// How many of a cluster's orgs must agree.
    pub quorum: Quorum,
    /// Every transfer must be final within this after its deadline base.
    pub liveness_us: u64,
    /// A buyer's org whose wait for the settlement times out asks the asset's cluster for the
    /// transaction's status.
    pub status_query: bool,
    /// When the asset's org checks permission and `max_quantity`.
    pub regulation_order: RegulationOrder,
    /// Direct settlement, or a hold first.
    pub settlement: SettlementMode,
    /// A plan's timeout when its step gives none, in milliseconds.
    pub plan_timeout_ms: u64,
    /// The real-world moment of virtual time 0 (the scenario's `start`).
    pub clock: super::clock::Clock,
}

impl Default for ProtocolConfig {
    fn default() -> Self {
        Self {
            timeout_us: 1_000_000,
            retries: 3,
            quorum: Quorum::Majority,
            liveness_us: 30_000_000,
            status_query: false,
            regulation_order: RegulationOrder::Seed,
            settlement: SettlementMode::Direct,
            plan_timeout_ms: 10_000,
            clock: super::clock::Clock::default(),
        }
    }
}

/// An org's regulation rules for the assets it manages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Regulation {
    /// The buyer's country must be one of these.
    pub allowed_countries: Option<BTreeSet<String>>,
    /// At most this many tokens per transfer.
    pub max_quantity: Option<u64>,
}
