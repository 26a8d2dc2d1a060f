//! The invariants' own reading of signed evidence. It shares no code with what it checks:
//! each signer's public key is derived afresh from the seed by the documented rule (the
//! ed25519 secret is SHA-256 of the seed's eight big-endian bytes followed by
//! `finsim/key/<actor>`), not taken from the run's keyring and its memo; each signature is
//! verified with `verify_strict`, over the exact bytes that travelled; only then is the
//! payload read, and its header must match the envelope's. A state change's cause is read by
//! the witness's own description of the wire format, as far as the checks need it
//! (`read_head`: its header, who may send it, the user-signed transfer or redeem it carries).

use crate::protocol::envelope::Envelope;
use crate::protocol::ids::{ActorId, ResourceId, TextPieces};
#[cfg(test)]
use crate::protocol::message::Kind;
use crate::protocol::operation::Reading;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Re-verifies envelopes of one run (the default: of a run with seed 0).
#[derive(Clone, Debug, Default)]
pub struct Witness {
    seed: u64,
    keys: BTreeMap<ActorId, VerifyingKey>,
    /// Every envelope is the null signer's: signatures are not checked, headers still are.
    null_signer: bool,
}

impl Witness {
    /// A witness of the run with `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed, keys: BTreeMap::new(), null_signer: false }
    }

    /// A witness of a run with `seed` whose every envelope the null signer sealed
    /// (`sim::Settings::null_signer`, for measuring): it checks no signature, only that the
    /// signed header is the routing header.
    pub fn of_null_signer(seed: u64) -> Self {
        Self { null_signer: true, ..Self::new(seed) }
    }

    /// The public key of an actor, derived from the seed.
    pub fn key(&mut self, actor: &ActorId) -> VerifyingKey {
        let seed = self.seed;
        *self.keys.entry(actor.clone()).or_insert_with(|| {
            let secret: [u8; 32] = Sha256::new()
                .chain_update(seed.to_be_bytes())
                .chain_update(format!("finsim/key/{actor}").as_bytes())
                .finalize()
                .into();
            SigningKey::from_bytes(&secret).verifying_key()
        })
    }

    /// What the checks read of an envelope (`read_head`), if its signature is its claimed
    /// sender's and the header read is its routing header; why not, otherwise. The signature is
    /// checked over the bytes that travelled.
    pub fn open_head<'a>(&mut self, envelope: &Envelope, head: Option<CauseHead<'a>>) -> Result<CauseHead<'a>, String> {
        self.check_signature(envelope)?;
        let head = head.ok_or_else(|| UNDECODABLE.to_owned())?;
        let same = names(&envelope.from, head.from) && names(&envelope.to, head.to);
        if !same || head.request_id != envelope.request_id {
            return Err(HEADER_DIFFERS.to_owned());
        }
        Ok(head)
    }

    /// Whether `signature` is `user`'s over `hash`, with the user's key derived afresh from the
    /// seed (always, for the null signer's).
    pub fn user_signed(&mut self, user: &ResourceId, hash: &[u8; 32], signature: &[u8]) -> bool {
        if self.null_signer {
            return true;
        }
        let key = self.key(&ActorId::User(user.clone()));
        let Ok(signature) = <[u8; 64]>::try_from(signature) else { return false };
        crate::crypto::tally::verified(hash.len());
        key.verify_strict(hash, &Signature::from_bytes(&signature)).is_ok()
    }

    /// Whether the envelope's signature is its claimed sender's (always, for the null signer's).
    fn check_signature(&mut self, envelope: &Envelope) -> Result<(), String> {
        if !self.null_signer {
            let key = self.key(&envelope.from);
            let signature = Signature::from_bytes(&envelope.signature);
            crate::crypto::tally::verified(envelope.payload().len());
            key.verify_strict(envelope.payload(), &signature)
                .map_err(|_| format!("its signature is not {}'s", envelope.from))?;
        }
        Ok(())
    }
}

/// Why the witness refuses a message whose signed header is not its envelope's.
const HEADER_DIFFERS: &str = "its signed header differs from its routing header";

/// What identifies a transfer its user signed once, whatever request carries it: SHA-256 of
/// its nonce and the template hash the user signed.
pub fn signed_transfer(nonce: &[u8; 32], template_hash: &[u8; 32]) -> [u8; 32] {
    Sha256::new().chain_update(nonce).chain_update(template_hash).finalize().into()
}

/// Why the witness refuses bytes that do not decode.
pub const UNDECODABLE: &str = "its signed bytes do not decode";

/// What the checks read of a state change's cause, from its signed bytes: the header and, of the
/// body, only what decides who may send it and which user-signed transfer it carries. The witness
/// reads it by its own description of the wire format (postcard: a struct's fields in order, an
/// id as its text, an enum as its variant's index then the variant's fields) and stops there: the
/// rest of the bytes (a settlement's proof, say) is not decoded. A cause is always an envelope its
/// receiver decoded whole, so nothing is lost by not decoding the rest.
#[derive(Debug, Deserialize)]
pub struct CauseHead<'a> {
    /// The request id.
    pub request_id: u64,
    /// The sender's id, as written.
    pub from: &'a str,
    /// The address, as written.
    pub to: &'a str,
    /// The body's kind and what the checks read of it.
    #[serde(borrow)]
    pub body: BodyHead<'a>,
}

/// Declares `BodyHead` from the variants before the operations' bodies and after them, as
/// written here, and the operations' bodies from their registry, read whole (an operation says
/// what the checks read of it through `protocol::operation::Reading`).
macro_rules! body_heads {
    (
        { $($(#[$before_attr:meta])* $before:ident $(($($before_tuple:tt)*))? $({ $($before_fields:tt)* })?,)+ }
        { $($(#[$after_attr:meta])* $after:ident $(($($after_tuple:tt)*))? $({ $($after_fields:tt)* })?,)+ }
        $($(#[$attr:meta])* $operation:ident = $word:literal ($($header:tt)*) {
            $(
                $(#[$body_attr:meta])*
                $variant:ident ($type:ty) = { $($line:tt)* } $(exchange $like:ident)?;
            )+
        })+
    ) => {
        /// A body as the checks read it: a variant per kind of message, in the order of
        /// `protocol::message::Body` (a test holds every kind of message the bundled runs send to
        /// it); where the checks need nothing of a body, nothing of it is read.
        #[derive(Debug, Deserialize)]
        #[allow(missing_docs)] // Each variant is `Body`'s of the same name, each field the field it names.
        // Every field is decoded, in the wire's order; the checks read some, the decoding test all.
        #[cfg_attr(not(test), allow(dead_code))]
        pub enum BodyHead<'a> {
            $($(#[$before_attr])* $before $(($($before_tuple)*))? $({ $($before_fields)* })?,)+
            $($($(#[$body_attr])* $variant($type),)+)+
            $($(#[$after_attr])* $after $(($($after_tuple)*))? $({ $($after_fields)* })?,)+
        }

        impl BodyHead<'_> {
            /// The kind of message this is.
            #[cfg(test)]
            pub fn kind(&self) -> Kind {
                match self {
                    $(BodyHead::$before { .. } => Kind::$before,)+
                    $($(BodyHead::$variant { .. } => Kind::$variant,)+)+
                    $(BodyHead::$after { .. } => Kind::$after,)+
                }
            }

            /// What the checks read of an operation's body, as its operation's module says it
            /// (none for the reference flow's and a plan's bodies).
            pub fn reading(&self) -> Option<&dyn Reading> {
                match self {
                    $($(BodyHead::$variant(body) => Some(body),)+)+
                    _ => None,
                }
            }
        }
    };
}

crate::protocol::operation::with_operations! { body_heads!
{
    Advertisement {
        cluster: &'a str,
        org: &'a str,
    },
    Get,
    GetResponse {
        resource: &'a str,
    },
    Verify,
    VerifyAnswer,
    Order,
    SignRequest,
    SignResponse,
    Transfer {
        #[serde(borrow)]
        from: AccountHead<'a>,
        #[serde(borrow)]
        to: AccountHead<'a>,
        asset_id: &'a str,
        quantity: u64,
        nonce: [u8; 32],
        #[serde(borrow)]
        signature: SignatureHead<'a>,
    },
    TxAccepted,
    Settlement,
    SettlementAck,
    Submit {
        request_id: u64,
        tx_id: [u8; 32],
        asset: &'a str,
        source: &'a str,
        destination: &'a str,
        quantity: u64,
        submitter: &'a str,
    },
    BlockCommitted,
    SyncRequest,
    VerifyProof,
    ProofAnswer,
    BalanceQuery,
    BalanceAnswer,
    StatusQuery,
    StatusAnswer,
    Hold(#[serde(borrow)] EscrowOpHead<'a>),
    Release(#[serde(borrow)] EscrowOpHead<'a>),
    EscrowCommitted,
}
{
    PlanProposal,
    PlanApproval,
    PlanGet,
    ConsentRequest,
    SignPlan,
    PlanConsent,
    PlanExecute,
    PlanRollback,
    PlanResult,
    PlanFinal,
    /// Read whole: the checks recompute the transaction from the plan and re-verify the consent.
    PlanSubmit(crate::protocol::plan::PlanSubmit),
}
}

/// An account of a transfer, as written.
#[derive(Debug, Deserialize)]
#[cfg_attr(not(test), allow(dead_code))] // Decoded in the wire's order; the decoding test reads every field.
pub struct AccountHead<'a> {
    /// Its resource id.
    pub id: &'a str,
    /// Its finid.
    pub finid: &'a str,
}

/// A user's signature over a transfer, up to the template hash it signed.
#[derive(Debug, Deserialize)]
#[cfg_attr(not(test), allow(dead_code))] // Decoded in the wire's order; the decoding test reads every field.
pub struct SignatureHead<'a> {
    /// The algorithm.
    pub alg: &'a str,
    /// The template hash the user signed.
    pub template_hash: [u8; 32],
}

/// A hold or a release, as written.
#[derive(Debug, Deserialize)]
#[cfg_attr(not(test), allow(dead_code))] // Decoded in the wire's order; the decoding test reads every field.
#[allow(missing_docs)] // Each field is `EscrowOp`'s of the same name.
pub struct EscrowOpHead<'a> {
    pub request_id: u64,
    pub tx_id: [u8; 32],
    pub asset: &'a str,
    pub account: &'a str,
    pub quantity: u64,
    pub submitter: &'a str,
}

/// What the checks read of an envelope's signed bytes (`CauseHead`), without any check; `None`
/// if they do not begin as a message does.
pub fn read_head(envelope: &Envelope) -> Option<CauseHead<'_>> {
    postcard::take_from_bytes(envelope.payload()).ok().map(|(head, _rest)| head)
}

/// Whether `text` is `id`'s text (compared without writing it), or reads as an equal id.
pub fn names<T>(id: &T, text: &str) -> bool
where
    T: TextPieces + PartialEq + std::str::FromStr,
{
    let as_written = id.with_pieces(|pieces| {
        let mut rest = text;
        pieces.iter().all(|piece| rest.strip_prefix(piece).map(|after| rest = after).is_some()) && rest.is_empty()
    });
    as_written || text.parse::<T>().is_ok_and(|read| read == *id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::envelope::Message;
    use crate::protocol::ids::{Address, OrgId};
    use crate::protocol::keys;
    use crate::protocol::message::Body;
    use crate::protocol::plan;
    use std::sync::Arc;

    fn sealed() -> Envelope {
        let from = ActorId::Org(OrgId::from("org_1"));
        let to = Address::Actor(ActorId::Org(OrgId::from("org_2")));
        let message = Message { request_id: 4, from: from.clone(), to, body: Body::SettlementAck };
        Envelope::seal(message, &keys::actor_key(9, &from))
    }

    #[test]
    fn a_text_names_an_id_when_it_is_its_text_or_reads_as_an_equal_id() {
        let org = ActorId::Org(OrgId::from("org_1"));
        assert!(names(&org, "org_1"));
        for other in ["org_10", "org_", "", "org_2", "ledger:org_1"] {
            assert!(!names(&org, other), "{other}");
        }
        let user: ActorId = "user:org_1:100:u".parse().unwrap();
        assert!(names(&user, "user:org_1:100:u"));
        // Not as the id writes itself, but read back it is the same id.
        assert!(names(&user, "user:org_1:0100:u"));
        assert!(!names(&user, "user:org_1:100:u2") && !names(&user, "user:org_1:101:u"));
        let cluster: Address = "cluster:cluster_B".parse().unwrap();
        assert!(names(&cluster, "cluster:cluster_B") && !names(&cluster, "cluster_B"));
    }

    #[test]
    fn the_witness_opens_what_its_sender_sealed_and_refuses_each_header_changed_alone() {
        let mut witness = Witness::new(9);
        let open = |witness: &mut Witness, envelope: &Envelope| witness.open_head(envelope, read_head(envelope)).err();
        assert_eq!(open(&mut witness, &sealed()), None);
        let mut rerouted = sealed();
        rerouted.to = Address::Actor(ActorId::Org(OrgId::from("org_3")));
        let mut renumbered = sealed();
        renumbered.request_id = 5;
        let mut claimed = sealed();
        claimed.from = ActorId::Org(OrgId::from("org_3"));
        for changed in [&rerouted, &renumbered] {
            let refused = open(&mut witness, changed);
            assert_eq!(refused.as_deref(), Some("its signed header differs from its routing header"));
        }
        assert_eq!(open(&mut witness, &claimed).as_deref(), Some("its signature is not org_3's"));
        assert!(open(&mut Witness::new(10), &sealed()).is_some(), "keys come from the run's seed");
        let envelope = sealed();
        let head = witness.open_head(&envelope, read_head(&envelope)).unwrap();
        assert_eq!((head.request_id, head.from, head.to, head.body.kind()), (4, "org_1", "org_2", Kind::SettlementAck));
        // Without signatures, the header is still matched; bytes that are no message are refused.
        let mut unsigned = Witness::of_null_signer(9);
        for changed in [&rerouted, &renumbered, &claimed] {
            let refused = unsigned.open_head(changed, read_head(changed)).unwrap_err();
            assert_eq!(refused, "its signed header differs from its routing header");
        }
        assert_eq!(unsigned.open_head(&sealed(), None).unwrap_err(), UNDECODABLE);
    }

    /// A message of each kind (a match over every kind of the reference flow and a plan: a new
    /// kind needs its sample here, or in its operation's module, and then the witness must read
    /// it).
    fn sample(kind: Kind) -> Body {
        use crate::crypto::Hash32;
        use crate::protocol::atst::TransferTemplate;
        use crate::protocol::ids::{ClusterId, ResourceId};
        use crate::protocol::message::*;
        use crate::protocol::operation::*;
        use crate::protocol::status::Status;
        let id = |text: &str| ResourceId::parse(text).unwrap();
        let account = || Account { id: id("org_1:100:u"), finid: "aa".into() };
        let signature =
            || UserSignature { alg: "ed25519".into(), template_hash: Hash32([1; 32]), value: vec![2; 64].into() };
        let tx = || LedgerTx {
            request_id: 4,
            tx_id: Hash32([3; 32]),
            asset: id("org_2:101:a"),
            source: id("org_2:100:t"),
            destination: id("org_1:100:u"),
            quantity: 5,
            submitter: OrgId::from("org_2"),
        };
        let op = || EscrowOp {
            request_id: 4,
            tx_id: Hash32([3; 32]),
            asset: id("org_2:101:a"),
            account: id("org_2:100:t"),
            quantity: 5,
            submitter: OrgId::from("org_2"),
        };
        let settlement = || Settlement {
            tx_id: Hash32([3; 32]),
            status: Status::Ok,
            cause: crate::protocol::cause::Cause::DataTimeout,
            proof: None,
        };
        let plan = || {
            use crate::protocol::plan::{Hold, Instruction, Plan};
            let hold = Hold { asset: id("org_2:101:a"), from: id("org_2:100:t"), quantity: 5 };
            Arc::new(Plan {
                id: 7,
                coordinator: OrgId::from("org_1"),
                timeout_ms: 10_000,
                instructions: vec![Instruction::Hold(hold)],
            })
        };
        let consent =
            || plan::Consent { account: id("org_2:100:t"), plan_hash: plan().hash(), signature: vec![2; 64].into() };
        let consent_request = || plan::ConsentRequest { plan: plan(), accounts: vec![id("org_2:100:t")] };
        match kind {
            Kind::Advertisement => Body::Advertisement(Advertisement {
                cluster: ClusterId::from("c"),
                org: OrgId::from("org_1"),
                finid: "aa".into(),
                hosts: vec![],
                resources: vec![id("org_1:101:a")],
            }),
            Kind::Get => Body::Get(GetRequest {
                accept_types: [APPLICATION_JSON.to_owned()].into(),
                resource: id("org_1:101:a"),
            }),
            Kind::GetResponse => Body::GetResponse(GetResponse {
                resource: id("org_1:101:a"),
                status: Status::Ok,
                content_type: APPLICATION_JSON.into(),
                payload: None,
            }),
            Kind::Verify => Body::Verify(VerifyRequest { resource: id("org_1:101:a"), hash: Hash32([0; 32]) }),
            Kind::VerifyAnswer => Body::VerifyAnswer(VerifyAnswer {
                resource: id("org_1:101:a"),
                status: Status::Ok,
                hash: None,
                height: 0,
            }),
            Kind::Order => Body::Order(Order { asset: id("org_2:101:a"), quantity: 5, seller: id("org_2:100:t") }),
            Kind::SignRequest => Body::SignRequest(SignRequest {
                template: TransferTemplate {
                    nonce: [0; 32],
                    asset_id: "org_2:101:a".into(),
                    source_finid: "bb".into(),
                    destination_finid: "aa".into(),
                    amount: 5,
                },
            }),
            Kind::SignResponse => {
                Body::SignResponse(SignResponse { template_hash: Hash32([1; 32]), signature: vec![2; 64].into() })
            }
            Kind::Transfer => Body::Transfer(Transfer {
                from: account(),
                to: Account { id: id("org_2:100:t"), finid: "bb".into() },
                asset_id: id("org_2:101:a"),
                quantity: 5,
                nonce: [0; 32],
                signature: signature(),
            }),
            Kind::TxAccepted => Body::TxAccepted(TxAccepted { tx_id: Hash32([3; 32]) }),
            Kind::Settlement => Body::Settlement(settlement()),
            Kind::SettlementAck => Body::SettlementAck,
            Kind::Submit => Body::Submit(tx()),
            Kind::BlockCommitted => Body::BlockCommitted(BlockCommitted::empty(0)),
            Kind::SyncRequest => Body::SyncRequest { from_event: 0 },
            Kind::VerifyProof => Body::VerifyProof(VerifyProofRequest { height: 1, root: Hash32([0; 32]) }),
            Kind::ProofAnswer => Body::ProofAnswer(ProofAnswer { height: 1, status: Status::Ok, root: None }),
            Kind::BalanceQuery => {
                Body::BalanceQuery(BalanceQuery { account: account(), asset: id("org_2:101:a"), min_height: 0 })
            }
            Kind::BalanceAnswer => Body::BalanceAnswer(BalanceAnswer {
                status: Status::Ok,
                account: id("org_1:100:u"),
                asset: id("org_2:101:a"),
                current: 0,
                available: 0,
                held: 0,
                height: 0,
            }),
            Kind::StatusQuery => Body::StatusQuery(StatusQuery { tx_id: Hash32([3; 32]) }),
            Kind::StatusAnswer => Body::StatusAnswer(StatusAnswer {
                tx_id: Hash32([3; 32]),
                status: Status::NotFound,
                height: 0,
                settled: None,
            }),
            Kind::Hold => Body::Hold(op()),
            Kind::Release => Body::Release(op()),
            Kind::EscrowCommitted => Body::EscrowCommitted(EscrowCommitted {
                index: 0,
                height: 0,
                held: vec![op()],
                released: vec![],
                refused: vec![],
            }),
            Kind::PlanProposal => Body::PlanProposal(plan::PlanProposal { plan: plan() }),
            Kind::PlanApproval => Body::PlanApproval(plan::PlanApproval { plan_hash: plan().hash(), refused: None }),
            Kind::PlanGet => Body::PlanGet(plan::PlanGet { plan: plan(), receiver: id("org_1:100:u") }),
            Kind::ConsentRequest => Body::ConsentRequest(consent_request()),
            Kind::SignPlan => Body::SignPlan(consent_request()),
            Kind::PlanConsent => {
                Body::PlanConsent(plan::PlanConsents { plan_hash: plan().hash(), consents: vec![consent()] })
            }
            Kind::PlanExecute => Body::PlanExecute(plan::PlanExecute {
                plan: plan(),
                n: 1,
                approvals: Arc::from(vec![]),
                consents: Arc::from(vec![consent()]),
            }),
            Kind::PlanRollback => {
                Body::PlanRollback(plan::PlanRollback { plan_hash: plan().hash(), plan: 7, holds: vec![1] })
            }
            Kind::PlanResult => Body::PlanResult(plan::PlanResult {
                plan_hash: plan().hash(),
                n: 1,
                rollback: false,
                status: Status::Ok,
                height: Some(1),
                proof: None,
            }),
            Kind::PlanFinal => Body::PlanFinal(plan::PlanFinal {
                plan_hash: plan().hash(),
                plan: 7,
                status: plan::PlanStatus::Completed,
                reason: None,
            }),
            Kind::PlanSubmit => {
                Body::PlanSubmit(plan::PlanSubmit { plan: plan(), n: 1, rollback: false, consent: Some(consent()) })
            }
            // An operation's, from its module.
            operation => samples().into_iter().find(|body| body.kind() == operation).expect("a sample of each kind"),
        }
    }

    #[test]
    fn the_witness_reads_a_message_of_every_kind_as_that_kind() {
        let from = ActorId::Org(OrgId::from("org_1"));
        let mut witness = Witness::new(9);
        for (index, &kind) in Kind::ALL.iter().enumerate() {
            let body = sample(kind);
            assert_eq!(body.kind(), kind);
            // A body's index in the signed bytes is its kind's place in `Kind::ALL`: the table
            // `docs/evidence.md` gives and an independent verifier reads.
            let bytes = crate::protocol::canonical::bytes(&body).unwrap();
            assert_eq!(usize::from(bytes[0]), index, "{kind} is body {index}");
            let message = Message { request_id: 4, from: from.clone(), to: Address::Actor(from.clone()), body };
            let envelope = Envelope::seal(message, &keys::actor_key(9, &from));
            let head = witness.open_head(&envelope, read_head(&envelope));
            assert_eq!(head.map(|h| h.body.kind()), Ok(kind), "the witness reads a {kind}");
        }
    }
}
