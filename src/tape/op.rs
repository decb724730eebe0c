//! The op enum: what each node of the tape computed, and from which inputs.
//!
//! Ops are data, not closures: the listing, the DOT export and the backward
//! sweep all read this one enum, and the backward sweep dispatches on it in
//! one exhaustive `match` (`tape/backward.rs`).

use crate::param::ParamId;

/// Index of a node on its tape.
pub type NodeId = u32;

/// An elementwise function of one input (some with a scalar constant).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp<T> {
    /// `-x`
    Neg,
    /// `e^x`
    Exp,
    /// `ln x`
    Ln,
    /// `√x`
    Sqrt,
    /// `x^p` for a constant `p`
    Powf(T),
    /// `|x|`
    Abs,
    /// `tanh x`
    Tanh,
    /// `1 / (1 + e^-x)`
    Sigmoid,
    /// `max(x, 0)`
    Relu,
    /// `x` if positive, else `slope * x`
    LeakyRelu(T),
    /// GELU, tanh approximation
    Gelu,
    /// `x + c`
    AddScalar(T),
    /// `x * c`
    MulScalar(T),
    /// `x / c`
    DivScalar(T),
    /// `c - x`
    ScalarSub(T),
    /// `c / x`
    ScalarDiv(T),
}

/// An elementwise function of two broadcast inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
}

/// How a node's value was computed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op<T> {
    /// A leaf that wants a gradient ([`Tape::var`](crate::Tape::var)).
    Var,
    /// A leaf without a gradient ([`Tape::constant`](crate::Tape::constant)).
    Constant,
    /// A bound parameter ([`Tape::param`](crate::Tape::param)).
    Param(ParamId),
    /// A copy of the input's value that gradients do not flow through.
    Detach(NodeId),
    /// An elementwise function.
    Unary(UnaryOp<T>, NodeId),
    /// An elementwise function of two inputs, with broadcasting.
    Binary(BinaryOp, NodeId, NodeId),
    /// Matrix product, 2-D or batched 3-D.
    MatMul(NodeId, NodeId),
    /// `x Wᵀ + b`: input, weight `[out, in]`, optional bias `[out]`.
    Linear(NodeId, NodeId, Option<NodeId>),
    /// Swap of two axes.
    Transpose(NodeId, u8, u8),
    /// The same elements under another shape.
    Reshape(NodeId),
    /// Sum of all elements.
    Sum(NodeId),
    /// Mean of all elements.
    Mean(NodeId),
    /// Sum along one axis.
    SumAxis(NodeId, u8),
    /// Mean along one axis.
    MeanAxis(NodeId, u8),
    /// Maximum along one axis.
    MaxAxis(NodeId, u8),
    /// Softmax along one axis.
    Softmax(NodeId, u8),
    /// Log-softmax along one axis.
    LogSoftmax(NodeId, u8),
    /// Mean squared error of a prediction against a target (fused).
    MseLoss(NodeId, NodeId),
    /// Binary cross-entropy of logits against 0/1 targets (fused, stable).
    BceWithLogits(NodeId, NodeId),
    /// Softmax cross-entropy of `[N, C]` logits against `[N]` class labels (fused, stable).
    SoftmaxCrossEntropy(NodeId, NodeId),
    /// SVM max-margin loss `mean(relu(1 - y s))` of scores against ±1 labels (fused).
    SvmMaxMargin(NodeId, NodeId),
}

impl<T: Copy> Op<T> {
    /// The nodes this one reads, in argument order.
    pub fn inputs(&self) -> Inputs {
        use Op::*;
        match *self {
            Var | Constant | Param(_) => Inputs::new(&[]),
            Detach(a)
            | Unary(_, a)
            | Transpose(a, ..)
            | Reshape(a)
            | Sum(a)
            | Mean(a)
            | SumAxis(a, _)
            | MeanAxis(a, _)
            | MaxAxis(a, _)
            | Softmax(a, _)
            | LogSoftmax(a, _) => Inputs::new(&[a]),
            Binary(_, a, b)
            | MatMul(a, b)
            | MseLoss(a, b)
            | BceWithLogits(a, b)
            | SoftmaxCrossEntropy(a, b)
            | SvmMaxMargin(a, b) => Inputs::new(&[a, b]),
            Linear(x, w, None) => Inputs::new(&[x, w]),
            Linear(x, w, Some(b)) => Inputs::new(&[x, w, b]),
        }
    }

    /// `true` for nodes that read no other node.
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Var | Op::Constant | Op::Param(_))
    }
}

impl<T: Copy + std::fmt::Display> Op<T> {
    /// A short human-readable name, e.g. `matmul`, `sum(axis=1)`, `powf(2)`.
    pub fn name(&self) -> String {
        use Op::*;
        match *self {
            Var => "var".into(),
            Constant => "constant".into(),
            Param(id) => format!("param#{}", id.get()),
            Detach(_) => "detach".into(),
            Unary(op, _) => match op {
                UnaryOp::Neg => "neg".into(),
                UnaryOp::Exp => "exp".into(),
                UnaryOp::Ln => "ln".into(),
                UnaryOp::Sqrt => "sqrt".into(),
                UnaryOp::Powf(p) => format!("powf({p})"),
                UnaryOp::Abs => "abs".into(),
                UnaryOp::Tanh => "tanh".into(),
                UnaryOp::Sigmoid => "sigmoid".into(),
                UnaryOp::Relu => "relu".into(),
                UnaryOp::LeakyRelu(s) => format!("leaky_relu({s})"),
                UnaryOp::Gelu => "gelu".into(),
                UnaryOp::AddScalar(c) => format!("add({c})"),
                UnaryOp::MulScalar(c) => format!("mul({c})"),
                UnaryOp::DivScalar(c) => format!("div({c})"),
                UnaryOp::ScalarSub(c) => format!("rsub({c})"),
                UnaryOp::ScalarDiv(c) => format!("rdiv({c})"),
            },
            Binary(op, ..) => match op {
                BinaryOp::Add => "add".into(),
                BinaryOp::Sub => "sub".into(),
                BinaryOp::Mul => "mul".into(),
                BinaryOp::Div => "div".into(),
            },
            MatMul(..) => "matmul".into(),
            Linear(..) => "linear".into(),
            Transpose(_, a, b) => format!("transpose({a}, {b})"),
            Reshape(_) => "reshape".into(),
            Sum(_) => "sum".into(),
            Mean(_) => "mean".into(),
            SumAxis(_, axis) => format!("sum(axis={axis})"),
            MeanAxis(_, axis) => format!("mean(axis={axis})"),
            MaxAxis(_, axis) => format!("max(axis={axis})"),
            Softmax(_, axis) => format!("softmax(axis={axis})"),
            LogSoftmax(_, axis) => format!("log_softmax(axis={axis})"),
            MseLoss(..) => "mse_loss".into(),
            BceWithLogits(..) => "bce_with_logits".into(),
            SoftmaxCrossEntropy(..) => "softmax_cross_entropy".into(),
            SvmMaxMargin(..) => "svm_max_margin".into(),
        }
    }
}

/// The inputs of one node: at most three, stored inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inputs {
    ids: [NodeId; 3],
    len: u8,
}

impl Inputs {
    fn new(ids: &[NodeId]) -> Self {
        let mut inline = [0; 3];
        inline[..ids.len()].copy_from_slice(ids);
        Inputs { ids: inline, len: ids.len() as u8 }
    }

    /// The input ids as a slice.
    pub fn as_slice(&self) -> &[NodeId] {
        &self.ids[..self.len as usize]
    }
}
