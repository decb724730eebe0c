//! Ops that pick elements by integer indices: `index_select` (whole slices
//! along an axis, PyTorch's `index_select`) and `gather` (one element per
//! index, PyTorch's `gather`), each with its adjoint, the op that adds a
//! gradient back at the picked places (`index_add`, `scatter_add`). Each
//! pair is the other's gradient, as `broadcast_to` and `sum_to` are.
//!
//! Indices are tensors of the element type holding whole numbers, as class
//! labels are elsewhere in the crate (see ARCHITECTURE.md, "Indices"): the
//! index tensor is the op's second input, a constant on the tape, and gets
//! no gradient. A value that is not a whole number in `[0, extent)` panics
//! with the op, the index, its position, the axis and the extent.

use super::{Graph, Kernel, Op};
use crate::float::Float;
use crate::shape::{Shape, contiguous_strides, for_each_row, lanes, numel};
use crate::tensor::Tensor;

/// The position along `axis` that index value `value` stands for.
///
/// # Panics
/// If `value` is not a whole number in `[0, extent)`; the message names the
/// op, the value, its `position` in the index tensor, the axis and the extent.
fn index_at<T: Float>(op: &str, value: T, position: impl FnOnce() -> String, axis: usize, extent: usize) -> usize {
    let v = value.to_f64();
    if v >= 0.0 && v < extent as f64 && v.fract() == 0.0 {
        return v as usize;
    }
    let position = position();
    if v.fract() != 0.0 || !v.is_finite() {
        panic!("{op}: index {v} at position {position} is not a whole number");
    }
    panic!("{op}: index {v} at position {position} is out of bounds for axis {axis} with extent {extent}");
}

/// The multi-index of row-major position `flat` in `shape`, for messages.
fn position_in(shape: &[usize], mut flat: usize) -> String {
    let mut index: Shape = Shape::from_elem(0, shape.len());
    for (i, &extent) in index.iter_mut().zip(shape).rev() {
        *i = flat % extent.max(1);
        flat /= extent.max(1);
    }
    format!("{:?}", index.as_slice())
}

/// Calls `f(source, picked, inner)` for every slice `index_select` copies:
/// `source` is the offset of the selected slice of `x` (of shape `x_shape`),
/// `picked` that of its place in the output, each `inner` elements long.
fn for_each_selected<T: Float>(
    op: &str,
    axis: usize,
    x_shape: &[usize],
    indices: &Tensor<T>,
    mut f: impl FnMut(usize, usize, usize),
) {
    let (outer, len, inner) = lanes(x_shape, axis);
    let n = indices.len();
    for o in 0..outer {
        for (k, &value) in indices.data().iter().enumerate() {
            let at = index_at(op, value, || format!("[{k}]"), axis, len);
            f((o * len + at) * inner, (o * n + k) * inner, inner);
        }
    }
}

/// `x.index_select(axis, indices)`: the slices of `x` along `axis` at the
/// given indices (0-D or 1-D), in their order; the axis's extent becomes the
/// number of indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IndexSelect {
    pub axis: usize,
}

impl<T: Float> Kernel<T> for IndexSelect {
    fn name(&self) -> String {
        format!("index_select(axis={})", self.axis)
    }

    /// # Panics
    /// If the indices have more than one axis.
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (x, indices) = (inputs[0], inputs[1]);
        assert!(
            indices.len() <= 1,
            "index_select: the indices must be 0-D or 1-D, got shape {indices:?} (reshape them to [{}])",
            numel(indices)
        );
        let mut shape = Shape::from_slice(x);
        shape[self.axis] = numel(indices);
        shape
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        for_each_selected("index_select", self.axis, inputs[0].shape(), inputs[1], |source, _, inner| {
            out.extend_from_slice(&x[source..source + inner])
        });
    }

    /// Adds each slice of `g` back at the index it was selected from.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        if input != 0 {
            return;
        }
        for_each_selected("index_select", self.axis, inputs[0].shape(), inputs[1], |source, picked, inner| {
            for (t, &g) in target[source..source + inner].iter_mut().zip(&g[picked..picked + inner]) {
                *t += g;
            }
        });
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let extent = inputs[0].shape()[self.axis];
        (input == 0).then(|| g.apply(Op::IndexAdd(IndexAdd { axis: self.axis, extent }), &[inputs[1]]))
    }
}

/// The adjoint of [`IndexSelect`]: a tensor whose `axis` has extent
/// `extent`, zero except for the slices of the input added at the given
/// indices (PyTorch's `index_add` into zeros).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IndexAdd {
    pub axis: usize,
    pub extent: usize,
}

impl IndexAdd {
    fn full_shape(self, shape: &[usize]) -> Shape {
        let mut full = Shape::from_slice(shape);
        full[self.axis] = self.extent;
        full
    }
}

impl<T: Float> Kernel<T> for IndexAdd {
    fn name(&self) -> String {
        format!("index_add(axis={}, extent={})", self.axis, self.extent)
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        self.full_shape(inputs[0])
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let (x, full) = (inputs[0].data(), self.full_shape(inputs[0].shape()));
        out.resize(numel(&full), T::ZERO);
        for_each_selected("index_add", self.axis, &full, inputs[1], |place, picked, inner| {
            for (o, &x) in out[place..place + inner].iter_mut().zip(&x[picked..picked + inner]) {
                *o += x;
            }
        });
    }

    /// Each slice of the input receives the gradient at its index.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], out: &Tensor<T>, g: &[T], target: &mut [T]) {
        if input != 0 {
            return;
        }
        for_each_selected("index_add", self.axis, out.shape(), inputs[1], |place, picked, inner| {
            for (t, &g) in target[picked..picked + inner].iter_mut().zip(&g[place..place + inner]) {
                *t += g;
            }
        });
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        (input == 0).then(|| g.apply(Op::IndexSelect(IndexSelect { axis: self.axis }), &[inputs[1]]))
    }
}

/// Calls `f(position, at)` for every element of `indices`: its row-major
/// `position` and the offset `at` of the element of `x` (shaped `x_shape`)
/// it picks along `axis`, the other coordinates being its own.
fn for_each_gathered<T: Float>(
    op: &str,
    axis: usize,
    x_shape: &[usize],
    indices: &Tensor<T>,
    mut f: impl FnMut(usize, usize),
) {
    let index_shape = indices.shape();
    let x_strides = contiguous_strides(x_shape);
    let mut strides = x_strides.clone();
    strides[axis] = 0;
    let row_strides = contiguous_strides(index_shape);
    let n = index_shape.last().copied().unwrap_or(1);
    let inner = strides.last().copied().unwrap_or(0);
    let (values, extent) = (indices.data(), x_shape[axis]);
    for_each_row(index_shape, [&row_strides, &strides], |[row, base]| {
        for j in 0..n {
            let position = row + j;
            let at = index_at(op, values[position], || position_in(index_shape, position), axis, extent);
            f(position, base + j * inner + at * x_strides[axis]);
        }
    });
}

/// The shape check `gather` and `scatter_add` share: the indices have the
/// rank of `x`, and no larger extent than `x` along the other axes.
fn check_gather_shapes(op: &str, axis: usize, x: &[usize], indices: &[usize]) {
    let fits = indices.len() == x.len() && indices.iter().zip(x).enumerate().all(|(d, (i, n))| d == axis || i <= n);
    assert!(
        fits,
        "{op}: indices of shape {indices:?} do not fit {x:?} along axis {axis} \
         (same rank, and no larger extent on the other axes)"
    );
}

/// `x.gather(axis, indices)`: `out[p] = x[p with p[axis] = indices[p]]`,
/// shaped like the indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Gather {
    pub axis: usize,
}

impl<T: Float> Kernel<T> for Gather {
    fn name(&self) -> String {
        format!("gather(axis={})", self.axis)
    }

    /// # Panics
    /// If the indices' rank differs from `x`'s, or an extent exceeds `x`'s
    /// on another axis than `axis`.
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        check_gather_shapes("gather", self.axis, inputs[0], inputs[1]);
        Shape::from_slice(inputs[1])
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        out.resize(inputs[1].len(), T::ZERO);
        for_each_gathered("gather", self.axis, inputs[0].shape(), inputs[1], |position, at| out[position] = x[at]);
    }

    /// Adds each element of `g` back at the element it was gathered from.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        if input == 0 {
            for_each_gathered("gather", self.axis, inputs[0].shape(), inputs[1], |position, at| {
                target[at] += g[position]
            });
        }
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let shape = inputs[0].shape();
        (input == 0).then(|| g.apply(Op::ScatterAdd(ScatterAdd { axis: self.axis, shape }), &[inputs[1]]))
    }
}

/// The adjoint of [`Gather`]: zeros of `shape` with each element of the
/// input added at the place its index names (PyTorch's `scatter_add` into
/// zeros).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScatterAdd {
    pub axis: usize,
    pub shape: Shape,
}

impl<T: Float> Kernel<T> for ScatterAdd {
    fn name(&self) -> String {
        format!("scatter_add(axis={}, {:?})", self.axis, self.shape.as_slice())
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        check_gather_shapes("scatter_add", self.axis, &self.shape, inputs[1]);
        self.shape.clone()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        out.resize(numel(&self.shape), T::ZERO);
        for_each_gathered("scatter_add", self.axis, &self.shape, inputs[1], |position, at| out[at] += x[position]);
    }

    /// Each element of the input receives the gradient at its place.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        if input == 0 {
            for_each_gathered("scatter_add", self.axis, &self.shape, inputs[1], |position, at| {
                target[position] += g[at]
            });
        }
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        (input == 0).then(|| g.apply(Op::Gather(Gather { axis: self.axis }), &[inputs[1]]))
    }
}
