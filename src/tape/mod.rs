//! The tape: an arena of nodes recorded as operations run, in an order that
//! is already topological, and [`Var`], the `Copy` handle to one node.

mod anomaly;
mod backward;
mod gradcheck;
mod gradients;
mod inspect;
pub(crate) mod op;
mod operators;

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

pub use anomaly::{Anomaly, Phase};
pub use gradcheck::{GradCheck, InputCheck, check_gradients};
pub use gradients::Gradients;
pub use op::{BinaryOp, NodeId, Op, UnaryOp};

use crate::float::Float;
use crate::param::{Param, ParamId};
use crate::shape::{Shape, numel, shape_of};
use crate::tensor::Tensor;
use gradients::GradSlot;

/// One recorded operation: what it was, its value, and whether any gradient
/// flows through it.
#[derive(Debug)]
pub(crate) struct Node<T: Float> {
    pub op: Op<T>,
    pub value: Tensor<T>,
    pub requires_grad: bool,
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
    /// Parameters bound this generation and the nodes they were bound to.
    bindings: Vec<(ParamId, NodeId)>,
    /// Incremented by every `clear`.
    generation: u32,
    /// Whether every new value and gradient is checked for NaN and infinity.
    detect_anomalies: bool,
    /// The first anomaly found since the last `clear`.
    anomaly: Option<Anomaly>,
    /// The most recent backward sweep's gradients, kept for `to_dot` and so
    /// that their buffers can be reused once the caller drops them. Shared
    /// with the `Gradients`, which empty it before they modify themselves.
    last_grads: GradSlot<T>,
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
                bindings: Vec::new(),
                generation: 0,
                detect_anomalies: false,
                anomaly: None,
                last_grads: GradSlot::default(),
            }),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// A leaf that wants a gradient.
    pub fn var(&self, value: Tensor<T>) -> Var<'_, T> {
        self.leaf(Op::Var, value)
    }

    /// A leaf that wants no gradient (inputs, targets). Work that depends
    /// only on constants is recorded for its value but does no backward work.
    pub fn constant(&self, value: Tensor<T>) -> Var<'_, T> {
        self.leaf(Op::Constant, value)
    }

    /// A constant copied from a slice into one of the tape's own buffers: the
    /// way to feed data each step without allocating.
    ///
    /// # Panics
    /// If `data.len()` does not fit `shape`.
    pub fn constant_from_slice(&self, data: &[T], shape: impl AsRef<[usize]>) -> Var<'_, T> {
        let shape = shape_of(shape);
        assert!(data.len() == numel(&shape), "constant_from_slice: {} values do not fit shape {shape:?}", data.len());
        self.record(Op::Constant, shape, |_, out| out.extend_from_slice(data))
    }

    /// Binds a parameter for this step: its value is copied into the tape
    /// (into a reused buffer), and its gradient can later be looked up with
    /// [`Gradients::param`]. Binding the same parameter twice in one step
    /// returns the same node.
    ///
    /// The returned `Var` borrows `param`, so the parameter cannot be
    /// modified while the graph built on it is alive.
    pub fn param<'a>(&'a self, param: &'a Param<T>) -> Var<'a, T> {
        let id = param.id();
        let existing = self.inner.borrow().bindings.iter().find(|(p, _)| *p == id).map(|&(_, node)| node);
        if let Some(node) = existing {
            return Var { tape: self, id: node };
        }
        let var =
            self.record(Op::Param(id), shape_of(param.shape()), |_, out| out.extend_from_slice(param.value().data()));
        self.inner.borrow_mut().bindings.push((id, var.id));
        var
    }

    fn leaf(&self, op: Op<T>, value: Tensor<T>) -> Var<'_, T> {
        let mut inner = self.inner.borrow_mut();
        // Keep the pool aligned with node order: this node brings its own
        // buffer, so the one the pool kept for it is released.
        inner.pool.pop();
        let requires_grad = matches!(op, Op::Var | Op::Param(_));
        let id = inner.push(Node { op, value, requires_grad });
        Var { tape: self, id }
    }

    /// Appends a node whose value `compute` writes into an empty buffer (from
    /// the pool), given the nodes recorded so far. `compute` must push exactly
    /// as many elements as `shape` holds.
    pub(crate) fn record(&self, op: Op<T>, shape: Shape, compute: impl FnOnce(&[Node<T>], &mut Vec<T>)) -> Var<'_, T> {
        let mut inner = self.inner.borrow_mut();
        let mut data = inner.pool.pop().unwrap_or_default();
        data.clear();
        compute(&inner.nodes, &mut data);
        debug_assert_eq!(data.len(), numel(&shape), "{} wrote the wrong number of elements", op_name(&op));
        let requires_grad = match op {
            Op::Detach(_) | Op::Constant => false,
            Op::Var | Op::Param(_) => true,
            _ => op.inputs().as_slice().iter().any(|&i| inner.nodes[i as usize].requires_grad),
        };
        let id = inner.push(Node { op, value: Tensor::from_parts(shape, data), requires_grad });
        Var { tape: self, id }
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
        inner.bindings.clear();
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
        inner.bindings.retain(|&(_, node)| (node as usize) < len);
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

    /// How the node behind `var` was computed.
    pub fn op(&self, var: Var<'_, T>) -> Op<T> {
        self.check_owns(var, "op");
        self.inner.borrow().nodes[var.id as usize].op
    }

    fn check_owns(&self, var: Var<'_, T>, what: &str) {
        assert!(std::ptr::eq(self, var.tape), "{what}: the Var belongs to another tape");
    }

    pub(crate) fn with_nodes<R>(&self, f: impl FnOnce(&[Node<T>]) -> R) -> R {
        f(&self.inner.borrow().nodes)
    }
}

impl<T: Float> TapeInner<T> {
    fn push(&mut self, node: Node<T>) -> NodeId {
        let id = NodeId::try_from(self.nodes.len()).expect("tape: more than 2^32 nodes");
        self.nodes.push(node);
        if self.detect_anomalies && self.anomaly.is_none() {
            self.anomaly = Anomaly::check_forward(&self.nodes, id as usize);
        }
        id
    }
}

fn op_name<T: Float>(op: &Op<T>) -> String {
    op.name()
}

/// A handle to one node of a [`Tape`]: small, `Copy`, and usable with the
/// arithmetic operators and the methods of [`ops`](crate::ops).
#[derive(Clone, Copy)]
pub struct Var<'t, T: Float = f32> {
    pub(crate) tape: &'t Tape<T>,
    pub(crate) id: NodeId,
}

impl<'t, T: Float> Var<'t, T> {
    /// The tape this variable lives on.
    pub fn tape(self) -> &'t Tape<T> {
        self.tape
    }

    /// The node's index on its tape.
    pub fn index(self) -> usize {
        self.id as usize
    }

    /// The shape of the value.
    pub fn shape(self) -> Shape {
        self.tape.with_nodes(|nodes| nodes[self.id as usize].value.shape().into())
    }

    /// A copy of the value.
    pub fn value(self) -> Tensor<T> {
        self.tape.with_nodes(|nodes| nodes[self.id as usize].value.clone())
    }

    /// The value of a one-element variable.
    ///
    /// # Panics
    /// If the value has more than one element.
    pub fn item(self) -> T {
        self.tape.with_nodes(|nodes| nodes[self.id as usize].value.item())
    }

    /// Whether a gradient flows to this node (it is a `var` or parameter, or
    /// computed from one).
    pub fn requires_grad(self) -> bool {
        self.tape.with_nodes(|nodes| nodes[self.id as usize].requires_grad)
    }

    /// Whether the value contains only finite numbers.
    pub fn is_finite(self) -> bool {
        self.tape.with_nodes(|nodes| nodes[self.id as usize].value.data().iter().all(|x| x.is_finite()))
    }

    /// The same value, cut from the graph: no gradient flows back through it.
    pub fn detach(self) -> Var<'t, T> {
        let id = self.id as usize;
        self.tape.record(Op::Detach(self.id), self.shape(), |nodes, out| out.extend_from_slice(nodes[id].value.data()))
    }

    /// Reverse sweep from this one-element variable (seed 1): the gradient of
    /// it with respect to every node that requires one.
    ///
    /// Calling it twice gives the same gradients both times.
    ///
    /// # Panics
    /// If the value has more than one element; use
    /// [`backward_with`](Var::backward_with).
    pub fn backward(self) -> Gradients<T> {
        let shape = self.shape();
        assert!(
            numel(&shape) == 1,
            "backward: the output has shape {shape:?}; backward needs one element (use backward_with for a seed)"
        );
        self.backward_checked(None).unwrap_or_else(|anomaly| panic!("backward: {anomaly}"))
    }

    /// Like [`backward`](Var::backward), but with anomaly detection on it
    /// returns the first anomaly (forward or backward) as an error instead
    /// of panicking. Without anomaly detection it always succeeds.
    ///
    /// # Panics
    /// If the value has more than one element.
    pub fn try_backward(self) -> Result<Gradients<T>, Anomaly> {
        let shape = self.shape();
        assert!(
            numel(&shape) == 1,
            "try_backward: the output has shape {shape:?}; backward needs one element (use backward_with for a seed)"
        );
        self.backward_checked(None)
    }

    fn backward_checked(self, seed: Option<&Tensor<T>>) -> Result<Gradients<T>, Anomaly> {
        let grads = backward::run(self.tape, self.id, seed);
        match self.tape.anomaly() {
            Some(anomaly) => Err(anomaly),
            None => Ok(grads),
        }
    }

    /// Reverse sweep from this variable with `seed` as its gradient (the
    /// vector of a vector-Jacobian product).
    ///
    /// # Panics
    /// If the seed's shape differs from the value's.
    pub fn backward_with(self, seed: &Tensor<T>) -> Gradients<T> {
        let shape = self.shape();
        assert!(
            seed.shape() == shape.as_slice(),
            "backward_with: seed of shape {:?} for an output of shape {shape:?}",
            seed.shape()
        );
        self.backward_checked(Some(seed)).unwrap_or_else(|anomaly| panic!("backward_with: {anomaly}"))
    }

    /// Panics unless both variables live on the same tape.
    pub(crate) fn same_tape(self, other: Var<'_, T>, op: &str) {
        assert!(std::ptr::eq(self.tape, other.tape), "{op}: the operands belong to different tapes");
    }
}

impl<T: Float> std::fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.tape.with_nodes(|nodes| {
            let node = &nodes[self.id as usize];
            write!(f, "Var(#{} {} {:?})", self.id, node.op.name(), node.value.shape())
        })
    }
}
