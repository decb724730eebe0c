//! The ops on plain tensors, without a tape: `+ - * /` (broadcasting, and
//! with scalars), the elementwise functions of the table, `matmul`,
//! transposes and reductions. Each runs the op's forward kernel, so a
//! tensor computes exactly what a recorded op would.
//!
//! The methods that take axes resolve them here, once, for both tensors and
//! the tape's `Var`s (`Op::sum_axis` and the like).

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::{BinaryOp, Kernel, LogSoftmax, MatMul, MaxAxis, Op, Softmax, Sum, SumAxis, SwapAxes, UnaryOp, unary_table};
use crate::float::Float;
use crate::shape::resolve_axis;
use crate::tensor::Tensor;

/// `op` applied to `inputs`, into a new tensor.
///
/// # Panics
/// If the shapes do not fit the op, or the output does not fit in memory.
#[track_caller]
fn eager<T: Float>(op: Op<T>, inputs: &[&Tensor<T>]) -> Tensor<T> {
    let mut shapes = [inputs[0].shape(); 3];
    for (s, t) in shapes.iter_mut().zip(inputs) {
        *s = t.shape();
    }
    let shape = op.output_shape(&shapes[..inputs.len()]);
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
        Op::MaxAxis(MaxAxis { axis: resolve_axis("max_axis", axis, shape), keepdim })
    }

    #[track_caller]
    pub(crate) fn softmax(shape: &[usize], axis: isize) -> Self {
        Op::Softmax(Softmax(resolve_axis("softmax", axis, shape)))
    }

    #[track_caller]
    pub(crate) fn log_softmax(shape: &[usize], axis: isize) -> Self {
        Op::LogSoftmax(LogSoftmax(resolve_axis("log_softmax", axis, shape)))
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

/// One method per line of the elementwise table (`ops/unary.rs`).
macro_rules! tensor_methods {
    ($($(#[$doc:meta])* $method:ident($($p:ident: $pty:ty)?) $variant:ident $name:literal
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
