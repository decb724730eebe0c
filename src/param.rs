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
/// binds one to a tape for one step; the [`Var`](crate::Var) it returns
/// borrows the parameter, so the borrow checker refuses to update the
/// parameter while that part of the graph is alive:
///
/// ```compile_fail
/// use tapegrad::{Param, Tape, Tensor};
/// let mut w = Param::new("w", Tensor::from_vec(vec![1.0f32, 2.0], [2]));
/// let tape = Tape::new();
/// let y = tape.param(&w).sum();
/// w.value_mut().data_mut()[0] = 5.0; // error: `w` is borrowed by the graph
/// let grads = y.backward();
/// ```
///
/// Once the gradients are computed the graph's variables can be dropped and
/// the parameter updated:
///
/// ```
/// use tapegrad::{Param, Tape, Tensor};
/// let mut w = Param::new("w", Tensor::from_vec(vec![1.0f32, 2.0], [2]));
/// let tape = Tape::new();
/// let grads = (tape.param(&w) * tape.param(&w)).sum().backward();
/// let g = grads.param(&w).unwrap().clone();
/// for (x, dx) in w.value_mut().data_mut().iter_mut().zip(g.data()) {
///     *x -= 0.1 * dx;
/// }
/// assert_eq!(w.value().data(), &[0.8, 1.6]);
/// ```
#[derive(Debug)]
pub struct Param<T: Float = f32> {
    id: ParamId,
    name: String,
    value: Tensor<T>,
}

impl<T: Float> Param<T> {
    /// Calls `visit` on this parameter: a `Param` field and a module field
    /// are visited alike by [`params!`](crate::params).
    pub fn visit_params<'a>(&'a self, visit: &mut dyn FnMut(&'a Param<T>)) {
        visit(self)
    }

    /// Calls `visit` on this parameter, mutably (see
    /// [`visit_params`](Param::visit_params)).
    pub fn visit_params_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&'a mut Param<T>)) {
        visit(self)
    }

    /// A new parameter with a fresh id.
    pub fn new(name: impl Into<String>, value: Tensor<T>) -> Self {
        Param { id: ParamId::fresh(), name: name.into(), value }
    }

    /// The parameter's id.
    pub fn id(&self) -> ParamId {
        self.id
    }

    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renames the parameter (modules prefix their children's names).
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// The current value.
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }

    /// The current value, for an in-place update.
    pub fn value_mut(&mut self) -> &mut Tensor<T> {
        &mut self.value
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
        self.value = value;
    }
}

/// A clone is a new parameter: same name and value, fresh id, so that an
/// optimizer never confuses the copy with the original.
impl<T: Float> Clone for Param<T> {
    fn clone(&self) -> Self {
        Param::new(self.name.clone(), self.value.clone())
    }
}
