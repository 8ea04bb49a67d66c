//! libtorch's random generator, one per process, shared by the checks that
//! a grader runs at once.
//!
//! A grader grades `--jobs` submissions at once, on threads of one process,
//! and libtorch has one default generator per process. Two checks seeding it
//! and drawing from it at the same time interleave their draws: neither
//! check's inputs would then follow from its seed, and a failure could not be
//! reproduced (a04's samples gave other numbers from one run to the next).
//! So a check takes the generator with [`manual_seed`] and keeps it until it
//! ends ([`release`], which the suite calls after every check): checks that
//! draw from libtorch run one at a time, while the others, and every build,
//! go on beside them.

use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::{self, ThreadId};

/// The thread whose check holds the generator.
static OWNER: Mutex<Option<ThreadId>> = Mutex::new(None);
/// Signalled when the generator is released.
static FREED: Condvar = Condvar::new();

/// Seeds libtorch's generator for the calling thread's check, first waiting
/// until no other thread's check holds it. The check keeps it until
/// [`release`]; seeding again within the check only seeds.
pub fn manual_seed(seed: i64) {
    let me = thread::current().id();
    let mut owner = OWNER.lock().unwrap_or_else(PoisonError::into_inner);
    while owner.is_some_and(|o| o != me) {
        owner = FREED.wait(owner).unwrap_or_else(PoisonError::into_inner);
    }
    *owner = Some(me);
    tch::manual_seed(seed);
}

/// Lets other threads' checks take the generator, if the calling thread
/// holds it.
pub fn release() {
    let mut owner = OWNER.lock().unwrap_or_else(PoisonError::into_inner);
    if *owner == Some(thread::current().id()) {
        *owner = None;
        FREED.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two threads that seed and draw at once each get the draws of their
    /// own seed, as if alone.
    #[test]
    fn a_check_that_seeded_the_generator_draws_alone_until_it_releases_it() {
        let alone = |seed: i64| {
            manual_seed(seed);
            let mut draws = Vec::new();
            for _ in 0..50 {
                draws.push(tch::Tensor::randn([4], (tch::Kind::Double, tch::Device::Cpu)).double_value(&[0]));
                thread::yield_now();
            }
            release();
            draws
        };
        let (a, b) = (alone(1), alone(2));
        for _ in 0..3 {
            let (x, y) = thread::scope(|s| {
                let x = s.spawn(|| alone(1));
                let y = s.spawn(|| alone(2));
                (x.join().expect("thread 1"), y.join().expect("thread 2"))
            });
            assert_eq!(x, a);
            assert_eq!(y, b);
        }
    }
}
