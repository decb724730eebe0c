//! [`Var`], the handle to one node, and the methods that record ops on it.
//! Each method resolves its arguments (negative axes, shapes) and records
//! an op of `ops/`; the elementwise ones are generated from the op table.
//! The methods that cut, join and index are in `var_pieces.rs`, those that
//! choose between values (`maximum`, `clamp`, `where_cond`...) in
//! `var_choices.rs`.

use super::{Anomaly, Gradients, NodeId, Source, Tape, backward};
use crate::float::Float;
use crate::ops::{
    BinaryOp, BroadcastTo, Extremum, ExtremumAxis, Kernel, Linear, MatMul, Op, Reshape, Sum, SumTo, UnaryOp,
    unary_table,
};
use crate::shape::{Shape, numel, shape_of};
use crate::tensor::Tensor;

/// A handle to one node of a [`Tape`]: small, `Copy`, and usable with the
/// arithmetic operators and the methods below, each of which records one
/// node.
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
    #[track_caller]
    pub fn item(self) -> T {
        let one = self.tape.with_nodes(|nodes| {
            let value = &nodes[self.id as usize].value;
            if value.len() == 1 { Ok(value.data()[0]) } else { Err(Shape::from_slice(value.shape())) }
        });
        match one {
            Ok(x) => x,
            Err(shape) => panic!("item: tensor of shape {shape:?} has {} elements, not 1", numel(&shape)),
        }
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

    /// Names the node and returns it: the listing, [`Tape::to_dot`] and the
    /// diagnostics show the name, and its gradient can be found by it
    /// ([`Gradients::named`]). A second call renames the node. The name is
    /// copied into a buffer of the tape, reused after
    /// [`clear`](Tape::clear), so naming allocates nothing in steady state;
    /// `format_args!` names are written there without a `String` of their own.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let w = tape.var(Tensor::from_vec(vec![-3.0, 1.0], [2])).named("w");
    /// let y = (w * 2.0).sum().named("y");
    /// assert_eq!(tape.node(w).name.as_deref(), Some("w"));
    /// assert!(tape.to_string().lines().next().unwrap().ends_with("w"));
    /// assert_eq!(y.backward().named("w").unwrap().data(), &[2.0, 2.0]);
    /// ```
    pub fn named(self, name: impl std::fmt::Display) -> Self {
        self.tape.name_node(self.id, &name);
        self
    }

    /// The same value, cut from the graph: no gradient flows back through it.
    pub fn detach(self) -> Var<'t, T> {
        self.tape.detach(self)
    }

    /// Reverse sweep from this one-element variable (seed 1): the gradient of
    /// it with respect to every node that requires one.
    ///
    /// Calling it twice gives the same gradients both times. A training
    /// loop that wants to allocate nothing reuses one [`Gradients`] with
    /// [`backward_into`](Var::backward_into).
    ///
    /// # Panics
    /// If the value has more than one element (use
    /// [`backward_with`](Var::backward_with)), or if anomaly detection is on
    /// and found a NaN or an infinity (see [`try_backward`](Var::try_backward)).
    #[track_caller]
    pub fn backward(self) -> Gradients<T> {
        let mut grads = Gradients::new();
        self.backward_into(&mut grads);
        grads
    }

    /// [`backward`](Var::backward) into gradients computed before, reusing
    /// their buffers: once they have grown to the graph's size, a sweep
    /// allocates nothing.
    ///
    /// ```
    /// use tapegrad::{Gradients, Param, Tape, Tensor};
    /// let w = Param::new("w", Tensor::from_vec(vec![1.0f32, 2.0], [2]));
    /// let mut tape = Tape::new();
    /// let mut grads = Gradients::new();
    /// for _ in 0..3 {
    ///     tape.clear();
    ///     (tape.param(&w) * 3.0).sum().backward_into(&mut grads);
    ///     assert_eq!(grads.param(&w).unwrap().data(), &[3.0, 3.0]);
    /// }
    /// ```
    ///
    /// # Panics
    /// As [`backward`](Var::backward).
    #[track_caller]
    pub fn backward_into(self, grads: &mut Gradients<T>) {
        self.check_scalar("backward");
        if let Err(anomaly) = backward::sweep(self, None, grads) {
            panic!("backward: {anomaly}")
        }
    }

    /// Like [`backward`](Var::backward), but with anomaly detection on it
    /// returns the first anomaly (forward or backward) as an error instead
    /// of panicking. Without anomaly detection it always succeeds.
    ///
    /// # Panics
    /// If the value has more than one element.
    #[track_caller]
    pub fn try_backward(self) -> Result<Gradients<T>, Anomaly> {
        self.check_scalar("try_backward");
        let mut grads = Gradients::new();
        backward::sweep(self, None, &mut grads)?;
        Ok(grads)
    }

    /// Reverse sweep from this variable with `seed` as its gradient (the
    /// vector of a vector-Jacobian product).
    ///
    /// # Panics
    /// If the seed's shape differs from the value's.
    #[track_caller]
    pub fn backward_with(self, seed: &Tensor<T>) -> Gradients<T> {
        let mut grads = Gradients::new();
        self.backward_with_into(seed, &mut grads);
        grads
    }

    /// [`backward_with`](Var::backward_with) into gradients computed before,
    /// reusing their buffers, as [`backward_into`](Var::backward_into) does.
    /// New buffers cost more than their allocation: the system hands out
    /// large ones as pages it maps on first touch, which took about a fifth
    /// of a 256 x 256 x 256 product's forward and backward (BENCHMARKS.md).
    ///
    /// ```
    /// use tapegrad::{Gradients, Param, Tape, Tensor};
    /// let w = Param::new("w", Tensor::from_vec(vec![1.0f32, 2.0], [2]));
    /// let seed = Tensor::from_vec(vec![1.0f32, 10.0], [2]);
    /// let mut tape = Tape::new();
    /// let mut grads = Gradients::new();
    /// for _ in 0..3 {
    ///     tape.clear();
    ///     (tape.param(&w) * 3.0).backward_with_into(&seed, &mut grads);
    ///     assert_eq!(grads.param(&w).unwrap().data(), &[3.0, 30.0]);
    /// }
    /// ```
    ///
    /// # Panics
    /// As [`backward_with`](Var::backward_with).
    #[track_caller]
    pub fn backward_with_into(self, seed: &Tensor<T>, grads: &mut Gradients<T>) {
        let shape = self.shape();
        assert!(
            seed.shape() == shape.as_slice(),
            "backward_with: seed of shape {:?} for an output of shape {shape:?}",
            seed.shape()
        );
        if let Err(anomaly) = backward::sweep(self, Some(seed), grads) {
            panic!("backward_with: {anomaly}")
        }
    }

    #[track_caller]
    fn check_scalar(self, what: &str) {
        let shape = self.shape();
        assert!(
            numel(&shape) == 1,
            "{what}: the output has shape {shape:?}; backward needs one element (use backward_with for a seed)"
        );
    }

    /// Records `op` on `self` followed by `rest`.
    #[track_caller]
    pub(crate) fn apply(self, op: Op<T>, rest: &[Var<'t, T>]) -> Var<'t, T> {
        match *rest {
            [] => self.tape.apply(op, &[self]),
            [b] => self.tape.apply(op, &[self, b]),
            [b, c] => self.tape.apply(op, &[self, b, c]),
            _ => self.tape.apply(op, &[&[self], rest].concat()),
        }
    }

    #[track_caller]
    pub(crate) fn unary(self, op: UnaryOp<T>) -> Var<'t, T> {
        self.apply(Op::Unary(op), &[])
    }

    #[track_caller]
    pub(crate) fn binary(self, op: BinaryOp, other: Var<'t, T>) -> Var<'t, T> {
        self.apply(Op::Binary(op), &[other])
    }

    /// Matrix product. Shapes `[m, k] x [k, n] -> [m, n]`; batched
    /// `[B, m, k] x [B, k, n] -> [B, m, n]`; a 2-D operand with a 3-D one is
    /// used for every batch. A 1-D operand follows NumPy and PyTorch: `[k]`
    /// on the left is a row, on the right a column, and that axis is dropped
    /// (`[k] x [k] -> []`, `[m, k] x [k] -> [m]`, `[k] x [k, n] -> [n]`,
    /// `[B, m, k] x [k] -> [B, m]`).
    ///
    /// # Panics
    /// If the inner dimensions or batch sizes differ, e.g.
    /// `matmul: cannot multiply [32, 3] by [4, 16]`.
    #[track_caller]
    pub fn matmul(self, other: Var<'t, T>) -> Var<'t, T> {
        self.apply(Op::MatMul(MatMul), &[other])
    }

    /// `x Wᵀ + b` for `x` of shape `[.., in]`, a weight `[out, in]` and an
    /// optional bias `[out]`; the result has shape `[.., out]` (PyTorch's
    /// `torch.nn.functional.linear`). One node on the tape.
    ///
    /// # Panics
    /// If the shapes do not fit, e.g.
    /// `linear: cannot apply weight [16, 2] to input [32, 3]`.
    #[track_caller]
    pub fn linear(self, weight: Var<'t, T>, bias: Option<Var<'t, T>>) -> Var<'t, T> {
        match bias {
            Some(b) => self.apply(Op::Linear(Linear), &[weight, b]),
            None => self.apply(Op::Linear(Linear), &[weight]),
        }
    }

    /// Swaps the last two axes (the matrix transpose for 2-D values).
    ///
    /// # Panics
    /// If the value has fewer than two axes.
    #[track_caller]
    pub fn transpose(self) -> Self {
        self.apply(Op::transpose(&self.shape()), &[])
    }

    /// Swaps two axes (negative axes count from the end). The result is a
    /// contiguous copy.
    ///
    /// # Panics
    /// If an axis is out of range.
    #[track_caller]
    pub fn swap_axes(self, axis0: isize, axis1: isize) -> Self {
        self.apply(Op::swap_axes(&self.shape(), axis0, axis1), &[])
    }

    /// The same elements, in the same row-major order, under a new shape.
    ///
    /// # Panics
    /// If the element counts differ, e.g. `reshape: cannot reshape [2, 3] into [4, 2]`.
    #[track_caller]
    pub fn reshape(self, shape: impl AsRef<[usize]>) -> Self {
        self.apply(Op::Reshape(Reshape(shape_of(shape))), &[])
    }

    /// The value broadcast to `shape` by NumPy's rules (PyTorch's `expand`),
    /// as a copy. Its gradient is [`sum_to`](Var::sum_to).
    ///
    /// # Panics
    /// If the value does not broadcast to `shape`, e.g.
    /// `broadcast_to: cannot broadcast [3] to [2, 4]`.
    #[track_caller]
    pub fn broadcast_to(self, shape: impl AsRef<[usize]>) -> Self {
        self.apply(Op::BroadcastTo(BroadcastTo(shape_of(shape))), &[])
    }

    /// The value summed down to `shape`, a shape that broadcasts to the
    /// value's (PyTorch's `sum_to_size`). Its gradient is
    /// [`broadcast_to`](Var::broadcast_to).
    ///
    /// # Panics
    /// If `shape` does not broadcast to the value's shape.
    #[track_caller]
    pub fn sum_to(self, shape: impl AsRef<[usize]>) -> Self {
        self.apply(Op::SumTo(SumTo(shape_of(shape))), &[])
    }

    /// Sum of all elements, as a scalar (shape `[]`).
    #[track_caller]
    pub fn sum(self) -> Self {
        self.apply(Op::Sum(Sum { mean: false }), &[])
    }

    /// Mean of all elements, as a scalar (shape `[]`). The mean of nothing is NaN.
    #[track_caller]
    pub fn mean(self) -> Self {
        self.apply(Op::Sum(Sum { mean: true }), &[])
    }

    /// Sum along `axis` (negative counts from the end); with `keepdim` the
    /// axis stays with extent 1.
    #[track_caller]
    pub fn sum_axis(self, axis: isize, keepdim: bool) -> Self {
        self.apply(Op::sum_axis(&self.shape(), axis, keepdim, false), &[])
    }

    /// Mean along `axis`; with `keepdim` the axis stays with extent 1.
    #[track_caller]
    pub fn mean_axis(self, axis: isize, keepdim: bool) -> Self {
        self.apply(Op::sum_axis(&self.shape(), axis, keepdim, true), &[])
    }

    /// Maximum along `axis`; with `keepdim` the axis stays with extent 1.
    /// The gradient flows to the first maximal element of each lane.
    ///
    /// # Panics
    /// If the axis has extent 0.
    #[track_caller]
    pub fn max_axis(self, axis: isize, keepdim: bool) -> Self {
        self.apply(Op::max_axis(&self.shape(), axis, keepdim), &[])
    }

    /// Minimum along `axis`; with `keepdim` the axis stays with extent 1.
    /// The gradient flows to the first minimal element of each lane.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![3.0, 1.0, 2.0, 0.5, 4.0, 0.5], [2, 3]));
    /// let m = x.min_axis(1, false);
    /// assert_eq!(m.value().data(), &[1.0, 0.5]);
    /// assert_eq!(m.sum().backward().wrt(x).data(), &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or empty.
    #[track_caller]
    pub fn min_axis(self, axis: isize, keepdim: bool) -> Self {
        self.apply(Op::min_axis(&self.shape(), axis, keepdim), &[])
    }

    /// The position along `axis` of each lane's maximum (the first, if
    /// several are equal), as a constant of whole numbers: PyTorch's
    /// `argmax(dim, keepdim)`. No gradient flows through it; it is in the
    /// form [`gather`](Var::gather) and [`index_select`](Var::index_select)
    /// take. See [`Tensor::argmax`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![0.1, 2.0, -1.0, 3.0, 3.0, 0.0], [2, 3]));
    /// let best = x.argmax(1, true);
    /// assert_eq!(best.value().data(), &[1.0, 0.0]);
    /// assert!(!best.requires_grad());
    /// assert_eq!(x.gather(1, best).value().data(), x.max_axis(1, true).value().data());
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or empty.
    #[track_caller]
    pub fn argmax(self, axis: isize, keepdim: bool) -> Self {
        self.positions(ExtremumAxis::new(Extremum::Max, &self.shape(), axis, keepdim, "argmax"))
    }

    /// The position along `axis` of each lane's minimum, as
    /// [`argmax`](Var::argmax) gives the maximum's.
    ///
    /// # Panics
    /// If the axis is out of range or empty.
    #[track_caller]
    pub fn argmin(self, axis: isize, keepdim: bool) -> Self {
        self.positions(ExtremumAxis::new(Extremum::Min, &self.shape(), axis, keepdim, "argmin"))
    }

    /// The positions as a constant, written into one of the tape's buffers.
    fn positions(self, extremum: ExtremumAxis) -> Self {
        let shape = Kernel::<T>::output_shape(&extremum, &[&self.shape()]);
        let i = self.index();
        self.tape.push_filled(Source::Constant, &[], shape, |nodes, buffer| extremum.positions(&nodes[i].value, buffer))
    }

    /// The variance along `axis`, `Σ (x - mean)² / max(0, n - correction)`
    /// over the axis's `n` entries (PyTorch's `var(dim, correction=..,
    /// keepdim=..)`; 1 is the sample variance, 0 the population variance
    /// that LayerNorm and BatchNorm use). One node. See [`Tensor::var_axis`].
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 4.0, 4.0], [2, 3]));
    /// let v = x.var_axis(1, 1, true);
    /// assert_eq!(v.value().data(), &[1.0, 0.0]);
    /// // d var / dx = 2 (x - mean) / (n - 1)
    /// assert_eq!(v.sum().backward().wrt(x).data(), &[-1.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range.
    #[track_caller]
    pub fn var_axis(self, axis: isize, correction: usize, keepdim: bool) -> Self {
        self.apply(Op::var_axis(&self.shape(), axis, correction, keepdim), &[])
    }

    /// The standard deviation along `axis`, `var_axis(..).sqrt()` (two
    /// nodes), with PyTorch's `correction`. Its gradient is infinite where
    /// the variance is 0, as in PyTorch.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![1.0, 3.0, 5.0, 7.0], [2, 2]));
    /// assert_eq!(x.std_axis(-1, 0, false).value().data(), &[1.0, 1.0]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range.
    #[track_caller]
    pub fn std_axis(self, axis: isize, correction: usize, keepdim: bool) -> Self {
        self.var_axis(axis, correction, keepdim).sqrt()
    }

    /// Softmax along `axis` (negative counts from the end): each lane is
    /// mapped to `e^x / Σ e^x`, computed stably.
    #[track_caller]
    pub fn softmax(self, axis: isize) -> Self {
        self.apply(Op::softmax(&self.shape(), axis), &[])
    }

    /// Log-softmax along `axis`: `x - ln Σ e^x` per lane, finite for any
    /// finite logits.
    #[track_caller]
    pub fn log_softmax(self, axis: isize) -> Self {
        self.apply(Op::log_softmax(&self.shape(), axis), &[])
    }
}

/// One method per line of the elementwise table (`ops/unary.rs`, whose lines
/// read `fn sin() ...`; its module documentation lists them): `Var::sin`,
/// `Var::clamp_min` and the rest.
macro_rules! var_methods {
    ($($(#[$doc:meta])* fn $method:ident($($p:ident: $pty:ty)?) $variant:ident $name:literal
        |$x:ident| $value:expr, |$g:ident, $gx:ident, $gy:ident| $vjp:expr;)*) => {
        impl<'t, T: Float> Var<'t, T> {
            $(
                $(#[$doc])*
                #[allow(clippy::should_implement_trait)] // `neg`: the `-` operator calls it too
                pub fn $method(self $(, $p: $pty)?) -> Self {
                    self.unary(UnaryOp::$variant$(($p))?)
                }
            )*
        }
    };
}

unary_table!(var_methods);

impl<T: Float> std::fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.tape.with_graph(|nodes, labels, _| {
            let node = &nodes[self.id as usize];
            write!(f, "Var(#{} {} {:?}", self.id, node.op_name(), node.value.shape())?;
            if let Some(name) = labels.names.get(self.id) {
                write!(f, " {name:?}")?;
            }
            write!(f, ")")
        })
    }
}
