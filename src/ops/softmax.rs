//! `softmax` and `log_softmax` along an axis, both computed after
//! subtracting each lane's maximum so that no `exp` overflows.
//!
//! `log_softmax` is its own op rather than `softmax(x).ln()`: the composite
//! underflows to `ln(0) = -inf` for logits far below the maximum, while
//! `x - max - ln(Σ e^(x - max))` stays finite.

use super::{Graph, Kernel};
use crate::float::Float;
use crate::shape::lanes;
use crate::tensor::Tensor;

/// Softmax along an axis (resolved): each lane is mapped to `e^x / Σ e^x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Softmax(pub usize);

impl<T: Float> Kernel<T> for Softmax {
    fn name(&self) -> String {
        format!("softmax(axis={})", self.0)
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        out.resize(x.len(), T::ZERO);
        for_each_lane(inputs[0].shape(), self.0, |lane| {
            let (shift, log_sum) = lane_max_and_log_sum_exp(x, lane.clone());
            for at in lane {
                out[at] = (x[at] - shift - log_sum).fast_exp();
            }
        });
    }

    /// `dx = y (g - Σ g y)` per lane.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], y: &Tensor<T>, g: &[T], target: &mut [T]) {
        let y = y.data();
        for_each_lane(inputs[0].shape(), self.0, |lane| {
            let dot: T = lane.clone().map(|at| g[at] * y[at]).sum();
            for at in lane {
                target[at] += y[at] * (g[at] - dot);
            }
        });
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, _: &[G], y: G, g: G) -> Option<G> {
        Some(y * (g - (g * y).sum_axis_keepdim(self.0)))
    }
}

/// Log-softmax along an axis (resolved): `x - ln Σ e^x` per lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LogSoftmax(pub usize);

impl<T: Float> Kernel<T> for LogSoftmax {
    fn name(&self) -> String {
        format!("log_softmax(axis={})", self.0)
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        out.resize(x.len(), T::ZERO);
        for_each_lane(inputs[0].shape(), self.0, |lane| {
            let (shift, log_sum) = lane_max_and_log_sum_exp(x, lane.clone());
            for at in lane {
                out[at] = x[at] - shift - log_sum;
            }
        });
    }

    /// `dx = g - softmax(x) Σ g` per lane, with `softmax(x) = e^y`.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], y: &Tensor<T>, g: &[T], target: &mut [T]) {
        let y = y.data();
        for_each_lane(inputs[0].shape(), self.0, |lane| {
            let total: T = lane.clone().map(|at| g[at]).sum();
            for at in lane {
                target[at] += g[at] - y[at].fast_exp() * total;
            }
        });
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, _: &[G], y: G, g: G) -> Option<G> {
        Some(g - y.exp() * g.sum_axis_keepdim(self.0))
    }
}

/// Calls `f(offsets)` for every lane along `axis`: the offsets of the lane's
/// `len` elements, `inner` apart.
fn for_each_lane(shape: &[usize], axis: usize, mut f: impl FnMut(std::iter::StepBy<std::ops::Range<usize>>)) {
    let (outer, len, inner) = lanes(shape, axis);
    for o in 0..outer {
        for i in 0..inner {
            let start = o * len * inner + i;
            f((start..start + len * inner).step_by(inner));
        }
    }
}

/// `(max, ln Σ e^(x - max))` of one lane.
pub(crate) fn lane_max_and_log_sum_exp<T: Float>(x: &[T], lane: impl Iterator<Item = usize> + Clone) -> (T, T) {
    let max = lane.clone().map(|at| x[at]).fold(T::from_f64(f64::NEG_INFINITY), T::max);
    // A lane of -inf (or an empty lane) would give inf - inf; shift by 0 instead.
    let shift = if max.is_finite() { max } else { T::ZERO };
    let sum: T = lane.map(|at| (x[at] - shift).fast_exp()).sum();
    (shift, sum.ln())
}
