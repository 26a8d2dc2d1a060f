//! Why a transfer ended as it did, as data: the asset's org sends it with the final status
//! (reference flow, step 14), the buyer's org records it, and the readable report writes the sentence
//! (`sentences`). Rewording a sentence changes no message and no digest.

use crate::protocol::ids::{ClusterId, OrgId, ResourceId};
use serde::{Deserialize, Serialize};

/// What decided a transfer's final status.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Settled in a block of the asset's cluster.
    Settled {
        /// The cluster.
        cluster: ClusterId,
        /// The block's height.
        height: u64,
    },
    /// Settled, as a quorum of the asset's cluster answered a status query (variant `status_query`).
    SettledByQuorum {
        /// The cluster.
        cluster: ClusterId,
        /// The block's height.
        height: u64,
    },
    /// The asset's org did not answer the transfer within its retries.
    NoAnswer {
        /// The asset's org.
        org: OrgId,
        /// The retries spent.
        retries: u32,
    },
    /// The user's finid is not the one the directory holds for the user.
    WrongFinid {
        /// The user.
        user: ResourceId,
    },
    /// The user's signature is not 64 bytes.
    SignatureLength,
    /// The user's signature does not match the transfer's template hash.
    SignatureMismatch,
    /// The same signed transfer was accepted under an earlier request id.
    AlreadyAccepted {
        /// That request id.
        first: u64,
    },
    /// The org asked does not manage the asset.
    NotManaged {
        /// The org asked.
        org: OrgId,
        /// The asset.
        asset: ResourceId,
    },
    /// The destination is not an account of the asset's org.
    NotAnAccount {
        /// The account named.
        account: ResourceId,
        /// The asset's org.
        org: OrgId,
    },
    /// The buyer is not a user of the org that sent the transfer.
    NotAUser {
        /// The user named.
        user: ResourceId,
        /// The org that sent it.
        org: OrgId,
    },
    /// The asset is not shared with the buyer's org.
    NotShared {
        /// The asset.
        asset: ResourceId,
        /// The buyer's org.
        org: OrgId,
    },
    /// The buyer's org refused its user's IVMS-101 data: it had stopped waiting.
    BuyerGaveUp {
        /// The buyer's org.
        org: OrgId,
    },
    /// The buyer's IVMS-101 data could not be fetched (no answer within the retries).
    DataTimeout,
    /// A regulation rule failed (the first that did).
    RuleFailed(RuleCheck),
    /// The ledger (or, under escrow, its hold) found too little in the source account.
    Insufficient {
        /// The source account.
        account: ResourceId,
        /// The quantity asked.
        quantity: u64,
        /// The asset.
        asset: ResourceId,
        /// Whether it was the hold that was refused (variant `settlement: escrow`).
        hold: bool,
    },
}

/// A regulation rule (reference flow, step 12, or before the IVMS-101 get under `rules_first`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleName {
    /// The buyer's org sent a valid IVMS-101 document.
    Ivms101Present,
    /// The document's beneficiary is the receiver (its customer identification is the receiver's
    /// account).
    ReceiverMatches,
    /// The receiver's country of residence is allowed.
    AllowedCountries,
    /// The transfer's quantity is within the org's limit.
    MaxQuantity,
    /// The receiver's country of residence is not denied.
    DeniedCountries,
    /// From the threshold on, the receiver's document carries every required field.
    TravelRule,
}

impl RuleName {
    /// The word the trace and the report use.
    pub fn word(self) -> &'static str {
        match self {
            Self::Ivms101Present => "ivms101_present",
            Self::ReceiverMatches => "receiver_matches",
            Self::AllowedCountries => "allowed_countries",
            Self::MaxQuantity => "max_quantity",
            Self::DeniedCountries => "denied_countries",
            Self::TravelRule => "travel_rule",
        }
    }
}

/// What a rule expected.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// A valid IVMS101.2023 document.
    Document,
    /// Exactly this value.
    Equals(String),
    /// One of these values.
    OneOf(Vec<String>),
    /// At most this quantity.
    AtMost(u64),
    /// None of these values.
    NoneOf(Vec<String>),
    /// For a quantity of `threshold` or more, each of these IVMS-101 fields.
    Carries {
        /// The smallest quantity it applies to.
        threshold: u64,
        /// The fields.
        fields: Vec<String>,
    },
}

/// One rule applied to one value: the inputs, the rule and the limit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RuleCheck {
    /// The rule.
    pub rule: RuleName,
    /// The field read (an IVMS-101 path, or `quantity`).
    pub field: String,
    /// The value read (`present`/`missing` for the document itself).
    pub value: String,
    /// What the rule expected.
    pub limit: Limit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_reads_as_the_word_the_trace_writes() {
        for rule in [
            RuleName::Ivms101Present,
            RuleName::ReceiverMatches,
            RuleName::AllowedCountries,
            RuleName::MaxQuantity,
            RuleName::DeniedCountries,
            RuleName::TravelRule,
        ] {
            assert_eq!(serde_json::to_value(rule).unwrap(), rule.word(), "{rule:?}");
        }
    }

    #[test]
    fn a_cause_crosses_the_wire_unchanged() {
        let causes = [
            Cause::Settled { cluster: ClusterId::from("cluster_A"), height: 3 },
            Cause::DataTimeout,
            Cause::RuleFailed(RuleCheck {
                rule: RuleName::MaxQuantity,
                field: "quantity".into(),
                value: "5".into(),
                limit: Limit::AtMost(4),
            }),
        ];
        for cause in causes {
            let bytes = postcard::to_allocvec(&cause).unwrap();
            assert_eq!(postcard::from_bytes::<Cause>(&bytes).unwrap(), cause);
        }
    }
}
