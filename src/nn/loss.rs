//! Losses. The four losses are fused ops with their own backward rules (see
//! `ops/loss.rs`), finite for logits of any size; [`l2_penalty`] is built
//! from ordinary ops. Each loss is the mean of its terms, PyTorch's default;
//! its `_with` form takes a [`Reduction`] (mean, sum, or none: the terms
//! themselves).
//!
//! | loss | term | PyTorch equivalent |
//! |---|---|---|
//! | [`mse_loss`] | `(p - t)²` | `F.mse_loss(p, t)` |
//! | [`bce_with_logits`] | `max(x,0) - x y + ln(1 + e^-abs(x))` | `F.binary_cross_entropy_with_logits(x, y)` |
//! | [`softmax_cross_entropy`] | `logsumexp(x_i) - x_i[y_i]` per row | `F.cross_entropy(x, y)` |
//! | [`svm_max_margin`] | `max(0, 1 - y s)` | `F.relu(1 - y * s).mean()` |
//! | [`l2_penalty`] | `λ Σ_p Σ p²` | `lam * sum((p ** 2).sum() for p in model.parameters())` |
//!
//! ```
//! use tapegrad::nn::loss::{self, Reduction};
//! use tapegrad::{Tape, Tensor};
//!
//! let tape = Tape::new();
//! let p = tape.var(Tensor::from_vec(vec![1.0, 2.0, 4.0], [3]));
//! let t = tape.constant(Tensor::from_vec(vec![1.0, 1.0, 1.0], [3]));
//! assert_eq!(loss::mse_loss(p, t).item(), 10.0 / 3.0);
//! assert_eq!(loss::mse_loss_with(p, t, Reduction::Sum).item(), 10.0);
//! assert_eq!(loss::mse_loss_with(p, t, Reduction::None).value().data(), &[0.0, 1.0, 9.0]);
//! ```

pub use crate::ops::Reduction;

use super::Module;
use crate::float::Float;
use crate::ops::{BceWithLogits, MseLoss, Op, SoftmaxCrossEntropy, SvmMaxMargin};
use crate::tape::{Tape, Var};

/// Mean squared error `mean((prediction - target)²)` (PyTorch's `mse_loss`).
///
/// # Panics
/// If the shapes differ: `mse_loss: prediction [32, 1] and target [32] have different shapes`.
#[track_caller]
pub fn mse_loss<'t, T: Float>(prediction: Var<'t, T>, target: Var<'t, T>) -> Var<'t, T> {
    mse_loss_with(prediction, target, Reduction::Mean)
}

/// [`mse_loss`] with another reduction.
#[track_caller]
pub fn mse_loss_with<'t, T: Float>(prediction: Var<'t, T>, target: Var<'t, T>, reduction: Reduction) -> Var<'t, T> {
    prediction.apply(Op::MseLoss(MseLoss(reduction)), &[target])
}

/// Binary cross-entropy on logits, `mean(max(x, 0) - x y + ln(1 + e^(-|x|)))`
/// for targets `y` in `[0, 1]` (PyTorch's `binary_cross_entropy_with_logits`).
/// Finite, with exact gradients, for any finite logits.
///
/// # Panics
/// If the shapes differ.
#[track_caller]
pub fn bce_with_logits<'t, T: Float>(logits: Var<'t, T>, targets: Var<'t, T>) -> Var<'t, T> {
    bce_with_logits_with(logits, targets, Reduction::Mean)
}

/// [`bce_with_logits`] with another reduction.
#[track_caller]
pub fn bce_with_logits_with<'t, T: Float>(logits: Var<'t, T>, targets: Var<'t, T>, reduction: Reduction) -> Var<'t, T> {
    logits.apply(Op::BceWithLogits(BceWithLogits(reduction)), &[targets])
}

/// The SVM max-margin (hinge) loss `mean(max(0, 1 - y s))` of scores `s`
/// against labels `y` in `{-1, +1}` (micrograd's demo loss).
///
/// # Panics
/// If the shapes differ, or a label is not -1 or +1 (0/1 labels would
/// silently train to chance: pass `2y - 1`).
#[track_caller]
pub fn svm_max_margin<'t, T: Float>(scores: Var<'t, T>, labels: Var<'t, T>) -> Var<'t, T> {
    svm_max_margin_with(scores, labels, Reduction::Mean)
}

/// [`svm_max_margin`] with another reduction.
#[track_caller]
pub fn svm_max_margin_with<'t, T: Float>(scores: Var<'t, T>, labels: Var<'t, T>, reduction: Reduction) -> Var<'t, T> {
    scores.apply(Op::SvmMaxMargin(SvmMaxMargin(reduction)), &[labels])
}

/// Softmax cross-entropy of logits `[N, C]` against integer class labels
/// `[N]` (stored as floats), averaged over rows: PyTorch's `cross_entropy`.
/// Computed from the log-sum-exp of each row shifted by its maximum, so it is
/// finite for any finite logits.
///
/// # Panics
/// If the shapes do not fit, or a label is not an integer in `[0, C)`.
#[track_caller]
pub fn softmax_cross_entropy<'t, T: Float>(logits: Var<'t, T>, labels: Var<'t, T>) -> Var<'t, T> {
    softmax_cross_entropy_with(logits, labels, Reduction::Mean)
}

/// [`softmax_cross_entropy`] with another reduction (`None` gives one loss
/// per row, shape `[N]`).
#[track_caller]
pub fn softmax_cross_entropy_with<'t, T: Float>(
    logits: Var<'t, T>,
    labels: Var<'t, T>,
    reduction: Reduction,
) -> Var<'t, T> {
    logits.apply(Op::SoftmaxCrossEntropy(SoftmaxCrossEntropy(reduction)), &[labels])
}

/// The L2 penalty `λ Σ_p Σ_i p_i²` over every parameter of `model`, bound on
/// `tape` (the same nodes as the forward pass's, if it ran on this tape).
/// micrograd's demo adds it with `λ = 1e-4`.
///
/// # Panics
/// If the model has no parameters.
#[track_caller]
pub fn l2_penalty<'t, T: Float, M: Module<T> + ?Sized>(model: &'t M, tape: &'t Tape<T>, lambda: T) -> Var<'t, T> {
    let squares = model.params().map(|p| {
        let v = tape.param(p);
        (v * v).sum()
    });
    let total = squares.reduce(|a, b| a + b).expect("l2_penalty: the model has no parameters");
    total.mul_scalar(lambda)
}
