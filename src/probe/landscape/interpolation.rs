//! The loss along a straight line in parameter space.

use crate::float::Float;
use crate::nn::Module;
use crate::probe::ParamVector;

/// The loss at `θ(α) = (1 − α) · from + α · to` for each `α` of `alphas`,
/// as `(α, loss)`: Goodfellow, Vinyals and Saxe's (2015) picture of the
/// path from the initial to the final weights, which for many networks
/// falls without a bump, "as if" training had no obstacle to pass. Values
/// of `α` outside `[0, 1]` look beyond either end. The model's weights are
/// put back afterwards.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::nn::{Activation, Mlp, Module};
/// use tapegrad::probe::{ParamVector, landscape::interpolate};
///
/// let mut model = Mlp::<f64>::new(&[1, 2, 1], Activation::Tanh, &mut StdRng::seed_from_u64(0));
/// let from = ParamVector::zeros(model.num_params());
/// let to = ParamVector::from_vec(vec![1.0; model.num_params()]);
/// // The sum of the weights is linear in α: 7α.
/// let sum = |m: &Mlp<f64>| m.params().map(|p| p.value().data().iter().sum::<f64>()).sum::<f64>();
/// let line = interpolate(&mut model, &from, &to, &[-0.5, 0.0, 0.5, 1.0], sum);
/// assert_eq!(line, [(-0.5, -3.5), (0.0, 0.0), (0.5, 3.5), (1.0, 7.0)]);
/// ```
///
/// # Panics
/// If `from`, `to` and the model's parameters differ in length.
#[track_caller]
pub fn interpolate<T: Float, M: Module<T> + ?Sized>(
    model: &mut M,
    from: &ParamVector,
    to: &ParamVector,
    alphas: &[f64],
    mut loss: impl FnMut(&M) -> f64,
) -> Vec<(f64, f64)> {
    let saved = ParamVector::of(model);
    let direction = to.minus(from);
    let line = alphas
        .iter()
        .map(|&alpha| {
            from.load_combination_into(model, &[(alpha, &direction)]);
            (alpha, loss(model))
        })
        .collect();
    saved.load_into(model);
    line
}
