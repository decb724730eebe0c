//! Which vector instructions the CPU running us has, detected once.
//!
//! The library is compiled for its target's baseline (SSE2 on x86-64), so a
//! kernel that wants wider vectors is compiled a second time inside a function
//! marked `#[target_feature(enable = "...")]` and chosen at run time:
//!
//! ```text
//! match cpu::simd_level() {
//!     SimdLevel::Avx512 => unsafe { kernel_avx512(..) },  // SAFETY: detected
//!     SimdLevel::Avx2Fma => unsafe { kernel_avx2(..) },
//!     SimdLevel::Baseline => kernel_baseline(..),
//! }
//! ```
//!
//! A function for a level must enable no more than that level's features,
//! listed on each variant of [`SimdLevel`]: calling it is sound exactly when
//! [`SimdLevel::is_supported`] holds.
//!
//! Detection runs on first use and is cached. The environment variable
//! `TAPEGRAD_SIMD` (`scalar`, `avx2` or `avx512`; `baseline` is another name
//! for `scalar`), read at the same moment, lowers the level [`simd_level`]
//! returns, to compare kernels, to run the test suite at every level, or to
//! avoid AVX-512 on CPUs that slow their clock for it; it never raises the
//! level above what the CPU has. Any other value panics: a misspelt level
//! that silently ran the CPU's own would make a test run at "every level"
//! test one.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU8, Ordering};

/// A set of vector instructions, from the smallest to the largest. Each level
/// includes the ones below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdLevel {
    /// The target's baseline, no `#[target_feature]`: SSE2 on x86-64, and
    /// whatever the target guarantees elsewhere (NEON on aarch64).
    Baseline,
    /// x86-64 with 256-bit AVX2 and fused multiply-add:
    /// `#[target_feature(enable = "avx2,fma")]`.
    Avx2Fma,
    /// x86-64 with AVX-512 F, VL, BW and DQ (32 registers of 512 bits), AVX2
    /// and FMA:
    /// `#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]`.
    Avx512,
}

impl SimdLevel {
    /// Every level, from the smallest.
    pub const ALL: [SimdLevel; 3] = [SimdLevel::Baseline, SimdLevel::Avx2Fma, SimdLevel::Avx512];

    /// A short lowercase name (`"baseline"`, `"avx2"`, `"avx512"`), also a
    /// value `TAPEGRAD_SIMD` takes (for `Baseline` also `"scalar"`).
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Baseline => "baseline",
            SimdLevel::Avx2Fma => "avx2",
            SimdLevel::Avx512 => "avx512",
        }
    }

    /// Whether this CPU has every feature of the level, so that a function
    /// compiled for it may be called.
    #[inline]
    pub fn is_supported(self) -> bool {
        self <= detected()
    }

    #[inline]
    fn from_u8(v: u8) -> SimdLevel {
        match v {
            2 => SimdLevel::Avx2Fma,
            3 => SimdLevel::Avx512,
            _ => SimdLevel::Baseline,
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            SimdLevel::Baseline => 1,
            SimdLevel::Avx2Fma => 2,
            SimdLevel::Avx512 => 3,
        }
    }
}

/// 0 until detection has run, then `SimdLevel::to_u8`.
static DETECTED: AtomicU8 = AtomicU8::new(0);
/// 0 until the first `simd_level`, then `SimdLevel::to_u8`.
static SELECTED: AtomicU8 = AtomicU8::new(0);

/// The largest level this CPU supports (ignores `TAPEGRAD_SIMD`).
#[inline]
pub fn detected() -> SimdLevel {
    match DETECTED.load(Ordering::Relaxed) {
        0 => {
            let level = detect();
            DETECTED.store(level.to_u8(), Ordering::Relaxed);
            level
        }
        v => SimdLevel::from_u8(v),
    }
}

/// The level kernels should use: [`detected`], lowered by `TAPEGRAD_SIMD` if
/// it is set. Cheap after the first call (one relaxed atomic load).
#[inline]
pub fn simd_level() -> SimdLevel {
    match SELECTED.load(Ordering::Relaxed) {
        0 => {
            let level = select(detected(), std::env::var_os("TAPEGRAD_SIMD").as_ref().and_then(|v| v.to_str()));
            SELECTED.store(level.to_u8(), Ordering::Relaxed);
            level
        }
        v => SimdLevel::from_u8(v),
    }
}

/// `detected` lowered to the level named by `request`, if there is one (an
/// empty value counts as none, as `TAPEGRAD_SIMD= cargo test` means).
///
/// # Panics
/// If `request` names no level.
fn select(detected: SimdLevel, request: Option<&str>) -> SimdLevel {
    let Some(request) = request.map(str::trim).filter(|r| !r.is_empty()) else { return detected };
    let requested = match request {
        "scalar" => Some(SimdLevel::Baseline),
        name => SimdLevel::ALL.into_iter().find(|l| l.name() == name),
    };
    match requested {
        Some(level) => level.min(detected),
        None => panic!("TAPEGRAD_SIMD={request:?} names no SIMD level: use scalar (or baseline), avx2 or avx512"),
    }
}

#[cfg(target_arch = "x86_64")]
fn detect() -> SimdLevel {
    let avx2_fma = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
    let avx512 = avx2_fma
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512dq");
    if avx512 {
        SimdLevel::Avx512
    } else if avx2_fma {
        SimdLevel::Avx2Fma
    } else {
        SimdLevel::Baseline
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> SimdLevel {
    SimdLevel::Baseline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_is_cached_and_ordered() {
        let level = detected();
        assert_eq!(detected(), level);
        assert!(simd_level() <= level);
        assert!(SimdLevel::Baseline.is_supported());
        for l in SimdLevel::ALL {
            assert_eq!(l.is_supported(), l <= level);
        }
    }

    #[test]
    fn the_environment_can_only_lower_the_level() {
        assert_eq!(select(SimdLevel::Avx2Fma, None), SimdLevel::Avx2Fma);
        assert_eq!(select(SimdLevel::Avx2Fma, Some("baseline")), SimdLevel::Baseline);
        assert_eq!(select(SimdLevel::Avx2Fma, Some("avx512")), SimdLevel::Avx2Fma);
        assert_eq!(select(SimdLevel::Avx512, Some(" avx2\n")), SimdLevel::Avx2Fma);
        assert_eq!(select(SimdLevel::Avx512, Some("scalar")), SimdLevel::Baseline);
        assert_eq!(select(SimdLevel::Avx512, Some("")), SimdLevel::Avx512);
    }

    #[test]
    #[should_panic(expected = "TAPEGRAD_SIMD=\"sse9\" names no SIMD level")]
    fn a_misspelt_level_is_refused() {
        select(SimdLevel::Avx512, Some("sse9"));
    }
}
