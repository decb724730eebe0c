//! The reverse sweep on plain numbers: one loop from the output back to the
//! first node, each op's backward kernel adding its inputs' shares into
//! their gradient buffers. (The sweep that builds the gradients as a graph,
//! for higher orders, is `graph.rs`.)

use super::anomaly::all_finite;
use super::{Gradients, Source, Var, values_of};
use crate::error::Anomaly;
use crate::float::Float;
use crate::ops::Kernel;
use crate::tensor::Tensor;

/// Computes into `grads` the gradient of `root` (seeded with `seed`, or 1)
/// with respect to every node that requires one. With anomaly detection on,
/// returns the first anomaly of the forward values or of this sweep.
pub(super) fn sweep<T: Float>(
    root: Var<'_, T>,
    seed: Option<&Tensor<T>>,
    grads: &mut Gradients<T>,
) -> Result<(), Anomaly> {
    let tape = root.tape;
    let mut inner = tape.inner.borrow_mut();
    let inner = &mut *inner;
    let nodes = &inner.nodes;
    grads.reset(tape.id, inner.generation, nodes.len(), &inner.bound, &inner.bindings, &inner.labels.names);

    let root = root.id as usize;
    if nodes[root].requires_grad {
        let g = grads.activate(root, nodes[root].value.shape());
        match seed {
            Some(seed) => g.data_mut().copy_from_slice(seed.data()),
            None => g.data_mut()[0] = T::ONE,
        }
    }

    for i in (0..=root).rev() {
        let node = &nodes[i];
        let Source::Op(op) = &node.source else { continue };
        if !grads.present[i] || !node.requires_grad {
            continue;
        }
        let values = values_of(nodes, &node.inputs);
        for (k, &input) in node.inputs.iter().enumerate() {
            let input = input as usize;
            if !nodes[input].requires_grad {
                continue;
            }
            // The first share of a gradient is written over a buffer of
            // the last sweep, unzeroed, where the op can (the products);
            // the others are added.
            let first = !grads.present[input];
            let zeroed = first && grads.activate_unzeroed(input, nodes[input].value.shape());
            // Inputs precede their node on the tape, so the input's gradient
            // is in the lower half and the node's own in the upper.
            let (lower, upper) = grads.grads.split_at_mut(i);
            let (g, target) = (upper[0].data(), lower[input].data_mut());
            if !(first && op.backward_over(k, &values, &node.value, g, target)) {
                if first && !zeroed {
                    target.fill(T::ZERO);
                }
                op.backward(k, &values, &node.value, g, target);
            }
            if inner.detect_anomalies && inner.anomaly.is_none() && !all_finite(lower[input].data()) {
                let gradient_was_finite = all_finite(upper[0].data());
                inner.anomaly = Some(Anomaly::backward(nodes, i, gradient_was_finite, input));
            }
        }
    }

    // Nodes the output does not depend on get a zero gradient, so that every
    // node that requires one has one.
    for (i, node) in nodes.iter().enumerate() {
        if node.requires_grad && !grads.present[i] {
            grads.activate(i, node.value.shape());
        }
    }
    match &inner.anomaly {
        Some(anomaly) => Err(anomaly.clone()),
        None => Ok(()),
    }
}
