//! Gradients as graphs: the reverse sweep that records each gradient as
//! ordinary nodes, so that a gradient can be used in further computation
//! and differentiated again, to any order. Each op's rule is its
//! `backward_graph` (`ops/`), run here on `Var`s.

use smallvec::SmallVec;

use super::{Source, Tape, Var};
use crate::float::Float;
use crate::ops::{Arith, Graph, Kernel, Op, UnaryOp, zip_broadcast};
use crate::shape::Shape;
use crate::tensor::Tensor;

impl<T: Float> Arith<T> for Var<'_, T> {
    fn unary(self, op: UnaryOp<T>) -> Self {
        Var::apply(self, Op::Unary(op), &[])
    }

    /// A constant: a step function has no gradient to pass on.
    fn step(self, f: impl Fn(T) -> T) -> Self {
        self.tape.constant(Var::value(self).map(f))
    }

    /// A constant, as [`step`](Arith::step).
    fn step2(self, other: Self, f: impl Fn(T, T) -> T) -> Self {
        self.tape.constant(zip_broadcast(&Var::value(self), &Var::value(other), f))
    }
}

impl<T: Float> Graph<T> for Var<'_, T> {
    fn apply(self, op: Op<T>, rest: &[Self]) -> Self {
        Var::apply(self, op, rest)
    }

    fn shape(self) -> Shape {
        Var::shape(self)
    }

    fn value(self) -> Tensor<T> {
        Var::value(self)
    }

    fn constant(self, value: Tensor<T>) -> Self {
        self.tape.constant(value)
    }
}

/// Sweeps backward from `root` with gradient `seed` (shaped like `root`),
/// recording every step on the tape. Returns, for each node up to `root`,
/// the gradient it received, if any.
fn sweep<'t, T: Float>(root: Var<'t, T>, seed: Var<'t, T>) -> Vec<Option<Var<'t, T>>> {
    let tape: &'t Tape<T> = root.tape;
    let len = root.index() + 1;
    let mut grads: Vec<Option<Var<'t, T>>> = vec![None; len];
    grads[root.index()] = Some(seed);
    for i in (0..len).rev() {
        let Some(g) = grads[i] else { continue };
        // Copy out what the rule needs: the rule records nodes, which needs
        // the tape unborrowed.
        let step = tape.with_nodes(|nodes| match &nodes[i].source {
            Source::Op(op) if nodes[i].requires_grad => {
                let inputs: SmallVec<[(u32, bool); 3]> =
                    nodes[i].inputs.iter().map(|&j| (j, nodes[j as usize].requires_grad)).collect();
                Some((op.clone(), inputs))
            }
            _ => None,
        });
        let Some((op, inputs)) = step else { continue };
        let vars: SmallVec<[Var<'t, T>; 3]> = inputs.iter().map(|&(id, _)| Var { tape, id }).collect();
        let out = Var { tape, id: i as u32 };
        for (k, &(j, requires_grad)) in inputs.iter().enumerate() {
            if !requires_grad {
                continue;
            }
            if let Some(share) = op.backward_graph(k, &vars, out, g) {
                let slot = &mut grads[j as usize];
                *slot = Some(match *slot {
                    Some(sum) => sum + share,
                    None => share,
                });
            }
        }
    }
    grads
}

/// The gradients of the one-element `output` with respect to each of
/// `inputs`, as variables on the same tape (PyTorch's
/// `torch.autograd.grad`).
///
/// With `create_graph`, the backward sweep is recorded as ordinary nodes:
/// the gradients are functions of the inputs and can be differentiated
/// again, to any order. Without it, they are constants holding the values
/// of the ordinary sweep. An input the output does not depend on gets a
/// zero gradient.
///
/// ```
/// use tapegrad::{Tape, Tensor, grad};
/// let tape = Tape::<f64>::new();
/// let x = tape.var(Tensor::scalar(3.0));
/// let y = x * x * x; // x³
/// let dy = grad(y, &[x], true)[0]; // 3x² = 27
/// let d2y = grad(dy, &[x], true)[0]; // 6x = 18
/// let d3y = grad(d2y, &[x], false)[0]; // 6
/// assert_eq!((dy.item(), d2y.item(), d3y.item()), (27.0, 18.0, 6.0));
/// ```
///
/// # Panics
/// If `output` has more than one element, or an input belongs to another
/// tape.
#[track_caller]
pub fn grad<'t, T: Float>(output: Var<'t, T>, inputs: &[Var<'t, T>], create_graph: bool) -> Vec<Var<'t, T>> {
    let tape = output.tape;
    let shape = output.shape();
    assert!(shape.iter().product::<usize>() == 1, "grad: the output has shape {shape:?}; it needs one element");
    for input in inputs {
        assert!(std::ptr::eq(tape, input.tape), "grad: the inputs belong to another tape than the output");
    }
    if !create_graph {
        let grads = output.backward();
        return inputs
            .iter()
            .map(|&x| match grads.get(x) {
                Some(g) => tape.constant(g.clone()),
                None => tape.constant(Tensor::zeros(x.shape())),
            })
            .collect();
    }
    let seed = tape.constant(Tensor::ones(&shape));
    let grads = sweep(output, seed);
    inputs
        .iter()
        .map(|&x| match grads.get(x.index()).copied().flatten() {
            Some(g) => g,
            None => tape.constant(Tensor::zeros(x.shape())),
        })
        .collect()
}
