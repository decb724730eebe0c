//! `+ - * /` and unary `-` on [`Var`]s, and between a `Var` and a scalar on
//! either side.
//!
//! `Var op scalar` is generic over the element type, so that a bare float
//! literal (`z / 2.0`) is inferred together with the `Var`'s type; `scalar op
//! Var` cannot be generic (Rust's orphan rule), so it is implemented for
//! `f32` and `f64`.

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::Var;
use crate::float::Float;
use crate::ops::{BinaryOp, UnaryOp};

macro_rules! var_operators {
    ($($trait:ident $method:ident: $binary:expr, |$x:ident, $c:ident| $with_scalar:expr;)*) => {$(
        impl<'t, T: Float> $trait<Var<'t, T>> for Var<'t, T> {
            type Output = Var<'t, T>;
            #[track_caller]
            fn $method(self, rhs: Var<'t, T>) -> Var<'t, T> {
                self.binary($binary, rhs)
            }
        }
        impl<'t, T: Float> $trait<T> for Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, $c: T) -> Var<'t, T> {
                let $x = self;
                $with_scalar
            }
        }
    )*};
}

var_operators! {
    Add add: BinaryOp::Add, |x, c| x.unary(UnaryOp::AddScalar(c));
    // `x - c` is recorded as `x + (-c)`, which IEEE-754 makes exact.
    Sub sub: BinaryOp::Sub, |x, c| x.unary(UnaryOp::AddScalar(-c));
    Mul mul: BinaryOp::Mul, |x, c| x.unary(UnaryOp::MulScalar(c));
    Div div: BinaryOp::Div, |x, c| x.unary(UnaryOp::DivScalar(c));
}

macro_rules! scalar_var {
    ($($t:ty),*) => {$(
        impl<'t> Add<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn add(self, x: Var<'t, $t>) -> Var<'t, $t> {
                x.unary(UnaryOp::AddScalar(self))
            }
        }
        impl<'t> Sub<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn sub(self, x: Var<'t, $t>) -> Var<'t, $t> {
                x.unary(UnaryOp::ScalarSub(self))
            }
        }
        impl<'t> Mul<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn mul(self, x: Var<'t, $t>) -> Var<'t, $t> {
                x.unary(UnaryOp::MulScalar(self))
            }
        }
        impl<'t> Div<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn div(self, x: Var<'t, $t>) -> Var<'t, $t> {
                x.unary(UnaryOp::ScalarDiv(self))
            }
        }
    )*};
}

scalar_var!(f32, f64);

impl<'t, T: Float> Neg for Var<'t, T> {
    type Output = Var<'t, T>;
    fn neg(self) -> Var<'t, T> {
        self.unary(UnaryOp::Neg)
    }
}
