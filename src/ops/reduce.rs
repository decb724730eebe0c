//! Reductions: `sum` and `mean` of everything or along one axis, `max` and
//! `min` along one axis (and the positions `argmax`, `argmin` give), and the
//! variance along one axis.
//!
//! An axis splits a tensor into `outer` blocks of `len` slices of `inner`
//! contiguous elements (`shape::lanes`); reducing the axis adds or compares
//! those slices, which keeps the inner loop contiguous.

use super::loops::{add_assign, sum};
use super::{Graph, Kernel};
use crate::float::Float;
use crate::shape::{Shape, lanes, reduced_shape, resolve_axis};
use crate::tensor::Tensor;

/// Sum, or with `mean` the mean, of all elements, as a scalar (shape `[]`).
/// The mean of nothing is NaN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sum {
    pub mean: bool,
}

impl<T: Float> Kernel<T> for Sum {
    fn name(&self) -> String {
        if self.mean { "mean" } else { "sum" }.into()
    }

    fn output_shape(&self, _: &[&[usize]]) -> Shape {
        Shape::new()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        out.push(if self.mean { sum(x) / T::from_usize(x.len()) } else { sum(x) });
    }

    /// Every element receives `g` (`g / n` for the mean).
    fn backward(&self, _: usize, _: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        let g = if self.mean { g[0] / T::from_usize(target.len()) } else { g[0] };
        target.iter_mut().for_each(|t| *t += g);
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let shape = inputs[0].shape();
        let g = if self.mean { g.div_scalar(T::from_usize(shape.iter().product())) } else { g };
        Some(g.broadcast_to(&shape))
    }
}

/// Sum, or with `mean` the mean, along an axis (resolved); with `keepdim`
/// the axis stays with extent 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SumAxis {
    pub axis: usize,
    pub keepdim: bool,
    pub mean: bool,
}

impl SumAxis {
    /// What each element of a lane is multiplied by: 1, or `1 / len`.
    fn scale<T: Float>(self, shape: &[usize]) -> T {
        if self.mean { T::ONE / T::from_usize(shape[self.axis]) } else { T::ONE }
    }
}

impl<T: Float> Kernel<T> for SumAxis {
    fn name(&self) -> String {
        format!("{}(axis={})", if self.mean { "mean" } else { "sum" }, self.axis)
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        reduced_shape(inputs[0], self.axis, self.keepdim)
    }

    /// `out[o, i] = Σ_j x[o, j, i]`, times the scale.
    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let (outer, len, inner) = lanes(inputs[0].shape(), self.axis);
        let x = inputs[0].data();
        if inner == 1 {
            out.extend(x.chunks_exact(len.max(1)).take(outer).map(sum));
            out.resize(outer, T::ZERO);
        } else {
            out.resize(outer * inner, T::ZERO);
            for o in 0..outer {
                let acc = &mut out[o * inner..(o + 1) * inner];
                for j in 0..len {
                    add_assign(acc, &x[(o * len + j) * inner..][..inner]);
                }
            }
        }
        if self.mean {
            let scale: T = self.scale(inputs[0].shape());
            out.iter_mut().for_each(|v| *v *= scale);
        }
    }

    /// Every `x[o, j, i]` receives `scale * g[o, i]`.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        let shape = inputs[0].shape();
        let scale: T = self.scale(shape);
        let (outer, len, inner) = lanes(shape, self.axis);
        for o in 0..outer {
            let g = &g[o * inner..(o + 1) * inner];
            for j in 0..len {
                for (t, &g) in target[(o * len + j) * inner..][..inner].iter_mut().zip(g) {
                    *t += scale * g;
                }
            }
        }
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let shape = inputs[0].shape();
        let g = if self.mean { g.div_scalar(T::from_usize(shape[self.axis])) } else { g };
        Some(spread(shape, self.axis, g))
    }
}

/// Which extremum a reduction takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Extremum {
    Max,
    Min,
}

impl Extremum {
    /// Whether `v` replaces the extremum `m` found so far: a strictly
    /// better value, or the first NaN (which then stays, as in PyTorch).
    #[inline(always)]
    fn replaces<T: Float>(self, v: T, m: T) -> bool {
        !m.is_nan()
            && (v.is_nan()
                || match self {
                    Extremum::Max => v > m,
                    Extremum::Min => v < m,
                })
    }

    fn name(self) -> &'static str {
        match self {
            Extremum::Max => "max",
            Extremum::Min => "min",
        }
    }
}

/// Maximum or minimum along an axis; with `keepdim` the axis stays with
/// extent 1. The gradient flows to the first extremal element of each lane
/// (PyTorch also routes it to a single index, the one `argmax` gives). NaN
/// propagates, as in PyTorch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ExtremumAxis {
    pub axis: usize,
    pub keepdim: bool,
    pub kind: Extremum,
}

impl ExtremumAxis {
    /// For each lane, in output order, `(lane, offset)`: the offset in `x`
    /// of the lane's first extremal element.
    fn arg<T: Float>(self, x: &Tensor<T>) -> impl Iterator<Item = (usize, usize)> {
        let (outer, len, inner) = lanes(x.shape(), self.axis);
        let x = x.data();
        (0..outer).flat_map(move |o| (0..inner).map(move |i| (o, i))).map(move |(o, i)| {
            let at = |j: usize| (o * len + j) * inner + i;
            let best = (1..len).fold(0, |best, j| if self.kind.replaces(x[at(j)], x[at(best)]) { j } else { best });
            (o * inner + i, at(best))
        })
    }

    /// The position along the axis of each lane's first extremal element
    /// (`argmax`, `argmin`), as numbers of the element type, in output order.
    pub(crate) fn positions<T: Float>(self, x: &Tensor<T>, out: &mut Vec<T>) {
        let (_, len, inner) = lanes(x.shape(), self.axis);
        out.extend(self.arg(x).map(|(_, at)| T::from_usize(at / inner % len)));
    }

    /// `argmax` / `argmin` along `axis` of `shape`, resolved.
    ///
    /// # Panics
    /// If the axis is out of range or empty.
    #[track_caller]
    pub(crate) fn new(kind: Extremum, shape: &[usize], axis: isize, keepdim: bool, op: &str) -> Self {
        let axis = resolve_axis(op, axis, shape);
        assert!(shape[axis] > 0, "{op}: axis {axis} of shape {shape:?} is empty");
        ExtremumAxis { axis, keepdim, kind }
    }
}

impl<T: Float> Kernel<T> for ExtremumAxis {
    fn name(&self) -> String {
        format!("{}(axis={})", self.kind.name(), self.axis)
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        reduced_shape(inputs[0], self.axis, self.keepdim)
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0];
        let (outer, len, inner) = lanes(x.shape(), self.axis);
        let x = x.data();
        for o in 0..outer {
            let start = out.len();
            out.extend_from_slice(&x[o * len * inner..][..inner]);
            for j in 1..len {
                let row = &x[(o * len + j) * inner..][..inner];
                for (m, &v) in out[start..].iter_mut().zip(row) {
                    if self.kind.replaces(v, *m) {
                        *m = v;
                    }
                }
            }
        }
    }

    fn backward(&self, _: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        for (lane, at) in self.arg(inputs[0]) {
            target[at] += g[lane];
        }
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let x = inputs[0];
        let x_value = x.value();
        let mut mask = Tensor::zeros(x_value.shape());
        for (_, at) in self.arg(&x_value) {
            mask.data_mut()[at] = T::ONE;
        }
        Some(spread(x.shape(), self.axis, g) * x.constant(mask))
    }
}

/// The variance along an axis, `Σ (x - mean)² / max(0, len - correction)`
/// (PyTorch's `var(dim, correction=..)`: 1 is Bessel's correction, the
/// sample variance, 0 the population variance); with `keepdim` the axis
/// stays with extent 1. One op rather than the composite of a mean, a
/// difference, a square and a sum: two passes over each lane in one kernel,
/// and one node where LayerNorm and BatchNorm need the variance per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VarAxis {
    pub axis: usize,
    pub keepdim: bool,
    pub correction: usize,
}

impl VarAxis {
    /// Calls `f(lane, mean, divisor, values)` for every lane along the axis.
    fn for_each_lane<T: Float>(self, x: &Tensor<T>, mut f: impl FnMut(usize, T, T, &mut dyn Iterator<Item = usize>)) {
        let (outer, len, inner) = lanes(x.shape(), self.axis);
        let data = x.data();
        let divisor = T::from_usize(len.saturating_sub(self.correction));
        for o in 0..outer {
            for i in 0..inner {
                let lane = (0..len).map(move |j| (o * len + j) * inner + i);
                let mean = lane.clone().map(|at| data[at]).sum::<T>() / T::from_usize(len);
                f(o * inner + i, mean, divisor, &mut lane.clone());
            }
        }
    }
}

impl<T: Float> Kernel<T> for VarAxis {
    fn name(&self) -> String {
        format!("var(axis={}, correction={})", self.axis, self.correction)
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        reduced_shape(inputs[0], self.axis, self.keepdim)
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        self.for_each_lane(inputs[0], |_, mean, divisor, lane| {
            out.push(lane.map(|at| (x[at] - mean) * (x[at] - mean)).sum::<T>() / divisor)
        });
    }

    /// `dx = 2 (x - mean) / divisor` times the lane's gradient (the mean's
    /// own dependence on `x` sums to zero over the lane).
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        let x = inputs[0].data();
        self.for_each_lane(inputs[0], |k, mean, divisor, lane| {
            let scale = (g[k] + g[k]) / divisor;
            lane.for_each(|at| target[at] += scale * (x[at] - mean));
        });
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let (x, shape) = (inputs[0], inputs[0].shape());
        let mean = x.apply(super::Op::SumAxis(SumAxis { axis: self.axis, keepdim: true, mean: true }), &[]);
        let divisor = T::from_usize(shape[self.axis].saturating_sub(self.correction));
        let g = g.reshape(&reduced_shape(&shape, self.axis, true));
        Some((x - mean) * (g + g).div_scalar(divisor))
    }
}

/// `g` of a reduction along `axis` (kept or not), broadcast back to
/// `in_shape`.
fn spread<T: Float, G: Graph<T>>(in_shape: Shape, axis: usize, g: G) -> G {
    g.reshape(&reduced_shape(&in_shape, axis, true)).broadcast_to(&in_shape)
}
