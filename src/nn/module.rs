//! The [`Module`] trait: something with parameters and a forward pass.

use crate::float::Float;
use crate::param::Param;
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

/// A model or a layer: a forward pass recorded on the tape of its input,
/// and its parameters, each with a full name (`"layers.0.weight"`): a state
/// dict in spirit.
///
/// The trait is dyn-compatible: a [`Sequential`](super::Sequential) holds
/// `Box<dyn Module>`s. A module lists its parameters, and those of the
/// modules it holds, through two visitors, a shared and a mutable one (Rust
/// cannot derive one from the other: the optimizer needs `&mut` access, the
/// forward pass and `save_weights` shared access while a graph is alive).
/// [`params!`](crate::params) writes both from the fields' names:
///
/// ```
/// use tapegrad::prelude::*;
///
/// /// Two layers with a ReLU between them.
/// struct TwoLayer {
///     hidden: Linear,
///     out: Linear,
/// }
///
/// impl Module for TwoLayer {
///     fn forward<'t>(&'t self, x: Var<'t>) -> Var<'t> {
///         self.out.forward(self.hidden.forward(x).relu())
///     }
///     tapegrad::params!(hidden, out);
/// }
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let mut net = TwoLayer { hidden: Linear::new(2, 8, &mut rng), out: Linear::new(8, 1, &mut rng) };
/// net.hidden.prefix_names("hidden");
/// net.out.prefix_names("out");
/// let names: Vec<&str> = net.params().map(|p| p.name()).collect();
/// assert_eq!(names, ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]);
/// assert_eq!(net.num_params(), 2 * 8 + 8 + 8 + 1);
///
/// let tape = Tape::new();
/// let y = net.forward(tape.constant(Tensor::zeros([3, 2])));
/// assert_eq!(y.shape().as_slice(), &[3, 1]);
/// ```
pub trait Module<T: Float = f32> {
    /// Records the forward pass on `x`'s tape, binding the module's
    /// parameters to it. The result borrows the module: it cannot be updated
    /// until the graph is dropped.
    #[track_caller]
    fn forward<'t>(&'t self, x: Var<'t, T>) -> Var<'t, T>;

    /// Calls `visit` on every parameter, in a fixed order.
    fn visit_params<'a>(&'a self, visit: &mut dyn FnMut(&'a Param<T>));

    /// Calls `visit` on every parameter, mutably, in the same order: what an
    /// optimizer's `step` walks, allocating nothing.
    fn visit_params_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&'a mut Param<T>));

    /// The forward pass on plain tensors, recording nothing: for evaluation
    /// and prediction. The default runs [`forward`](Module::forward) on a
    /// throwaway tape; `Linear`, the activations and the containers compute
    /// directly, which is cheaper (no nodes, no copies of the parameters).
    #[track_caller]
    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        let tape = Tape::new();
        self.forward(tape.constant(x.clone())).value()
    }

    /// A one-line description, e.g. `Linear(in=2, out=16)`, used by
    /// containers' `Display`. The default is the type's name.
    fn describe(&self) -> String {
        let name = std::any::type_name::<Self>();
        let name = name.split('<').next().unwrap_or(name);
        name.rsplit("::").next().unwrap_or(name).to_string()
    }

    /// The parameters, in a fixed order.
    fn params(&self) -> std::vec::IntoIter<&Param<T>> {
        let mut params = Vec::new();
        self.visit_params(&mut |p| params.push(p));
        params.into_iter()
    }

    /// The parameters, mutably, in the same order. (An optimizer's `step`
    /// takes the module itself, `opt.step(&mut model, &grads)`, and walks
    /// them without collecting.)
    fn params_mut(&mut self) -> std::vec::IntoIter<&mut Param<T>> {
        let mut params = Vec::new();
        self.visit_params_mut(&mut |p| params.push(p));
        params.into_iter()
    }

    /// Total number of scalar parameters.
    fn num_params(&self) -> usize {
        let mut total = 0;
        self.visit_params(&mut |p| total += p.value().len());
        total
    }

    /// The parameter with this full name, if any.
    fn param_named(&self, name: &str) -> Option<&Param<T>> {
        let mut found = None;
        self.visit_params(&mut |p| {
            if found.is_none() && p.name() == name {
                found = Some(p);
            }
        });
        found
    }

    /// Prefixes every parameter's name with `prefix` and a dot
    /// (`weight` becomes `hidden.weight`): how a container names what it
    /// holds.
    fn prefix_names(&mut self, prefix: &str) {
        self.visit_params_mut(&mut |p| {
            let name = format!("{prefix}.{}", p.name());
            p.set_name(name);
        });
    }
}

/// A boxed module is a module.
impl<T: Float, M: Module<T> + ?Sized> Module<T> for Box<M> {
    fn forward<'t>(&'t self, x: Var<'t, T>) -> Var<'t, T> {
        (**self).forward(x)
    }
    fn visit_params<'a>(&'a self, visit: &mut dyn FnMut(&'a Param<T>)) {
        (**self).visit_params(visit)
    }
    fn visit_params_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&'a mut Param<T>)) {
        (**self).visit_params_mut(visit)
    }
    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        (**self).predict(x)
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}
