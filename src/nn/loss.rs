//! Losses. The four losses are fused ops with their own backward rules (see
//! `ops/loss.rs`), finite for logits of any size; [`l2_penalty`] is built
//! from ordinary ops.
//!
//! | loss | value | PyTorch equivalent |
//! |---|---|---|
//! | [`mse_loss`] | `mean((p - t)²)` | `F.mse_loss(p, t)` |
//! | [`bce_with_logits`] | `mean(max(x,0) - x y + ln(1 + e^-abs(x)))` | `F.binary_cross_entropy_with_logits(x, y)` |
//! | [`softmax_cross_entropy`] | `mean_i(logsumexp(x_i) - x_i[y_i])` | `F.cross_entropy(x, y)` |
//! | [`svm_max_margin`] | `mean(max(0, 1 - y s))` | `F.relu(1 - y * s).mean()` |
//! | [`l2_penalty`] | `λ Σ_p Σ p²` | `lam * sum((p ** 2).sum() for p in model.parameters())` |

pub use crate::ops::loss::{bce_with_logits, mse_loss, softmax_cross_entropy, svm_max_margin};

use super::Module;
use crate::float::Float;
use crate::tape::{Tape, Var};

/// The L2 penalty `λ Σ_p Σ_i p_i²` over every parameter of `model`, bound on
/// `tape` (the same nodes as the forward pass's, if it ran on this tape).
/// micrograd's demo adds it with `λ = 1e-4`.
///
/// # Panics
/// If the model has no parameters.
pub fn l2_penalty<'t, T: Float, M: Module<T>>(model: &'t M, tape: &'t Tape<T>, lambda: T) -> Var<'t, T> {
    let squares = model.params().map(|p| {
        let v = tape.param(p);
        (v * v).sum()
    });
    let total = squares.reduce(|a, b| a + b).expect("l2_penalty: the model has no parameters");
    total.mul_scalar(lambda)
}
