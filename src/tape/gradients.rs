//! [`Gradients`]: the result of a backward sweep, an owned value keyed by
//! node and by parameter.

use super::labels::Names;
use super::{Binding, NodeId, Var};
use crate::float::Float;
use crate::param::{Param, ParamId, ParamMap};
use crate::shape::Shape;
use crate::tensor::Tensor;

/// The gradients of one backward sweep: for every node that requires a
/// gradient, the gradient of the swept output with respect to it, found by
/// [`Var`], by parameter, or by name (a parameter's, or one given with
/// [`Var::named`](crate::Var::named)).
///
/// A plain value: it owns its buffers, is `Send`, and stays valid after
/// the tape is cleared, but it can only be looked up with a [`Var`] of the
/// graph it was computed from, or by parameter. To allocate nothing per
/// step, keep one and sweep into it with
/// [`Var::backward_into`](crate::Var::backward_into), which reuses its
/// buffers.
#[derive(Clone)]
pub struct Gradients<T: Float = f32> {
    tape_id: u64,
    generation: u32,
    /// `grads[i]` is node `i`'s gradient when `present[i]`; otherwise a spare
    /// buffer.
    pub(super) grads: Vec<Tensor<T>>,
    pub(super) present: Vec<bool>,
    /// The parameters bound to the graph, in binding order, with their nodes.
    params: Vec<(ParamId, NodeId)>,
    by_param: ParamMap<Binding>,
    /// The names of the graph's nodes, copied from the tape.
    names: Names,
}

impl<T: Float> Gradients<T> {
    /// Empty gradients, to sweep into with
    /// [`backward_into`](crate::Var::backward_into).
    pub fn new() -> Self {
        Gradients {
            tape_id: u64::MAX,
            generation: 0,
            grads: Vec::new(),
            present: Vec::new(),
            params: Vec::new(),
            by_param: ParamMap::default(),
            names: Names::default(),
        }
    }

    /// Forgets the previous sweep, keeping every buffer, for a graph of
    /// `nodes` nodes with these parameters bound and these names.
    pub(super) fn reset(
        &mut self,
        tape_id: u64,
        generation: u32,
        nodes: usize,
        params: &[(ParamId, NodeId)],
        by_param: &ParamMap<Binding>,
        names: &Names,
    ) {
        self.tape_id = tape_id;
        self.generation = generation;
        self.present.clear();
        self.present.resize(nodes, false);
        while self.grads.len() < nodes {
            self.grads.push(Tensor::from_parts(Shape::from_slice(&[0]), Vec::new()));
        }
        self.params.clear();
        self.params.extend_from_slice(params);
        // A copy of the table, not a rebuild: no hashing.
        self.by_param.clone_from(by_param);
        // Into the buffers of the last sweep's copy: no allocation once warm.
        self.names.clone_from(names);
    }

    /// Makes node `i`'s gradient a zero tensor of `shape`, ready to
    /// accumulate into.
    pub(super) fn activate(&mut self, i: usize, shape: &[usize]) -> &mut Tensor<T> {
        self.grads[i].reset_zeros(shape);
        self.present[i] = true;
        &mut self.grads[i]
    }

    /// Makes node `i`'s gradient a tensor of `shape` for a first share to
    /// be written over: a buffer of the right length keeps its stale
    /// contents; otherwise it is resized, with zeros. Returns whether it is
    /// zeroed.
    pub(super) fn activate_unzeroed(&mut self, i: usize, shape: &[usize]) -> bool {
        self.present[i] = true;
        self.grads[i].reshape_unzeroed(shape)
    }

    /// Whether these gradients were computed on `tape`'s current graph.
    pub(crate) fn belongs_to(&self, tape: &super::Tape<T>) -> bool {
        tape.id == self.tape_id && tape.generation() == self.generation
    }

    /// The gradient with respect to `var`, shaped like its value.
    ///
    /// # Panics
    /// If `var` needs no gradient (a constant, or computed from constants
    /// only), or belongs to another tape or to an earlier graph of a cleared
    /// tape.
    #[track_caller]
    pub fn wrt(&self, var: Var<'_, T>) -> &Tensor<T> {
        match self.get(var) {
            Some(g) => g,
            None => panic!(
                "wrt: node #{} ({}, shape {:?}) has no gradient: it is a constant or computed only from constants",
                var.id,
                var.tape.with_nodes(|nodes| nodes[var.index()].op_name()),
                var.shape()
            ),
        }
    }

    /// The gradient with respect to `var`, or `None` if it needs none.
    ///
    /// # Panics
    /// If `var` belongs to another tape or to an earlier graph of a cleared tape.
    #[track_caller]
    pub fn get(&self, var: Var<'_, T>) -> Option<&Tensor<T>> {
        assert!(
            var.tape.id == self.tape_id,
            "Gradients: this Var belongs to another tape than the one the gradients were computed on"
        );
        assert!(
            var.tape.generation() == self.generation,
            "Gradients: the tape was cleared since these gradients were computed"
        );
        self.by_index(var.index())
    }

    /// The gradient with respect to a parameter bound to the tape, or `None`
    /// if the parameter was not bound in the graph these gradients came from.
    pub fn param(&self, param: &Param<T>) -> Option<&Tensor<T>> {
        self.param_by_id(param.id())
    }

    /// The gradient with respect to the parameter with this id, if bound.
    pub fn param_by_id(&self, id: ParamId) -> Option<&Tensor<T>> {
        self.by_index(self.by_param.get(&id)?.node as usize)
    }

    /// The gradient with respect to `param`, if bound and trained, with the
    /// [`version`](Param::version) of the value it was computed from.
    pub(crate) fn param_and_version(&self, param: &Param<T>) -> Option<(&Tensor<T>, u64)> {
        let bound = self.by_param.get(&param.id())?;
        Some((self.by_index(bound.node as usize)?, bound.version))
    }

    /// Every parameter these gradients cover, in binding order, with its
    /// gradient.
    pub fn params(&self) -> impl Iterator<Item = (ParamId, &Tensor<T>)> {
        self.params.iter().filter_map(|&(id, node)| Some((id, self.by_index(node as usize)?)))
    }

    /// The gradient of the node named `name` (a parameter's name such as
    /// `"layers.0.weight"`, or one given with [`Var::named`](crate::Var::named)),
    /// or `None` if no node of the graph has that name or it needs no
    /// gradient. If several nodes share the name, the first named.
    ///
    /// ```
    /// use tapegrad::nn::{Activation, Mlp, Module, loss};
    /// use tapegrad::{Tape, Tensor};
    /// use rand::{SeedableRng, rngs::StdRng};
    ///
    /// let model = Mlp::<f32>::new(&[2, 3, 1], Activation::Tanh, &mut StdRng::seed_from_u64(0));
    /// let tape = Tape::new();
    /// let y = model.forward(tape.constant(Tensor::ones([4, 2])));
    /// let grads = loss::mse_loss(y, tape.constant(Tensor::zeros([4, 1]))).backward();
    /// assert_eq!(grads.named("layers.0.weight").unwrap().shape(), &[3, 2]);
    /// let names: Vec<&str> = grads.iter_named().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
    /// ```
    pub fn named(&self, name: &str) -> Option<&Tensor<T>> {
        let (node, _) = self.names.iter().find(|&(_, n)| n == name)?;
        self.by_index(node as usize)
    }

    /// Every named node that has a gradient, with its name, in the order the
    /// names were given (parameters in binding order).
    pub fn iter_named(&self) -> impl Iterator<Item = (&str, &Tensor<T>)> {
        self.names.iter().filter_map(|(node, name)| Some((name, self.by_index(node as usize)?)))
    }

    /// The name of node `index`, if it has one.
    pub fn name_of(&self, index: usize) -> Option<&str> {
        self.names.get(u32::try_from(index).ok()?)
    }

    /// The gradient of node `index`, if it has one (inspection without a `Var`).
    pub fn by_index(&self, index: usize) -> Option<&Tensor<T>> {
        if self.present.get(index).copied().unwrap_or(false) { Some(&self.grads[index]) } else { None }
    }

    /// Global L2 norm over all parameter gradients (accumulated in `f64`).
    pub fn params_norm(&self) -> f64 {
        self.params().map(|(_, g)| g.data().iter().map(|x| x.to_f64() * x.to_f64()).sum::<f64>()).sum::<f64>().sqrt()
    }

    /// Calls `f` on every parameter's gradient, mutably: the way to
    /// transform gradients (clipping, scaling) before an optimizer step.
    pub fn for_each_param_mut(&mut self, mut f: impl FnMut(ParamId, &mut Tensor<T>)) {
        for &(id, node) in &self.params {
            if self.present[node as usize] {
                f(id, &mut self.grads[node as usize]);
            }
        }
    }
}

impl<T: Float> Default for Gradients<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> std::fmt::Debug for Gradients<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.present.iter().filter(|&&p| p).count();
        write!(f, "Gradients({count} nodes, {} parameters)", self.params.len())
    }
}
