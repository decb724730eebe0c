//! Matrix products: `[m, k] x [k, n]`, batched `[B, m, k] x [B, k, n]`, a
//! 3-D operand times a 2-D one (or the reverse), the 2-D side shared by every
//! batch, and 1-D operands by NumPy's and PyTorch's rule: a vector `[k]` on
//! the left is a row `[1, k]`, on the right a column `[k, 1]`, and that
//! axis is dropped from the result (vector · vector is a scalar). Every
//! product goes to the crate's GEMM (`kernels::gemm`); the backward kernel
//! multiplies by transposed operands through strides, copying nothing.

use super::{Graph, Kernel};
use crate::float::Float;
use crate::kernels::gemm::{MatMut, MatRef, gemm};
use crate::shape::Shape;
use crate::tensor::Tensor;

/// The matrix product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MatMul;

/// The dimensions of one matrix product.
#[derive(Clone, Copy, Debug)]
struct Dims {
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a_batched: bool,
    b_batched: bool,
    /// `a` is a vector `[k]`, read as the row `[1, k]`.
    a_vector: bool,
    /// `b` is a vector `[k]`, read as the column `[k, 1]`.
    b_vector: bool,
}

impl Dims {
    /// Reads the product's dimensions from the operand shapes; panics with
    /// the op name and both shapes if they do not fit.
    #[track_caller]
    fn new(a: &[usize], b: &[usize]) -> Self {
        match Self::read(a, b) {
            Ok(dims) => dims,
            Err(why) => panic!("matmul: cannot multiply {a:?} by {b:?}{why}"),
        }
    }

    /// The dimensions, or why the shapes do not fit (appended to the message).
    fn read(a: &[usize], b: &[usize]) -> Result<Self, &'static str> {
        if !(1..=3).contains(&a.len()) || !(1..=3).contains(&b.len()) {
            return Err(" (operands must be 1-D, 2-D or 3-D)");
        }
        let (a_vector, b_vector) = (a.len() == 1, b.len() == 1);
        let (m, k) = if a_vector { (1, a[0]) } else { (a[a.len() - 2], a[a.len() - 1]) };
        let (k2, n) = if b_vector { (b[0], 1) } else { (b[b.len() - 2], b[b.len() - 1]) };
        if k != k2 {
            return Err("");
        }
        let (a_batched, b_batched) = (a.len() == 3, b.len() == 3);
        let batch = match (a_batched, b_batched) {
            (true, true) if a[0] != b[0] => return Err(" (batch sizes differ)"),
            (true, _) => a[0],
            (false, true) => b[0],
            (false, false) => 1,
        };
        Ok(Dims { batch, m, k, n, a_batched, b_batched, a_vector, b_vector })
    }

    /// The product's shape with every operand read as a matrix (and a batch
    /// axis if either is batched).
    fn out_view(&self) -> Shape {
        if self.a_batched || self.b_batched {
            Shape::from_slice(&[self.batch, self.m, self.n])
        } else {
            Shape::from_slice(&[self.m, self.n])
        }
    }

    /// `a` read as a matrix.
    fn a_view(&self) -> Shape {
        if self.a_batched {
            Shape::from_slice(&[self.batch, self.m, self.k])
        } else {
            Shape::from_slice(&[self.m, self.k])
        }
    }

    /// `b` read as a matrix.
    fn b_view(&self) -> Shape {
        if self.b_batched {
            Shape::from_slice(&[self.batch, self.k, self.n])
        } else {
            Shape::from_slice(&[self.k, self.n])
        }
    }

    /// The output's shape: the view without the axes of vector operands.
    fn out_shape(&self) -> Shape {
        let mut shape = self.out_view();
        let rank = shape.len();
        if self.b_vector {
            shape.remove(rank - 1);
        }
        if self.a_vector {
            shape.remove(rank - 2);
        }
        shape
    }

    /// Operand A of batch `i`.
    fn a<'a, T>(&self, data: &'a [T], i: usize) -> MatRef<'a, T> {
        let size = self.m * self.k;
        let start = if self.a_batched { i * size } else { 0 };
        MatRef::row_major(&data[start..start + size], self.m, self.k)
    }

    /// Operand B of batch `i`.
    fn b<'a, T>(&self, data: &'a [T], i: usize) -> MatRef<'a, T> {
        let size = self.k * self.n;
        let start = if self.b_batched { i * size } else { 0 };
        MatRef::row_major(&data[start..start + size], self.k, self.n)
    }

    /// The output (or its gradient) of batch `i`.
    fn c<'a, T>(&self, data: &'a [T], i: usize) -> MatRef<'a, T> {
        let size = self.m * self.n;
        MatRef::row_major(&data[i * size..(i + 1) * size], self.m, self.n)
    }
}

impl<T: Float> Kernel<T> for MatMul {
    fn name(&self) -> String {
        "matmul".into()
    }

    /// # Panics
    /// If the inner dimensions or batch sizes differ, e.g.
    /// `matmul: cannot multiply [32, 3] by [4, 16]`.
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        Dims::new(inputs[0], inputs[1]).out_shape()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let (a, b) = (inputs[0], inputs[1]);
        forward(Dims::new(a.shape(), b.shape()), a.data(), b.data(), out)
    }

    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        backward(input, inputs[0], inputs[1], g, T::ONE, target)
    }

    fn backward_over(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) -> bool {
        backward(input, inputs[0], inputs[1], g, T::ZERO, target);
        true
    }

    /// `dA = G Bᵀ`, `dB = Aᵀ G` on the operands read as matrices, each
    /// summed over the batches a 2-D operand was shared by.
    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let (a, b) = (inputs[0], inputs[1]);
        let dims = Dims::new(&a.shape(), &b.shape());
        let (a, b, g) = (a.reshape(&dims.a_view()), b.reshape(&dims.b_view()), g.reshape(&dims.out_view()));
        let grad =
            if input == 0 { g.matmul(b.t()).sum_to(&dims.a_view()) } else { a.t().matmul(g).sum_to(&dims.b_view()) };
        Some(grad.reshape(&inputs[input].shape()))
    }
}

/// `out[i] = a[i] b[i]` for each batch `i`.
fn forward<T: Float>(dims: Dims, a: &[T], b: &[T], out: &mut Vec<T>) {
    out.resize(dims.batch * dims.m * dims.n, T::ZERO);
    if dims.m * dims.n == 0 || dims.k == 0 {
        return; // an empty product, or a sum of nothing: zeros
    }
    for (i, c) in out.chunks_exact_mut(dims.m * dims.n).enumerate() {
        gemm(T::ONE, dims.a(a, i), dims.b(b, i), T::ZERO, MatMut::row_major(c, dims.m, dims.n));
    }
}

/// `dA = G Bᵀ + beta dA` (input 0) or `dB = Aᵀ G + beta dB` (input 1), per
/// batch; a shared 2-D operand gathers the sum over batches. `beta` is 1 to
/// add to the gradient, 0 to write over it.
fn backward<T: Float>(input: usize, a: &Tensor<T>, b: &Tensor<T>, g: &[T], beta: T, target: &mut [T]) {
    let dims = Dims::new(a.shape(), b.shape());
    let (m, k, n) = (dims.m, dims.k, dims.n);
    if m * k * n == 0 {
        if beta == T::ZERO {
            target.fill(T::ZERO); // a sum of nothing
        }
        return;
    }
    for i in 0..dims.batch {
        // A shared operand's later batches add to the first's.
        let shared = if input == 0 { !dims.a_batched } else { !dims.b_batched };
        let beta = if shared && i > 0 { T::ONE } else { beta };
        let g_i = dims.c(g, i);
        if input == 0 {
            let start = if dims.a_batched { i * m * k } else { 0 };
            let da = MatMut::row_major(&mut target[start..start + m * k], m, k);
            gemm(T::ONE, g_i, dims.b(b.data(), i).t(), beta, da);
        } else {
            let start = if dims.b_batched { i * k * n } else { 0 };
            let db = MatMut::row_major(&mut target[start..start + k * n], k, n);
            gemm(T::ONE, dims.a(a.data(), i).t(), g_i, beta, db);
        }
    }
}
