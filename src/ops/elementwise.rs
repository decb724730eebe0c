//! Elementwise functions of one input: each is a small type with its value
//! and its derivative side by side, and one pair of loops runs them all.

use crate::float::Float;
use crate::kernels::vectorize::vectorized;
use crate::tape::{Op, UnaryOp, Var};

/// A scalar function with its derivative.
trait Elementwise<T: Float>: Copy {
    /// `y = f(x)`.
    fn value(self, x: T) -> T;
    /// `dy/dx`, given both `x` and `y = f(x)` (whichever is cheaper to use).
    fn derivative(self, x: T, y: T) -> T;
}

#[derive(Clone, Copy)]
struct Neg;
impl<T: Float> Elementwise<T> for Neg {
    fn value(self, x: T) -> T {
        -x
    }
    fn derivative(self, _: T, _: T) -> T {
        -T::ONE
    }
}

#[derive(Clone, Copy)]
struct Exp;
impl<T: Float> Elementwise<T> for Exp {
    fn value(self, x: T) -> T {
        x.fast_exp()
    }
    fn derivative(self, _: T, y: T) -> T {
        y
    }
}

#[derive(Clone, Copy)]
struct Ln;
impl<T: Float> Elementwise<T> for Ln {
    fn value(self, x: T) -> T {
        x.ln()
    }
    fn derivative(self, x: T, _: T) -> T {
        T::ONE / x
    }
}

#[derive(Clone, Copy)]
struct Sqrt;
impl<T: Float> Elementwise<T> for Sqrt {
    fn value(self, x: T) -> T {
        x.sqrt()
    }
    fn derivative(self, _: T, y: T) -> T {
        T::from_f64(0.5) / y
    }
}

#[derive(Clone, Copy)]
struct Powf<T>(T);
impl<T: Float> Elementwise<T> for Powf<T> {
    fn value(self, x: T) -> T {
        x.powf(self.0)
    }
    fn derivative(self, x: T, _: T) -> T {
        self.0 * x.powf(self.0 - T::ONE)
    }
}

/// `|x|`; the derivative at 0 is 0, as in PyTorch.
#[derive(Clone, Copy)]
struct Abs;
impl<T: Float> Elementwise<T> for Abs {
    fn value(self, x: T) -> T {
        x.abs()
    }
    fn derivative(self, x: T, _: T) -> T {
        sign(x)
    }
}

#[derive(Clone, Copy)]
struct Tanh;
impl<T: Float> Elementwise<T> for Tanh {
    fn value(self, x: T) -> T {
        x.fast_tanh()
    }
    fn derivative(self, _: T, y: T) -> T {
        T::ONE - y * y
    }
}

/// Never computes `e^x` for large positive `x`, so it cannot overflow.
#[derive(Clone, Copy)]
struct Sigmoid;
impl<T: Float> Elementwise<T> for Sigmoid {
    fn value(self, x: T) -> T {
        sigmoid(x)
    }
    fn derivative(self, _: T, y: T) -> T {
        y * (T::ONE - y)
    }
}

/// The derivative at 0 is 0, as in PyTorch.
#[derive(Clone, Copy)]
struct Relu;
impl<T: Float> Elementwise<T> for Relu {
    fn value(self, x: T) -> T {
        if x > T::ZERO { x } else { T::ZERO }
    }
    fn derivative(self, x: T, _: T) -> T {
        if x > T::ZERO { T::ONE } else { T::ZERO }
    }
}

#[derive(Clone, Copy)]
struct LeakyRelu<T>(T);
impl<T: Float> Elementwise<T> for LeakyRelu<T> {
    fn value(self, x: T) -> T {
        if x > T::ZERO { x } else { self.0 * x }
    }
    fn derivative(self, x: T, _: T) -> T {
        if x > T::ZERO { T::ONE } else { self.0 }
    }
}

/// GELU with the tanh approximation (PyTorch's `approximate="tanh"`):
/// `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
#[derive(Clone, Copy)]
struct Gelu;
const GELU_K: f64 = 0.044_715;
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
impl<T: Float> Elementwise<T> for Gelu {
    fn value(self, x: T) -> T {
        let inner = T::from_f64(SQRT_2_OVER_PI) * (x + T::from_f64(GELU_K) * x * x * x);
        T::from_f64(0.5) * x * (T::ONE + inner.fast_tanh())
    }
    fn derivative(self, x: T, _: T) -> T {
        let c = T::from_f64(SQRT_2_OVER_PI);
        let k = T::from_f64(GELU_K);
        let t = (c * (x + k * x * x * x)).fast_tanh();
        let half = T::from_f64(0.5);
        half * (T::ONE + t) + half * x * (T::ONE - t * t) * c * (T::ONE + T::from_f64(3.0) * k * x * x)
    }
}

#[derive(Clone, Copy)]
struct AddScalar<T>(T);
impl<T: Float> Elementwise<T> for AddScalar<T> {
    fn value(self, x: T) -> T {
        x + self.0
    }
    fn derivative(self, _: T, _: T) -> T {
        T::ONE
    }
}

#[derive(Clone, Copy)]
struct MulScalar<T>(T);
impl<T: Float> Elementwise<T> for MulScalar<T> {
    fn value(self, x: T) -> T {
        x * self.0
    }
    fn derivative(self, _: T, _: T) -> T {
        self.0
    }
}

#[derive(Clone, Copy)]
struct DivScalar<T>(T);
impl<T: Float> Elementwise<T> for DivScalar<T> {
    fn value(self, x: T) -> T {
        x / self.0
    }
    fn derivative(self, _: T, _: T) -> T {
        T::ONE / self.0
    }
}

#[derive(Clone, Copy)]
struct ScalarSub<T>(T);
impl<T: Float> Elementwise<T> for ScalarSub<T> {
    fn value(self, x: T) -> T {
        self.0 - x
    }
    fn derivative(self, _: T, _: T) -> T {
        -T::ONE
    }
}

#[derive(Clone, Copy)]
struct ScalarDiv<T>(T);
impl<T: Float> Elementwise<T> for ScalarDiv<T> {
    fn value(self, x: T) -> T {
        self.0 / x
    }
    fn derivative(self, x: T, y: T) -> T {
        -y / x
    }
}

/// `sign(x)`, with `sign(0) = 0`.
pub(crate) fn sign<T: Float>(x: T) -> T {
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

/// Runs `$body` with `$f` bound to the function that implements `$op`.
macro_rules! with_function {
    ($op:expr, |$f:ident| $body:expr) => {
        match $op {
            UnaryOp::Neg => {
                let $f = Neg;
                $body
            }
            UnaryOp::Exp => {
                let $f = Exp;
                $body
            }
            UnaryOp::Ln => {
                let $f = Ln;
                $body
            }
            UnaryOp::Sqrt => {
                let $f = Sqrt;
                $body
            }
            UnaryOp::Powf(p) => {
                let $f = Powf(p);
                $body
            }
            UnaryOp::Abs => {
                let $f = Abs;
                $body
            }
            UnaryOp::Tanh => {
                let $f = Tanh;
                $body
            }
            UnaryOp::Sigmoid => {
                let $f = Sigmoid;
                $body
            }
            UnaryOp::Relu => {
                let $f = Relu;
                $body
            }
            UnaryOp::LeakyRelu(s) => {
                let $f = LeakyRelu(s);
                $body
            }
            UnaryOp::Gelu => {
                let $f = Gelu;
                $body
            }
            UnaryOp::AddScalar(c) => {
                let $f = AddScalar(c);
                $body
            }
            UnaryOp::MulScalar(c) => {
                let $f = MulScalar(c);
                $body
            }
            UnaryOp::DivScalar(c) => {
                let $f = DivScalar(c);
                $body
            }
            UnaryOp::ScalarSub(c) => {
                let $f = ScalarSub(c);
                $body
            }
            UnaryOp::ScalarDiv(c) => {
                let $f = ScalarDiv(c);
                $body
            }
        }
    };
}

/// Forward: `out = f(x)`, elementwise.
fn forward<T: Float>(op: UnaryOp<T>, x: &[T], out: &mut Vec<T>) {
    with_function!(op, |f| vectorized(|| out.extend(x.iter().map(|&x| f.value(x)))))
}

/// `x = f(x)` in place: the same function without a tape, for inference.
pub(crate) fn apply_in_place<T: Float>(op: UnaryOp<T>, x: &mut [T]) {
    with_function!(op, |f| vectorized(|| x.iter_mut().for_each(|x| *x = f.value(*x))))
}

/// Backward: `target += g * f'(x)`, elementwise.
pub(crate) fn backward<T: Float>(op: UnaryOp<T>, x: &[T], y: &[T], g: &[T], target: &mut [T]) {
    with_function!(op, |f| {
        vectorized(|| {
            for ((t, &g), (&x, &y)) in target.iter_mut().zip(g).zip(x.iter().zip(y)) {
                *t += g * f.derivative(x, y);
            }
        })
    })
}

impl<'t, T: Float> Var<'t, T> {
    pub(crate) fn unary(self, op: UnaryOp<T>) -> Var<'t, T> {
        let id = self.id as usize;
        self.tape.record(Op::Unary(op, self.id), self.shape(), |nodes, out| forward(op, nodes[id].value.data(), out))
    }

    /// `x + c`, for code generic over the element type (where `x + 2.0`
    /// cannot name the scalar's type).
    pub fn add_scalar(self, c: T) -> Self {
        self.unary(UnaryOp::AddScalar(c))
    }

    /// `x * c`, for code generic over the element type.
    pub fn mul_scalar(self, c: T) -> Self {
        self.unary(UnaryOp::MulScalar(c))
    }

    /// `e^x`, elementwise.
    pub fn exp(self) -> Self {
        self.unary(UnaryOp::Exp)
    }

    /// Natural logarithm, elementwise.
    pub fn ln(self) -> Self {
        self.unary(UnaryOp::Ln)
    }

    /// Square root, elementwise.
    pub fn sqrt(self) -> Self {
        self.unary(UnaryOp::Sqrt)
    }

    /// `x^p` for a constant exponent, elementwise.
    pub fn powf(self, p: T) -> Self {
        self.unary(UnaryOp::Powf(p))
    }

    /// `|x|`, elementwise; its derivative at 0 is taken to be 0.
    pub fn abs(self) -> Self {
        self.unary(UnaryOp::Abs)
    }

    /// Hyperbolic tangent, elementwise.
    pub fn tanh(self) -> Self {
        self.unary(UnaryOp::Tanh)
    }

    /// Logistic sigmoid `1 / (1 + e^-x)`, elementwise, stable for large `|x|`.
    pub fn sigmoid(self) -> Self {
        self.unary(UnaryOp::Sigmoid)
    }

    /// `max(x, 0)`, elementwise; its derivative at 0 is taken to be 0.
    pub fn relu(self) -> Self {
        self.unary(UnaryOp::Relu)
    }

    /// `x` for positive `x`, `slope * x` otherwise (PyTorch's default slope is 0.01).
    pub fn leaky_relu(self, slope: T) -> Self {
        self.unary(UnaryOp::LeakyRelu(slope))
    }

    /// GELU, tanh approximation: `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`
    /// (PyTorch's `gelu(x, approximate="tanh")`).
    pub fn gelu(self) -> Self {
        self.unary(UnaryOp::Gelu)
    }
}
