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
mod redeem;

pub use issue::{IssueGet, IssueNotice, IssueOrder};
pub use redeem::{Redeem, RedeemTemplate, SignRedeem};

/// An operation on an asset's supply, beside transfers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// The asset's managing org mints new tokens to an account.
    Issue,
    /// A holder's tokens are burnt by the asset's managing org.
    Redeem,
}

impl Operation {
    /// The word the scenario file, the trace and the report use.
    pub fn word(self) -> &'static str {
        match self {
            Operation::Issue => "issue",
            Operation::Redeem => "redeem",
        }
    }
}

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
