//! Loops several ops share: sums with several accumulators, and in-place
//! additions into gradient buffers.

use crate::float::Float;

/// Sum of a slice with eight independent accumulators: the compiler can keep
/// them in one SIMD register, and rounding error grows with `n / 8` instead
/// of `n`.
pub(crate) fn sum<T: Float>(values: &[T]) -> T {
    sum_zip(values, values, |v, _| v)
}

/// `Σ f(a[i], b[i])` over two slices of the same length, with [`sum`]'s
/// eight accumulators: the losses' reductions, which a plain `.sum()` would
/// leave scalar (a float sum may not be reordered unless the code says so).
#[inline(always)]
pub(crate) fn sum_zip<T: Float>(a: &[T], b: &[T], f: impl Fn(T, T) -> T) -> T {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [T::ZERO; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a_chunks.remainder(), b_chunks.remainder());
    for (a, b) in a_chunks.zip(b_chunks) {
        for i in 0..8 {
            acc[i] += f(a[i], b[i]);
        }
    }
    let mut total = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (&a, &b) in a_rest.iter().zip(b_rest) {
        total += f(a, b);
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
