//! Ops that move elements without computing: `transpose` (swap two axes)
//! and `reshape`.

use crate::float::Float;
use crate::kernels::add_assign;
use crate::shape::{Shape, contiguous_strides, for_each_row, numel, resolve_axis, shape_of};
use crate::tape::{Op, Var};

/// The input's strides reordered to walk it in the transposed order.
fn swapped_strides(in_shape: &[usize], axis0: usize, axis1: usize) -> Shape {
    let mut strides = contiguous_strides(in_shape);
    strides.swap(axis0, axis1);
    strides
}

fn swapped_shape(in_shape: &[usize], axis0: usize, axis1: usize) -> Shape {
    let mut shape = shape_of(in_shape);
    shape.swap(axis0, axis1);
    shape
}

/// Forward: copies `x` in the transposed order.
fn transpose_forward<T: Float>(x: &[T], in_shape: &[usize], axis0: usize, axis1: usize, out: &mut Vec<T>) {
    let out_shape = swapped_shape(in_shape, axis0, axis1);
    let strides = swapped_strides(in_shape, axis0, axis1);
    let n = out_shape.last().copied().unwrap_or(1);
    let inner = strides.last().copied().unwrap_or(1);
    for_each_row(&out_shape, [&strides], |[o]| out.extend((0..n).map(|j| x[o + j * inner])));
}

/// Backward: adds `g` (in the transposed order) back at the input's positions.
pub(crate) fn transpose_backward<T: Float>(in_shape: &[usize], axis0: u8, axis1: u8, g: &[T], target: &mut [T]) {
    let (axis0, axis1) = (axis0 as usize, axis1 as usize);
    let out_shape = swapped_shape(in_shape, axis0, axis1);
    let strides = swapped_strides(in_shape, axis0, axis1);
    let out_strides = contiguous_strides(&out_shape);
    let n = out_shape.last().copied().unwrap_or(1);
    let inner = strides.last().copied().unwrap_or(1);
    for_each_row(&out_shape, [&out_strides, &strides], |[og, o]| {
        for (j, &g) in g[og..og + n].iter().enumerate() {
            target[o + j * inner] += g;
        }
    });
}

/// Backward of reshape: the gradient is `g` with the input's shape.
pub(crate) fn reshape_backward<T: Float>(g: &[T], target: &mut [T]) {
    add_assign(target, g);
}

impl<'t, T: Float> Var<'t, T> {
    /// Swaps the last two axes (the matrix transpose for 2-D values).
    ///
    /// # Panics
    /// If the value has fewer than two axes.
    pub fn transpose(self) -> Self {
        let ndim = self.shape().len();
        assert!(ndim >= 2, "transpose: needs at least 2 axes, got shape {:?}", self.shape());
        self.swap_axes(-2, -1)
    }

    /// Swaps two axes (negative axes count from the end). The result is a
    /// contiguous copy.
    ///
    /// # Panics
    /// If an axis is out of range.
    pub fn swap_axes(self, axis0: isize, axis1: isize) -> Self {
        let in_shape = self.shape();
        let a0 = resolve_axis("swap_axes", axis0, &in_shape);
        let a1 = resolve_axis("swap_axes", axis1, &in_shape);
        let id = self.id as usize;
        let out_shape = swapped_shape(&in_shape, a0, a1);
        self.tape.record(Op::Transpose(self.id, a0 as u8, a1 as u8), out_shape, |nodes, out| {
            transpose_forward(nodes[id].value.data(), &in_shape, a0, a1, out)
        })
    }

    /// The same elements, in the same row-major order, under a new shape.
    ///
    /// # Panics
    /// If the element counts differ, e.g. `reshape: cannot reshape [2, 3] into [4, 2]`.
    pub fn reshape(self, shape: impl AsRef<[usize]>) -> Self {
        let in_shape = self.shape();
        let out_shape = shape_of(shape);
        assert!(numel(&in_shape) == numel(&out_shape), "reshape: cannot reshape {in_shape:?} into {out_shape:?}");
        let id = self.id as usize;
        self.tape.record(Op::Reshape(self.id), out_shape, |nodes, out| out.extend_from_slice(nodes[id].value.data()))
    }
}
