//! Reductions: `sum` and `mean` of everything or along one axis, and `max`
//! along one axis.
//!
//! An axis splits a tensor into `outer` blocks of `len` slices of `inner`
//! contiguous elements (`shape::lanes`); reducing the axis adds or compares
//! those slices, which keeps the inner loop contiguous.

use super::loops::{add_assign, add_scalar_assign, sum};
use super::{Graph, Kernel};
use crate::float::Float;
use crate::shape::{Shape, lanes, reduced_shape};
use crate::tensor::Tensor;

/// Sum of all elements, as a scalar (shape `[]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sum;

impl<T: Float> Kernel<T> for Sum {
    fn name(&self) -> String {
        "sum".into()
    }

    fn output_shape(&self, _: &[&[usize]]) -> Shape {
        Shape::new()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        out.push(sum(inputs[0].data()));
    }

    /// Every element receives `g`.
    fn backward(&self, _: usize, _: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        add_scalar_assign(target, g[0]);
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        Some(g.broadcast_to(&inputs[0].shape()))
    }
}

/// Mean of all elements, as a scalar (shape `[]`). The mean of nothing is NaN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mean;

impl<T: Float> Kernel<T> for Mean {
    fn name(&self) -> String {
        "mean".into()
    }

    fn output_shape(&self, _: &[&[usize]]) -> Shape {
        Shape::new()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        out.push(sum(x) / T::from_usize(x.len()));
    }

    /// Every element receives `g / n`.
    fn backward(&self, _: usize, _: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        add_scalar_assign(target, g[0] / T::from_usize(target.len()));
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let shape = inputs[0].shape();
        Some(g.div_scalar(T::from_usize(shape.iter().product())).broadcast_to(&shape))
    }
}

/// Sum along an axis (resolved); with `keepdim` the axis stays with extent 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SumAxis {
    pub axis: usize,
    pub keepdim: bool,
}

impl<T: Float> Kernel<T> for SumAxis {
    fn name(&self) -> String {
        format!("sum(axis={})", self.axis)
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        reduced_shape(inputs[0], self.axis, self.keepdim)
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        sum_axis(inputs[0], self.axis, out);
    }

    /// Every `x[o, j, i]` receives `g[o, i]`.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        spread_axis(inputs[0].shape(), self.axis, T::ONE, g, target);
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        Some(spread_graph(inputs[0].shape(), self.axis, g))
    }
}

/// Mean along an axis; with `keepdim` the axis stays with extent 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MeanAxis {
    pub axis: usize,
    pub keepdim: bool,
}

impl<T: Float> Kernel<T> for MeanAxis {
    fn name(&self) -> String {
        format!("mean(axis={})", self.axis)
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        reduced_shape(inputs[0], self.axis, self.keepdim)
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        sum_axis(inputs[0], self.axis, out);
        let scale = T::ONE / T::from_usize(inputs[0].shape()[self.axis]);
        out.iter_mut().for_each(|v| *v *= scale);
    }

    /// Every `x[o, j, i]` receives `g[o, i] / len`.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        let shape = inputs[0].shape();
        spread_axis(shape, self.axis, T::ONE / T::from_usize(shape[self.axis]), g, target);
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let shape = inputs[0].shape();
        Some(spread_graph(shape.clone(), self.axis, g).div_scalar(T::from_usize(shape[self.axis])))
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
        Some(spread_graph(x.shape(), self.axis, g) * x.constant(mask))
    }
}

/// `out[o, i] = Σ_j x[o, j, i]`.
fn sum_axis<T: Float>(x: &Tensor<T>, axis: usize, out: &mut Vec<T>) {
    let (outer, len, inner) = lanes(x.shape(), axis);
    let x = x.data();
    if inner == 1 {
        out.extend(x.chunks_exact(len.max(1)).take(outer).map(sum));
        if len == 0 {
            out.resize(outer, T::ZERO);
        }
        return;
    }
    out.resize(outer * inner, T::ZERO);
    for o in 0..outer {
        let acc = &mut out[o * inner..(o + 1) * inner];
        for j in 0..len {
            add_assign(acc, &x[(o * len + j) * inner..][..inner]);
        }
    }
}

/// `target[o, j, i] += scale * g[o, i]`.
fn spread_axis<T: Float>(in_shape: &[usize], axis: usize, scale: T, g: &[T], target: &mut [T]) {
    let (outer, len, inner) = lanes(in_shape, axis);
    for o in 0..outer {
        let g = &g[o * inner..(o + 1) * inner];
        for j in 0..len {
            for (t, &g) in target[(o * len + j) * inner..][..inner].iter_mut().zip(g) {
                *t += scale * g;
            }
        }
    }
}

/// `g` of a reduction along `axis` (kept or not), broadcast back to
/// `in_shape`.
fn spread_graph<T: Float, G: Graph<T>>(in_shape: Shape, axis: usize, g: G) -> G {
    g.reshape(&reduced_shape(&in_shape, axis, true)).broadcast_to(&in_shape)
}
