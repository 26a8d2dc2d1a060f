//! The steps that move tokens: a transfer, an issue, a redeem. Each is a module of its own that
//! holds its part of the file model (its `…Step`, one value of `StepSpec`), its typed step, how
//! the one becomes the other (`validate`), and what the engine, the checks and the reports read of
//! it (`Moves`). Nothing outside this folder names an operation's fields: the flow starts a step by
//! its `Moves::dispatch`, the checks read its `supply_change` and `data_subject`, the reports its
//! `Moving::word`, `account` and `quantity`, the shrinker its `WORDS`.
//!
//! A new operation's step is a module here and its line of the `operations!` registry (this
//! file), and its line of `StepSpec` with its arm in the validator's `step`
//! (`model.rs`, `validate/mod.rs`): three existing files, and every match of them is exhaustive,
//! so a forgotten one is a compile error. `Action::Moves` holds any of them.

pub mod issue;
pub mod redeem;
pub mod transfer;

use super::SupplyChange;
use crate::actors::outbox::Command;
use crate::protocol::ids::{ActorId, OrgId, ResourceId};
use crate::protocol::operation::Operation;

/// What every part of finsim above the scenario reads of a step that moves tokens.
pub trait Moves {
    /// Its request id, unique among the steps that move tokens.
    fn request_id(&self) -> u64;
    /// The asset it moves.
    fn asset(&self) -> &ResourceId;
    /// How many tokens.
    fn quantity(&self) -> u64;
    /// The account a report shows it by: a transfer's buyer, an issue's receiver, a redeem's
    /// holder.
    fn account(&self) -> &ResourceId;
    /// The operation on the supply it is on the wire, if it is one (an issue or a redeem).
    fn operation(&self) -> Option<Operation>;
    /// The org that must know its final status: the step finishes when that org knows.
    fn told_org(&self) -> &OrgId;
    /// Whose org that is, as the checks word it: `buyer`, `receiver`, `holder`.
    fn knower(&self) -> &'static str;
    /// What it does to its asset's supply, if it mints or burns.
    fn supply_change(&self) -> Option<SupplyChange<'_>>;
    /// The user whose IVMS-101 data the asset's managing org may get while it is pending, with
    /// the asset.
    fn data_subject(&self) -> Option<(&ResourceId, &ResourceId)>;
    /// Its word and every field, ids as the file writes them (`Step::identity`).
    fn words(&self) -> String;
    /// The actor it starts at, the org whose availability it needs, and the command it starts
    /// with.
    fn dispatch(&self) -> (ActorId, OrgId, Command);
}

/// The registry: each operation's variant of `Moving`, its step's type and its word (the file's
/// key, the trace's and the report's name). `Moving`, `Moving::moves`, `Moving::word` and `WORDS`
/// are made from it.
macro_rules! operations {
    ($($(#[$doc:meta])* $variant:ident($step:ty) = $word:literal,)+) => {
        /// A step that moves tokens, of whichever operation.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Moving {
            $($(#[$doc])* $variant($step),)+
        }

        impl Moving {
            /// The step, as every part of finsim above the scenario reads it.
            pub fn moves(&self) -> &dyn Moves {
                match self {
                    $(Moving::$variant(step) => step,)+
                }
            }

            /// Its word: the file's key, the trace's and the report's name for it.
            pub fn word(&self) -> &'static str {
                match self {
                    $(Moving::$variant(_) => $word,)+
                }
            }
        }

        /// Every operation's word, in the registry's order.
        pub const WORDS: &[&str] = &[$($word),+];
    };
}

operations! {
    /// A user buys tokens from an account of the asset's org.
    Transfer(transfer::Transfer) = "transfer",
    /// The asset's managing org mints new tokens to an account.
    Issue(issue::Issue) = "issue",
    /// A holder redeems tokens: the asset's managing org burns them.
    Redeem(redeem::Redeem) = "redeem",
}

#[cfg(test)]
mod tests {
    use super::WORDS;
    use crate::scenario::model::StepSpec;

    /// The registry and the file model agree: every operation's word is a step the file may
    /// write (its fields then missing, not its kind unknown).
    #[test]
    fn every_operation_is_a_step_of_the_file() {
        for word in WORDS {
            let error = serde_saphyr::from_str::<StepSpec>(&format!("{word}: {{}}\n")).unwrap_err().to_string();
            assert!(error.contains("missing field"), "`{word}`: {error}");
        }
        let error = serde_saphyr::from_str::<StepSpec>("mint: {}\n").unwrap_err().to_string();
        assert!(error.contains("unknown variant"), "{error}");
    }
}
