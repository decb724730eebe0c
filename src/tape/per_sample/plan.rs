//! Which parameters' per-sample gradients one backward sweep gives, and
//! which need a sweep per sample.
//!
//! One sweep from the sum of the terms gives, at every node whose rows
//! belong to one sample each, the gradient of that row's own term: row `i`
//! of a node feeds only row `i` of the terms, so the other terms contribute
//! nothing to it. A `linear` node in such a graph then holds, for each
//! sample, its input `a_i` and its output's gradient `δ_i`, and the
//! sample's weight gradient is `δ_i a_iᵀ`. The analysis below finds the
//! nodes whose rows stay separate ("rows"), conservatively: an op it does
//! not know as row-wise makes its output mixed, and the parameters behind a
//! mixed graph take the exact fallback, one sweep per sample.

use super::super::{Node, NodeId, Source};
use crate::float::Float;
use crate::ops::{
    BceWithLogits, LogSoftmax, MseLoss, Op, Reduction, Softmax, SoftmaxCrossEntropy, SvmMaxMargin, SwapAxes,
};
use crate::param::ParamId;

/// How a node's value relates to the samples (the first axis of the terms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rows {
    /// No sample's data flows into it through a gradient path: the same for
    /// every sample, as far as gradients go (parameters, and constants
    /// without a sample axis).
    Shared,
    /// Its first axis is the samples', and row `i` depends on no other
    /// sample's row.
    Separate,
    /// Rows of different samples meet in it.
    Mixed,
}

/// How one parameter's per-sample gradients are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rule {
    /// Nothing the terms depend on reads the parameter: every sample's
    /// gradient is zero.
    Unused,
    /// The parameter is read once, as the weight (`slot` 1) or bias (`slot`
    /// 2) of the `linear` node `node`, whose rows are separate: its
    /// per-sample gradients come from that node's input and gradient.
    Linear { node: NodeId, slot: usize },
    /// One backward sweep per sample, seeded with that sample's row.
    Sweeps,
}

/// The rule for every parameter bound to the tape, for one set of terms.
/// Its buffers are reused from one plan to the next.
#[derive(Clone, Debug, Default)]
pub(super) struct Plan {
    /// The number of samples: the extent of the terms' first axis.
    pub batch: usize,
    /// Each bound parameter, in binding order, its node and its rule.
    pub params: Vec<(ParamId, NodeId, Rule)>,
    rows: Vec<Rows>,
    /// For each node: how many nodes read it, and the last that did (with
    /// the input slot it was read at).
    readers: Vec<(u32, NodeId, usize)>,
}

impl Plan {
    /// Plans the per-sample gradients of the terms at node `root`, whose
    /// first axis holds `batch` samples.
    pub fn make<T: Float>(&mut self, nodes: &[Node<T>], bound: &[(ParamId, NodeId)], root: usize, batch: usize) {
        self.batch = batch;
        self.rows.clear();
        self.readers.clear();
        self.readers.resize(root + 1, (0, 0, 0));
        for (i, node) in nodes[..=root].iter().enumerate() {
            let rows = self.rows_of(nodes, node, batch);
            self.rows.push(rows);
            for (slot, &input) in node.inputs.iter().enumerate() {
                let reader = &mut self.readers[input as usize];
                *reader = (reader.0 + 1, i as NodeId, slot);
            }
        }
        let terms_separate = self.rows[root] == Rows::Separate;
        self.params.clear();
        for &(id, node) in bound {
            let rule = match self.readers.get(node as usize) {
                None | Some((0, _, _)) => Rule::Unused,
                Some(&(1, reader, slot))
                    if terms_separate
                        && slot > 0
                        && matches!(nodes[reader as usize].source, Source::Op(Op::Linear(_)))
                        && self.rows[reader as usize] == Rows::Separate =>
                {
                    Rule::Linear { node: reader, slot }
                }
                Some(_) => Rule::Sweeps,
            };
            self.params.push((id, node, rule));
        }
    }

    /// Whether any parameter needs a sweep per sample.
    pub fn needs_sweeps(&self) -> bool {
        self.params.iter().any(|p| p.2 == Rule::Sweeps)
    }

    /// The rows of `node`, given those of the nodes before it.
    fn rows_of<T: Float>(&self, nodes: &[Node<T>], node: &Node<T>, batch: usize) -> Rows {
        let shape = node.value.shape();
        let by_shape = if shape.first() == Some(&batch) { Rows::Separate } else { Rows::Shared };
        // A value no gradient flows through is data: whatever it was computed
        // from, it only scales the gradients of the rows it meets.
        if !node.requires_grad {
            return by_shape;
        }
        let op = match &node.source {
            Source::Param(_) => return Rows::Shared,
            Source::Op(op) => op,
            _ => return by_shape,
        };
        let mut inputs = [Rows::Shared; 3];
        let mut shapes: [&[usize]; 3] = [&[]; 3];
        for (k, &input) in node.inputs.iter().enumerate() {
            inputs[k] = self.rows[input as usize];
            shapes[k] = nodes[input as usize].value.shape();
        }
        let n = node.inputs.len();
        let (inputs, shapes) = (&inputs[..n], &shapes[..n]);
        if inputs.contains(&Rows::Mixed) {
            return Rows::Mixed;
        }
        if inputs.iter().all(|&r| r == Rows::Shared) {
            return Rows::Shared;
        }
        let separate: [bool; 3] = std::array::from_fn(|k| k < n && inputs[k] == Rows::Separate);
        let rows_stay = shape.first() == Some(&batch)
            && shapes.iter().zip(&separate).all(|(s, &sep)| !sep || s.first() == Some(&batch))
            && keeps_rows(op, shapes, &separate[..n], shape.len());
        if rows_stay { Rows::Separate } else { Rows::Mixed }
    }
}

/// Whether `op` keeps the samples' rows apart: row `i` of its output reads
/// only row `i` of each input whose rows are `separate` (and any part of
/// the others). The caller has checked that the output and those inputs
/// have the samples on their first axis. Ops not listed here are taken to
/// mix rows, which is never wrong: their parameters take the fallback.
fn keeps_rows<T: Float>(op: &Op<T>, inputs: &[&[usize]], separate: &[bool], rank: usize) -> bool {
    // Broadcasting a separate input along the first axis would mix: its
    // rank must be the output's, so that its first axis is the output's.
    let no_broadcast = || inputs.iter().zip(separate).all(|(s, &sep)| !sep || s.len() == rank);
    match op {
        Op::Unary(_) | Op::Binary(_) | Op::BroadcastTo(_) | Op::SumTo(_) => no_broadcast(),
        // The first axis stays the first, with the same extent, so each row
        // keeps its elements (row-major).
        Op::Reshape(_) => true,
        Op::Linear(_) => !separate[1..].contains(&true) && inputs[0].len() >= 2,
        Op::MatMul(_) => {
            let (a, b) = (inputs[0].len(), inputs[1].len());
            if a == 3 || b == 3 {
                // Batched products: the first axis is each 3-D operand's.
                (a == 3 || !separate[0]) && (b == 3 || !separate[1])
            } else {
                a == 2 && !separate[1]
            }
        }
        Op::SwapAxes(SwapAxes(a, b)) => *a != 0 && *b != 0,
        Op::SumAxis(s) => s.axis != 0,
        Op::ExtremumAxis(e) => e.axis != 0,
        Op::Softmax(Softmax(axis)) | Op::LogSoftmax(LogSoftmax(axis)) => *axis != 0,
        Op::MseLoss(MseLoss(r))
        | Op::BceWithLogits(BceWithLogits(r))
        | Op::SvmMaxMargin(SvmMaxMargin(r))
        | Op::SoftmaxCrossEntropy(SoftmaxCrossEntropy(r)) => *r == Reduction::None,
        _ => false,
    }
}
