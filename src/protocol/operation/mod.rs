//! Issuance and redemption on the wire: what the asset's managing org mints or burns, and the
//! messages that carry it, each operation's in a module of its own. An issue is the managing
//! org's own decision: it asks the receiver's org for the receiver's IVMS-101 data with a get
//! that carries the issue (`IssueGet`), mints on its ledger, and tells the receiver's org the
//! final status (`IssueNotice`). A redeem is a
//! holder's request: its org builds it from the asset's signature template (operation
//! `redeem`, `RedeemTemplate`), the holder signs it (`SignRedeem`), and the managing org
//! answers it as it answers a transfer (`TxAccepted`, then `Settlement`).

use serde::{Deserialize, Serialize};

mod issue;
mod reading;
mod redeem;

pub use reading::{PackLine, Reading, UserSigned};

pub use issue::{IssueGet, IssueNotice, IssueOrder};
pub use redeem::{Redeem, RedeemTemplate, SignRedeem};

/// The operations' registry: a block per operation on an asset's supply, with the word the
/// scenario file, the trace and the report use, and the bodies it adds to the wire, each a line
/// of the message table (`protocol::message`: the variant and its payload, the trace's word,
/// who sends it to whom, what it is, the statuses it can carry, the field that holds its status).
/// `Operation`, and `Body` and `Kind` with the operations' bodies at their place on the wire,
/// are made from it: `$callback!` gets the arguments it is given, then the blocks.
macro_rules! with_operations {
    ($($callback:tt)::+ ! $($args:tt)*) => {
        $($callback)::+! { $($args)*
            /// The asset's managing org mints new tokens to an account.
            Issue = "issue" {
                /// An issue: the managing org asks the receiver's org for the receiver's
                /// IVMS-101 data.
                IssueGet($crate::protocol::operation::IssueGet) = "issue_get", Org -> Org, DataRequest [];
                /// An issue's final status, the managing org to the receiver's org.
                IssueNotice($crate::protocol::operation::IssueNotice) = "issue_notice", Org -> Org,
                    Message [Regulation, Denied, Timeout] => settlement.status;
            }
            /// A holder's tokens are burnt by the asset's managing org.
            Redeem = "redeem" {
                /// A redeem: the org asks its user to sign the template.
                SignRedeem($crate::protocol::operation::SignRedeem) = "sign_redeem", Org -> User, Message [];
                /// A redeem request, the holder's org to the asset's managing org.
                Redeem($crate::protocol::operation::Redeem) = "redeem", Org -> Org, Message [];
            }
        }
    };
}
pub(crate) use with_operations;

/// A `match` over a `Body` whose operations' bodies each take one arm written once:
/// `match_body!(body, payload => expression, { other arms })`. The expression is expanded for
/// each operation's body with `payload` bound to its own type, so a layer calls its trait on it
/// (a new operation's body that does not implement the trait is a compile error there). Over an
/// enum that mirrors `Body`'s variants (the witness's heads), name it first: `match_body!(Head;
/// head, …)`.
macro_rules! match_body {
    ($($enum:ident)::+; $body:expr, $payload:ident => $each:expr, { $($arms:tt)* }) => {
        $crate::protocol::operation::with_operations! {
            $crate::protocol::operation::match_operation_bodies!
                ([$($enum)::+] $body, $payload => $each, { $($arms)* })
        }
    };
    ($body:expr, $payload:ident => $each:expr, { $($arms:tt)* }) => {
        $crate::protocol::operation::with_operations! {
            $crate::protocol::operation::match_operation_bodies!
                ([$crate::protocol::message::Body] $body, $payload => $each, { $($arms)* })
        }
    };
}
pub(crate) use match_body;

/// `match_body!`'s second half: the registry's blocks read back into arms.
macro_rules! match_operation_bodies {
    (
        ([$($enum:tt)*] $body:expr, $payload:ident => $each:expr, { $($arms:tt)* })
        $($(#[$attr:meta])* $operation:ident = $word:literal {
            $(
                $(#[$body_attr:meta])*
                $variant:ident ($type:ty) = $kind:literal, $from:ident -> $to:ident, $nature:ident
                    [$($status:ident),*] $(=> $($path:ident).+)?;
            )+
        })+
    ) => {
        {
            use $($enum)* as Mirror;
            match $body {
                $($arms)*
                $($(Mirror::$variant($payload) => $each,)+)+
            }
        }
    };
}
pub(crate) use match_operation_bodies;

/// Declares `Operation` from the registry's blocks.
macro_rules! operations {
    ($($(#[$attr:meta])* $operation:ident = $word:literal { $($bodies:tt)* })+) => {
        /// An operation on an asset's supply, beside transfers.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Operation {
            $($(#[$attr])* $operation,)+
        }

        impl Operation {
            /// Every operation, in the registry's order.
            pub const ALL: &'static [Operation] = &[$(Operation::$operation),+];

            /// The word the scenario file, the trace and the report use.
            pub fn word(self) -> &'static str {
                match self {
                    $(Operation::$operation => $word,)+
                }
            }
        }
    };
}

with_operations!(operations!);

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn each_operation_reads_as_the_word_the_file_and_the_trace_write() {
        assert_eq!((Operation::Issue.word(), Operation::Redeem.word()), ("issue", "redeem"));
        assert_eq!(
            (Operation::Issue.to_string(), Operation::Redeem.to_string()),
            ("issue".to_owned(), "redeem".to_owned())
        );
        assert_eq!(serde_json::to_value(Operation::Redeem).unwrap(), "redeem");
    }
}
