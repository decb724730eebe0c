//! Gradient clipping, applied to [`Gradients`] between `backward` and the
//! optimizer step.
//!
//! * [`clip_grad_norm`] rescales all parameter gradients together so that
//!   their *global* L2 norm is at most `max_norm` (PyTorch's
//!   `clip_grad_norm_`). The direction of the full gradient is kept. It is
//!   not applied tensor by tensor: that would change the direction, shrinking
//!   large tensors' gradients and leaving small ones alone.
//! * [`clip_grad_value`] clamps every element to `[-clip, clip]` (PyTorch's
//!   `clip_grad_value_`).
//!
//! Both change only the gradients of parameters (bound with
//! [`Tape::param`](crate::Tape::param)); the gradients of other nodes are
//! left as they are.

use crate::float::Float;
use crate::tape::Gradients;

/// PyTorch's guard against dividing by a zero norm, added to the norm.
const NORM_EPS: f64 = 1e-6;

/// Clips the global L2 norm of all parameter gradients to `max_norm`, in
/// place, and returns the norm before clipping, both in the gradients'
/// float type (as PyTorch returns the norm in the parameters' dtype), so
/// that `max_norm.max(norm)` and `norm > max_norm` need no conversion:
///
/// `norm = sqrt(sum over parameters p, elements i of g[p][i]^2)`
///
/// `g *= max_norm / (norm + 1e-6)` for every parameter gradient, if that
/// factor is below 1
///
/// This is PyTorch's `torch.nn.utils.clip_grad_norm_(params, max_norm)` with
/// `norm_type=2`, its `1e-6` included: a norm above `max_norm` ends slightly
/// below it, and (as in PyTorch) a norm less than `1e-6` below `max_norm` is
/// scaled by a factor within `1e-6 / max_norm` of 1. The norm is accumulated
/// in `f64` whatever the element type (rescaled if the plain sum of squares
/// overflows), and rounded to `T` once at the end.
///
/// **Non-finite norm.** If a gradient holds a NaN or an infinity, the norm is
/// NaN or infinite: the gradients are left unchanged and the non-finite norm
/// is returned, so the caller can skip the step (`if !norm.is_finite()`), as
/// mixed-precision loss scaling does. The same holds for a norm of finite
/// `f32` gradients that is beyond `f32::MAX` (returned as infinity). PyTorch by default scales anyway,
/// turning every gradient into NaN or 0 (or raises an error with
/// `error_if_nonfinite=True`); neither helps a toy training loop.
///
/// ```
/// use tapegrad::optim::clip::clip_grad_norm;
/// use tapegrad::{Param, Tape, Tensor};
///
/// let a = Param::new("a", Tensor::from_vec(vec![0.0f64, 0.0], [2]));
/// let b = Param::new("b", Tensor::from_vec(vec![0.0f64], [1]));
/// let tape = Tape::new();
/// // d/da = [3, 0], d/db = [4]: the global norm is 5.
/// let loss = (tape.param(&a) * tape.constant(Tensor::from_vec(vec![3.0, 0.0], [2]))).sum()
///     + (tape.param(&b) * 4.0).sum();
/// let mut grads = loss.backward();
///
/// let norm = clip_grad_norm(&mut grads, 1.0);
/// assert_eq!(norm, 5.0);                           // the norm before clipping, an f64 like the gradients
/// let scale = 1.0 / (5.0 + 1e-6);
/// assert_eq!(grads.param(&a).unwrap().data(), &[3.0 * scale, 0.0]);
/// assert_eq!(grads.param(&b).unwrap().data(), &[4.0 * scale]);
/// assert!((grads.params_norm() - 1.0).abs() < 1e-6);
/// ```
///
/// With an `f32` model the norm is an `f32`:
///
/// ```
/// use tapegrad::optim::clip::clip_grad_norm;
/// use tapegrad::{Param, Tape, Tensor};
///
/// let w = Param::new("w", Tensor::from_vec(vec![0.0f32, 0.0], [2]));
/// let tape = Tape::new();
/// let mut grads = (tape.param(&w) * tape.constant(Tensor::from_vec(vec![6.0, 8.0], [2]))).sum().backward();
/// let max_norm = 2.0;
/// let norm: f32 = clip_grad_norm(&mut grads, max_norm);
/// assert_eq!(norm.max(max_norm), 10.0);
/// ```
///
/// # Panics
/// If `max_norm` is negative or NaN (infinity never clips).
#[track_caller]
pub fn clip_grad_norm<T: Float>(grads: &mut Gradients<T>, max_norm: T) -> T {
    assert!(max_norm >= T::ZERO, "clip_grad_norm: max_norm must be >= 0, got {max_norm}");
    let norm = global_norm(grads);
    if !T::from_f64(norm).is_finite() {
        return T::from_f64(norm);
    }
    let factor = max_norm.to_f64() / (norm + NORM_EPS);
    if factor < 1.0 {
        let factor = T::from_f64(factor);
        grads.for_each_param_mut(|_, g| g.data_mut().iter_mut().for_each(|x| *x *= factor));
    }
    T::from_f64(norm)
}

/// The global L2 norm of the parameter gradients, accumulated in `f64`.
/// If the sum of squares overflows while every element is finite (possible
/// with `f64` gradients above about `1e154`), it is recomputed with the
/// elements divided by the largest magnitude.
fn global_norm<T: Float>(grads: &Gradients<T>) -> f64 {
    let elements = || grads.params().flat_map(|(_, g)| g.data().iter().map(|x| x.to_f64()));
    let norm = elements().map(|x| x * x).sum::<f64>().sqrt();
    if norm.is_finite() || norm.is_nan() {
        return norm;
    }
    let largest = elements().fold(0.0f64, |m, x| m.max(x.abs()));
    if !largest.is_finite() {
        return f64::INFINITY;
    }
    largest * elements().map(|x| (x / largest) * (x / largest)).sum::<f64>().sqrt()
}

/// Clamps every element of every parameter gradient to `[-clip, clip]`, in
/// place:
///
/// `g[i] = min(max(g[i], -clip), clip)`
///
/// PyTorch: `torch.nn.utils.clip_grad_value_(params, clip)`. As there, a NaN
/// element stays NaN and an infinite one becomes `±clip`. Unlike
/// [`clip_grad_norm`] this changes the gradient's direction.
///
/// ```
/// use tapegrad::optim::clip::clip_grad_value;
/// use tapegrad::{Param, Tape, Tensor};
///
/// let w = Param::new("w", Tensor::from_vec(vec![0.0f32, 0.0, 0.0], [3]));
/// let tape = Tape::new();
/// let loss = (tape.param(&w) * tape.constant(Tensor::from_vec(vec![-5.0, 0.5, 2.0], [3]))).sum();
/// let mut grads = loss.backward();
/// clip_grad_value(&mut grads, 1.0);
/// assert_eq!(grads.param(&w).unwrap().data(), &[-1.0, 0.5, 1.0]);
/// ```
///
/// # Panics
/// If `clip` is negative or NaN.
#[track_caller]
pub fn clip_grad_value<T: Float>(grads: &mut Gradients<T>, clip: T) {
    assert!(clip >= T::ZERO, "clip_grad_value: clip must be >= 0, got {clip}");
    let (low, high) = (-clip, clip);
    grads.for_each_param_mut(|_, g| {
        for x in g.data_mut() {
            // Comparisons rather than min/max, which would turn NaN into a bound.
            if *x > high {
                *x = high;
            } else if *x < low {
                *x = low;
            }
        }
    });
}
