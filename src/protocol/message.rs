//! Typed messages, one per step of the reference flow (docs/protocol.md).
//!
//! Requests and their answers read like the reference flow: an `Advertisement`, a `Get` and
//! its `GetResponse`, a cluster-wide `Verify` and each node's `VerifyAnswer`, a
//! `Transfer` answered by `TxAccepted` then `Settlement` (acknowledged), the ledger's
//! `Submit` and `BlockCommitted`, `VerifyProof` / `ProofAnswer`, and
//! `BalanceQuery` / `BalanceAnswer`. A user and its org speak `Order`,
//! `SignRequest` and `SignResponse`.

use super::atst::TransferTemplate;
use super::cause::Cause;
use super::ids::{ClusterId, OrgId, ResourceId, Role};
use super::operation::{Operation, Reading, UserSigned};
use super::plan;
use super::status::Status;
use crate::crypto::chainpoint::ChainpointProof;
use crate::crypto::{merkle, Hash32};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};

/// The content type of asset data.
pub const APPLICATION_JSON: &str = "application/json";
/// The content type of user data (travel-rule data).
pub const APPLICATION_IVMS101: &str = "application/ivms-101";

/// What a message of a kind is to the checks and the faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Nature {
    /// A request, an inform, a ledger's event: what no fault withholds as an answer.
    Message,
    /// A request for a user's IVMS-101 data (a message too): what the evidence's register lists.
    DataRequest,
    /// An answer to a request (what a `silent` org never sends).
    Answer,
    /// An answer a node gives about its ledger (what `honest_answers` judges): an answer too.
    LedgerAnswer,
}

/// Declares `Body` and `Kind` from one table, a line per body in wire order: the variant and
/// its payload, the word the trace writes, who sends it to whom, what it is (`Nature`), the
/// statuses other than `ok` an honest node's message of the kind can carry, and, after `=>`,
/// the payload's field that holds its status. `Body::kind`, `Body::status`, `Kind::ALL`,
/// `Kind::word`, `Kind::parties`, `Kind::is_answer`, `Kind::is_ledger_answer`,
/// `Kind::asks_for_user_data` and `Kind::statuses_answered` come from the same table, so a kind
/// cannot be missing from any, and a new body says what it is where it is declared. The
/// operations' bodies come from their registry (`protocol::operation::with_operations`), spliced
/// in at their place on the wire.
macro_rules! messages {
    ($(
        $(#[$attr:meta])*
        $variant:ident $(($payload:ty))? $({ $($(#[$field_attr:meta])* $field:ident : $field_ty:ty),* $(,)? })?
            = { $word:literal, $from:ident -> $to:ident, $nature:ident [$($status:ident),*] $(=> $($path:ident).+)? };
    )+) => {
        /// Every message body finsim knows.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Body {
            $(
                $(#[$attr])*
                $variant $(($payload))? $({ $($(#[$field_attr])* $field: $field_ty),* })?,
            )+
        }

        impl Body {
            /// The message kind.
            pub fn kind(&self) -> Kind {
                match self {
                    $(Body::$variant { .. } => Kind::$variant,)+
                }
            }

            /// The status an answer carries (a get's, a verify's, a proof check's, a balance's,
            /// a transaction status's, an operation's final one, a plan's instruction's);
            /// `None` for a message without one.
            pub fn status(&self) -> Option<Status> {
                $($(
                    if let Body::$variant(body) = self {
                        return Some(body.$($path).+);
                    }
                )?)+
                None
            }
        }

        /// A message's kind: one word each, as the trace and the readable account write it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $(
                #[doc = concat!("`", $word, "`.")]
                $variant,
            )+
        }

        impl Kind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),+];

            /// The word the trace writes.
            pub fn word(self) -> &'static str {
                match self {
                    $(Kind::$variant => $word,)+
                }
            }

            /// Who sends a message of this kind, and who receives it.
            pub fn parties(self) -> (Role, Role) {
                match self {
                    $(Kind::$variant => (Role::$from, Role::$to),)+
                }
            }

            fn nature(self) -> Nature {
                match self {
                    $(Kind::$variant => Nature::$nature,)+
                }
            }

            /// The statuses other than `ok` an honest org's message of this kind can carry (the
            /// coverage table's rows).
            pub fn statuses_answered(self) -> &'static [Status] {
                match self {
                    $(Kind::$variant => &[$(Status::$status),*],)+
                }
            }
        }
    };
}

/// Splices the operations' bodies (their registry's blocks) between the bodies before them on
/// the wire and those after.
macro_rules! messages_around_operations {
    (
        { $($before:tt)* } { $($after:tt)* }
        $($(#[$attr:meta])* $operation:ident = $word:literal ($($header:tt)*) {
            $(
                $(#[$body_attr:meta])*
                $variant:ident ($type:ty) = { $($line:tt)* } $(exchange $like:ident)?;
            )+
        })+
    ) => {
        messages! {
            $($before)*
            $($(
                $(#[$body_attr])*
                $variant($type) = { $($line)* };
            )+)+
            $($after)*
        }

        impl Body {
            /// The operation whose body this is (none for the reference flow's and a plan's).
            pub fn operation(&self) -> Option<Operation> {
                match self {
                    $($(Body::$variant(..) => Some(Operation::$operation),)+)+
                    _ => None,
                }
            }

            /// What the layers above the wire read of an operation's body, as its operation's
            /// module says it (none for the reference flow's and a plan's bodies).
            pub fn reading(&self) -> Option<&dyn Reading> {
                match self {
                    $($(Body::$variant(body) => Some(body),)+)+
                    _ => None,
                }
            }
        }
    };
}

super::operation::with_operations! { messages_around_operations!
    {
        /// Reference flow, step 1: an org advertises resources.
        Advertisement(Advertisement) = { "advertisement", Org -> Org, Message [] };
        /// Reference flow, steps 2 and 11: a get of resource data.
        Get(GetRequest) = { "get", Org -> Org, DataRequest [] };
        /// Reference flow, step 3: the answer to a get.
        GetResponse(GetResponse) = { "get_response", Org -> Org, Answer [Denied, NotFound] => status };
        /// Reference flow, step 4: a verify broadcast to a cluster.
        Verify(VerifyRequest) = { "verify", Org -> Org, Message [] };
        /// Reference flow, step 5: one node's answer to a verify.
        VerifyAnswer(VerifyAnswer) = { "verify_answer", Org -> Org, LedgerAnswer [Denied, NotFound] => status };
        /// Reference flow, step 7: the user's application asks its org to buy.
        Order(Order) = { "order", User -> Org, Message [] };
        /// Reference flow, step 8: the org asks the user to sign the transfer's template.
        SignRequest(SignRequest) = { "sign_request", Org -> User, Message [] };
        /// Reference flow, step 9: the user's signature over the template hash.
        SignResponse(SignResponse) = { "sign_response", User -> Org, Message [] };
        /// Reference flow, step 9: the transfer request, buyer's org to asset's org.
        Transfer(Transfer) = { "transfer", Org -> Org, Message [] };
        /// Reference flow, step 10: the tx id (the transfer is pending).
        TxAccepted(TxAccepted) = { "tx_accepted", Org -> Org, Answer [] };
        /// Reference flow, step 14: the final status of a transfer, with its proof when settled.
        Settlement(Settlement) = {
            "settlement", Org -> Org, Answer [Regulation, Denied, Signature, Balance, Timeout, Replay] => status
        };
        /// The buyer's org acknowledges a settlement notification.
        SettlementAck = { "settlement_ack", Org -> Org, Answer [] };
        /// Reference flow, step 13: the asset's org feeds a transaction to its cluster ledger.
        Submit(LedgerTx) = { "submit", Org -> Ledger, Message [] };
        /// The ledger closed a block (or refused transactions): every org of the cluster reads it.
        BlockCommitted(BlockCommitted) = { "block_committed", Ledger -> Org, Message [] };
        /// An org that restarted asks its ledger for the blocks it missed.
        SyncRequest {
            /// The index of the first ledger event the org has not seen.
            from_event: u64,
        } = { "sync_request", Org -> Ledger, Message [] };
        /// Reference flow, step 15: verify a proof's root with the cluster.
        VerifyProof(VerifyProofRequest) = { "verify_proof", Org -> Org, Message [] };
        /// One node's answer: the root it has at that height.
        ProofAnswer(ProofAnswer) = { "proof_answer", Org -> Org, LedgerAnswer [NotFound] => status };
        /// Reference flow, step 16: a balance request broadcast to a cluster.
        BalanceQuery(BalanceQuery) = { "balance_query", Org -> Org, Message [] };
        /// Reference flow, step 17: one node's signed balance answer.
        BalanceAnswer(BalanceAnswer) = { "balance_answer", Org -> Org, LedgerAnswer [Denied, NotFound] => status };
        /// Variant `status_query`: a buyer's org asks the asset's cluster how a transaction ended.
        StatusQuery(StatusQuery) = { "status_query", Org -> Org, Message [] };
        /// One node's answer from its replica: settled at a height with the Merkle path, or unknown.
        StatusAnswer(StatusAnswer) = { "status_answer", Org -> Org, LedgerAnswer [Denied, NotFound] => status };
        /// Variant `settlement: escrow`: the asset's org asks its ledger to hold a transfer's quantity.
        Hold(EscrowOp) = { "hold", Org -> Ledger, Message [] };
        /// The asset's org gives a rejected transfer's hold back to the seller.
        Release(EscrowOp) = { "release", Org -> Ledger, Message [] };
        /// The ledger applied holds and releases (a ledger event, like a block).
        EscrowCommitted(EscrowCommitted) = { "escrow_committed", Ledger -> Org, Message [] };
    }
    {
        /// A plan, its coordinator to an executor, for approval.
        PlanProposal(plan::PlanProposal) = { "plan_proposal", Org -> Org, Message [] };
        /// An executor's verdict on its instructions of a plan.
        PlanApproval(plan::PlanApproval) = { "plan_approval", Org -> Org, Message [] };
        /// An executor asks a receiver's org for the receiver's IVMS-101 data, naming the plan.
        PlanGet(plan::PlanGet) = { "plan_get", Org -> Org, DataRequest [] };
        /// A plan's coordinator asks a source's org for its user's consent.
        ConsentRequest(plan::ConsentRequest) = { "consent_request", Org -> Org, Message [] };
        /// An org asks its user to sign a plan's hash.
        SignPlan(plan::ConsentRequest) = { "sign_plan", Org -> User, Message [] };
        /// A source's org gives the coordinator its user's consent.
        PlanConsent(plan::PlanConsents) = { "plan_consent", Org -> Org, Message [] };
        /// A plan's coordinator sends an executor one instruction.
        PlanExecute(plan::PlanExecute) = { "plan_execute", Org -> Org, Message [] };
        /// A plan's coordinator asks an executor to roll back a hold.
        PlanRollback(plan::PlanRollback) = { "plan_rollback", Org -> Org, Message [] };
        /// An executor tells the coordinator where an instruction or rollback stands: refused by
        /// it or its ledger, or not final yet.
        PlanResult(plan::PlanResult) = {
            "plan_result", Org -> Org, Message [Balance, Denied, Signature, Pending] => status
        };
        /// A plan's coordinator tells its executors and sources' orgs the final status.
        PlanFinal(plan::PlanFinal) = { "plan_final", Org -> Org, Message [] };
        /// An executor submits a plan's instruction (or rollback) to its cluster's ledger.
        PlanSubmit(plan::PlanSubmit) = { "plan_submit", Org -> Ledger, Message [] };
    }
}

impl Kind {
    /// Whether it answers a request (what a `silent` org never sends).
    pub fn is_answer(self) -> bool {
        matches!(self.nature(), Nature::Answer | Nature::LedgerAnswer)
    }

    /// An answer a node gives about its ledger (what `honest_answers` judges).
    pub fn is_ledger_answer(self) -> bool {
        self.nature() == Nature::LedgerAnswer
    }

    /// A request for a user's IVMS-101 data (what the evidence's register lists).
    pub fn asks_for_user_data(self) -> bool {
        self.nature() == Nature::DataRequest
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// A network host of an org, as advertised.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Host {
    /// e.g. `TCP`.
    pub scheme: String,
    /// e.g. `finp2p.org_2.example`.
    pub address: String,
}

/// Reference flow, step 1.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Advertisement {
    /// The advertiser's cluster.
    pub cluster: ClusterId,
    /// The advertiser.
    pub org: OrgId,
    /// The advertiser's finid (its public key, hex).
    pub finid: String,
    /// Where it can be reached.
    pub hosts: Vec<Host>,
    /// The advertised resources.
    pub resources: Vec<ResourceId>,
}

/// Reference flow, steps 2 and 11.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GetRequest {
    /// Accepted content types (shared: a copy of the message is a reference count).
    pub accept_types: Arc<[String]>,
    /// The resource asked for.
    pub resource: ResourceId,
}

/// Reference flow, step 3.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GetResponse {
    /// The resource asked for.
    pub resource: ResourceId,
    /// `ok`, `denied` or `not_found`.
    pub status: Status,
    /// The content type of `payload`.
    pub content_type: Arc<str>,
    /// The resource data (JSON text), when `ok` (shared: a copy of the message is a reference
    /// count).
    pub payload: Option<Arc<str>>,
}

/// Reference flow, step 4.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VerifyRequest {
    /// The resource whose data is verified.
    pub resource: ResourceId,
    /// SHA-256 of the payload the asker got.
    pub hash: Hash32,
}

/// Reference flow, step 5.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VerifyAnswer {
    /// The resource.
    pub resource: ResourceId,
    /// `ok`, or `not_found` when the ledger holds no hash for it.
    pub status: Status,
    /// The hash on the answering node's ledger.
    pub hash: Option<Hash32>,
    /// The ledger height it was read at.
    pub height: u64,
}

/// Reference flow, step 7: what the user wants to buy.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Order {
    /// The asset.
    pub asset: ResourceId,
    /// How many tokens.
    pub quantity: u64,
    /// The account the tokens come from.
    pub seller: ResourceId,
}

/// Reference flow, step 8: the template the user is asked to sign.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignRequest {
    /// The template's fields.
    pub template: TransferTemplate,
}

/// Reference flow, step 9: the user's signature over the template hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignResponse {
    /// The template hash the user signed.
    pub template_hash: Hash32,
    /// The ed25519 signature (64 bytes).
    pub signature: Arc<[u8]>,
}

/// An account in a transfer: resource id and finid.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Account {
    /// The account's resource id.
    pub id: ResourceId,
    /// Its finid.
    pub finid: Arc<str>,
}

/// The user's signature over the transfer's template.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserSignature {
    /// The algorithm: `ed25519` over the ATST hash list.
    pub alg: Arc<str>,
    /// The template hash the user signed.
    pub template_hash: Hash32,
    /// The signature (64 bytes).
    pub value: Arc<[u8]>,
}

/// Reference flow, step 9: the transfer request. As in the seed, `from` is the buyer (who signs)
/// and `to` is the asset holder; the tokens move from `to` to `from`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Transfer {
    /// The buyer.
    pub from: Account,
    /// The holder the tokens come from.
    pub to: Account,
    /// The asset.
    pub asset_id: ResourceId,
    /// How many tokens.
    pub quantity: u64,
    /// The template nonce.
    pub nonce: [u8; 32],
    /// The user's signature.
    pub signature: UserSignature,
}

impl Transfer {
    /// The template the user signed, rebuilt from the transfer's own fields.
    pub fn template(&self) -> TransferTemplate {
        TransferTemplate {
            nonce: self.nonce,
            asset_id: self.asset_id.to_string().into(),
            source_finid: self.to.finid.clone(),
            destination_finid: self.from.finid.clone(),
            amount: self.quantity,
        }
    }

    /// The request its buyer signed.
    pub fn user_signed(&self) -> UserSigned<'_> {
        UserSigned {
            asset: &self.asset_id,
            signer: &self.from,
            nonce: self.nonce,
            fields: self.template().fields().into(),
            signature: &self.signature,
        }
    }
}

/// Reference flow, step 10: the tx id; the transfer is pending.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TxAccepted {
    /// The transaction id.
    pub tx_id: Hash32,
}

/// Reference flow, step 14: a transfer's final status.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Settlement {
    /// The transaction id.
    pub tx_id: Hash32,
    /// `ok` when settled; otherwise the rejection reason.
    pub status: Status,
    /// What decided it: where it settled, or which check failed.
    pub cause: Cause,
    /// The Chainpoint proof, when settled (shared: the buyer's org, its note and the checks
    /// hold the same proof; it is written as the proof itself).
    pub proof: Option<Arc<ChainpointProof>>,
}

/// One ledger transaction. A mint names the asset as its source and a burn as its
/// destination (the asset stands for its unissued supply): a transfer's bytes stay as they were.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LedgerTx {
    /// The transfer's request id.
    pub request_id: u64,
    /// The transaction id.
    pub tx_id: Hash32,
    /// The asset.
    pub asset: ResourceId,
    /// The account the tokens leave.
    pub source: ResourceId,
    /// The account the tokens reach.
    pub destination: ResourceId,
    /// How many.
    pub quantity: u64,
    /// The org that submitted it.
    pub submitter: OrgId,
}

impl LedgerTx {
    /// Whether it mints: its source is the asset itself (the asset's unissued supply).
    pub fn mints(&self) -> bool {
        self.source == self.asset
    }

    /// Whether it burns: its destination is the asset itself.
    pub fn burns(&self) -> bool {
        self.destination == self.asset
    }

    /// The account it debits (none for a mint).
    pub fn debited(&self) -> Option<&ResourceId> {
        (!self.mints()).then_some(&self.source)
    }

    /// The account it credits (none for a burn).
    pub fn credited(&self) -> Option<&ResourceId> {
        (!self.burns()).then_some(&self.destination)
    }

    /// The transaction hash: SHA-256 of its canonical bytes.
    pub fn hash(&self) -> Hash32 {
        super::canonical::hash(self).unwrap_or_else(|_| Hash32::of(&[]))
    }
}

/// A transaction the ledger refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RefusedTx {
    /// The transaction.
    pub tx: LedgerTx,
    /// Why (`balance`).
    pub status: Status,
}

/// A block's transactions, shared: every replica of the cluster receives the block, and a copy
/// of it is a reference count. Their hashes and their Merkle tree, pure functions of the
/// transactions, are computed at most once for all who hold the same copy (a block decoded
/// afresh, from bytes a fault altered, computes its own). Encoded as a sequence, as a vector
/// is; equal and hashed as that sequence.
#[derive(Clone)]
pub struct Transactions(Arc<TxList>);

struct TxList {
    txs: Box<[LedgerTx]>,
    /// Each transaction's hash, and the tree over them, once asked for.
    hashed: OnceLock<(Box<[Hash32]>, merkle::Tree)>,
}

impl Transactions {
    /// Each transaction's hash (`LedgerTx::hash`), in order.
    pub fn hashes(&self) -> &[Hash32] {
        &self.hashed().0
    }

    /// The Merkle tree over the transactions' hashes, in order.
    pub fn tree(&self) -> &merkle::Tree {
        &self.hashed().1
    }

    fn hashed(&self) -> &(Box<[Hash32]>, merkle::Tree) {
        self.0.hashed.get_or_init(|| {
            let hashes: Box<[Hash32]> = self.0.txs.iter().map(LedgerTx::hash).collect();
            let tree = merkle::Tree::new(&hashes);
            (hashes, tree)
        })
    }
}

impl std::ops::Deref for Transactions {
    type Target = [LedgerTx];

    fn deref(&self) -> &[LedgerTx] {
        &self.0.txs
    }
}

impl From<Vec<LedgerTx>> for Transactions {
    fn from(txs: Vec<LedgerTx>) -> Self {
        Self(Arc::new(TxList { txs: txs.into_boxed_slice(), hashed: OnceLock::new() }))
    }
}

impl<const N: usize> From<[LedgerTx; N]> for Transactions {
    fn from(txs: [LedgerTx; N]) -> Self {
        Vec::from(txs).into()
    }
}

impl PartialEq for Transactions {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Transactions {}

impl std::hash::Hash for Transactions {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl std::fmt::Debug for Transactions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl Serialize for Transactions {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Transactions {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<LedgerTx>::deserialize(deserializer).map(Self::from)
    }
}

/// A block the ledger closed (or only refusals, when nothing could be applied).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockCommitted {
    /// The ledger event's index (blocks and refusals, counted from 0).
    pub index: u64,
    /// The block's height (the previous height when `txs` is empty).
    pub height: u64,
    /// The Merkle root of its transaction hashes.
    pub root: Hash32,
    /// The applied transactions, in order (shared, with their hashes and tree computed once for
    /// every replica that reads them: see `Transactions`).
    pub txs: Transactions,
    /// When each applied transaction was received, virtual microseconds.
    pub received_us: Arc<[u64]>,
    /// Transactions refused at this block.
    pub refused: Arc<[RefusedTx]>,
}

#[cfg(test)]
impl BlockCommitted {
    /// The ledger's event `index` with nothing in it, for tests of how it is applied.
    pub fn empty(index: u64) -> Self {
        Self { index, height: 0, root: Hash32([0; 32]), txs: [].into(), received_us: [].into(), refused: [].into() }
    }
}

/// Reference flow, step 15: is this the root at that height?
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VerifyProofRequest {
    /// The block height the proof is anchored at.
    pub height: u64,
    /// The root the proof's operations recompute.
    pub root: Hash32,
}

/// One node's answer: the root it holds at that height.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProofAnswer {
    /// The height asked about.
    pub height: u64,
    /// `ok`, or `not_found` when the node has no block at that height.
    pub status: Status,
    /// The root it holds.
    pub root: Option<Hash32>,
}

/// Reference flow, step 16.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BalanceQuery {
    /// The account.
    pub account: Account,
    /// The asset.
    pub asset: ResourceId,
    /// The least ledger height the asker knows the cluster has reached (its own replica's, or a
    /// proof's it holds): a node whose copy is lower answers once it has caught up, so a balance
    /// asked after a settlement the asker knows of is never read before it.
    pub min_height: u64,
}

/// Reference flow, step 17: a balance, signed by the answering node (the envelope signature).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BalanceAnswer {
    /// `ok` or `denied`.
    pub status: Status,
    /// The account.
    pub account: ResourceId,
    /// The asset.
    pub asset: ResourceId,
    /// Tokens held.
    pub current: u64,
    /// Tokens free to move.
    pub available: u64,
    /// Tokens in escrow (0 until escrow arrives).
    pub held: u64,
    /// The ledger height it was read at.
    pub height: u64,
}

/// Variant `status_query`: how did the transaction with this tx id end?
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatusQuery {
    /// The tx id the asset's org gave (reference flow, step 10).
    pub tx_id: Hash32,
}

/// One node's answer to a status query, from its replica of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatusAnswer {
    /// The tx id asked about.
    pub tx_id: Hash32,
    /// `ok` (settled), `not_found` (unknown at this height) or `denied` (the asker may not ask).
    pub status: Status,
    /// The height the replica was read at: the transaction's block when settled.
    pub height: u64,
    /// Where it settled, when it did.
    pub settled: Option<SettledAt>,
}

/// Where a transaction settled: everything its Chainpoint proof is built from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SettledAt {
    /// The transaction's hash (its Merkle leaf).
    pub tx_hash: Hash32,
    /// Its Merkle path to the block root.
    pub path: Vec<crate::crypto::merkle::PathStep>,
    /// The block root.
    pub root: Hash32,
    /// When the ledger received it, virtual microseconds.
    pub received_us: u64,
}

/// Variant `settlement: escrow`: a transfer's quantity held on (or released to) the seller's account.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EscrowOp {
    /// The transfer's request id.
    pub request_id: u64,
    /// The transfer's tx id: the settling transaction that consumes the hold carries it too.
    pub tx_id: Hash32,
    /// The asset.
    pub asset: ResourceId,
    /// The seller's account, where the tokens are held.
    pub account: ResourceId,
    /// How many.
    pub quantity: u64,
    /// The asset's org, which asks.
    pub submitter: OrgId,
}

/// Holds and releases the ledger applied, at its current height (a ledger event of its own).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EscrowCommitted {
    /// The ledger event's index (blocks, refusals and escrow events, counted from 0).
    pub index: u64,
    /// The ledger's height (escrow events close no block).
    pub height: u64,
    /// Holds placed.
    pub held: Vec<EscrowOp>,
    /// Holds given back to the seller.
    pub released: Vec<EscrowOp>,
    /// Holds refused: the account's available balance could not cover them.
    pub refused: Vec<EscrowOp>,
}

#[cfg(test)]
mod kind_tests {
    use super::*;

    #[test]
    fn a_blocks_hashes_and_tree_are_its_transactions_computed_once_per_copy() {
        let id = |text: &str| crate::protocol::ids::ResourceId::parse(text).unwrap();
        let tx = |quantity| LedgerTx {
            request_id: quantity,
            tx_id: Hash32([quantity as u8; 32]),
            asset: id("org_2:101:asset_1"),
            source: id("org_2:100:treasury"),
            destination: id("org_1:100:user_1"),
            quantity,
            submitter: crate::protocol::ids::OrgId::from("org_2"),
        };
        let txs = Transactions::from([tx(1), tx(2), tx(3)]);
        let hashes: Vec<Hash32> = txs.iter().map(LedgerTx::hash).collect();
        assert_eq!(txs.hashes(), hashes.as_slice());
        assert_eq!(*txs.tree(), merkle::Tree::new(&hashes));
        assert_eq!(txs.tree().root(), merkle::root(&hashes));
        // A copy (what every replica of the block holds) reads the same computation.
        let copy = txs.clone();
        assert!(std::ptr::eq(copy.hashes(), txs.hashes()) && std::ptr::eq(copy.tree(), txs.tree()));
        // The same transactions decoded afresh are equal, and compute their own.
        let decoded: Transactions = postcard::from_bytes(&postcard::to_allocvec(&txs).unwrap()).unwrap();
        assert_eq!(decoded, txs);
        assert!(!std::ptr::eq(decoded.hashes(), txs.hashes()));
        assert_eq!(decoded.hashes(), txs.hashes());
        // Other transactions, other hashes.
        let other = Transactions::from([tx(1), tx(2), tx(4)]);
        assert_ne!(other, txs);
        assert_ne!(other.tree().root(), txs.tree().root());
        // Hashed and printed as the sequence of transactions.
        let hash = |value: &dyn Fn(&mut std::hash::DefaultHasher)| {
            let mut hasher = std::hash::DefaultHasher::new();
            value(&mut hasher);
            std::hash::Hasher::finish(&hasher)
        };
        use std::hash::Hash;
        assert_eq!(hash(&|h| txs.hash(h)), hash(&|h| (*txs).hash(h)));
        assert_ne!(hash(&|h| txs.hash(h)), hash(&|h| other.hash(h)));
        assert_eq!(format!("{txs:?}"), format!("{:?}", &*txs));
    }

    #[test]
    fn a_block_is_signed_as_the_same_fields_in_vectors_would_be() {
        #[derive(Serialize)]
        struct InVectors {
            index: u64,
            height: u64,
            root: Hash32,
            txs: Vec<LedgerTx>,
            received_us: Vec<u64>,
            refused: Vec<RefusedTx>,
        }
        let id = |text: &str| crate::protocol::ids::ResourceId::parse(text).unwrap();
        let tx = LedgerTx {
            request_id: 7,
            tx_id: Hash32([3; 32]),
            asset: id("org_2:101:asset_1"),
            source: id("org_2:100:treasury"),
            destination: id("org_1:100:user_1"),
            quantity: 5,
            submitter: crate::protocol::ids::OrgId::from("org_2"),
        };
        let refused = RefusedTx { tx: tx.clone(), status: crate::protocol::status::Status::Balance };
        let block = BlockCommitted {
            index: 1,
            height: 2,
            root: Hash32([9; 32]),
            txs: [tx.clone(), tx.clone()].into(),
            received_us: [4, 5].into(),
            refused: [refused.clone()].into(),
        };
        let vectors = InVectors {
            index: 1,
            height: 2,
            root: Hash32([9; 32]),
            txs: vec![tx.clone(), tx],
            received_us: vec![4, 5],
            refused: vec![refused],
        };
        let bytes = postcard::to_allocvec(&block).unwrap();
        assert_eq!(bytes, postcard::to_allocvec(&vectors).unwrap());
        assert_eq!(postcard::from_bytes::<BlockCommitted>(&bytes).unwrap(), block);
    }

    #[test]
    fn an_answer_says_its_status_and_a_request_none() {
        use crate::protocol::ids::ResourceId;
        use crate::protocol::status::Status;
        let resource = ResourceId::parse("org_2:101:asset_1").unwrap();
        let account = ResourceId::parse("org_1:100:user_1").unwrap();
        let answers = [
            Body::GetResponse(GetResponse {
                resource: resource.clone(),
                status: Status::Denied,
                content_type: APPLICATION_JSON.into(),
                payload: None,
            }),
            Body::VerifyAnswer(VerifyAnswer {
                resource: resource.clone(),
                status: Status::NotFound,
                hash: None,
                height: 0,
            }),
            Body::Settlement(Settlement {
                tx_id: Hash32([0; 32]),
                status: Status::Regulation,
                cause: crate::protocol::cause::Cause::DataTimeout,
                proof: None,
            }),
            Body::ProofAnswer(ProofAnswer { height: 1, status: Status::NotFound, root: None }),
            Body::BalanceAnswer(BalanceAnswer {
                status: Status::Denied,
                account,
                asset: resource,
                current: 0,
                available: 0,
                held: 0,
                height: 0,
            }),
            Body::StatusAnswer(StatusAnswer {
                tx_id: Hash32([0; 32]),
                status: Status::Replay,
                height: 0,
                settled: None,
            }),
        ];
        let statuses: Vec<_> = answers.iter().map(Body::status).collect();
        let expected =
            [Status::Denied, Status::NotFound, Status::Regulation, Status::NotFound, Status::Denied, Status::Replay];
        assert_eq!(statuses, expected.map(Some));
        assert_eq!(Body::SettlementAck.status(), None);
        assert_eq!(Body::SyncRequest { from_event: 0 }.status(), None);
    }

    #[test]
    fn a_kind_reads_as_the_word_the_trace_writes_and_only_four_are_answers_about_the_ledger() {
        let bodies = [
            Body::SettlementAck,
            Body::SyncRequest { from_event: 0 },
            Body::BlockCommitted(BlockCommitted::empty(0)),
            Body::ProofAnswer(ProofAnswer { height: 1, status: Status::Ok, root: None }),
        ];
        let words: Vec<&str> = bodies.iter().map(|b| b.kind().word()).collect();
        assert_eq!(words, ["settlement_ack", "sync_request", "block_committed", "proof_answer"]);
        for body in &bodies {
            assert_eq!(serde_json::to_value(body.kind()).unwrap(), body.kind().word());
            assert_eq!(body.kind().to_string(), body.kind().word());
        }
        let answers = [Kind::VerifyAnswer, Kind::ProofAnswer, Kind::BalanceAnswer, Kind::StatusAnswer];
        assert!(answers.iter().all(|k| k.is_ledger_answer()));
        assert!(![Kind::GetResponse, Kind::Settlement, Kind::BlockCommitted].iter().any(|k| k.is_ledger_answer()));
        // Every answer about the ledger is an answer; a request, an inform and a ledger's event
        // are not.
        assert!(answers.iter().chain(&[Kind::GetResponse, Kind::TxAccepted, Kind::Settlement]).all(|k| k.is_answer()));
        let not_answers = [Kind::Get, Kind::Advertisement, Kind::BlockCommitted, Kind::Transfer, Kind::Order];
        assert!(!not_answers.iter().any(|k| k.is_answer()));
        assert_eq!(Kind::ALL.iter().filter(|k| k.is_answer()).count(), 8);
    }

    #[test]
    fn a_kind_says_who_sends_it_to_whom_and_whether_it_asks_for_a_users_data() {
        use crate::protocol::ids::Role;
        assert_eq!(Kind::Order.parties(), (Role::User, Role::Org));
        assert_eq!(Kind::SignRequest.parties(), (Role::Org, Role::User));
        assert_eq!(Kind::Submit.parties(), (Role::Org, Role::Ledger));
        assert_eq!(Kind::BlockCommitted.parties(), (Role::Ledger, Role::Org));
        assert_eq!(Kind::Transfer.parties(), (Role::Org, Role::Org));
        // The gets of the reference flow, of an operation and of a plan, and nothing else.
        let asks: Vec<&str> = Kind::ALL.iter().filter(|k| k.asks_for_user_data()).map(|k| k.word()).collect();
        assert!(asks.contains(&"get") && asks.contains(&"plan_get"), "{asks:?}");
        assert!(asks.iter().all(|word| word.ends_with("get")), "{asks:?}");
        assert!(!Kind::GetResponse.asks_for_user_data() && !Kind::Transfer.asks_for_user_data());
    }
}
