//! The number of threads kernels may use: 1 by default, raised with
//! [`set_num_threads`](crate::set_num_threads). Work is split only where it
//! pays (the optimizer step over large parameters, the largest matrix
//! products), with `std::thread::scope`, so no thread outlives the call.

use std::sync::atomic::{AtomicUsize, Ordering};

static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets how many threads tapegrad's kernels may use (1, the default, runs
/// everything on the calling thread). Work is split only where it is large
/// enough to gain: the optimizer updates of parameters over about a million
/// elements and the larger matrix products.
///
/// # Panics
/// If `n` is 0.
pub fn set_num_threads(n: usize) {
    assert!(n >= 1, "set_num_threads: need at least one thread, got 0");
    THREADS.store(n, Ordering::Relaxed);
}

/// The number of threads kernels may use.
pub fn num_threads() -> usize {
    THREADS.load(Ordering::Relaxed)
}

/// How many threads to use for `len` units of work when each thread should
/// get at least `min_per_thread`.
pub(crate) fn threads_for(len: usize, min_per_thread: usize) -> usize {
    num_threads().min(len / min_per_thread.max(1)).max(1)
}

/// Runs `work` on `parts` pieces, each on its own thread but the last, which
/// runs on the calling thread. `split` turns the inputs into the pieces.
pub(crate) fn run_parts<P: Send>(parts: Vec<P>, work: impl Fn(P) + Sync) {
    let work = &work;
    std::thread::scope(|scope| {
        let mut parts = parts.into_iter();
        let last = parts.next_back();
        for part in parts {
            scope.spawn(move || work(part));
        }
        if let Some(part) = last {
            work(part);
        }
    });
}
