//! Losses as fused ops: one node each, with a backward rule written for the
//! whole loss. Fusing is for numerics first: the composite forms overflow or
//! lose precision (`sigmoid` then `ln` gives `ln 0 = -inf` for a logit of
//! -1000; `softmax` then `ln` likewise), while these stay finite for any
//! finite input. It also saves the intermediate nodes of every training step.
//!
//! Each loss reduces its terms (one per element, or per row for
//! cross-entropy) as PyTorch's `reduction` argument does: their mean (the
//! default), their sum, or none (the terms themselves).

use super::loops::sum_zip;
use super::softmax::{Softmax, lane_max_and_log_sum_exp};
use super::{Arith, Graph, Kernel, Num, Op};
use crate::float::Float;
use crate::kernels::vectorize::vectorized;
use crate::shape::{Shape, numel};
use crate::tensor::Tensor;

/// How a loss combines its terms (PyTorch's `reduction`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// The mean of the terms, a scalar: PyTorch's default.
    #[default]
    Mean,
    /// The sum of the terms, a scalar.
    Sum,
    /// No reduction: one term per element (per row for cross-entropy).
    None,
}

impl Reduction {
    /// The name in listings: `mse_loss`, `mse_loss(sum)`, `mse_loss(none)`.
    fn name(self, loss: &str) -> String {
        match self {
            Reduction::Mean => loss.into(),
            Reduction::Sum => format!("{loss}(sum)"),
            Reduction::None => format!("{loss}(none)"),
        }
    }

    /// The output's shape, for terms of shape `terms`.
    fn shape(self, terms: &[usize]) -> Shape {
        if self == Reduction::None { Shape::from_slice(terms) } else { Shape::new() }
    }

    /// The upstream gradient of term `i` of `n`: `g[i]`, `g` or `g / n`.
    #[inline(always)]
    fn scale<T: Float>(self, g: &[T], i: usize, n: usize) -> T {
        match self {
            Reduction::Mean => g[0] / T::from_usize(n),
            Reduction::Sum => g[0],
            Reduction::None => g[i],
        }
    }

    /// The same on the graph: `g` (reshaped to `terms` for no reduction),
    /// or `g / n`.
    fn scale_graph<T: Float, G: Graph<T>>(self, g: G, terms: &[usize]) -> G {
        match self {
            Reduction::Mean => g.div_scalar(T::from_usize(numel(terms))),
            Reduction::Sum => g,
            Reduction::None => g.reshape(terms),
        }
    }
}

/// A loss whose terms are `term(p, t)` of a prediction and a same-shaped
/// target, element by element. Its gradient with respect to either operand
/// is written once, over [`Arith`], and serves both backward paths.
pub(crate) trait PairLoss: Copy {
    /// The name in listings and messages.
    const NAME: &'static str;
    /// How the terms are combined.
    fn reduction(self) -> Reduction;
    /// One element's term.
    fn term<T: Float>(p: T, t: T) -> T;
    /// `∂ term / ∂ p` (`input` 0) or `∂ term / ∂ t` (`input` 1).
    fn grad<T: Float, A: Arith<T>>(input: usize, p: A, t: A) -> A;
    /// Panics if the targets cannot be right for this loss.
    #[track_caller]
    fn check_targets<T: Float>(_targets: &[T]) {}
}

impl<T: Float, L: PairLoss> Kernel<T> for L {
    fn name(&self) -> String {
        self.reduction().name(L::NAME)
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (a, b) = (inputs[0], inputs[1]);
        assert!(a == b, "{}: prediction {a:?} and target {b:?} have different shapes", L::NAME);
        assert!(!a.is_empty() && numel(a) > 0, "{}: empty input of shape {a:?}", L::NAME);
        self.reduction().shape(a)
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let (p, t) = (inputs[0].data(), inputs[1].data());
        L::check_targets(t);
        if self.reduction() == Reduction::None {
            return vectorized(|| out.extend(p.iter().zip(t).map(|(&p, &t)| L::term(p, t))));
        }
        // `inline(always)`: inlined into `vectorized`'s function, the loop is
        // compiled for its vector width (left as a call, it stays scalar).
        let total = vectorized(
            #[inline(always)]
            || sum_zip(p, t, L::term),
        );
        out.push(if self.reduction() == Reduction::Mean { total / T::from_usize(p.len()) } else { total });
    }

    /// `target += scale ∂ term / ∂ input`, elementwise.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        let (p, t) = (inputs[0].data(), inputs[1].data());
        let reduction = self.reduction();
        let n = p.len();
        if reduction == Reduction::None {
            let lanes = target.iter_mut().zip(g).zip(p.iter().zip(t));
            return vectorized(|| lanes.for_each(|((out, &g), (&p, &t))| *out += g * L::grad(input, Num(p), Num(t)).0));
        }
        let scale = reduction.scale(g, 0, n);
        let lanes = target.iter_mut().zip(p.iter().zip(t));
        vectorized(|| lanes.for_each(|(out, (&p, &t))| *out += scale * L::grad(input, Num(p), Num(t)).0));
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let (p, t) = (inputs[0], inputs[1]);
        Some(L::grad(input, p, t) * self.reduction().scale_graph(g, &p.shape()))
    }
}

/// Mean squared error: terms `(p - t)²`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MseLoss(pub Reduction);

impl PairLoss for MseLoss {
    const NAME: &'static str = "mse_loss";

    fn reduction(self) -> Reduction {
        self.0
    }

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

/// Binary cross-entropy on logits, terms `max(x, 0) - x y + ln(1 + e^(-|x|))`:
/// the same value as `-(y ln σ(x) + (1 - y) ln(1 - σ(x)))`, without an `exp`
/// that can overflow or a `ln` of 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BceWithLogits(pub Reduction);

impl PairLoss for BceWithLogits {
    const NAME: &'static str = "bce_with_logits";

    fn reduction(self) -> Reduction {
        self.0
    }

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

/// The SVM max-margin (hinge) loss, terms `max(0, 1 - y s)` of scores `s`
/// against labels `y` in `{-1, +1}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SvmMaxMargin(pub Reduction);

impl PairLoss for SvmMaxMargin {
    const NAME: &'static str = "svm_max_margin";

    fn reduction(self) -> Reduction {
        self.0
    }

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

    /// Labels of 0 and 1 would train to chance without a word: the margin
    /// `1 - y s` of a 0 label is 1 whatever the score.
    #[track_caller]
    fn check_targets<T: Float>(labels: &[T]) {
        if let Some((i, y)) = labels.iter().enumerate().find(|&(_, &y)| y != T::ONE && y != -T::ONE) {
            panic!("svm_max_margin: label {y} at index {i} is not -1 or +1 (for 0/1 labels pass 2y - 1)");
        }
    }
}

/// Softmax cross-entropy of logits `[N, C]` against integer class labels
/// `[N]` (stored as floats), one term per row:
/// `ln Σ_c e^(x_ic) - x_i,label_i`, each row shifted by its max.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SoftmaxCrossEntropy(pub Reduction);

const SCE: &str = "softmax_cross_entropy";

impl<T: Float> Kernel<T> for SoftmaxCrossEntropy {
    fn name(&self) -> String {
        self.0.name(SCE)
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (sl, sy) = (inputs[0], inputs[1]);
        assert!(
            sl.len() == 2 && sy.len() == 1 && sl[0] == sy[0],
            "{SCE}: logits {sl:?} and labels {sy:?} do not fit; expected [N, C] and [N]"
        );
        assert!(sl[0] > 0, "{SCE}: the batch is empty (logits {sl:?}, labels {sy:?})");
        assert!(sl[1] > 0, "{SCE}: the logits {sl:?} have no class (C = 0)");
        self.0.shape(sy)
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let (x, labels) = (inputs[0], inputs[1].data());
        let classes = x.shape()[1];
        let mut total = T::ZERO;
        // A loop rather than an iterator's closure: a bad label's panic is
        // then reported at the caller's line (`#[track_caller]`).
        for (row, (logits, &label)) in x.data().chunks_exact(classes).zip(labels).enumerate() {
            let (shift, log_sum) = lane_max_and_log_sum_exp(logits, 0..classes);
            let term = shift + log_sum - logits[class_of(label, row, classes)];
            match self.0 {
                Reduction::None => out.push(term),
                Reduction::Sum | Reduction::Mean => total += term,
            }
        }
        match self.0 {
            Reduction::None => {}
            Reduction::Sum => out.push(total),
            Reduction::Mean => out.push(total / T::from_usize(labels.len())),
        }
    }

    /// `∂/∂x_i = (softmax(x_i) - onehot(label_i))` times row `i`'s upstream
    /// gradient. Labels are indices and get no gradient.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        if input != 0 {
            return;
        }
        let (x, labels) = (inputs[0], inputs[1].data());
        let classes = x.shape()[1];
        let rows = x.data().chunks_exact(classes).zip(target.chunks_exact_mut(classes));
        for (row, ((logits, out), &label)) in rows.zip(labels).enumerate() {
            let scale = self.0.scale(g, row, labels.len());
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
        let scale = self.0.scale_graph(g, &[shape[0]]);
        let scale = if self.0 == Reduction::None { scale.reshape(&[shape[0], 1]) } else { scale };
        Some((softmax - x.constant(one_hot)) * scale)
    }
}

/// The class index a label value stands for.
///
/// # Panics
/// If the value is not an integer in `[0, classes)`, naming the row.
#[track_caller]
fn class_of<T: Float>(label: T, row: usize, classes: usize) -> usize {
    let v = label.to_f64();
    if !(v >= 0.0 && v < classes as f64 && v.fract() == 0.0) {
        panic!("{SCE}: label {label} of row {row} is not a class index in [0, {classes})");
    }
    v as usize
}
