//! micrograd's neuron, with tensors: `o = tanh(x·w + b)`.
//!
//! Prints the tape one node a line, the gradients, and writes `graph.dot`
//! (render it with `dot -Tsvg graph.dot -o graph.svg`).
//!
//!     cargo run --release --example graph

use tapegrad::prelude::*;

fn main() -> std::io::Result<()> {
    let tape = Tape::<f64>::new();
    // The inputs and weights of micrograd's README example.
    let x = tape.var(Tensor::from_vec(vec![2.0, 0.0], [1, 2]));
    let w = tape.var(Tensor::from_vec(vec![-3.0, 1.0], [2, 1]));
    let b = tape.var(Tensor::from_vec(vec![6.881_373_587_019_543], [1]));
    let o = (x.matmul(w) + b).tanh();

    println!("The tape, one node a line:\n{tape}");
    let grads = o.sum().backward();
    println!("o      = {}", o.value());
    println!("do/dx  = {}", grads.wrt(x));
    println!("do/dw  = {}", grads.wrt(w));
    println!("do/db  = {}", grads.wrt(b));

    std::fs::write("graph.dot", tape.to_dot())?;
    println!("\nwrote graph.dot (render: dot -Tsvg graph.dot -o graph.svg)");
    Ok(())
}
