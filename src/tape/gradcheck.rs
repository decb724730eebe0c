//! Gradient checking: the tape's gradients, and its gradients of gradients,
//! against central finite differences, in `f64`.

use std::fmt;

use super::{Tape, Var, grad};
use crate::float::Float;
use crate::tensor::Tensor;

/// How far one input's analytic gradient is from the numerical one.
#[derive(Clone, Debug, PartialEq)]
pub struct InputCheck {
    /// Largest `|analytic - numeric|` over the input's elements.
    pub max_abs_error: f64,
    /// Largest `|analytic - numeric| / max(|analytic|, |numeric|)` over the
    /// elements where that denominator is at least `1e-6` (below it the
    /// absolute error is the meaningful figure).
    pub max_rel_error: f64,
    /// The analytic gradient.
    pub analytic: Tensor<f64>,
    /// The central-difference estimate.
    pub numeric: Tensor<f64>,
}

/// The result of [`check_gradients`]: one [`InputCheck`] per input.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheck {
    /// Per input, in the order given.
    pub inputs: Vec<InputCheck>,
}

impl GradCheck {
    /// Worst absolute error over all inputs.
    pub fn max_abs_error(&self) -> f64 {
        self.inputs.iter().map(|c| c.max_abs_error).fold(0.0, f64::max)
    }

    /// Worst relative error over all inputs.
    pub fn max_rel_error(&self) -> f64 {
        self.inputs.iter().map(|c| c.max_rel_error).fold(0.0, f64::max)
    }

    /// `true` if every element is within `abs_tol` absolutely or `rel_tol`
    /// relatively.
    pub fn passes(&self, abs_tol: f64, rel_tol: f64) -> bool {
        self.inputs.iter().all(|c| {
            c.analytic.data().iter().zip(c.numeric.data()).all(|(&a, &n)| {
                let abs = (a - n).abs();
                abs <= abs_tol || abs <= rel_tol * a.abs().max(n.abs())
            })
        })
    }
}

impl fmt::Display for GradCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.inputs.iter().enumerate() {
            writeln!(f, "input {i}: max abs error {:.3e}, max rel error {:.3e}", c.max_abs_error, c.max_rel_error)?;
        }
        Ok(())
    }
}

/// Checks the gradients of `f` at `inputs` by central finite differences.
///
/// `f` builds a graph on `tape` from one `var` per input and returns its
/// output, of any shape. The check reduces the output to the scalar
/// `Σ w ⊙ f(x)` with fixed pseudo-random weights `w` (so that a gradient
/// routed to the wrong output element is caught, which a plain sum would
/// miss), and compares the tape's gradient of that scalar with
/// `(L(x + εe) - L(x - εe)) / 2ε` for every element of every input.
///
/// Each evaluation is recorded on `tape` and rolled back afterwards, so the
/// tape ends as it started (gradients computed on it earlier can no longer
/// be looked up). The caller provides the tape so that `f` may use values
/// that live shorter than `'static`, such as a model:
///
/// ```
/// use tapegrad::nn::{Activation, Mlp, Module};
/// use tapegrad::{Tape, Tensor, check_gradients};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let model = Mlp::<f64>::new(&[3, 4, 1], Activation::Tanh, &mut rng);
/// let x = Tensor::randn([2, 3], &mut rng);
/// let report = check_gradients(&Tape::new(), &[x], 1e-6, |_, v| model.forward(v[0]));
/// assert!(report.passes(1e-8, 1e-6), "{report}");
/// ```
///
/// # Panics
/// If `eps` is not finite and above 0 (the differences divide by `2ε`; at
/// 0 every numerical derivative would be `0 / 0`).
#[track_caller]
pub fn check_gradients<'t, F>(tape: &'t Tape<f64>, inputs: &[Tensor<f64>], eps: f64, f: F) -> GradCheck
where
    F: Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    check_step("check_gradients", eps);
    let start = tape.len();
    // The scalar the check differentiates, and optionally its gradients.
    let evaluate = |values: &[Tensor<f64>], want_grads: bool| -> (f64, Vec<Tensor<f64>>) {
        let vars: Vec<Var<'t, f64>> = values.iter().map(|v| tape.var(v.clone())).collect();
        let out = f(tape, &vars);
        let weights = output_weights(&out.shape());
        let loss: f64 = out.value().data().iter().zip(weights.data()).map(|(y, w)| y * w).sum();
        let grads = if want_grads {
            let g = out.backward_with(&weights);
            vars.iter().map(|&v| g.wrt(v).clone()).collect()
        } else {
            Vec::new()
        };
        tape.truncate(start);
        (loss, grads)
    };
    let (_, analytic) = evaluate(inputs, true);
    compare(inputs, eps, analytic, |values| evaluate(values, false).0)
}

/// Checks the second derivatives of `f` at `inputs`: the derivative of the
/// tape's differentiable gradient ([`grad`] with `create_graph`) against
/// central finite differences of its ordinary first gradients (the fast
/// sweep, [`Var::backward_with`]), in `f64`.
///
/// As in [`check_gradients`], the output is reduced to `L(x, w) = Σ w ⊙ f(x)`
/// with fixed weights `w`; each input `x_i` gets a fixed pseudo-random
/// direction `u_i`, and the function checked is
/// `h(x, w) = Σ_i ⟨∂L/∂x_i, u_i⟩`. Its gradient with respect to the inputs
/// is `H u`, the Hessian of `L` times `u`; its gradient with respect to `w`
/// is `J u`, the Jacobian of `f` times `u`. The report has one entry per
/// input (`H u` in that input's shape) and one more, last, for `w` (shaped
/// like the output): that one checks each backward rule as a function of
/// the gradient it is handed, not only of the op's inputs.
///
/// The tape is rolled back after each evaluation, as in [`check_gradients`].
///
/// ```
/// use tapegrad::{Tape, Tensor, check_second_order};
/// let x = Tensor::from_vec(vec![0.3, -1.2, 0.7], [3]);
/// let report = check_second_order(&Tape::new(), &[x], 1e-5, |_, v| (v[0] * v[0]).tanh());
/// assert_eq!(report.inputs.len(), 2); // H u for x, then J u for the weights
/// assert!(report.passes(1e-8, 1e-6), "{report}");
/// ```
///
/// # Panics
/// If `f` returns a value on another tape, or `eps` is not finite and
/// above 0 (as in [`check_gradients`]).
#[track_caller]
pub fn check_second_order<'t, F>(tape: &'t Tape<f64>, inputs: &[Tensor<f64>], eps: f64, f: F) -> GradCheck
where
    F: Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    check_step("check_second_order", eps);
    let start = tape.len();
    let directions: Vec<Tensor<f64>> =
        inputs.iter().enumerate().map(|(i, x)| fixed_weights(x.shape(), direction_seed(i))).collect();
    // The gradient of `h` by the tape: record the first gradients as a
    // graph, then sweep backward from `h`.
    let (weights, analytic) = {
        let vars: Vec<Var<'t, f64>> = inputs.iter().map(|x| tape.var(x.clone())).collect();
        let out = f(tape, &vars);
        let weights = output_weights(&out.shape());
        let w = tape.var(weights.clone());
        let first = grad((out * w).sum(), &vars, true);
        let terms = first.iter().zip(&directions).map(|(&g, u)| (g * tape.constant(u.clone())).sum());
        let h = terms.reduce(|a, b| a + b).unwrap_or_else(|| tape.constant(Tensor::scalar(0.0)));
        let second = h.backward();
        let analytic =
            vars.iter().chain([&w]).map(|&v| second.get(v).cloned().unwrap_or_else(|| Tensor::zeros(v.shape())));
        let analytic = analytic.collect();
        tape.truncate(start);
        (weights, analytic)
    };
    // `h` by the fast sweep, at the inputs and weights in `values`.
    let h = |values: &[Tensor<f64>]| -> f64 {
        let (xs, w) = values.split_at(inputs.len());
        let vars: Vec<Var<'t, f64>> = xs.iter().map(|x| tape.var(x.clone())).collect();
        let grads = f(tape, &vars).backward_with(&w[0]);
        let h = vars.iter().zip(&directions).map(|(&v, u)| dot(grads.wrt(v), u)).sum();
        tape.truncate(start);
        h
    };
    let mut points = inputs.to_vec();
    points.push(weights);
    compare(&points, eps, analytic, h)
}

/// Panics unless the finite-difference step `eps` is finite and above 0.
#[track_caller]
fn check_step(what: &str, eps: f64) {
    assert!(eps.is_finite() && eps > 0.0, "{what}: the step eps must be finite and > 0, got {eps}");
}

/// Compares `analytic[i]` with the central differences of `scalar` in every
/// element of `inputs[i]`.
fn compare(
    inputs: &[Tensor<f64>],
    eps: f64,
    analytic: Vec<Tensor<f64>>,
    mut scalar: impl FnMut(&[Tensor<f64>]) -> f64,
) -> GradCheck {
    let mut shifted: Vec<Tensor<f64>> = inputs.to_vec();
    let checks = analytic
        .into_iter()
        .enumerate()
        .map(|(i, analytic)| {
            let mut numeric = Tensor::zeros(inputs[i].shape());
            for j in 0..inputs[i].len() {
                let x = inputs[i].data()[j];
                shifted[i].data_mut()[j] = x + eps;
                let plus = scalar(&shifted);
                shifted[i].data_mut()[j] = x - eps;
                let minus = scalar(&shifted);
                shifted[i].data_mut()[j] = x;
                numeric.data_mut()[j] = (plus - minus) / (2.0 * eps);
            }
            let mut max_abs_error: f64 = 0.0;
            let mut max_rel_error: f64 = 0.0;
            for (&a, &n) in analytic.data().iter().zip(numeric.data()) {
                let abs = (a - n).abs();
                // NaN must not hide behind f64::max.
                max_abs_error = if abs.is_nan() { f64::NAN } else { max_abs_error.max(abs) };
                let scale = a.abs().max(n.abs());
                if scale >= 1e-6 || abs.is_nan() {
                    let rel = abs / scale;
                    max_rel_error = if rel.is_nan() { f64::NAN } else { max_rel_error.max(rel) };
                }
            }
            InputCheck { max_abs_error, max_rel_error, analytic, numeric }
        })
        .collect();
    GradCheck { inputs: checks }
}

fn dot(a: &Tensor<f64>, b: &Tensor<f64>) -> f64 {
    a.data().iter().zip(b.data()).map(|(x, y)| x * y).sum()
}

/// The seed of [`output_weights`].
const OUTPUT_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// The seed of [`check_second_order`]'s direction for input `i`: seeds far
/// apart, since xorshift's first values from nearby seeds are alike.
pub(super) fn direction_seed(i: usize) -> u64 {
    (i as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

/// The weights the checks reduce an output of this shape with.
fn output_weights(shape: &[usize]) -> Tensor<f64> {
    fixed_weights(shape, OUTPUT_SEED)
}

/// Fixed pseudo-random values in `[0.5, 1.5)` with alternating signs, one
/// per element, the same for the same `seed`: weights that tell elements
/// apart, and starting vectors that are almost surely not orthogonal to
/// any given direction.
pub(super) fn fixed_weights<T: Float>(shape: &[usize], seed: u64) -> Tensor<T> {
    // xorshift64 (whose state must not be 0): deterministic and good enough
    // to tell elements apart.
    let mut state: u64 = seed.max(1);
    Tensor::from_fn(shape, |i| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        T::from_f64(sign * (0.5 + unit))
    })
}
