//! Random directions in parameter space, filter-normalised.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::float::Float;
use crate::nn::Module;
use crate::probe::ParamVector;

/// A random direction at the model's weights, filter-normalised for an MLP
/// (see the [module docs](super)): Gaussian entries, each row of each
/// weight matrix (the weights into one output neuron; the first axis of a
/// parameter with two or more) rescaled to the norm of that row of the
/// weights, and zero for parameters with fewer than two axes (biases). A
/// row of zero weights gets a zero direction.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::nn::{Linear, Module};
/// use tapegrad::probe::landscape::filter_normalized_direction;
/// use tapegrad::Tensor;
///
/// let layer = Linear::from_weights(Tensor::from_vec(vec![3.0f32, 4.0, 0.0, 1.0], [2, 2]), Tensor::zeros([2]));
/// let d = filter_normalized_direction(&layer, &mut StdRng::seed_from_u64(1));
/// let d = d.as_slice();
/// let row_norm = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>().sqrt();
/// assert!((row_norm(&d[0..2]) - 5.0).abs() < 1e-12); // |(3, 4)|
/// assert!((row_norm(&d[2..4]) - 1.0).abs() < 1e-12); // |(0, 1)|
/// assert_eq!(&d[4..6], &[0.0, 0.0]); // the bias stays
/// ```
pub fn filter_normalized_direction<T: Float, M: Module<T> + ?Sized, R: Rng + ?Sized>(
    model: &M,
    rng: &mut R,
) -> ParamVector {
    let mut values = Vec::with_capacity(model.num_params());
    model.visit_params(&mut |p| {
        let (shape, weights) = (p.value().shape(), p.value().data());
        if shape.len() < 2 || weights.is_empty() {
            values.extend(std::iter::repeat_n(0.0, weights.len()));
            return;
        }
        for row in weights.chunks_exact(weights.len() / shape[0]) {
            let start = values.len();
            values.extend(row.iter().map(|_| -> f64 { StandardNormal.sample(rng) }));
            let direction = &mut values[start..];
            let scale = norm(row.iter().map(|w| w.to_f64())) / norm(direction.iter().copied());
            let scale = if scale.is_finite() { scale } else { 0.0 };
            direction.iter_mut().for_each(|d| *d *= scale);
        }
    });
    ParamVector::from_vec(values)
}

fn norm(values: impl Iterator<Item = f64>) -> f64 {
    values.map(|v| v * v).sum::<f64>().sqrt()
}
