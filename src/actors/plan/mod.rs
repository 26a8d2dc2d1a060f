//! Execution plans in the orgs' state machines. `coordinator` is what the coordinating org
//! decides as approvals, consents and instruction results come in: a sans-IO machine of its
//! own, fed events and answering with acts, so that the rules of `docs/plans.md` (revert
//! before anything irreversible is sent, only forward after) are tested on their own.

pub mod coordinator;
