//! The simulated network: the one place that decides what happens to a
//! transmission (delivered after a latency, lost, duplicated, corrupted), the
//! topology, latency models and the seeded random streams behind every decision.
//! `Network` is synchronous: it returns events and arrivals, and a driver moves them.

pub mod faults;
pub mod latency;
pub mod network;
pub mod rng;
pub mod topology;
