//! [`Gradients`]: the result of a backward sweep, keyed by node and by parameter.

use std::cell::RefCell;
use std::rc::Rc;

use super::{NodeId, Var};
use crate::float::Float;
use crate::param::{Param, ParamId};
use crate::shape::Shape;
use crate::tensor::Tensor;

/// Storage of one backward sweep. Reused by the next sweep on the same tape
/// once the caller has dropped its [`Gradients`], so that a training step
/// allocates nothing in steady state.
#[derive(Debug, Default, Clone)]
pub(crate) struct GradStore<T: Float> {
    pub tape_id: u64,
    pub generation: u32,
    /// `grads[i]` is node `i`'s gradient when `present[i]`; otherwise a spare
    /// buffer.
    pub grads: Vec<Tensor<T>>,
    pub present: Vec<bool>,
    pub params: Vec<(ParamId, NodeId)>,
}

impl<T: Float> GradStore<T> {
    /// Forgets the previous sweep, keeping every buffer.
    pub fn reset(&mut self, tape_id: u64, generation: u32, nodes: usize) {
        self.tape_id = tape_id;
        self.generation = generation;
        self.present.clear();
        self.present.resize(nodes, false);
        while self.grads.len() < nodes {
            self.grads.push(Tensor::from_parts(Shape::from_slice(&[0]), Vec::new()));
        }
        self.params.clear();
    }

    /// Makes node `i`'s gradient a zero tensor of `shape`, ready to accumulate into.
    pub fn activate(&mut self, i: usize, shape: &[usize]) {
        self.grads[i].reset_zeros(shape);
        self.present[i] = true;
    }

    fn get(&self, i: usize) -> Option<&Tensor<T>> {
        if self.present.get(i).copied().unwrap_or(false) { Some(&self.grads[i]) } else { None }
    }
}

/// Where a tape keeps its latest sweep's storage; shared with the
/// [`Gradients`] that hold it.
pub(crate) type GradSlot<T> = Rc<RefCell<Option<Rc<GradStore<T>>>>>;

/// The gradients of one backward sweep: for every node that requires a
/// gradient, the gradient of the swept output with respect to it.
///
/// `Gradients` own their data and stay valid after the tape is cleared, but
/// they can only be looked up with a [`Var`] of the graph they were computed
/// from, or by parameter.
#[derive(Clone)]
pub struct Gradients<T: Float = f32> {
    pub(crate) store: Rc<GradStore<T>>,
    /// The tape's reference to the latest sweep's store.
    pub(crate) slot: GradSlot<T>,
}

impl<T: Float> Gradients<T> {
    /// The gradient with respect to `var`, shaped like its value.
    ///
    /// # Panics
    /// If `var` needs no gradient (a constant, or computed from constants
    /// only), or belongs to another tape or to an earlier graph of a cleared
    /// tape.
    pub fn wrt(&self, var: Var<'_, T>) -> &Tensor<T> {
        match self.get(var) {
            Some(g) => g,
            None => panic!(
                "wrt: node #{} ({}, shape {:?}) has no gradient: it is a constant or computed only from constants",
                var.id,
                var.tape.op(var).name(),
                var.shape()
            ),
        }
    }

    /// The gradient with respect to `var`, or `None` if it needs none.
    ///
    /// # Panics
    /// If `var` belongs to another tape or to an earlier graph of a cleared tape.
    pub fn get(&self, var: Var<'_, T>) -> Option<&Tensor<T>> {
        let tape = var.tape;
        assert!(
            tape.id == self.store.tape_id,
            "Gradients: this Var belongs to another tape than the one the gradients were computed on"
        );
        assert!(
            tape.inner.borrow().generation == self.store.generation,
            "Gradients: the tape was cleared since these gradients were computed"
        );
        self.store.get(var.id as usize)
    }

    /// The gradient with respect to a parameter bound to the tape, or `None`
    /// if the parameter was not bound in the graph these gradients came from.
    pub fn param(&self, param: &Param<T>) -> Option<&Tensor<T>> {
        self.param_by_id(param.id())
    }

    /// The gradient with respect to the parameter with this id, if bound.
    pub fn param_by_id(&self, id: ParamId) -> Option<&Tensor<T>> {
        let &(_, node) = self.store.params.iter().find(|(p, _)| *p == id)?;
        self.store.get(node as usize)
    }

    /// The ids of all parameters these gradients cover, with their gradients.
    pub fn params(&self) -> impl Iterator<Item = (ParamId, &Tensor<T>)> {
        self.store.params.iter().filter_map(|&(id, node)| Some((id, self.store.get(node as usize)?)))
    }

    /// The gradient of node `index`, if it has one (inspection without a `Var`).
    pub fn by_index(&self, index: usize) -> Option<&Tensor<T>> {
        self.store.get(index)
    }

    /// Global L2 norm over all parameter gradients (accumulated in `f64`).
    pub fn params_norm(&self) -> f64 {
        self.params().map(|(_, g)| g.data().iter().map(|x| x.to_f64() * x.to_f64()).sum::<f64>()).sum::<f64>().sqrt()
    }

    /// Calls `f` on every parameter's gradient, mutably: the way to
    /// transform gradients (clipping, scaling) before an optimizer step.
    ///
    /// Modifies these gradients in place; the tape's DOT export shows the
    /// modified values. Only if the `Gradients` were cloned is the data
    /// copied first, so that the clone keeps the original values.
    pub fn for_each_param_mut(&mut self, mut f: impl FnMut(ParamId, &mut Tensor<T>)) {
        // The tape holds a second reference for `to_dot`; let go of it while
        // modifying, so that the store is unshared and needs no copy.
        let tapes_reference = {
            let mut slot = self.slot.borrow_mut();
            if slot.as_ref().is_some_and(|s| Rc::ptr_eq(s, &self.store)) { slot.take() } else { None }
        };
        let restore = tapes_reference.is_some();
        drop(tapes_reference);
        let store = Rc::make_mut(&mut self.store);
        for &(id, node) in &store.params {
            if store.present[node as usize] {
                f(id, &mut store.grads[node as usize]);
            }
        }
        if restore {
            *self.slot.borrow_mut() = Some(Rc::clone(&self.store));
        }
    }
}

impl<T: Float> std::fmt::Debug for Gradients<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.store.present.iter().filter(|&&p| p).count();
        write!(f, "Gradients({count} nodes, {} parameters)", self.store.params.len())
    }
}
