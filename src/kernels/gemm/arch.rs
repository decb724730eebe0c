//! The kernels of each SIMD level and element type, and the choice among
//! them at run time.
//!
//! Every level runs the same generic loops (`driver`), monomorphised with its
//! vectors (`simd`) and tile sizes. On x86-64 the AVX2 and AVX-512 versions
//! are compiled inside `#[target_feature]` functions, so that the loops and
//! everything they inline use 256-bit (16 registers) or 512-bit (32
//! registers) vectors and fused multiply-add. Each path (dot, direct,
//! packed) has its own function: one function holding all three made every
//! call pay for the set-up of the largest.
//!
//! Tiles, `MR x NR` (rows x columns of `C`), and blocking, chosen by
//! measurement on Zen 4 (AMD EPYC, one thread):
//!
//! | level    | f32 direct | f32 packed | f64 direct | f64 packed |
//! |----------|------------|------------|------------|------------|
//! | AVX-512  | 16 x 16    | 4 x 64     | 8 x 8      | 4 x 32     |
//! | AVX2+FMA | 6 x 16     | 6 x 16     | 6 x 8      | 6 x 8      |
//! | baseline | 4 x 8      | 4 x 8      | 4 x 4      | 4 x 4      |
//!
//! The wide, short AVX-512 tile loads four vectors of `B` per step and
//! broadcasts four elements of `A`. Blocks are `KC = 256` deep (the packed
//! `B` panel streams from L2, which Zen 4 sustains), and 1024 deep from
//! 512³ multiply-adds on, where that is 14% faster.
#![allow(unsafe_code)] // see `mod.rs`, "unsafe"

use super::driver::{Blocking, Path, Plan, direct_path, dot_path, packed_path, path};
use super::simd::Portable;
#[cfg(target_arch = "x86_64")]
use super::simd::{Avx2, Avx512};
use super::{MatMut, MatRef};
use crate::kernels::cpu::SimdLevel;

/// Whether the baseline build may fuse multiply-adds: only where the target
/// guarantees the instruction, otherwise `mul_add` would be a library call.
const BASELINE_FMA: bool = cfg!(any(target_feature = "fma", target_arch = "aarch64"));

/// Products up to this many multiply-adds (`m * k * n`) take the direct path.
const DIRECT_MAX: usize = 64 * 64 * 64;
/// From this many multiply-adds on, the packed path uses deep blocks.
const LARGE_MIN: usize = 512 * 512 * 512;

/// The plan of one level: `kc x nc` blocks of `B` (and `mc x kc` of `A`),
/// deeper and wider for large products. The buffers of the smaller blocking
/// take 384 KB for `f32` and 512 KB for `f64`, so that a steady state holds
/// little more than its data; a product large enough for the other one
/// brings many megabytes of its own.
const fn plan(mc: usize, small: (usize, usize), large: (usize, usize)) -> Plan {
    Plan {
        direct_max: DIRECT_MAX,
        blocking: Blocking { kc: small.0, mc, nc: small.1 },
        large_min: LARGE_MIN,
        large: Blocking { kc: large.0, mc, nc: large.1 },
    }
}

/// `TAPEGRAD_GEMM_BLOCKING=kc,mc,nc`, read once: replaces the blocking of
/// the packed path at every level and size, to tune it on a new CPU without
/// rebuilding (BENCHMARKS.md, "Blocking"). Ignored unless it holds three
/// positive numbers.
fn blocking_override() -> Option<Blocking> {
    static OVERRIDE: std::sync::OnceLock<Option<Blocking>> = std::sync::OnceLock::new();
    *OVERRIDE.get_or_init(|| {
        let value = std::env::var("TAPEGRAD_GEMM_BLOCKING").ok()?;
        let numbers: Vec<usize> =
            value.split(',').map(|x| x.trim().parse().ok().filter(|&x| x > 0)).collect::<Option<_>>()?;
        match numbers[..] {
            [kc, mc, nc] => Some(Blocking { kc, mc, nc }),
            _ => None,
        }
    })
}

/// The blocking of the packed path: the plan's, or the override's.
#[inline]
fn tuned(blocking: Blocking) -> Blocking {
    blocking_override().unwrap_or(blocking)
}

const F32_AVX512: Plan = plan(128, (256, 256), (1024, 512));
const F32_AVX2: Plan = plan(120, (256, 256), (1024, 512));
const F32_BASELINE: Plan = plan(128, (256, 256), (512, 512));
const F64_AVX512: Plan = plan(128, (256, 128), (512, 256));
const F64_AVX2: Plan = plan(120, (256, 128), (512, 256));
const F64_BASELINE: Plan = plan(128, (256, 128), (256, 256));

/// The three paths of one level and element type, each its own function:
/// `dot`, `direct` with `$dmr x $dnv` vectors, `packed` with `$pmr x $pnv`.
macro_rules! entries {
    ($(#[$feature:meta])* unsafe $module:ident: $($rest:tt)*) => {
        entries!(@ [unsafe] $(#[$feature])* $module: $($rest)*);
    };
    ($module:ident: $($rest:tt)*) => {
        entries!(@ [] $module: $($rest)*);
    };
    (
        @ [$($unsafety:tt)?] $(#[$feature:meta])* $module:ident: $simd:ty, $t:ty,
        direct: ($dmr:literal, $dnv:literal), packed: ($pmr:literal, $pnv:literal)
    ) => {
        mod $module {
            use super::*;

            $(#[$feature])*
            #[inline(never)]
            pub(super) $($unsafety)? fn dot(s: $simd, alpha: $t, a: MatRef<'_, $t>, b: MatRef<'_, $t>, beta: $t, c: MatMut<'_, $t>) {
                dot_path(s, alpha, a, b, beta, c);
            }

            $(#[$feature])*
            #[inline(never)]
            pub(super) $($unsafety)? fn direct(s: $simd, alpha: $t, a: MatRef<'_, $t>, b: MatRef<'_, $t>, beta: $t, c: MatMut<'_, $t>) {
                direct_path::<_, $dmr, $dnv>(s, alpha, a, b, beta, c);
            }

            $(#[$feature])*
            #[inline(never)]
            #[allow(clippy::too_many_arguments)]
            pub(super) $($unsafety)? fn packed(
                s: $simd,
                blocking: &Blocking,
                alpha: $t,
                a: MatRef<'_, $t>,
                b: MatRef<'_, $t>,
                beta: $t,
                c: MatMut<'_, $t>,
            ) {
                packed_path::<_, $pmr, $pnv>(s, blocking, alpha, a, b, beta, c);
            }
        }
    };
}

entries!(f32_baseline: Portable<f32, 4, BASELINE_FMA>, f32, direct: (4, 2), packed: (4, 2));
entries!(f64_baseline: Portable<f64, 2, BASELINE_FMA>, f64, direct: (4, 2), packed: (4, 2));

// Each function below may only be called once the CPU is known to support
// the features it is compiled with; the token it takes (`Avx512`, `Avx2`)
// proves that.
#[cfg(target_arch = "x86_64")]
entries!(
    #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
    unsafe f32_avx512: Avx512<f32>, f32, direct: (16, 1), packed: (4, 4)
);
#[cfg(target_arch = "x86_64")]
entries!(
    #[target_feature(enable = "avx2,fma")]
    unsafe f32_avx2: Avx2<f32>, f32, direct: (6, 2), packed: (6, 2)
);
#[cfg(target_arch = "x86_64")]
entries!(
    #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
    unsafe f64_avx512: Avx512<f64>, f64, direct: (8, 1), packed: (4, 4)
);
#[cfg(target_arch = "x86_64")]
entries!(
    #[target_feature(enable = "avx2,fma")]
    unsafe f64_avx2: Avx2<f64>, f64, direct: (6, 2), packed: (6, 2)
);

macro_rules! compute {
    ($name:ident, $t:ty, $avx512:ident, $avx2:ident, $baseline:ident, $blocking:expr) => {
        /// The product with the kernels of `level`, or of the largest level
        /// below it that this CPU supports.
        pub(super) fn $name(
            level: SimdLevel,
            size: usize,
            alpha: $t,
            a: MatRef<'_, $t>,
            b: MatRef<'_, $t>,
            beta: $t,
            c: MatMut<'_, $t>,
        ) {
            let [avx512, avx2, baseline]: [Plan; 3] = $blocking;
            #[cfg(target_arch = "x86_64")]
            {
                if let (true, Some(s)) = (level >= SimdLevel::Avx512, Avx512::new()) {
                    // SAFETY: `s` exists, so the CPU supports every feature
                    // of the AVX-512 level, which are the features the
                    // functions are compiled with; they have no other
                    // precondition.
                    unsafe {
                        match path(&a, &b, size, &avx512) {
                            Path::Dot => $avx512::dot(s, alpha, a, b, beta, c),
                            Path::Direct => $avx512::direct(s, alpha, a, b, beta, c),
                            Path::Packed(blocking) => $avx512::packed(s, &tuned(blocking), alpha, a, b, beta, c),
                        }
                    }
                    return;
                }
                if let (true, Some(s)) = (level >= SimdLevel::Avx2Fma, Avx2::new()) {
                    // SAFETY: `s` exists, so the CPU supports AVX2 and FMA,
                    // the features the functions are compiled with; they
                    // have no other precondition.
                    unsafe {
                        match path(&a, &b, size, &avx2) {
                            Path::Dot => $avx2::dot(s, alpha, a, b, beta, c),
                            Path::Direct => $avx2::direct(s, alpha, a, b, beta, c),
                            Path::Packed(blocking) => $avx2::packed(s, &tuned(blocking), alpha, a, b, beta, c),
                        }
                    }
                    return;
                }
            }
            let _ = (level, avx512, avx2);
            let s = Portable::new();
            match path(&a, &b, size, &baseline) {
                Path::Dot => $baseline::dot(s, alpha, a, b, beta, c),
                Path::Direct => $baseline::direct(s, alpha, a, b, beta, c),
                Path::Packed(blocking) => $baseline::packed(s, &tuned(blocking), alpha, a, b, beta, c),
            }
        }
    };
}

compute!(compute_f32, f32, f32_avx512, f32_avx2, f32_baseline, [F32_AVX512, F32_AVX2, F32_BASELINE]);
compute!(compute_f64, f64, f64_avx512, f64_avx2, f64_baseline, [F64_AVX512, F64_AVX2, F64_BASELINE]);
