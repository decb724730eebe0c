//! Names as PyTorch gives them: a parameter's or buffer's name in a model
//! is its path of field names (`res.inner.weight`), found by walking the
//! module's fields. The walks here are what `named_params`,
//! `named_tensors`, `load_named`, `name_params`, the files and the
//! diagnostics use; the path grows and shrinks in one buffer, so a walk
//! allocates nothing but what its caller keeps.

use super::buffer::Buffer;
use super::module::{Field, FieldMut, Module};
use crate::error::StateDictError;
use crate::float::Float;
use crate::param::{Param, StateValue};

/// A named tensor of a module: a parameter or a buffer.
pub(crate) enum Leaf<'a, T: Float> {
    Param(&'a Param<T>),
    Buffer(&'a Buffer<T>),
}

/// A named tensor of a module, mutably.
pub(crate) enum LeafMut<'a, T: Float> {
    Param(&'a mut Param<T>),
    Buffer(&'a mut Buffer<T>),
}

/// Appends the field name `segment` to `path` (an empty segment, a
/// container's activation, adds nothing).
fn push_segment(path: &mut String, segment: &str) {
    if segment.is_empty() {
        return;
    }
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(segment);
}

/// Calls `visit` on every parameter and buffer of `module`, at any depth,
/// with its path under `path` (which is left as it was given).
pub(crate) fn walk<'a, T: Float, M: Module<T> + ?Sized>(
    module: &'a M,
    path: &mut String,
    visit: &mut dyn FnMut(&str, Leaf<'a, T>),
) {
    module.visit_fields(&mut |name, field| {
        let len = path.len();
        push_segment(path, name);
        match field {
            Field::Param(p) => visit(path, Leaf::Param(p)),
            Field::Buffer(b) => visit(path, Leaf::Buffer(b)),
            Field::Module(m) => walk(m, path, visit),
            Field::Training(_) => {}
        }
        path.truncate(len);
    });
}

/// [`walk`], mutably.
pub(crate) fn walk_mut<'a, T: Float, M: Module<T> + ?Sized>(
    module: &'a mut M,
    path: &mut String,
    visit: &mut dyn FnMut(&str, LeafMut<'a, T>),
) {
    module.visit_fields_mut(&mut |name, field| {
        let len = path.len();
        push_segment(path, name);
        match field {
            FieldMut::Param(p) => visit(path, LeafMut::Param(p)),
            FieldMut::Buffer(b) => visit(path, LeafMut::Buffer(b)),
            FieldMut::Module(m) => walk_mut(m, path, visit),
            FieldMut::Training(_) => {}
        }
        path.truncate(len);
    });
}

/// The first name that comes twice, if any.
pub(crate) fn first_duplicate<'n>(names: impl Iterator<Item = &'n str>) -> Option<&'n str> {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().find(|&name| !seen.insert(name))
}

/// What a module expects under one name: a tensor of a shape, or a count.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Slot {
    /// A parameter, or a buffer holding a tensor.
    Tensor(Vec<usize>),
    /// A buffer holding a count (BatchNorm's `num_batches_tracked`).
    Count,
}

impl Slot {
    /// What this slot holds, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Slot::Tensor(_) => "a tensor",
            Slot::Count => "a count",
        }
    }
}

/// Every name of the module's state with what it expects there, in the
/// order of the walk; an error if two have one name.
pub(crate) fn slots<T: Float, M: Module<T> + ?Sized>(module: &M) -> Result<Vec<(String, Slot)>, StateDictError> {
    let mut slots = Vec::new();
    walk(module, &mut String::new(), &mut |path, leaf| {
        let slot = match leaf {
            Leaf::Param(p) => Slot::Tensor(p.shape().to_vec()),
            Leaf::Buffer(b) => b.slot(),
        };
        slots.push((path.to_string(), slot));
    });
    match first_duplicate(slots.iter().map(|(n, _)| n.as_str())) {
        Some(name) => Err(StateDictError::Duplicate { name: name.to_string() }),
        None => Ok(slots),
    }
}

/// Checks `value` against the slot `name` expects.
pub(crate) fn check_value<T: Float>(name: &str, slot: &Slot, value: &StateValue<T>) -> Result<(), StateDictError> {
    match (slot, value) {
        (Slot::Tensor(shape), StateValue::Tensor(t)) if t.shape() != shape.as_slice() => {
            Err(StateDictError::Shape { name: name.to_string(), expected: shape.clone(), found: t.shape().to_vec() })
        }
        (Slot::Tensor(_), StateValue::Tensor(_)) | (Slot::Count, StateValue::Count(_)) => Ok(()),
        _ => Err(StateDictError::Kind { name: name.to_string(), expected: slot.kind() }),
    }
}

/// `load_named`: every slot of the module filled from `state`, strictly,
/// all checks made before anything changes.
pub(crate) fn load<T: Float, M: Module<T> + ?Sized>(
    module: &mut M,
    state: Vec<(String, StateValue<T>)>,
) -> Result<(), StateDictError> {
    let slots = slots(module)?;
    if let Some(name) = first_duplicate(state.iter().map(|(n, _)| n.as_str())) {
        return Err(StateDictError::Duplicate { name: name.to_string() });
    }
    if let Some((name, _)) = state.iter().find(|(name, _)| !slots.iter().any(|(s, _)| s == name)) {
        return Err(StateDictError::Unexpected { name: name.clone() });
    }
    let mut state: std::collections::HashMap<String, StateValue<T>> = state.into_iter().collect();
    let mut values = Vec::with_capacity(slots.len());
    for (name, slot) in &slots {
        let value = state.remove(name).ok_or_else(|| StateDictError::Missing { name: name.clone() })?;
        check_value(name, slot, &value)?;
        values.push(value);
    }
    assign(module, values.into_iter().map(Some));
    Ok(())
}

/// Puts `values`, one per slot in walk order (`None`: leave it), into the
/// module. The values have been checked against the slots.
pub(crate) fn assign<T: Float, M: Module<T> + ?Sized>(
    module: &mut M,
    values: impl IntoIterator<Item = Option<StateValue<T>>>,
) {
    let mut values = values.into_iter();
    walk_mut(module, &mut String::new(), &mut |_, leaf| {
        let Some(value) = values.next().flatten() else { return };
        match (leaf, value) {
            (LeafMut::Param(p), StateValue::Tensor(t)) => p.set_value(t),
            (LeafMut::Buffer(b), value) => b.set(value),
            (LeafMut::Param(p), StateValue::Count(_)) => unreachable!("{}: checked to be a tensor", p.name()),
        }
    });
}
