//! [`Linear`]: `y = x Wᵀ + b`.

use std::fmt;

use rand::Rng;

use super::{Field, FieldMut, Init, Module};
use crate::float::Float;
use crate::ops::linear;
use crate::param::Param;
use crate::tape::Var;
use crate::tensor::Tensor;

/// A fully connected layer `y = x Wᵀ + b`, with `W` of shape `[out, in]` and
/// `b` of shape `[out]`, applied to inputs `[N, in]`: PyTorch's `nn.Linear`,
/// with the same layout, so weights interchange without transposes. The
/// forward pass is one fused [`Var::linear`] node. Its parameters are named
/// `weight` and `bias`; a container prefixes them (`layers.0.weight`).
/// [`without_bias`](Linear::without_bias) drops the bias (PyTorch's
/// `bias=False`, as before a BatchNorm, which subtracts any bias again).
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::nn::{Linear, Module};
/// use tapegrad::Tensor;
///
/// let layer: Linear = Linear::new(3, 2, &mut StdRng::seed_from_u64(0)); // Linear<f32>
/// assert_eq!(layer.predict(&Tensor::zeros([5, 3])).shape(), &[5, 2]);
///
/// let given = Linear::from_weights(Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], [2, 2]), Tensor::zeros([2]));
/// assert_eq!(given.predict(&Tensor::from_vec(vec![3.0, 4.0], [1, 2])).data(), &[3.0, 4.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Linear<T: Float = f32> {
    weight: Param<T>,
    bias: Option<Param<T>>,
}

impl<T: Float> Linear<T> {
    /// A layer with PyTorch's default initialisation of `nn.Linear`: weight
    /// and bias uniform in `±1/√in`. ([`Mlp`](super::Mlp) instead chooses
    /// the initialisation that suits its activation.)
    ///
    /// # Panics
    /// If either size is 0.
    #[track_caller]
    pub fn new<R: Rng + ?Sized>(inputs: usize, outputs: usize, rng: &mut R) -> Self {
        let bound = 1.0 / (inputs.max(1) as f64).sqrt();
        let bias = Init::Uniform(-bound, bound).sample([outputs], inputs, outputs, rng);
        Self::build(inputs, outputs, Init::Uniform(-bound, bound), bias, rng)
    }

    /// A layer with weights drawn by `init` and zero biases.
    ///
    /// # Panics
    /// If either size is 0.
    #[track_caller]
    pub fn with_init<R: Rng + ?Sized>(inputs: usize, outputs: usize, init: Init, rng: &mut R) -> Self {
        Self::build(inputs, outputs, init, Tensor::zeros([outputs]), rng)
    }

    #[track_caller]
    fn build<R: Rng + ?Sized>(inputs: usize, outputs: usize, init: Init, bias: Tensor<T>, rng: &mut R) -> Self {
        check_sizes(inputs, outputs);
        Self::from_weights(init.sample([outputs, inputs], inputs, outputs, rng), bias)
    }

    /// A layer with the given weight `[out, in]` and bias `[out]`.
    ///
    /// # Panics
    /// If the shapes do not fit, or either size is 0 (as for
    /// [`new`](Linear::new)).
    #[track_caller]
    pub fn from_weights(weight: Tensor<T>, bias: Tensor<T>) -> Self {
        assert!(
            weight.ndim() == 2 && bias.shape() == [weight.shape()[0]],
            "Linear: weight {:?} and bias {:?} do not fit; expected [out, in] and [out]",
            weight.shape(),
            bias.shape()
        );
        check_sizes(weight.shape()[1], weight.shape()[0]);
        Linear { weight: Param::new("weight", weight), bias: Some(Param::new("bias", bias)) }
    }

    /// The same layer without its bias: `y = x Wᵀ`.
    pub fn without_bias(mut self) -> Self {
        self.bias = None;
        self
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

    /// The bias `[out]`, if the layer has one.
    pub fn bias(&self) -> Option<&Param<T>> {
        self.bias.as_ref()
    }
}

/// A layer maps at least one input to at least one output.
#[track_caller]
fn check_sizes(inputs: usize, outputs: usize) {
    assert!(inputs > 0 && outputs > 0, "Linear: sizes must be positive, got {inputs} inputs and {outputs} outputs");
}

impl<T: Float> Module<T> for Linear<T> {
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        let tape = x.tape();
        x.linear(tape.param(&self.weight), self.bias.as_ref().map(|b| tape.param(b)))
    }

    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        visit("weight", Field::Param(&self.weight));
        if let Some(bias) = &self.bias {
            visit("bias", Field::Param(bias));
        }
    }

    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        visit("weight", FieldMut::Param(&mut self.weight));
        if let Some(bias) = &mut self.bias {
            visit("bias", FieldMut::Param(bias));
        }
    }

    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        linear("Linear::predict", x, self.weight.value(), self.bias.as_ref().map(|b| b.value()))
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl<T: Float> fmt::Display for Linear<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Linear(in={}, out={}", self.inputs(), self.outputs())?;
        if self.bias.is_none() {
            write!(f, ", bias=false")?;
        }
        write!(f, ")")
    }
}
