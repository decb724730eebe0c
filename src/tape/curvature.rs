//! Curvature: Hessian-vector products, Hessians, Jacobians and the extreme
//! eigenvalues of a Hessian. All are built on the differentiable backward
//! sweep ([`grad`] with `create_graph`): the first gradients are recorded
//! as a graph once, and each product with the Hessian is one ordinary
//! backward sweep over it.
//!
//! Each function leaves the tape as it found it: what it records is rolled
//! back (`Tape::truncate`) before it returns, so it can be called in a
//! training loop without the tape growing.

use super::gradcheck::{direction_seed, fixed_weights};
use super::{Gradients, Tape, Var, grad};
use crate::float::Float;
use crate::tensor::Tensor;

/// The Hessian-vector product: `H v`, where `H` is the Hessian of the
/// one-element `output` with respect to `inputs` (all of them together) and
/// `vectors` holds one tensor per input, shaped like it. Returns `H v` in
/// the same pieces (PyTorch's `torch.autograd.functional.hvp`).
///
/// It costs about two backward sweeps and never forms `H`, so it works for
/// every parameter of a network at once.
///
/// ```
/// use tapegrad::{Tape, Tensor, hvp};
/// let tape = Tape::<f64>::new();
/// let x = tape.var(Tensor::from_vec(vec![1.0, 2.0], [2]));
/// let f = (x * x * x).sum(); // Hessian diag(6 x) = diag(6, 12)
/// let hv = hvp(f, &[x], &[Tensor::from_vec(vec![1.0, 1.0], [2])]);
/// assert_eq!(hv[0].data(), &[6.0, 12.0]);
/// ```
///
/// # Panics
/// If `output` has more than one element, if the numbers of inputs and
/// vectors differ, or if a vector's shape differs from its input's.
pub fn hvp<'t, T: Float>(output: Var<'t, T>, inputs: &[Var<'t, T>], vectors: &[Tensor<T>]) -> Vec<Tensor<T>> {
    check_vectors("hvp", inputs, vectors);
    let products = HessianProducts::record("hvp", output, inputs);
    let hv = products.times(vectors, &mut Gradients::new());
    products.roll_back();
    hv
}

/// The Hessian of the one-element output of `f` with respect to all of
/// `inputs` together, as an `[n, n]` matrix where `n` is their total number
/// of elements (each input flattened in row-major order, the inputs one
/// after the other). Meant for small inputs: it takes `n` backward sweeps.
/// (PyTorch's `hessian` and JAX's return `shape ++ shape` for one input;
/// reshape this one to that if needed.)
///
/// `f` builds the function on `tape` from one variable per input, as in
/// [`check_gradients`](crate::check_gradients), so it may borrow a model.
///
/// ```
/// use tapegrad::{Tape, Tensor, hessian};
/// // Rosenbrock's function at its minimum (1, 1).
/// let point = [Tensor::scalar(1.0), Tensor::scalar(1.0)];
/// let h = hessian(&Tape::<f64>::new(), &point, |_, v| {
///     let (x, y) = (v[0], v[1]);
///     (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x)
/// });
/// assert_eq!(h.shape(), &[2, 2]);
/// assert_eq!(h.data(), &[802.0, -400.0, -400.0, 200.0]);
/// ```
///
/// # Panics
/// If the output of `f` has more than one element.
pub fn hessian<'t, T: Float, F>(tape: &'t Tape<T>, inputs: &[Tensor<T>], f: F) -> Tensor<T>
where
    F: FnOnce(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    let (start, vars, output) = record(tape, inputs, f);
    let first = grad(checked_scalar("hessian", output), &vars, true);
    // Row k of H is the gradient of the k-th element of the gradient.
    let rows = first.iter().flat_map(|&g| (0..g.shape().iter().product()).map(move |k| (g, k)));
    let n = inputs.iter().map(Tensor::len).sum();
    let h = gradient_rows(rows, &vars);
    tape.truncate(start);
    Tensor::from_vec(h, [n, n])
}

/// The Jacobian of the output of `f` with respect to all of `inputs`
/// together: an `[m, n]` matrix, `m` the output's number of elements and `n`
/// the inputs' (both flattened in row-major order, the inputs one after the
/// other). Row `k` is the gradient of output element `k`: it takes `m`
/// backward sweeps.
///
/// ```
/// use tapegrad::{Tape, Tensor, jacobian};
/// // f(x) = x · Σx, so ∂f_i/∂x_j = δ_ij Σx + x_i; at x = (2, 3): [[7, 2], [3, 8]].
/// let x = Tensor::from_vec(vec![2.0, 3.0], [2]);
/// let j = jacobian(&Tape::<f64>::new(), &[x], |_, v| v[0] * v[0].sum());
/// assert_eq!(j.shape(), &[2, 2]);
/// assert_eq!(j.data(), &[7.0, 2.0, 3.0, 8.0]);
/// ```
pub fn jacobian<'t, T: Float, F>(tape: &'t Tape<T>, inputs: &[Tensor<T>], f: F) -> Tensor<T>
where
    F: FnOnce(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    let (start, vars, output) = record(tape, inputs, f);
    let m = output.shape().iter().product();
    let n = inputs.iter().map(Tensor::len).sum();
    let j = gradient_rows((0..m).map(|k| (output, k)), &vars);
    tape.truncate(start);
    Tensor::from_vec(j, [m, n])
}

/// For each `(value, k)`, the gradient of element `k` of `value` with
/// respect to `vars`, flattened into one row; the rows one after the other.
fn gradient_rows<'t, T: Float>(rows: impl Iterator<Item = (Var<'t, T>, usize)>, vars: &[Var<'t, T>]) -> Vec<T> {
    let mut matrix = Vec::new();
    for (value, k) in rows {
        let mut seed = Tensor::zeros(value.shape());
        seed.data_mut()[k] = T::ONE;
        let grads = value.backward_with(&seed);
        for &v in vars {
            match grads.get(v) {
                Some(g) => matrix.extend_from_slice(g.data()),
                None => matrix.resize(matrix.len() + v.shape().iter().product::<usize>(), T::ZERO),
            }
        }
    }
    matrix
}

/// An eigenvalue of a Hessian and its eigenvector, found by power
/// iteration on Hessian-vector products.
#[derive(Clone, Debug, PartialEq)]
pub struct Eigenpair<T: Float = f32> {
    /// The eigenvalue: the Rayleigh quotient `vᵀ H v` at `vector`.
    pub value: f64,
    /// The eigenvector, of unit norm over all inputs together, in one piece
    /// per input, shaped like it.
    pub vector: Vec<Tensor<T>>,
    /// How many Hessian-vector products it took.
    pub iterations: usize,
    /// Whether the estimate settled within the tolerance before the
    /// iterations ran out.
    pub converged: bool,
}

/// The largest (most positive) eigenvalue of the Hessian of the one-element
/// `output` with respect to `inputs` (together), with its eigenvector: the
/// *sharpness* of a loss when the inputs are a network's parameters.
///
/// Power iteration: `v ← H v / |H v|` from a fixed pseudo-random start,
/// until the residual `|H v - λ v|` is at most `tolerance · |λ|` (with `λ`
/// the Rayleigh quotient `vᵀ H v`), or for at most `max_iterations`
/// products. The first gradients are recorded once; each product is one
/// backward sweep over them, rolled back afterwards, so the tape does not
/// grow. Power iteration finds the eigenvalue of largest magnitude, and
/// converges like `|λ₂ / λ₁|^k`: slowly when the top two magnitudes are
/// close, not at all when they are equal (`1` and `-1`). So if that run
/// finds a negative eigenvalue `μ`, a second run on `H - μ I` (whose
/// eigenvalues are all `>= 0`) finds the largest; if it does not converge,
/// a second run on `H + ρ I`, `ρ` the largest `|H v|` seen (about the
/// spectral radius). Each run has `max_iterations`; `iterations` counts the
/// products of both.
///
/// ```
/// use tapegrad::{Tape, Tensor, hessian_max_eigenvalue};
/// let tape = Tape::<f64>::new();
/// let p = tape.var(Tensor::from_vec(vec![1.0, 1.0], [2]));
/// let scale = tape.constant(Tensor::from_vec(vec![0.5, 5.0], [2]));
/// let f = (p * p * scale).sum(); // Hessian diag(1, 10)
/// let top = hessian_max_eigenvalue(f, &[p], 100, 1e-9);
/// assert!((top.value - 10.0).abs() < 1e-9 && top.converged);
/// assert!(top.vector[0].data()[1].abs() > 0.999_999); // along y
/// ```
///
/// # Panics
/// If `output` has more than one element, `max_iterations` is 0, or
/// `tolerance` is negative or not finite.
pub fn hessian_max_eigenvalue<'t, T: Float>(
    output: Var<'t, T>,
    inputs: &[Var<'t, T>],
    max_iterations: usize,
    tolerance: f64,
) -> Eigenpair<T> {
    extreme_eigenvalue("hessian_max_eigenvalue", output, inputs, max_iterations, tolerance, Extreme::Max)
}

/// The smallest (most negative) eigenvalue of the Hessian of the
/// one-element `output` with respect to `inputs`, with its eigenvector: a
/// negative one means a saddle, or a maximum, not a minimum.
///
/// Power iteration as in [`hessian_max_eigenvalue`], shifted the other
/// way: if the eigenvalue of largest magnitude is a positive `μ`, a second
/// run on `H - μ I` (eigenvalues `λ_i - μ <= 0`) finds `λ_min - μ`.
///
/// ```
/// use tapegrad::{Tape, Tensor, hessian_min_eigenvalue};
/// let tape = Tape::<f64>::new();
/// let p = tape.var(Tensor::from_vec(vec![0.0, 0.0], [2]));
/// let scale = tape.constant(Tensor::from_vec(vec![1.5, -0.5], [2]));
/// let f = (p * p * scale).sum(); // 1.5 x² - 0.5 y²: a saddle, Hessian diag(3, -1)
/// let bottom = hessian_min_eigenvalue(f, &[p], 200, 1e-9);
/// assert!((bottom.value + 1.0).abs() < 1e-9 && bottom.converged);
/// ```
///
/// # Panics
/// As [`hessian_max_eigenvalue`].
pub fn hessian_min_eigenvalue<'t, T: Float>(
    output: Var<'t, T>,
    inputs: &[Var<'t, T>],
    max_iterations: usize,
    tolerance: f64,
) -> Eigenpair<T> {
    extreme_eigenvalue("hessian_min_eigenvalue", output, inputs, max_iterations, tolerance, Extreme::Min)
}

/// Which end of the spectrum.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Extreme {
    Max,
    Min,
}

fn extreme_eigenvalue<'t, T: Float>(
    name: &str,
    output: Var<'t, T>,
    inputs: &[Var<'t, T>],
    max_iterations: usize,
    tolerance: f64,
    end: Extreme,
) -> Eigenpair<T> {
    assert!(max_iterations > 0, "{name}: max_iterations must be at least 1");
    assert!(tolerance.is_finite() && tolerance >= 0.0, "{name}: tolerance must be finite and >= 0, got {tolerance}");
    let products = HessianProducts::record(name, output, inputs);
    let mut scratch = Gradients::new();
    let mut iterate = |shift: f64| power_iteration(&products, shift, max_iterations, tolerance, &mut scratch);
    let (dominant, radius) = iterate(0.0);
    // The dominant eigenvalue is the wanted end if its sign says so;
    // otherwise a shift makes the wanted end the dominant one.
    let shift = match (end, dominant.converged) {
        (Extreme::Max, true) if dominant.value >= 0.0 => None,
        (Extreme::Min, true) if dominant.value <= 0.0 => None,
        (_, true) => Some(dominant.value),
        (Extreme::Max, false) => Some(-radius),
        (Extreme::Min, false) => Some(radius),
    };
    let result = match shift {
        None => dominant,
        Some(shift) => {
            let (shifted, _) = iterate(shift);
            Eigenpair { iterations: dominant.iterations + shifted.iterations, ..shifted }
        }
    };
    products.roll_back();
    result
}

/// Power iteration on `H - shift I`. The eigenvalue returned is `H`'s; the
/// second value is the largest `|(H - shift I) v|` seen.
fn power_iteration<T: Float>(
    products: &HessianProducts<'_, T>,
    shift: f64,
    max_iterations: usize,
    tolerance: f64,
    scratch: &mut Gradients<T>,
) -> (Eigenpair<T>, f64) {
    let start = products.inputs.iter().enumerate().map(|(i, x)| fixed_weights(&x.shape(), direction_seed(i)));
    let mut v: Vec<Tensor<T>> = start.collect();
    let length = norm(&v);
    scale(&mut v, 1.0 / length);
    let mut radius: f64 = 0.0;
    for iteration in 1..=max_iterations {
        // w = (H - shift I) v, its Rayleigh quotient vᵀ w, and the residual w - quotient v.
        let mut w = products.times(&v, scratch);
        for (w, v) in w.iter_mut().zip(&v) {
            for (w, &v) in w.data_mut().iter_mut().zip(v.data()) {
                *w = T::from_f64(w.to_f64() - shift * v.to_f64());
            }
        }
        let quotient: f64 = w.iter().zip(&v).map(|(w, v)| dot(w, v)).sum();
        let residual = w.iter().zip(&v).map(|(w, v)| distance_squared(w, v, quotient)).sum::<f64>().sqrt();
        let length = norm(&w);
        radius = radius.max(length);
        let converged = residual <= tolerance * quotient.abs();
        if converged || !length.is_finite() || length == 0.0 || iteration == max_iterations {
            // A zero `w` is an exact eigenvector (the residual test passes).
            let pair = Eigenpair { value: quotient + shift, vector: v, iterations: iteration, converged };
            return (pair, radius);
        }
        scale(&mut w, 1.0 / length);
        v = w;
    }
    unreachable!("the loop returns at its last iteration")
}

/// The first gradients of an output, recorded once as a graph, and the tape
/// length to roll back to.
struct HessianProducts<'t, T: Float> {
    tape: &'t Tape<T>,
    start: usize,
    inputs: Vec<Var<'t, T>>,
    first: Vec<Var<'t, T>>,
}

impl<'t, T: Float> HessianProducts<'t, T> {
    fn record(name: &str, output: Var<'t, T>, inputs: &[Var<'t, T>]) -> Self {
        let tape = output.tape();
        let start = tape.len();
        let first = grad(checked_scalar(name, output), inputs, true);
        HessianProducts { tape, start, inputs: inputs.to_vec(), first }
    }

    /// `H v`: the gradient of `Σ_i ⟨g_i, v_i⟩` with respect to the inputs,
    /// swept into `scratch` (whose buffers are reused); the nodes it records
    /// are rolled back.
    fn times(&self, v: &[Tensor<T>], scratch: &mut Gradients<T>) -> Vec<Tensor<T>> {
        let len = self.tape.len();
        let terms = self.first.iter().zip(v).map(|(&g, v)| (g * self.tape.constant(v.clone())).sum());
        let total = terms.reduce(|a, b| a + b).unwrap_or_else(|| self.tape.constant(Tensor::scalar(T::ZERO)));
        total.backward_into(scratch);
        let hv = self.inputs.iter().map(|&x| scratch.get(x).cloned().unwrap_or_else(|| Tensor::zeros(x.shape())));
        let hv = hv.collect();
        self.tape.truncate(len);
        hv
    }

    /// Removes the recorded first gradients from the tape.
    fn roll_back(self) {
        self.tape.truncate(self.start);
    }
}

/// `output`, checked to have one element.
fn checked_scalar<'t, T: Float>(name: &str, output: Var<'t, T>) -> Var<'t, T> {
    let shape = output.shape();
    assert!(shape.iter().product::<usize>() == 1, "{name}: the output has shape {shape:?}; it needs one element");
    output
}

/// Checks that `vectors` has one tensor per input, shaped like it.
fn check_vectors<T: Float>(name: &str, inputs: &[Var<'_, T>], vectors: &[Tensor<T>]) {
    assert!(
        inputs.len() == vectors.len(),
        "{name}: {} vectors for {} inputs; give one per input",
        vectors.len(),
        inputs.len()
    );
    for (i, (x, v)) in inputs.iter().zip(vectors).enumerate() {
        let shape = x.shape();
        assert!(
            v.shape() == shape.as_slice(),
            "{name}: vector {i} has shape {:?} for an input of shape {shape:?}",
            v.shape()
        );
    }
}

fn dot<T: Float>(a: &Tensor<T>, b: &Tensor<T>) -> f64 {
    a.data().iter().zip(b.data()).map(|(x, y)| x.to_f64() * y.to_f64()).sum()
}

/// `|w - c v|²`.
fn distance_squared<T: Float>(w: &Tensor<T>, v: &Tensor<T>, c: f64) -> f64 {
    w.data().iter().zip(v.data()).map(|(w, v)| (w.to_f64() - c * v.to_f64()).powi(2)).sum()
}

/// The norm of the tensors together.
fn norm<T: Float>(v: &[Tensor<T>]) -> f64 {
    v.iter().map(|t| dot(t, t)).sum::<f64>().sqrt()
}

fn scale<T: Float>(v: &mut [Tensor<T>], factor: f64) {
    for t in v {
        t.data_mut().iter_mut().for_each(|x| *x = T::from_f64(x.to_f64() * factor));
    }
}

/// Records `f` on fresh variables holding `inputs`: where the tape stood
/// before (to truncate back to), the variables, and the output.
fn record<'t, T: Float, F>(tape: &'t Tape<T>, inputs: &[Tensor<T>], f: F) -> (usize, Vec<Var<'t, T>>, Var<'t, T>)
where
    F: FnOnce(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    let start = tape.len();
    let vars: Vec<Var<'t, T>> = inputs.iter().map(|x| tape.var(x.clone())).collect();
    let output = f(tape, &vars);
    (start, vars, output)
}
