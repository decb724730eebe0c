//! The element type of tensors: [`Float`], implemented for `f32` and `f64`.
#![forbid(unsafe_code)]

use std::fmt::{Debug, Display, LowerExp};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crate::kernels::gemm::GemmScalar;

mod sealed {
    /// What the crate itself needs of an element type beyond [`Float`]'s
    /// public arithmetic: vectorisable math for the kernels and the byte
    /// encoding of files. In a private module, so that it cannot be named
    /// (or implemented) outside the crate.
    ///
    /// [`Float`]: super::Float
    pub trait Sealed: Copy {
        /// Size in bytes.
        const BYTES: usize;
        /// Appends the little-endian bytes of `self`.
        fn write_le(self, out: &mut Vec<u8>);
        /// Reads a value from exactly `BYTES` little-endian bytes.
        fn read_le(bytes: &[u8]) -> Self;
        /// `e^self` in a form that loops vectorise: for `f32` an
        /// approximation within 2 ulps (`kernels/math.rs`), for `f64` the
        /// standard `exp`.
        fn fast_exp(self) -> Self;
        /// `ln(1 + self)` for finite `self >= 0`, in a form that loops
        /// vectorise: for `f32` within 2 ulps, for `f64` the standard `ln_1p`.
        fn fast_ln_1p(self) -> Self;
        /// `tanh self` in a form that loops vectorise: for `f32` a rational
        /// approximation within about 7e-8 of the exact value near 0 and
        /// 5e-7 near ±1, for `f64` the standard `tanh`.
        fn fast_tanh(self) -> Self;
        /// The error function, to within a few ulps (`kernels/math.rs`;
        /// `f32` rounds the `f64` value).
        fn erf(self) -> Self;
    }
}

/// A floating-point element type: `f32` (the default everywhere) or `f64`
/// (used by gradient checks).
///
/// The trait is sealed: the kernels rely on IEEE-754 semantics and on the
/// crate's GEMM and vectorised math supporting the type, so only `f32` and
/// `f64` implement it.
pub trait Float:
    sealed::Sealed
    + GemmScalar
    + Copy
    + Default
    + Debug
    + Display
    + LowerExp
    + PartialEq
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
{
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// The PyTorch name of the type (`"float32"`, `"float64"`), used by `Display`.
    const DTYPE: &'static str;

    /// Converts from `f64`, rounding to nearest for `f32`.
    fn from_f64(x: f64) -> Self;
    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;
    /// Converts from `usize` (exact for values below 2^24 in `f32`).
    fn from_usize(n: usize) -> Self;
    /// `e^self`.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// `ln(1 + self)`, accurate near zero.
    fn ln_1p(self) -> Self;
    /// `e^self - 1`, accurate near zero.
    fn exp_m1(self) -> Self;
    /// Sine (radians).
    fn sin(self) -> Self;
    /// Cosine (radians).
    fn cos(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// `self` raised to a floating-point power.
    fn powf(self, p: Self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Larger of the two; if one is NaN, the other.
    fn max(self, other: Self) -> Self;
    /// Smaller of the two; if one is NaN, the other.
    fn min(self, other: Self) -> Self;
    /// `true` unless NaN or infinite.
    fn is_finite(self) -> bool;
    /// `true` if NaN.
    fn is_nan(self) -> bool;
}

macro_rules! impl_float {
    ($t:ty, $dtype:literal, $fast_exp:path, $fast_ln_1p:path, $fast_tanh:path) => {
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const DTYPE: &'static str = $dtype;

            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline(always)]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                <$t>::ln_1p(self)
            }
            #[inline(always)]
            fn exp_m1(self) -> Self {
                <$t>::exp_m1(self)
            }
            #[inline(always)]
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            #[inline(always)]
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline(always)]
            fn powf(self, p: Self) -> Self {
                <$t>::powf(self, p)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
        }

        impl sealed::Sealed for $t {
            const BYTES: usize = std::mem::size_of::<$t>();
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read_le(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("read_le: wrong number of bytes"))
            }
            #[inline(always)]
            fn fast_exp(self) -> Self {
                $fast_exp(self)
            }
            #[inline(always)]
            fn fast_ln_1p(self) -> Self {
                $fast_ln_1p(self)
            }
            #[inline(always)]
            fn fast_tanh(self) -> Self {
                $fast_tanh(self)
            }
            fn erf(self) -> Self {
                crate::kernels::math::erf_f64(self as f64) as $t
            }
        }
    };
}

impl_float!(
    f32,
    "float32",
    crate::kernels::math::exp_f32,
    crate::kernels::math::ln_1p_f32,
    crate::kernels::math::tanh_f32
);
impl_float!(f64, "float64", f64::exp, f64::ln_1p, f64::tanh);
