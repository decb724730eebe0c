//! Accuracy of predictions, on plain tensors (no tape involved).

use crate::float::Float;
use crate::tensor::Tensor;

/// Fraction of rows whose logit sign agrees with a 0/1 target: a logit above
/// 0 predicts 1. Logits and targets have the same shape (e.g. `[N, 1]`).
///
/// # Panics
/// If the shapes differ or are empty.
pub fn binary_accuracy<T: Float>(logits: &Tensor<T>, targets: &Tensor<T>) -> f64 {
    assert!(
        logits.shape() == targets.shape() && !logits.is_empty(),
        "binary_accuracy: logits {:?} and targets {:?} differ",
        logits.shape(),
        targets.shape()
    );
    let half = T::from_f64(0.5);
    let correct = logits.data().iter().zip(targets.data()).filter(|&(&x, &y)| (x > T::ZERO) == (y > half)).count();
    correct as f64 / logits.len() as f64
}

/// Fraction of rows of `[N, C]` logits whose largest entry (the first, on
/// ties) is at the row's label in `[N]`.
///
/// # Panics
/// If the shapes do not fit.
pub fn multiclass_accuracy<T: Float>(logits: &Tensor<T>, labels: &Tensor<T>) -> f64 {
    let (sl, sy) = (logits.shape(), labels.shape());
    assert!(
        sl.len() == 2 && sy.len() == 1 && sl[0] == sy[0] && sl[0] > 0 && sl[1] > 0,
        "multiclass_accuracy: logits {sl:?} and labels {sy:?} do not fit; expected [N, C] and [N]"
    );
    let correct = logits
        .data()
        .chunks_exact(sl[1])
        .zip(labels.data())
        .filter(|&(row, &label)| argmax(row) as f64 == label.to_f64())
        .count();
    correct as f64 / sy[0] as f64
}

/// Index of the first largest element.
pub fn argmax<T: Float>(row: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}
