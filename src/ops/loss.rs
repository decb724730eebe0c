//! Losses as fused ops: one node each, with a backward rule written for the
//! whole loss. Fusing is for numerics first: the composite forms overflow or
//! lose precision (`sigmoid` then `ln` gives `ln 0 = -inf` for a logit of
//! -1000; `softmax` then `ln` likewise), while these stay finite for any
//! finite input. It also saves the intermediate nodes of every training step.
//!
//! Every loss is a mean over its elements (over rows for cross-entropy), as
//! PyTorch's default `reduction="mean"`.

use crate::float::Float;
use crate::kernels::sum_zip;
use crate::kernels::vectorize::vectorized;
use crate::ops::elementwise::sigmoid;
use crate::ops::softmax::lane_max_and_log_sum_exp;
use crate::shape::Shape;
use crate::tape::{NodeId, Op, Var};
use crate::tensor::Tensor;

/// `mean((p - t)²)`.
fn mse_forward<T: Float>(p: &[T], t: &[T]) -> T {
    let total = vectorized(|| sum_zip(p, t, |p, t| (p - t) * (p - t)));
    total / T::from_usize(p.len())
}

/// `∂/∂p = 2 (p - t) / N`, `∂/∂t = -2 (p - t) / N`, times the upstream `g`.
pub(crate) fn mse_backward<T: Float>(k: usize, p: &[T], t: &[T], g: T, target: &mut [T]) {
    let scale = T::from_f64(2.0) * g / T::from_usize(p.len());
    let scale = if k == 0 { scale } else { -scale };
    for (out, (&p, &t)) in target.iter_mut().zip(p.iter().zip(t)) {
        *out += scale * (p - t);
    }
}

/// `mean(max(x, 0) - x y + ln(1 + e^(-|x|)))`: the same value as
/// `-mean(y ln σ(x) + (1 - y) ln(1 - σ(x)))`, without an `exp` that can
/// overflow or a `ln` of 0.
fn bce_with_logits_forward<T: Float>(x: &[T], y: &[T]) -> T {
    #[inline(always)]
    fn term<T: Float>(x: T, y: T) -> T {
        x.max(T::ZERO) - x * y + (-x.abs()).fast_exp().fast_ln_1p()
    }
    // `inline(always)`: inlined into `vectorized`'s function, the loop is
    // compiled for its vector width (left as a call, it stays scalar).
    let total = vectorized(
        #[inline(always)]
        || sum_zip(x, y, term),
    );
    total / T::from_usize(x.len())
}

/// `∂/∂x = (σ(x) - y) / N`, `∂/∂y = -x / N`, times the upstream `g`.
pub(crate) fn bce_with_logits_backward<T: Float>(k: usize, x: &[T], y: &[T], g: T, target: &mut [T]) {
    let scale = g / T::from_usize(x.len());
    let pairs = target.iter_mut().zip(x.iter().zip(y));
    if k == 0 {
        vectorized(|| pairs.for_each(|(out, (&x, &y))| *out += scale * (sigmoid(x) - y)));
    } else {
        vectorized(|| pairs.for_each(|(out, (&x, _))| *out -= scale * x));
    }
}

/// The class index a label value stands for.
///
/// # Panics
/// If the value is not an integer in `[0, classes)`, naming the row.
fn class_of<T: Float>(label: T, row: usize, classes: usize) -> usize {
    let v = label.to_f64();
    if !(v >= 0.0 && v < classes as f64 && v.fract() == 0.0) {
        panic!("softmax_cross_entropy: label {v} of row {row} is not a class index in [0, {classes})");
    }
    v as usize
}

/// `mean_i (ln Σ_c e^(x_ic) - x_i,label_i)`, each row shifted by its max.
fn softmax_cross_entropy_forward<T: Float>(x: &[T], labels: &[T], classes: usize) -> T {
    let mut total = T::ZERO;
    for (row, (logits, &label)) in x.chunks_exact(classes).zip(labels).enumerate() {
        let (shift, log_sum) = lane_max_and_log_sum_exp(logits, 0..classes);
        total += shift + log_sum - logits[class_of(label, row, classes)];
    }
    total / T::from_usize(labels.len())
}

/// `∂/∂x_i = (softmax(x_i) - onehot(label_i)) / N` times the upstream `g`.
/// Labels are indices and get no gradient.
pub(crate) fn softmax_cross_entropy_backward<T: Float>(k: usize, x: &Tensor<T>, labels: &[T], g: T, target: &mut [T]) {
    if k != 0 {
        return;
    }
    let classes = x.shape()[1];
    let scale = g / T::from_usize(labels.len());
    let rows = x.data().chunks_exact(classes).zip(target.chunks_exact_mut(classes));
    for (row, ((logits, out), &label)) in rows.zip(labels).enumerate() {
        let (shift, log_sum) = lane_max_and_log_sum_exp(logits, 0..classes);
        for (o, &x) in out.iter_mut().zip(logits) {
            *o += scale * (x - shift - log_sum).fast_exp();
        }
        out[class_of(label, row, classes)] -= scale;
    }
}

/// `mean(max(0, 1 - y s))`.
fn svm_max_margin_forward<T: Float>(s: &[T], y: &[T]) -> T {
    let total: T = s.iter().zip(y).map(|(&s, &y)| (T::ONE - y * s).max(T::ZERO)).sum();
    total / T::from_usize(s.len())
}

/// Where the margin is violated (`1 - y s > 0`): `∂/∂s = -y / N`,
/// `∂/∂y = -s / N`, times the upstream `g`; zero elsewhere.
pub(crate) fn svm_max_margin_backward<T: Float>(k: usize, s: &[T], y: &[T], g: T, target: &mut [T]) {
    let scale = g / T::from_usize(s.len());
    for (out, (&s, &y)) in target.iter_mut().zip(s.iter().zip(y)) {
        if T::ONE - y * s > T::ZERO {
            *out -= scale * if k == 0 { y } else { s };
        }
    }
}

/// Records a loss of two same-shaped operands.
fn elementwise_loss<'t, T: Float>(
    name: &str,
    op: fn(NodeId, NodeId) -> Op<T>,
    a: Var<'t, T>,
    b: Var<'t, T>,
    forward: fn(&[T], &[T]) -> T,
) -> Var<'t, T> {
    a.same_tape(b, name);
    let (sa, sb) = (a.shape(), b.shape());
    assert!(sa == sb, "{name}: prediction {sa:?} and target {sb:?} have different shapes");
    assert!(!sa.is_empty() && sa.iter().product::<usize>() > 0, "{name}: empty input of shape {sa:?}");
    let (ia, ib) = (a.id as usize, b.id as usize);
    a.tape.record(op(a.id, b.id), Shape::new(), |nodes, out| {
        out.push(forward(nodes[ia].value.data(), nodes[ib].value.data()))
    })
}

/// Mean squared error `mean((prediction - target)²)` (PyTorch's `mse_loss`).
///
/// # Panics
/// If the shapes differ: `mse_loss: prediction [32, 1] and target [32] have different shapes`.
pub fn mse_loss<'t, T: Float>(prediction: Var<'t, T>, target: Var<'t, T>) -> Var<'t, T> {
    elementwise_loss("mse_loss", Op::MseLoss, prediction, target, mse_forward)
}

/// Binary cross-entropy on logits, `mean(max(x, 0) - x y + ln(1 + e^(-|x|)))`
/// for targets `y` in `[0, 1]` (PyTorch's `binary_cross_entropy_with_logits`).
/// Finite, with exact gradients, for any finite logits.
///
/// # Panics
/// If the shapes differ.
pub fn bce_with_logits<'t, T: Float>(logits: Var<'t, T>, targets: Var<'t, T>) -> Var<'t, T> {
    elementwise_loss("bce_with_logits", Op::BceWithLogits, logits, targets, bce_with_logits_forward)
}

/// The SVM max-margin (hinge) loss `mean(max(0, 1 - y s))` of scores `s`
/// against labels `y` in `{-1, +1}` (micrograd's demo loss).
///
/// # Panics
/// If the shapes differ.
pub fn svm_max_margin<'t, T: Float>(scores: Var<'t, T>, labels: Var<'t, T>) -> Var<'t, T> {
    elementwise_loss("svm_max_margin", Op::SvmMaxMargin, scores, labels, svm_max_margin_forward)
}

/// Softmax cross-entropy of logits `[N, C]` against integer class labels
/// `[N]` (stored as floats), averaged over rows: PyTorch's `cross_entropy`.
/// Computed from the log-sum-exp of each row shifted by its maximum, so it is
/// finite for any finite logits.
///
/// # Panics
/// If the shapes do not fit, or a label is not an integer in `[0, C)`.
pub fn softmax_cross_entropy<'t, T: Float>(logits: Var<'t, T>, labels: Var<'t, T>) -> Var<'t, T> {
    const NAME: &str = "softmax_cross_entropy";
    logits.same_tape(labels, NAME);
    let (sl, sy) = (logits.shape(), labels.shape());
    assert!(
        sl.len() == 2 && sy.len() == 1 && sl[0] == sy[0] && sl[0] > 0 && sl[1] > 0,
        "{NAME}: logits {sl:?} and labels {sy:?} do not fit; expected [N, C] and [N]"
    );
    let classes = sl[1];
    let (ia, ib) = (logits.id as usize, labels.id as usize);
    logits.tape.record(Op::SoftmaxCrossEntropy(logits.id, labels.id), Shape::new(), |nodes, out| {
        out.push(softmax_cross_entropy_forward(nodes[ia].value.data(), nodes[ib].value.data(), classes))
    })
}
