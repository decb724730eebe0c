//! The tensor vocabulary as a PyTorch user writes it: the parts that have no
//! gradient to check (argmax, the constructors, `t[[i, j]]`), how a `clamp`
//! call resolves, and every new op giving the same values on a `Tensor` as
//! on a `Var`. (Gradients: `gradcheck_ops.rs`, `second_order.rs`; PyTorch's
//! values: `pytorch_ops.rs`; messages: `shape_errors.rs`.)

use tapegrad::{Tape, Tensor, Var};

fn t(values: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), shape)
}

#[test]
fn argmax_and_argmin_give_the_first_extremum_of_each_lane() {
    let x = t(&[3.0, 1.0, 3.0, 0.0, 0.0, -1.0], &[2, 3]);
    assert_eq!(x.argmax(1, false).data(), &[0.0, 0.0]);
    assert_eq!(x.argmin(1, false).data(), &[1.0, 2.0]);
    assert_eq!(x.argmax(0, true).data(), &[0.0, 0.0, 0.0]);
    assert_eq!(x.argmax(0, true).shape(), &[1, 3]);
    assert_eq!(x.argmin(-2, false).data(), &[1.0, 1.0, 1.0]);
}

/// As in PyTorch, a NaN is the extremum (the first NaN of the lane).
#[test]
fn argmax_finds_nan() {
    let x = t(&[1.0, f64::NAN, 3.0, f64::NAN], &[4]);
    assert_eq!(x.argmax(0, false).item(), 1.0);
    assert_eq!(x.argmin(0, false).item(), 1.0);
    assert!(x.max_axis(0, false).item().is_nan());
}

/// The positions feed `gather` directly, and compare with class labels.
#[test]
fn argmax_on_the_tape_is_a_constant_that_gather_takes() {
    let tape = Tape::<f64>::new();
    let logits = tape.var(t(&[0.2, 1.5, -0.3, 2.0, 0.1, 0.4], &[2, 3]));
    let predicted = logits.argmax(-1, true);
    assert!(!predicted.requires_grad());
    assert_eq!(predicted.value().data(), &[1.0, 0.0]);
    let best = logits.gather(1, predicted);
    assert_eq!(best.value(), logits.max_axis(1, true).value());
    let grads = best.sum().backward();
    assert_eq!(grads.wrt(logits).data(), &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
}

#[test]
fn constructors_match_pytorch() {
    assert_eq!(Tensor::<f64>::arange(0.0, 5.0, 1.0).data(), &[0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_eq!(Tensor::<f64>::arange(0.0, 1.0, 0.3).data(), &[0.0, 0.3, 0.6, 0.8999999999999999]);
    assert_eq!(Tensor::<f64>::arange(2.0, 2.0, 1.0).shape(), &[0]);
    assert_eq!(Tensor::<f64>::linspace(-1.0, 1.0, 5).data(), &[-1.0, -0.5, 0.0, 0.5, 1.0]);
    assert_eq!(Tensor::<f64>::linspace(3.0, 7.0, 1).data(), &[3.0]);
    assert_eq!(Tensor::<f64>::linspace(3.0, 7.0, 0).shape(), &[0]);
    assert_eq!(Tensor::<f64>::eye(3).data(), &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    let x = t(&[1.0, 2.0], &[2, 1]);
    assert_eq!(x.zeros_like(), Tensor::zeros([2, 1]));
    assert_eq!(x.ones_like(), Tensor::ones([2, 1]));
    let tape = Tape::<f64>::new();
    let v = tape.var(x);
    let (zeros, ones) = (v.zeros_like(), v.ones_like());
    assert_eq!((zeros.value(), ones.value()), (Tensor::zeros([2, 1]), Tensor::ones([2, 1])));
    assert!(!zeros.requires_grad() && !ones.requires_grad());
}

/// `linspace` counts its second half from the end, as PyTorch does, so the
/// last value is `end` exactly.
#[test]
fn linspace_ends_exactly_at_end() {
    let x = Tensor::<f64>::linspace(0.1, 0.7, 7);
    assert_eq!(x.data()[0], 0.1);
    assert_eq!(x.data()[6], 0.7);
}

#[test]
fn tensors_index_by_arrays_of_positions() {
    let mut x = Tensor::<f64>::arange(0.0, 24.0, 1.0).reshape([2, 3, 4]);
    assert_eq!(x[[1, 2, 3]], 23.0);
    x[[0, 1, 0]] = -1.0;
    assert_eq!(x.get(&[0, 1, 0]), -1.0);
    let scalar = Tensor::scalar(5.0f32);
    assert_eq!(scalar[[]], 5.0);
}

#[test]
#[should_panic(expected = "index [2, 0] is out of range for shape [2, 3]")]
fn indexing_past_the_end_names_the_index_and_the_shape() {
    let x = Tensor::<f32>::zeros([2, 3]);
    let _ = x[[2, 0]];
}

/// `clamp` on a `Tensor` (owned or borrowed) and on a `Var` is the crate's
/// inherent method, not `Ord::clamp`, whatever the receiver's form.
#[test]
fn clamp_resolves_to_the_tensor_method_not_ord_clamp() {
    let x = t(&[-3.0, 0.25, 3.0], &[3]);
    let borrowed = &x;
    let by_ref = borrowed.clamp(-1.0, 1.0);
    let owned = x.clone().clamp(-1.0, 1.0);
    assert_eq!(by_ref.data(), &[-1.0, 0.25, 1.0]);
    assert_eq!(owned, by_ref);
    let tape = Tape::<f64>::new();
    assert_eq!(tape.var(x).clamp(-1.0, 1.0).value(), by_ref);
}

/// Every new op computes the same values on plain tensors as on the tape.
#[test]
fn tensor_methods_agree_with_var_methods() {
    let x = Tensor::<f64>::linspace(-2.0, 2.5, 12).reshape([3, 4]);
    let y = t(&[0.5, -1.0, 2.0, 0.0], &[4]);
    let idx = t(&[2.0, 0.0, 2.0], &[3]);
    let gather_idx = t(&[3.0, 0.0, 1.0], &[3, 1]);
    let mask = t(&[1.0, 0.0, 1.0], &[3, 1]);
    let tape = Tape::<f64>::new();
    let (xv, yv) = (tape.var(x.clone()), tape.var(y.clone()));
    let (iv, gv, mv) = (tape.constant(idx.clone()), tape.constant(gather_idx.clone()), tape.constant(mask.clone()));
    let pairs: Vec<(&str, Tensor<f64>, Var<'_, f64>)> = vec![
        ("index_select", x.index_select(0, &idx), xv.index_select(0, iv)),
        ("gather", x.gather(1, &gather_idx), xv.gather(1, gv)),
        ("cat", Tensor::cat(&[&x, &x], 1), Var::cat(&[xv, xv], 1)),
        ("stack", Tensor::stack(&[&x, &x, &x, &x], 2), Var::stack(&[xv, xv, xv, xv], 2)),
        ("narrow", x.narrow(1, 1, 2), xv.narrow(1, 1, 2)),
        ("slice", x.slice(&[1..3, 0..2]), xv.slice(&[1..3, 0..2])),
        ("split", x.split(3, 1)[1].clone(), xv.split(3, 1)[1]),
        ("split_sizes", x.split_sizes(&[1, 2], 0)[1].clone(), xv.split_sizes(&[1, 2], 0)[1]),
        ("chunk", x.chunk(2, 0)[1].clone(), xv.chunk(2, 0)[1]),
        ("min_axis", x.min_axis(1, true), xv.min_axis(1, true)),
        ("argmin", x.argmin(0, false), xv.argmin(0, false)),
        ("var_axis", x.var_axis(1, 1, false), xv.var_axis(1, 1, false)),
        ("std_axis", x.std_axis(0, 0, true), xv.std_axis(0, 0, true)),
        ("maximum", x.maximum(&y), xv.maximum(yv)),
        ("minimum", x.minimum(&y), xv.minimum(yv)),
        ("clamp", x.clamp(-0.5, 1.0), xv.clamp(-0.5, 1.0)),
        ("where_cond", Tensor::where_cond(&mask, &x, &y), Var::where_cond(mv, xv, yv)),
        ("masked_fill", x.masked_fill(&mask, 9.0), xv.masked_fill(mv, 9.0)),
        ("sin", x.sin(), xv.sin()),
        ("cos", x.cos(), xv.cos()),
        ("softplus", x.softplus(), xv.softplus()),
        ("log1p", x.map(f64::abs).log1p(), tape.constant(x.map(f64::abs)).log1p()),
        ("expm1", x.expm1(), xv.expm1()),
        ("square", x.square(), xv.square()),
        ("rsqrt", x.map(f64::abs).rsqrt(), tape.constant(x.map(f64::abs)).rsqrt()),
    ];
    for (name, tensor, var) in pairs {
        assert_eq!(tensor, var.value(), "{name}");
    }
}

#[test]
fn split_and_chunk_cut_as_pytorch_does() {
    let x = Tensor::<f64>::arange(0.0, 7.0, 1.0);
    let lens = |pieces: Vec<Tensor<f64>>| pieces.iter().map(|p| p.len()).collect::<Vec<_>>();
    assert_eq!(lens(x.split(3, 0)), [3, 3, 1]);
    assert_eq!(lens(x.chunk(3, 0)), [3, 3, 1]);
    assert_eq!(lens(x.chunk(7, 0)), [1; 7]);
    assert_eq!(lens(x.chunk(10, 0)), [1; 7]);
    assert_eq!(lens(Tensor::<f64>::zeros([6]).chunk(4, 0)), [2, 2, 2]);
    assert_eq!(lens(Tensor::<f64>::zeros([0]).split(2, 0)), [0]);
    assert_eq!(Tensor::cat(&x.split(2, 0), 0), x);
}

/// A `where_cond` does not leak an infinity from the branch it did not pick
/// into its value (which `c * a + (1 - c) * b` would). Its gradient does, as
/// in PyTorch: the unpicked branch receives a zero gradient, times its own
/// derivative, which is infinite at `ln 0` (mask the input, not the output).
#[test]
fn where_cond_keeps_the_unpicked_branch_out_of_the_value() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[0.0, 4.0], &[2]));
    let safe = tape.constant(t(&[0.0, 1.0], &[2]));
    let y = Var::where_cond(safe, x.ln(), x);
    assert_eq!(y.value().data(), &[0.0, 4.0_f64.ln()]);
    let g = y.sum().backward().wrt(x).clone();
    assert!(g.data()[0].is_nan(), "PyTorch gives NaN here too: 1 + 0 * (1 / 0)");
    assert_eq!(g.data()[1], 0.25);
    // Masking the input keeps the gradient finite.
    let inside = Var::where_cond(safe, x, x.ones_like());
    let y = Var::where_cond(safe, inside.ln(), x);
    assert_eq!(y.sum().backward().wrt(x).data(), &[1.0, 0.25]);
}

/// A `cat` of more pieces than a node keeps inline records one node with
/// every piece as an input.
#[test]
fn cat_of_many_pieces_is_one_node() {
    let tape = Tape::<f64>::new();
    let pieces: Vec<Var<'_, f64>> = (0..10).map(|i| tape.var(Tensor::full([1, 2], i as f64))).collect();
    let before = tape.len();
    let joined = Var::cat(&pieces, 0);
    assert_eq!(tape.len(), before + 1);
    assert_eq!(tape.node(joined).inputs.len(), 10);
    let grads = (joined * joined).sum().backward();
    assert_eq!(grads.wrt(pieces[7]).data(), &[14.0, 14.0]);
}
