//! micrograd's neuron, with tensors: `o = tanh(x·w + b)`, summed to the
//! scalar `loss` that backward starts from.
//!
//! Prints the tape one node a line (with the names `x`, `w`, `b`, `o`,
//! `loss`), the gradients, and writes `graph.dot` of the same graph with
//! values and gradients (render it with `dot -Tsvg graph.dot -o graph.svg`).
//!
//!     cargo run --release --example graph

mod common;

use common::cli;
use tapegrad::prelude::*;

fn main() -> std::io::Result<()> {
    cli::from_env("micrograd's neuron tanh(x·w + b): the tape, the gradients and graph.dot (no flags).", "graph", &[]);
    let tape = Tape::<f64>::new();
    // The inputs and weights of micrograd's README example.
    let x = tape.var(Tensor::from_vec(vec![2.0, 0.0], [1, 2])).named("x");
    let w = tape.var(Tensor::from_vec(vec![-3.0, 1.0], [2, 1])).named("w");
    let b = tape.var(Tensor::from_vec(vec![6.881_373_587_019_543], [1])).named("b");
    let o = (x.matmul(w) + b).tanh().named("o");
    let loss = o.sum().named("loss");
    let grads = loss.backward();

    // The whole graph, the sum included: the listing and graph.dot show
    // the same nodes.
    println!("The tape, one node a line:\n{tape}");
    println!("o      = {}", o.value());
    for (name, gradient) in grads.iter_named() {
        println!("dloss/d{name:<5}= {gradient}");
    }

    std::fs::write("graph.dot", tape.to_dot_with(&grads))?;
    println!("\nwrote graph.dot with {} nodes (render: dot -Tsvg graph.dot -o graph.svg)", tape.len());
    Ok(())
}
