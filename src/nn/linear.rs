//! [`Linear`]: `y = x Wᵀ + b`.

use std::fmt;

use rand::Rng;

use super::{Init, Module};
use crate::float::Float;
use crate::ops::linear;
use crate::param::Param;
use crate::tape::Var;
use crate::tensor::Tensor;

/// A fully connected layer `y = x Wᵀ + b`, with `W` of shape `[out, in]` and
/// `b` of shape `[out]`, applied to inputs `[N, in]`: PyTorch's `nn.Linear`,
/// with the same layout, so weights interchange without transposes. The
/// forward pass is one fused [`Var::linear`] node.
#[derive(Clone, Debug)]
pub struct Linear<T: Float = f32> {
    weight: Param<T>,
    bias: Param<T>,
}

impl<T: Float> Linear<T> {
    /// A layer with weights drawn by `init` and zero biases.
    pub fn new<R: Rng + ?Sized>(inputs: usize, outputs: usize, init: Init, rng: &mut R) -> Self {
        let weight = init.sample([outputs, inputs], inputs, outputs, rng);
        Self::from_tensors(weight, Tensor::zeros([outputs]))
    }

    /// A layer with the given weight `[out, in]` and bias `[out]`.
    ///
    /// # Panics
    /// If the shapes do not fit.
    pub fn from_tensors(weight: Tensor<T>, bias: Tensor<T>) -> Self {
        assert!(
            weight.ndim() == 2 && bias.shape() == [weight.shape()[0]],
            "Linear: weight {:?} and bias {:?} do not fit; expected [out, in] and [out]",
            weight.shape(),
            bias.shape()
        );
        Linear { weight: Param::new("weight", weight), bias: Param::new("bias", bias) }
    }

    /// Number of input features.
    pub fn inputs(&self) -> usize {
        self.weight.shape()[1]
    }

    /// Number of output features.
    pub fn outputs(&self) -> usize {
        self.weight.shape()[0]
    }

    /// The weight `[out, in]`.
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
        x.linear(tape.param(&self.weight), Some(tape.param(&self.bias)))
    }

    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        linear("Linear::predict", x, self.weight.value(), Some(self.bias.value()))
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
