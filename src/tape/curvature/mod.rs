//! Curvature: Hessian-vector products, Hessians, Jacobians and the extreme
//! eigenvalues of a Hessian. All are built on the differentiable backward
//! sweep ([`grad`] with `create_graph`): the first gradients are recorded
//! as a graph once, and each product with the Hessian is one ordinary
//! backward sweep over it.
//!
//! Each function leaves the tape as it found it: what it records is rolled
//! back (`Tape::truncate`) before it returns, so it can be called in a
//! training loop without the tape growing.
//!
//! `mod.rs` holds the products, Hessians and Jacobians; `eigen.rs` the
//! eigenvalue searches' public side, which runs `search.rs` (when to stop,
//! the budget, the error bound) on `lanczos.rs` (the Krylov process) and
//! `tridiagonal.rs` (the eigenvalues of the small matrix Lanczos reduces
//! the Hessian to). The last three work on `f64` vectors and know no tape.

mod eigen;
mod lanczos;
mod search;
mod tridiagonal;

pub use eigen::{Eigenpair, hessian_max_eigenvalue, hessian_min_eigenvalue};

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
/// vectors differ, if a vector's shape differs from its input's, or if an
/// input belongs to another tape.
#[track_caller]
pub fn hvp<'t, T: Float>(output: Var<'t, T>, inputs: &[Var<'t, T>], vectors: &[Tensor<T>]) -> Vec<Tensor<T>> {
    check_vectors("hvp", inputs, vectors);
    let products = HessianProducts::record("hvp", output, inputs);
    let hv = products.times(vectors, &mut Gradients::new());
    products.roll_back();
    hv
}

/// The Hessian of the one-element `output`, already recorded, with respect
/// to all of `inputs` together: an `[n, n]` matrix, `n` their total number
/// of elements (each input flattened in row-major order, the inputs one
/// after the other). Row `k` is one backward sweep, so this is for small
/// inputs; for a network's parameters, take products ([`hvp`]) or the
/// extreme eigenvalues ([`hessian_max_eigenvalue`]) instead.
///
/// The inputs may be any variables the output was computed from, among
/// them parameters bound with [`Tape::param`]; an input the output does
/// not depend on has rows and columns of zeros. [`hessian`] is the same
/// for a function given as a closure.
///
/// ```
/// use tapegrad::{Param, Tape, Tensor, hessian_of};
/// let w = Param::new("w", Tensor::<f64>::from_vec(vec![1.0, 2.0], [2]));
/// let tape = Tape::new();
/// let p = tape.param(&w);
/// let loss = (p * p * p).sum(); // Σ w³: Hessian diag(6 w)
/// assert_eq!(hessian_of(loss, &[p]).data(), &[6.0, 0.0, 0.0, 12.0]);
/// ```
///
/// # Panics
/// If `output` has more than one element, or an input belongs to another
/// tape.
#[track_caller]
pub fn hessian_of<'t, T: Float>(output: Var<'t, T>, inputs: &[Var<'t, T>]) -> Tensor<T> {
    hessian_matrix("hessian_of", output, inputs)
}

/// The Hessian of the one-element output of `f` with respect to all of
/// `inputs` together, as [`hessian_of`] gives it: `f` builds the function
/// on `tape` from one variable per input, as in
/// [`check_gradients`](crate::check_gradients), so it may borrow a model.
/// (PyTorch's `hessian` and JAX's return `shape ++ shape` for one input;
/// reshape this one to that if needed.)
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
#[track_caller]
pub fn hessian<'t, T: Float, F>(tape: &'t Tape<T>, inputs: &[Tensor<T>], f: F) -> Tensor<T>
where
    F: FnOnce(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    let (start, vars, output) = record(tape, inputs, f);
    let h = hessian_matrix("hessian", output, &vars);
    tape.truncate(start);
    h
}

/// The Jacobian of `output`, already recorded, with respect to all of
/// `inputs` together: an `[m, n]` matrix, `m` the output's number of
/// elements and `n` the inputs' (both flattened in row-major order, the
/// inputs one after the other). Row `k` is the gradient of output element
/// `k`: it takes `m` backward sweeps.
///
/// The inputs may be any variables the output was computed from, among
/// them parameters bound with [`Tape::param`]; an input the output does
/// not depend on has columns of zeros. [`jacobian`] is the same for a
/// function given as a closure.
///
/// ```
/// use tapegrad::{Param, Tape, Tensor, jacobian_of};
/// let w = Param::new("w", Tensor::<f64>::from_vec(vec![2.0, 3.0], [2]));
/// let tape = Tape::new();
/// let p = tape.param(&w);
/// let y = p * p; // ∂y_i/∂w_j = 2 w_i δ_ij
/// assert_eq!(jacobian_of(y, &[p]).data(), &[4.0, 0.0, 0.0, 6.0]);
/// ```
///
/// # Panics
/// If an input belongs to another tape.
#[track_caller]
pub fn jacobian_of<'t, T: Float>(output: Var<'t, T>, inputs: &[Var<'t, T>]) -> Tensor<T> {
    check_same_tape("jacobian_of", output, inputs);
    let m = output.shape().iter().product();
    let n = total_len(inputs);
    Tensor::from_vec(gradient_rows((0..m).map(|k| (output, k)), inputs), [m, n])
}

/// The Jacobian of the output of `f` with respect to all of `inputs`
/// together, as [`jacobian_of`] gives it: `f` builds the function on `tape`
/// from one variable per input.
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
    let j = jacobian_of(output, &vars);
    tape.truncate(start);
    j
}

/// The Hessian of `output` with respect to `inputs`, one row per backward
/// sweep over the recorded first gradients, which are then rolled back.
#[track_caller]
fn hessian_matrix<'t, T: Float>(name: &str, output: Var<'t, T>, inputs: &[Var<'t, T>]) -> Tensor<T> {
    let products = HessianProducts::record(name, output, inputs);
    // Row k of H is the gradient of the k-th element of the gradient.
    let rows = products.first.iter().flat_map(|&g| (0..g.shape().iter().product()).map(move |k| (g, k)));
    let n = total_len(inputs);
    let h = gradient_rows(rows, inputs);
    products.roll_back();
    Tensor::from_vec(h, [n, n])
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

/// The first gradients of an output, recorded once as a graph, and the tape
/// length to roll back to.
struct HessianProducts<'t, T: Float> {
    tape: &'t Tape<T>,
    start: usize,
    inputs: Vec<Var<'t, T>>,
    first: Vec<Var<'t, T>>,
}

impl<'t, T: Float> HessianProducts<'t, T> {
    #[track_caller]
    fn record(name: &str, output: Var<'t, T>, inputs: &[Var<'t, T>]) -> Self {
        check_same_tape(name, output, inputs);
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

/// The inputs' total number of elements.
fn total_len<T: Float>(inputs: &[Var<'_, T>]) -> usize {
    inputs.iter().map(|x| x.shape().iter().product::<usize>()).sum()
}

/// `output`, checked to have one element.
#[track_caller]
fn checked_scalar<'t, T: Float>(name: &str, output: Var<'t, T>) -> Var<'t, T> {
    let shape = output.shape();
    assert!(shape.iter().product::<usize>() == 1, "{name}: the output has shape {shape:?}; it needs one element");
    output
}

/// Checks that every input is on the output's tape.
#[track_caller]
fn check_same_tape<T: Float>(name: &str, output: Var<'_, T>, inputs: &[Var<'_, T>]) {
    if let Some(i) = inputs.iter().position(|x| !std::ptr::eq(x.tape(), output.tape())) {
        panic!("{name}: input {i} belongs to another tape than the output");
    }
}

/// Checks that `vectors` has one tensor per input, shaped like it.
#[track_caller]
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
