//! The activations an [`Mlp`](super::Mlp) can use between its layers.

use std::fmt;

use super::{Field, FieldMut, Init, Module};
use crate::float::Float;
use crate::ops::{UnaryOp, apply_in_place};
use crate::tape::Var;
use crate::tensor::Tensor;

/// An elementwise nonlinearity; also a [`Module`] without parameters, to put
/// between layers in a [`Sequential`](super::Sequential).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// `tanh x`.
    Tanh,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// `x` if positive, else `slope * x` (PyTorch's default slope: 0.01).
    /// The slope must be finite in the model's float type: an [`Mlp`]
    /// refuses another when it is built, any other use when it is applied
    /// (a NaN slope would make every negative input NaN without a word).
    ///
    /// [`Mlp`]: super::Mlp
    LeakyRelu(f64),
    /// GELU, exact (`x Φ(x)`, with the error function): PyTorch's default.
    Gelu,
    /// GELU, tanh approximation (PyTorch's `approximate="tanh"`).
    GeluTanh,
}

impl Activation {
    /// Applies the activation, recording it on the tape.
    ///
    /// # Panics
    /// If a [`LeakyRelu`](Activation::LeakyRelu) slope is not finite.
    #[track_caller]
    pub fn apply<'t, T: Float>(self, x: Var<'t, T>) -> Var<'t, T> {
        x.unary(self.op())
    }

    /// Applies the activation to every element in place, without a tape.
    ///
    /// # Panics
    /// As [`apply`](Activation::apply).
    #[track_caller]
    pub fn apply_in_place<T: Float>(self, x: &mut Tensor<T>) {
        apply_in_place(self.op(), x.data_mut());
    }

    /// Panics unless the activation's parameter is usable in `T`.
    #[track_caller]
    pub(crate) fn check<T: Float>(self) {
        if let Activation::LeakyRelu(slope) = self {
            assert!(
                T::from_f64(slope).is_finite(),
                "Activation::LeakyRelu: the slope must be a finite {}, got {slope}",
                T::DTYPE
            );
        }
    }

    /// The elementwise op this activation is.
    #[track_caller]
    fn op<T: Float>(self) -> UnaryOp<T> {
        self.check::<T>();
        match self {
            Activation::Relu => UnaryOp::Relu,
            Activation::Tanh => UnaryOp::Tanh,
            Activation::Sigmoid => UnaryOp::Sigmoid,
            Activation::LeakyRelu(slope) => UnaryOp::LeakyRelu(T::from_f64(slope)),
            Activation::Gelu => UnaryOp::Gelu,
            Activation::GeluTanh => UnaryOp::GeluTanh,
        }
    }

    /// The initialisation that suits it: He for the ReLU family, Xavier for
    /// the saturating ones.
    pub fn default_init(self) -> Init {
        match self {
            Activation::Relu | Activation::LeakyRelu(_) | Activation::Gelu | Activation::GeluTanh => Init::HeUniform,
            Activation::Tanh | Activation::Sigmoid => Init::XavierUniform,
        }
    }
}

impl<T: Float> Module<T> for Activation {
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        self.apply(x)
    }

    fn visit_fields<'a>(&'a self, _: &mut dyn FnMut(&str, Field<'a, T>)) {}

    fn visit_fields_mut<'a>(&'a mut self, _: &mut dyn FnMut(&str, FieldMut<'a, T>)) {}

    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        let mut y = x.clone();
        self.apply_in_place(&mut y);
        y
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Relu => write!(f, "ReLU"),
            Activation::Tanh => write!(f, "Tanh"),
            Activation::Sigmoid => write!(f, "Sigmoid"),
            Activation::LeakyRelu(slope) => write!(f, "LeakyReLU({slope})"),
            Activation::Gelu => write!(f, "GELU"),
            Activation::GeluTanh => write!(f, "GELU(tanh)"),
        }
    }
}
