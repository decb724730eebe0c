//! Gradient checking: the tape's gradients against central finite
//! differences, in `f64`.

use std::fmt;

use super::{Tape, Var};
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
pub fn check_gradients<'t, F>(tape: &'t Tape<f64>, inputs: &[Tensor<f64>], eps: f64, f: F) -> GradCheck
where
    F: Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
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
    let mut shifted: Vec<Tensor<f64>> = inputs.to_vec();
    let checks = analytic
        .into_iter()
        .enumerate()
        .map(|(i, analytic)| {
            let mut numeric = Tensor::zeros(inputs[i].shape());
            for j in 0..inputs[i].len() {
                let x = inputs[i].data()[j];
                shifted[i].data_mut()[j] = x + eps;
                let (plus, _) = evaluate(&shifted, false);
                shifted[i].data_mut()[j] = x - eps;
                let (minus, _) = evaluate(&shifted, false);
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

/// Fixed weights in `[0.5, 1.5)` with alternating signs, one per output element.
fn output_weights(shape: &[usize]) -> Tensor<f64> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    Tensor::from_fn(shape, |i| {
        // xorshift64: deterministic and good enough to tell elements apart.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        sign * (0.5 + unit)
    })
}
