//! [`Mlp`]: a stack of [`Linear`] layers with an activation between them.

use std::fmt;

use rand::Rng;

use super::{Activation, Init, Linear, Module};
use crate::float::Float;
use crate::param::Param;
use crate::tape::Var;
use crate::tensor::Tensor;

/// A multi-layer perceptron: `Linear → activation → … → Linear`, the last
/// layer without activation (it outputs logits or a regression value).
#[derive(Clone, Debug)]
pub struct Mlp<T: Float = f32> {
    layers: Vec<Linear<T>>,
    activation: Activation,
}

impl<T: Float> Mlp<T> {
    /// An MLP with layer sizes `sizes` (`[2, 16, 16, 1]` is two inputs, two
    /// hidden layers of 16, one output), initialised as suits the activation
    /// ([`Activation::default_init`]).
    ///
    /// # Panics
    /// If fewer than two sizes are given or a size is 0.
    pub fn new<R: Rng + ?Sized>(sizes: &[usize], activation: Activation, rng: &mut R) -> Self {
        Self::with_init(sizes, activation, activation.default_init(), rng)
    }

    /// An MLP whose weights are drawn by `init`.
    ///
    /// # Panics
    /// If fewer than two sizes are given or a size is 0.
    pub fn with_init<R: Rng + ?Sized>(sizes: &[usize], activation: Activation, init: Init, rng: &mut R) -> Self {
        assert!(
            sizes.len() >= 2 && sizes.iter().all(|&s| s > 0),
            "Mlp: need at least two positive sizes (inputs and outputs), got {sizes:?}"
        );
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, pair)| {
                let mut layer = Linear::new(pair[0], pair[1], init, rng);
                layer.set_prefix(&format!("layers.{i}"));
                layer
            })
            .collect();
        Mlp { layers, activation }
    }

    /// The layers, first to last.
    pub fn layers(&self) -> &[Linear<T>] {
        &self.layers
    }

    /// The activation between layers.
    pub fn activation(&self) -> Activation {
        self.activation
    }
}

impl<T: Float> Module<T> for Mlp<T> {
    fn forward<'t>(&'t self, x: Var<'t, T>) -> Var<'t, T> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x, |h, (i, layer)| {
            // Groups the layer's nodes (and its activation) under its name.
            let _scope = h.tape().scope_indexed("layers", i);
            let h = layer.forward(h);
            if i < last { self.activation.apply(h) } else { h }
        })
    }

    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        let (first, rest) = self.layers.split_first().expect("an Mlp has at least one layer");
        rest.iter().fold(first.predict(x), |mut h, layer| {
            self.activation.apply_in_place(&mut h);
            layer.predict(&h)
        })
    }

    fn params(&self) -> impl Iterator<Item = &Param<T>> {
        self.layers.iter().flat_map(|l| l.params())
    }

    fn params_mut(&mut self) -> impl Iterator<Item = &mut Param<T>> {
        self.layers.iter_mut().flat_map(|l| l.params_mut())
    }
}

impl<T: Float> fmt::Display for Mlp<T> {
    /// ```text
    /// Mlp(
    ///   (layers.0): Linear(in=2, out=16) -> Tanh
    ///   (layers.1): Linear(in=16, out=1)
    /// ) 65 parameters
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Mlp(")?;
        for (i, layer) in self.layers.iter().enumerate() {
            if i + 1 < self.layers.len() {
                writeln!(f, "  (layers.{i}): {layer} -> {}", self.activation)?;
            } else {
                writeln!(f, "  (layers.{i}): {layer}")?;
            }
        }
        write!(f, ") {} parameters", self.num_params())
    }
}
