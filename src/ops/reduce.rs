//! Reductions: `sum` and `mean` of everything or along one axis, and `max`
//! along one axis.
//!
//! An axis splits a tensor into `outer` blocks of `len` slices of `inner`
//! contiguous elements (`shape::lanes`); reducing the axis adds or compares
//! those slices, which keeps the inner loop contiguous.

use crate::float::Float;
use crate::kernels::{add_assign, add_scalar_assign, sum};
use crate::shape::{Shape, lanes, reduced_shape, resolve_axis};
use crate::tape::{NodeId, Op, Var};
use crate::tensor::Tensor;

/// Forward of `sum(axis)`: `out[o, i] = Σ_j x[o, j, i]`.
fn sum_axis_forward<T: Float>(x: &[T], shape: &[usize], axis: usize, out: &mut Vec<T>) {
    let (outer, len, inner) = lanes(shape, axis);
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

/// Backward of `sum(axis)`: every `x[o, j, i]` receives `g[o, i]`.
pub(crate) fn sum_axis_backward<T: Float>(in_shape: &[usize], axis: u8, g: &[T], target: &mut [T]) {
    spread_axis(in_shape, axis, T::ONE, g, target);
}

/// Backward of `mean(axis)`: every `x[o, j, i]` receives `g[o, i] / len`.
pub(crate) fn mean_axis_backward<T: Float>(in_shape: &[usize], axis: u8, g: &[T], target: &mut [T]) {
    let len = in_shape[axis as usize];
    spread_axis(in_shape, axis, T::ONE / T::from_usize(len), g, target);
}

/// `target[o, j, i] += scale * g[o, i]`.
fn spread_axis<T: Float>(in_shape: &[usize], axis: u8, scale: T, g: &[T], target: &mut [T]) {
    let (outer, len, inner) = lanes(in_shape, axis as usize);
    for o in 0..outer {
        let g = &g[o * inner..(o + 1) * inner];
        for j in 0..len {
            for (t, &g) in target[(o * len + j) * inner..][..inner].iter_mut().zip(g) {
                *t += scale * g;
            }
        }
    }
}

/// Forward of `max(axis)`. NaN propagates, as in PyTorch.
fn max_axis_forward<T: Float>(x: &[T], shape: &[usize], axis: usize, out: &mut Vec<T>) {
    let (outer, len, inner) = lanes(shape, axis);
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

/// Backward of `max(axis)`: each lane's gradient goes to the first element
/// equal to the maximum (PyTorch also routes it to a single index).
pub(crate) fn max_axis_backward<T: Float>(x: &Tensor<T>, axis: u8, max: &[T], g: &[T], target: &mut [T]) {
    let (outer, len, inner) = lanes(x.shape(), axis as usize);
    let x = x.data();
    for o in 0..outer {
        for i in 0..inner {
            let m = max[o * inner + i];
            let first =
                (0..len).map(|j| (o * len + j) * inner + i).find(|&at| x[at] == m || (m.is_nan() && x[at].is_nan()));
            if let Some(at) = first {
                target[at] += g[o * inner + i];
            }
        }
    }
}

/// Backward of `sum()`: every element receives `g`.
pub(crate) fn sum_backward<T: Float>(g: &[T], target: &mut [T]) {
    add_scalar_assign(target, g[0]);
}

/// Backward of `mean()`: every element receives `g / n`.
pub(crate) fn mean_backward<T: Float>(g: &[T], target: &mut [T]) {
    add_scalar_assign(target, g[0] / T::from_usize(target.len()));
}

impl<'t, T: Float> Var<'t, T> {
    /// Sum of all elements, as a scalar (shape `[]`).
    pub fn sum(self) -> Self {
        let id = self.id as usize;
        self.tape.record(Op::Sum(self.id), Shape::new(), |nodes, out| out.push(sum(nodes[id].value.data())))
    }

    /// Mean of all elements, as a scalar (shape `[]`). The mean of nothing is NaN.
    pub fn mean(self) -> Self {
        let id = self.id as usize;
        self.tape.record(Op::Mean(self.id), Shape::new(), |nodes, out| {
            let x = nodes[id].value.data();
            out.push(sum(x) / T::from_usize(x.len()))
        })
    }

    /// Sum along `axis` (negative counts from the end); with `keepdim` the
    /// axis stays with extent 1.
    pub fn sum_axis(self, axis: isize, keepdim: bool) -> Self {
        self.reduce_axis("sum_axis", axis, keepdim, Op::SumAxis, |x, shape, axis, out| {
            sum_axis_forward(x, shape, axis, out)
        })
    }

    /// Mean along `axis`; with `keepdim` the axis stays with extent 1.
    pub fn mean_axis(self, axis: isize, keepdim: bool) -> Self {
        self.reduce_axis("mean_axis", axis, keepdim, Op::MeanAxis, |x, shape, axis, out| {
            sum_axis_forward(x, shape, axis, out);
            let scale = T::ONE / T::from_usize(shape[axis]);
            out.iter_mut().for_each(|v| *v *= scale);
        })
    }

    /// Maximum along `axis`; with `keepdim` the axis stays with extent 1.
    /// The gradient flows to the first maximal element of each lane.
    ///
    /// # Panics
    /// If the axis has extent 0.
    pub fn max_axis(self, axis: isize, keepdim: bool) -> Self {
        self.reduce_axis("max_axis", axis, keepdim, Op::MaxAxis, |x, shape, axis, out| {
            assert!(shape[axis] > 0, "max_axis: axis {axis} of shape {shape:?} is empty");
            max_axis_forward(x, shape, axis, out)
        })
    }

    fn reduce_axis(
        self,
        name: &str,
        axis: isize,
        keepdim: bool,
        op: fn(NodeId, u8) -> Op<T>,
        forward: impl FnOnce(&[T], &[usize], usize, &mut Vec<T>),
    ) -> Self {
        let shape = self.shape();
        let axis = resolve_axis(name, axis, &shape);
        let id = self.id as usize;
        self.tape.record(op(self.id, axis as u8), reduced_shape(&shape, axis, keepdim), |nodes, out| {
            forward(nodes[id].value.data(), &shape, axis, out)
        })
    }
}
