//! Seeded samplers for the gradient checks: inputs chosen away from the
//! points where an op is not differentiable.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::Tensor;

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Standard normal samples.
pub fn randn(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    Tensor::randn(shape, rng)
}

/// Uniform samples in `[low, high)`.
pub fn uniform(shape: &[usize], low: f64, high: f64, rng: &mut StdRng) -> Tensor<f64> {
    Tensor::uniform(shape, low, high, rng)
}

/// Magnitudes uniform in `[low, high)` (with `low > 0`), each with a random
/// sign: never within `low` of zero, so kinks at 0 and poles at 0 are avoided.
pub fn away_from_zero(shape: &[usize], low: f64, high: f64, rng: &mut StdRng) -> Tensor<f64> {
    assert!(low > 0.0);
    let magnitude = uniform(shape, low, high, rng);
    let sign = uniform(shape, -1.0, 1.0, rng);
    Tensor::from_fn(shape, |i| if sign.data()[i] < 0.0 { -magnitude.data()[i] } else { magnitude.data()[i] })
}

/// Pairwise distinct values at least `0.1` apart, in a random order: a random
/// permutation of `0.1 * k` (shifted to be centred on 0). No two elements are
/// within a finite-difference step of each other, so `max` is differentiable
/// everywhere it is evaluated.
pub fn distinct(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    let keys = uniform(shape, 0.0, 1.0, rng);
    let n = keys.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| keys.data()[i].total_cmp(&keys.data()[j]));
    let mut values = vec![0.0; n];
    for (rank, &at) in order.iter().enumerate() {
        values[at] = 0.1 * rank as f64 - 0.05 * n as f64;
    }
    Tensor::from_vec(values, shape)
}
