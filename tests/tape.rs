//! How the tape behaves: gradients accumulate, sweeps repeat, constants cost
//! no backward work, tapes clear and reuse, graphs can be inspected.

use tapegrad::{Param, Tape, Tensor};

#[test]
fn a_var_used_several_times_accumulates_its_gradient() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![3.0], [1]));
    // y = x*x + 2x + x  ->  dy/dx = 2x + 3 = 9
    let y = (x * x + x * 2.0 + x).sum();
    assert_eq!(y.backward().wrt(x).data(), &[9.0]);
}

#[test]
fn calling_backward_twice_gives_the_same_gradients() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![0.5, -1.0, 2.0], [3]));
    let y = (x.tanh() * x).sum();
    let first = y.backward();
    let second = y.backward();
    assert_eq!(first.wrt(x), second.wrt(x));
    // And the first result is untouched by the second sweep.
    let third = y.backward();
    assert_eq!(first.wrt(x), third.wrt(x));
}

#[test]
fn work_on_constants_needs_no_gradient() {
    let tape = Tape::<f64>::new();
    let c = tape.constant(Tensor::from_vec(vec![1.0, 2.0], [2]));
    let c2 = (c * 3.0).exp();
    let x = tape.var(Tensor::from_vec(vec![0.5, 0.5], [2]));
    let y = (x * c2).sum();
    assert!(!c.requires_grad() && !c2.requires_grad());
    assert!(x.requires_grad() && y.requires_grad());
    let grads = y.backward();
    assert!(grads.get(c).is_none() && grads.get(c2).is_none());
    assert_eq!(grads.wrt(x), &c2.value());
    // The listing marks them.
    let listing = tape.to_string();
    assert_eq!(listing.lines().filter(|l| l.ends_with("no grad")).count(), 3);
}

#[test]
fn detach_stops_the_gradient() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![2.0], [1]));
    // y = x * stop(x): only the first factor carries a gradient, dy/dx = x.
    let y = (x * x.detach()).sum();
    assert_eq!(y.backward().wrt(x).data(), &[2.0]);
}

#[test]
fn outputs_the_loss_does_not_depend_on_get_zero_gradients() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![1.0, 2.0], [2]));
    let unused = tape.var(Tensor::from_vec(vec![5.0], [1]));
    let y = x.sum();
    let _after = (x * 2.0).sum();
    let grads = y.backward();
    assert_eq!(grads.wrt(unused).data(), &[0.0]);
    assert_eq!(grads.wrt(x).data(), &[1.0, 1.0]);
}

#[test]
fn backward_with_takes_a_seed_of_any_shape() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![1.0, 2.0, 3.0], [3]));
    let y = x * x;
    let grads = y.backward_with(&Tensor::from_vec(vec![1.0, 0.0, -1.0], [3]));
    assert_eq!(grads.wrt(x).data(), &[2.0, 0.0, -6.0]);
}

#[test]
fn a_cleared_tape_records_the_next_graph_and_reuses_its_buffers() {
    let w = Param::new("w", Tensor::from_vec(vec![0.5f32, -0.25], [2, 1]));
    let mut tape = Tape::new();
    let mut previous = None;
    for step in 0..3 {
        let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2]));
        let loss = x.matmul(tape.param(&w)).tanh().sum();
        let grads = loss.backward();
        let g = grads.param(&w).unwrap().clone();
        assert_eq!(tape.len(), 5, "step {step}");
        if let Some(p) = previous.replace(g.clone()) {
            assert_eq!(p, g, "same graph, same gradient");
        }
        drop(grads);
        tape.clear();
        assert!(tape.is_empty());
    }
}

#[test]
fn reused_gradients_are_overwritten_not_added_to() {
    // A product writes a gradient's first share over the buffer of the last
    // sweep without zeroing it first: whatever that buffer held (here NaN
    // from a poisoned step) must not leak into the next gradients.
    let w = Param::new("w", Tensor::from_vec(vec![1.0f64, -2.0, 0.5, 3.0, 0.0, 1.0], [2, 3]));
    let b = Param::new("b", Tensor::from_vec(vec![0.1f64, 0.2], [2]));
    let mut tape = Tape::new();
    let mut grads = tapegrad::Gradients::new();
    let mut run = |x: Vec<f64>, grads: &mut tapegrad::Gradients<f64>| {
        tape.clear();
        let x = tape.constant(Tensor::from_vec(x, [2, 3]));
        let (wv, bv) = (tape.param(&w), tape.param(&b));
        // Shared by two paths: the second share is added to the first.
        let out = x.linear(wv, Some(bv)) + x.matmul(wv.transpose()).tanh() + x.linear(wv, None);
        out.sum().backward_into(grads);
        (grads.param(&w).unwrap().clone(), grads.param(&b).unwrap().clone())
    };
    let clean = run(vec![1.0, 2.0, 3.0, -1.0, 0.5, 0.0], &mut grads);
    let mut fresh = tapegrad::Gradients::new();
    assert_eq!(run(vec![1.0, 2.0, 3.0, -1.0, 0.5, 0.0], &mut fresh), clean);
    let poisoned = run(vec![f64::NAN; 6], &mut grads);
    assert!(poisoned.0.data().iter().all(|g| g.is_nan()));
    assert_eq!(run(vec![1.0, 2.0, 3.0, -1.0, 0.5, 0.0], &mut grads), clean, "NaN left from the poisoned step");
}

#[test]
fn binding_a_parameter_twice_in_one_graph_gives_one_node() {
    let w = Param::new("w", Tensor::from_vec(vec![3.0f64], [1]));
    let tape = Tape::<f64>::new();
    let a = tape.param(&w);
    let b = tape.param(&w);
    assert_eq!(a.index(), b.index());
    let grads = (a * b).sum().backward();
    assert_eq!(grads.param(&w).unwrap().data(), &[6.0]);
    assert_eq!(tape.node(a).op, "param");
}

#[test]
fn gradients_outlive_the_graph_and_are_found_by_parameter() {
    let w = Param::new("w", Tensor::from_vec(vec![1.0f32, 2.0], [2]));
    let unbound = Param::new("unbound", Tensor::from_vec(vec![1.0f32], [1]));
    let mut tape = Tape::new();
    let grads = (tape.param(&w) * 3.0).sum().backward();
    tape.clear();
    assert_eq!(grads.param(&w).unwrap().data(), &[3.0, 3.0]);
    assert!(grads.param(&unbound).is_none());
    assert_eq!(grads.params().count(), 1);
}

#[test]
fn the_listing_shows_one_node_a_line() {
    let tape = Tape::<f32>::new();
    let x = tape.var(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2]));
    let w = tape.var(Tensor::from_vec(vec![0.5, -1.0], [2, 1]));
    let _y = (x.matmul(w) + 1.0).tanh().sum();
    let listing = tape.to_string();
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["#0", "var", "[2,", "2]"]);
    assert_eq!(lines[2].split_whitespace().collect::<Vec<_>>(), ["#2", "matmul", "#0", "#1", "[2,", "1]"]);
    assert_eq!(lines[3].split_whitespace().collect::<Vec<_>>(), ["#3", "add(1)", "#2", "[2,", "1]"]);
    assert_eq!(lines[5].split_whitespace().collect::<Vec<_>>(), ["#5", "sum", "#4", "[]"]);
    assert_eq!(tape.node(w).op, "var");
    let sum = tape.node(_y);
    assert_eq!((sum.op.as_str(), sum.inputs.as_slice()), ("sum", &[4][..]));
    let tanh = tape.node(x.tanh());
    assert_eq!((tanh.op.as_str(), tanh.inputs.as_slice()), ("tanh", &[0][..]));
}

#[test]
fn dot_export_shows_values_and_after_backward_gradients() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![1.0, -2.0], [2]));
    let big = tape.constant(Tensor::from_fn([10, 10], |i| i as f64));
    let y = (x * 3.0).sum() + big.mean();
    let before = tape.to_dot();
    assert!(before.starts_with("digraph tape {"));
    assert!(before.contains("n0 [label=\"#0 var | shape [2] | value [1.0000, -2.0000]\""), "{before}");
    assert!(!before.contains("grad"));
    assert!(before.contains("n0 -> n2;"));
    // The 100-element constant is summarised, not listed.
    assert!(before.contains("mean 49.5000 std"));
    let grads = y.backward();
    assert_eq!(tape.to_dot(), before, "to_dot shows values only");
    let after = tape.to_dot_with(&grads);
    assert!(after.contains("grad [3.0000, 3.0000]"), "{after}");
    assert_eq!(after.matches("grad ").count(), 4, "one gradient per node that requires one");
}
