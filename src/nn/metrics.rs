//! Accuracy of predictions, on plain tensors (no tape involved).
//!
//! A row whose logits hold a NaN counts as wrong: it predicts no class, and
//! counting it by where a comparison with NaN happens to fall would give a
//! diverged model a plausible score (a model whose weights are all NaN
//! scored 50% on a balanced binary task and 33% on three classes). Such a
//! model now scores 0. Infinite logits are ordinary predictions.

use crate::float::Float;
use crate::tensor::Tensor;

/// Fraction of rows whose logit sign agrees with a 0/1 target: a logit above
/// 0 predicts 1, a NaN logit is wrong whatever the target. Logits and
/// targets have the same shape (e.g. `[N, 1]`).
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad::nn::metrics::binary_accuracy;
/// let logits = Tensor::from_vec(vec![2.0, -1.0, f32::NAN, 0.5], [4, 1]);
/// let targets = Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0], [4, 1]);
/// assert_eq!(binary_accuracy(&logits, &targets), 0.5);
/// ```
///
/// # Panics
/// If the shapes differ or are empty.
#[track_caller]
pub fn binary_accuracy<T: Float>(logits: &Tensor<T>, targets: &Tensor<T>) -> f64 {
    assert!(
        logits.shape() == targets.shape(),
        "binary_accuracy: logits {:?} and targets {:?} differ",
        logits.shape(),
        targets.shape()
    );
    assert!(!logits.is_empty(), "binary_accuracy: no prediction to score (logits {:?} are empty)", logits.shape());
    let half = T::from_f64(0.5);
    let correct =
        logits.data().iter().zip(targets.data()).filter(|&(&x, &y)| !x.is_nan() && (x > T::ZERO) == (y > half)).count();
    correct as f64 / logits.len() as f64
}

/// Fraction of rows of `[N, C]` logits whose largest entry (the first, on
/// ties) is at the row's label in `[N]`. A row with a NaN logit is wrong.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad::nn::metrics::multiclass_accuracy;
/// let logits = Tensor::from_vec(vec![0.1, 0.7, 0.2, 0.5, f32::NAN, 0.1], [2, 3]);
/// let labels = Tensor::from_vec(vec![1.0, 0.0], [2]);
/// assert_eq!(multiclass_accuracy(&logits, &labels), 0.5);
/// ```
///
/// # Panics
/// If the shapes do not fit, there is no row or no class, or a label is
/// not a class index (an integer in `[0, C)`), naming its row.
#[track_caller]
pub fn multiclass_accuracy<T: Float>(logits: &Tensor<T>, labels: &Tensor<T>) -> f64 {
    let (sl, sy) = (logits.shape(), labels.shape());
    assert!(
        sl.len() == 2 && sy.len() == 1 && sl[0] == sy[0],
        "multiclass_accuracy: logits {sl:?} and labels {sy:?} do not fit; expected [N, C] and [N]"
    );
    assert!(sl[0] > 0, "multiclass_accuracy: no prediction to score (logits {sl:?}, labels {sy:?} are empty)");
    assert!(sl[1] > 0, "multiclass_accuracy: the logits {sl:?} have no class (C = 0)");
    let classes = sl[1];
    let mut correct = 0;
    for (row, (logits, &label)) in logits.data().chunks_exact(classes).zip(labels.data()).enumerate() {
        let class = label.to_f64();
        assert!(
            class >= 0.0 && class < classes as f64 && class.fract() == 0.0,
            "multiclass_accuracy: label {label} of row {row} is not a class index in [0, {classes})"
        );
        if !logits.iter().any(|x| x.is_nan()) && argmax(logits) == class as usize {
            correct += 1;
        }
    }
    correct as f64 / sy[0] as f64
}

/// Index of the first largest element; the first NaN if there is one (as
/// NumPy's and PyTorch's `argmax`: NaN compares above every number).
///
/// ```
/// use tapegrad::nn::metrics::argmax;
/// assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
/// assert_eq!(argmax(&[1.0, f64::NAN, 3.0]), 1);
/// ```
pub fn argmax<T: Float>(row: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v.is_nan() {
            return i;
        }
        if v > row[best] {
            best = i;
        }
    }
    best
}
