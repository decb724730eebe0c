//! Reductions: `sum` and `mean` of everything or along one axis, and `max`
//! along one axis.
//!
//! An axis splits a tensor into `outer` blocks of `len` slices of `inner`
//! contiguous elements (`shape::lanes`); reducing the axis adds or compares
//! those slices, which keeps the inner loop contiguous.

use super::loops::{add_assign, sum};
use super::{Graph, Kernel};
use crate::float::Float;
use crate::shape::{Shape, lanes, reduced_shape};
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

/// Maximum along an axis; with `keepdim` the axis stays with extent 1. The
/// gradient flows to the first maximal element of each lane (PyTorch also
/// routes it to a single index). NaN propagates, as in PyTorch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MaxAxis {
    pub axis: usize,
    pub keepdim: bool,
}

impl MaxAxis {
    /// For each lane, the index of the first element equal to its maximum.
    fn argmax<T: Float>(self, x: &Tensor<T>, max: &[T]) -> impl Iterator<Item = (usize, usize)> {
        let (outer, len, inner) = lanes(x.shape(), self.axis);
        let x = x.data();
        (0..outer).flat_map(move |o| (0..inner).map(move |i| (o, i))).filter_map(move |(o, i)| {
            let m = max[o * inner + i];
            let first =
                (0..len).map(|j| (o * len + j) * inner + i).find(|&at| x[at] == m || (m.is_nan() && x[at].is_nan()));
            first.map(|at| (at, o * inner + i))
        })
    }
}

impl<T: Float> Kernel<T> for MaxAxis {
    fn name(&self) -> String {
        format!("max(axis={})", self.axis)
    }

    /// # Panics
    /// If the axis has extent 0.
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (shape, axis) = (inputs[0], self.axis);
        assert!(shape[axis] > 0, "max_axis: axis {axis} of shape {shape:?} is empty");
        reduced_shape(shape, axis, self.keepdim)
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
                    if v > *m || v.is_nan() {
                        *m = v;
                    }
                }
            }
        }
    }

    fn backward(&self, _: usize, inputs: &[&Tensor<T>], out: &Tensor<T>, g: &[T], target: &mut [T]) {
        for (at, lane) in self.argmax(inputs[0], out.data()) {
            target[at] += g[lane];
        }
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], out: G, g: G) -> Option<G> {
        let x = inputs[0];
        let (x_value, max) = (x.value(), out.value());
        let mut mask = Tensor::zeros(x_value.shape());
        for (at, _) in self.argmax(&x_value, max.data()) {
            mask.data_mut()[at] = T::ONE;
        }
        Some(spread(x.shape(), self.axis, g) * x.constant(mask))
    }
}

/// `g` of a reduction along `axis` (kept or not), broadcast back to
/// `in_shape`.
fn spread<T: Float, G: Graph<T>>(in_shape: Shape, axis: usize, g: G) -> G {
    g.reshape(&reduced_shape(&in_shape, axis, true)).broadcast_to(&in_shape)
}
