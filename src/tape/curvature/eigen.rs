//! The extreme eigenvalues of a Hessian, by the Lanczos process on
//! Hessian-vector products, each answer measured with one last product.

use super::lanczos::End;
use super::search::{Operator, search};
use super::{HessianProducts, total_len};
use crate::float::Float;
use crate::tape::gradcheck::{direction_seed, fixed_weights};
use crate::tape::{Gradients, Var};
use crate::tensor::Tensor;

/// An eigenvalue at one end of a Hessian's spectrum, its eigenvector, and
/// how far the value can be from the true eigenvalue.
///
/// `value` is the Rayleigh quotient `λ = vᵀ H v` of the unit vector `v`
/// (`vector`), and `residual` is `|r|` with `r = H v - λ v`, both measured
/// with a last Hessian-vector product of `v` itself (not estimated). For a
/// symmetric `H`, with `v = Σ c_i u_i` in its eigenvectors:
///
/// * `value` never passes the end it approaches: `λ >= λ_min` (for the
///   smallest) and `λ <= λ_max` (for the largest), since `λ = Σ c_i² λ_i`
///   is an average of eigenvalues.
/// * Some eigenvalue lies within `residual` of `value`, unconditionally:
///   `|r|² = Σ c_i² (λ_i - λ)² >= min_i (λ_i - λ)²`.
/// * If the next eigenvalue lies at least `gap` beyond `value`, the end
///   eigenvalue lies within `|r|² / gap` of it (Kato-Temple): for the
///   smallest, with `α <= λ_2` and `gap = α - λ`, every term of
///   `vᵀ (H - λ_min)(H - α) v = Σ c_i² (λ_i - λ_min)(λ_i - α)` is `>= 0`,
///   and the sum is `|r|² - (λ - λ_min)(α - λ)`, so
///   `λ - λ_min <= |r|² / gap`. This is the sharper bound: the value's
///   error is of the order of the residual squared, while the vector's
///   angle to the eigenvector is only `<= |r| / gap`.
///
/// The gap is estimated from the Lanczos process: the distance from
/// `value` to the next Ritz value (which by interlacing lies beyond the
/// next eigenvalue), less that Ritz value's residual (an eigenvalue lies
/// within it). It is a true gap once the search has told the end
/// eigenvalue apart from the rest. Lanczos's polynomials grow fastest at
/// the ends of the spectrum, so an eigenvalue beyond `value` shows in the
/// Krylov space long before a search converges (its residual is then far
/// below the gap); but early in a search, with a small budget, one may not
/// have shown yet, and an unconverged `error_bound` is an estimate, not a
/// bound. Nor does any bound see an eigenvector orthogonal to the
/// pseudo-random start vector.
///
/// Those are statements about the products as computed. The products
/// themselves carry `T`'s rounding, which no product can reveal: modelled
/// as a matrix-vector product's (each element within `ε` of `|H| |v|`),
/// it moves an eigenvalue by at most `ε |H|_F <= √n ε |H|_2` (Weyl), with
/// `ε` the machine epsilon of `T` (`1.2e-7` for `f32`, `2.2e-16` for `f64`)
/// and `n` the inputs' number of elements. `error_bound` adds that term,
/// with `|H|_2` estimated by the largest magnitude of a Ritz value.
#[derive(Clone, Debug, PartialEq)]
pub struct Eigenpair<T: Float = f32> {
    /// The eigenvalue: the Rayleigh quotient `vᵀ H v` at `vector`.
    pub value: f64,
    /// The eigenvector, of unit norm over all inputs together (to `T`'s
    /// rounding), in one piece per input, shaped like it.
    pub vector: Vec<Tensor<T>>,
    /// `|H v - value v|`, measured: an eigenvalue lies within it.
    pub residual: f64,
    /// The estimated distance from `value` to the rest of the spectrum;
    /// `None` if the search saw nothing beyond the residual.
    pub gap: Option<f64>,
    /// The bound on `|value - λ|` for the eigenvalue `λ` at the end
    /// searched: `residual² / gap` (or `residual`, when that is smaller or
    /// there is no gap), plus `√n ε |H|` for the products' rounding.
    pub error_bound: f64,
    /// How many Hessian-vector products the whole call took, the last one
    /// (which measured `residual`) included.
    pub products: usize,
    /// Whether `error_bound <= tolerance · |value|` after at least 10
    /// Lanczos steps, or all of them (see [`hessian_max_eigenvalue`]).
    pub converged: bool,
}

/// The largest (most positive) eigenvalue of the Hessian of the one-element
/// `output` with respect to `inputs` (together), with its eigenvector: the
/// *sharpness* of a loss when the inputs are a network's parameters (bound
/// with [`Tape::param`](crate::Tape::param) or any variables).
///
/// The Lanczos process with full reorthogonalisation, from a fixed
/// pseudo-random start: after `k` Hessian-vector products it has the best
/// approximation to the end of the spectrum that any polynomial of degree
/// `k` in `H` gives, where power iteration has only `H^k`. After at least
/// 10 steps (or `n`, the inputs' number of elements, if fewer: an
/// eigenvalue the start vector barely touches needs a few steps to show),
/// it stops when the Ritz value's error bound, which the process gives
/// without a product, reaches the tolerance; then one last product of the
/// eigenvector measures the residual and sets the fields of [`Eigenpair`].
///
/// * `max_products` is the budget of Hessian-vector products for the whole
///   call, the last (measuring) one included: at least 2, and at least 11
///   for a result that can be `converged` when `n > 10`. The search never
///   needs more than `n + 1`, since `n` Lanczos vectors span the space.
/// * `tolerance` is relative, on the eigenvalue: the search stops, with
///   `converged`, when `error_bound <= tolerance · |value|`. It also stops
///   when the rounding term dominates the bound, since further products
///   cannot lower it; `converged` is then false if the tolerance is below
///   what `T` can give (`√n ε |H| / |value|`: 2e-6 for 337 parameters in
///   `f32` at the largest eigenvalue). An eigenvalue of exactly 0 never
///   converges: there is no relative error to meet.
///
/// The first gradients are recorded once; each product is one backward
/// sweep over them, rolled back afterwards, so the tape does not grow. The
/// process keeps every Lanczos vector: one `f64` per input element per
/// product. If a product is not finite (a loss or gradient that is NaN or
/// infinite), the search stops with `value` NaN and `converged` false.
///
/// ```
/// use tapegrad::{Tape, Tensor, hessian_max_eigenvalue};
/// let tape = Tape::<f64>::new();
/// let p = tape.var(Tensor::from_vec(vec![1.0, 1.0], [2]));
/// let scale = tape.constant(Tensor::from_vec(vec![0.5, 5.0], [2]));
/// let f = (p * p * scale).sum(); // Hessian diag(1, 10)
/// let top = hessian_max_eigenvalue(f, &[p], 100, 1e-9);
/// assert!(top.converged && (top.value - 10.0).abs() <= top.error_bound + 1e-12);
/// assert!(top.vector[0].data()[1].abs() > 0.999_999); // along y
/// assert_eq!(top.products, 3); // two Lanczos steps span the space; one to measure
/// ```
///
/// # Panics
/// If `output` has more than one element, the inputs have no elements (a
/// Hessian of size 0 has no eigenvalue), an input belongs to another tape,
/// `max_products` is below 2, or `tolerance` is negative or not finite.
#[track_caller]
pub fn hessian_max_eigenvalue<'t, T: Float>(
    output: Var<'t, T>,
    inputs: &[Var<'t, T>],
    max_products: usize,
    tolerance: f64,
) -> Eigenpair<T> {
    extreme_eigenvalue("hessian_max_eigenvalue", output, inputs, max_products, tolerance, End::Largest)
}

/// The smallest (most negative) eigenvalue of the Hessian of the
/// one-element `output` with respect to `inputs`, with its eigenvector: a
/// negative one means a saddle, or a maximum, not a minimum.
///
/// The same search as [`hessian_max_eigenvalue`], for the other end of the
/// spectrum; the budget and the tolerance mean the same.
///
/// ```
/// use tapegrad::{Tape, Tensor, hessian_min_eigenvalue};
/// let tape = Tape::<f64>::new();
/// let p = tape.var(Tensor::from_vec(vec![0.0, 0.0], [2]));
/// let scale = tape.constant(Tensor::from_vec(vec![1.5, -0.5], [2]));
/// let f = (p * p * scale).sum(); // 1.5 x² - 0.5 y²: a saddle, Hessian diag(3, -1)
/// let bottom = hessian_min_eigenvalue(f, &[p], 200, 1e-9);
/// assert!(bottom.converged && (bottom.value + 1.0).abs() < 1e-12);
/// ```
///
/// # Panics
/// As [`hessian_max_eigenvalue`].
#[track_caller]
pub fn hessian_min_eigenvalue<'t, T: Float>(
    output: Var<'t, T>,
    inputs: &[Var<'t, T>],
    max_products: usize,
    tolerance: f64,
) -> Eigenpair<T> {
    extreme_eigenvalue("hessian_min_eigenvalue", output, inputs, max_products, tolerance, End::Smallest)
}

#[track_caller]
fn extreme_eigenvalue<'t, T: Float>(
    name: &str,
    output: Var<'t, T>,
    inputs: &[Var<'t, T>],
    max_products: usize,
    tolerance: f64,
    end: End,
) -> Eigenpair<T> {
    assert!(
        max_products >= 2,
        "{name}: max_products is {max_products}; it needs at least 2 (a Lanczos step and the product that measures \
         the residual)"
    );
    assert!(tolerance.is_finite() && tolerance >= 0.0, "{name}: tolerance must be finite and >= 0, got {tolerance}");
    let shapes: Vec<Vec<usize>> = inputs.iter().map(|x| x.shape().to_vec()).collect();
    assert!(
        total_len(inputs) > 0,
        "{name}: the inputs have no elements ({} inputs, shapes {shapes:?}); a Hessian of size 0 has no eigenvalue",
        inputs.len()
    );
    let products = HessianProducts::record(name, output, inputs);
    let mut hessian = Hessian { products: &products, shapes, scratch: Gradients::new() };
    let start = hessian.shapes.iter().enumerate().map(|(i, shape)| fixed_weights::<f64>(shape, direction_seed(i)));
    let start: Vec<f64> = start.flat_map(|t| t.data().to_vec()).collect();
    let found = search(&mut hessian, start, end, max_products, tolerance);
    let vector = hessian.pieces(&found.vector);
    products.roll_back();
    let (value, residual, gap, error_bound) = (found.value, found.residual, found.gap, found.error_bound);
    Eigenpair { value, vector, residual, gap, error_bound, products: found.products, converged: found.converged }
}

/// The Hessian as the search sees it: products of flat `f64` vectors,
/// through tensors of the inputs' element type and shapes.
struct Hessian<'p, 't, T: Float> {
    products: &'p HessianProducts<'t, T>,
    shapes: Vec<Vec<usize>>,
    scratch: Gradients<T>,
}

impl<T: Float> Hessian<'_, '_, T> {
    /// A flat vector cut into tensors shaped like the inputs.
    fn pieces(&self, v: &[f64]) -> Vec<Tensor<T>> {
        let mut rest = v;
        let pieces = self.shapes.iter().map(|shape| {
            let (piece, tail) = rest.split_at(shape.iter().product());
            rest = tail;
            Tensor::from_vec(piece.iter().map(|&x| T::from_f64(x)).collect(), shape.as_slice())
        });
        pieces.collect()
    }
}

impl<T: Float> Operator for Hessian<'_, '_, T> {
    fn times(&mut self, v: &[f64]) -> Vec<f64> {
        let hv = self.products.times(&self.pieces(v), &mut self.scratch);
        hv.iter().flat_map(|t| t.data().iter().map(|x| x.to_f64())).collect()
    }

    fn round(&self, v: &[f64]) -> Vec<f64> {
        v.iter().map(|&x| T::from_f64(x).to_f64()).collect()
    }

    fn epsilon(&self) -> f64 {
        let mut epsilon = 1.0;
        while T::from_f64(1.0 + epsilon / 2.0) != T::ONE {
            epsilon /= 2.0;
        }
        epsilon
    }
}
