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
    /// Which IVMS-101 fields a user's org gives.
    pub disclosure: Disclosure,
}

/// Which IVMS-101 fields a user's org gives an org that asks for its user's data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Every field it holds (the reference flow).
    #[default]
    Seed,
    /// Only the fields the asker's rules read, with the name and customer identification a valid
    /// document needs; an org without rules asks for none.
    Minimal,
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
            disclosure: Disclosure::Seed,
        }
    }
}

/// An org's regulation rules for the assets it manages. The receiver is the account tokens move
/// to: a transfer's buyer, an issue's or a plan instruction's `to`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Regulation {
    /// The receiver's country must be one of these.
    pub allowed_countries: Option<BTreeSet<String>>,
    /// The receiver's country must not be one of these.
    pub denied_countries: Option<BTreeSet<String>>,
    /// At most this many tokens per transfer.
    pub max_quantity: Option<u64>,
    /// From a quantity on, the receiver's document must carry these fields.
    pub travel_rule: Option<TravelRule>,
}

/// The Travel Rule: for a quantity of `threshold` or more, the receiver's IVMS-101 document must
/// carry each `required` field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TravelRule {
    /// The smallest quantity the rule applies to.
    pub threshold: u64,
    /// The fields the document must carry.
    pub required: BTreeSet<TravelField>,
}

/// A field the Travel Rule may require, in the scenario's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TravelField {
    /// The person's name.
    Name,
    /// The country of residence.
    Country,
    /// The date of birth.
    DateOfBirth,
    /// The place of birth.
    PlaceOfBirth,
}

impl TravelField {
    /// Every field, in the scenario's order.
    pub const ALL: [TravelField; 4] =
        [TravelField::Name, TravelField::Country, TravelField::DateOfBirth, TravelField::PlaceOfBirth];

    /// The scenario's word.
    pub fn word(self) -> &'static str {
        match self {
            TravelField::Name => "name",
            TravelField::Country => "country",
            TravelField::DateOfBirth => "date_of_birth",
            TravelField::PlaceOfBirth => "place_of_birth",
        }
    }

    /// The IVMS-101 field that carries it (a date and a place of birth travel together, as
    /// `dateAndPlaceOfBirth`).
    pub fn ivms_field(self) -> &'static str {
        match self {
            TravelField::Name => "name",
            TravelField::Country => "countryOfResidence",
            TravelField::DateOfBirth | TravelField::PlaceOfBirth => "dateAndPlaceOfBirth",
        }
    }
}

impl Regulation {
    /// Each IVMS-101 field a rule reads, with the rule's key, in rule order: what a document must
    /// carry for the rules, and what the register calls needed.
    pub fn reads(&self) -> Vec<(&'static str, &'static str)> {
        // Every document is checked to be about the receiver, whatever the rules.
        let mut reads = vec![("receiver_matches", "customerIdentification")];
        if self.allowed_countries.is_some() {
            reads.push(("allowed_countries", "countryOfResidence"));
        }
        if self.denied_countries.is_some() {
            reads.push(("denied_countries", "countryOfResidence"));
        }
        if let Some(travel) = &self.travel_rule {
            for field in &travel.required {
                if !reads.contains(&("travel_rule", field.ivms_field())) {
                    reads.push(("travel_rule", field.ivms_field()));
                }
            }
        }
        reads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_a_rule_reads_is_named_once_per_rule_in_rule_order() {
        let words = |list: &[&str]| list.iter().map(|w| w.to_string()).collect::<BTreeSet<_>>();
        let regulation = Regulation {
            allowed_countries: Some(words(&["GB"])),
            denied_countries: Some(words(&["FR"])),
            max_quantity: Some(5),
            travel_rule: Some(TravelRule {
                threshold: 10,
                required: [TravelField::Name, TravelField::DateOfBirth, TravelField::PlaceOfBirth].into(),
            }),
        };
        assert_eq!(
            regulation.reads(),
            [
                ("receiver_matches", "customerIdentification"),
                ("allowed_countries", "countryOfResidence"),
                ("denied_countries", "countryOfResidence"),
                ("travel_rule", "name"),
                ("travel_rule", "dateAndPlaceOfBirth"),
            ],
            "a date and a place of birth are one element; max_quantity reads no personal data"
        );
        let quantity_only = Regulation { max_quantity: Some(5), ..Regulation::default() };
        assert_eq!(quantity_only.reads(), [("receiver_matches", "customerIdentification")]);
        let words: Vec<&str> = TravelField::ALL.iter().map(|f| f.word()).collect();
        assert_eq!(words, ["name", "country", "date_of_birth", "place_of_birth"]);
    }
}
