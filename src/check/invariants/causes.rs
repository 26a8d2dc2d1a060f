//! The causes of the run's state changes, read and judged as they happen: what `authenticity`
//! and `exactly_once` need of them, kept without the changes themselves.
//!
//! Each cause is read once, when its change happens (the witness re-verifies its signature
//! then and reads its bytes independently of the actor that acted on it). Whether its signer was
//! entitled to it is decided at once wherever the rule needs nothing but the cause: an
//! advertisement, a transfer, a data answer or a ledger operation from the right org passes
//! and leaves nothing behind. A settlement and a status answer name a request whose asset the
//! scenario (or, outside the flow, another change) tells: those are kept, small, until the
//! check. So a run holds per transfer a few map entries and one pending judgement, not every
//! change with everything its cause said.

use super::witness::{self, BodyHead, CauseHead, Witness};
use crate::actors::note::Change;
use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{ActorId, OrgId, ResourceId};
use crate::protocol::message::Kind;
use crate::protocol::operation::{match_body, Reading};
use std::collections::BTreeMap;

/// What `authenticity` and `exactly_once` need of one state change's cause, read when the change
/// happened (the witness re-verifies its signature then), so that a run need not keep the
/// envelope to its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CauseRead {
    /// The kind of the cause's envelope.
    pub kind: Kind,
    /// Its signer and what entitles it, if the witness opened it; why not, otherwise.
    pub opened: Result<Opened, String>,
    /// The user-signed transfer it carries, decoded without a check.
    pub carried: Option<Carried>,
}

/// A cause the witness opened: its signer, its request, and who may send it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The signer (the message's sender).
    pub from: ActorId,
    /// The request it belongs to.
    pub request_id: u64,
    /// What entitles a sender to it.
    pub grant: Grant,
}

/// Who may send a message that changes state: the rule `authenticity` applies to its sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A settlement notification: the org that manages the transfer's asset.
    Settlement,
    /// A transfer (the seller's org), a data answer (the resource's org), an advertisement (the
    /// org it names): this org.
    ManagedBy(OrgId),
    /// A status answer (variant `status_query`): an org of the asset's cluster.
    StatusAnswer,
    /// A burn: the asset's org, naming itself as submitter, burning only the tokens of the holder
    /// whose signed redeem it accepted under that request id.
    Burn {
        /// The org that manages the asset.
        asset_org: OrgId,
        /// The submitter the burn names.
        submitter: OrgId,
        /// The asset.
        asset: ResourceId,
        /// The account it debits.
        holder: ResourceId,
        /// The request it settles.
        request_id: u64,
    },
    /// A ledger transaction, hold or release: the asset's org, naming itself as submitter,
    /// debiting (or holding) an account of its own (a mint debits the asset's own supply).
    LedgerOp {
        /// The org that manages the asset.
        asset_org: OrgId,
        /// The submitter the operation names.
        submitter: OrgId,
        /// The org of the account debited or held.
        debited_org: OrgId,
    },
    /// A plan's transaction: the asset's org, debiting an account of another org only with that
    /// account's user's consent (re-verified by the witness).
    PlanOp {
        /// The org that manages the asset.
        asset_org: OrgId,
        /// The org of the account debited (a mint debits none).
        debited_org: Option<OrgId>,
        /// The transaction it queues.
        tx_id: crate::crypto::Hash32,
        /// Whether it carries a consent of the debited account's user that verifies.
        consented: bool,
    },
    /// Any other message: no one.
    Nobody,
}

/// A user-signed transfer (or redeem) a cause carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carried {
    /// The request that carries it.
    pub request_id: u64,
    /// What identifies it, whatever request carries it (`witness::signed_transfer`).
    pub signed: [u8; 32],
    /// Its asset.
    pub asset: ResourceId,
    /// For a redeem, the holder who signed it (the only account its burn may debit).
    pub owner: Option<ResourceId>,
}

impl CauseRead {
    /// Reads a cause: the witness opens it (re-verifying its signature, then reading from its
    /// bytes what the checks need: `witness::read_head`); its transfer, if it carries one, is
    /// read from those bytes whatever the signature.
    pub fn of(witness: &mut Witness, envelope: &Envelope) -> Self {
        let head = witness::read_head(envelope);
        let carried = match &head {
            Some(CauseHead { request_id, body: BodyHead::Transfer { asset_id, nonce, signature, .. }, .. }) => {
                ResourceId::parse(asset_id).ok().map(|asset| Carried {
                    request_id: *request_id,
                    signed: witness::signed_transfer(nonce, &signature.template_hash),
                    asset,
                    owner: None,
                })
            }
            Some(CauseHead { request_id, body, .. }) => {
                body.reading().and_then(|reading| reading.user_signed()).map(|signed| Carried {
                    request_id: *request_id,
                    signed: witness::signed_transfer(&signed.nonce, &signed.signature.template_hash.0),
                    asset: signed.asset.clone(),
                    owner: Some(signed.signer.id.clone()),
                })
            }
            None => None,
        };
        let opened = witness.open_head(envelope, head).and_then(|head| {
            let named = |org: &str| org_named(org, &envelope.from);
            let org = |resource: &str| ResourceId::split(resource).map(|(org, _, _)| named(org));
            let grant = match_body!(BodyHead; head.body, body => Ok(entitled(&body, named)), {
                BodyHead::Settlement => Ok(Grant::Settlement),
                BodyHead::Transfer { from, .. } => org(from.id).map(Grant::ManagedBy).map_err(|_| ()),
                BodyHead::GetResponse { resource } => org(resource).map(Grant::ManagedBy).map_err(|_| ()),
                BodyHead::Advertisement { org, .. } => Ok(Grant::ManagedBy(named(org))),
                BodyHead::StatusAnswer => Ok(Grant::StatusAnswer),
                // A burn names the asset as its destination; a mint as its source (whose org is
                // the asset's: only its managing org may mint).
                BodyHead::Submit { asset, destination, source, submitter, request_id, .. } if destination == asset => {
                    let parse = |text: &str| ResourceId::parse(text).map_err(|_| ());
                    match (parse(asset), parse(source)) {
                        (Ok(asset_id), Ok(holder)) => Ok(Grant::Burn {
                            asset_org: named(asset_id.org.as_str()),
                            submitter: named(submitter),
                            asset: asset_id,
                            holder,
                            request_id,
                        }),
                        _ => Err(()),
                    }
                }
                BodyHead::Submit { asset, source, submitter, .. } => {
                    ledger_op(asset, submitter, source, &envelope.from).map_err(|_| ())
                }
                BodyHead::Hold(op) | BodyHead::Release(op) => {
                    ledger_op(op.asset, op.submitter, op.account, &envelope.from).map_err(|_| ())
                }
                BodyHead::PlanSubmit(submit) => plan_op(witness, &submit, head.request_id).ok_or(()),
                // No state changes because of these (listed: a new body is a compile error here
                // until it says who may send it).
                BodyHead::Get
                | BodyHead::Verify
                | BodyHead::VerifyAnswer
                | BodyHead::Order
                | BodyHead::SignRequest
                | BodyHead::SignResponse
                | BodyHead::TxAccepted
                | BodyHead::SettlementAck
                | BodyHead::BlockCommitted
                | BodyHead::SyncRequest
                | BodyHead::VerifyProof
                | BodyHead::ProofAnswer
                | BodyHead::BalanceQuery
                | BodyHead::BalanceAnswer
                | BodyHead::StatusQuery
                | BodyHead::EscrowCommitted
                | BodyHead::PlanProposal
                | BodyHead::PlanApproval
                | BodyHead::PlanGet
                | BodyHead::ConsentRequest
                | BodyHead::SignPlan
                | BodyHead::PlanConsent
                | BodyHead::PlanExecute
                | BodyHead::PlanRollback
                | BodyHead::PlanResult
                | BodyHead::PlanFinal => Ok(Grant::Nobody),
            });
            let grant = grant.map_err(|_| witness::UNDECODABLE.to_owned())?;
            Ok(Opened { from: envelope.from.clone(), request_id: head.request_id, grant })
        });
        Self { kind: envelope.kind, opened, carried }
    }
}

/// The grant of a plan's transaction: the transaction the plan says for that instruction (or
/// rollback), and whether the consent it carries is the debited account's user's signature over
/// the plan's hash (SHA-256 of the plan's bytes as written), with keys derived afresh.
fn plan_op(witness: &mut Witness, submit: &crate::protocol::plan::PlanSubmit, request_id: u64) -> Option<Grant> {
    use crate::protocol::plan::Instructs;
    let plan = &submit.plan;
    let tx = match submit.rollback {
        true => plan.rollback_tx(submit.n, request_id)?,
        false => plan.ledger_tx(submit.n, request_id)?,
    };
    let hash = crate::crypto::Hash32::of(&postcard::to_allocvec(&**plan).ok()?);
    let takes = !submit.rollback && plan.instruction(submit.n).is_some_and(|i| i.takes_from_source());
    let consented = takes
        && submit.consent.as_ref().is_some_and(|c| {
            c.account == tx.source && c.plan_hash == hash && witness.user_signed(&tx.source, &hash.0, &c.signature)
        });
    let debited_org = (!tx.mints()).then(|| tx.source.org.clone());
    Some(Grant::PlanOp { asset_org: tx.asset.org.clone(), debited_org, tx_id: tx.tx_id, consented })
}

/// The grant of an operation's body, as its operation's module says who alone may send it: the
/// managing org of the resource it names, or nobody when no state changes because of it.
fn entitled(body: &dyn Reading, named: impl Fn(&str) -> OrgId) -> Grant {
    match body.entitled() {
        Some(resource) => Grant::ManagedBy(named(resource.org.as_str())),
        None => Grant::Nobody,
    }
}

/// The grant of a ledger transaction, hold or release: its asset's org, the submitter it names
/// and the org of the account it debits or holds.
fn ledger_op(
    asset: &str,
    submitter: &str,
    debited: &str,
    sender: &ActorId,
) -> Result<Grant, crate::protocol::ids::IdError> {
    let org = |resource: &str| ResourceId::split(resource).map(|(org, _, _)| org_named(org, sender));
    Ok(Grant::LedgerOp { asset_org: org(asset)?, submitter: org_named(submitter, sender), debited_org: org(debited)? })
}

/// The org named `text`: the sender's own id when it names the sender (an entitled sender, the
/// usual case, costs no copy of the name), else a new one.
fn org_named(text: &str, sender: &ActorId) -> OrgId {
    match sender {
        ActorId::Org(org) if org.as_str() == text => org.clone(),
        _ => OrgId::from(text),
    }
}

/// A state change as `authenticity` names it: who changed what, on which kind of message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeNamed {
    /// The actor whose state changed.
    pub actor: ActorId,
    /// What changed.
    pub change: Change,
    /// The kind of its cause.
    pub kind: Kind,
}

impl ChangeNamed {
    /// What `authenticity` says of this change when `from` was not entitled to its cause.
    pub fn unentitled(&self, from: &dyn std::fmt::Display) -> String {
        format!("{} {} on a {} from {from}, who is not entitled to it", self.actor, self.change, self.kind)
    }
}

/// A rule that needs more than the cause: the scenario, or the transfers accepted by the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Awaited {
    /// A settlement: entitled if its signer manages the asset of the flow's transfer under that
    /// request (outside the flow: of the transfer the signer accepted as that request).
    Settlement,
    /// A status answer (variant `status_query`): entitled if its signer is an org of the cluster
    /// of that transfer's asset.
    StatusAnswer,
}

/// A state change `authenticity` could not clear when it happened, in the order they happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Doubt {
    /// Its cause failed to open, or came from a sender not entitled to it: what the check says.
    Broken(String),
    /// Its cause, from the org `from` for `request_id`, is judged by `rule` at the check.
    Awaits {
        /// The rule that judges it.
        rule: Awaited,
        /// The change.
        named: ChangeNamed,
        /// The signer.
        from: OrgId,
        /// The request it belongs to.
        request_id: u64,
    },
}

/// A transfer (or redeem) an actor accepted (received, as a state change's cause) under a
/// request id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// What identifies the transfer its user signed (`witness::signed_transfer`).
    pub signed: [u8; 32],
    /// Its asset.
    pub asset: ResourceId,
    /// For a redeem, the holder who signed it.
    pub owner: Option<ResourceId>,
}

/// Everything the checks keep of the run's state changes.
#[derive(Clone, Debug, Default)]
pub struct Causes {
    /// What reads each cause as it happens (keys derived from the run's seed).
    witness: Witness,
    /// How many state changes there were.
    pub count: usize,
    /// (receiving actor, request id) → the transfer that request carried (the last, if the
    /// actor received several under one request id).
    pub accepted: BTreeMap<(ActorId, u64), Accepted>,
    /// The changes not cleared when they happened.
    pub doubts: Vec<Doubt>,
    /// The plans' transactions queued with a consent the witness verified (`consent`).
    pub consented: std::collections::BTreeSet<crate::crypto::Hash32>,
}

impl Causes {
    /// Nothing read yet, by `witness`.
    pub fn new(witness: Witness) -> Self {
        Self { witness, ..Self::default() }
    }

    /// A state change of `actor` caused by `envelope`: the envelope is read and judged now, not
    /// kept.
    pub fn record(&mut self, actor: ActorId, change: Change, envelope: &Envelope) {
        let read = CauseRead::of(&mut self.witness, envelope);
        self.count += 1;
        if let Some(t) = read.carried {
            let accepted = Accepted { signed: t.signed, asset: t.asset, owner: t.owner };
            self.accepted.insert((actor.clone(), t.request_id), accepted);
        }
        let opened = match read.opened {
            Ok(opened) => opened,
            Err(why) => {
                self.doubts.push(Doubt::Broken(format!("{actor} {change} on a {}: {why}", read.kind)));
                return;
            }
        };
        let named = || ChangeNamed { actor: actor.clone(), change, kind: read.kind };
        let ActorId::Org(from) = &opened.from else {
            self.doubts.push(Doubt::Broken(named().unentitled(&opened.from)));
            return;
        };
        let entitled = match opened.grant {
            Grant::Settlement => return self.awaits(Awaited::Settlement, named(), from, opened.request_id),
            Grant::StatusAnswer => return self.awaits(Awaited::StatusAnswer, named(), from, opened.request_id),
            Grant::ManagedBy(org) => &org == from,
            Grant::LedgerOp { asset_org, submitter, debited_org } => {
                &asset_org == from && &submitter == from && &debited_org == from
            }
            Grant::Burn { asset_org, submitter, asset, holder, request_id } => {
                let signed_by_holder = self
                    .accepted
                    .get(&(ActorId::Org(from.clone()), request_id))
                    .is_some_and(|a| a.owner.as_ref() == Some(&holder) && a.asset == asset);
                &asset_org == from && &submitter == from && signed_by_holder
            }
            Grant::PlanOp { asset_org, debited_org, tx_id, consented } => {
                if consented {
                    self.consented.insert(tx_id);
                }
                &asset_org == from && (debited_org.is_none_or(|org| &org == from) || consented)
            }
            Grant::Nobody => false,
        };
        if !entitled {
            self.doubts.push(Doubt::Broken(named().unentitled(&opened.from)));
        }
    }

    /// Keeps a change whose cause `rule` judges at the check.
    fn awaits(&mut self, rule: Awaited, named: ChangeNamed, from: &OrgId, request_id: u64) {
        self.doubts.push(Doubt::Awaits { rule, named, from: from.clone(), request_id });
    }
}
