//! The ops on plain tensors, without a tape: `+ - * /` (broadcasting, and
//! with scalars), the elementwise functions of the table, `matmul`,
//! transposes, reductions, and the elementwise choices (`maximum`, `clamp`,
//! `where_cond`...); cutting, joining and indexing are in `eager_pieces.rs`.
//! Each runs the op's forward kernel, so a tensor computes exactly what a
//! recorded op would.
//!
//! The methods that take axes resolve them here, once, for both tensors and
//! the tape's `Var`s (`Op::sum_axis` and the like).

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::{
    BinaryOp, Extremum, ExtremumAxis, Gather, IndexSelect, Kernel, LogSoftmax, MatMul, Op, Shapes, Softmax, Sum,
    SumAxis, SwapAxes, UnaryOp, VarAxis, Where, check_mask, unary_table,
};
use crate::float::Float;
use crate::shape::resolve_axis;
use crate::tensor::Tensor;

/// `op` applied to `inputs`, into a new tensor.
///
/// # Panics
/// If the shapes do not fit the op, or the output does not fit in memory.
#[track_caller]
pub(super) fn eager<T: Float>(op: Op<T>, inputs: &[&Tensor<T>]) -> Tensor<T> {
    let shape = op.output_shape(Shapes::of(inputs).as_slice());
    let mut out = Vec::new();
    Tensor::reserve(&mut out, &shape, || op.name());
    op.forward(inputs, &mut out);
    Tensor::new(out, shape).expect("the kernel wrote the output shape's elements")
}

/// The ops whose arguments need resolving against the input's shape
/// (negative axes), for `Tensor` and `Var` alike.
impl<T: Float> Op<T> {
    #[track_caller]
    pub(crate) fn swap_axes(shape: &[usize], axis0: isize, axis1: isize) -> Self {
        Op::SwapAxes(SwapAxes(resolve_axis("swap_axes", axis0, shape), resolve_axis("swap_axes", axis1, shape)))
    }

    /// The last two axes swapped.
    ///
    /// # Panics
    /// If there are fewer than two axes.
    #[track_caller]
    pub(crate) fn transpose(shape: &[usize]) -> Self {
        assert!(shape.len() >= 2, "transpose: needs at least 2 axes, got shape {shape:?}");
        Op::swap_axes(shape, -2, -1)
    }

    #[track_caller]
    pub(crate) fn sum_axis(shape: &[usize], axis: isize, keepdim: bool, mean: bool) -> Self {
        let name = if mean { "mean_axis" } else { "sum_axis" };
        Op::SumAxis(SumAxis { axis: resolve_axis(name, axis, shape), keepdim, mean })
    }

    #[track_caller]
    pub(crate) fn max_axis(shape: &[usize], axis: isize, keepdim: bool) -> Self {
        Op::ExtremumAxis(ExtremumAxis::new(Extremum::Max, shape, axis, keepdim, "max_axis"))
    }

    #[track_caller]
    pub(crate) fn min_axis(shape: &[usize], axis: isize, keepdim: bool) -> Self {
        Op::ExtremumAxis(ExtremumAxis::new(Extremum::Min, shape, axis, keepdim, "min_axis"))
    }

    #[track_caller]
    pub(crate) fn var_axis(shape: &[usize], axis: isize, correction: usize, keepdim: bool) -> Self {
        Op::VarAxis(VarAxis { axis: resolve_axis("var_axis", axis, shape), keepdim, correction })
    }

    #[track_caller]
    pub(crate) fn softmax(shape: &[usize], axis: isize) -> Self {
        Op::Softmax(Softmax(resolve_axis("softmax", axis, shape)))
    }

    #[track_caller]
    pub(crate) fn log_softmax(shape: &[usize], axis: isize) -> Self {
        Op::LogSoftmax(LogSoftmax(resolve_axis("log_softmax", axis, shape)))
    }

    #[track_caller]
    pub(crate) fn index_select(shape: &[usize], axis: isize) -> Self {
        Op::IndexSelect(IndexSelect { axis: resolve_axis("index_select", axis, shape) })
    }

    #[track_caller]
    pub(crate) fn gather(shape: &[usize], axis: isize) -> Self {
        Op::Gather(Gather { axis: resolve_axis("gather", axis, shape) })
    }
}

impl<T: Float> Tensor<T> {
    /// Matrix product, with the shapes of [`Var::matmul`](crate::Var::matmul).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2]);
    /// let b = Tensor::from_vec(vec![1.0, 0.0], [2, 1]);
    /// assert_eq!(a.matmul(&b).data(), &[1.0, 3.0]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not fit, naming them.
    #[track_caller]
    pub fn matmul(&self, other: &Tensor<T>) -> Tensor<T> {
        eager(Op::MatMul(MatMul), &[self, other])
    }

    /// The last two axes swapped (the matrix transpose), as a copy.
    ///
    /// # Panics
    /// If there are fewer than two axes.
    #[track_caller]
    pub fn transpose(&self) -> Tensor<T> {
        eager(Op::transpose(self.shape()), &[self])
    }

    /// Two axes swapped (negative axes count from the end), as a copy.
    #[track_caller]
    pub fn swap_axes(&self, axis0: isize, axis1: isize) -> Tensor<T> {
        eager(Op::swap_axes(self.shape(), axis0, axis1), &[self])
    }

    /// Sum of all elements, as a scalar tensor (shape `[]`; `.item()` gives
    /// the number).
    pub fn sum(&self) -> Tensor<T> {
        eager(Op::Sum(Sum { mean: false }), &[self])
    }

    /// Mean of all elements, as a scalar tensor.
    pub fn mean(&self) -> Tensor<T> {
        eager(Op::Sum(Sum { mean: true }), &[self])
    }

    /// Sum along `axis`; with `keepdim` the axis stays with extent 1.
    #[track_caller]
    pub fn sum_axis(&self, axis: isize, keepdim: bool) -> Tensor<T> {
        eager(Op::sum_axis(self.shape(), axis, keepdim, false), &[self])
    }

    /// Mean along `axis`; with `keepdim` the axis stays with extent 1.
    #[track_caller]
    pub fn mean_axis(&self, axis: isize, keepdim: bool) -> Tensor<T> {
        eager(Op::sum_axis(self.shape(), axis, keepdim, true), &[self])
    }

    /// Maximum along `axis`; with `keepdim` the axis stays with extent 1.
    #[track_caller]
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Tensor<T> {
        eager(Op::max_axis(self.shape(), axis, keepdim), &[self])
    }

    /// Minimum along `axis`; with `keepdim` the axis stays with extent 1.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![3.0, 1.0, 2.0, 0.5, 4.0, 0.5], [2, 3]);
    /// assert_eq!(x.min_axis(1, false).data(), &[1.0, 0.5]);
    /// assert_eq!(x.min_axis(0, true).shape(), &[1, 3]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or empty.
    #[track_caller]
    pub fn min_axis(&self, axis: isize, keepdim: bool) -> Tensor<T> {
        eager(Op::min_axis(self.shape(), axis, keepdim), &[self])
    }

    /// The position along `axis` of each lane's maximum (the first, if
    /// several are equal; a NaN counts as the maximum), as whole numbers of
    /// the element type: the index form [`gather`](Self::gather) and
    /// [`index_select`](Self::index_select) take, and the form of class
    /// labels. PyTorch's `argmax(dim, keepdim)`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let logits = Tensor::from_vec(vec![0.1, 2.0, -1.0, 3.0, 3.0, 0.0], [2, 3]);
    /// assert_eq!(logits.argmax(1, false).data(), &[1.0, 0.0]);
    /// assert_eq!(logits.argmin(-1, true).shape(), &[2, 1]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or empty.
    #[track_caller]
    pub fn argmax(&self, axis: isize, keepdim: bool) -> Tensor<T> {
        self.positions(ExtremumAxis::new(Extremum::Max, self.shape(), axis, keepdim, "argmax"))
    }

    /// The position along `axis` of each lane's minimum, as
    /// [`argmax`](Self::argmax) gives the maximum's.
    ///
    /// # Panics
    /// If the axis is out of range or empty.
    #[track_caller]
    pub fn argmin(&self, axis: isize, keepdim: bool) -> Tensor<T> {
        self.positions(ExtremumAxis::new(Extremum::Min, self.shape(), axis, keepdim, "argmin"))
    }

    fn positions(&self, extremum: ExtremumAxis) -> Tensor<T> {
        let mut out = Vec::new();
        extremum.positions(self, &mut out);
        Tensor::new(out, Kernel::<T>::output_shape(&extremum, &[self.shape()])).expect("one position per lane")
    }

    /// The variance along `axis`, `Σ (x - mean)² / max(0, n - correction)`
    /// over the axis's `n` entries: PyTorch's `var(dim, correction=..,
    /// keepdim=..)`. `correction` 1 gives the sample variance (PyTorch's
    /// default), 0 the population variance (what LayerNorm and BatchNorm
    /// normalise by). With `n <= correction` the result is infinite or NaN,
    /// as in PyTorch.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 4.0, 4.0], [2, 3]);
    /// assert_eq!(x.var_axis(1, 1, false).data(), &[1.0, 0.0]);
    /// assert_eq!(x.var_axis(0, 0, true).data(), &[2.25, 1.0, 0.25]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range.
    #[track_caller]
    pub fn var_axis(&self, axis: isize, correction: usize, keepdim: bool) -> Tensor<T> {
        eager(Op::var_axis(self.shape(), axis, correction, keepdim), &[self])
    }

    /// The standard deviation along `axis`: the square root of
    /// [`var_axis`](Self::var_axis), with PyTorch's `correction`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 3.0, 5.0, 7.0], [4]);
    /// assert_eq!(x.std_axis(0, 0, false).item(), 5.0f32.sqrt());
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range.
    #[track_caller]
    pub fn std_axis(&self, axis: isize, correction: usize, keepdim: bool) -> Tensor<T> {
        self.var_axis(axis, correction, keepdim).sqrt()
    }

    /// Softmax along `axis`, computed stably.
    #[track_caller]
    pub fn softmax(&self, axis: isize) -> Tensor<T> {
        eager(Op::softmax(self.shape(), axis), &[self])
    }

    /// Log-softmax along `axis`, finite for any finite input.
    #[track_caller]
    pub fn log_softmax(&self, axis: isize) -> Tensor<T> {
        eager(Op::log_softmax(self.shape(), axis), &[self])
    }
}

/// Elementwise choices: `maximum`, `minimum`, `clamp`, `where_cond`, `masked_fill`.
impl<T: Float> Tensor<T> {
    /// The larger of the two, elementwise with broadcasting (NaN if either
    /// is NaN): PyTorch's `maximum`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 5.0, 3.0], [3]);
    /// assert_eq!(a.maximum(&Tensor::scalar(2.0)).data(), &[2.0, 5.0, 3.0]);
    /// assert_eq!(a.minimum(&Tensor::scalar(2.0)).data(), &[1.0, 2.0, 2.0]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn maximum(&self, other: &Tensor<T>) -> Tensor<T> {
        eager(Op::Binary(BinaryOp::Maximum), &[self, other])
    }

    /// The smaller of the two, elementwise with broadcasting (NaN if either
    /// is NaN): PyTorch's `minimum`.
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn minimum(&self, other: &Tensor<T>) -> Tensor<T> {
        eager(Op::Binary(BinaryOp::Minimum), &[self, other])
    }

    /// Each element limited to `[min, max]`: PyTorch's `clamp(min, max)`
    /// (`max` wins if `min > max`; NaN stays NaN). It is
    /// [`clamp_min`](Self::clamp_min) then [`clamp_max`](Self::clamp_max).
    /// (A method of `Tensor`, so `x.clamp(..)` never resolves to `Ord::clamp`.)
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![-2.0, 0.5, 3.0], [3]);
    /// assert_eq!(x.clamp(-1.0, 1.0).data(), &[-1.0, 0.5, 1.0]);
    /// ```
    pub fn clamp(&self, min: T, max: T) -> Tensor<T> {
        self.clamp_min(min).clamp_max(max)
    }

    /// `a` where `cond` is nonzero, `b` elsewhere, the three broadcast
    /// together: PyTorch's `torch.where(cond, a, b)`. (`where` is a Rust
    /// keyword; a trailing underscore would read as PyTorch's in-place
    /// form.) Conditions are values of the element type, 1 for true and 0
    /// for false, as every mask in the crate; NaN counts as true.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let cond = Tensor::from_vec(vec![1.0, 0.0, 1.0], [3]);
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0], [3]);
    /// assert_eq!(Tensor::where_cond(&cond, &a, &Tensor::scalar(-1.0)).data(), &[1.0, -1.0, 3.0]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast together.
    #[track_caller]
    pub fn where_cond(cond: &Tensor<T>, a: &Tensor<T>, b: &Tensor<T>) -> Tensor<T> {
        eager(Op::Where(Where), &[cond, a, b])
    }

    /// `value` where `mask` is nonzero, the element elsewhere: PyTorch's
    /// `masked_fill`. The mask broadcasts to this tensor's shape.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let scores = Tensor::from_vec(vec![0.5, 0.2, 0.9, 0.1], [2, 2]);
    /// let future = Tensor::from_vec(vec![0.0, 1.0, 0.0, 0.0], [2, 2]);
    /// assert_eq!(scores.masked_fill(&future, f32::NEG_INFINITY).data(), &[0.5, f32::NEG_INFINITY, 0.9, 0.1]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn masked_fill(&self, mask: &Tensor<T>, value: T) -> Tensor<T> {
        check_mask(mask.shape(), self.shape());
        Tensor::where_cond(mask, &Tensor::scalar(value), self)
    }
}

/// One method per line of the elementwise table (`ops/unary.rs`, whose lines
/// read `fn sin() ...`; its module documentation lists them): `Tensor::sin`,
/// `Tensor::clamp_min` and the rest.
macro_rules! tensor_methods {
    ($($(#[$doc:meta])* fn $method:ident($($p:ident: $pty:ty)?) $variant:ident $name:literal
        |$x:ident| $value:expr, |$g:ident, $gx:ident, $gy:ident| $vjp:expr;)*) => {
        impl<T: Float> Tensor<T> {
            $(
                $(#[$doc])*
                #[allow(clippy::should_implement_trait)] // `neg`: the `-` operator calls it too
                pub fn $method(&self $(, $p: $pty)?) -> Tensor<T> {
                    eager(Op::Unary(UnaryOp::$variant$(($p))?), &[self])
                }
            )*
        }
    };
}

unary_table!(tensor_methods);

/// `tensor op tensor` for owned and borrowed operands, and `tensor op
/// scalar`; both broadcast like the recorded ops.
macro_rules! tensor_operators {
    ($($trait:ident $method:ident: $binary:expr, |$c:ident| $with_scalar:expr;)*) => {$(
        impl<T: Float> $trait<&Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                eager(Op::Binary($binary), &[self, rhs])
            }
        }
        impl<T: Float> $trait<Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                eager(Op::Binary($binary), &[&self, &rhs])
            }
        }
        impl<T: Float> $trait<&Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                eager(Op::Binary($binary), &[&self, rhs])
            }
        }
        impl<T: Float> $trait<Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                eager(Op::Binary($binary), &[self, &rhs])
            }
        }
        impl<T: Float> $trait<T> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, $c: T) -> Tensor<T> {
                eager(Op::Unary($with_scalar), &[self])
            }
        }
        impl<T: Float> $trait<T> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, $c: T) -> Tensor<T> {
                eager(Op::Unary($with_scalar), &[&self])
            }
        }
    )*};
}

tensor_operators! {
    Add add: BinaryOp::Add, |c| UnaryOp::AddScalar(c);
    Sub sub: BinaryOp::Sub, |c| UnaryOp::AddScalar(-c);
    Mul mul: BinaryOp::Mul, |c| UnaryOp::MulScalar(c);
    Div div: BinaryOp::Div, |c| UnaryOp::DivScalar(c);
}

/// `scalar op tensor`, for `f32` and `f64` (the orphan rule forbids a
/// generic impl).
macro_rules! scalar_tensor {
    ($($t:ty),*) => {$(
        impl Add<&Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn add(self, x: &Tensor<$t>) -> Tensor<$t> {
                eager(Op::Unary(UnaryOp::AddScalar(self)), &[x])
            }
        }
        impl Sub<&Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn sub(self, x: &Tensor<$t>) -> Tensor<$t> {
                eager(Op::Unary(UnaryOp::ScalarSub(self)), &[x])
            }
        }
        impl Mul<&Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn mul(self, x: &Tensor<$t>) -> Tensor<$t> {
                eager(Op::Unary(UnaryOp::MulScalar(self)), &[x])
            }
        }
        impl Div<&Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn div(self, x: &Tensor<$t>) -> Tensor<$t> {
                eager(Op::Unary(UnaryOp::ScalarDiv(self)), &[x])
            }
        }
        impl Add<Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn add(self, x: Tensor<$t>) -> Tensor<$t> {
                self + &x
            }
        }
        impl Sub<Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn sub(self, x: Tensor<$t>) -> Tensor<$t> {
                self - &x
            }
        }
        impl Mul<Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn mul(self, x: Tensor<$t>) -> Tensor<$t> {
                self * &x
            }
        }
        impl Div<Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn div(self, x: Tensor<$t>) -> Tensor<$t> {
                self / &x
            }
        }
    )*};
}

scalar_tensor!(f32, f64);

impl<T: Float> Neg for &Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        eager(Op::Unary(UnaryOp::Neg), &[self])
    }
}

impl<T: Float> Neg for Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        -&self
    }
}
