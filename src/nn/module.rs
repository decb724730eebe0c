//! The [`Module`] trait: a forward pass, and the fields it holds
//! (parameters, buffers, sub-modules, a training flag), from which
//! everything else a model offers is derived: its parameters and their
//! names, its state dict, its mode, freezing.

use super::buffer::Buffer;
use super::names::{self, Leaf, LeafMut};
use crate::error::StateDictError;
use crate::float::Float;
use crate::param::{Param, StateValue};
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

/// One field of a module, as [`Module::visit_fields`] shows it.
pub enum Field<'a, T: Float = f32> {
    /// A parameter (trained).
    Param(&'a Param<T>),
    /// A buffer (kept and saved, not trained: BatchNorm's running statistics).
    Buffer(&'a Buffer<T>),
    /// A sub-module; its own fields are named under this field's name.
    Module(&'a dyn Module<T>),
    /// The module's training flag (Dropout and BatchNorm have one).
    Training(bool),
}

/// One field of a module, mutably, as [`Module::visit_fields_mut`] shows it.
pub enum FieldMut<'a, T: Float = f32> {
    /// A parameter.
    Param(&'a mut Param<T>),
    /// A buffer.
    Buffer(&'a mut Buffer<T>),
    /// A sub-module.
    Module(&'a mut dyn Module<T>),
    /// The module's training flag.
    Training(&'a mut bool),
}

/// A model or a layer: a forward pass recorded on the tape of its input,
/// and the fields it holds, each under a name: parameters, buffers,
/// sub-modules and, for layers that behave differently when training
/// (Dropout, BatchNorm), a training flag. As in PyTorch, a parameter's name
/// in a model is its path of field names (`res.inner.weight`), so a state
/// dict ([`named_tensors`](Module::named_tensors)) matches a PyTorch module
/// of the same structure.
///
/// A module lists its fields with two visitors, a shared and a mutable one
/// (Rust cannot derive one from the other); [`params!`](crate::params)
/// writes both from the fields' names. Everything else (the parameters, the
/// names, `train()` and `eval()`, freezing, the state dict) is provided
/// from them. The trait is dyn-compatible: a
/// [`Sequential`](super::Sequential) holds `Box<dyn Module + Send>`s.
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
///     fn forward<'t>(&self, x: Var<'t>) -> Var<'t> {
///         self.out.forward(self.hidden.forward(x).relu())
///     }
///     tapegrad::params!(hidden, out);
/// }
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let net = TwoLayer { hidden: Linear::new(2, 8, &mut rng), out: Linear::new(8, 1, &mut rng) };
/// let names: Vec<String> = net.named_params().into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]);
/// assert_eq!(net.num_params(), 2 * 8 + 8 + 8 + 1);
///
/// let tape = Tape::new();
/// let y = net.forward(tape.constant(Tensor::zeros([3, 2])));
/// assert_eq!(y.shape().as_slice(), &[3, 1]);
/// ```
pub trait Module<T: Float = f32> {
    /// Records the forward pass on `x`'s tape, binding the module's
    /// parameters to it. The result does not borrow the module (the tape
    /// holds copies of the values it read), so a loss can be read after
    /// the optimizer step.
    #[track_caller]
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T>;

    /// Calls `visit` on each field, with its name, in a fixed order.
    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, T>));

    /// Calls `visit` on each field, mutably, in the same order.
    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, T>));

    /// The forward pass on plain tensors, in eval mode whatever the
    /// module's mode (Dropout passes its input through, BatchNorm uses its
    /// running statistics), recording nothing: for evaluation and
    /// prediction. The default runs [`forward`](Module::forward) on a
    /// throwaway tape; `Linear`, the activations and the containers compute
    /// directly, which is cheaper (no nodes, no copies of the parameters).
    #[track_caller]
    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        let tape = Tape::for_inference();
        self.forward(tape.constant(x.clone())).value()
    }

    /// A one-line description, e.g. `Linear(in=2, out=16)`, used by
    /// containers' `Display`. The default is the type's name.
    fn describe(&self) -> String {
        let name = std::any::type_name::<Self>();
        let name = name.split('<').next().unwrap_or(name);
        name.rsplit("::").next().unwrap_or(name).to_string()
    }

    /// Calls `visit` on every parameter, at any depth, in a fixed order.
    fn visit_params<'a>(&'a self, visit: &mut dyn FnMut(&'a Param<T>)) {
        self.visit_fields(&mut |_, field| match field {
            Field::Param(p) => visit(p),
            Field::Module(m) => m.visit_params(visit),
            Field::Buffer(_) | Field::Training(_) => {}
        });
    }

    /// Calls `visit` on every parameter, mutably, in the same order: what
    /// an optimizer's `step` walks, allocating nothing.
    fn visit_params_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&'a mut Param<T>)) {
        self.visit_fields_mut(&mut |_, field| match field {
            FieldMut::Param(p) => visit(p),
            FieldMut::Module(m) => m.visit_params_mut(visit),
            FieldMut::Buffer(_) | FieldMut::Training(_) => {}
        });
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

    /// Every parameter with its name in the model, its path of field names
    /// (`res.inner.weight`; PyTorch's `named_parameters()`), in the order of
    /// [`params`](Module::params).
    fn named_params(&self) -> Vec<(String, &Param<T>)> {
        let mut named = Vec::new();
        names::walk(self, &mut String::new(), &mut |path, leaf| {
            if let Leaf::Param(p) = leaf {
                named.push((path.to_string(), p));
            }
        });
        named
    }

    /// The parameter with this name (its path, as
    /// [`named_params`](Module::named_params) gives it), if any.
    fn param_named(&self, name: &str) -> Option<&Param<T>> {
        let mut found = None;
        names::walk(self, &mut String::new(), &mut |path, leaf| {
            if let Leaf::Param(p) = leaf
                && found.is_none()
                && path == name
            {
                found = Some(p);
            }
        });
        found
    }

    /// The module's state: every parameter and buffer under its name, as a
    /// copy (PyTorch's `state_dict()`; BatchNorm's `running_mean`,
    /// `running_var` and `num_batches_tracked` included).
    ///
    /// # Panics
    /// If two of them have one name (only a hand-written
    /// [`visit_fields`](Module::visit_fields) can do that).
    fn named_tensors(&self) -> Vec<(String, StateValue<T>)> {
        let mut state = Vec::new();
        names::walk(self, &mut String::new(), &mut |path, leaf| {
            let value = match leaf {
                Leaf::Param(p) => StateValue::Tensor(p.value().clone()),
                Leaf::Buffer(b) => b.value(),
            };
            state.push((path.to_string(), value));
        });
        if let Some(name) = names::first_duplicate(state.iter().map(|(n, _)| n.as_str())) {
            panic!("named_tensors: two tensors of the model are named {name:?}");
        }
        state
    }

    /// Loads a state written by [`named_tensors`](Module::named_tensors) (or
    /// any list of named values), strictly (PyTorch's `load_state_dict`):
    /// every parameter and buffer must be there, with its shape and kind,
    /// and nothing else. On any error the module is unchanged.
    fn load_named(&mut self, state: Vec<(String, StateValue<T>)>) -> Result<(), StateDictError> {
        names::load(self, state)
    }

    /// Sets the mode of every layer that has one (Dropout, BatchNorm):
    /// training (`true`) or evaluation.
    fn set_training(&mut self, training: bool) {
        self.visit_fields_mut(&mut |_, field| match field {
            FieldMut::Training(flag) => *flag = training,
            FieldMut::Module(m) => m.set_training(training),
            FieldMut::Param(_) | FieldMut::Buffer(_) => {}
        });
    }

    /// Training mode (the mode a module starts in): Dropout drops, BatchNorm
    /// normalises by the batch and updates its running statistics.
    /// PyTorch's `model.train()`.
    fn train(&mut self) {
        self.set_training(true)
    }

    /// Evaluation mode: Dropout passes its input through, BatchNorm uses
    /// its running statistics and leaves them. PyTorch's `model.eval()`.
    /// ([`predict`](Module::predict) always runs in eval mode.)
    fn eval(&mut self) {
        self.set_training(false)
    }

    /// `false` if any layer of the module is in eval mode.
    fn is_training(&self) -> bool {
        let mut training = true;
        self.visit_fields(&mut |_, field| match field {
            Field::Training(flag) => training &= flag,
            Field::Module(m) => training &= m.is_training(),
            Field::Param(_) | Field::Buffer(_) => {}
        });
        training
    }

    /// Freezes every parameter (see [`Param::freeze`]): the tape binds them
    /// without gradients, optimizers skip them.
    fn freeze(&mut self) {
        self.visit_params_mut(&mut |p| p.freeze());
    }

    /// Trains every parameter again.
    fn unfreeze(&mut self) {
        self.visit_params_mut(&mut |p| p.unfreeze());
    }

    /// Gives every parameter its path under `prefix` as its own name
    /// ([`Param::name`], which the tape shows): what a container does to a
    /// module it is given. A model of your own used directly can call it
    /// with `""` so that the tape shows the same names as the state dict.
    ///
    /// # Panics
    /// If two parameters or buffers would have one name.
    fn name_params(&mut self, prefix: &str) {
        let mut seen = Vec::new();
        names::walk_mut(self, &mut prefix.to_string(), &mut |path, leaf| {
            seen.push(path.to_string());
            if let LeafMut::Param(p) = leaf {
                p.set_name(path);
            }
        });
        if let Some(name) = names::first_duplicate(seen.iter().map(String::as_str)) {
            panic!("two tensors of the model are named {name:?}: give each field its own name");
        }
    }

    /// Visits this module as the field `name` of another (what
    /// [`params!`](crate::params) calls for a module field).
    fn visit_as_field<'a>(&'a self, name: &str, visit: &mut dyn FnMut(&str, Field<'a, T>))
    where
        Self: Sized,
    {
        visit(name, Field::Module(self))
    }

    /// [`visit_as_field`](Module::visit_as_field), mutably.
    fn visit_as_field_mut<'a>(&'a mut self, name: &str, visit: &mut dyn FnMut(&str, FieldMut<'a, T>))
    where
        Self: Sized,
    {
        visit(name, FieldMut::Module(self))
    }
}

/// A boxed module is a module.
impl<T: Float, M: Module<T> + ?Sized> Module<T> for Box<M> {
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        (**self).forward(x)
    }
    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        (**self).visit_fields(visit)
    }
    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        (**self).visit_fields_mut(visit)
    }
    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        (**self).predict(x)
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// What a module can hold besides other modules, visited as a field:
/// [`Param`] and [`Buffer`]. [`params!`](crate::params) calls
/// `visit_as_field` on every field it lists; a module field answers with
/// the [`Module`] method of the same name.
pub trait AsField<T: Float> {
    /// Visits `self` as the field `name`.
    fn visit_as_field<'a>(&'a self, name: &str, visit: &mut dyn FnMut(&str, Field<'a, T>));
    /// Visits `self` as the field `name`, mutably.
    fn visit_as_field_mut<'a>(&'a mut self, name: &str, visit: &mut dyn FnMut(&str, FieldMut<'a, T>));
}

impl<T: Float> AsField<T> for Param<T> {
    fn visit_as_field<'a>(&'a self, name: &str, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        visit(name, Field::Param(self))
    }
    fn visit_as_field_mut<'a>(&'a mut self, name: &str, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        visit(name, FieldMut::Param(self))
    }
}

impl<T: Float> AsField<T> for Buffer<T> {
    fn visit_as_field<'a>(&'a self, name: &str, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        visit(name, Field::Buffer(self))
    }
    fn visit_as_field_mut<'a>(&'a mut self, name: &str, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        visit(name, FieldMut::Buffer(self))
    }
}
