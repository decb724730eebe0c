//! Anomaly detection: with it on, a tape checks every forward value and every
//! gradient for NaN and infinity and keeps a report of the first node that
//! produced one, so that a bad value is traced to its source instead of
//! flowing into the weights.

use std::fmt;

use super::Node;
use crate::float::Float;
use crate::shape::Shape;

/// Where the first non-finite number appeared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// In a node's value, while recording the graph.
    Forward,
    /// In a gradient, during a backward sweep: the node's backward rule
    /// produced it for one of its inputs.
    Backward,
}

/// The first node whose value (or whose backward rule's output) was NaN or
/// infinite, with what it was computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct Anomaly {
    /// Forward value or gradient.
    pub phase: Phase,
    /// The node's index on its tape.
    pub node: usize,
    /// The node's op, as in the tape listing.
    pub op: String,
    /// The node's own shape.
    pub shape: Shape,
    /// Each input: its index, its shape, and whether its value already held
    /// a non-finite number (then the problem started earlier).
    pub inputs: Vec<(usize, Shape, bool)>,
    /// For [`Phase::Backward`]: whether the gradient arriving at the node
    /// was itself finite, and which input received the bad gradient.
    pub backward: Option<(bool, usize)>,
}

impl Anomaly {
    fn describe<T: Float>(phase: Phase, nodes: &[Node<T>], index: usize) -> Self {
        let node = &nodes[index];
        let inputs = node
            .inputs
            .iter()
            .map(|&i| {
                let input = &nodes[i as usize];
                (i as usize, Shape::from_slice(input.value.shape()), !all_finite(input.value.data()))
            })
            .collect();
        Anomaly {
            phase,
            node: index,
            op: node.op_name(),
            shape: Shape::from_slice(node.value.shape()),
            inputs,
            backward: None,
        }
    }

    /// The report for node `index`, if its new value holds NaN or infinity.
    pub(crate) fn check_forward<T: Float>(nodes: &[Node<T>], index: usize) -> Option<Self> {
        if all_finite(nodes[index].value.data()) { None } else { Some(Self::describe(Phase::Forward, nodes, index)) }
    }

    /// The report for node `index`, whose backward rule just wrote a
    /// non-finite gradient into input `input`.
    pub(crate) fn backward<T: Float>(nodes: &[Node<T>], index: usize, gradient_was_finite: bool, input: usize) -> Self {
        let mut report = Self::describe(Phase::Backward, nodes, index);
        report.backward = Some((gradient_was_finite, input));
        report
    }
}

/// `true` unless some element is NaN or infinite.
pub(crate) fn all_finite<T: Float>(values: &[T]) -> bool {
    values.iter().all(|v| v.is_finite())
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.phase, self.backward) {
            (Phase::Forward, _) => write!(
                f,
                "anomaly: node #{} ({}, shape {:?}) computed NaN or infinity",
                self.node, self.op, self.shape
            )?,
            (Phase::Backward, Some((gradient_was_finite, input))) => write!(
                f,
                "anomaly: the backward rule of node #{} ({}, shape {:?}) gave a NaN or infinite gradient to input #{input}{}",
                self.node,
                self.op,
                self.shape,
                if gradient_was_finite { "" } else { " (the gradient arriving at the node was already non-finite)" }
            )?,
            (Phase::Backward, None) => write!(f, "anomaly in the backward rule of node #{} ({})", self.node, self.op)?,
        }
        if self.inputs.is_empty() {
            write!(f, "; it is a leaf: the data given to it is not finite")?;
        }
        for (index, shape, bad) in &self.inputs {
            write!(f, "; input #{index} {shape:?} {}", if *bad { "was already non-finite" } else { "was finite" })?;
        }
        Ok(())
    }
}

impl std::error::Error for Anomaly {}
