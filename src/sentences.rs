//! The sentences: how each typed reason, finding and step reads in the account and in the
//! checks' details. The only place that words them; the trace carries the data.

use crate::actors::note::{Act, Change, Finding, SuspectReason, Tally};
use crate::actors::organization::exchange::ExchangeKind;
use crate::actors::outbox::Command;
use crate::protocol::cause::{Cause, Limit, RuleCheck, RuleName};
use crate::protocol::ids::ActorId;
use crate::protocol::operation::{match_operation, Step};
use std::fmt;

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Settled { cluster, height } => write!(f, "settled on {cluster} at height {height}"),
            Cause::SettledByQuorum { cluster, height } => {
                write!(f, "settled on {cluster} at height {height}, as a quorum of {cluster} answered")
            }
            Cause::NoAnswer { org, retries } => write!(f, "no answer from {org} after {retries} retries"),
            Cause::WrongFinid { user } => write!(f, "the finid given is not the finid of {user}"),
            Cause::SignatureLength => f.write_str("the signature is not 64 bytes"),
            Cause::SignatureMismatch => f.write_str("the user's signature does not match the transfer's template hash"),
            Cause::AlreadyAccepted { first } => write!(f, "the same signed transfer was accepted as request {first}"),
            Cause::NotManaged { org, asset } => write!(f, "{org} does not manage {asset}"),
            Cause::NotAnAccount { account, org } => write!(f, "{account} is not an account of {org}"),
            Cause::NotAUser { user, org } => write!(f, "{user} is not a user of {org}"),
            Cause::NotShared { asset, org } => write!(f, "{asset} is not shared with {org}"),
            Cause::BuyerGaveUp { org } => {
                write!(f, "{org} refused the buyer's IVMS-101 data (denied): it is no longer waiting for this transfer")
            }
            Cause::DataTimeout => f.write_str("the buyer's IVMS-101 data could not be fetched (timeout)"),
            Cause::RuleFailed(check) => write!(f, "{check}"),
            Cause::Insufficient { account, quantity, asset, hold: true } => {
                write!(f, "{account} has less than {quantity} of {asset} available to hold")
            }
            Cause::Insufficient { account, quantity, asset, hold: false } => {
                write!(f, "{account} holds less than {quantity} of {asset}")
            }
        }
    }
}

impl fmt::Display for RuleCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} is {}, expected {}", self.rule.word(), self.field, self.value, self.limit)
    }
}

/// What a rule requires, in words, with its limit: the regulation as a reader who does not
/// program reads it.
pub fn requirement(check: &RuleCheck) -> String {
    match (&check.rule, &check.limit) {
        (RuleName::Ivms101Present, _) => "the receiver's org must send a valid IVMS101.2023 document".to_owned(),
        (RuleName::ReceiverMatches, _) => {
            "the document must be about the receiver (its customer identification is the receiver's account)".to_owned()
        }
        (RuleName::AllowedCountries, limit) => format!("the receiver must reside in {limit}"),
        (RuleName::DeniedCountries, limit) => format!("the receiver must not reside in any of {}", list(limit)),
        (RuleName::MaxQuantity, limit) => format!("an operation may move {limit} tokens"),
        (RuleName::TravelRule, Limit::Carries { threshold, fields }) => format!(
            "from {threshold} tokens on, the receiver's IVMS-101 document must carry each of [{}] (the Travel Rule)",
            fields.join(", ")
        ),
        (RuleName::TravelRule, limit) => format!("the receiver's IVMS-101 document must carry {limit}"),
    }
}

/// A limit's list of values, without the words `Display` puts before it.
fn list(limit: &Limit) -> String {
    match limit {
        Limit::OneOf(values) | Limit::NoneOf(values) => format!("[{}]", values.join(", ")),
        other => other.to_string(),
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Document => f.write_str("a valid IVMS101.2023 document"),
            Limit::Equals(value) => f.write_str(value),
            Limit::OneOf(values) => write!(f, "one of [{}]", values.join(", ")),
            Limit::AtMost(max) => write!(f, "at most {max}"),
            Limit::NoneOf(values) => write!(f, "none of [{}]", values.join(", ")),
            Limit::Carries { threshold, fields } => {
                write!(f, "each of [{}] for a quantity of {threshold} or more", fields.join(", "))
            }
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Tally { reached, agreeing, valid, members, quorum } = self;
        if *reached {
            write!(f, "{agreeing} of {members} answered alike (quorum {quorum})")
        } else {
            write!(f, "no quorum: {valid} valid answers of {members}, quorum {quorum}")
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::NotGot => f.write_str("the org has not got the data it would verify"),
            Finding::NoProof => f.write_str("the org holds no proof for the transfer"),
            Finding::NoReplay => f.write_str("the proof's operations do not replay"),
            Finding::AnchoredElsewhere { cluster } => write!(f, "the proof is anchored on {cluster}"),
            Finding::NoHash => f.write_str("the ledger holds no hash of the resource"),
            Finding::HashDiffers => f.write_str("the ledger's hash differs from the data got"),
            Finding::RootDiffers { height } => {
                write!(f, "the cluster's root at height {height} differs from the proof's")
            }
            Finding::Answered(status) => write!(f, "answered {}", status.word()),
            Finding::OtherTransaction => f.write_str("the transaction answered is not this transfer's"),
            Finding::PathDiffers => f.write_str("the Merkle path does not lead to the block root"),
        }
    }
}

/// A step result's detail: its tally, then what it found.
pub fn result(tally: Option<&Tally>, finding: Option<&Finding>) -> String {
    match (tally, finding) {
        (Some(tally), Some(finding)) => format!("{tally}: {finding}"),
        (Some(tally), None) => tally.to_string(),
        (None, Some(finding)) => finding.to_string(),
        (None, None) => String::new(),
    }
}

impl fmt::Display for SuspectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SuspectReason::Differs => "its signed answer differs from the quorum's",
            SuspectReason::NoValidSignature => "none of its answers carried a valid signature",
            SuspectReason::Stalled => "it kept a plan's instruction pending through every retry",
        })
    }
}

impl fmt::Display for Act {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Act::Lied { told, truth } => write!(f, "answered {told} instead of {truth}"),
            Act::WrongHash => f.write_str("answered with a wrong hash"),
            Act::WrongRoot => f.write_str("answered with a wrong root"),
            Act::Withheld => f.write_str("withheld it"),
            Act::Forged => f.write_str("signed it with a key not its own"),
            Act::Resent { original } => write!(f, "sent transfer #{original} again under this request id"),
            Act::Altered => f.write_str("altered it"),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Change::Advertisement => "recorded an advertisement",
            Change::ResourceData => "stored resource data",
            Change::TransferAccepted => "accepted a transfer",
            Change::Accepted(operation) => return write!(f, "accepted a {operation}"),
            Change::FinalStatus => "recorded a transfer's final status",
            Change::TxQueued => "queued a transaction",
            Change::HoldQueued => "queued a hold",
            Change::ReleaseQueued => "queued a release",
        })
    }
}

impl fmt::Display for ExchangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A flow step in words: what `actor` was asked to do under `request_id`.
pub fn step(actor: &ActorId, request_id: u64, command: &Command) -> String {
    let names =
        |ids: &[crate::protocol::ids::OrgId]| ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    match_operation!(Command; command, command => command.says(request_id, actor), {
        Command::Advertise { asset, to } => format!("advertise: {actor} advertises {asset} to {}", names(to)),
        Command::Get { resource, accept } => format!("get: {actor} gets {resource} as {accept}"),
        Command::Verify { cluster, resource } => format!("verify: {actor} verifies {resource} with {cluster}"),
        Command::Buy { asset, quantity, seller } => {
            let user = match actor {
                ActorId::User(user) => user.to_string(),
                other => other.to_string(),
            };
            format!("transfer {request_id}: {user} buys {quantity} of {asset} from {seller}")
        }
        Command::VerifyProof { cluster, transfer_request_id } => {
            format!("verify_proof: {actor} verifies the proof of transfer {transfer_request_id} with {cluster}")
        }
        Command::Balance { cluster, account, asset } => {
            format!("balance: {actor} asks {cluster} for the balance of {account} in {asset}")
        }
        Command::Plan { plan } => {
            let words: Vec<&str> = plan.instructions.iter().map(|i| i.word()).collect();
            format!("plan {}: {actor} coordinates {}", plan.id, words.join(", "))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::cause::RuleName;
    use crate::protocol::ids::{ClusterId, OrgId, ResourceId};
    use crate::protocol::status::Status;

    fn id(text: &str) -> ResourceId {
        ResourceId::parse(text).unwrap()
    }

    #[test]
    fn every_cause_reads_as_its_own_sentence() {
        let (org, cluster, asset, user) =
            (OrgId::from("org_2"), ClusterId::from("cluster_B"), id("org_2:101:asset_1"), id("org_1:100:user_1"));
        let short =
            |hold| Cause::Insufficient { account: id("org_2:100:treasury"), quantity: 100, asset: asset.clone(), hold };
        let rule = RuleCheck {
            rule: RuleName::AllowedCountries,
            field: "countryOfResidence".into(),
            value: "FR".into(),
            limit: Limit::OneOf(vec!["GB".into(), "DE".into()]),
        };
        let cases = [
            (Cause::Settled { cluster: cluster.clone(), height: 3 }, "settled on cluster_B at height 3"),
            (
                Cause::SettledByQuorum { cluster: cluster.clone(), height: 3 },
                "settled on cluster_B at height 3, as a quorum of cluster_B answered",
            ),
            (Cause::NoAnswer { org: org.clone(), retries: 2 }, "no answer from org_2 after 2 retries"),
            (Cause::WrongFinid { user: user.clone() }, "the finid given is not the finid of org_1:100:user_1"),
            (Cause::SignatureLength, "the signature is not 64 bytes"),
            (Cause::SignatureMismatch, "the user's signature does not match the transfer's template hash"),
            (Cause::AlreadyAccepted { first: 7 }, "the same signed transfer was accepted as request 7"),
            (Cause::NotManaged { org: org.clone(), asset: asset.clone() }, "org_2 does not manage org_2:101:asset_1"),
            (
                Cause::NotAnAccount { account: user.clone(), org: org.clone() },
                "org_1:100:user_1 is not an account of org_2",
            ),
            (
                Cause::NotAUser { user: user.clone(), org: OrgId::from("org_4") },
                "org_1:100:user_1 is not a user of org_4",
            ),
            (Cause::NotShared { asset: asset.clone(), org: org.clone() }, "org_2:101:asset_1 is not shared with org_2"),
            (
                Cause::BuyerGaveUp { org: OrgId::from("org_1") },
                "org_1 refused the buyer's IVMS-101 data (denied): it is no longer waiting for this transfer",
            ),
            (Cause::DataTimeout, "the buyer's IVMS-101 data could not be fetched (timeout)"),
            (Cause::RuleFailed(rule), "allowed_countries: countryOfResidence is FR, expected one of [GB, DE]"),
            (short(true), "org_2:100:treasury has less than 100 of org_2:101:asset_1 available to hold"),
            (short(false), "org_2:100:treasury holds less than 100 of org_2:101:asset_1"),
        ];
        for (cause, sentence) in cases {
            assert_eq!(cause.to_string(), sentence, "{cause:?}");
        }
        for (limit, words) in [
            (Limit::Document, "a valid IVMS101.2023 document"),
            (Limit::Equals("org_1:100:user_1".into()), "org_1:100:user_1"),
            (Limit::AtMost(5), "at most 5"),
        ] {
            assert_eq!(limit.to_string(), words);
        }
    }

    #[test]
    fn a_result_reads_as_its_tally_then_what_it_found() {
        let reached = Tally { reached: true, agreeing: 2, valid: 3, members: 3, quorum: 2 };
        let missed = Tally { reached: false, agreeing: 0, valid: 1, members: 3, quorum: 2 };
        assert_eq!(result(Some(&reached), None), "2 of 3 answered alike (quorum 2)");
        assert_eq!(result(Some(&missed), None), "no quorum: 1 valid answers of 3, quorum 2");
        assert_eq!(
            result(Some(&reached), Some(&Finding::Answered(Status::NotFound))),
            "2 of 3 answered alike (quorum 2): answered not_found"
        );
        assert_eq!(result(None, Some(&Finding::NoProof)), "the org holds no proof for the transfer");
        assert_eq!(result(None, None), "");
        let findings = [
            (Finding::NotGot, "the org has not got the data it would verify"),
            (Finding::NoReplay, "the proof's operations do not replay"),
            (Finding::AnchoredElsewhere { cluster: "cluster_A".into() }, "the proof is anchored on cluster_A"),
            (Finding::NoHash, "the ledger holds no hash of the resource"),
            (Finding::HashDiffers, "the ledger's hash differs from the data got"),
            (Finding::RootDiffers { height: 4 }, "the cluster's root at height 4 differs from the proof's"),
            (Finding::OtherTransaction, "the transaction answered is not this transfer's"),
            (Finding::PathDiffers, "the Merkle path does not lead to the block root"),
        ];
        for (finding, sentence) in findings {
            assert_eq!(finding.to_string(), sentence);
        }
    }

    #[test]
    fn acts_suspicions_changes_and_exchanges_read_as_words() {
        let acts = [
            (Act::Lied { told: 207, truth: 100 }, "answered 207 instead of 100"),
            (Act::WrongHash, "answered with a wrong hash"),
            (Act::WrongRoot, "answered with a wrong root"),
            (Act::Withheld, "withheld it"),
            (Act::Forged, "signed it with a key not its own"),
            (Act::Resent { original: 1 }, "sent transfer #1 again under this request id"),
            (Act::Altered, "altered it"),
        ];
        for (act, sentence) in acts {
            assert_eq!(act.to_string(), sentence);
        }
        assert_eq!(SuspectReason::Differs.to_string(), "its signed answer differs from the quorum's");
        assert_eq!(SuspectReason::NoValidSignature.to_string(), "none of its answers carried a valid signature");
        let changes = [
            (Change::Advertisement, "recorded an advertisement"),
            (Change::ResourceData, "stored resource data"),
            (Change::TransferAccepted, "accepted a transfer"),
            (Change::FinalStatus, "recorded a transfer's final status"),
            (Change::TxQueued, "queued a transaction"),
            (Change::HoldQueued, "queued a hold"),
            (Change::ReleaseQueued, "queued a release"),
        ];
        for (change, sentence) in changes {
            assert_eq!(change.to_string(), sentence);
        }
        let redeem = crate::protocol::operation::Operation::Redeem;
        assert_eq!(Change::Accepted(redeem).to_string(), "accepted a redeem");
        // The reference flow's and a plan's, around the operations' (each named as its request is).
        let words: Vec<String> = ExchangeKind::ALL.iter().map(ToString::to_string).collect();
        let flow = ["get", "ivms_get", "verify", "verify_proof", "balance", "transfer", "settlement", "status_query"];
        let plan = ["plan_proposal", "plan_consent", "plan_get", "plan_execute", "plan_rollback"];
        assert_eq!(words[..flow.len()], flow);
        assert_eq!(words[words.len() - plan.len()..], plan);
        for kind in &ExchangeKind::ALL[flow.len()..words.len() - plan.len()] {
            assert!(matches!(kind, ExchangeKind::Operation(_)), "{kind}");
            assert_eq!(kind.name(), kind.request().word());
            assert!(flow.contains(&kind.like().name()), "{kind} is answered as one of the reference flow's");
        }
        for kind in ExchangeKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name(), "the trace's word is the account's");
        }
    }

    #[test]
    fn a_step_reads_as_what_its_actor_does() {
        let user = ActorId::User(id("org_1:100:user_1"));
        let buy = Command::Buy { asset: id("org_2:101:asset_1"), quantity: 100, seller: id("org_2:100:treasury") };
        assert_eq!(
            step(&user, 10101, &buy),
            "transfer 10101: org_1:100:user_1 buys 100 of org_2:101:asset_1 from org_2:100:treasury"
        );
        let org = ActorId::Org(OrgId::from("org_2"));
        let advertise =
            Command::Advertise { asset: id("org_2:101:asset_1"), to: vec![OrgId::from("org_1"), OrgId::from("org_3")] };
        assert_eq!(step(&org, 1, &advertise), "advertise: org_2 advertises org_2:101:asset_1 to org_1, org_3");
    }
}
