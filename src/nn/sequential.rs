//! [`Chain`]: modules applied one after another; [`Sequential`] is a chain
//! of any modules.

use std::fmt;
use std::marker::PhantomData;

use super::{Field, FieldMut, Module};
use crate::float::Float;
use crate::tape::Var;
use crate::tensor::Tensor;

/// Modules applied in order, each to the output of the one before
/// (PyTorch's `nn.Sequential`). Layers and activations are both modules.
///
/// Modules are named by their position (`0`, `1`, ...), or by the name
/// given to [`layer_named`](Sequential::layer_named), and their parameters
/// by that name and their path in the module: the first layer's `weight`
/// is `0.weight`, as in PyTorch (so state dicts interchange). A parameter
/// takes that name when its module is added (it is what the tape shows).
///
/// Modules are boxed as `Box<dyn Module + Send>`, so a `Sequential` can be
/// moved to another thread and trained there.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::nn::{Activation, Linear, Module, Sequential, loss};
/// use tapegrad::optim::{Optimizer, Sgd};
/// use tapegrad::{Tape, Tensor};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let mut net = Sequential::new()
///     .layer(Linear::new(2, 16, &mut rng))
///     .layer(Activation::Tanh)
///     .layer(Linear::new(16, 1, &mut rng));
/// assert_eq!(net.params().nth(2).unwrap().name(), "2.weight");
/// println!("{net}");
///
/// let mut opt = Sgd::new(0.1);
/// let x = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], [2, 2]);
/// let y = Tensor::from_vec(vec![1.0, 0.0], [2, 1]);
/// let mut tape = Tape::new();
/// let mut losses = Vec::new();
/// for _ in 0..20 {
///     tape.clear();
///     let loss = loss::mse_loss(net.forward(tape.constant(x.clone())), tape.constant(y.clone()));
///     let grads = loss.backward();
///     assert_eq!(opt.step(&mut net, &grads), 4); // every parameter had a gradient
///     losses.push(loss.item()); // the graph's values stay readable after the step
/// }
/// assert!(losses[19] < losses[0]);
/// ```
pub type Sequential<T = f32> = Chain<T, Box<dyn Module<T> + Send>>;

/// Modules of type `M` applied in order: the type behind [`Sequential`]
/// (boxed modules of any type) and [`Mlp`](super::Mlp) (linear layers and
/// activations, which can be cloned).
#[derive(Clone)]
pub struct Chain<T: Float, M> {
    modules: Vec<M>,
    /// Each module's prefix: the name of the tape scope its nodes are
    /// recorded in (empty: the scope of the module before it).
    prefixes: Vec<String>,
    /// What the chain is called in descriptions: `Sequential` or `Mlp`.
    name: &'static str,
    element: PhantomData<T>,
}

impl<T: Float> Sequential<T> {
    /// An empty sequence (its forward pass is the identity).
    pub fn new() -> Self {
        Chain::empty("Sequential")
    }

    /// Appends `module`, named by its position.
    pub fn layer(self, module: impl Module<T> + Send + 'static) -> Self {
        let position = self.modules.len().to_string();
        self.layer_named(&position, module)
    }

    /// Appends `module` under the name `prefix`, which prefixes its
    /// parameters' names and names the tape scope of its nodes (an empty
    /// prefix adds nothing to the names and leaves the nodes in the
    /// previous module's scope).
    ///
    /// # Panics
    /// If another module of the sequence has this name, or two tensors of
    /// `module` have one name.
    #[track_caller]
    pub fn layer_named(self, prefix: &str, module: impl Module<T> + Send + 'static) -> Self {
        self.push_named(prefix, Box::new(module))
    }
}

/// `Sequential::from_iter(layers)`, or `layers.into_iter().collect()`: the
/// boxed modules in order, named by position (PyTorch's
/// `nn.Sequential(*layers)`).
impl<T: Float> FromIterator<Box<dyn Module<T> + Send>> for Sequential<T> {
    fn from_iter<I: IntoIterator<Item = Box<dyn Module<T> + Send>>>(modules: I) -> Self {
        modules.into_iter().fold(Sequential::new(), |chain, module| {
            let position = chain.modules.len().to_string();
            chain.push_named(&position, module)
        })
    }
}

impl<T: Float> Default for Sequential<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float, M: Module<T>> Chain<T, M> {
    /// A chain of no module, called `name` in descriptions.
    pub(crate) fn empty(name: &'static str) -> Self {
        Chain { modules: Vec::new(), prefixes: Vec::new(), name, element: PhantomData }
    }

    /// Appends `module` under the name `prefix`, giving its parameters
    /// their paths in the chain as names (an empty prefix adds nothing, and
    /// leaves the module's nodes in the scope of the module before it: an
    /// [`Mlp`](super::Mlp)'s activation).
    #[track_caller]
    pub(crate) fn push_named(mut self, prefix: &str, mut module: M) -> Self {
        assert!(
            prefix.is_empty() || !self.prefixes.iter().any(|p| p == prefix),
            "Sequential: two modules named {prefix:?}"
        );
        module.name_params(prefix);
        self.modules.push(module);
        self.prefixes.push(prefix.to_owned());
        self
    }

    /// The modules, in order.
    pub fn modules(&self) -> &[M] {
        &self.modules
    }

    /// Number of modules.
    pub fn len(&self) -> usize {
        self.modules.len()
    }

    /// `true` if there is no module.
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

impl<T: Float, M: Module<T>> Module<T> for Chain<T, M> {
    /// Each module's nodes are recorded in a tape scope named by its prefix
    /// (`layers.0`, or `0` in a [`Sequential`]), so that listings, DOT
    /// clusters and diagnostics group them as the parameters are named; a
    /// module with an empty prefix stays in the scope of the one before.
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        let tape = x.tape();
        let mut scope = None;
        let mut h = x;
        for (module, prefix) in self.modules.iter().zip(&self.prefixes) {
            if !prefix.is_empty() {
                // Closed before the next opens: siblings, not nested scopes.
                drop(scope.take());
                scope = Some(tape.scope_str(prefix));
            }
            h = module.forward(h);
        }
        h
    }

    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        for (module, prefix) in self.modules.iter().zip(&self.prefixes) {
            visit(prefix, Field::Module(module));
        }
    }

    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        for (module, prefix) in self.modules.iter_mut().zip(&self.prefixes) {
            visit(prefix, FieldMut::Module(module));
        }
    }

    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        match self.modules.split_first() {
            None => x.clone(),
            Some((first, rest)) => rest.iter().fold(first.predict(x), |h, module| module.predict(&h)),
        }
    }

    /// The chain's name and each module's description, on one line:
    /// `Mlp(Linear(in=2, out=16), Tanh, Linear(in=16, out=1))`.
    fn describe(&self) -> String {
        let modules: Vec<String> = self.modules.iter().map(|m| m.describe()).collect();
        format!("{}({})", self.name, modules.join(", "))
    }
}

/// `net[0]`: the first module (PyTorch's `net[0]`).
impl<T: Float, M: Module<T>> std::ops::Index<usize> for Chain<T, M> {
    type Output = M;

    #[track_caller]
    fn index(&self, i: usize) -> &M {
        &self.modules[i]
    }
}

/// `net[0].freeze()`: the first module, mutably. (Its parameters keep the
/// names the chain gave them.)
impl<T: Float, M: Module<T>> std::ops::IndexMut<usize> for Chain<T, M> {
    #[track_caller]
    fn index_mut(&mut self, i: usize) -> &mut M {
        &mut self.modules[i]
    }
}

impl<T: Float, M: Module<T>> fmt::Debug for Chain<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.modules.iter().map(|m| m.describe())).finish()
    }
}

impl<T: Float> fmt::Display for Sequential<T> {
    /// ```text
    /// Sequential(
    ///   (0): Linear(in=2, out=16)
    ///   (1): Tanh
    ///   (2): Linear(in=16, out=1)
    /// ) 65 parameters
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sequential(")?;
        for (i, module) in self.modules.iter().enumerate() {
            writeln!(f, "  ({i}): {}", module.describe())?;
        }
        write!(f, ") {} parameters", self.num_params())
    }
}
