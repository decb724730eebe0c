//! An optimizer's per-parameter state as named values, so that checkpoints
//! can save and restore it without knowing each optimizer's internals.

use crate::error::StateError;
use crate::float::Float;
pub use crate::param::StateValue;
use crate::tensor::Tensor;

/// What an update rule keeps per parameter (velocities, moments, counts),
/// as named values for checkpoints. Implemented for `()` (rules without
/// state) and for the state structs of the crate's rules.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad::optim::{ParamState, StateError, StateValue};
///
/// /// A running sum of gradients.
/// #[derive(Clone, Debug)]
/// struct Sum(Tensor<f32>);
///
/// impl ParamState<f32> for Sum {
///     fn shapes(&self) -> impl Iterator<Item = &[usize]> {
///         std::iter::once(self.0.shape())
///     }
///     fn export(&self) -> Vec<(String, StateValue<f32>)> {
///         vec![("sum".into(), StateValue::Tensor(self.0.clone()))]
///     }
///     fn import(optimizer: &'static str, entries: Vec<(String, StateValue<f32>)>) -> Result<Self, StateError> {
///         match entries.into_iter().next() {
///             Some((name, StateValue::Tensor(t))) if name == "sum" => Ok(Sum(t)),
///             _ => Err(StateError::Missing { optimizer, entry: "sum" }),
///         }
///     }
/// }
/// ```
pub trait ParamState<T: Float>: Clone + std::fmt::Debug {
    /// The shapes of the state's tensors (all the parameter's shape).
    fn shapes(&self) -> impl Iterator<Item = &[usize]>;

    /// The state as named values, in a fixed order.
    fn export(&self) -> Vec<(String, StateValue<T>)>;

    /// The state from named values written by [`export`](ParamState::export):
    /// every entry must be there, of its kind, and no other.
    fn import(optimizer: &'static str, entries: Vec<(String, StateValue<T>)>) -> Result<Self, StateError>;
}

impl<T: Float> ParamState<T> for () {
    fn shapes(&self) -> impl Iterator<Item = &[usize]> {
        std::iter::empty()
    }

    fn export(&self) -> Vec<(String, StateValue<T>)> {
        Vec::new()
    }

    fn import(optimizer: &'static str, entries: Vec<(String, StateValue<T>)>) -> Result<Self, StateError> {
        expect_no_more(optimizer, &entries)
    }
}

/// A field of a state struct: a tensor or a counter.
pub(crate) trait StateField<T: Float>: Sized {
    /// The field as a named value.
    fn to_value(&self) -> StateValue<T>;
    /// The field from a value, or the kind it should have had.
    fn from_value(value: StateValue<T>) -> Result<Self, &'static str>;
    /// The tensor's shape, if the field is a tensor.
    fn shape(&self) -> Option<&[usize]>;
}

impl<T: Float> StateField<T> for Tensor<T> {
    fn to_value(&self) -> StateValue<T> {
        StateValue::Tensor(self.clone())
    }
    fn from_value(value: StateValue<T>) -> Result<Self, &'static str> {
        match value {
            StateValue::Tensor(t) => Ok(t),
            StateValue::Count(_) => Err("a tensor"),
        }
    }
    fn shape(&self) -> Option<&[usize]> {
        Some(Tensor::shape(self))
    }
}

impl<T: Float> StateField<T> for u64 {
    fn to_value(&self) -> StateValue<T> {
        StateValue::Count(*self)
    }
    fn from_value(value: StateValue<T>) -> Result<Self, &'static str> {
        match value {
            StateValue::Count(n) => Ok(n),
            StateValue::Tensor(_) => Err("a count"),
        }
    }
    fn shape(&self) -> Option<&[usize]> {
        None
    }
}

/// Takes the entry called `name` out of `entries`, as a field of its kind.
pub(crate) fn take_field<T: Float, F: StateField<T>>(
    optimizer: &'static str,
    entries: &mut Vec<(String, StateValue<T>)>,
    name: &'static str,
) -> Result<F, StateError> {
    let at = entries.iter().position(|(n, _)| n == name).ok_or(StateError::Missing { optimizer, entry: name })?;
    F::from_value(entries.swap_remove(at).1).map_err(|expected| StateError::WrongKind {
        optimizer,
        entry: name,
        expected,
    })
}

/// Fails if entries are left that the optimizer does not know.
pub(crate) fn expect_no_more<T: Float>(
    optimizer: &'static str,
    entries: &[(String, StateValue<T>)],
) -> Result<(), StateError> {
    match entries.first() {
        None => Ok(()),
        Some((name, _)) => Err(StateError::Unexpected { optimizer, entry: name.clone() }),
    }
}

/// Implements [`ParamState`] for a struct of tensors and counters (fields
/// of types `Tensor<T>` and `u64`), the field names becoming the entries'
/// names: `param_state!(AdamState { step, m, v });`.
macro_rules! param_state {
    ($state:ident { $($field:ident),* $(,)? }) => {
        impl<T: Float> ParamState<T> for $state<T> {
            fn shapes(&self) -> impl Iterator<Item = &[usize]> {
                [$(StateField::<T>::shape(&self.$field)),*].into_iter().flatten()
            }

            fn export(&self) -> Vec<(String, StateValue<T>)> {
                vec![$((stringify!($field).to_string(), StateField::<T>::to_value(&self.$field))),*]
            }

            fn import(optimizer: &'static str, mut entries: Vec<(String, StateValue<T>)>) -> Result<Self, StateError> {
                let state = $state { $($field: take_field(optimizer, &mut entries, stringify!($field))?,)* };
                expect_no_more(optimizer, &entries)?;
                check_same_shapes(optimizer, &state)?;
                Ok(state)
            }
        }
    };
}
pub(crate) use param_state;

/// Fails unless every tensor of the state has the same shape.
pub(crate) fn check_same_shapes<T: Float>(
    optimizer: &'static str,
    state: &impl ParamState<T>,
) -> Result<(), StateError> {
    let mut shapes = state.shapes();
    let Some(first) = shapes.next() else { return Ok(()) };
    match shapes.find(|&s| s != first) {
        Some(other) => Err(StateError::Shapes { optimizer, first: first.to_vec(), other: other.to_vec() }),
        None => Ok(()),
    }
}
