//! Issuance and redemption on the wire: what the asset's managing org mints or burns, and the
//! messages that carry it, each operation's in a module of its own. An issue is the managing
//! org's own decision: it asks the receiver's org for the receiver's IVMS-101 data with a get
//! that carries the issue (`IssueGet`), mints on its ledger, and tells the receiver's org the
//! final status (`IssueNotice`). A redeem is a
//! holder's request: its org builds it from the asset's signature template (operation
//! `redeem`, `RedeemTemplate`), the holder signs it (`SignRedeem`), and the managing org
//! answers it as it answers a transfer (`TxAccepted`, then `Settlement`).

use serde::{Deserialize, Serialize};
use std::fmt::Display;

mod issue;
mod reading;
mod redeem;

pub use reading::{PackLine, Reading, Step, UserSigned};

pub use issue::{IssueCommand, IssueGet, IssueNotice, IssueOrder};
pub use redeem::{Redeem, RedeemCommand, RedeemTemplate, SignRedeem};

/// The operations' registry: a block per operation on an asset's supply, with the word the
/// scenario file, the trace and the report use; in parentheses, the command a flow step hands
/// the org that starts it, the request the asset's managing org decides, the template a user
/// signs for it (if one does) and the report's sentence for its start; then the bodies it adds
/// to the wire, each a line of the message table (`protocol::message`: the variant and its
/// payload, the trace's word, who sends it to whom, what it is, the statuses it can carry, the
/// field that holds its status) and, for a request answered as one of the reference flow's
/// exchanges is, that exchange. `Operation`, `Body` and `Kind` (the operations' bodies at their
/// place on the wire), the org's commands, exchanges and deals, and the witness's heads are made
/// from it: `$callback!` gets the arguments it is given, then the blocks.
macro_rules! with_operations {
    ($($callback:tt)::+ ! $($args:tt)*) => {
        $($callback)::+! { $($args)*
            /// The asset's managing org mints new tokens to an account.
            Issue = "issue" (
                command IssueCommand, request IssueOrder,
                started "{org} starts issue {request_id} to {account}"
            ) {
                /// An issue: the managing org asks the receiver's org for the receiver's
                /// IVMS-101 data.
                IssueGet($crate::protocol::operation::IssueGet) = { "issue_get", Org -> Org, DataRequest [] }
                    exchange IvmsGet;
                /// An issue's final status, the managing org to the receiver's org.
                IssueNotice($crate::protocol::operation::IssueNotice) = {
                    "issue_notice", Org -> Org, Message [Regulation, Denied, Timeout] => settlement.status
                } exchange Settlement;
            }
            /// A holder's tokens are burnt by the asset's managing org.
            Redeem = "redeem" (
                command RedeemCommand, request Redeem, signs RedeemTemplate,
                started "{org} builds redeem {request_id} for {account} from the ATST"
            ) {
                /// A redeem: the org asks its user to sign the template.
                SignRedeem($crate::protocol::operation::SignRedeem) = { "sign_redeem", Org -> User, Message [] };
                /// A redeem request, the holder's org to the asset's managing org.
                Redeem($crate::protocol::operation::Redeem) = { "redeem", Org -> Org, Message [] } exchange Transfer;
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
        $($(#[$attr:meta])* $operation:ident = $word:literal ($($header:tt)*) {
            $(
                $(#[$body_attr:meta])*
                $variant:ident ($type:ty) = { $($line:tt)* } $(exchange $like:ident)?;
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

/// A `match` over an enum with a variant per operation (the org's commands), each taking one
/// arm written once: `match_operation!(Command; command, payload => expression, { other arms })`,
/// the expression expanded for each operation's variant with `payload` bound to its own type.
macro_rules! match_operation {
    ($($enum:ident)::+; $value:expr, $payload:ident => $each:expr, { $($arms:tt)* }) => {
        $crate::protocol::operation::with_operations! {
            $crate::protocol::operation::match_operation_arms!
                ([$($enum)::+] $value, $payload => $each, { $($arms)* })
        }
    };
}
pub(crate) use match_operation;

/// `match_operation!`'s second half: the registry's blocks read back into arms.
macro_rules! match_operation_arms {
    (
        ([$($enum:tt)*] $value:expr, $payload:ident => $each:expr, { $($arms:tt)* })
        $($(#[$attr:meta])* $operation:ident = $word:literal ($($header:tt)*) { $($bodies:tt)* })+
    ) => {
        {
            use $($enum)* as Mirror;
            match $value {
                $($arms)*
                $(Mirror::$operation($payload) => $each,)+
            }
        }
    };
}
pub(crate) use match_operation_arms;

/// The first of two: expands a piece of a registry's block once per block or line that has the
/// optional second (`$(first!(piece, $optional))?`).
macro_rules! first {
    ($first:expr, $second:tt) => {
        $first
    };
}
pub(crate) use first;

/// Declares `Operation` from the registry's blocks.
macro_rules! operations {
    ($(
        $(#[$attr:meta])* $operation:ident = $word:literal (
            command $command:ident, request $request:ident $(, signs $signs:ident)?, started $started:literal
        ) { $($bodies:tt)* }
    )+) => {
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

            /// The word the trace writes when the asset's org accepts its request
            /// (`redeem_accepted`).
            pub fn accepted(self) -> &'static str {
                match self {
                    $(Operation::$operation => concat!($word, "_accepted"),)+
                }
            }

            /// The report's sentence for its start at `org`, for `account`.
            pub fn started(self, org: &dyn Display, request_id: u64, account: &dyn Display) -> String {
                match self {
                    $(Operation::$operation => {
                        format!($started, org = org, request_id = request_id, account = account)
                    })+
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

/// A body of each kind the operations add, each operation's from its module (for the tests that
/// take every kind).
#[cfg(test)]
pub(crate) fn samples() -> Vec<crate::protocol::message::Body> {
    [issue::samples(), redeem::samples()].concat()
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
        assert_eq!((Operation::Issue.accepted(), Operation::Redeem.accepted()), ("issue_accepted", "redeem_accepted"));
    }

    #[test]
    fn each_operations_start_reads_as_the_reports_sentence() {
        let (org, account) = ("org_1", "org_1:100:user_1");
        assert_eq!(Operation::Issue.started(&org, 2, &account), "org_1 starts issue 2 to org_1:100:user_1");
        let redeem = Operation::Redeem.started(&org, 3, &account);
        assert_eq!(redeem, "org_1 builds redeem 3 for org_1:100:user_1 from the ATST");
    }
}
