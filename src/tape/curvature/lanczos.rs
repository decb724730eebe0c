//! The Lanczos process on a symmetric operator given only as products
//! `v ↦ A v`, on vectors of `f64`: an orthonormal basis `Q_k` of the Krylov
//! space `span(q, A q, …, A^{k-1} q)` and the tridiagonal `T_k = Q_kᵀ A Q_k`,
//! whose eigenvalues (the Ritz values) approach the extreme eigenvalues of
//! `A` first. This knows nothing of tapes: the operator is a closure.
//!
//! Each new vector is orthogonalised against the whole basis, twice
//! ("twice is enough", Parlett): full reorthogonalisation. Without it the
//! basis loses orthogonality as soon as a Ritz value converges and copies
//! of it appear. It costs `O(k n)` per step and keeps `k` vectors of `n`,
//! cheap beside a Hessian-vector product for the networks this crate
//! trains.

use super::tridiagonal;

/// Which end of the spectrum.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum End {
    Smallest,
    Largest,
}

/// A Ritz value at one end, with what the Lanczos recurrence says of it
/// without a further product.
#[derive(Clone, Copy, Debug)]
pub(super) struct RitzEstimate {
    pub value: f64,
    /// `β_k |s_k|`: the residual `|A y - θ y|` of the Ritz vector `y = Q_k s`,
    /// as the recurrence gives it (exact up to rounding, with full
    /// reorthogonalisation).
    pub residual: f64,
    /// The next Ritz value towards the inside of the spectrum, and its
    /// residual estimate: where the rest of the spectrum is known to begin.
    pub neighbour: Option<(f64, f64)>,
    /// The largest magnitude of a Ritz value: `|A|`, from below.
    pub radius: f64,
}

impl RitzEstimate {
    /// The distance from `value` to the rest of the spectrum as far as the
    /// Krylov space has seen it: to the neighbouring Ritz value, less that
    /// one's residual (an eigenvalue lies within it). `None` if there is no
    /// neighbour or the two overlap.
    pub fn gap_from(&self, value: f64) -> Option<f64> {
        let (neighbour, residual) = self.neighbour?;
        let gap = (neighbour - value).abs() - residual;
        (gap > 0.0).then_some(gap)
    }
}

/// A Lanczos process in progress.
pub(super) struct Lanczos {
    n: usize,
    /// `q_1 … q_m`, each of `n`, one after the other (`m` is `k` or `k + 1`).
    basis: Vec<f64>,
    /// The diagonal of `T_k`.
    alpha: Vec<f64>,
    /// `beta[j]` couples `q_{j+1}` and `q_{j+2}` (0-based: `q_j`, `q_{j+1}`);
    /// the last is the length of the direction the next step starts from.
    beta: Vec<f64>,
}

impl Lanczos {
    /// Starts from the direction of `start` (not zero, finite).
    pub fn new(mut start: Vec<f64>) -> Self {
        let length = dot(&start, &start).sqrt();
        assert!(length > 0.0 && length.is_finite(), "Lanczos: the start vector has length {length}");
        start.iter_mut().for_each(|x| *x /= length);
        Lanczos { n: start.len(), basis: start, alpha: Vec::new(), beta: Vec::new() }
    }

    /// Steps taken, `k`: the operator's products so far.
    pub fn steps(&self) -> usize {
        self.alpha.len()
    }

    /// `true` when no further step can add a direction: the basis spans
    /// the whole space, the last direction was zero (the Krylov space is an
    /// invariant subspace, so the Ritz values are eigenvalues), or a
    /// product was not finite.
    pub fn is_complete(&self) -> bool {
        self.basis.len() == self.steps() * self.n
    }

    /// One step: one product with the operator, `A q_k`, orthogonalised
    /// against the basis; its length is `β_k` and its direction `q_{k+1}`.
    ///
    /// # Panics
    /// If the process is complete.
    pub fn step(&mut self, product: impl FnOnce(&[f64]) -> Vec<f64>) {
        assert!(!self.is_complete(), "Lanczos: step after the process completed");
        let (n, k) = (self.n, self.steps());
        let q = &self.basis[k * n..];
        let mut w = product(q);
        assert_eq!(w.len(), n, "Lanczos: the product has the wrong length");
        if let Some(&beta) = self.beta.last() {
            axpy(-beta, &self.basis[(k - 1) * n..k * n], &mut w);
        }
        let alpha = dot(q, &w);
        axpy(-alpha, q, &mut w);
        for _ in 0..2 {
            for q in self.basis.chunks_exact(n) {
                axpy(-dot(q, &w), q, &mut w);
            }
        }
        let beta = dot(&w, &w).sqrt();
        self.alpha.push(alpha);
        self.beta.push(beta);
        if beta > 0.0 && beta.is_finite() && alpha.is_finite() && k + 1 < n {
            self.basis.extend(w.iter().map(|x| x / beta));
        }
    }

    /// The newest basis vector: `q_{k+1}`, or `q_k` once complete.
    pub fn last_vector(&self) -> &[f64] {
        &self.basis[self.basis.len() - self.n..]
    }

    /// `true` if every product so far was finite.
    pub fn is_finite(&self) -> bool {
        self.alpha.iter().chain(&self.beta).all(|x| x.is_finite())
    }

    /// The Ritz value at `end` and its residual estimate, from `T_k`
    /// (no product). Needs a step taken, and finite products.
    pub fn estimate(&self, end: End) -> RitzEstimate {
        let k = self.steps();
        let last = self.beta[k - 1];
        let eigen = tridiagonal::eigen(&self.alpha, &self.beta[..k - 1], &[k - 1]);
        let pair = |i: usize| (eigen.values[i], last * eigen.rows[0][i].abs());
        let (wanted, neighbour) = match end {
            End::Smallest => (0, 1),
            End::Largest => (k - 1, k.wrapping_sub(2)),
        };
        let (value, residual) = pair(wanted);
        let radius = eigen.values[0].abs().max(eigen.values[k - 1].abs());
        RitzEstimate { value, residual, neighbour: (k >= 2).then(|| pair(neighbour)), radius }
    }

    /// The Ritz vector at `end`, `Q_k s`, of unit length.
    pub fn vector(&self, end: End) -> Vec<f64> {
        let (n, k) = (self.n, self.steps());
        let all_rows: Vec<usize> = (0..k).collect();
        let eigen = tridiagonal::eigen(&self.alpha, &self.beta[..k - 1], &all_rows);
        let column = if end == End::Smallest { 0 } else { k - 1 };
        let mut y = vec![0.0; n];
        for (q, row) in self.basis.chunks_exact(n).zip(&eigen.rows) {
            axpy(row[column], q, &mut y);
        }
        let length = dot(&y, &y).sqrt();
        y.iter_mut().for_each(|x| *x /= length);
        y
    }
}

pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `y += a x`.
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(y, x)| *y += a * x);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `diag(1, 2, …, n)`: the Ritz values approach 1 and n; after n steps
    /// they are the eigenvalues, and the process is complete.
    #[test]
    fn diagonal_operator() {
        let n = 30;
        let diagonal: Vec<f64> = (1..=n).map(|i| i as f64).collect();
        let times = |v: &[f64]| v.iter().zip(&diagonal).map(|(v, d)| v * d).collect::<Vec<_>>();
        let mut lanczos = Lanczos::new((0..n).map(|i| 1.0 + (i % 3) as f64).collect());
        while !lanczos.is_complete() {
            lanczos.step(times);
        }
        assert_eq!(lanczos.steps(), n);
        for (end, expected) in [(End::Smallest, 1.0), (End::Largest, n as f64)] {
            let estimate = lanczos.estimate(end);
            assert!((estimate.value - expected).abs() < 1e-12, "{end:?}: {estimate:?}");
            let y = lanczos.vector(end);
            let residual: f64 = times(&y).iter().zip(&y).map(|(ay, y)| (ay - expected * y).powi(2)).sum();
            assert!(residual.sqrt() < 1e-10, "{end:?}: residual {}", residual.sqrt());
        }
    }

    /// Two distinct eigenvalues: the Krylov space is invariant after two
    /// steps, so the Ritz values are exact and their residuals vanish (to
    /// rounding: what is left of the next direction is noise).
    #[test]
    fn invariant_subspace_gives_exact_ritz_values() {
        let times = |v: &[f64]| v.iter().enumerate().map(|(i, v)| if i < 3 { 5.0 * v } else { -1.0 * v }).collect();
        let mut lanczos = Lanczos::new(vec![1.0; 8]);
        lanczos.step(times);
        lanczos.step(times);
        for (end, expected, other) in [(End::Smallest, -1.0, 5.0), (End::Largest, 5.0, -1.0)] {
            let estimate = lanczos.estimate(end);
            let (neighbour, _) = estimate.neighbour.expect("two Ritz values");
            assert!((estimate.value - expected).abs() < 1e-14, "{end:?}: {estimate:?}");
            assert!((neighbour - other).abs() < 1e-14, "{end:?}: {estimate:?}");
            assert!(estimate.residual < 1e-14, "{end:?}: {estimate:?}");
        }
    }
}
