//! Ops that move elements without computing: swapping two axes, reshaping,
//! and broadcasting to a larger shape and summing back (each the other's
//! gradient).

use super::loops::add_assign;
use super::{Graph, Kernel};
use crate::float::Float;
use crate::shape::{Shape, broadcast_shapes, broadcast_strides, contiguous_strides, for_each_row, numel};
use crate::tensor::Tensor;

/// Two axes swapped (both resolved, in range). The result is a contiguous
/// copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SwapAxes(pub usize, pub usize);

impl SwapAxes {
    fn apply_to(self, shape: &[usize]) -> Shape {
        let mut shape = Shape::from_slice(shape);
        shape.swap(self.0, self.1);
        shape
    }

    /// The input's strides reordered to walk it in the output's order.
    fn input_strides(self, in_shape: &[usize]) -> Shape {
        let mut strides = contiguous_strides(in_shape);
        strides.swap(self.0, self.1);
        strides
    }
}

impl<T: Float> Kernel<T> for SwapAxes {
    fn name(&self) -> String {
        format!("transpose({}, {})", self.0, self.1)
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        self.apply_to(inputs[0])
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0];
        let out_shape = self.apply_to(x.shape());
        let strides = self.input_strides(x.shape());
        let (n, inner) = (out_shape.last().copied().unwrap_or(1), strides.last().copied().unwrap_or(1));
        let x = x.data();
        for_each_row(&out_shape, [&strides], |[o]| out.extend((0..n).map(|j| x[o + j * inner])));
    }

    /// Adds `g` (in the swapped order) back at the input's positions.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], out: &Tensor<T>, g: &[T], target: &mut [T]) {
        let strides = self.input_strides(inputs[0].shape());
        let out_strides = contiguous_strides(out.shape());
        let (n, inner) = (out.shape().last().copied().unwrap_or(1), strides.last().copied().unwrap_or(1));
        for_each_row(out.shape(), [&out_strides, &strides], |[og, o]| {
            for (j, &g) in g[og..og + n].iter().enumerate() {
                target[o + j * inner] += g;
            }
        });
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, _: &[G], _: G, g: G) -> Option<G> {
        Some(g.apply(super::Op::SwapAxes(*self), &[]))
    }
}

/// The same elements, in the same row-major order, under a new shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reshape(pub Shape);

impl<T: Float> Kernel<T> for Reshape {
    fn name(&self) -> String {
        "reshape".into()
    }

    /// # Panics
    /// If the element counts differ, e.g. `reshape: cannot reshape [2, 3] into [4, 2]`.
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (from, to) = (inputs[0], &self.0);
        assert!(numel(from) == numel(to), "reshape: cannot reshape {from:?} into {to:?}");
        to.clone()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        out.extend_from_slice(inputs[0].data());
    }

    fn backward(&self, _: usize, _: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        add_assign(target, g);
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        Some(g.reshape(&inputs[0].shape()))
    }
}

/// Broadcast to a shape, by NumPy's rules (PyTorch's `expand`, copied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BroadcastTo(pub Shape);

impl<T: Float> Kernel<T> for BroadcastTo {
    fn name(&self) -> String {
        format!("broadcast_to({:?})", self.0.as_slice())
    }

    /// # Panics
    /// If the input does not broadcast to the shape.
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (from, to) = (inputs[0], &self.0);
        assert!(broadcast_shapes(from, to).as_ref() == Some(to), "broadcast_to: cannot broadcast {from:?} to {to:?}");
        to.clone()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        out.resize(numel(&self.0), T::ZERO);
        for_each_pair(inputs[0].shape(), &self.0, |big, small| out[big] = x[small]);
    }

    /// Sums `g` over the axes the input was broadcast along.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        for_each_pair(inputs[0].shape(), &self.0, |big, small| target[small] += g[big]);
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        Some(g.sum_to(&inputs[0].shape()))
    }
}

/// Summed down to a shape that broadcasts to the input's (PyTorch's
/// `sum_to_size`): the gradient of a broadcast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SumTo(pub Shape);

impl<T: Float> Kernel<T> for SumTo {
    fn name(&self) -> String {
        format!("sum_to({:?})", self.0.as_slice())
    }

    /// # Panics
    /// If the shape does not broadcast to the input's.
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (from, to) = (inputs[0], &self.0);
        assert!(
            broadcast_shapes(to, from).is_some_and(|s| s.as_slice() == from),
            "sum_to: cannot sum {from:?} to {to:?}"
        );
        to.clone()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        out.resize(numel(&self.0), T::ZERO);
        for_each_pair(&self.0, inputs[0].shape(), |big, small| out[small] += x[big]);
    }

    /// Every input element receives its output element's gradient.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        for_each_pair(&self.0, inputs[0].shape(), |big, small| target[big] += g[small]);
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        Some(g.broadcast_to(&inputs[0].shape()))
    }
}

/// Calls `f(big_index, small_index)` for every element of `big`, a shape
/// that `small` broadcasts to, with the element of `small` it comes from.
fn for_each_pair(small: &[usize], big: &[usize], mut f: impl FnMut(usize, usize)) {
    let small_strides = broadcast_strides(small, big);
    let big_strides = contiguous_strides(big);
    let n = big.last().copied().unwrap_or(1);
    let inner = small_strides.last().copied().unwrap_or(0);
    for_each_row(big, [&big_strides, &small_strides], |[b, s]| (0..n).for_each(|j| f(b + j, s + j * inner)));
}
