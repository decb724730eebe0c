//! The tape: an arena of nodes recorded as operations run, in an order that
//! is already topological, [`Var`], the `Copy` handle to one node, and the
//! backward sweeps over it. The ops themselves (shapes, kernels, derivative
//! rules) are pure functions in `ops/`; this layer records them and sweeps.
#![forbid(unsafe_code)]

mod anomaly;
mod backward;
mod curvature;
mod gradcheck;
mod gradients;
mod graph;
mod inspect;
mod labels;
mod operators;
mod per_sample;
mod var;
mod var_choices;
mod var_pieces;

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::error::{Anomaly, Phase};
pub use curvature::{
    Eigenpair, hessian, hessian_max_eigenvalue, hessian_min_eigenvalue, hessian_of, hvp, jacobian, jacobian_of,
};
pub use gradcheck::{GradCheck, InputCheck, check_gradients, check_second_order};
pub use gradients::Gradients;
pub use graph::grad;
#[cfg(feature = "report")]
pub(crate) use inspect::Clusters;
pub use inspect::NodeInfo;
pub(crate) use inspect::write_label;
pub use labels::ScopeGuard;
pub(crate) use per_sample::{GradientMoments, Moment};
pub use per_sample::{PerSampleGradients, PerSampleMethod, PerSampleNorms};
pub use var::Var;

pub(crate) use labels::{Labels, ScopeId};

use crate::float::Float;
use crate::ops::{Kernel, Op, Shapes};
use crate::param::{Param, ParamId, ParamMap};
use crate::shape::{Shape, numel, shape_of};
use crate::tensor::Tensor;

/// Index of a node on its tape.
pub(crate) type NodeId = u32;

/// Where a node's value came from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Source<T: Float> {
    /// A leaf that wants a gradient ([`Tape::var`]).
    Var,
    /// A leaf without a gradient ([`Tape::constant`]).
    Constant,
    /// A bound parameter ([`Tape::param`]).
    Param(ParamId),
    /// A copy of its input that gradients do not flow through.
    Detach,
    /// An op of its inputs.
    Op(Op<T>),
}

impl<T: Float> Source<T> {
    /// `true` for nodes whose backward rule contributes nothing.
    pub(crate) fn is_leaf(&self) -> bool {
        !matches!(self, Source::Op(_))
    }
}

/// The inputs of one node: up to three inline (every op but a `cat` or
/// `stack` of more pieces), more in a boxed slice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Inputs {
    Few { ids: [NodeId; 3], len: u8 },
    Many(Box<[NodeId]>),
}

impl Inputs {
    #[inline]
    fn new(ids: &[NodeId]) -> Self {
        if ids.len() > 3 {
            return Self::many(ids);
        }
        let mut inline = [0; 3];
        inline[..ids.len()].copy_from_slice(ids);
        Inputs::Few { ids: inline, len: ids.len() as u8 }
    }

    #[cold]
    #[inline(never)]
    fn many(ids: &[NodeId]) -> Self {
        Inputs::Many(ids.into())
    }
}

impl std::ops::Deref for Inputs {
    type Target = [NodeId];
    #[inline]
    fn deref(&self) -> &[NodeId] {
        match self {
            Inputs::Few { ids, len } => &ids[..*len as usize],
            Inputs::Many(ids) => ids,
        }
    }
}

/// The values of an op's inputs, as its kernel takes them: up to three in
/// an array (no allocation), more in a `Vec`.
pub(crate) enum InputValues<'a, T: Float> {
    Few([&'a Tensor<T>; 3], usize),
    Many(Vec<&'a Tensor<T>>),
}

impl<'a, T: Float> std::ops::Deref for InputValues<'a, T> {
    type Target = [&'a Tensor<T>];
    #[inline]
    fn deref(&self) -> &[&'a Tensor<T>] {
        match self {
            InputValues::Few(values, n) => &values[..*n],
            InputValues::Many(values) => values,
        }
    }
}

/// The values of the nodes `ids`.
#[inline]
pub(crate) fn values_of<'a, T: Float>(nodes: &'a [Node<T>], ids: &[NodeId]) -> InputValues<'a, T> {
    if ids.len() > 3 {
        return many_values(nodes, ids);
    }
    let mut values = [&nodes[ids[0] as usize].value; 3];
    for (v, &i) in values.iter_mut().zip(ids) {
        *v = &nodes[i as usize].value;
    }
    InputValues::Few(values, ids.len())
}

#[cold]
#[inline(never)]
fn many_values<'a, T: Float>(nodes: &'a [Node<T>], ids: &[NodeId]) -> InputValues<'a, T> {
    InputValues::Many(ids.iter().map(|&i| &nodes[i as usize].value).collect())
}

/// One recorded operation: where it came from, its inputs, its value,
/// whether any gradient flows through it, the scope it was recorded in and
/// whether it has a name (the names themselves are in the tape's `Labels`).
#[derive(Debug)]
pub(crate) struct Node<T: Float> {
    pub source: Source<T>,
    pub inputs: Inputs,
    pub value: Tensor<T>,
    pub requires_grad: bool,
    pub scope: ScopeId,
    pub named: bool,
}

impl<T: Float> Node<T> {
    /// The op's name as the listing shows it.
    pub(crate) fn op_name(&self) -> String {
        match &self.source {
            Source::Var => "var".into(),
            Source::Constant => "constant".into(),
            Source::Param(_) => "param".into(),
            Source::Detach => "detach".into(),
            Source::Op(op) => op.name(),
        }
    }
}

/// A tape: every operation on its [`Var`]s is appended here as it runs
/// (a Wengert list), so a reverse sweep over the nodes computes gradients.
///
/// A tape is meant to hold one step's graph. [`Tape::clear`] empties it and
/// keeps its buffers, so a training loop that records the same graph every
/// step allocates nothing in steady state.
///
/// ```
/// use tapegrad::{Tape, Tensor};
/// let tape = Tape::new();
/// let x = tape.var(Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]));
/// let w = tape.var(Tensor::from_vec(vec![0.5, -1.0], [2, 1]));
/// let y = (x.matmul(w) + 1.0).tanh().sum();
/// let grads = y.backward();
/// assert_eq!(grads.wrt(w).shape(), &[2, 1]);
/// println!("{tape}");
/// ```
pub struct Tape<T: Float = f32> {
    inner: RefCell<TapeInner<T>>,
    /// Distinguishes tapes, so that a `Var` or `Gradients` of one tape is
    /// never read against another.
    id: u64,
}

struct TapeInner<T: Float> {
    nodes: Vec<Node<T>>,
    /// Buffers of cleared nodes, the first node's on top: a step that records
    /// the same graph as the last one gets back the buffer it had before.
    pool: Vec<Vec<T>>,
    /// Parameters bound this generation, in binding order, and the node each
    /// was bound to (by id).
    bound: Vec<(ParamId, NodeId)>,
    bindings: ParamMap<Binding>,
    /// Node names and scopes, in buffers reused after `clear`.
    labels: Labels,
    /// Incremented by every `clear`.
    generation: u32,
    /// Whether every new value and gradient is checked for NaN and infinity.
    detect_anomalies: bool,
    /// The first anomaly found since the last `clear`.
    anomaly: Option<Anomaly>,
    /// Whether modules record as in eval mode whatever their own mode
    /// (the tape of [`Module::predict`](crate::nn::Module::predict)).
    inference: bool,
}

/// Where a parameter was bound, and which version of its value the tape
/// copied: an optimizer refuses a gradient of a value the parameter no
/// longer has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Binding {
    pub node: NodeId,
    pub version: u64,
}

impl<T: Float> Default for Tape<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> Tape<T> {
    /// An empty tape. The element type is inferred: `Tape::new()` used with a
    /// model of `f32` parameters is a `Tape<f32>`; write `Tape::<f64>::new()`
    /// for double precision.
    pub fn new() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Tape {
            inner: RefCell::new(TapeInner {
                nodes: Vec::new(),
                pool: Vec::new(),
                bound: Vec::new(),
                bindings: ParamMap::default(),
                labels: Labels::default(),
                generation: 0,
                detect_anomalies: false,
                anomaly: None,
                inference: false,
            }),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// A leaf that wants a gradient.
    pub fn var(&self, value: Tensor<T>) -> Var<'_, T> {
        self.leaf(Source::Var, value)
    }

    /// A leaf that wants no gradient (inputs, targets). Work that depends
    /// only on constants is recorded for its value but does no backward work.
    pub fn constant(&self, value: Tensor<T>) -> Var<'_, T> {
        self.leaf(Source::Constant, value)
    }

    /// A constant copied from a slice into one of the tape's own buffers: the
    /// way to feed data each step without allocating.
    ///
    /// # Panics
    /// If `data.len()` does not fit `shape`.
    #[track_caller]
    pub fn constant_from_slice(&self, data: &[T], shape: impl AsRef<[usize]>) -> Var<'_, T> {
        let shape = shape_of(shape);
        assert!(data.len() == numel(&shape), "constant_from_slice: {} values do not fit shape {shape:?}", data.len());
        self.push_filled(Source::Constant, &[], shape, |_, buffer| buffer.extend_from_slice(data))
    }

    /// Binds a parameter for this step: its value is copied into the tape
    /// (into a reused buffer), and its gradient can later be looked up with
    /// [`Gradients::param`] or by its name with [`Gradients::named`]. The node
    /// carries the parameter's name (`layers.0.weight`), also copied into a
    /// reused buffer. Binding the same parameter twice in one step returns
    /// the same node. A [frozen](Param::freeze) parameter is bound like a
    /// constant: no gradient, no backward work.
    ///
    /// The returned `Var` does not borrow `param`: the graph holds its own
    /// copy, so values can be read after the parameter changes. The tape
    /// records which [`version`](Param::version) it copied, and an
    /// optimizer step refuses a gradient of a version the parameter no
    /// longer has.
    ///
    /// # Panics
    /// If `param` was bound to this graph before and has changed since.
    #[track_caller]
    pub fn param(&self, param: &Param<T>) -> Var<'_, T> {
        let (id, version) = (param.id(), param.version());
        {
            let mut inner = self.inner.borrow_mut();
            let next = NodeId::try_from(inner.nodes.len()).expect("tape: more than 2^32 nodes");
            match inner.bindings.entry(id) {
                Entry::Occupied(bound) => {
                    let bound = *bound.get();
                    assert!(
                        bound.version == version,
                        "tape.param: {} changed since it was bound to this graph (bind it again after tape.clear())",
                        param.name()
                    );
                    return Var { tape: self, id: bound.node };
                }
                Entry::Vacant(slot) => slot.insert(Binding { node: next, version }),
            };
            inner.bound.push((id, next));
            // Named before it is pushed: every parameter node has a name.
            inner.labels.name_param(next, param.name());
        }
        let value = param.value();
        let var = self.push_filled(Source::Param(id), &[], shape_of(value.shape()), |_, buffer| {
            buffer.extend_from_slice(value.data())
        });
        if !param.requires_grad() {
            self.inner.borrow_mut().nodes[var.index()].requires_grad = false;
        }
        var
    }

    /// A constant whose value `fill` writes into one of the tape's buffers
    /// (given empty, to be filled with the shape's number of elements):
    /// masks and statistics a layer makes each step, without allocating.
    pub(crate) fn constant_with(&self, shape: impl AsRef<[usize]>, fill: impl FnOnce(&mut Vec<T>)) -> Var<'_, T> {
        let shape = shape_of(shape);
        let len = numel(&shape);
        let var = self.push_filled(Source::Constant, &[], shape, |_, buffer| fill(buffer));
        debug_assert_eq!(self.with_nodes(|nodes| nodes[var.index()].value.len()), len);
        var
    }

    /// A tape whose modules record as in eval mode, whatever their own mode
    /// (Dropout passes its input through, BatchNorm uses its running
    /// statistics): the tape [`Module::predict`](crate::nn::Module::predict)
    /// runs `forward` on.
    pub(crate) fn for_inference() -> Self {
        let tape = Self::new();
        tape.inner.borrow_mut().inference = true;
        tape
    }

    /// Whether this tape records as in eval mode (see `for_inference`).
    pub(crate) fn is_inference(&self) -> bool {
        self.inner.borrow().inference
    }

    /// Names the node `id` (see [`Var::named`]).
    pub(crate) fn name_node(&self, id: NodeId, name: &dyn std::fmt::Display) {
        let mut inner = self.inner.borrow_mut();
        let inner = &mut *inner;
        let node = &mut inner.nodes[id as usize];
        inner.labels.name(id, node.named, name);
        node.named = true;
    }

    fn leaf(&self, source: Source<T>, value: Tensor<T>) -> Var<'_, T> {
        let mut inner = self.inner.borrow_mut();
        // Keep the pool aligned with node order: this node brings its own
        // buffer, so the one the pool kept for it is released.
        inner.pool.pop();
        let requires_grad = matches!(source, Source::Var | Source::Param(_));
        let id = inner.push(source, Inputs::new(&[]), value, requires_grad);
        Var { tape: self, id }
    }

    /// Appends a node whose value `fill` writes into a pool buffer, given
    /// the nodes so far.
    fn push_filled(
        &self,
        source: Source<T>,
        inputs: &[NodeId],
        shape: Shape,
        fill: impl FnOnce(&[Node<T>], &mut Vec<T>),
    ) -> Var<'_, T> {
        let mut inner = self.inner.borrow_mut();
        let TapeInner { nodes, pool, .. } = &mut *inner;
        let mut buffer = pool.pop().unwrap_or_default();
        buffer.clear();
        fill(nodes, &mut buffer);
        let requires_grad = matches!(source, Source::Var | Source::Param(_));
        let value = Tensor::from_parts(shape, buffer);
        let id = inner.push(source, Inputs::new(inputs), value, requires_grad);
        Var { tape: self, id }
    }

    /// Records `op` applied to `inputs`: checks the shapes, computes the
    /// value into a pool buffer and appends the node.
    ///
    /// # Panics
    /// If an input belongs to another tape, the shapes do not fit the op, or
    /// the output does not fit in memory.
    #[track_caller]
    pub(crate) fn apply(&self, op: Op<T>, inputs: &[Var<'_, T>]) -> Var<'_, T> {
        if inputs.iter().any(|v| !std::ptr::eq(self, v.tape)) {
            panic!("{}: the operands belong to different tapes", op.name());
        }
        let mut inner = self.inner.borrow_mut();
        let TapeInner { nodes, pool, .. } = &mut *inner;
        let ids = if inputs.len() <= 3 {
            let mut ids = [0; 3];
            for (id, v) in ids.iter_mut().zip(inputs) {
                *id = v.id;
            }
            Inputs::new(&ids[..inputs.len()])
        } else {
            Inputs::many(&inputs.iter().map(|v| v.id).collect::<Vec<_>>())
        };
        let values = values_of(nodes, &ids);
        let shape = op.output_shape(Shapes::of(&values).as_slice());
        let mut data = pool.pop().unwrap_or_default();
        data.clear();
        // A reused buffer has the room already; a new one gets it here, so
        // that an output too large for memory is a panic naming the op.
        Tensor::reserve(&mut data, &shape, || op.name());
        op.forward(&values, &mut data);
        debug_assert_eq!(data.len(), numel(&shape), "{} wrote the wrong number of elements", op.name());
        let requires_grad = ids.iter().any(|&i| nodes[i as usize].requires_grad);
        let id = inner.push(Source::Op(op), ids, Tensor::from_parts(shape, data), requires_grad);
        Var { tape: self, id }
    }

    /// Records a copy of `var` that gradients do not flow through.
    pub(crate) fn detach(&self, var: Var<'_, T>) -> Var<'_, T> {
        let i = var.index();
        self.push_filled(Source::Detach, &[var.id], var.shape(), |nodes, buffer| {
            buffer.extend_from_slice(nodes[i].value.data())
        })
    }

    /// Empties the tape for the next step, keeping its buffers.
    ///
    /// Takes `&mut self`, so no `Var` of the old graph can outlive it.
    /// [`Gradients`] already computed stay valid.
    pub fn clear(&mut self) {
        let inner = self.inner.get_mut();
        let recycled = inner.nodes.len();
        // Reverse order, so that the first node's buffer ends on top.
        for node in inner.nodes.drain(..).rev() {
            inner.pool.push(node.value.into_parts().1);
        }
        // Keep no more buffers than one step used: buffers brought in by
        // leaves each step would otherwise pile up.
        let excess = inner.pool.len().saturating_sub(recycled);
        inner.pool.drain(..excess);
        inner.bound.clear();
        inner.bindings.clear();
        inner.labels.clear();
        inner.anomaly = None;
        inner.generation = inner.generation.wrapping_add(1);
    }

    /// Turns anomaly detection on or off. With it on, every value recorded
    /// and every gradient computed is checked for NaN and infinity, and the
    /// first node that produced one is kept as an [`Anomaly`] (see
    /// [`Tape::anomaly`]); [`Var::backward`] then panics with the report
    /// rather than return gradients that would carry NaN into the weights,
    /// and [`Var::try_backward`] returns it as an error. The checks cost one
    /// pass over every value and gradient.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// tape.set_anomaly_detection(true);
    /// let x = tape.var(Tensor::from_vec(vec![1.0, -1.0], [2]));
    /// let y = x.ln().sum(); // ln(-1) is NaN
    /// let report = y.try_backward().unwrap_err();
    /// assert_eq!(report.node, 1);
    /// assert_eq!(report.op, "ln");
    /// assert!(report.to_string().starts_with("anomaly: node #1 (ln, shape [2]) computed NaN or infinity"));
    /// ```
    pub fn set_anomaly_detection(&self, on: bool) {
        self.inner.borrow_mut().detect_anomalies = on;
    }

    /// Whether anomaly detection is on.
    pub fn anomaly_detection(&self) -> bool {
        self.inner.borrow().detect_anomalies
    }

    /// The first anomaly found since the tape was last cleared, if anomaly
    /// detection is on and one was found.
    pub fn anomaly(&self) -> Option<Anomaly> {
        self.inner.borrow().anomaly.clone()
    }

    /// Removes every node from `len` on, returning their buffers to the pool
    /// (used by the gradient check to roll back each evaluation). Vars of
    /// the removed nodes must not be used again; `Gradients` computed
    /// before can no longer be looked up by `Var`.
    pub(crate) fn truncate(&self, len: usize) {
        let mut inner = self.inner.borrow_mut();
        let inner = &mut *inner;
        // Popping from the end leaves node `len`'s buffer on top of the pool,
        // which is where the next recorded node looks for it.
        while inner.nodes.len() > len {
            let node = inner.nodes.pop().expect("len checked");
            inner.pool.push(node.value.into_parts().1);
        }
        inner.bound.retain(|&(_, node)| (node as usize) < len);
        inner.bindings.retain(|_, bound| (bound.node as usize) < len);
        inner.labels.truncate(len);
        if inner.anomaly.as_ref().is_some_and(|a| a.node >= len) {
            inner.anomaly = None;
        }
        inner.generation = inner.generation.wrapping_add(1);
    }

    /// Number of nodes recorded.
    pub fn len(&self) -> usize {
        self.inner.borrow().nodes.len()
    }

    /// `true` if nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[track_caller]
    fn check_owns(&self, var: Var<'_, T>, what: &str) {
        assert!(std::ptr::eq(self, var.tape), "{what}: the Var belongs to another tape");
    }

    pub(crate) fn with_nodes<R>(&self, f: impl FnOnce(&[Node<T>]) -> R) -> R {
        f(&self.inner.borrow().nodes)
    }

    /// The nodes with their labels and the table of bound parameters (by
    /// id), for inspection and diagnostics.
    pub(crate) fn with_graph<R>(&self, f: impl FnOnce(&[Node<T>], &Labels, &ParamMap<Binding>) -> R) -> R {
        let inner = self.inner.borrow();
        f(&inner.nodes, &inner.labels, &inner.bindings)
    }

    pub(crate) fn generation(&self) -> u32 {
        self.inner.borrow().generation
    }
}

impl<T: Float> TapeInner<T> {
    /// Appends a node, in the current scope.
    fn push(&mut self, source: Source<T>, inputs: Inputs, value: Tensor<T>, requires_grad: bool) -> NodeId {
        let id = NodeId::try_from(self.nodes.len()).expect("tape: more than 2^32 nodes");
        let scope = self.labels.current;
        // A parameter's node was given its parameter's name at binding.
        let named = matches!(source, Source::Param(_));
        self.nodes.push(Node { source, inputs, value, requires_grad, scope, named });
        if self.detect_anomalies && self.anomaly.is_none() {
            self.anomaly = Anomaly::check_forward(&self.nodes, id as usize);
        }
        id
    }
}
