//! The number of threads kernels may use (1 by default, raised with
//! [`set_num_threads`](crate::set_num_threads)), the pool that runs their
//! parts, and the decision whether splitting a piece of work pays.
//!
//! # The pool
//!
//! [`run_split`] runs `parts` parts of a job: the last on the calling thread,
//! the others on workers that live as long as the process (so the GEMM's
//! thread-local packing buffers survive from one product to the next). A
//! worker that has finished a part keeps polling for the next one for
//! [`SPIN`], then sleeps until woken: inside a training step the next
//! product comes within microseconds, and a hand-off to a polling worker
//! costs about a microsecond where waking a sleeping one costs tens
//! (BENCHMARKS.md, "Threads"). Posting a part allocates nothing, so a step
//! on two threads allocates nothing either, once the workers exist.
//!
//! A part no worker has started by the time the calling thread has finished
//! its own is taken back and run by the calling thread. A worker that is
//! asleep, or waiting for a core that another program (or the calling
//! thread itself) holds, therefore never makes a split slower than running
//! its parts one after another, plus a hand-off. Before, one measurement
//! read 0.4 ms a hand-off, about two of the 200 µs polling periods: most
//! likely a worker on the caller's own core, waiting for the scheduler
//! (BENCHMARKS.md, issue 23).
//!
//! # Whether to split
//!
//! [`parts_for`] compares the time a piece of work takes on one thread with
//! the time split across threads plus what a split costs: the hand-off
//! (measured once, awake and asleep, the first time a split is considered)
//! and what the caller says each extra part repeats or must fetch from the
//! calling thread's cache. It splits only when that saves a tenth or more,
//! so that an estimate a little off never makes two threads slower than
//! one.
//!
//! # unsafe
//!
//! A part borrows the caller's data, but a worker thread outlives any
//! borrow. The job is therefore handed over as a pointer whose lifetime is
//! erased (`Job`); that is sound because [`run_split`] does not return, or
//! unwind, before every part it posted is either finished by its worker or
//! taken back unstarted (`Posted` waits in its `Drop`), and a worker runs a
//! part only after claiming it from `POSTED`.
#![allow(unsafe_code)]

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, TryLockError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use smallvec::SmallVec;

static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets how many threads tapegrad's kernels may use (1, the default, runs
/// everything on the calling thread), and returns the count now in effect.
/// Each matrix product and each Adam or AdamW update decides from its size
/// whether splitting it pays (a cost model measured once on the machine), so that a
/// second thread never makes work slower than one.
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
#[inline]
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

/// How long a worker that has finished its part polls for the next one
/// before it sleeps. Longer than the gaps between the products of a
/// training step (a few microseconds to tens), so that within a step the
/// workers stay awake; short enough that a program that stops using the
/// threads gives the core back within a fraction of a millisecond.
pub(crate) const SPIN: Duration = Duration::from_micros(200);

/// The work of a split: called once with each part's index.
type Work<'a> = dyn Fn(usize) + Sync + 'a;

/// Runs `work(i)` for every `i < parts`: part `parts - 1` on the calling
/// thread, the others on the pool's workers (started the first time they
/// are needed); returns when all are done. A panic in any part is
/// resumed on the calling thread once every part has finished.
///
/// If the pool is busy (another thread is running a split, or `work` itself
/// splits again) the parts run one after another on the calling thread.
pub(crate) fn run_split(parts: usize, work: &Work<'_>) {
    if parts <= 1 {
        return (0..parts).for_each(work);
    }
    let mut workers = match POOL.try_lock() {
        Ok(workers) => workers,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => return (0..parts).for_each(work),
    };
    while workers.len() < parts - 1 {
        let worker = Worker::start(workers.len());
        workers.push(worker);
    }
    let posted = Posted { workers: &workers[..parts - 1] };
    for (part, worker) in posted.workers.iter().enumerate() {
        worker.post(Job::new(work, part));
    }
    work(parts - 1);
    // The parts no worker has started, the last posted first (the least
    // likely to have started), run here.
    for (part, worker) in posted.workers.iter().enumerate().rev() {
        if worker.take_back() {
            work(part);
        }
    }
    // Waits for the workers; then a worker's panic is the caller's.
    drop(posted);
    for worker in &workers[..parts - 1] {
        let panic = worker.panic.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(payload) = panic {
            resume_unwind(payload);
        }
    }
}

/// Runs `work` on each of `parts`, one part a thread, as [`run_split`]
/// does; up to 8 parts without allocating.
pub(crate) fn run_parts<P: Send>(parts: impl IntoIterator<Item = P>, work: impl Fn(P) + Sync) {
    let slots: SmallVec<[Mutex<Option<P>>; 8]> = parts.into_iter().map(|part| Mutex::new(Some(part))).collect();
    run_split(slots.len(), &|i| {
        let part = slots[i].lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(part) = part {
            work(part);
        }
    });
}

/// The workers, in the order parts are posted to them. Locked for the
/// whole of a split: one split at a time.
static POOL: Mutex<Vec<Arc<Worker>>> = Mutex::new(Vec::new());

/// Workers sleeping (or about to): a split now pays a wake-up.
static ASLEEP: AtomicUsize = AtomicUsize::new(0);

/// One part handed to a worker: the work, with its lifetime erased, and the
/// part's index.
#[derive(Clone, Copy)]
struct Job {
    work: *const Work<'static>,
    part: usize,
}

// SAFETY: `work` points to a `Sync` closure, so using it from another thread
// is sound; it stays alive while the worker uses it (see `Job::new`).
unsafe impl Send for Job {}

impl Job {
    fn new(work: &Work<'_>, part: usize) -> Job {
        let work: *const Work<'_> = work;
        // SAFETY: only the lifetime changes (the pointer's layout is the
        // same). The pointer is dereferenced only by a worker running this
        // job, and `run_split`, which borrows `work` for its whole length,
        // waits for that worker to finish before it returns or unwinds
        // (`Posted`). So the closure outlives every use of the pointer.
        let work: *const Work<'static> = unsafe { std::mem::transmute(work) };
        Job { work, part }
    }
}

/// Tests hold the workers back, as a busy machine would: no worker starts a
/// part while this is set.
#[cfg(test)]
static HOLD_WORKERS: AtomicBool = AtomicBool::new(false);

/// Where a worker's job is: `IDLE` (none, or taken back by the caller),
/// `POSTED` (waiting to be started), `RUNNING` (started by the worker),
/// `DONE`. Only `POSTED` can be claimed, by the worker (to `RUNNING`) or by
/// the caller (back to `IDLE`), with a compare-and-swap: whichever wins runs
/// the part, so it runs once.
const IDLE: u8 = 0;
const POSTED: u8 = 1;
const RUNNING: u8 = 2;
const DONE: u8 = 3;

/// A worker thread and what the calling thread shares with it.
struct Worker {
    /// Parts posted so far; incremented (after `job` is written) to wake the
    /// worker.
    posted: AtomicU64,
    /// `IDLE`, `POSTED`, `RUNNING` or `DONE`.
    state: AtomicU8,
    job: Mutex<Option<Job>>,
    /// A panic of the last part, for the caller to resume.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    /// Set before the worker sleeps: whoever posts must wake it.
    asleep: AtomicBool,
    thread: OnceLock<Thread>,
}

impl Worker {
    fn start(index: usize) -> Arc<Worker> {
        let worker = Arc::new(Worker {
            posted: AtomicU64::new(0),
            state: AtomicU8::new(IDLE),
            job: Mutex::new(None),
            panic: Mutex::new(None),
            asleep: AtomicBool::new(false),
            thread: OnceLock::new(),
        });
        let shared = worker.clone();
        let handle = thread::Builder::new()
            .name(format!("tapegrad-{index}"))
            .spawn(move || shared.serve())
            .expect("tapegrad: cannot start a worker thread");
        let _ = worker.thread.set(handle.thread().clone());
        worker
    }

    fn post(&self, job: Job) {
        *self.job.lock().unwrap_or_else(|p| p.into_inner()) = Some(job);
        // A panic left by a split that unwound before reading it.
        *self.panic.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.state.store(POSTED, Ordering::SeqCst);
        self.posted.fetch_add(1, Ordering::SeqCst);
        // Paired with `serve`: either the worker sees the new count before
        // it sleeps, or this sees it asleep (both sequentially consistent).
        if self.asleep.load(Ordering::SeqCst)
            && let Some(thread) = self.thread.get()
        {
            thread.unpark();
        }
    }

    /// The worker's loop: wait for a part (polling, then asleep), run it,
    /// say so.
    fn serve(&self) {
        let mut seen = 0;
        loop {
            let mut since = Instant::now();
            let mut polls = 0u32;
            while self.posted.load(Ordering::Acquire) == seen {
                polls = polls.wrapping_add(1);
                if !polls.is_multiple_of(64) || since.elapsed() < SPIN {
                    std::hint::spin_loop();
                    continue;
                }
                self.asleep.store(true, Ordering::SeqCst);
                ASLEEP.fetch_add(1, Ordering::SeqCst);
                if self.posted.load(Ordering::SeqCst) == seen {
                    // Returns at once if `post` unparked us already.
                    thread::park();
                }
                ASLEEP.fetch_sub(1, Ordering::SeqCst);
                self.asleep.store(false, Ordering::SeqCst);
                since = Instant::now();
            }
            seen = self.posted.load(Ordering::Acquire);
            #[cfg(test)]
            if HOLD_WORKERS.load(Ordering::SeqCst) {
                continue;
            }
            // The caller may have taken the part back already.
            if self.state.compare_exchange(POSTED, RUNNING, Ordering::SeqCst, Ordering::SeqCst).is_err() {
                continue;
            }
            let job = *self.job.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(Job { work, part }) = job {
                // SAFETY: the caller that posted this job does not end its
                // borrow of the work while the state is `RUNNING` (`Posted`
                // waits for `DONE`), and the job in the slot while the state
                // is `POSTED` is the one it posted last (`post` writes the
                // job first).
                let work = unsafe { &*work };
                if let Err(payload) = catch_unwind(AssertUnwindSafe(|| work(part))) {
                    *self.panic.lock().unwrap_or_else(|p| p.into_inner()) = Some(payload);
                }
            }
            self.state.store(DONE, Ordering::SeqCst);
        }
    }

    /// Claims the posted part for the calling thread if the worker has not
    /// started it: true if the caller must now run it.
    fn take_back(&self) -> bool {
        self.state.compare_exchange(POSTED, IDLE, Ordering::SeqCst, Ordering::SeqCst).is_ok()
    }

    /// Waits until the part posted to this worker is done or taken back.
    fn wait(&self) {
        let since = Instant::now();
        while self.state.load(Ordering::SeqCst) == RUNNING {
            if since.elapsed() < SPIN {
                std::hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
    }
}

/// The workers a split posted to; dropping it waits for all of them, also
/// when the caller's own part unwinds.
struct Posted<'a> {
    workers: &'a [Arc<Worker>],
}

impl Drop for Posted<'_> {
    fn drop(&mut self) {
        for worker in self.workers {
            // Unwinding past parts not run yet: they never will be.
            worker.take_back();
            worker.wait();
        }
    }
}

/// What a split costs on this machine, measured once.
#[derive(Clone, Copy, Debug)]
pub struct SplitCosts {
    /// What two parts of a fixed length take beyond one part's length, with
    /// the worker polling, ns: the time to hand a part over and see it
    /// finished (at most a part's length, which a part taken back adds).
    pub awake_ns: f64,
    /// The same with the worker asleep: a wake-up, ns.
    pub asleep_ns: f64,
    /// A worker reading one `f32` (4 bytes) that the calling thread has just
    /// written, ns, beyond what reading it on the calling thread costs: the
    /// price of data moving between the cores' caches.
    pub transfer_ns: f64,
    /// Reading one `f32` from the calling thread's own cache, ns.
    pub read_ns: f64,
}

/// The costs, measured the first time a split is considered (about a
/// millisecond, once per process).
pub fn split_costs() -> SplitCosts {
    static COSTS: OnceLock<SplitCosts> = OnceLock::new();
    *COSTS.get_or_init(measure_split_costs)
}

fn measure_split_costs() -> SplitCosts {
    // Each part waits this long: long enough for a polling worker to start
    // its part before the caller would take it back, short enough to keep
    // the measurement near a millisecond. A hand-off costs a microsecond on
    // a quiet machine, so the figure measures it to a tenth.
    const PART: Duration = Duration::from_micros(20);
    let fixed = |_: usize| {
        let t0 = Instant::now();
        while t0.elapsed() < PART {
            std::hint::spin_loop();
        }
    };
    let time = |f: &dyn Fn()| {
        let t0 = Instant::now();
        f();
        t0.elapsed().as_secs_f64() * 1e9
    };
    // The least of several rounds: another program taking a core only ever
    // makes a round slower, so the least is the machine's own cost. A
    // worker that cannot run costs at most a part's length (it is taken
    // back), which is what the least then reports.
    let least =
        |rounds: usize, round: &mut dyn FnMut() -> f64| (0..rounds).map(|_| round()).fold(f64::INFINITY, f64::min);
    let part_ns = PART.as_secs_f64() * 1e9;
    // Starts the worker (its first round includes the thread's start).
    run_split(2, &|_| {});
    // Asleep: wait until the worker has given up polling.
    let asleep = least(3, &mut || {
        thread::sleep(SPIN * 2);
        time(&|| run_split(2, &fixed)) - part_ns
    });
    let awake = least(9, &mut || time(&|| run_split(2, &fixed)) - part_ns);
    // A buffer written here, then read by the worker; less the same read
    // here, where the data already is. The calling thread's part waits for
    // the worker's to start (or for a millisecond), so that the worker's
    // part is not taken back.
    const LEN: usize = 1 << 16;
    let mut data = vec![0.0f32; LEN];
    let sink = AtomicU64::new(0);
    let started = AtomicBool::new(false);
    let mut read = |remote: bool| {
        let mut round = 0;
        least(5, &mut || {
            round += 1;
            data.fill(round as f32);
            started.store(false, Ordering::SeqCst);
            let data = &data;
            let part_work = |part: usize| {
                if part == 0 {
                    started.store(true, Ordering::SeqCst);
                } else {
                    let t0 = Instant::now();
                    while !started.load(Ordering::SeqCst) && t0.elapsed() < Duration::from_millis(1) {
                        std::hint::spin_loop();
                    }
                }
                if (part == 0) == remote {
                    sink.store(read_all(data).to_bits() as u64, Ordering::Relaxed);
                }
            };
            time(&|| run_split(2, &part_work))
        })
    };
    let (remote, local) = (read(true), read(false));
    SplitCosts {
        awake_ns: awake.max(0.0),
        asleep_ns: asleep.max(0.0),
        transfer_ns: ((remote - local) / LEN as f64).max(0.0),
        read_ns: ((local - awake.max(0.0)) / LEN as f64).max(0.0),
    }
}

/// The sum of `data` in 16 independent lanes: a read at the speed of the
/// cache it comes from, not of the adder's latency.
fn read_all(data: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    for chunk in data.chunks_exact(16) {
        for (lane, x) in lanes.iter_mut().zip(chunk) {
            *lane += x;
        }
    }
    lanes.iter().sum()
}

/// A split must be predicted to save at least this share of the one-thread
/// time, so that an estimate a little off never makes it slower.
const MIN_GAIN: f64 = 0.1;

/// Into how many parts (1 to `num_threads()`, and no more than the CPUs
/// this process may run on) to split work that takes `serial_ns` on one
/// thread, when each part handed to a worker also costs `extra_ns` (data it
/// must fetch from the calling thread, work it repeats). 1 without
/// measuring anything when one thread is set.
pub(crate) fn parts_for(serial_ns: f64, extra_ns: f64) -> usize {
    let threads = num_threads();
    if threads == 1 {
        return 1;
    }
    #[cfg(test)]
    if let Some(parts) = TEST_PARTS.get() {
        return parts.min(threads);
    }
    // The model assumes each part has a core: more parts than cores would
    // take turns on them, slower than one part a core.
    let threads = threads.min(cpus());
    if threads == 1 {
        return 1;
    }
    let costs = split_costs();
    let handoff = if ASLEEP.load(Ordering::Relaxed) > 0 { costs.asleep_ns } else { costs.awake_ns };
    best_parts(serial_ns, handoff + extra_ns, threads)
}

/// The CPUs this process may run on (1 if it cannot tell).
fn cpus() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[cfg(test)]
thread_local! {
    /// Tests force a number of parts (still at most the thread count).
    pub(crate) static TEST_PARTS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The cost model: `p` parts take `serial / p + (p - 1) overhead` (each
/// worker is posted to in turn); the fastest `p` up to `threads` if it saves
/// at least `MIN_GAIN` of `serial`, else 1.
pub(crate) fn best_parts(serial_ns: f64, overhead_ns: f64, threads: usize) -> usize {
    let time = |p: usize| serial_ns / p as f64 + (p - 1) as f64 * overhead_ns;
    let best = (1..=threads.max(1)).min_by(|&p, &q| time(p).total_cmp(&time(q))).unwrap_or(1);
    if time(best) <= (1.0 - MIN_GAIN) * serial_ns { best } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_work_stays_on_one_thread_and_large_work_splits() {
        // 1 µs to hand a part over.
        assert_eq!(best_parts(0.5e3, 1e3, 2), 1);
        assert_eq!(best_parts(2e3, 1e3, 2), 1, "2 µs on two threads would take 2 µs");
        assert_eq!(best_parts(10e3, 1e3, 2), 2);
        assert_eq!(best_parts(1e9, 1e3, 2), 2);
        assert_eq!(best_parts(1e9, 1e3, 1), 1, "never more parts than threads");
    }

    #[test]
    fn a_split_must_save_a_tenth() {
        // Two parts take serial / 2 + overhead: break-even at overhead =
        // serial / 2, a tenth saved at overhead = 0.4 serial.
        assert_eq!(best_parts(100.0, 39.0, 2), 2);
        assert_eq!(best_parts(100.0, 41.0, 2), 1);
        assert_eq!(best_parts(100.0, 50.0, 2), 1);
    }

    #[test]
    fn more_threads_only_while_each_gains() {
        // 100 µs of work, 10 µs a part: 3 parts (33 + 20) beat 2 (50 + 10)
        // and 4 (25 + 30).
        let parts = best_parts(100e3, 10e3, 8);
        let time = |p: usize| 100e3 / p as f64 + (p - 1) as f64 * 10e3;
        assert!((2..=8).all(|p| time(parts) <= time(p)));
        assert_eq!(parts, 3);
        // The number of parts never falls as the work grows.
        let mut last = 1;
        for serial in [1e3, 5e3, 2e4, 1e5, 1e6, 1e7] {
            let p = best_parts(serial, 2e3, 8);
            assert!(p >= last, "{serial} ns: {p} parts after {last}");
            last = p;
        }
    }

    #[test]
    fn one_thread_never_measures_or_splits() {
        TEST_THREADS.set(Some(1));
        assert_eq!(parts_for(1e12, 0.0), 1);
        TEST_THREADS.set(None);
    }

    #[test]
    fn never_more_parts_than_cpus() {
        // A second of work would pay for any number of parts, but parts
        // beyond the CPUs only take turns on them.
        TEST_THREADS.set(Some(max_num_threads()));
        assert_eq!(parts_for(1e9, 0.0), cpus().min(max_num_threads()));
        TEST_THREADS.set(None);
    }

    #[test]
    fn every_part_runs_once_and_a_panic_reaches_the_caller() {
        let counts: Vec<AtomicUsize> = (0..5).map(|_| AtomicUsize::new(0)).collect();
        for parts in [0, 1, 2, 5] {
            counts.iter().for_each(|c| c.store(0, Ordering::Relaxed));
            run_split(parts, &|i| {
                counts[i].fetch_add(1, Ordering::Relaxed);
            });
            let runs: Vec<usize> = counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
            assert_eq!(&runs[..parts], &vec![1; parts][..], "{parts} parts");
            assert!(runs[parts..].iter().all(|&r| r == 0));
        }
        for bad in [0, 2] {
            let result = catch_unwind(|| run_split(3, &|i| assert_ne!(i, bad, "part {i} fails")));
            assert!(result.is_err(), "the panic of part {bad} is resumed");
        }
        // The pool still works afterwards.
        let sum = AtomicUsize::new(0);
        run_split(3, &|i| {
            sum.fetch_add(i + 1, Ordering::Relaxed);
        });
        assert_eq!(sum.load(Ordering::Relaxed), 6);
    }

    #[test]
    fn parts_no_worker_starts_run_on_the_calling_thread() {
        let caller = thread::current().id();
        let ran_on: Vec<Mutex<Vec<thread::ThreadId>>> = (0..3).map(|_| Mutex::new(Vec::new())).collect();
        let record = |i: usize| ran_on[i].lock().unwrap().push(thread::current().id());
        HOLD_WORKERS.store(true, Ordering::SeqCst);
        run_split(3, &record);
        HOLD_WORKERS.store(false, Ordering::SeqCst);
        for (part, threads) in ran_on.iter().enumerate() {
            assert_eq!(*threads.lock().unwrap(), vec![caller], "part {part} runs once, on the caller");
        }
        // Released, the workers take parts again: a part that waits for the
        // caller's own to finish can only have run on a worker.
        let on_worker = AtomicUsize::new(0);
        for _ in 0..100 {
            run_split(2, &|i| {
                if i == 1 {
                    let t0 = Instant::now();
                    while on_worker.load(Ordering::SeqCst) == 0 && t0.elapsed() < Duration::from_millis(20) {
                        std::hint::spin_loop();
                    }
                } else if thread::current().id() != caller {
                    on_worker.fetch_add(1, Ordering::SeqCst);
                }
            });
            if on_worker.load(Ordering::SeqCst) > 0 {
                break;
            }
        }
        assert!(on_worker.load(Ordering::SeqCst) > 0, "no part ran on a worker in 100 splits");
    }

    #[test]
    fn the_measured_costs_are_plausible() {
        let costs = split_costs();
        let all = [
            ("awake", costs.awake_ns),
            ("asleep", costs.asleep_ns),
            ("transfer", costs.transfer_ns),
            ("read", costs.read_ns),
        ];
        for (what, ns) in all {
            assert!(ns.is_finite() && ns >= 0.0, "{what}: {ns} ns");
        }
        assert!(costs.awake_ns > 0.0);
        // A worker that cannot start in time has its part taken back, so a
        // hand-off costs at most about one part (20 µs) unless the calling
        // thread itself was held up in every round (0.4 ms a hand-off
        // before parts were taken back).
        assert!(costs.awake_ns < 200e3, "{costs:?}");
        eprintln!("{costs:?}");
    }
}
