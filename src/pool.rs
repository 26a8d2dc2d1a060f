//! The worker pool behind sweeps and suites: `count` jobs, numbered from 0, run on worker threads
//! that each keep one actix System (a `Runner`); results reach the caller in job order, each as
//! soon as every earlier one is known, so what the caller sees does not depend on the number of
//! workers.

use crate::sim::Runner;
use std::collections::BTreeMap;
use std::sync::{mpsc, Mutex, PoisonError};

/// Runs jobs `0..count` with `work` on up to `jobs` worker threads (at least one), and calls
/// `on_result` on the calling thread once per job, in job order. When `on_result` returns
/// `false` (its reader has gone, or the caller wants no more), no further job starts; the jobs
/// under way finish and are dropped. Returns the error of spawning the first worker (later
/// workers that cannot be spawned are done without).
pub fn ordered<R: Send>(
    count: u128,
    jobs: usize,
    work: impl Fn(&Runner, u128) -> R + Sync,
    on_result: &mut dyn FnMut(u128, R) -> bool,
) -> std::io::Result<()> {
    let next = Mutex::new(0u128);
    let (sender, receiver) = mpsc::channel::<(u128, R)>();
    std::thread::scope(|scope| {
        let mut workers = 0;
        for index in 0..jobs.max(1) {
            let (sender, next, work) = (sender.clone(), &next, &work);
            let spawned = std::thread::Builder::new().name(format!("worker-{index}")).spawn_scoped(scope, move || {
                let runner = Runner::new();
                loop {
                    let job = {
                        let mut next = next.lock().unwrap_or_else(PoisonError::into_inner);
                        if *next >= count {
                            break;
                        }
                        *next += 1;
                        *next - 1
                    };
                    if sender.send((job, work(&runner, job))).is_err() {
                        break;
                    }
                }
            });
            match spawned {
                Ok(_) => workers += 1,
                Err(error) if workers == 0 => return Err(error),
                Err(_) => break,
            }
        }
        drop(sender);
        // Results arrive in any order; each is released once every earlier job is known.
        let mut held: BTreeMap<u128, R> = BTreeMap::new();
        let mut expected = 0u128;
        for (job, result) in receiver {
            held.insert(job, result);
            while let Some(result) = held.remove(&expected) {
                expected += 1;
                if !on_result(expected - 1, result) {
                    *next.lock().unwrap_or_else(PoisonError::into_inner) = count;
                    held.clear();
                    expected = count;
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_job_order_whatever_the_workers_and_stop_when_asked() {
        for jobs in [1, 2, 5] {
            let mut seen = Vec::new();
            super::ordered(20, jobs, |_, job| job * 10, &mut |job, result| {
                seen.push((job, result));
                true
            })
            .unwrap();
            assert_eq!(seen, (0..20).map(|j| (j, j * 10)).collect::<Vec<_>>(), "{jobs} workers");
            let mut first = Vec::new();
            super::ordered(20, jobs, |_, job| job, &mut |job, _| {
                first.push(job);
                job < 3
            })
            .unwrap();
            assert_eq!(first, [0, 1, 2, 3], "no result after the caller said stop");
        }
    }
}
