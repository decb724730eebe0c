//! The operations, as pure functions of tensors. The tape (one layer up)
//! records them and sweeps them backward; nothing here knows about it.
//!
//! Every op is a small value (its parameters: an axis, an exponent) that
//! implements [`Kernel`], with its four parts side by side in one file:
//!
//! * `output_shape`: checks the inputs' shapes, panicking with the op's name
//!   and the shapes if they do not fit, and gives the output's;
//! * `forward`: the output's elements from the inputs';
//! * `backward`: the vector-Jacobian product on plain numbers, added into
//!   one input's gradient buffer (the fast path, which allocates nothing);
//! * `backward_graph`: the same product built from other ops on a [`Graph`],
//!   so that a gradient is itself a differentiable value (gradients of
//!   gradients, to any order).
//!
//! Elementwise rules are written once, generically over [`Arith`] (numbers
//! with `+ - * /` and the unary ops), and serve both backward paths: the
//! fast loops run them on [`Num`]s, the graph path on the tape's variables.
//! Structural ops (products, reductions, losses) have a kernel and a graph
//! rule; `tests/second_order.rs` checks that the two agree for every op.
//!
//! [`Op`] lists every op, once, in the table at the end of this file.
#![forbid(unsafe_code)]

mod arith;
mod binary;
mod eager;
mod eager_pieces;
mod index;
mod layout;
mod linear;
mod loops;
mod loss;
mod matmul;
mod reduce;
mod select;
mod slicing;
mod softmax;
mod unary;

pub(crate) use arith::{Arith, Num};
pub(crate) use binary::{BinaryOp, zip_broadcast};
pub(crate) use index::{Gather, IndexAdd, IndexSelect, ScatterAdd};
pub(crate) use layout::{BroadcastTo, Reshape, SumTo, SwapAxes};
pub(crate) use linear::{Linear, linear};
pub use loss::Reduction;
pub(crate) use loss::{BceWithLogits, MseLoss, SoftmaxCrossEntropy, SvmMaxMargin};
pub(crate) use matmul::MatMul;
pub(crate) use reduce::{Extremum, ExtremumAxis, Sum, SumAxis, VarAxis};
pub(crate) use select::{Where, check_mask};
pub(crate) use slicing::{Cat, Pad, Slice};
pub(crate) use softmax::{LogSoftmax, Softmax};
pub(crate) use unary::{UnaryOp, apply_in_place, unary_table};

use crate::float::Float;
use crate::shape::Shape;
use crate::tensor::Tensor;

/// The shapes of an op's inputs, as the `&[&[usize]]` that
/// [`Kernel::output_shape`] takes: inline for up to three inputs, in a `Vec`
/// only for more (a `cat` or `stack` of many pieces). A value rather than a
/// function taking a closure, so that the shape check is called from the
/// `#[track_caller]` function itself and a panic names the user's line.
pub(crate) enum Shapes<'a> {
    Few([&'a [usize]; 3], usize),
    Many(Vec<&'a [usize]>),
}

impl<'a> Shapes<'a> {
    /// The shapes of `values`.
    #[inline]
    pub(crate) fn of<T: Float>(values: &[&'a Tensor<T>]) -> Self {
        if values.len() > 3 {
            return Shapes::Many(shapes_of_many(values));
        }
        let mut shapes: [&[usize]; 3] = [&[]; 3];
        for (s, v) in shapes.iter_mut().zip(values) {
            *s = v.shape();
        }
        Shapes::Few(shapes, values.len())
    }

    /// The shapes, in input order.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[&'a [usize]] {
        match self {
            Shapes::Few(shapes, n) => &shapes[..*n],
            Shapes::Many(shapes) => shapes,
        }
    }
}

#[cold]
#[inline(never)]
fn shapes_of_many<'a, T: Float>(values: &[&'a Tensor<T>]) -> Vec<&'a [usize]> {
    values.iter().map(|v| v.shape()).collect()
}

/// One op's shape rule, forward kernel and two backward rules (see the
/// module documentation).
pub(crate) trait Kernel<T: Float> {
    /// The name shown in listings: `matmul`, `sum(axis=1)`, `powf(2)`.
    fn name(&self) -> String;

    /// The output's shape for inputs of these shapes; by default the first
    /// input's (elementwise ops).
    ///
    /// # Panics
    /// If the shapes do not fit, with the op's name and the shapes. Like
    /// every method of the chain from a public function to a panic on its
    /// arguments, it is `#[track_caller]`, so that the panic is reported at
    /// the user's line.
    #[track_caller]
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        Shape::from_slice(inputs[0])
    }

    /// Appends the output's elements to the empty `out`.
    ///
    /// # Panics
    /// If the values cannot be right for the op (class labels out of range).
    #[track_caller]
    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>);

    /// Adds input `input`'s share of the output gradient `g` into `target`
    /// (shaped like that input). `out` is the forward value.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], out: &Tensor<T>, g: &[T], target: &mut [T]);

    /// As [`backward`](Kernel::backward), but writes the share over
    /// `target`, whose stale contents are not read, and returns true; or
    /// returns false, having done nothing, if the op can only add. The sweep
    /// asks this of a gradient's first share, so that a product writes it
    /// with `beta = 0` and the gradient needs no zero fill before it (nor
    /// the product a read of the zeros).
    fn backward_over(
        &self,
        _input: usize,
        _inputs: &[&Tensor<T>],
        _out: &Tensor<T>,
        _g: &[T],
        _target: &mut [T],
    ) -> bool {
        false
    }

    /// Input `input`'s share of the output gradient `g`, built from ops on
    /// `g`, the inputs and the output, or `None` if that input never
    /// receives a gradient (class labels).
    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], out: G, g: G) -> Option<G>;
}

/// Values on which graph backward rules record ops: the tape's variables.
/// Ops are given here in the form the rules need them (axes resolved,
/// shapes known); the user-facing methods live on `Var`.
pub(crate) trait Graph<T: Float>: Arith<T> {
    /// Records `op` on `self` followed by `rest`.
    fn apply(self, op: Op<T>, rest: &[Self]) -> Self;

    /// The value's shape.
    fn shape(self) -> Shape;

    /// A copy of the value (for masks and one-hot constants).
    fn value(self) -> Tensor<T>;

    /// A constant on the same graph: no gradient flows into it.
    fn constant(self, value: Tensor<T>) -> Self;

    /// Matrix product.
    fn matmul(self, other: Self) -> Self {
        self.apply(Op::MatMul(MatMul), &[other])
    }

    /// Swaps the last two axes.
    fn t(self) -> Self {
        let rank = self.shape().len();
        self.apply(Op::SwapAxes(SwapAxes(rank - 2, rank - 1)), &[])
    }

    /// The same elements under `shape`.
    fn reshape(self, shape: &[usize]) -> Self {
        if self.shape().as_slice() == shape {
            return self;
        }
        self.apply(Op::Reshape(Reshape(Shape::from_slice(shape))), &[])
    }

    /// Broadcast to `shape` (NumPy's rules).
    fn broadcast_to(self, shape: &[usize]) -> Self {
        if self.shape().as_slice() == shape {
            return self;
        }
        self.apply(Op::BroadcastTo(BroadcastTo(Shape::from_slice(shape))), &[])
    }

    /// Summed back to `shape`, which it was broadcast from.
    fn sum_to(self, shape: &[usize]) -> Self {
        if self.shape().as_slice() == shape {
            return self;
        }
        self.apply(Op::SumTo(SumTo(Shape::from_slice(shape))), &[])
    }

    /// Sum along `axis`, keeping it with extent 1.
    fn sum_axis_keepdim(self, axis: usize) -> Self {
        self.apply(Op::SumAxis(SumAxis { axis, keepdim: true, mean: false }), &[])
    }
}

/// Declares [`Op`], the list of every op, and its dispatch to each
/// variant's [`Kernel`]: an op's line here joins its `Kernel` (in its
/// family's file) to the list; its `Var` method (`tape/var.rs`) and, if
/// tensors get it too, its `Tensor` method (`eager.rs`) are written apart.
/// ARCHITECTURE.md, "Adding an op", lists the files.
macro_rules! op_table {
    ($($(#[$doc:meta])* $variant:ident($kernel:ty),)*) => {
        /// How a node's value is computed from its inputs'.
        #[derive(Clone, Debug, PartialEq)]
        pub(crate) enum Op<T: Float> {
            $($(#[$doc])* $variant($kernel),)*
        }

        impl<T: Float> Kernel<T> for Op<T> {
            fn name(&self) -> String {
                match self { $(Op::$variant(op) => Kernel::<T>::name(op),)* }
            }
            fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
                match self { $(Op::$variant(op) => Kernel::<T>::output_shape(op, inputs),)* }
            }
            fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
                match self { $(Op::$variant(op) => op.forward(inputs, out),)* }
            }
            fn backward(&self, input: usize, inputs: &[&Tensor<T>], out: &Tensor<T>, g: &[T], target: &mut [T]) {
                match self { $(Op::$variant(op) => op.backward(input, inputs, out, g, target),)* }
            }
            fn backward_over(&self, input: usize, inputs: &[&Tensor<T>], out: &Tensor<T>, g: &[T], target: &mut [T]) -> bool {
                match self { $(Op::$variant(op) => op.backward_over(input, inputs, out, g, target),)* }
            }
            fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], out: G, g: G) -> Option<G> {
                match self { $(Op::$variant(op) => op.backward_graph(input, inputs, out, g),)* }
            }
        }
    };
}

op_table! {
    /// An elementwise function of one input (`unary.rs`).
    Unary(UnaryOp<T>),
    /// `+ - * /` with broadcasting (`binary.rs`).
    Binary(BinaryOp),
    /// Matrix product, 2-D or batched (`matmul.rs`).
    MatMul(MatMul),
    /// `x Wᵀ + b`, fused (`linear.rs`).
    Linear(Linear),
    /// Two axes swapped (`layout.rs`).
    SwapAxes(SwapAxes),
    /// The same elements under another shape.
    Reshape(Reshape),
    /// Broadcast to a larger shape.
    BroadcastTo(BroadcastTo),
    /// Summed back to a shape it broadcasts to.
    SumTo(SumTo),
    /// Sum or mean of all elements (`reduce.rs`).
    Sum(Sum),
    /// Sum or mean along one axis.
    SumAxis(SumAxis),
    /// Maximum or minimum along one axis.
    ExtremumAxis(ExtremumAxis),
    /// Variance along one axis, with a correction.
    VarAxis(VarAxis),
    /// Slices along an axis picked by indices (`index.rs`).
    IndexSelect(IndexSelect),
    /// Slices added into zeros at indices: `IndexSelect`'s gradient.
    IndexAdd(IndexAdd),
    /// One element per index along an axis.
    Gather(Gather),
    /// Elements added into zeros at indices: `Gather`'s gradient.
    ScatterAdd(ScatterAdd),
    /// A block cut out, a range per axis (`slicing.rs`).
    Slice(Slice),
    /// A block put into zeros: `Slice`'s gradient.
    Pad(Pad),
    /// Pieces joined along an axis, or stacked along a new one.
    Cat(Cat),
    /// `a` where a condition holds, `b` elsewhere (`select.rs`).
    Where(Where),
    /// Softmax along one axis (`softmax.rs`).
    Softmax(Softmax),
    /// Log-softmax along one axis.
    LogSoftmax(LogSoftmax),
    /// Mean squared error, fused (`loss.rs`), with its reduction.
    MseLoss(MseLoss),
    /// Binary cross-entropy on logits, fused and stable.
    BceWithLogits(BceWithLogits),
    /// Softmax cross-entropy against class labels, fused and stable.
    SoftmaxCrossEntropy(SoftmaxCrossEntropy),
    /// The SVM max-margin loss against ±1 labels, fused.
    SvmMaxMargin(SvmMaxMargin),
}
