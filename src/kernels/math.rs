//! Vectorisable `f32` versions of `exp`, `tanh` and `ln(1 + x)`, and the
//! error function (the standard library has none).
//!
//! The standard library's `f32::exp` and `f32::tanh` call libm one element
//! at a time; in a training step of a small tanh network they took more than
//! half of the time. These versions are straight-line arithmetic with
//! selects instead of branches, so a loop over a slice compiles to SIMD code.
//! All three are accurate to a few units in the last place (tested against `f64`
//! below); `f64` keeps the standard library's functions.
#![forbid(unsafe_code)]

/// `e^x` for `f32`: Cephes' `expf`. Writes `x = n ln 2 + r` with
/// `|r| <= ln 2 / 2`, evaluates a degree-7 polynomial for `e^r`, and scales
/// by `2^n` in two halves so that neither half overflows or goes subnormal
/// (results down to the smallest subnormal come out right). Overflows to
/// `inf` above `ln(f32::MAX)`, is 0 below the smallest subnormal, NaN stays NaN.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const LN_MAX: f32 = 88.722_83;
    const LN_MIN_SUBNORMAL: f32 = -103.972_08;
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that n * LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer
    // without a call to `round`, which SSE2 cannot vectorise.
    const ROUND: f32 = 12_582_912.0;

    let clamped = x.clamp(LN_MIN_SUBNORMAL, LN_MAX);
    let n = (clamped * LOG2_E + ROUND) - ROUND;
    let r = clamped - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_2e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let er = p * r * r + r + 1.0;
    let n = n as i32;
    let half = n >> 1;
    let scale_a = f32::from_bits(((half + 127) as u32) << 23);
    let scale_b = f32::from_bits(((n - half + 127) as u32) << 23);
    let y = er * scale_a * scale_b;
    if x > LN_MAX {
        f32::INFINITY
    } else if x < LN_MIN_SUBNORMAL {
        0.0
    } else {
        y
    }
}

/// `tanh x` for `f32`: the rational approximation of Eigen (also used by
/// XLA, ONNX Runtime and PyTorch's tensor expressions), a degree-13 odd
/// polynomial over a degree-6 even one on `[-7.905, 7.905]`, outside of
/// which `tanh` rounds to ±1 in `f32`. Below `|x| < 4e-4`, `tanh x = x` to
/// `f32` precision.
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    let c = x.clamp(-CLAMP, CLAMP);
    let x2 = c * c;
    let mut p = -2.760_768_5e-16f32;
    p = p * x2 + 2.000_188e-13;
    p = p * x2 + -8.604_672e-11;
    p = p * x2 + 5.122_297e-8;
    p = p * x2 + 1.485_722_4e-5;
    p = p * x2 + 6.372_619_3e-4;
    p = p * x2 + 4.893_524_6e-3;
    p *= c;
    let mut q = 1.198_258_4e-6f32;
    q = q * x2 + 1.185_347_1e-4;
    q = q * x2 + 2.268_434_6e-3;
    q = q * x2 + 4.893_525e-3;
    if x.abs() < 4e-4 { x } else { p / q }
}

/// `ln x` for `f32` and a finite, normal `x > 0`: Cephes' `logf`. Splits
/// `x = m 2^e` with `m` in `[√½, √2)` by reading the bits, and evaluates a
/// degree-9 polynomial in `m - 1`. Branch-free, so loops vectorise. Only
/// used where the argument is known to be in range (see [`ln_1p_f32`]).
#[inline(always)]
fn ln_normal_f32(x: f32) -> f32 {
    const SQRT_HALF: f32 = std::f32::consts::FRAC_1_SQRT_2;
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 126;
    // The mantissa with the exponent of 0.5: m in [0.5, 1).
    let m = f32::from_bits((bits & 0x807f_ffff) | 0x3f00_0000);
    let small = m < SQRT_HALF;
    e -= small as i32;
    let r = if small { m + m - 1.0 } else { m - 1.0 };
    let z = r * r;
    let mut p = 7.037_683_6e-2f32;
    p = p * r - 1.151_461e-1;
    p = p * r + 1.167_699_9e-1;
    p = p * r - 1.242_014_1e-1;
    p = p * r + 1.424_932_3e-1;
    p = p * r - 1.666_805_8e-1;
    p = p * r + 2.000_071_4e-1;
    p = p * r - 2.499_999_4e-1;
    p = p * r + 3.333_333e-1;
    let e = e as f32;
    let y = p * r * z - 2.121_944_4e-4 * e - 0.5 * z;
    r + y + 0.693_359_4 * e
}

/// `ln(1 + x)` for `f32` and finite `x >= 0`, accurate for tiny `x` too:
/// with `u = 1 + x` rounded, `ln(u) · x / (u - 1)` cancels the rounding of
/// `u` (Goldberg's trick), and `u = 1` means `x` is below half an ulp of 1,
/// where `ln(1 + x) = x` to `f32` precision.
#[inline(always)]
pub fn ln_1p_f32(x: f32) -> f32 {
    let u = 1.0 + x;
    let d = u - 1.0;
    if d == 0.0 { x } else { ln_normal_f32(u) * (x / d) }
}

/// The error function `erf x = 2/√π ∫₀ˣ e^(-t²) dt`, to within a few units
/// in the last place of `f64`: below 3 the series
/// `2/√π e^(-x²) Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))`, whose terms are all
/// positive (no cancellation, unlike Taylor's); above, `1 - erfc x` from
/// erfc's continued fraction, which converges in a few dozen terms there;
/// ±1 beyond 6, where `1 - erf x < 1e-17`.
pub fn erf_f64(x: f64) -> f64 {
    const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;
    let a = x.abs();
    let r = if a.is_nan() {
        return x;
    } else if a < 3.0 {
        let a2 = a * a;
        let (mut term, mut sum) = (a, a);
        for n in 1..200 {
            term *= 2.0 * a2 / (2 * n + 1) as f64;
            sum += term;
            if term <= 1e-17 * sum {
                break;
            }
        }
        sum * (-a2).exp() * TWO_OVER_SQRT_PI
    } else if a < 6.0 {
        // erfc a = e^(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))),
        // evaluated with Lentz's method.
        let tiny = 1e-300;
        let (mut f, mut c, mut d) = (a, a, 0.0);
        for n in 1..200 {
            let k = 0.5 * n as f64;
            d = a + k * d;
            d = if d.abs() < tiny { 1.0 / tiny } else { 1.0 / d };
            c = a + k / c;
            if c.abs() < tiny {
                c = tiny;
            }
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        1.0 - (-a * a).exp() * TWO_OVER_SQRT_PI / 2.0 / f
    } else {
        1.0
    };
    r.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units of the last place between an `f32` result and the
    /// exact value (computed in `f64`).
    fn ulps(got: f32, exact: f64) -> f64 {
        let rounded = exact as f32;
        if got == rounded {
            return 0.0;
        }
        let ulp = (rounded.abs().max(f32::MIN_POSITIVE) * f32::EPSILON) as f64;
        (got as f64 - exact).abs() / ulp
    }

    fn sweep(low: f32, high: f32, steps: usize) -> impl Iterator<Item = f32> {
        (0..=steps).map(move |i| low + (high - low) * i as f32 / steps as f32)
    }

    #[test]
    fn exp_is_within_two_ulps_over_the_normal_range() {
        let worst = sweep(-87.0, 88.7, 400_000).map(|x| ulps(exp_f32(x), (x as f64).exp())).fold(0.0, f64::max);
        assert!(worst <= 2.0, "worst error {worst} ulps");
    }

    #[test]
    fn exp_handles_the_edges() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(89.0), f32::INFINITY);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(-1000.0), 0.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
        assert!(ulps(exp_f32(88.72), (88.72f32 as f64).exp()) <= 2.0);
        // Subnormal results are kept, not flushed to zero.
        for x in [-88.0f32, -95.0, -100.0, -103.0] {
            let tiny = exp_f32(x);
            assert!(tiny > 0.0 && ulps(tiny, (x as f64).exp()) <= 1.0, "exp({x}) = {tiny:e}");
        }
    }

    #[test]
    fn ln_1p_is_within_two_ulps_on_its_domain() {
        let points = sweep(0.0, 1.0, 200_000).chain((0..200).map(|i| 10f32.powf(-(i as f32) / 5.0)));
        let worst = points.map(|x| ulps(ln_1p_f32(x), (x as f64).ln_1p())).fold(0.0, f64::max);
        assert!(worst <= 2.0, "worst error {worst} ulps");
        let large = sweep(1.0, 1e30, 100_000).map(|x| ulps(ln_1p_f32(x), (x as f64).ln_1p())).fold(0.0, f64::max);
        assert!(large <= 2.0, "worst error {large} ulps above 1");
        assert_eq!(ln_1p_f32(0.0), 0.0);
    }

    #[test]
    fn tanh_is_accurate_everywhere() {
        let worst_abs =
            sweep(-10.0, 10.0, 400_000).map(|x| (tanh_f32(x) as f64 - (x as f64).tanh()).abs()).fold(0.0, f64::max);
        // About 7 ulps of 1.0 where tanh approaches ±1.
        assert!(worst_abs < 5e-7, "worst absolute error {worst_abs}");
        let worst_ulps = sweep(-1.0, 1.0, 200_000).map(|x| ulps(tanh_f32(x), (x as f64).tanh())).fold(0.0, f64::max);
        assert!(worst_ulps <= 4.0, "worst error {worst_ulps} ulps");
        assert_eq!(tanh_f32(1e-5), 1e-5);
        assert_eq!(tanh_f32(100.0), 1.0);
        assert_eq!(tanh_f32(-100.0), -1.0);
        assert!(tanh_f32(f32::NAN).is_nan());
    }

    #[test]
    fn erf_matches_reference_values() {
        // Python's math.erf (correctly rounded to within an ulp).
        let cases = [
            (0.0, 0.0),
            (1e-10, 1.128_379_167_095_512_6e-10),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (2.4999, 0.999_592_830_099_666_6),
            (2.9999, 0.999_977_895_573_517_8),
            (2.5, 0.999_593_047_982_555),
            (3.0, 0.999_977_909_503_001_4),
            (5.0, 0.999_999_999_998_462_5),
            (7.0, 1.0),
        ];
        for (x, want) in cases {
            for (x, want) in [(x, want), (-x, -want)] {
                let got = super::erf_f64(x);
                assert!(
                    (got - want).abs() <= 4.0 * f64::EPSILON * want.abs().max(1e-300),
                    "erf({x}) = {got}, not {want}"
                );
            }
        }
        assert!(super::erf_f64(f64::NAN).is_nan());
        assert_eq!(super::erf_f64(f64::INFINITY), 1.0);
    }
}
