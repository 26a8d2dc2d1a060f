//! The steps that move tokens: a transfer, an issue, a redeem. Each is a module of its own that
//! holds its part of the file model (its `…Step`, one value of `StepSpec`), its typed step, how
//! the one becomes the other (`validate`), and what the engine, the checks and the reports read of
//! it (`Moves`). Nothing outside this folder names an operation's fields: the flow starts a step by
//! its `Moves::dispatch`, the checks read its `supply_change` and `data_subject`, the reports its
//! `Moving::word`, `account` and `quantity`, the shrinker its `WORDS`.
//!
//! A new operation's step is a module here and one line of the `operations!` registry (this
//! file): the line makes `Moving` (which `Action::Moves` holds), the file's keys for the step and
//! for its expectation (`StepSpec::Moves`, `ExpectSpec::Moves` in `model.rs`), the validator's
//! dispatch and `WORDS`, so no other file names it.

pub mod issue;
pub mod redeem;
pub mod transfer;

use super::model::{TransferExpect, Whole, S};
use super::validate::Validator;
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

/// The registry: each operation's variant, its typed step, its part of the file model, the
/// operation on the supply it is on the wire (none for a transfer) and its word (the file's key,
/// the trace's and the report's name). Calls `$callback!` with the list: `declare!` below makes
/// `Moving`, `MovingSpec`, `MovingExpect` and `WORDS` from it, and the file model its steps'
/// and expectations' keys (`model.rs`). A new operation is a line here and its module.
macro_rules! operations {
    ($callback:ident) => {
        $callback! {
            /// A user buys tokens from an account of the asset's org.
            Transfer(
                crate::scenario::operation::transfer::Transfer,
                crate::scenario::operation::transfer::TransferStep,
                None
            ) = "transfer",
            /// The asset's managing org mints new tokens to an account.
            Issue(
                crate::scenario::operation::issue::Issue,
                crate::scenario::operation::issue::IssueStep,
                Some(crate::protocol::operation::Operation::Issue)
            ) = "issue",
            /// A holder redeems tokens: the asset's managing org burns them.
            Redeem(
                crate::scenario::operation::redeem::Redeem,
                crate::scenario::operation::redeem::RedeemStep,
                Some(crate::protocol::operation::Operation::Redeem)
            ) = "redeem",
        }
    };
}
pub(crate) use operations;

macro_rules! declare {
    ($($(#[$doc:meta])* $variant:ident($step:ty, $spec:ty, $operation:expr) = $word:literal,)+) => {
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

            /// The operation on the supply it is on the wire, if it is one (an issue or a redeem).
            pub fn operation(&self) -> Option<Operation> {
                match self {
                    $(Moving::$variant(_) => $operation,)+
                }
            }
        }

        /// A step that moves tokens, as the file writes it (`StepSpec::Moves`).
        #[derive(Debug)]
        pub(crate) enum MovingSpec {
            $($variant($spec),)+
        }

        impl MovingSpec {
            /// When the file starts it, if it says.
            pub(crate) fn at_ms(&self) -> Option<&S<Whole>> {
                match self {
                    $(MovingSpec::$variant(spec) => spec.at_ms.as_ref(),)+
                }
            }

            /// The step the file describes, or `None` after recording its problems in `v`: its
            /// request id unique among the steps that move tokens and its quantity at least 1, then
            /// what its own module checks.
            pub(in crate::scenario) fn validate(&self, v: &mut Validator) -> Option<Moving> {
                match self {
                    $(MovingSpec::$variant(spec) => {
                        v.operation_step($word, &spec.request_id, &spec.quantity);
                        <$step>::validate(spec, v).map(Moving::$variant)
                    })+
                }
            }
        }

        /// The final status a step that moves tokens is expected to end with, as the file writes
        /// it (`ExpectSpec::Moves`): its word and its fields.
        #[derive(Debug)]
        pub(crate) enum MovingExpect {
            $($variant(TransferExpect),)+
        }

        impl MovingExpect {
            /// The word of the step it names, and its fields.
            pub(crate) fn parts(&self) -> (&'static str, &TransferExpect) {
                match self {
                    $(MovingExpect::$variant(fields) => ($word, fields),)+
                }
            }
        }

        /// Every operation's word, in the registry's order.
        pub const WORDS: &[&str] = &[$($word),+];
    };
}

operations!(declare);

impl Moving {
    /// The word of the step `moving` and whose org must know its final status (`buyer`,
    /// `receiver`, `holder`), as the checks name them; a request no step of the flow makes
    /// is named as a transfer is (a request from outside the flow is one).
    pub fn names(moving: Option<&Moving>) -> (&'static str, &'static str) {
        moving.map_or(("transfer", "buyer"), |m| (m.word(), m.moves().knower()))
    }
}

#[cfg(test)]
mod tests {
    use super::{Moving, WORDS};
    use crate::actors::outbox::Command;
    use crate::protocol::ids::{ActorId, OrgId, ResourceId};
    use crate::protocol::operation::Operation;
    use crate::scenario::model::StepSpec;
    use crate::scenario::{Scenario, SupplyChange};

    fn moving(scenario: &Scenario, request_id: u64) -> &Moving {
        let found = scenario.flow.iter().filter_map(|s| s.action.moving());
        found.into_iter().find(|m| m.moves().request_id() == request_id).expect("the step is in the flow")
    }

    fn id(text: &str) -> ResourceId {
        ResourceId::parse(text).unwrap()
    }

    /// What each operation's step tells the layers above: the sample flow's transfer and the
    /// bundled issue and redeem, field by field.
    #[test]
    fn each_operation_says_what_it_moves_whom_it_tells_and_how_it_starts() {
        let (user, asset, treasury) = (id("org_1:100:user_1"), id("org_2:101:asset_1"), id("org_2:100:treasury"));
        let (org_1, org_2) = (OrgId::from("org_1"), OrgId::from("org_2"));

        let sample = crate::scenario::parse("sample", crate::scenario::SAMPLE_FLOW).unwrap();
        let transfer = moving(&sample, 10101);
        let step = transfer.moves();
        assert_eq!((transfer.word(), transfer.operation(), step.knower()), ("transfer", None, "buyer"));
        assert_eq!((step.account(), step.asset(), step.quantity(), step.told_org()), (&user, &asset, 100, &org_1));
        assert_eq!((step.supply_change(), step.data_subject()), (None, Some((&user, &asset))));
        assert_eq!(step.words(), "transfer 10101 org_1:100:user_1 org_2:101:asset_1 100 org_2:100:treasury");
        let buy = Command::Buy { asset: asset.clone(), quantity: 100, seller: treasury };
        assert_eq!(step.dispatch(), (ActorId::User(user.clone()), org_1.clone(), buy));

        let text = include_str!("../../../scenarios/supply/issue-and-redeem.yaml");
        let supply = crate::scenario::parse("supply", text).unwrap();
        let issue = moving(&supply, 1);
        let step = issue.moves();
        assert_eq!((issue.word(), issue.operation(), step.knower()), ("issue", Some(Operation::Issue), "receiver"));
        assert_eq!((step.account(), step.asset(), step.quantity(), step.told_org()), (&user, &asset, 500, &org_1));
        let mint = SupplyChange::Mint { asset: &asset, to: &user, quantity: 500 };
        assert_eq!((step.supply_change(), step.data_subject()), (Some(mint), Some((&user, &asset))));
        assert_eq!(step.words(), "issue 1 org_2:101:asset_1 org_1:100:user_1 500");
        let command = Command::Issue(crate::protocol::operation::IssueCommand {
            asset: asset.clone(),
            to: user.clone(),
            quantity: 500,
        });
        assert_eq!(step.dispatch(), (ActorId::Org(org_2.clone()), org_2, command));

        let redeem = moving(&supply, 3);
        let step = redeem.moves();
        assert_eq!((redeem.word(), redeem.operation(), step.knower()), ("redeem", Some(Operation::Redeem), "holder"));
        assert_eq!((step.account(), step.asset(), step.quantity(), step.told_org()), (&user, &asset, 120, &org_1));
        let burn = SupplyChange::Burn { asset: &asset, from: &user, quantity: 120 };
        assert_eq!((step.supply_change(), step.data_subject()), (Some(burn), None));
        assert_eq!(step.words(), "redeem 3 org_1:100:user_1 org_2:101:asset_1 120");
        let command =
            Command::Redeem(crate::protocol::operation::RedeemCommand { user: user.clone(), asset, quantity: 120 });
        assert_eq!(step.dispatch(), (ActorId::Org(org_1.clone()), org_1, command));
    }

    /// The file model's `and Moves(…)` group reads each operation's key as that operation's step
    /// (its fields then missing, not its kind unknown), and no other key.
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
