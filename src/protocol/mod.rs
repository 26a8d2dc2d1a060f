//! The FinP2P protocol as finsim models it: ids, typed messages, signed envelopes,
//! keys derived from the seed, status codes, the Asset Transaction Signature Template and IVMS-101 documents.

pub mod atst;
pub(crate) mod canonical;
pub mod cause;
pub mod clock;
pub(crate) mod config;
pub mod envelope;
pub mod ids;
pub mod ivms101;
pub mod keys;
pub mod message;
pub mod operation;
pub mod plan;
pub mod status;
