//! An optimizer's per-parameter state as named values, so that checkpoints
//! can save and restore it without knowing each optimizer's internals.

use std::fmt;

use crate::float::Float;
use crate::tensor::Tensor;

/// One value of an optimizer's state for one parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum StateValue<T: Float = f32> {
    /// A tensor shaped like the parameter (a velocity, a moment).
    Tensor(Tensor<T>),
    /// A counter (Adam's step count).
    Count(u64),
}

/// Why saved state could not be put back into an optimizer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateError(pub String);

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StateError {}

/// Takes the entry called `name` out of `entries`, checking its kind.
pub(crate) fn take_tensor<T: Float>(
    optimizer: &str,
    entries: &mut Vec<(String, StateValue<T>)>,
    name: &str,
) -> Result<Tensor<T>, StateError> {
    match take(optimizer, entries, name)? {
        StateValue::Tensor(t) => Ok(t),
        StateValue::Count(_) => Err(StateError(format!("{optimizer}: state entry {name:?} should be a tensor"))),
    }
}

/// Takes the counter called `name` out of `entries`.
pub(crate) fn take_count<T: Float>(
    optimizer: &str,
    entries: &mut Vec<(String, StateValue<T>)>,
    name: &str,
) -> Result<u64, StateError> {
    match take(optimizer, entries, name)? {
        StateValue::Count(n) => Ok(n),
        StateValue::Tensor(_) => Err(StateError(format!("{optimizer}: state entry {name:?} should be a count"))),
    }
}

fn take<T: Float>(
    optimizer: &str,
    entries: &mut Vec<(String, StateValue<T>)>,
    name: &str,
) -> Result<StateValue<T>, StateError> {
    let at = entries
        .iter()
        .position(|(n, _)| n == name)
        .ok_or_else(|| StateError(format!("{optimizer}: state entry {name:?} is missing")))?;
    Ok(entries.swap_remove(at).1)
}

/// Fails if entries are left that the optimizer does not know.
pub(crate) fn expect_no_more<T: Float>(optimizer: &str, entries: &[(String, StateValue<T>)]) -> Result<(), StateError> {
    match entries.first() {
        None => Ok(()),
        Some((name, _)) => Err(StateError(format!("{optimizer}: unexpected state entry {name:?}"))),
    }
}
