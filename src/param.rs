//! [`Param`]: a named, trainable tensor that lives outside any tape.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::float::Float;
use crate::tensor::Tensor;

/// A parameter's identity: unique within the process, stable for the
/// parameter's lifetime. Optimizers key their state (velocities, moments) by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(u64);

impl ParamId {
    fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        ParamId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The raw number, for display.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// A map keyed by parameter id, for the tape's bindings, the gradients and
/// the optimizers' state: lookups are O(1), and (the hash being fixed)
/// iteration order depends only on the order of insertion.
pub(crate) type ParamMap<V> = HashMap<ParamId, V, BuildHasherDefault<ParamIdHasher>>;

/// Ids are consecutive numbers; multiplying by a large odd constant
/// (Fibonacci hashing) spreads them over the high bits the table probes by.
#[derive(Default)]
pub(crate) struct ParamIdHasher(u64);

impl Hasher for ParamIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A trainable tensor with a stable id and a name such as `"layers.0.weight"`.
///
/// Parameters live outside the tape. [`Tape::param`](crate::Tape::param)
/// binds one to a tape for one step: its value is copied onto the tape, so
/// the graph and the values read from it (a loss, any `Var`) stay valid
/// after the parameter changes:
///
/// ```
/// use tapegrad::optim::{Optimizer, Sgd};
/// use tapegrad::{Param, Tape, Tensor};
/// let mut w = Param::new("w", Tensor::from_vec(vec![1.0f32, 2.0], [2]));
/// let tape = Tape::new();
/// let loss = (tape.param(&w) * tape.param(&w)).sum();
/// let grads = loss.backward();
/// Sgd::new(0.1).step([&mut w], &grads);
/// assert_eq!(loss.item(), 5.0); // the value the graph computed, read after the step
/// assert_eq!(w.value().data(), &[0.8, 1.6]);
/// ```
///
/// What must not happen is a step with gradients computed from a value the
/// parameter no longer has. Every change of the value counts a new
/// [`version`](Param::version); the tape records the version it bound, and
/// an optimizer step refuses gradients of an older one (PyTorch's version
/// counter does the same for tensors a backward pass still needs):
///
/// ```should_panic
/// use tapegrad::optim::{Optimizer, Sgd};
/// use tapegrad::{Param, Tape, Tensor};
/// let mut w = Param::new("w", Tensor::from_vec(vec![1.0f32, 2.0], [2]));
/// let tape = Tape::new();
/// let grads = (tape.param(&w) * 3.0).sum().backward();
/// let mut opt = Sgd::new(0.1);
/// opt.step([&mut w], &grads);
/// opt.step([&mut w], &grads); // panics: the gradient is of the value before the first step
/// ```
///
/// A parameter can be frozen ([`freeze`](Param::freeze)): the tape then
/// binds it as a constant (no gradient flows to it, no backward work is
/// done for it) and optimizers leave it as it is.
#[derive(Debug)]
pub struct Param<T: Float = f32> {
    id: ParamId,
    name: String,
    value: Tensor<T>,
    version: u64,
    requires_grad: bool,
}

impl<T: Float> Param<T> {
    /// A new parameter with a fresh id, trainable.
    pub fn new(name: impl Into<String>, value: Tensor<T>) -> Self {
        Param { id: ParamId::fresh(), name: name.into(), value, version: 0, requires_grad: true }
    }

    /// The parameter's id.
    pub fn id(&self) -> ParamId {
        self.id
    }

    /// The parameter's name: the one it was created with, or its path in
    /// the container that holds it (`layers.0.weight`), which the container
    /// gives it when the module is added. A model's names as a state dict
    /// has them are [`Module::named_params`](crate::nn::Module::named_params).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renames the parameter (containers name what they hold by its path).
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// The current value.
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }

    /// The current value, for an in-place update. Counts as a change of the
    /// value: gradients computed before it no longer apply (see
    /// [`version`](Param::version)).
    pub fn value_mut(&mut self) -> &mut Tensor<T> {
        self.version += 1;
        &mut self.value
    }

    /// How many times the value has been changed (by
    /// [`value_mut`](Param::value_mut) or [`set_value`](Param::set_value),
    /// which optimizers and loaders use). The tape records it when it binds
    /// the parameter, and [`Optimizer::step`](crate::optim::Optimizer::step)
    /// refuses a gradient computed from an older version.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The shape of the value.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// Replaces the value with one of the same shape.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn set_value(&mut self, value: Tensor<T>) {
        assert!(
            value.shape() == self.value.shape(),
            "Param::set_value: {} has shape {:?}, got {:?}",
            self.name,
            self.value.shape(),
            value.shape()
        );
        self.version += 1;
        self.value = value;
    }

    /// Whether the parameter is trained (PyTorch's `requires_grad`): true
    /// unless [frozen](Param::freeze).
    pub fn requires_grad(&self) -> bool {
        self.requires_grad
    }

    /// Freezes the parameter: the tape binds it without a gradient (so no
    /// backward work is done for it) and optimizers skip it. PyTorch's
    /// `p.requires_grad_(False)`.
    pub fn freeze(&mut self) {
        self.requires_grad = false;
    }

    /// Trains the parameter again after [`freeze`](Param::freeze).
    pub fn unfreeze(&mut self) {
        self.requires_grad = true;
    }
}

/// A clone is a new parameter: same name, value and freezing, fresh id, so
/// that an optimizer never confuses the copy with the original.
impl<T: Float> Clone for Param<T> {
    fn clone(&self) -> Self {
        Param { requires_grad: self.requires_grad, ..Param::new(self.name.clone(), self.value.clone()) }
    }
}

/// One value of a module's buffer or of an optimizer's per-parameter state:
/// a tensor (a running mean, a moment) or a counter (BatchNorm's
/// `num_batches_tracked`, Adam's step count).
#[derive(Clone, Debug, PartialEq)]
pub enum StateValue<T: Float = f32> {
    /// A tensor.
    Tensor(Tensor<T>),
    /// A counter.
    Count(u64),
}
