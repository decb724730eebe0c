//! [`Buffer`]: state a module keeps beside its parameters and does not
//! train.

use std::sync::{Mutex, MutexGuard};

use super::names::Slot;
use crate::float::Float;
use crate::param::StateValue;
use crate::tensor::Tensor;

/// A tensor or a counter a module keeps and saves but does not train
/// (PyTorch's buffers): BatchNorm's `running_mean`, `running_var` and
/// `num_batches_tracked`. Optimizers never see it; the state dict, weight
/// files and checkpoints hold it under its name like a parameter.
///
/// The module updates it during its forward pass, which borrows the module
/// shared (so that the graph can be read after an optimizer step): the
/// value sits behind a lock, taken once per forward pass. A buffer is
/// `Send` and `Sync`, like a parameter.
#[derive(Debug)]
pub struct Buffer<T: Float = f32> {
    value: Mutex<StateValue<T>>,
}

impl<T: Float> Buffer<T> {
    /// A buffer holding a tensor.
    pub fn tensor(value: Tensor<T>) -> Self {
        Buffer { value: Mutex::new(StateValue::Tensor(value)) }
    }

    /// A buffer holding a count.
    pub fn count(value: u64) -> Self {
        Buffer { value: Mutex::new(StateValue::Count(value)) }
    }

    fn lock(&self) -> MutexGuard<'_, StateValue<T>> {
        // A panic while the lock was held left a value that was fully
        // written or not written: either is a valid state.
        self.value.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the value.
    pub fn value(&self) -> StateValue<T> {
        self.lock().clone()
    }

    /// Calls `f` with the value, without copying it.
    pub fn with<R>(&self, f: impl FnOnce(&StateValue<T>) -> R) -> R {
        f(&self.lock())
    }

    /// Calls `f` with the value, mutably: how a module updates its buffer
    /// from a shared borrow.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut StateValue<T>) -> R) -> R {
        f(&mut self.lock())
    }

    /// The tensor held, as a copy.
    ///
    /// # Panics
    /// If the buffer holds a count.
    pub fn tensor_value(&self) -> Tensor<T> {
        match &*self.lock() {
            StateValue::Tensor(t) => t.clone(),
            StateValue::Count(_) => panic!("Buffer::tensor_value: the buffer holds a count"),
        }
    }

    /// The count held.
    ///
    /// # Panics
    /// If the buffer holds a tensor.
    pub fn count_value(&self) -> u64 {
        match &*self.lock() {
            StateValue::Count(n) => *n,
            StateValue::Tensor(_) => panic!("Buffer::count_value: the buffer holds a tensor"),
        }
    }

    /// Replaces the value with one of the same kind and shape.
    ///
    /// # Panics
    /// If the kind or the shape differs.
    #[track_caller]
    pub fn set(&mut self, value: StateValue<T>) {
        let current = self.value.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner());
        let fits = match (&*current, &value) {
            (StateValue::Tensor(a), StateValue::Tensor(b)) => a.shape() == b.shape(),
            (StateValue::Count(_), StateValue::Count(_)) => true,
            _ => false,
        };
        assert!(fits, "Buffer::set: {} cannot be replaced by {}", describe(current), describe(&value));
        *current = value;
    }

    /// What the buffer holds, for loaders.
    pub(crate) fn slot(&self) -> Slot {
        match &*self.lock() {
            StateValue::Tensor(t) => Slot::Tensor(t.shape().to_vec()),
            StateValue::Count(_) => Slot::Count,
        }
    }
}

/// `a tensor of shape [3]` or `a count`.
fn describe<T: Float>(value: &StateValue<T>) -> String {
    match value {
        StateValue::Tensor(t) => format!("a tensor of shape {:?}", t.shape()),
        StateValue::Count(_) => "a count".to_string(),
    }
}

impl<T: Float> Clone for Buffer<T> {
    fn clone(&self) -> Self {
        Buffer { value: Mutex::new(self.value()) }
    }
}
