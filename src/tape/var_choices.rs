//! The methods of [`Var`] that choose between values: `maximum`, `minimum`,
//! `clamp`, `where_cond`, `masked_fill`; and the constants `zeros_like`,
//! `ones_like` (the kernels are in `ops/binary.rs`, `ops/unary.rs` and
//! `ops/select.rs`).

use super::Var;
use crate::float::Float;
use crate::ops::{BinaryOp, Op, Where, check_mask};
use crate::tensor::Tensor;

/// Elementwise choices: `maximum`, `minimum`, `clamp`, `where_cond`,
/// `masked_fill`; and constants shaped like a variable.
impl<'t, T: Float> Var<'t, T> {
    /// The larger of the two, elementwise with broadcasting (NaN if either
    /// is): PyTorch's `maximum`. The gradient goes to the larger operand;
    /// at a tie each receives half, as in PyTorch.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var(Tensor::from_vec(vec![1.0, 5.0, 2.0], [3]));
    /// let b = tape.var(Tensor::from_vec(vec![2.0, 2.0, 2.0], [3]));
    /// let grads = a.maximum(b).sum().backward();
    /// assert_eq!(grads.wrt(a).data(), &[0.0, 1.0, 0.5]);
    /// assert_eq!(grads.wrt(b).data(), &[1.0, 0.0, 0.5]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn maximum(self, other: Var<'t, T>) -> Self {
        self.binary(BinaryOp::Maximum, other)
    }

    /// The smaller of the two, elementwise with broadcasting (NaN if either
    /// is): PyTorch's `minimum`, with its gradient convention (half each
    /// at a tie).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var(Tensor::from_vec(vec![1.0, 5.0, 2.0], [3]));
    /// let b = tape.var(Tensor::scalar(2.0));
    /// let grads = a.minimum(b).sum().backward();
    /// assert_eq!(grads.wrt(a).data(), &[1.0, 0.0, 0.5]);
    /// assert_eq!(grads.wrt(b).item(), 1.5);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn minimum(self, other: Var<'t, T>) -> Self {
        self.binary(BinaryOp::Minimum, other)
    }

    /// Each element limited to `[min, max]`: PyTorch's `clamp(min, max)`,
    /// recorded as [`clamp_min`](Var::clamp_min) then
    /// [`clamp_max`](Var::clamp_max). The gradient passes where
    /// `min < x < max`: not at the bounds themselves, as in PyTorch. (An
    /// inherent method, so `x.clamp(..)` never resolves to `Ord::clamp`.)
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![-2.0, 0.5, 1.0, 3.0], [4]));
    /// let y = x.clamp(-1.0, 1.0);
    /// assert_eq!(y.value().data(), &[-1.0, 0.5, 1.0, 1.0]);
    /// assert_eq!(y.sum().backward().wrt(x).data(), &[0.0, 1.0, 0.0, 0.0]);
    /// ```
    pub fn clamp(self, min: T, max: T) -> Self {
        self.clamp_min(min).clamp_max(max)
    }

    /// `a` where `cond` is nonzero, `b` elsewhere, the three broadcast
    /// together: PyTorch's `torch.where(cond, a, b)` (`where` is a Rust
    /// keyword). The condition (1 for true, 0 for false, usually a constant)
    /// gets no gradient; `a` and `b` each receive the gradient where they
    /// were picked, zero elsewhere. Unlike `cond * a + (1 - cond) * b`, an
    /// infinite or NaN element that is not picked does not leak into the
    /// value. (Into the gradient it does, as in PyTorch: a branch such as
    /// `x.sqrt()` at `x < 0` passes `0 * NaN` back; mask its input instead.)
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor, Var};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![-1.0, 4.0], [2]));
    /// let positive = tape.constant(x.value().map(|v| if v > 0.0 { 1.0 } else { 0.0 }));
    /// let y = Var::where_cond(positive, x * x, x * 0.5);
    /// assert_eq!(y.value().data(), &[-0.5, 16.0]);
    /// assert_eq!(y.sum().backward().wrt(x).data(), &[0.5, 8.0]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast together.
    #[track_caller]
    pub fn where_cond(cond: Var<'t, T>, a: Var<'t, T>, b: Var<'t, T>) -> Self {
        cond.apply(Op::Where(Where), &[a, b])
    }

    /// `value` where `mask` is nonzero, the element elsewhere: PyTorch's
    /// `masked_fill`. The gradient is zero where the mask holds.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let scores = tape.var(Tensor::from_vec(vec![0.5, 0.2, 0.9, 0.1], [2, 2]));
    /// let future = tape.constant(Tensor::from_vec(vec![0.0, 1.0, 0.0, 0.0], [2, 2]));
    /// let p = scores.masked_fill(future, f64::NEG_INFINITY).softmax(-1);
    /// assert_eq!(p.value().data()[..2], [1.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn masked_fill(self, mask: Var<'t, T>, value: T) -> Self {
        check_mask(&mask.shape(), &self.shape());
        Var::where_cond(mask, self.tape.constant(Tensor::scalar(value)), self)
    }

    /// A constant of zeros shaped like this variable, on its tape
    /// (PyTorch's `zeros_like`, which does not require a gradient).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![1.0, 2.0], [2, 1]));
    /// let (z, o) = (x.zeros_like(), x.ones_like());
    /// assert_eq!((z.value(), o.value()), (Tensor::zeros([2, 1]), Tensor::ones([2, 1])));
    /// assert!(!z.requires_grad());
    /// ```
    pub fn zeros_like(self) -> Self {
        self.tape.constant(Tensor::zeros(self.shape()))
    }

    /// A constant of ones shaped like this variable, on its tape.
    pub fn ones_like(self) -> Self {
        self.tape.constant(Tensor::ones(self.shape()))
    }
}
