//! Losses as fused ops: one node each, with a backward rule written for the
//! whole loss. Fusing is for numerics first: the composite forms overflow or
//! lose precision (`sigmoid` then `ln` gives `ln 0 = -inf` for a logit of
//! -1000; `softmax` then `ln` likewise), while these stay finite for any
//! finite input. It also saves the intermediate nodes of every training step.
//!
//! Every loss is a mean over its elements (over rows for cross-entropy), as
//! PyTorch's default `reduction="mean"`.

use super::loops::sum_zip;
use super::softmax::{Softmax, lane_max_and_log_sum_exp};
use super::{Arith, Graph, Kernel, Num, Op};
use crate::float::Float;
use crate::kernels::vectorize::vectorized;
use crate::shape::{Shape, numel};
use crate::tensor::Tensor;

/// A loss that is the mean over elements of `term(p, t)` of a prediction
/// and a same-shaped target. Its gradient with respect to either operand is
/// written once, over [`Arith`], and serves both backward paths.
pub(crate) trait MeanLoss: Copy {
    /// The name in listings and messages.
    const NAME: &'static str;
    /// One element's term.
    fn term<T: Float>(p: T, t: T) -> T;
    /// `∂ term / ∂ p` (`input` 0) or `∂ term / ∂ t` (`input` 1).
    fn grad<T: Float, A: Arith<T>>(input: usize, p: A, t: A) -> A;
}

impl<T: Float, L: MeanLoss> Kernel<T> for L {
    fn name(&self) -> String {
        L::NAME.into()
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (a, b) = (inputs[0], inputs[1]);
        assert!(a == b, "{}: prediction {a:?} and target {b:?} have different shapes", L::NAME);
        assert!(!a.is_empty() && numel(a) > 0, "{}: empty input of shape {a:?}", L::NAME);
        Shape::new()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let (p, t) = (inputs[0].data(), inputs[1].data());
        // `inline(always)`: inlined into `vectorized`'s function, the loop is
        // compiled for its vector width (left as a call, it stays scalar).
        let total = vectorized(
            #[inline(always)]
            || sum_zip(p, t, L::term),
        );
        out.push(total / T::from_usize(p.len()));
    }

    /// `target += (g / N) ∂ term / ∂ input`, elementwise.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        let (p, t) = (inputs[0].data(), inputs[1].data());
        let scale = g[0] / T::from_usize(p.len());
        let lanes = target.iter_mut().zip(p.iter().zip(t));
        vectorized(|| lanes.for_each(|(out, (&p, &t))| *out += scale * L::grad(input, Num(p), Num(t)).0));
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let (p, t) = (inputs[0], inputs[1]);
        Some(L::grad(input, p, t) * g.div_scalar(T::from_usize(numel(&p.shape()))))
    }
}

/// Mean squared error `mean((p - t)²)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MseLoss;

impl MeanLoss for MseLoss {
    const NAME: &'static str = "mse_loss";

    #[inline(always)]
    fn term<T: Float>(p: T, t: T) -> T {
        (p - t) * (p - t)
    }

    /// `2 (p - t)`, and its negative for the target.
    #[inline(always)]
    fn grad<T: Float, A: Arith<T>>(input: usize, p: A, t: A) -> A {
        let d = (p - t).mul_scalar(T::from_f64(2.0));
        if input == 0 { d } else { -d }
    }
}

/// Binary cross-entropy on logits, `mean(max(x, 0) - x y + ln(1 + e^(-|x|)))`:
/// the same value as `-mean(y ln σ(x) + (1 - y) ln(1 - σ(x)))`, without an
/// `exp` that can overflow or a `ln` of 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BceWithLogits;

impl MeanLoss for BceWithLogits {
    const NAME: &'static str = "bce_with_logits";

    #[inline(always)]
    fn term<T: Float>(x: T, y: T) -> T {
        x.max(T::ZERO) - x * y + (-x.abs()).fast_exp().fast_ln_1p()
    }

    /// `σ(x) - y` for the logits, `-x` for the targets.
    #[inline(always)]
    fn grad<T: Float, A: Arith<T>>(input: usize, x: A, y: A) -> A {
        if input == 0 { x.sigmoid() - y } else { -x }
    }
}

/// The SVM max-margin (hinge) loss `mean(max(0, 1 - y s))` of scores `s`
/// against labels `y` in `{-1, +1}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SvmMaxMargin;

impl MeanLoss for SvmMaxMargin {
    const NAME: &'static str = "svm_max_margin";

    #[inline(always)]
    fn term<T: Float>(s: T, y: T) -> T {
        (T::ONE - y * s).max(T::ZERO)
    }

    /// Where the margin is violated (`1 - y s > 0`): `-y` for the scores,
    /// `-s` for the labels; zero elsewhere.
    #[inline(always)]
    fn grad<T: Float, A: Arith<T>>(input: usize, s: A, y: A) -> A {
        let violated = (y * s).rsub_scalar(T::ONE).select_positive(T::ONE, T::ZERO);
        -(if input == 0 { y } else { s }) * violated
    }
}

/// Softmax cross-entropy of logits `[N, C]` against integer class labels
/// `[N]` (stored as floats), averaged over rows:
/// `mean_i (ln Σ_c e^(x_ic) - x_i,label_i)`, each row shifted by its max.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SoftmaxCrossEntropy;

const SCE: &str = "softmax_cross_entropy";

impl<T: Float> Kernel<T> for SoftmaxCrossEntropy {
    fn name(&self) -> String {
        SCE.into()
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (sl, sy) = (inputs[0], inputs[1]);
        assert!(
            sl.len() == 2 && sy.len() == 1 && sl[0] == sy[0] && sl[0] > 0 && sl[1] > 0,
            "{SCE}: logits {sl:?} and labels {sy:?} do not fit; expected [N, C] and [N]"
        );
        Shape::new()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let (x, labels) = (inputs[0], inputs[1].data());
        let classes = x.shape()[1];
        let mut total = T::ZERO;
        for (row, (logits, &label)) in x.data().chunks_exact(classes).zip(labels).enumerate() {
            let (shift, log_sum) = lane_max_and_log_sum_exp(logits, 0..classes);
            total += shift + log_sum - logits[class_of(label, row, classes)];
        }
        out.push(total / T::from_usize(labels.len()));
    }

    /// `∂/∂x_i = (softmax(x_i) - onehot(label_i)) / N` times the upstream
    /// `g`. Labels are indices and get no gradient.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        if input != 0 {
            return;
        }
        let (x, labels) = (inputs[0], inputs[1].data());
        let classes = x.shape()[1];
        let scale = g[0] / T::from_usize(labels.len());
        let rows = x.data().chunks_exact(classes).zip(target.chunks_exact_mut(classes));
        for (row, ((logits, out), &label)) in rows.zip(labels).enumerate() {
            let (shift, log_sum) = lane_max_and_log_sum_exp(logits, 0..classes);
            for (o, &x) in out.iter_mut().zip(logits) {
                *o += scale * (x - shift - log_sum).fast_exp();
            }
            out[class_of(label, row, classes)] -= scale;
        }
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        if input != 0 {
            return None;
        }
        let (x, labels) = (inputs[0], inputs[1].value());
        let shape = x.shape();
        let mut one_hot = Tensor::zeros(&shape);
        for (row, &label) in labels.data().iter().enumerate() {
            one_hot.data_mut()[row * shape[1] + class_of(label, row, shape[1])] = T::ONE;
        }
        let softmax = x.apply(Op::Softmax(Softmax(1)), &[]);
        Some((softmax - x.constant(one_hot)) * g.div_scalar(T::from_usize(shape[0])))
    }
}

/// The class index a label value stands for.
///
/// # Panics
/// If the value is not an integer in `[0, classes)`, naming the row.
fn class_of<T: Float>(label: T, row: usize, classes: usize) -> usize {
    let v = label.to_f64();
    if !(v >= 0.0 && v < classes as f64 && v.fract() == 0.0) {
        panic!("{SCE}: label {v} of row {row} is not a class index in [0, {classes})");
    }
    v as usize
}
