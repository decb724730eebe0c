//! The activations an [`Mlp`](super::Mlp) can use between its layers.

use std::fmt;

use super::Init;
use crate::float::Float;
use crate::ops::{UnaryOp, apply_in_place};
use crate::tape::Var;
use crate::tensor::Tensor;

/// An elementwise nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// `tanh x`.
    Tanh,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// `x` if positive, else `slope * x` (PyTorch's default slope: 0.01).
    LeakyRelu(f64),
    /// GELU, tanh approximation.
    Gelu,
}

impl Activation {
    /// Applies the activation, recording it on the tape.
    pub fn apply<'t, T: Float>(self, x: Var<'t, T>) -> Var<'t, T> {
        x.unary(self.op())
    }

    /// Applies the activation to every element in place, without a tape.
    pub fn apply_in_place<T: Float>(self, x: &mut Tensor<T>) {
        apply_in_place(self.op(), x.data_mut());
    }

    /// The elementwise op this activation is.
    fn op<T: Float>(self) -> UnaryOp<T> {
        match self {
            Activation::Relu => UnaryOp::Relu,
            Activation::Tanh => UnaryOp::Tanh,
            Activation::Sigmoid => UnaryOp::Sigmoid,
            Activation::LeakyRelu(slope) => UnaryOp::LeakyRelu(T::from_f64(slope)),
            Activation::Gelu => UnaryOp::Gelu,
        }
    }

    /// The initialisation that suits it: He for the ReLU family, Xavier for
    /// the saturating ones.
    pub fn default_init(self) -> Init {
        match self {
            Activation::Relu | Activation::LeakyRelu(_) | Activation::Gelu => Init::HeUniform,
            Activation::Tanh | Activation::Sigmoid => Init::XavierUniform,
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Relu => write!(f, "ReLU"),
            Activation::Tanh => write!(f, "Tanh"),
            Activation::Sigmoid => write!(f, "Sigmoid"),
            Activation::LeakyRelu(slope) => write!(f, "LeakyReLU({slope})"),
            Activation::Gelu => write!(f, "GELU(tanh)"),
        }
    }
}
