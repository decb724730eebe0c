//! The vector operations of the kernels, one implementation per SIMD level.
//!
//! The kernels are generic over [`Simd`], whose vector type `V` holds `W`
//! lanes. [`Portable`] is plain Rust on arrays, for the baseline level and
//! other targets. On x86-64, [`Avx512`] and [`Avx2`] wrap `std::arch`
//! intrinsics: with arrays, whether the tile of a micro-kernel stays in
//! registers as 512-bit vectors is up to LLVM's SLP vectoriser, and measured
//! on this crate it did not always (unrelated code in the same function
//! turned the 8 x 32 tile into a mix of 256- and 128-bit operations with
//! spills, at 60% of the speed). With one intrinsic per vector operation, the
//! code is what it says.
//!
//! A value of `Avx512` or `Avx2` exists only once the CPU has been seen to
//! support the level ([`Avx512::new`], [`Avx2::new`]); that is what makes
//! their intrinsic calls sound. They are meant to be used inside functions
//! compiled for the level, where the intrinsics inline into single
//! instructions.
#![allow(unsafe_code)] // see `mod.rs`, "unsafe"

use super::Elem;

/// `W` lanes of `T` and the operations on them.
pub(super) trait Simd: Copy {
    type T: Elem;
    type V: Copy;
    /// Lanes per vector.
    const W: usize;

    fn zero(self) -> Self::V;
    fn splat(self, x: Self::T) -> Self::V;
    /// The first `W` elements of `s` (panics if it is shorter).
    fn load(self, s: &[Self::T]) -> Self::V;
    /// Into the first `W` elements of `s` (panics if it is shorter).
    fn store(self, v: Self::V, s: &mut [Self::T]);
    /// `a * b + c`, fused where the level has the instruction.
    fn madd(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// The sum of the lanes.
    fn sum(self, v: Self::V) -> Self::T;
    /// The lanes of `a` and `b` interleaved: `[a0, b0, a1, b1, ...]`, first
    /// the lower halves, then the upper halves.
    fn interleave(self, a: Self::V, b: Self::V) -> (Self::V, Self::V);
}

/// Transposes the `W x W` block in `v[..W]` (`W <= 16`, a power of two): row
/// `i` becomes column `i`. `log2(W)` rounds in which vector `i` and vector
/// `i + W/2` are interleaved into vectors `2i` and `2i + 1`.
#[inline(always)]
pub(super) fn transpose<S: Simd>(s: S, v: &mut [S::V; 16]) {
    unroll!(4, round => {
        if 1 << round < S::W {
            let old = *v;
            unroll!(8, i => {
                if i < S::W / 2 {
                    (v[2 * i], v[2 * i + 1]) = s.interleave(old[i], old[i + S::W / 2]);
                }
            });
        }
    });
}

/// Plain Rust on `[T; W]`: the compiler vectorises it for the target's
/// baseline (SSE2 on x86-64, NEON on aarch64). `FMA` fuses multiply-adds; set
/// it only where the target has the instruction.
#[derive(Clone, Copy, Debug)]
pub(super) struct Portable<T, const W: usize, const FMA: bool>(std::marker::PhantomData<T>);

impl<T, const W: usize, const FMA: bool> Portable<T, W, FMA> {
    pub(super) fn new() -> Self {
        Portable(std::marker::PhantomData)
    }
}

impl<T: Elem, const W: usize, const FMA: bool> Simd for Portable<T, W, FMA> {
    type T = T;
    type V = [T; W];
    const W: usize = W;

    #[inline(always)]
    fn zero(self) -> [T; W] {
        [T::ZERO; W]
    }
    #[inline(always)]
    fn splat(self, x: T) -> [T; W] {
        [x; W]
    }
    #[inline(always)]
    fn load(self, s: &[T]) -> [T; W] {
        s[..W].try_into().unwrap()
    }
    #[inline(always)]
    fn store(self, v: [T; W], s: &mut [T]) {
        s[..W].copy_from_slice(&v);
    }
    #[inline(always)]
    fn madd(self, a: [T; W], b: [T; W], mut c: [T; W]) -> [T; W] {
        for l in 0..W {
            c[l] = T::madd::<FMA>(a[l], b[l], c[l]);
        }
        c
    }
    #[inline(always)]
    fn mul(self, mut a: [T; W], b: [T; W]) -> [T; W] {
        for l in 0..W {
            a[l] = a[l] * b[l];
        }
        a
    }
    #[inline(always)]
    fn add(self, mut a: [T; W], b: [T; W]) -> [T; W] {
        for l in 0..W {
            a[l] = a[l] + b[l];
        }
        a
    }
    #[inline(always)]
    fn sum(self, mut v: [T; W]) -> T {
        let mut width = W;
        while width > 1 {
            width /= 2;
            for l in 0..width {
                v[l] = v[l] + v[l + width];
            }
        }
        v[0]
    }
    #[inline(always)]
    fn interleave(self, a: [T; W], b: [T; W]) -> ([T; W], [T; W]) {
        let (mut lo, mut hi) = (a, b);
        for l in 0..W {
            let (x, y) = if l % 2 == 0 { (a, l / 2) } else { (b, l / 2) };
            lo[l] = x[y];
            hi[l] = x[y + W / 2];
        }
        (lo, hi)
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) use x86::{Avx2, Avx512};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::marker::PhantomData;

    use super::Simd;
    use crate::kernels::cpu::SimdLevel;

    /// 512-bit vectors of `T`; proof that the CPU supports
    /// [`SimdLevel::Avx512`].
    #[derive(Clone, Copy, Debug)]
    pub(in crate::kernels::gemm) struct Avx512<T>(PhantomData<T>);

    /// 256-bit vectors of `T` with FMA; proof that the CPU supports
    /// [`SimdLevel::Avx2Fma`].
    #[derive(Clone, Copy, Debug)]
    pub(in crate::kernels::gemm) struct Avx2<T>(PhantomData<T>);

    impl<T> Avx512<T> {
        /// `Some` if and only if the CPU supports the AVX-512 level.
        #[inline]
        pub(in crate::kernels::gemm) fn new() -> Option<Self> {
            SimdLevel::Avx512.is_supported().then_some(Avx512(PhantomData))
        }
    }

    impl<T> Avx2<T> {
        /// `Some` if and only if the CPU supports AVX2 and FMA.
        #[inline]
        pub(in crate::kernels::gemm) fn new() -> Option<Self> {
            SimdLevel::Avx2Fma.is_supported().then_some(Avx2(PhantomData))
        }
    }

    /// Implements `Simd` for a token with the intrinsics of one vector type.
    /// Each intrinsic needs the token's features, which the CPU has because
    /// the token exists (see `new`); loads and stores also read or write
    /// exactly `W` elements of a slice checked to hold them.
    macro_rules! simd_impl {
        (
            $token:ident, $t:ty, $v:ty, $w:literal,
            $zero:ident, $set1:ident, $loadu:ident, $storeu:ident, $fmadd:ident, $mul:ident, $add:ident,
            sum: |$x:ident| { $($sum:tt)* },
            interleave: |$a:ident, $b:ident| { $($interleave:tt)* }
        ) => {
            impl Simd for $token<$t> {
                type T = $t;
                type V = $v;
                const W: usize = $w;

                #[inline(always)]
                fn zero(self) -> $v {
                    // SAFETY: the CPU supports the token's features (`new`).
                    unsafe { $zero() }
                }
                #[inline(always)]
                fn splat(self, x: $t) -> $v {
                    // SAFETY: the CPU supports the token's features (`new`).
                    unsafe { $set1(x) }
                }
                #[inline(always)]
                fn load(self, s: &[$t]) -> $v {
                    let s = &s[..$w];
                    // SAFETY: the CPU supports the token's features (`new`),
                    // and `s` holds the `W` elements read (unaligned load).
                    unsafe { $loadu(s.as_ptr()) }
                }
                #[inline(always)]
                fn store(self, v: $v, s: &mut [$t]) {
                    let s = &mut s[..$w];
                    // SAFETY: the CPU supports the token's features (`new`),
                    // and `s` holds the `W` elements written (unaligned store).
                    unsafe { $storeu(s.as_mut_ptr(), v) }
                }
                #[inline(always)]
                fn madd(self, a: $v, b: $v, c: $v) -> $v {
                    // SAFETY: the CPU supports the token's features (`new`).
                    unsafe { $fmadd(a, b, c) }
                }
                #[inline(always)]
                fn mul(self, a: $v, b: $v) -> $v {
                    // SAFETY: the CPU supports the token's features (`new`).
                    unsafe { $mul(a, b) }
                }
                #[inline(always)]
                fn add(self, a: $v, b: $v) -> $v {
                    // SAFETY: the CPU supports the token's features (`new`).
                    unsafe { $add(a, b) }
                }
                #[inline(always)]
                fn sum(self, $x: $v) -> $t {
                    // SAFETY: the CPU supports the token's features (`new`).
                    unsafe { $($sum)* }
                }
                #[inline(always)]
                fn interleave(self, $a: $v, $b: $v) -> ($v, $v) {
                    // SAFETY: the CPU supports the token's features (`new`).
                    unsafe { $($interleave)* }
                }
            }
        };
    }

    #[rustfmt::skip]
    simd_impl!(
        Avx512, f32, __m512, 16,
        _mm512_setzero_ps, _mm512_set1_ps, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_fmadd_ps, _mm512_mul_ps, _mm512_add_ps,
        sum: |v| { _mm512_reduce_add_ps(v) },
        interleave: |a, b| {
            let lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            let hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
            (_mm512_permutex2var_ps(a, lo, b), _mm512_permutex2var_ps(a, hi, b))
        }
    );
    #[rustfmt::skip]
    simd_impl!(
        Avx512, f64, __m512d, 8,
        _mm512_setzero_pd, _mm512_set1_pd, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_fmadd_pd, _mm512_mul_pd, _mm512_add_pd,
        sum: |v| { _mm512_reduce_add_pd(v) },
        interleave: |a, b| {
            let lo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
            let hi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
            (_mm512_permutex2var_pd(a, lo, b), _mm512_permutex2var_pd(a, hi, b))
        }
    );
    #[rustfmt::skip]
    simd_impl!(
        Avx2, f32, __m256, 8,
        _mm256_setzero_ps, _mm256_set1_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_fmadd_ps, _mm256_mul_ps, _mm256_add_ps,
        sum: |v| {
            let x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let x = _mm_add_ps(x, _mm_movehl_ps(x, x));
            _mm_cvtss_f32(_mm_add_ss(x, _mm_shuffle_ps::<1>(x, x)))
        },
        interleave: |a, b| {
            // [a0 b0 a1 b1 | a4 b4 a5 b5] and [a2 b2 a3 b3 | a6 b6 a7 b7].
            let (l, h) = (_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b));
            (_mm256_permute2f128_ps::<0x20>(l, h), _mm256_permute2f128_ps::<0x31>(l, h))
        }
    );
    #[rustfmt::skip]
    simd_impl!(
        Avx2, f64, __m256d, 4,
        _mm256_setzero_pd, _mm256_set1_pd, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_fmadd_pd, _mm256_mul_pd, _mm256_add_pd,
        sum: |v| {
            let x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
            _mm_cvtsd_f64(_mm_add_sd(x, _mm_unpackhi_pd(x, x)))
        },
        interleave: |a, b| {
            // [a0 b0 | a2 b2] and [a1 b1 | a3 b3].
            let (l, h) = (_mm256_unpacklo_pd(a, b), _mm256_unpackhi_pd(a, b));
            (_mm256_permute2f128_pd::<0x20>(l, h), _mm256_permute2f128_pd::<0x31>(l, h))
        }
    );
}
