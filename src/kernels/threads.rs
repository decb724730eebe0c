//! The number of threads kernels may use: 1 by default, raised with
//! [`set_num_threads`](crate::set_num_threads). Work is split only where it
//! pays (the optimizer step over large parameters, the larger matrix
//! products), on a rayon pool: its threads live as long as the process, so
//! a split costs a wake-up (microseconds), not a thread start, and the GEMM's
//! thread-local packing buffers survive from one product to the next.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::{ThreadPool, ThreadPoolBuilder};

static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets how many threads tapegrad's kernels may use (1, the default, runs
/// everything on the calling thread), and returns the count now in effect.
/// Work is split only where it is large enough to gain: the Adam and AdamW
/// updates of parameters over 128k elements and the larger matrix products.
///
/// The count is clamped to [`max_num_threads`], four threads per CPU this
/// process may run on: the kernels compute without waiting, so threads
/// beyond the cores only take turns on them, and every thread is a worker
/// that wakes for each split. (Before the clamp, 1,000 threads made a
/// 512 x 512 product take a second instead of milliseconds, and 100,000
/// never finished starting.) A few threads per core stay allowed, so that a
/// split into more parts than cores can be run and tested on a small machine.
///
/// ```
/// use tapegrad::{max_num_threads, num_threads, set_num_threads};
/// assert_eq!(set_num_threads(1_000_000), max_num_threads());
/// assert_eq!(num_threads(), max_num_threads());
/// set_num_threads(1);
/// ```
///
/// # Panics
/// If `n` is 0.
#[track_caller]
pub fn set_num_threads(n: usize) -> usize {
    assert!(n >= 1, "set_num_threads: need at least one thread, got 0");
    let n = n.min(max_num_threads());
    THREADS.store(n, Ordering::Relaxed);
    n
}

/// The most threads [`set_num_threads`] allows: four per CPU this process
/// may run on (`std::thread::available_parallelism`, which follows CPU
/// affinity and container limits; 4 if it cannot tell).
pub fn max_num_threads() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| 4 * std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The number of threads kernels may use.
pub fn num_threads() -> usize {
    #[cfg(test)]
    if let Some(n) = TEST_THREADS.get() {
        return n;
    }
    THREADS.load(Ordering::Relaxed)
}

#[cfg(test)]
thread_local! {
    /// Unit tests set the thread count for their own thread only, so that
    /// tests running side by side do not change each other's setting.
    pub(crate) static TEST_THREADS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// How many threads to use for `len` units of work when each thread should
/// get at least `min_per_thread`.
pub(crate) fn threads_for(len: usize, min_per_thread: usize) -> usize {
    num_threads().min(len / min_per_thread.max(1)).max(1)
}

/// Runs `work` on each of `parts`: the last on the calling thread, the
/// others on the pool's threads; returns when all are done.
pub(crate) fn run_parts<P: Send>(parts: Vec<P>, work: impl Fn(P) + Sync) {
    let work = &work;
    pool().in_place_scope(|scope| {
        let mut parts = parts.into_iter();
        let last = parts.next_back();
        for part in parts {
            scope.spawn(move |_| work(part));
        }
        if let Some(part) = last {
            work(part);
        }
    });
}

/// A pool of `num_threads() - 1` workers: with the calling thread, that many
/// threads are busy. (Rayon's global pool has one per core, and an idle
/// worker spins for a while before sleeping, taking the core the calling
/// thread needs next.) Rebuilt when the setting changes.
fn pool() -> Arc<ThreadPool> {
    static POOL: Mutex<Option<Arc<ThreadPool>>> = Mutex::new(None);
    let workers = num_threads().saturating_sub(1).max(1);
    let mut pool = POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match &*pool {
        Some(existing) if existing.current_num_threads() == workers => existing.clone(),
        _ => {
            let built = ThreadPoolBuilder::new()
                .num_threads(workers)
                .thread_name(|i| format!("tapegrad-{i}"))
                .build()
                .expect("tapegrad: cannot start worker threads");
            let built = Arc::new(built);
            *pool = Some(built.clone());
            built
        }
    }
}
