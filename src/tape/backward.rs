//! The reverse sweep: one loop from the output back to the first node, and
//! the one `match` that sends each op to its backward rule in `ops/`.

use std::rc::Rc;

use super::anomaly::{Anomaly, all_finite};
use super::gradients::{GradStore, Gradients};
use super::op::Op;
use super::{Node, NodeId, Tape};
use crate::float::Float;
use crate::ops::{binary, elementwise, layout, linear, loss, matmul, reduce, softmax};
use crate::tensor::Tensor;

/// Computes the gradient of node `root` (seeded with `seed`, or 1) with
/// respect to every node that requires one.
pub(super) fn run<T: Float>(tape: &Tape<T>, root: NodeId, seed: Option<&Tensor<T>>) -> Gradients<T> {
    let mut inner = tape.inner.borrow_mut();
    let inner = &mut *inner;
    // Reuse the last sweep's storage if nobody else holds it.
    let last = inner.last_grads.borrow_mut().take();
    let mut store = match last {
        Some(rc) if Rc::strong_count(&rc) == 1 => rc,
        _ => Rc::new(GradStore::default()),
    };
    let grads = Rc::get_mut(&mut store).expect("a fresh or unshared store");
    let nodes = &inner.nodes;
    grads.reset(tape.id, inner.generation, nodes.len());
    grads.params.extend_from_slice(&inner.bindings);

    let root = root as usize;
    if nodes[root].requires_grad {
        grads.activate(root, nodes[root].value.shape());
        match seed {
            Some(seed) => grads.grads[root].data_mut().copy_from_slice(seed.data()),
            None => grads.grads[root].data_mut()[0] = T::ONE,
        }
    }

    for i in (0..=root).rev() {
        let node = &nodes[i];
        if !grads.present[i] || !node.requires_grad || node.op.is_leaf() {
            continue;
        }
        for (k, &input) in node.op.inputs().as_slice().iter().enumerate() {
            let input = input as usize;
            if !nodes[input].requires_grad {
                continue;
            }
            if !grads.present[input] {
                grads.activate(input, nodes[input].value.shape());
            }
            // Inputs precede their node on the tape, so the input's gradient
            // is in the lower half and the node's own in the upper.
            let (lower, upper) = grads.grads.split_at_mut(i);
            accumulate(nodes, node, k, upper[0].data(), lower[input].data_mut());
            if inner.detect_anomalies && inner.anomaly.is_none() && !all_finite(lower[input].data()) {
                let gradient_was_finite = all_finite(upper[0].data());
                inner.anomaly = Some(Anomaly::backward(nodes, i, gradient_was_finite, input as NodeId));
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

    *inner.last_grads.borrow_mut() = Some(Rc::clone(&store));
    Gradients { store, slot: Rc::clone(&inner.last_grads) }
}

/// Adds input `k`'s share of `node`'s gradient `g` into `target`.
fn accumulate<T: Float>(nodes: &[Node<T>], node: &Node<T>, k: usize, g: &[T], target: &mut [T]) {
    let value = |id: NodeId| &nodes[id as usize].value;
    let out = &node.value;
    match node.op {
        Op::Var | Op::Constant | Op::Param(_) | Op::Detach(_) => {}
        Op::Unary(op, a) => elementwise::backward(op, value(a).data(), out.data(), g, target),
        Op::Binary(op, a, b) => binary::backward(op, k, value(a), value(b), out.shape(), g, target),
        Op::MatMul(a, b) => matmul::backward(k, value(a), value(b), g, target),
        Op::Linear(x, w, _) => linear::backward(k, value(x), value(w), g, target),
        Op::Transpose(a, axis0, axis1) => layout::transpose_backward(value(a).shape(), axis0, axis1, g, target),
        Op::Reshape(_) => layout::reshape_backward(g, target),
        Op::Sum(_) => reduce::sum_backward(g, target),
        Op::Mean(_) => reduce::mean_backward(g, target),
        Op::SumAxis(a, axis) => reduce::sum_axis_backward(value(a).shape(), axis, g, target),
        Op::MeanAxis(a, axis) => reduce::mean_axis_backward(value(a).shape(), axis, g, target),
        Op::MaxAxis(a, axis) => reduce::max_axis_backward(value(a), axis, out.data(), g, target),
        Op::Softmax(a, axis) => softmax::softmax_backward(value(a).shape(), axis, out.data(), g, target),
        Op::LogSoftmax(a, axis) => softmax::log_softmax_backward(value(a).shape(), axis, out.data(), g, target),
        Op::MseLoss(a, b) => loss::mse_backward(k, value(a).data(), value(b).data(), g[0], target),
        Op::BceWithLogits(a, b) => loss::bce_with_logits_backward(k, value(a).data(), value(b).data(), g[0], target),
        Op::SoftmaxCrossEntropy(a, b) => {
            loss::softmax_cross_entropy_backward(k, value(a), value(b).data(), g[0], target)
        }
        Op::SvmMaxMargin(a, b) => loss::svm_max_margin_backward(k, value(a).data(), value(b).data(), g[0], target),
    }
}
