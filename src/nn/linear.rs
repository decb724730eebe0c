//! [`Linear`]: `y = x W + b`.

use std::fmt;

use rand::Rng;

use super::{Init, Module};
use crate::float::Float;
use crate::param::Param;
use crate::tape::Var;
use crate::tensor::Tensor;

/// A fully connected layer `y = x W + b`, with `W` of shape `[in, out]` and
/// `b` of shape `[out]`, applied to inputs `[N, in]`.
///
/// `W` is stored `[in, out]` (PyTorch stores `[out, in]` and multiplies by
/// its transpose) so that the forward product reads it in place.
#[derive(Clone, Debug)]
pub struct Linear<T: Float = f32> {
    weight: Param<T>,
    bias: Param<T>,
}

impl<T: Float> Linear<T> {
    /// A layer with weights drawn by `init` and zero biases.
    pub fn new<R: Rng + ?Sized>(inputs: usize, outputs: usize, init: Init, rng: &mut R) -> Self {
        let weight = init.sample([inputs, outputs], inputs, outputs, rng);
        Self::from_tensors(weight, Tensor::zeros([outputs]))
    }

    /// A layer with the given weight `[in, out]` and bias `[out]`.
    ///
    /// # Panics
    /// If the shapes do not fit.
    pub fn from_tensors(weight: Tensor<T>, bias: Tensor<T>) -> Self {
        assert!(
            weight.ndim() == 2 && bias.shape() == [weight.shape()[1]],
            "Linear: weight {:?} and bias {:?} do not fit; expected [in, out] and [out]",
            weight.shape(),
            bias.shape()
        );
        Linear { weight: Param::new("weight", weight), bias: Param::new("bias", bias) }
    }

    /// Number of input features.
    pub fn inputs(&self) -> usize {
        self.weight.shape()[0]
    }

    /// Number of output features.
    pub fn outputs(&self) -> usize {
        self.weight.shape()[1]
    }

    /// The weight `[in, out]`.
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }

    /// The bias `[out]`.
    pub fn bias(&self) -> &Param<T> {
        &self.bias
    }

    /// Prefixes the parameter names: `prefix.weight`, `prefix.bias`.
    pub(crate) fn set_prefix(&mut self, prefix: &str) {
        self.weight.set_name(format!("{prefix}.weight"));
        self.bias.set_name(format!("{prefix}.bias"));
    }
}

impl<T: Float> Module<T> for Linear<T> {
    fn forward<'t>(&'t self, x: Var<'t, T>) -> Var<'t, T> {
        let tape = x.tape();
        x.matmul(tape.param(&self.weight)) + tape.param(&self.bias)
    }

    fn params(&self) -> impl Iterator<Item = &Param<T>> {
        [&self.weight, &self.bias].into_iter()
    }

    fn params_mut(&mut self) -> impl Iterator<Item = &mut Param<T>> {
        [&mut self.weight, &mut self.bias].into_iter()
    }
}

impl<T: Float> fmt::Display for Linear<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Linear(in={}, out={})", self.inputs(), self.outputs())
    }
}
