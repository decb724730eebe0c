//! Loops shared by several ops.

pub(crate) mod cpu;
pub(crate) mod gemm;
pub(crate) mod math;
pub(crate) mod pages;
pub(crate) mod threads;
pub(crate) mod vectorize;

use crate::float::Float;

/// Sum of a slice with eight independent accumulators: the compiler can keep
/// them in one SIMD register, and rounding error grows with `n / 8` instead
/// of `n`.
pub(crate) fn sum<T: Float>(values: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a += v;
        }
    }
    let mut total = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for &v in rest {
        total += v;
    }
    total
}

/// `target[i] += source[i]`.
pub(crate) fn add_assign<T: Float>(target: &mut [T], source: &[T]) {
    debug_assert_eq!(target.len(), source.len());
    for (t, &s) in target.iter_mut().zip(source) {
        *t += s;
    }
}

/// `target[i] += value` for every `i`.
pub(crate) fn add_scalar_assign<T: Float>(target: &mut [T], value: T) {
    for t in target.iter_mut() {
        *t += value;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sum_handles_every_remainder() {
        for n in 0..40 {
            let v: Vec<f64> = (0..n).map(|i| i as f64).collect();
            assert_eq!(super::sum(&v), (n * n - n) as f64 / 2.0);
        }
    }
}
