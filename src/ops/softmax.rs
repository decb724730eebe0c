//! `softmax` and `log_softmax` along an axis, both computed after
//! subtracting each lane's maximum so that no `exp` overflows.
//!
//! `log_softmax` is its own op rather than `softmax(x).ln()`: the composite
//! underflows to `ln(0) = -inf` for logits far below the maximum, while
//! `x - max - ln(Σ e^(x - max))` stays finite.

use crate::float::Float;
use crate::shape::{lanes, resolve_axis};
use crate::tape::{Op, Var};

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

fn softmax_forward<T: Float>(x: &[T], shape: &[usize], axis: usize, out: &mut Vec<T>) {
    out.resize(x.len(), T::ZERO);
    for_each_lane(shape, axis, |lane| {
        let (shift, log_sum) = lane_max_and_log_sum_exp(x, lane.clone());
        for at in lane {
            out[at] = (x[at] - shift - log_sum).fast_exp();
        }
    });
}

/// Backward of softmax: `dx = y (g - Σ g y)` per lane.
pub(crate) fn softmax_backward<T: Float>(shape: &[usize], axis: u8, y: &[T], g: &[T], target: &mut [T]) {
    for_each_lane(shape, axis as usize, |lane| {
        let dot: T = lane.clone().map(|at| g[at] * y[at]).sum();
        for at in lane {
            target[at] += y[at] * (g[at] - dot);
        }
    });
}

fn log_softmax_forward<T: Float>(x: &[T], shape: &[usize], axis: usize, out: &mut Vec<T>) {
    out.resize(x.len(), T::ZERO);
    for_each_lane(shape, axis, |lane| {
        let (shift, log_sum) = lane_max_and_log_sum_exp(x, lane.clone());
        for at in lane {
            out[at] = x[at] - shift - log_sum;
        }
    });
}

/// Backward of log-softmax: `dx = g - softmax(x) Σ g` per lane, with
/// `softmax(x) = e^y`.
pub(crate) fn log_softmax_backward<T: Float>(shape: &[usize], axis: u8, y: &[T], g: &[T], target: &mut [T]) {
    for_each_lane(shape, axis as usize, |lane| {
        let total: T = lane.clone().map(|at| g[at]).sum();
        for at in lane {
            target[at] += g[at] - y[at].fast_exp() * total;
        }
    });
}

impl<'t, T: Float> Var<'t, T> {
    /// Softmax along `axis` (negative counts from the end): each lane is
    /// mapped to `e^x / Σ e^x`, computed stably.
    pub fn softmax(self, axis: isize) -> Self {
        let shape = self.shape();
        let axis = resolve_axis("softmax", axis, &shape);
        let id = self.id as usize;
        let s = shape.clone();
        self.tape.record(Op::Softmax(self.id, axis as u8), shape, |nodes, out| {
            softmax_forward(nodes[id].value.data(), &s, axis, out)
        })
    }

    /// Log-softmax along `axis`: `x - ln Σ e^x` per lane, finite for any
    /// finite logits.
    pub fn log_softmax(self, axis: isize) -> Self {
        let shape = self.shape();
        let axis = resolve_axis("log_softmax", axis, &shape);
        let id = self.id as usize;
        let s = shape.clone();
        self.tape.record(Op::LogSoftmax(self.id, axis as u8), shape, |nodes, out| {
            log_softmax_forward(nodes[id].value.data(), &s, axis, out)
        })
    }
}
