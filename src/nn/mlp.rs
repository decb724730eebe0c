//! [`Mlp`]: a chain of [`Linear`] layers with an activation between them.

use std::fmt;

use rand::Rng;

use super::{Activation, Chain, Field, FieldMut, Init, Linear, Module};
use crate::float::Float;
use crate::tape::Var;
use crate::tensor::Tensor;

/// A multi-layer perceptron: `Linear → activation → … → Linear`, the last
/// layer without activation (it outputs logits or a regression value). A
/// [`Chain`] like [`Sequential`](super::Sequential), of [`MlpLayer`]s, so
/// that it can be cloned; its linear layers are named `layers.0`,
/// `layers.1`, … (a PyTorch `ModuleList` called `layers`).
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::nn::{Activation, Mlp, Module};
///
/// let model: Mlp = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut StdRng::seed_from_u64(0));
/// assert_eq!(model.params().nth(2).unwrap().name(), "layers.1.weight");
/// assert_eq!(model.layers().count(), 3);
/// ```
pub type Mlp<T = f32> = Chain<T, MlpLayer<T>>;

/// One module of an [`Mlp`].
// A `Linear` (two parameters, each with its name and version) is far larger
// than an `Activation`; an MLP holds a handful of layers, read on every
// step, so boxing them would cost an indirection to save a few hundred bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum MlpLayer<T: Float = f32> {
    /// A linear layer.
    Linear(Linear<T>),
    /// The activation between two layers.
    Activation(Activation),
}

impl<T: Float> Mlp<T> {
    /// An MLP with layer sizes `sizes` (`[2, 16, 16, 1]` is two inputs, two
    /// hidden layers of 16, one output), initialised as suits the activation
    /// ([`Activation::default_init`]).
    ///
    /// # Panics
    /// As [`with_init`](Mlp::with_init).
    #[track_caller]
    pub fn new<R: Rng + ?Sized>(sizes: &[usize], activation: Activation, rng: &mut R) -> Self {
        Self::with_init(sizes, activation, activation.default_init(), rng)
    }

    /// An MLP whose weights are drawn by `init` (biases start at 0).
    ///
    /// # Panics
    /// If fewer than two sizes are given, a size is 0, or the activation's
    /// parameter is not usable (as in [`from_layers`](Mlp::from_layers)).
    #[track_caller]
    pub fn with_init<R: Rng + ?Sized>(sizes: &[usize], activation: Activation, init: Init, rng: &mut R) -> Self {
        assert!(
            sizes.len() >= 2 && sizes.iter().all(|&s| s > 0),
            "Mlp: need at least two positive sizes (inputs and outputs), got {sizes:?}"
        );
        let layers = sizes.windows(2).map(|pair| Linear::with_init(pair[0], pair[1], init, rng)).collect();
        Self::from_layers(layers, activation)
    }

    /// An MLP of the given layers (for instance built with
    /// [`Linear::from_weights`]), with `activation` between them.
    ///
    /// # Panics
    /// If there is no layer, a layer's inputs differ from the outputs of
    /// the one before, or the activation's parameter is not usable (a
    /// [`LeakyRelu`](Activation::LeakyRelu) slope that is not finite).
    #[track_caller]
    pub fn from_layers(layers: Vec<Linear<T>>, activation: Activation) -> Self {
        assert!(!layers.is_empty(), "Mlp: needs at least one layer");
        activation.check::<T>();
        for (i, pair) in layers.windows(2).enumerate() {
            assert!(
                pair[0].outputs() == pair[1].inputs(),
                "Mlp: layer {i} has {} outputs but layer {} has {} inputs",
                pair[0].outputs(),
                i + 1,
                pair[1].inputs()
            );
        }
        let last = layers.len() - 1;
        let mut chain = Chain::empty("Mlp");
        for (i, layer) in layers.into_iter().enumerate() {
            chain = chain.push_named(&format!("layers.{i}"), MlpLayer::Linear(layer));
            if i < last {
                chain = chain.push_named("", MlpLayer::Activation(activation));
            }
        }
        chain
    }

    /// The linear layers, first to last.
    pub fn layers(&self) -> impl Iterator<Item = &Linear<T>> {
        self.modules().iter().filter_map(|m| match m {
            MlpLayer::Linear(layer) => Some(layer),
            MlpLayer::Activation(_) => None,
        })
    }

    /// The activation between layers (`None` for a single layer).
    pub fn activation(&self) -> Option<Activation> {
        self.modules().iter().find_map(|m| match m {
            MlpLayer::Activation(a) => Some(*a),
            MlpLayer::Linear(_) => None,
        })
    }
}

impl<T: Float> Module<T> for MlpLayer<T> {
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        match self {
            MlpLayer::Linear(layer) => layer.forward(x),
            MlpLayer::Activation(activation) => activation.apply(x),
        }
    }

    /// A layer's fields are the linear layer's own (`layers.0.weight`: the
    /// enum adds no name of its own).
    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        if let MlpLayer::Linear(layer) = self {
            layer.visit_fields(visit);
        }
    }

    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        if let MlpLayer::Linear(layer) = self {
            layer.visit_fields_mut(visit);
        }
    }

    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        match self {
            MlpLayer::Linear(layer) => layer.predict(x),
            MlpLayer::Activation(activation) => Module::<T>::predict(activation, x),
        }
    }

    fn describe(&self) -> String {
        match self {
            MlpLayer::Linear(layer) => layer.to_string(),
            MlpLayer::Activation(activation) => activation.to_string(),
        }
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
        let activation = self.activation().map(|a| format!(" -> {a}")).unwrap_or_default();
        let count = self.layers().count();
        for (i, layer) in self.layers().enumerate() {
            writeln!(f, "  (layers.{i}): {layer}{}", if i + 1 < count { activation.as_str() } else { "" })?;
        }
        write!(f, ") {} parameters", self.num_params())
    }
}
