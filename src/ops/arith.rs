//! [`Arith`]: what derivative rules are written in. A rule such as tanh's
//! `g * (1 - y²)` is written once over `A: Arith<T>` and runs on plain
//! numbers ([`Num`], inside the fast backward loops) and on the tape's
//! variables (building the graph of the gradient, for higher orders).

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::UnaryOp;
use crate::float::Float;

/// Numbers or graph values with `+ - * /`, negation and the crate's unary
/// ops; the named methods are shorthands for [`unary`](Arith::unary).
pub(crate) trait Arith<T: Float>:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> + Neg<Output = Self>
{
    /// Applies an elementwise function.
    fn unary(self, op: UnaryOp<T>) -> Self;

    /// `f(self)` for a piecewise-constant `f`, whose derivative is zero
    /// wherever it is defined (the derivatives of ReLU, clamp and their
    /// kin): computed on numbers, a constant on a graph.
    fn step(self, f: impl Fn(T) -> T) -> Self;

    /// `f(self, other)`, elementwise with broadcasting, for a
    /// piecewise-constant `f` (which of two operands `maximum` passes its
    /// gradient to): computed on numbers, a constant on a graph.
    fn step2(self, other: Self, f: impl Fn(T, T) -> T) -> Self;

    /// `a` where `self > 0`, else `b`: a [`step`](Arith::step).
    #[inline(always)]
    fn select_positive(self, a: T, b: T) -> Self {
        self.step(move |x| if x > T::ZERO { a } else { b })
    }

    /// `self + c`.
    #[inline(always)]
    fn add_scalar(self, c: T) -> Self {
        self.unary(UnaryOp::AddScalar(c))
    }

    /// `self * c`.
    #[inline(always)]
    fn mul_scalar(self, c: T) -> Self {
        self.unary(UnaryOp::MulScalar(c))
    }

    /// `self / c`.
    #[inline(always)]
    fn div_scalar(self, c: T) -> Self {
        self.unary(UnaryOp::DivScalar(c))
    }

    /// `c - self`.
    #[inline(always)]
    fn rsub_scalar(self, c: T) -> Self {
        self.unary(UnaryOp::ScalarSub(c))
    }

    /// `c / self`.
    #[inline(always)]
    fn rdiv_scalar(self, c: T) -> Self {
        self.unary(UnaryOp::ScalarDiv(c))
    }

    /// `self^p`.
    #[inline(always)]
    fn powf(self, p: T) -> Self {
        self.unary(UnaryOp::Powf(p))
    }

    /// `tanh self`.
    #[inline(always)]
    fn tanh(self) -> Self {
        self.unary(UnaryOp::Tanh)
    }

    /// `e^self`.
    #[inline(always)]
    fn exp(self) -> Self {
        self.unary(UnaryOp::Exp)
    }

    /// The error function.
    #[inline(always)]
    fn erf(self) -> Self {
        self.unary(UnaryOp::Erf)
    }

    /// Sine.
    #[inline(always)]
    fn sin(self) -> Self {
        self.unary(UnaryOp::Sin)
    }

    /// Cosine.
    #[inline(always)]
    fn cos(self) -> Self {
        self.unary(UnaryOp::Cos)
    }

    /// The logistic sigmoid.
    #[inline(always)]
    fn sigmoid(self) -> Self {
        self.unary(UnaryOp::Sigmoid)
    }

    /// `sign(self)`: 1, -1 or 0.
    #[inline(always)]
    fn sign(self) -> Self {
        self.unary(UnaryOp::Sign)
    }

    /// `0 * self` as a value of its own: the gradient of a function whose
    /// derivative is zero everywhere.
    #[inline(always)]
    fn zero_like(self) -> Self {
        self.select_positive(T::ZERO, T::ZERO)
    }
}

/// A plain number as an [`Arith`] value: the unary ops are their forward
/// functions. (A newtype, so that its methods do not shadow `Float`'s.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Num<T>(pub T);

impl<T: Float> Arith<T> for Num<T> {
    #[inline(always)]
    fn unary(self, op: UnaryOp<T>) -> Self {
        Num(op.value(self.0))
    }

    #[inline(always)]
    fn step(self, f: impl Fn(T) -> T) -> Self {
        Num(f(self.0))
    }

    #[inline(always)]
    fn step2(self, other: Self, f: impl Fn(T, T) -> T) -> Self {
        Num(f(self.0, other.0))
    }
}

macro_rules! num_operator {
    ($trait:ident, $method:ident, $op:tt) => {
        impl<T: Float> $trait for Num<T> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, rhs: Self) -> Self {
                Num(self.0 $op rhs.0)
            }
        }
    };
}

num_operator!(Add, add, +);
num_operator!(Sub, sub, -);
num_operator!(Mul, mul, *);
num_operator!(Div, div, /);

impl<T: Float> Neg for Num<T> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Num(-self.0)
    }
}
