//! `where_cond(cond, a, b)`: `a` where the condition holds, `b` elsewhere,
//! the three broadcast together (PyTorch's `torch.where`; `masked_fill` is
//! this with a scalar). The condition is a value of the element type, true
//! where it is nonzero, and gets no gradient; each of `a` and `b` receives
//! the gradient where it was picked.

use super::{Graph, Kernel, Op};
use crate::float::Float;
use crate::shape::{Shape, broadcast_shapes, broadcast_strides, contiguous_strides, for_each_row};
use crate::tensor::Tensor;

/// Checks that a `masked_fill` mask broadcasts to the filled value's shape.
///
/// # Panics
/// If it does not, naming both shapes.
#[track_caller]
pub(crate) fn check_mask(mask: &[usize], shape: &[usize]) {
    assert!(
        broadcast_shapes(mask, shape).is_some_and(|s| s.as_slice() == shape),
        "masked_fill: a mask of shape {mask:?} does not broadcast to {shape:?}"
    );
}

/// `a` where `cond` is nonzero, `b` elsewhere; inputs `[cond, a, b]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Where;

/// Calls `f(out, [cond, a, b])` for every element of the output, with its
/// offset and the offset of each operand's element it comes from.
fn for_each_element(shapes: [&[usize]; 3], out: &[usize], mut f: impl FnMut(usize, [usize; 3])) {
    let strides = shapes.map(|s| broadcast_strides(s, out));
    let out_strides = contiguous_strides(out);
    let n = out.last().copied().unwrap_or(1);
    let inner = strides.each_ref().map(|s| s.last().copied().unwrap_or(0));
    for_each_row(out, [&out_strides, &strides[0], &strides[1], &strides[2]], |[o, c, a, b]| {
        for j in 0..n {
            f(o + j, [c + j * inner[0], a + j * inner[1], b + j * inner[2]]);
        }
    });
}

impl<T: Float> Kernel<T> for Where {
    fn name(&self) -> String {
        "where".into()
    }

    /// # Panics
    /// If the three shapes do not broadcast together.
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (c, a, b) = (inputs[0], inputs[1], inputs[2]);
        broadcast_shapes(a, b)
            .and_then(|ab| broadcast_shapes(c, &ab))
            .unwrap_or_else(|| panic!("where_cond: shapes {c:?} (condition), {a:?} and {b:?} do not broadcast"))
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let [c, a, b] = [inputs[0], inputs[1], inputs[2]];
        let shape = Kernel::<T>::output_shape(self, &[c.shape(), a.shape(), b.shape()]);
        out.resize(crate::shape::numel(&shape), T::ZERO);
        let (cd, ad, bd) = (c.data(), a.data(), b.data());
        for_each_element([c.shape(), a.shape(), b.shape()], &shape, |o, [c, a, b]| {
            out[o] = if cd[c] != T::ZERO { ad[a] } else { bd[b] };
        });
    }

    /// `a` (input 1) receives `g` where the condition holds, `b` (input 2)
    /// where it does not, summed over the axes each was broadcast along.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], out: &Tensor<T>, g: &[T], target: &mut [T]) {
        if input == 0 {
            return;
        }
        let cd = inputs[0].data();
        let picked_when = input == 1;
        for_each_element([inputs[0].shape(), inputs[1].shape(), inputs[2].shape()], out.shape(), |o, offsets| {
            if (cd[offsets[0]] != T::ZERO) == picked_when {
                target[offsets[input]] += g[o];
            }
        });
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let cond = inputs[0];
        let zero = g.constant(Tensor::scalar(T::ZERO));
        let picked = match input {
            0 => return None,
            1 => cond.apply(Op::Where(Where), &[g, zero]),
            _ => cond.apply(Op::Where(Where), &[zero, g]),
        };
        Some(picked.sum_to(&inputs[input].shape()))
    }
}
