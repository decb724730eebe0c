//! The [`Module`] trait: something with parameters and a forward pass.

use crate::float::Float;
use crate::param::Param;
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

/// A model or a layer: a forward pass recorded on the tape of its input, and
/// its parameters, each with a full name (`"layers.0.weight"`): a state dict
/// in spirit.
///
/// ```
/// use tapegrad::nn::{Activation, Mlp, Module};
/// use tapegrad::{Tape, Tensor};
/// use rand::{SeedableRng, rngs::StdRng};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let model = Mlp::<f32>::new(&[2, 4, 1], Activation::Tanh, &mut rng);
/// let names: Vec<&str> = model.params().map(|p| p.name()).collect();
/// assert_eq!(names, ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
/// assert_eq!(model.num_params(), 2 * 4 + 4 + 4 * 1 + 1);
///
/// let tape = Tape::new();
/// let y = model.forward(tape.constant(Tensor::zeros([3, 2])));
/// assert_eq!(y.shape().as_slice(), &[3, 1]);
/// ```
pub trait Module<T: Float = f32> {
    /// Records the forward pass on `x`'s tape, binding the module's
    /// parameters to it. The result borrows the module: it cannot be updated
    /// until the graph is dropped.
    fn forward<'t>(&'t self, x: Var<'t, T>) -> Var<'t, T>;

    /// The forward pass on plain tensors, recording nothing: for evaluation
    /// and prediction. The default runs [`forward`](Module::forward) on a
    /// throwaway tape; `Linear` and `Mlp` compute directly, which is cheaper
    /// (no nodes, no copies of the parameters).
    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        let tape = Tape::new();
        self.forward(tape.constant(x.clone())).value()
    }

    /// The parameters, in a fixed order.
    fn params(&self) -> impl Iterator<Item = &Param<T>>;

    /// The parameters, mutably, in the same order; what an optimizer's
    /// `step` takes.
    fn params_mut(&mut self) -> impl Iterator<Item = &mut Param<T>>;

    /// Total number of scalar parameters.
    fn num_params(&self) -> usize {
        self.params().map(|p| p.value().len()).sum()
    }

    /// The parameter with this full name, if any.
    fn param_named(&self, name: &str) -> Option<&Param<T>> {
        self.params().find(|p| p.name() == name)
    }
}
