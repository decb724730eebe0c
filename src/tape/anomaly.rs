//! Anomaly detection: with it on, a tape checks every forward value and every
//! gradient for NaN and infinity and keeps a report of the first node that
//! produced one, so that a bad value is traced to its source instead of
//! flowing into the weights. The report, [`Anomaly`], is an error like the
//! others and lives with them in `error.rs`; this file finds it.

use super::Node;
use crate::error::{Anomaly, Phase};
use crate::float::Float;
use crate::shape::Shape;

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
