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

    /// Writes every sample's gradient of the weight (`slot` 1, `[B, out, in]`)
    /// or of the bias (`slot` 2, `[B, out]`) into `target`.
    pub fn gradients_into(&self, slot: usize, target: &mut [T]) {
        let per = if slot == 2 { self.outputs } else { self.outputs * self.inputs };
        if self.rows == 1 {
            let (inputs, outputs) = (self.inputs, self.outputs);
            if slot == 2 {
                return target.copy_from_slice(&self.g[..target.len()]);
            }
            // The outer products g_i x_iᵀ: one scaled copy of x_i per output.
            let samples =
                target.chunks_exact_mut(per).zip(self.x.chunks_exact(inputs).zip(self.g.chunks_exact(outputs)));
            return vectorized(
                #[inline(always)]
                || {
                    for (out, (x, g)) in samples {
                        for (row, &gk) in out.chunks_exact_mut(inputs).zip(g) {
                            row.iter_mut().zip(x).for_each(|(t, &xv)| *t = gk * xv);
                        }
                    }
                },
            );
        }
        for (i, out) in target.chunks_exact_mut(per).enumerate() {
            self.gradient_into(slot, i, out);
        }
    }

    /// Writes sample `i`'s gradient of the weight or bias into `target`,
    /// for samples of several rows.
    fn gradient_into(&self, slot: usize, i: usize, target: &mut [T]) {
        let (x, g) = self.sample(i);
        if slot == 2 {
            target.copy_from_slice(&g[..self.outputs]);
            for row in g.chunks_exact(self.outputs).skip(1) {
                target.iter_mut().zip(row).for_each(|(t, &v)| *t += v);
            }
        } else {
            let g = MatRef::row_major(g, self.rows, self.outputs).t();
            let x = MatRef::row_major(x, self.rows, self.inputs);
            gemm(T::ONE, g, x, T::ZERO, MatMut::row_major(target, self.outputs, self.inputs));
        }
    }

    /// Every sample's squared gradient norm for the weight (`slot` 1) or
    /// bias (`slot` 2), into `norms`, without forming the gradients.
    pub fn squared_norms(&self, slot: usize, norms: &mut [f64]) {
        if self.rows == 1 {
            let samples = self.x.chunks_exact(self.inputs).zip(self.g.chunks_exact(self.outputs));
            return vectorized(
                #[inline(always)]
                || {
                    for (norm, (x, g)) in norms.iter_mut().zip(samples) {
                        *norm = if slot == 2 { sum_squares(g) } else { sum_squares(g) * sum_squares(x) };
                    }
                },
            );
        }
        let (inputs, outputs) = (self.inputs, self.outputs);
        for (i, norm) in norms.iter_mut().enumerate() {
            let (x, g) = self.sample(i);
            let (g_row, x_row) = (|s: usize| &g[s * outputs..][..outputs], |s: usize| &x[s * inputs..][..inputs]);
            // Σ_{s,t} (g_s · g_t)(x_s · x_t) over the sample's rows: each
            // pair s > t twice, the diagonal once.
            *norm = 0.0;
            for s in 0..self.rows {
                for t in 0..=s {
                    let twice = if s == t { 1.0 } else { 2.0 };
                    let xx = if slot == 2 { 1.0 } else { dot(x_row(s), x_row(t)) };
                    *norm += twice * dot(g_row(s), g_row(t)) * xx;
                }
            }
        }
    }

    /// Adds `Σ_i g_i²` (elementwise, over every sample) for the weight
    /// (`slot` 1) or bias (`slot` 2) into `target`. For one row per sample
    /// the weight's is one product, `(g ⊙ g)ᵀ (x ⊙ x)`, and the bias's the
    /// column sums of `g ⊙ g`; otherwise each sample's gradient is formed
    /// in `scratch` and squared.
    pub fn add_squares(&self, slot: usize, batch: usize, target: &mut [T], scratch: &mut Scratch<T>) {
        if self.rows == 1 {
            let g = &self.g[..batch * self.outputs];
            if slot == 2 {
                return vectorized(
                    #[inline(always)]
                    || {
                        for row in g.chunks_exact(self.outputs) {
                            target.iter_mut().zip(row).for_each(|(t, &v)| *t += v * v);
                        }
                    },
                );
            }
            let (gg, xx) = (&mut scratch.a, &mut scratch.b);
            square_into(gg, g);
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
            vectorized(
                #[inline(always)]
                || target.iter_mut().zip(one.iter()).for_each(|(t, &v)| *t += v * v),
            );
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
    vectorized(
        #[inline(always)]
        || out.extend(x.iter().map(|&v| v * v)),
    );
}

/// `|a|²`, in eight running sums of the element type (so that the loop
/// vectorises; a row of a layer is short), converted to `f64` once.
#[inline(always)]
fn sum_squares<T: Float>(a: &[T]) -> f64 {
    let mut l = [T::ZERO; 8];
    let chunks = a.chunks_exact(8);
    let tail = chunks.remainder().iter().fold(T::ZERO, |s, &v| s + v * v);
    for chunk in chunks {
        for (lane, &v) in l.iter_mut().zip(chunk) {
            *lane += v * v;
        }
    }
    (((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7])) + tail).to_f64()
}

/// `a · b`, accumulated in `f64`.
fn dot<T: Float>(a: &[T], b: &[T]) -> f64 {
    a.iter().zip(b).map(|(&p, &q)| p.to_f64() * q.to_f64()).sum()
}
