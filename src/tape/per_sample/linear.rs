//! The per-sample gradients of a `linear` node's weight and bias, from
//! what one backward sweep leaves: the node's input `x` and the gradient
//! `g` at its output, both with the samples on the first axis.
//!
//! For sample `i` with `r` rows (`x_i` is `[r, in]`, `g_i` is `[r, out]`;
//! `r` is 1 for an MLP's `[B, in]` input): the weight's gradient is
//! `g_iᵀ x_i` and the bias's is the sum of `g_i`'s rows. Goodfellow (2015)
//! noticed that the squared norm of the first needs no `[out, in]` matrix:
//! for one row it is `|x_i|² |g_i|²`, and in general
//! `Σ_{s,t} (g_s · g_t)(x_s · x_t)` over the sample's rows.

use crate::float::Float;
use crate::kernels::gemm::{MatMut, MatRef, gemm};
use crate::kernels::vectorize::vectorized;
use crate::tensor::Tensor;

/// A `linear` node's input and output gradient, cut into samples.
#[derive(Clone, Copy)]
pub(super) struct Signals<'a, T> {
    x: &'a [T],
    g: &'a [T],
    /// Rows per sample.
    rows: usize,
    inputs: usize,
    outputs: usize,
}

impl<'a, T: Float> Signals<'a, T> {
    /// The signals of a node with input `x` (`[batch, .., in]`) and output
    /// gradient `g` (`[batch, .., out]`).
    pub fn new(x: &'a Tensor<T>, g: &'a Tensor<T>, batch: usize) -> Self {
        let inputs = *x.shape().last().expect("a linear input has an axis");
        let outputs = *g.shape().last().expect("a linear output has an axis");
        let rows = x.len() / (batch * inputs).max(1);
        Signals { x: x.data(), g: g.data(), rows, inputs, outputs }
    }

    /// Sample `i`'s input rows `[rows, in]` and gradient rows `[rows, out]`.
    fn sample(&self, i: usize) -> (&'a [T], &'a [T]) {
        let (xs, gs) = (self.rows * self.inputs, self.rows * self.outputs);
        (&self.x[i * xs..(i + 1) * xs], &self.g[i * gs..(i + 1) * gs])
    }

    /// Writes sample `i`'s gradient of the weight (`slot` 1, `[out, in]`)
    /// or of the bias (`slot` 2, `[out]`) into `target`.
    pub fn gradient_into(&self, slot: usize, i: usize, target: &mut [T]) {
        let (x, g) = self.sample(i);
        if slot == 2 {
            target.copy_from_slice(&g[..self.outputs]);
            for row in g.chunks_exact(self.outputs).skip(1) {
                target.iter_mut().zip(row).for_each(|(t, &v)| *t += v);
            }
        } else if self.rows == 1 {
            // The outer product g xᵀ, one scaled copy of x per output.
            let (inputs, outputs) = (self.inputs, self.outputs);
            vectorized(|| {
                for (row, &gk) in target.chunks_exact_mut(inputs).zip(&g[..outputs]) {
                    row.iter_mut().zip(x).for_each(|(t, &xv)| *t = gk * xv);
                }
            });
        } else {
            let g = MatRef::row_major(g, self.rows, self.outputs).t();
            let x = MatRef::row_major(x, self.rows, self.inputs);
            gemm(T::ONE, g, x, T::ZERO, MatMut::row_major(target, self.outputs, self.inputs));
        }
    }

    /// The squared norm of sample `i`'s gradient of the weight (`slot` 1) or
    /// bias (`slot` 2), without forming it.
    pub fn squared_norm(&self, slot: usize, i: usize) -> f64 {
        let (x, g) = self.sample(i);
        let (gr, xr) = (
            |s: usize| &g[s * self.outputs..(s + 1) * self.outputs],
            |s: usize| &x[s * self.inputs..(s + 1) * self.inputs],
        );
        let mut total = 0.0;
        for s in 0..self.rows {
            // Each unordered pair of rows twice, the diagonal once.
            for t in 0..=s {
                let twice = if s == t { 1.0 } else { 2.0 };
                let dg = dot(gr(s), gr(t));
                total += twice * if slot == 2 { dg } else { dg * dot(xr(s), xr(t)) };
            }
        }
        total
    }

    /// Adds `Σ_i g_i²` (elementwise, over every sample) for the weight
    /// (`slot` 1) or bias (`slot` 2) into `target`. For one row per sample
    /// the weight's is one product, `(g ⊙ g)ᵀ (x ⊙ x)`; otherwise each
    /// sample's gradient is formed in `scratch` and squared.
    pub fn add_squares(&self, slot: usize, batch: usize, target: &mut [T], scratch: &mut Scratch<T>) {
        if slot == 1 && self.rows == 1 {
            let (gg, xx) = (&mut scratch.a, &mut scratch.b);
            square_into(gg, &self.g[..batch * self.outputs]);
            square_into(xx, &self.x[..batch * self.inputs]);
            let gg = MatRef::row_major(gg, batch, self.outputs).t();
            let xx = MatRef::row_major(xx, batch, self.inputs);
            gemm(T::ONE, gg, xx, T::ONE, MatMut::row_major(target, self.outputs, self.inputs));
            return;
        }
        let one = &mut scratch.a;
        one.clear();
        one.resize(target.len(), T::ZERO);
        for i in 0..batch {
            self.gradient_into(slot, i, one);
            vectorized(|| target.iter_mut().zip(one.iter()).for_each(|(t, &v)| *t += v * v));
        }
    }
}

/// Buffers the squares reuse from one call to the next.
#[derive(Clone, Debug, Default)]
pub(super) struct Scratch<T> {
    a: Vec<T>,
    b: Vec<T>,
}

/// `out = x ⊙ x`, reusing `out`'s allocation.
fn square_into<T: Float>(out: &mut Vec<T>, x: &[T]) {
    out.clear();
    vectorized(|| out.extend(x.iter().map(|&v| v * v)));
}

/// `a · b`, accumulated in `f64`.
fn dot<T: Float>(a: &[T], b: &[T]) -> f64 {
    a.iter().zip(b).map(|(&p, &q)| p.to_f64() * q.to_f64()).sum()
}
