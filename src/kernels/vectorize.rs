//! Running ordinary loops with the CPU's widest vectors.
//!
//! The crate is compiled for the target's baseline (SSE2 on x86-64), so a
//! loop over a slice vectorises 4 `f32` wide at most and without FMA.
//! [`vectorized`] runs a closure inside a function compiled with AVX2 and FMA
//! or AVX-512 enabled, chosen by [`cpu::simd_level`](super::cpu::simd_level):
//! the closure is inlined there, so its loops are compiled again for the
//! wider instructions. The elementwise ops, the losses and the optimizer
//! updates go through it; the GEMM has its own dispatch.
#![allow(unsafe_code)]

use super::cpu::{SimdLevel, simd_level};

/// Runs `f`, compiled for the largest vector instructions this CPU has.
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    match simd_level() {
        // SAFETY: `simd_level` returns a level only if the CPU supports all
        // of its features (`SimdLevel::is_supported`), and each function
        // below enables exactly the features of its level.
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => unsafe { avx512(f) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2Fma => unsafe { avx2_fma(f) },
        _ => f(),
    }
}

/// Runs `f` with AVX2 and FMA where the CPU has them, even if it also has
/// AVX-512: for loops dominated by square roots and divisions. Zen 4 runs
/// 512-bit `vsqrtps`/`vdivps` at a fraction of the rate of two 256-bit
/// ones. The Adam update, one thread: 0.87 ns an element with 512-bit
/// vectors and 0.48-0.55 with 256-bit ones (data in L1); over 10M
/// parameters, 9.6 ms against 5.4.
#[inline(always)]
pub(crate) fn vectorized_256<R>(f: impl FnOnce() -> R) -> R {
    match simd_level() {
        // SAFETY: `simd_level` returns a level only if the CPU supports it,
        // and every feature of `Avx2Fma` is part of `Avx512` (levels are
        // ordered, `SimdLevel::is_supported`).
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 | SimdLevel::Avx2Fma => unsafe { avx2_fma(f) },
        _ => f(),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::vectorized;

    #[test]
    fn gives_the_same_answer_as_the_plain_loop() {
        let x: Vec<f32> = (0..1000).map(|i| i as f32 * 0.01).collect();
        let plain: Vec<f32> = x.iter().map(|v| v * 2.0 + 1.0).collect();
        let fast: Vec<f32> = vectorized(|| x.iter().map(|v| v * 2.0 + 1.0).collect());
        assert_eq!(plain, fast);
        let fast_256: Vec<f32> = super::vectorized_256(|| x.iter().map(|v| v * 2.0 + 1.0).collect());
        assert_eq!(plain, fast_256);
    }
}
