//! Status codes on the wire. Scenario files speak in words; the wire in codes.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | ok |
//! | 1 | regulation failure (with the rule and field) |
//! | 2 | denied / permission |
//! | 3 | not found |
//! | 4 | signature failure (the user's signature over the transfer) |
//! | 5 | insufficient balance |
//! | 6 | timeout (never sent; recorded when an exchange runs out of retries) |
//! | 7 | pending (a transfer accepted but not final yet) |
//! | 8 | replay (the same signed transfer was accepted under another request id) |

use serde::{Deserialize, Serialize};
use std::fmt;

/// A FinP2P status code: its number on the wire, its word (`not_found`) in the trace and JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 0: ok.
    Ok,
    /// 1: a regulation check failed.
    Regulation,
    /// 2: the requester is not allowed (not shared, not entitled).
    Denied,
    /// 3: no such resource.
    NotFound,
    /// 4: the user's signature does not verify.
    Signature,
    /// 5: the source account holds too little.
    Balance,
    /// 6: no answer after every retry.
    Timeout,
    /// 7: accepted, not final yet.
    Pending,
    /// 8: the user's signed transfer was already accepted under another request id.
    Replay,
}

impl Status {
    /// Every status, in the order of their codes.
    pub const ALL: [Status; 9] = [
        Status::Ok,
        Status::Regulation,
        Status::Denied,
        Status::NotFound,
        Status::Signature,
        Status::Balance,
        Status::Timeout,
        Status::Pending,
        Status::Replay,
    ];

    /// The numeric code on the wire.
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Regulation => 1,
            Status::Denied => 2,
            Status::NotFound => 3,
            Status::Signature => 4,
            Status::Balance => 5,
            Status::Timeout => 6,
            Status::Pending => 7,
            Status::Replay => 8,
        }
    }

    /// The word a scenario file uses for it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Regulation => "regulation",
            Status::Denied => "denied",
            Status::NotFound => "not_found",
            Status::Signature => "signature",
            Status::Balance => "balance",
            Status::Timeout => "timeout",
            Status::Pending => "pending",
            Status::Replay => "replay",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.word(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_goes_on_the_wire_as_its_documented_code() {
        for (code, status) in Status::ALL.into_iter().enumerate() {
            assert_eq!(status.code() as usize, code, "{status:?}");
            assert_eq!(postcard::to_allocvec(&status).unwrap(), [status.code()], "{status:?}");
            assert_eq!(postcard::from_bytes::<Status>(&[status.code()]).unwrap(), status);
            assert_eq!(serde_json::to_value(status).unwrap(), status.word(), "the trace writes its word");
        }
        assert_eq!(Status::Regulation.to_string(), "regulation (1)");
    }
}
