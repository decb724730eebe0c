//! [`ParamStats`]: a parameter's gradient norm, value norm and last update.

use super::{LANES, slot};
use crate::float::Float;
use crate::nn::{Leaf, Module, walk};
use crate::param::ParamMap;
use crate::tape::{Binding, Gradients, Node};

/// One parameter at one step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamStats {
    /// The parameter's name (`layers.0.weight`).
    pub name: String,
    /// `|g|`: the L2 norm of its gradient.
    pub grad_norm: f64,
    /// `|w|`: the L2 norm of its value before the step.
    pub value_norm: f64,
    /// `|Δw|`: the L2 norm of what the optimizer step changed.
    pub update_norm: f64,
}

impl ParamStats {
    /// `|Δw| / |w|`, the update-to-value ratio: about `1e-3` is healthy
    /// (Karpathy, CS231n). Infinite when a zero parameter (a fresh bias)
    /// moved; NaN when it stayed zero.
    pub fn update_ratio(&self) -> f64 {
        self.update_norm / self.value_norm
    }
}

/// Fills `stats` with one entry per parameter of `model` bound to the tape,
/// named by its path in the model (built in `path`, a reused buffer);
/// returns how many.
pub(super) fn measure<T: Float, M: Module<T> + ?Sized>(
    stats: &mut Vec<ParamStats>,
    path: &mut String,
    nodes: &[Node<T>],
    bindings: &ParamMap<Binding>,
    grads: &Gradients<T>,
    model: &M,
) -> usize {
    let mut count = 0;
    path.clear();
    walk(model, path, &mut |name, leaf| {
        let Leaf::Param(param) = leaf else { return };
        let Some(node) = bindings.get(&param.id()).map(|b| b.node) else { return };
        let before = nodes[node as usize].value.data();
        let entry = slot(stats, count);
        entry.name.clear();
        entry.name.push_str(name);
        entry.grad_norm = grads.by_index(node as usize).map_or(0.0, |g| norm(g.data()));
        entry.value_norm = norm(before);
        entry.update_norm = distance(param.value().data(), before);
        count += 1;
    });
    count
}

/// The L2 norm, accumulated in `f64`.
fn norm<T: Float>(x: &[T]) -> f64 {
    sum_lanes(x, x, |a, _| a * a).sqrt()
}

/// `|a - b|`, accumulated in `f64`.
fn distance<T: Float>(a: &[T], b: &[T]) -> f64 {
    sum_lanes(a, b, |x, y| (x - y) * (x - y)).sqrt()
}

/// `Σ term(a_i, b_i)` in `f64` over the pairs of `a` and `b`, in `LANES`
/// running sums.
fn sum_lanes<T: Float>(a: &[T], b: &[T], term: impl Fn(f64, f64) -> f64) -> f64 {
    let mut sums = [0.0; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 =
        a_chunks.remainder().iter().zip(b_chunks.remainder()).map(|(x, y)| term(x.to_f64(), y.to_f64())).sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for k in 0..LANES {
            sums[k] += term(x[k].to_f64(), y[k].to_f64());
        }
    }
    sums.iter().sum::<f64>() + tail
}
