//! Execution plans in the orgs' state machines, each a sans-IO machine of its own, fed events
//! and answering with acts, so that the rules of `docs/plans.md` are tested on their own:
//! `coordinator` is what the coordinating org decides as approvals, consents and instruction
//! results come in (revert before anything irreversible is sent, only forward after);
//! `executor` is what an executing org submits to its ledger and answers (each instruction
//! once, a re-sent one answered with where it stands, nothing after a revert).

pub mod coordinator;
pub mod executor;
