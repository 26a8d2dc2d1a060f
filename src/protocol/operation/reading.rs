//! What the layers above the wire read of an operation's body, said by the operation's own
//! module: who alone may send it, the request its user signed, the final status it tells, its
//! line of an evidence pack. Every body of the operations' registry implements `Reading`
//! (`Body::reading` and the witness's heads hand it out), so a new body that does not is a
//! compile error, not a body the checks silently pass over.

use crate::protocol::ids::{ActorId, ResourceId};
use crate::protocol::message::{Account, Settlement, UserSignature};

/// What the layers above the wire read of one operation's body.
pub trait Reading {
    /// The resource whose managing org alone may send this body to change its receiver's state
    /// (an issue's asset: only its org mints; a redeem's holder: only the holder's org asks to
    /// burn); `None` when no state changes because of it.
    fn entitled(&self) -> Option<&ResourceId>;
    /// The request its user signed, if it carries one (what the checks re-verify and bind to the
    /// ledger transaction that settles it).
    fn user_signed(&self) -> Option<UserSigned<'_>>;
    /// The final status it tells the org that is told, with the proof when settled.
    fn told(&self) -> Option<&Settlement>;
    /// Its line of an evidence pack's operations, if the pack has one for it (a body an org sends
    /// for the operation's request; what the pack's independent reader re-verifies).
    fn pack_line(&self) -> Option<PackLine<'_>>;
}

/// A request a user signed, as an operation's body carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSigned<'a> {
    /// The asset.
    pub asset: &'a ResourceId,
    /// The user who signed, with the finid the template names.
    pub signer: &'a Account,
    /// The template's nonce.
    pub nonce: [u8; 32],
    /// The template's fields, in order, as the user signed them.
    pub fields: Vec<Vec<u8>>,
    /// The signature over the template hash.
    pub signature: &'a UserSignature,
}

/// An operation's line of an evidence pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackLine<'a> {
    /// A request its user signed: the word the pack names the signer by (`holder`), and the
    /// request.
    Signed(&'static str, UserSigned<'a>),
    /// An order of the managing org's own: the word the pack names the account by (`receiver`),
    /// the account, the asset and the quantity.
    Ordered(&'static str, &'a ResourceId, &'a ResourceId, u64),
}

/// What a flow step hands the org that starts an operation (its command), as the readable
/// account says it.
pub trait Step {
    /// The step in words: what `actor` was asked to do under `request_id`.
    fn says(&self, request_id: u64, actor: &ActorId) -> String;
}
