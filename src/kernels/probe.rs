//! Probes of the machine's limits, the roofline the workloads are measured
//! against (BENCHMARKS.md, "The physical limit"; `cargo bench --bench
//! roofline`):
//!
//! * [`clock_hz`]: a chain of dependent register-to-register additions,
//!   one a cycle on every x86-64 core, timed: the clock the core runs at
//!   under load (turbo included), which the hypervisor does not report.
//!   (Adding an immediate will not do: recent Intel cores fold chains of
//!   those at rename, several a cycle; measured here at "6 GHz", where
//!   register additions and `imul` chains, latency 3, agree.)
//! * [`fma_peak`]: fused multiply-adds with many independent accumulators,
//!   at one SIMD level, on one or more threads at once: the most arithmetic
//!   the cores can do. Divided by the clock and the lanes, it gives the
//!   multiply-adds a cycle, that is the number of FMA ports.
//! * [`triad`]: STREAM's `a = b + s c` over arrays far larger than the
//!   caches, with ordinary or non-temporal stores: the memory bandwidth.
//!
//! Nothing in the library calls them; they are here because they need the
//! same run-time dispatch and the same `unsafe` (intrinsics, inline
//! assembly, streaming stores) as the kernels.
#![allow(unsafe_code)]

use std::sync::Barrier;
use std::time::Instant;

use super::cpu::SimdLevel;

/// The core clock in Hz, from `adds` dependent additions (at least 10^8
/// for a stable figure: about 30 ms at 3 GHz). `None` off x86-64.
pub fn clock_hz(adds: u64) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        const PER_ROUND: u64 = 64;
        let rounds = (adds / PER_ROUND).max(1);
        let t0 = Instant::now();
        let mut x = 0u64;
        let mut n = rounds;
        let one = 1u64;
        // SAFETY: the assembly only reads and writes the registers it is
        // given and the flags; it touches no memory and no stack.
        unsafe {
            std::arch::asm!(
                "2:",
                ".rept 64",
                "add {x}, {one}",
                ".endr",
                "dec {n}",
                "jnz 2b",
                x = inout(reg) x,
                n = inout(reg) n,
                one = in(reg) one,
                options(nomem, nostack),
            );
        }
        let seconds = t0.elapsed().as_secs_f64();
        assert_eq!((x, n), (rounds * PER_ROUND, 0));
        Some((rounds * PER_ROUND) as f64 / seconds)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = adds;
        None
    }
}

/// What [`fma_peak`] measured.
#[derive(Clone, Copy, Debug)]
pub struct Peak {
    /// `f32` lanes of one vector at the level.
    pub lanes: usize,
    /// Floating-point operations a second over all threads (a multiply-add
    /// is two).
    pub flops: f64,
}

/// `f32` multiply-adds at `level` on `threads` threads at once, each doing
/// `rounds` rounds of 24 (AVX-512) or 12 (AVX2) independent vector FMAs.
/// `None` if the CPU lacks the level (or it is the baseline, which has no
/// FMA to measure).
pub fn fma_peak(level: SimdLevel, threads: usize, rounds: u64) -> Option<Peak> {
    if level == SimdLevel::Baseline || !level.is_supported() {
        return None;
    }
    let (lanes, per_round) = if level == SimdLevel::Avx512 { (16, 24) } else { (8, 12) };
    let seconds = on_threads(threads, || {
        let sum = fma_rounds(level, rounds);
        std::hint::black_box(sum);
    });
    let flops = (threads as u64 * rounds * per_round * lanes as u64 * 2) as f64 / seconds;
    Some(Peak { lanes, flops })
}

/// Runs `work` on `threads` threads started together; the seconds from the
/// start until the last one finished.
fn on_threads(threads: usize, work: impl Fn() + Sync) -> f64 {
    let start = Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    work();
                })
            })
            .collect();
        start.wait();
        let t0 = Instant::now();
        for handle in handles {
            handle.join().expect("probe thread panicked");
        }
        t0.elapsed().as_secs_f64()
    })
}

#[cfg(target_arch = "x86_64")]
fn fma_rounds(level: SimdLevel, rounds: u64) -> f32 {
    // SAFETY: `fma_peak` checked that the CPU supports `level`, whose
    // features are those each function is compiled with.
    unsafe { if level == SimdLevel::Avx512 { fma_rounds_avx512(rounds) } else { fma_rounds_avx2(rounds) } }
}

#[cfg(not(target_arch = "x86_64"))]
fn fma_rounds(_: SimdLevel, _: u64) -> f32 {
    unreachable!("only x86-64 has a level above the baseline")
}

/// 24 accumulators: the FMA's latency (4 cycles) times two ports needs 8
/// in flight; 24 leaves room, and with two constants fits the 32 registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn fma_rounds_avx512(rounds: u64) -> f32 {
    use std::arch::x86_64::*;
    let (a, b) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
    let mut acc = [_mm512_set1_ps(1.0); 24];
    for _ in 0..rounds {
        for x in acc.iter_mut() {
            *x = _mm512_fmadd_ps(*x, a, b);
        }
    }
    let mut sum = _mm512_setzero_ps();
    for x in acc {
        sum = _mm512_add_ps(sum, x);
    }
    _mm512_reduce_add_ps(sum)
}

/// 12 accumulators and two constants: 14 of the 16 registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_rounds_avx2(rounds: u64) -> f32 {
    use std::arch::x86_64::*;
    let (a, b) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
    let mut acc = [_mm256_set1_ps(1.0); 12];
    for _ in 0..rounds {
        for x in acc.iter_mut() {
            *x = _mm256_fmadd_ps(*x, a, b);
        }
    }
    let mut lanes = [0.0f32; 8];
    let mut sum = _mm256_setzero_ps();
    for x in acc {
        sum = _mm256_add_ps(sum, x);
    }
    // SAFETY: `lanes` holds the 8 elements written.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sum) };
    lanes.iter().sum()
}

/// How [`triad`] stores `a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stores {
    /// Ordinary stores: each line of `a` is read for ownership first, so 16
    /// bytes move an element.
    Cached,
    /// Non-temporal (streaming) stores, which write whole lines without
    /// reading them: 12 bytes an element. AVX-512 only (else `Cached`).
    Streaming,
}

/// STREAM's triad `a = b + 0.5 c` over three arrays of `len` `f32`, split
/// into `threads` contiguous parts, `reps` times; the bytes a second that
/// really move (16 an element with `Cached` stores, 12 with `Streaming`),
/// the best of the repetitions.
pub fn triad(len: usize, threads: usize, stores: Stores, reps: usize) -> f64 {
    let mut a = super::pages::try_with_capacity::<f32>(len).expect("triad: cannot allocate its arrays");
    a.resize(len, 0.0);
    let b: Vec<f32> = (0..len).map(|i| i as f32).collect();
    let c: Vec<f32> = (0..len).map(|i| (len - i) as f32).collect();
    let streaming = stores == Stores::Streaming && SimdLevel::Avx512.is_supported();
    let part = len.div_ceil(threads.max(1)).next_multiple_of(16);
    let mut best = f64::INFINITY;
    for _ in 0..reps.max(1) {
        let t0 = Instant::now();
        std::thread::scope(|scope| {
            for ((a, b), c) in a.chunks_mut(part).zip(b.chunks(part)).zip(c.chunks(part)) {
                scope.spawn(move || triad_part(a, b, c, streaming));
            }
        });
        best = best.min(t0.elapsed().as_secs_f64());
    }
    assert!(a.iter().zip(&b).zip(&c).all(|((&a, &b), &c)| a == b + 0.5 * c), "triad: wrong result");
    let bytes = if streaming { 12 } else { 16 };
    (bytes * len) as f64 / best
}

fn triad_part(a: &mut [f32], b: &[f32], c: &[f32], streaming: bool) {
    #[cfg(target_arch = "x86_64")]
    if streaming {
        // SAFETY: `triad` sets `streaming` only if the CPU has AVX-512.
        return unsafe { triad_streaming(a, b, c) };
    }
    let _ = streaming;
    for ((a, &b), &c) in a.iter_mut().zip(b).zip(c) {
        *a = b + 0.5 * c;
    }
}

/// The triad with `_mm512_stream_ps` on the 64-byte aligned middle of `a`
/// (ordinary stores before and after it), then a store fence.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn triad_streaming(a: &mut [f32], b: &[f32], c: &[f32]) {
    use std::arch::x86_64::*;
    let len = a.len().min(b.len()).min(c.len());
    let head = a.as_ptr().align_offset(64).min(len);
    let body = (len - head) / 16 * 16;
    for i in (0..head).chain(head + body..len) {
        a[i] = b[i] + 0.5 * c[i];
    }
    let half = _mm512_set1_ps(0.5);
    for i in (head..head + body).step_by(16) {
        let (b, c) = (&b[i..i + 16], &c[i..i + 16]);
        let out = &mut a[i..i + 16];
        // SAFETY: the CPU has AVX-512F (the caller's guarantee); `b`, `c`
        // and `out` hold the 16 elements read or written; `out` starts
        // `head + 16 j` elements into `a`, a multiple of 64 bytes from an
        // aligned address, as the streaming store requires.
        unsafe {
            let x = _mm512_fmadd_ps(_mm512_loadu_ps(c.as_ptr()), half, _mm512_loadu_ps(b.as_ptr()));
            _mm512_stream_ps(out.as_mut_ptr(), x);
        }
    }
    // Streaming stores are weakly ordered: fence them before the thread
    // returns (and `scope` publishes `a` to the caller).
    _mm_sfence();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_a_plausible_frequency() {
        if let Some(hz) = clock_hz(1 << 22) {
            // Loose: a loaded machine can halve what one thread sees.
            assert!((1e8..1e10).contains(&hz), "{hz} Hz");
        }
    }

    #[test]
    fn the_peak_counts_the_lanes_of_its_level() {
        for level in [SimdLevel::Avx2Fma, SimdLevel::Avx512] {
            match fma_peak(level, 1, 1 << 12) {
                Some(peak) => {
                    assert_eq!(peak.lanes, if level == SimdLevel::Avx512 { 16 } else { 8 });
                    assert!(peak.flops > 0.0 && peak.flops.is_finite());
                }
                None => assert!(!level.is_supported()),
            }
        }
        assert!(fma_peak(SimdLevel::Baseline, 1, 10).is_none());
    }

    #[test]
    fn both_triads_write_the_right_values() {
        // `triad` checks every element itself; an odd length exercises the
        // unaligned head and tail of the streaming version.
        for stores in [Stores::Cached, Stores::Streaming] {
            assert!(triad(100_003, 2, stores, 1) > 0.0);
        }
    }
}
