//! `linear`: `x Wᵀ + b` as one op (PyTorch's `F.linear`), the layer of every
//! MLP.
//!
//! Fused for speed: as `x.matmul(w.transpose()) + b` it would be three nodes,
//! a copy of `W` for the transpose, and a broadcast add; here it is one node
//! whose forward writes the bias into the output and lets the GEMM add
//! `x Wᵀ` on top, reading `W` through strides. The weight is stored
//! `[out, in]` as in PyTorch, so state dicts interchange without transposes.

use super::loops::add_assign;
use super::{Graph, Kernel};
use crate::float::Float;
use crate::kernels::gemm::{MatMut, MatRef, gemm};
use crate::shape::{Shape, numel};
use crate::tensor::Tensor;

/// `x Wᵀ + b`; its inputs are `x`, `W` and, if there is a bias, `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Linear;

const NAME: &str = "linear";

impl<T: Float> Kernel<T> for Linear {
    fn name(&self) -> String {
        NAME.into()
    }

    /// # Panics
    /// If the shapes do not fit, e.g.
    /// `linear: cannot apply weight [16, 2] to input [32, 3]`.
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (x, w) = (inputs[0], inputs[1]);
        let out_shape = output_shape(NAME, x, w);
        if let Some(&b) = inputs.get(2) {
            assert!(b == [w[0]], "{NAME}: bias {b:?} does not fit weight {w:?}; expected [{}]", w[0]);
        }
        out_shape
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        forward(inputs[0], inputs[1], inputs.get(2).copied(), out)
    }

    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        backward(input, inputs[0], inputs[1], g, T::ONE, target)
    }

    fn backward_over(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) -> bool {
        backward(input, inputs[0], inputs[1], g, T::ZERO, target);
        true
    }

    /// With `x` seen as `[rows, in]`: `dx = G W`, `dW = Gᵀ x`, `db = Σ_rows G`.
    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let (x, w) = (inputs[0], inputs[1]);
        let (x_shape, outputs) = (x.shape(), w.shape()[0]);
        let rows = rows_of(&x_shape);
        let g = g.reshape(&[rows, outputs]);
        Some(match input {
            0 => g.matmul(w).reshape(&x_shape),
            1 => g.t().matmul(x.reshape(&[rows, x_shape[x_shape.len() - 1]])),
            _ => g.sum_to(&[outputs]),
        })
    }
}

/// Rows of `x` viewed as a matrix `[rows, in]`: every axis but the last is a
/// batch axis.
fn rows_of(x_shape: &[usize]) -> usize {
    numel(&x_shape[..x_shape.len() - 1])
}

/// The shape of `x Wᵀ` (`x`'s shape with its last axis `W`'s rows).
///
/// # Panics
/// If `W` is not 2-D or its columns do not match `x`'s last axis, with a
/// message that starts with `op`.
#[track_caller]
fn output_shape(op: &str, x_shape: &[usize], w_shape: &[usize]) -> Shape {
    if w_shape.len() != 2 || x_shape.is_empty() || x_shape[x_shape.len() - 1] != w_shape[1] {
        panic!("{op}: cannot apply weight {w_shape:?} to input {x_shape:?} (weight is [out, in])");
    }
    let mut out_shape = Shape::from_slice(x_shape);
    *out_shape.last_mut().expect("checked non-empty") = w_shape[0];
    out_shape
}

/// `x Wᵀ + b` on plain tensors, without a tape: `nn::Linear::predict`.
/// `op` names the caller in the shape-mismatch panic.
#[track_caller]
pub(crate) fn linear<T: Float>(op: &str, x: &Tensor<T>, w: &Tensor<T>, b: Option<&Tensor<T>>) -> Tensor<T> {
    let out_shape = output_shape(op, x.shape(), w.shape());
    let mut out = Vec::with_capacity(numel(&out_shape));
    forward(x, w, b, &mut out);
    Tensor::from_vec(out, out_shape)
}

/// Every row of `out` is `b + x_row Wᵀ`.
fn forward<T: Float>(x: &Tensor<T>, w: &Tensor<T>, b: Option<&Tensor<T>>, out: &mut Vec<T>) {
    let (outputs, inputs) = (w.shape()[0], w.shape()[1]);
    let rows = rows_of(x.shape());
    let beta = match b {
        Some(b) => {
            for _ in 0..rows {
                out.extend_from_slice(b.data());
            }
            T::ONE
        }
        None => {
            out.resize(rows * outputs, T::ZERO);
            T::ZERO
        }
    };
    let x = MatRef::row_major(x.data(), rows, inputs);
    let w_t = MatRef::row_major(w.data(), outputs, inputs).t();
    gemm(T::ONE, x, w_t, beta, MatMut::row_major(out, rows, outputs));
}

/// Input `input` of `(x, W, b)`: `dx = G W + beta dx`, `dW = Gᵀ x + beta dW`,
/// `db = Σ_rows G + beta db`; `beta` is 1 to add to the gradient, 0 to
/// write over it.
fn backward<T: Float>(input: usize, x: &Tensor<T>, w: &Tensor<T>, g: &[T], beta: T, target: &mut [T]) {
    let (outputs, inputs) = (w.shape()[0], w.shape()[1]);
    let rows = rows_of(x.shape());
    let g = MatRef::row_major(g, rows, outputs);
    match input {
        0 => {
            gemm(T::ONE, g, MatRef::row_major(w.data(), outputs, inputs), beta, MatMut::row_major(target, rows, inputs))
        }
        1 => gemm(
            T::ONE,
            g.t(),
            MatRef::row_major(x.data(), rows, inputs),
            beta,
            MatMut::row_major(target, outputs, inputs),
        ),
        _ => {
            if beta == T::ZERO {
                target.fill(T::ZERO);
            }
            for row in g.data.chunks_exact(outputs.max(1)).take(rows) {
                add_assign(target, row);
            }
        }
    }
}
