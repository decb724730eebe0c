//! `+ - * /` and unary `-` on [`Var`]s, and between a `Var` and a scalar on
//! either side.

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::Var;
use crate::float::Float;
use crate::ops::{BinaryOp, UnaryOp};

macro_rules! var_var {
    ($trait:ident, $method:ident, $op:expr) => {
        impl<'t, T: Float> $trait<Var<'t, T>> for Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: Var<'t, T>) -> Var<'t, T> {
                self.binary($op, rhs)
            }
        }
    };
}

var_var!(Add, add, BinaryOp::Add);
var_var!(Sub, sub, BinaryOp::Sub);
var_var!(Mul, mul, BinaryOp::Mul);
var_var!(Div, div, BinaryOp::Div);

macro_rules! var_scalar {
    ($t:ty) => {
        impl<'t> Add<$t> for Var<'t, $t> {
            type Output = Var<'t, $t>;
            fn add(self, c: $t) -> Var<'t, $t> {
                self.unary(UnaryOp::AddScalar(c))
            }
        }
        impl<'t> Sub<$t> for Var<'t, $t> {
            type Output = Var<'t, $t>;
            /// `x - c` is recorded as `x + (-c)`, which IEEE-754 makes exact.
            fn sub(self, c: $t) -> Var<'t, $t> {
                self.unary(UnaryOp::AddScalar(-c))
            }
        }
        impl<'t> Mul<$t> for Var<'t, $t> {
            type Output = Var<'t, $t>;
            fn mul(self, c: $t) -> Var<'t, $t> {
                self.unary(UnaryOp::MulScalar(c))
            }
        }
        impl<'t> Div<$t> for Var<'t, $t> {
            type Output = Var<'t, $t>;
            fn div(self, c: $t) -> Var<'t, $t> {
                self.unary(UnaryOp::DivScalar(c))
            }
        }
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
    };
}

var_scalar!(f32);
var_scalar!(f64);

impl<'t, T: Float> Neg for Var<'t, T> {
    type Output = Var<'t, T>;
    fn neg(self) -> Var<'t, T> {
        self.unary(UnaryOp::Neg)
    }
}
