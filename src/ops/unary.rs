//! Elementwise functions of one input. Each is one line of [`unary_table`]:
//! `fn name(parameter)`, its variant, its name in listings, its value and
//! its gradient, side by side. The table generates [`UnaryOp`], the
//! function types the loops are compiled for, and a method of that name on
//! both `Tensor` (`ops/eager.rs`) and `Var` (`tape/var.rs`), with the line's
//! doc comment: searching for `fn sin` finds its line here. Adding a
//! function is one line.
//!
//! The methods that come from the table: `neg`, `exp`, `ln`, `sqrt`, `powf`,
//! `abs`, `sign`, `tanh`, `sigmoid`, `relu`, `leaky_relu`, `erf`, `gelu`,
//! `gelu_tanh`, `add_scalar`, `mul_scalar`, `div_scalar`, `rsub_scalar`,
//! `rdiv_scalar`, `sin`, `cos`, `softplus`, `log1p`, `expm1`, `square`,
//! `rsqrt`, `clamp_min`, `clamp_max`.
//!
//! A gradient `|g, x, y| ...` is the vector-Jacobian product for output
//! gradient `g` at input `x` with value `y = f(x)`, written over
//! [`Arith`], so the same line serves the fast loop (plain numbers) and the
//! graph path (gradients that can be differentiated again).

use std::f64::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};

use super::{Arith, Graph, Kernel, Num};
use crate::float::Float;
use crate::kernels::vectorize::vectorized;
use crate::tensor::Tensor;

/// The table of elementwise functions, handed to `$callback`. An entry is
///
/// `fn method(param: T) Variant "name" |x| value, |g, x, y| gradient;`
///
/// with at most one parameter, of the element type `T` (which the
/// expressions may use).
macro_rules! unary_table {
    ($callback:ident) => {
        $callback! {
            /// `-x`, elementwise.
            fn neg() Neg "neg" |x| -x, |g, x, y| -g;
            /// `e^x`, elementwise.
            fn exp() Exp "exp" |x| x.fast_exp(), |g, x, y| g * y;
            /// Natural logarithm, elementwise.
            fn ln() Ln "ln" |x| x.ln(), |g, x, y| g / x;
            /// Square root, elementwise.
            fn sqrt() Sqrt "sqrt" |x| x.sqrt(), |g, x, y| g * y.rdiv_scalar(T::from_f64(0.5));
            /// `x^p` for a constant exponent, elementwise.
            fn powf(p: T) Powf "powf({p})" |x| x.powf(p), |g, x, y| g * x.powf(p - T::ONE).mul_scalar(p);
            /// `|x|`, elementwise; its derivative at 0 is taken to be 0, as in PyTorch.
            fn abs() Abs "abs" |x| x.abs(), |g, x, y| g * x.sign();
            /// The sign, `1`, `-1` or `0`, elementwise; its derivative is 0.
            fn sign() Sign "sign" |x| sign(x), |g, x, y| g.zero_like();
            /// Hyperbolic tangent, elementwise.
            fn tanh() Tanh "tanh" |x| x.fast_tanh(), |g, x, y| g * (y * y).rsub_scalar(T::ONE);
            /// Logistic sigmoid `1 / (1 + e^-x)`, elementwise, stable for large `|x|`.
            fn sigmoid() Sigmoid "sigmoid" |x| sigmoid(x), |g, x, y| g * (y * y.rsub_scalar(T::ONE));
            /// `max(x, 0)`, elementwise; its derivative at 0 is taken to be 0, as in PyTorch.
            fn relu() Relu "relu" |x| if x > T::ZERO { x } else { T::ZERO },
                |g, x, y| g * x.select_positive(T::ONE, T::ZERO);
            /// `x` for positive `x`, `slope * x` otherwise (PyTorch's default slope is 0.01).
            fn leaky_relu(slope: T) LeakyRelu "leaky_relu({slope})" |x| if x > T::ZERO { x } else { slope * x },
                |g, x, y| g * x.select_positive(T::ONE, slope);
            /// The error function `erf x = 2/√π ∫₀ˣ e^(-t²) dt`, elementwise.
            fn erf() Erf "erf" |x| x.erf(), |g, x, y| g * (-(x * x)).exp().mul_scalar(T::from_f64(FRAC_2_SQRT_PI));
            /// GELU, exact: `x Φ(x) = 0.5 x (1 + erf(x / √2))`, elementwise
            /// (PyTorch's default `gelu`). [`gelu_tanh`](Self::gelu_tanh) is the
            /// approximation.
            fn gelu() Gelu "gelu" |x| gelu(x), |g, x, y| g * gelu_derivative(x);
            /// GELU, tanh approximation: `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`
            /// (PyTorch's `gelu(x, approximate="tanh")`), elementwise.
            fn gelu_tanh() GeluTanh "gelu_tanh" |x| gelu_tanh(x), |g, x, y| g * gelu_tanh_derivative(x);
            /// `x + c`, for code generic over the element type (where `x + 2.0`
            /// cannot name the scalar's type).
            fn add_scalar(c: T) AddScalar "add({c})" |x| x + c, |g, x, y| g;
            /// `x * c`, for code generic over the element type.
            fn mul_scalar(c: T) MulScalar "mul({c})" |x| x * c, |g, x, y| g.mul_scalar(c);
            /// `x / c`, for code generic over the element type.
            fn div_scalar(c: T) DivScalar "div({c})" |x| x / c, |g, x, y| g.mul_scalar(T::ONE / c);
            /// `c - x`, for code generic over the element type.
            fn rsub_scalar(c: T) ScalarSub "rsub({c})" |x| c - x, |g, x, y| -g;
            /// `c / x`, for code generic over the element type.
            fn rdiv_scalar(c: T) ScalarDiv "rdiv({c})" |x| c / x, |g, x, y| g * (-y / x);
            /// Sine, elementwise.
            fn sin() Sin "sin" |x| x.sin(), |g, x, y| g * x.cos();
            /// Cosine, elementwise.
            fn cos() Cos "cos" |x| x.cos(), |g, x, y| g * -x.sin();
            /// `ln(1 + e^x)`, elementwise, as PyTorch's `softplus` (beta 1,
            /// threshold 20): `x` itself where `x > 20`, with gradient 1 there.
            fn softplus() Softplus "softplus" |x| softplus(x), |g, x, y| g * softplus_slope(x);
            /// `ln(1 + x)`, elementwise, accurate near 0.
            fn log1p() Log1p "log1p" |x| x.ln_1p(), |g, x, y| g / x.add_scalar(T::ONE);
            /// `e^x - 1`, elementwise, accurate near 0.
            fn expm1() Expm1 "expm1" |x| x.exp_m1(), |g, x, y| g * y.add_scalar(T::ONE);
            /// `x²`, elementwise.
            fn square() Square "square" |x| x * x, |g, x, y| g * x.mul_scalar(T::from_f64(2.0));
            /// `1 / √x`, elementwise.
            fn rsqrt() Rsqrt "rsqrt" |x| T::ONE / x.sqrt(), |g, x, y| g * (y * y * y).mul_scalar(T::from_f64(-0.5));
            /// `max(x, min)`, elementwise (PyTorch's `clamp_min`; NaN stays NaN);
            /// the gradient passes where `x > min` (not at `min` itself, as in PyTorch).
            fn clamp_min(min: T) ClampMin "clamp_min({min})" |x| if x < min { min } else { x },
                |g, x, y| g * x.step(|x| if x > min { T::ONE } else { T::ZERO });
            /// `min(x, max)`, elementwise (PyTorch's `clamp_max`; NaN stays NaN);
            /// the gradient passes where `x < max` (not at `max` itself, as in PyTorch).
            fn clamp_max(max: T) ClampMax "clamp_max({max})" |x| if x > max { max } else { x },
                |g, x, y| g * x.step(|x| if x < max { T::ONE } else { T::ZERO });
        }
    };
}
pub(crate) use unary_table;

/// One elementwise function, monomorphic: what the loops are compiled for.
trait Function<T: Float>: Copy {
    fn value(self, x: T) -> T;
    fn vjp<A: Arith<T>>(self, g: A, x: A, y: A) -> A;
}

/// `T::ZERO` for functions without a parameter, the parameter otherwise.
macro_rules! param_or_zero {
    () => {
        T::ZERO
    };
    ($p:ident) => {
        $p
    };
}

macro_rules! define_unary_ops {
    ($($(#[$doc:meta])* fn $method:ident($($p:ident: $pty:ty)?) $variant:ident $name:literal
        |$x:ident| $value:expr, |$g:ident, $gx:ident, $gy:ident| $vjp:expr;)*) => {
        /// An elementwise function: one per line of `unary_table`.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub(crate) enum UnaryOp<T> {
            $($(#[$doc])* $variant$(($pty))?,)*
        }

        /// The functions as types, so that each loop is compiled for each.
        mod function {
            use super::*;
            $(
                #[derive(Clone, Copy)]
                pub(super) struct $variant<T>(#[allow(dead_code)] pub(super) T);

                impl<T: Float> Function<T> for $variant<T> {
                    #[inline(always)]
                    fn value(self, $x: T) -> T {
                        $(let $p = self.0;)?
                        $value
                    }
                    #[inline(always)]
                    #[allow(unused_variables)]
                    fn vjp<A: Arith<T>>(self, $g: A, $gx: A, $gy: A) -> A {
                        $(let $p = self.0;)?
                        $vjp
                    }
                }
            )*
        }

        /// Runs `$body` with `$f` bound to `$op`'s function (a different
        /// type per op, so that `$body` is compiled for each).
        macro_rules! with_function {
            ($op_:expr, |$f_:ident| $body_:expr) => {
                match $op_ {
                    $(UnaryOp::$variant$(($p))? => {
                        let $f_ = function::$variant(param_or_zero!($($p)?));
                        $body_
                    })*
                }
            };
        }

        impl<T: Float> UnaryOp<T> {
            /// The name in listings, e.g. `tanh`, `powf(2)`.
            fn listing_name(self) -> String {
                match self {
                    $(UnaryOp::$variant$(($p))? => format!($name),)*
                }
            }
        }
    };
}

unary_table!(define_unary_ops);

/// `sign(x)`, with `sign(0) = 0`.
fn sign<T: Float>(x: T) -> T {
    if x > T::ZERO {
        T::ONE
    } else if x < T::ZERO {
        -T::ONE
    } else {
        T::ZERO
    }
}

/// The logistic function, computed from `e^-|x|` so that the exponential
/// never overflows, and without a branch so that loops vectorise.
pub(crate) fn sigmoid<T: Float>(x: T) -> T {
    let e = (-x.abs()).fast_exp();
    let r = T::ONE / (T::ONE + e);
    if x >= T::ZERO { r } else { e * r }
}

/// Above this, `softplus(x)` is `x` (PyTorch's default `threshold`).
const SOFTPLUS_THRESHOLD: f64 = 20.0;

/// `ln(1 + e^x)`, or `x` above the threshold, as PyTorch computes it.
fn softplus<T: Float>(x: T) -> T {
    if x > T::from_f64(SOFTPLUS_THRESHOLD) { x } else { x.fast_exp().fast_ln_1p() }
}

/// `d softplus / dx`: the sigmoid, or 1 above the threshold, written over
/// [`Arith`] (the threshold is a step, constant on a graph).
#[inline(always)]
fn softplus_slope<T: Float, A: Arith<T>>(x: A) -> A {
    let below = x.step(|x| if x > T::from_f64(SOFTPLUS_THRESHOLD) { T::ZERO } else { T::ONE });
    x.sigmoid() * below + below.rsub_scalar(T::ONE)
}

const GELU_K: f64 = 0.044_715;
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
/// `1 / √(2π)`, the standard normal density at 0.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// GELU, exact: `x Φ(x)`.
fn gelu<T: Float>(x: T) -> T {
    T::from_f64(0.5) * x * (T::ONE + (x * T::from_f64(FRAC_1_SQRT_2)).erf())
}

/// `d gelu / dx = Φ(x) + x φ(x)`, written over [`Arith`].
#[inline(always)]
fn gelu_derivative<T: Float, A: Arith<T>>(x: A) -> A {
    let cdf = x.mul_scalar(T::from_f64(FRAC_1_SQRT_2)).erf().add_scalar(T::ONE).mul_scalar(T::from_f64(0.5));
    let pdf = (x * x).mul_scalar(T::from_f64(-0.5)).exp().mul_scalar(T::from_f64(INV_SQRT_2PI));
    cdf + x * pdf
}

/// GELU, tanh approximation.
fn gelu_tanh<T: Float>(x: T) -> T {
    let inner = T::from_f64(SQRT_2_OVER_PI) * (x + T::from_f64(GELU_K) * x * x * x);
    T::from_f64(0.5) * x * (T::ONE + inner.fast_tanh())
}

/// `d gelu_tanh / dx = ½ (1 + t) + ½ x (1 - t²) c (1 + 3k x²)`,
/// `t = tanh(c (x + k x³))`, written over [`Arith`].
#[inline(always)]
fn gelu_tanh_derivative<T: Float, A: Arith<T>>(x: A) -> A {
    let c = T::from_f64(SQRT_2_OVER_PI);
    let k = T::from_f64(GELU_K);
    let half = T::from_f64(0.5);
    let t = (x + x.mul_scalar(k) * x * x).mul_scalar(c).tanh();
    let slope = (x.mul_scalar(T::from_f64(3.0) * k) * x).add_scalar(T::ONE);
    t.add_scalar(T::ONE).mul_scalar(half) + (x.mul_scalar(half) * (t * t).rsub_scalar(T::ONE)).mul_scalar(c) * slope
}

impl<T: Float> UnaryOp<T> {
    /// `f(x)`.
    #[inline(always)]
    pub(crate) fn value(self, x: T) -> T {
        with_function!(self, |f| f.value(x))
    }
}

/// `x = f(x)` in place: the function without a tape, for inference.
pub(crate) fn apply_in_place<T: Float>(op: UnaryOp<T>, x: &mut [T]) {
    with_function!(op, |f| vectorized(|| x.iter_mut().for_each(|x| *x = f.value(*x))))
}

impl<T: Float> Kernel<T> for UnaryOp<T> {
    fn name(&self) -> String {
        self.listing_name()
    }

    /// `out = f(x)`, elementwise.
    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        with_function!(*self, |f| vectorized(|| out.extend(x.iter().map(|&x| f.value(x)))))
    }

    /// `target += vjp(g, x, y)`, elementwise.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], out: &Tensor<T>, g: &[T], target: &mut [T]) {
        let (x, y) = (inputs[0].data(), out.data());
        with_function!(*self, |f| vectorized(|| {
            for ((t, &g), (&x, &y)) in target.iter_mut().zip(g).zip(x.iter().zip(y)) {
                *t += f.vjp(Num(g), Num(x), Num(y)).0;
            }
        }))
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], out: G, g: G) -> Option<G> {
        Some(with_function!(*self, |f| f.vjp(g, inputs[0], out)))
    }
}
