//! Gradients of gradients, for every op: the derivative of the tape's
//! differentiable gradient (`grad(.., true)`) against central finite
//! differences of its ordinary first gradients (`tapegrad::check_second_order`),
//! and the differentiable gradient's values against the fast sweep's, so the
//! two backward rules each op has (`backward` on numbers, `backward_graph` on
//! the graph) cannot drift apart.
//!
//! Each test reads like an example: it samples inputs from a seeded RNG and
//! calls `check(name, inputs, |tape, v| ...)`. As in `gradcheck_ops.rs`,
//! inputs stay away from the points where an op is not differentiable.
//! Third derivatives of a few functions and the Hessians of known functions
//! are checked against closed forms at the end.

mod common;

use common::sample::{away_from_zero, distinct, randn, rng, uniform};
use rand::rngs::StdRng;
use tapegrad::nn::loss::{self, Reduction};
use tapegrad::{GradCheck, Tape, Tensor, Var, check_second_order, grad, hessian};

/// Step of the central differences of the first gradients: truncation error
/// `O(eps²)` ≈ 1e-10, rounding error about `ulp(gradient) / eps` ≈ 1e-11.
const EPS: f64 = 1e-5;
const ABS_TOL: f64 = 1e-7;
const REL_TOL: f64 = 1e-6;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// The second-order check of `f` at `inputs` (`H u` for every input, `J u`
/// for the output weights), asserted to pass, and the agreement of the
/// differentiable first gradients with the fast sweep's.
fn check<F>(name: &str, inputs: &[Tensor<f64>], f: F) -> GradCheck
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape()).collect();
    let report = check_second_order(&Tape::new(), inputs, EPS, &f);
    assert_eq!(report.inputs.len(), inputs.len() + 1, "{name}: one check per input and one for the weights");
    for (i, (input, c)) in inputs.iter().zip(&report.inputs).enumerate() {
        assert_eq!(c.analytic.shape(), input.shape(), "{name}: H u of input {i} has the wrong shape");
    }
    assert!(report.passes(ABS_TOL, REL_TOL), "{name} at input shapes {shapes:?}:\n{report}");
    first_gradients_agree(name, inputs, &f);
    report
}

/// `grad(Σ w ⊙ f(x), x, true)` has the values of `f(x).backward_with(w)`,
/// to rounding.
fn first_gradients_agree<F>(name: &str, inputs: &[Tensor<f64>], f: &F)
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let tape = Tape::new();
    let vars: Vec<Var<'_, f64>> = inputs.iter().map(|x| tape.var(x.clone())).collect();
    let out = f(&tape, &vars);
    let weights = uniform(&out.shape(), 0.5, 1.5, &mut rng(0));
    let fast = out.backward_with(&weights);
    let graph = grad((out * tape.constant(weights)).sum(), &vars, true);
    for (i, (&x, g)) in vars.iter().zip(&graph).enumerate() {
        let (fast, graph) = (fast.wrt(x), g.value());
        assert_eq!(fast.shape(), graph.shape(), "{name}: input {i}: shapes of the two first gradients");
        for (k, (&a, &b)) in fast.data().iter().zip(graph.data()).enumerate() {
            let tolerance = 1e-12 * a.abs().max(b.abs()) + 1e-14;
            assert!((a - b).abs() <= tolerance, "{name}: input {i} element {k}: fast sweep {a:e}, graph {b:e}");
        }
    }
}

/// Shapes every elementwise function is checked on.
const ELEMENTWISE_SHAPES: [&[usize]; 3] = [&[], &[5], &[2, 3, 4]];

/// Checks an elementwise function on every shape of `ELEMENTWISE_SHAPES`,
/// sampling its input with `sample`.
fn check_unary<S, F>(name: &str, seed: u64, mut sample: S, f: F)
where
    S: FnMut(&[usize], &mut StdRng) -> Tensor<f64>,
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let mut rng = rng(seed);
    for shape in ELEMENTWISE_SHAPES {
        check(&format!("{name} of {shape:?}"), &[sample(shape, &mut rng)], &f);
    }
}

fn signed(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    away_from_zero(shape, 0.2, 2.0, rng)
}

fn positive(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    uniform(shape, 0.2, 2.0, rng)
}

// ---------------------------------------------------------------------------
// Elementwise functions (the table of ops/unary.rs), each line
// ---------------------------------------------------------------------------

#[test]
fn exp_ln_sqrt_second_derivatives_match_finite_differences() {
    check_unary("exp", 1, randn, |_, v| v[0].exp());
    check_unary("ln", 2, positive, |_, v| v[0].ln());
    check_unary("sqrt", 3, positive, |_, v| v[0].sqrt());
}

#[test]
fn powf_second_derivative_matches_finite_differences() {
    for (i, p) in [2.0, 3.0, 2.5, 0.5, -1.5].into_iter().enumerate() {
        check_unary(&format!("powf({p})"), 10 + i as u64, positive, move |_, v| v[0].powf(p));
    }
}

#[test]
fn tanh_sigmoid_gelu_second_derivatives_match_finite_differences() {
    check_unary("tanh", 20, |s, r| uniform(s, -3.0, 3.0, r), |_, v| v[0].tanh());
    // Both branches of the stable sigmoid.
    check_unary("sigmoid", 21, |s, r| uniform(s, -6.0, 6.0, r), |_, v| v[0].sigmoid());
    check_unary("gelu", 22, |s, r| uniform(s, -4.0, 4.0, r), |_, v| v[0].gelu());
    check_unary("gelu_tanh", 23, |s, r| uniform(s, -4.0, 4.0, r), |_, v| v[0].gelu_tanh());
    check_unary("erf", 24, |s, r| uniform(s, -3.0, 3.0, r), |_, v| v[0].erf());
}

/// Piecewise-linear functions have a zero second derivative away from their
/// kinks; the check still tests their gradient as a function of the
/// incoming gradient (`J u`). Multiplied by `x`, their derivative shows up
/// in the Hessian too.
#[test]
fn neg_abs_sign_relu_leaky_relu_second_derivatives_match_finite_differences() {
    check_unary("neg", 30, randn, |_, v| -v[0]);
    check_unary("abs", 31, signed, |_, v| v[0].abs());
    check_unary("abs(x) x", 32, signed, |_, v| v[0].abs() * v[0]);
    check_unary("sign(x) x²", 33, signed, |_, v| v[0].sign() * v[0] * v[0]);
    check_unary("relu", 34, signed, |_, v| v[0].relu());
    check_unary("relu(x) x", 35, signed, |_, v| v[0].relu() * v[0]);
    check_unary("leaky_relu(0.1) x", 36, signed, |_, v| v[0].leaky_relu(0.1) * v[0]);
}

#[test]
fn sin_cos_softplus_log1p_expm1_square_rsqrt_second_derivatives_match_finite_differences() {
    check_unary("sin", 25, randn, |_, v| v[0].sin());
    check_unary("cos", 26, randn, |_, v| v[0].cos());
    check_unary("softplus", 27, |s, r| uniform(s, -6.0, 6.0, r), |_, v| v[0].softplus());
    check_unary("softplus above the threshold", 28, |s, r| uniform(s, 21.0, 25.0, r), |_, v| v[0].softplus() * v[0]);
    check_unary("log1p", 29, positive, |_, v| v[0].log1p());
    check_unary("expm1", 37, randn, |_, v| v[0].expm1());
    check_unary("square", 38, randn, |_, v| v[0].square());
    check_unary("rsqrt", 39, positive, |_, v| v[0].rsqrt());
}

/// Piecewise linear: multiplied by `x` so that the mask shows in the Hessian.
#[test]
fn clamp_second_derivatives_match_finite_differences() {
    check_unary("clamp_min(0) x", 46, signed, |_, v| v[0].clamp_min(0.0) * v[0]);
    check_unary("clamp_max(0) x", 47, signed, |_, v| v[0].clamp_max(0.0) * v[0]);
    check_unary("clamp(-1, 1) x", 48, signed, |_, v| v[0].clamp(-1.0, 1.0) * v[0]);
}

#[test]
fn scalar_forms_second_derivatives_match_finite_differences() {
    check_unary("x + 2", 40, randn, |_, v| (v[0] + 2.0) * v[0]);
    check_unary("3 x", 41, randn, |_, v| (v[0] * 3.0) * v[0]);
    check_unary("x / 4", 42, randn, |_, v| (v[0] / 4.0) * v[0]);
    check_unary("2 - x", 43, randn, |_, v| (2.0 - v[0]) * v[0]);
    check_unary("3 / x", 44, signed, |_, v| 3.0 / v[0]);
    check_unary("methods", 45, positive, |_, v| {
        v[0].add_scalar(0.5).mul_scalar(3.0).div_scalar(2.0).rsub_scalar(1.0).rdiv_scalar(2.0)
    });
}

// ---------------------------------------------------------------------------
// + - * / with broadcasting
// ---------------------------------------------------------------------------

/// Pairs of shapes, each tried in both orders: same shape, a bias row, an
/// outer product, a 3-D value with a column, a scalar, and both operands
/// broadcast.
const BROADCAST_PAIRS: [(&[usize], &[usize]); 6] = [
    (&[3, 4], &[3, 4]),
    (&[3, 4], &[4]),
    (&[3, 1], &[1, 4]),
    (&[2, 3, 4], &[3, 1]),
    (&[], &[2, 3]),
    (&[2, 1, 4], &[3, 1]),
];

fn check_binary(name: &str, seed: u64, f: for<'t> fn(Var<'t, f64>, Var<'t, f64>) -> Var<'t, f64>) {
    let mut rng = rng(seed);
    for (a, b) in BROADCAST_PAIRS {
        for (left, right) in [(a, b), (b, a)] {
            // The right operand away from zero: it is the denominator of div.
            let inputs = [randn(left, &mut rng), signed(right, &mut rng)];
            check(&format!("{name} {left:?} with {right:?}"), &inputs, move |_, v| f(v[0], v[1]));
        }
    }
}

#[test]
fn add_sub_mul_div_second_derivatives_match_finite_differences() {
    check_binary("add", 50, |a, b| a + b);
    check_binary("sub", 51, |a, b| a - b);
    check_binary("mul", 52, |a, b| a * b);
    check_binary("div", 53, |a, b| a / b);
}

/// Squared, so the winner's mask meets a nonzero second derivative.
#[test]
fn maximum_minimum_where_second_derivatives_match_finite_differences() {
    check_binary("maximum²", 55, |a, b| a.maximum(b) * a.maximum(b));
    check_binary("minimum * a", 56, |a, b| a.minimum(b) * a);
    let mut rng = rng(57);
    let cond = Tensor::from_vec(vec![0.0, 1.0, 1.0], [3, 1]);
    check("where_cond", &[randn(&[3, 4], &mut rng), randn(&[4], &mut rng)], |tape, v| {
        let y = Var::where_cond(tape.constant(cond.clone()), v[0], v[1]);
        y * y
    });
}

/// The same variable on both sides, and a product that feeds a quotient.
#[test]
fn binary_ops_on_one_variable_second_derivatives_match_finite_differences() {
    let x = signed(&[3, 4], &mut rng(54));
    check("x * x / (x + x)", std::slice::from_ref(&x), |_, v| v[0] * v[0] / (v[0] + v[0]));
    check("(x - x * x) / x", &[x], |_, v| (v[0] - v[0] * v[0]) / v[0]);
}

// ---------------------------------------------------------------------------
// Matrix products and the linear layer
// ---------------------------------------------------------------------------

#[test]
fn matmul_second_derivatives_match_finite_differences() {
    let mut rng = rng(60);
    let pairs: [(&[usize], &[usize]); 10] = [
        (&[3, 4], &[4, 5]),
        (&[1, 3], &[3, 1]),
        (&[2, 3, 4], &[2, 4, 5]),
        (&[2, 3, 4], &[4, 5]),
        (&[3, 4], &[2, 4, 5]),
        // 1-D operands, by NumPy's rules.
        (&[4], &[4]),
        (&[3, 4], &[4]),
        (&[4], &[4, 5]),
        (&[2, 3, 4], &[4]),
        (&[4], &[2, 4, 5]),
    ];
    for (a, b) in pairs {
        let inputs = [randn(a, &mut rng), randn(b, &mut rng)];
        check(&format!("matmul {a:?} x {b:?}"), &inputs, |_, v| v[0].matmul(v[1]));
    }
    check("x.matmul(x)", &[randn(&[4, 4], &mut rng)], |_, v| v[0].matmul(v[0]));
}

#[test]
fn linear_second_derivatives_match_finite_differences_with_and_without_bias() {
    let mut rng = rng(61);
    let cases: [(&[usize], &[usize]); 3] = [(&[4, 3], &[5, 3]), (&[2, 3, 4], &[2, 4]), (&[1, 2], &[1, 2])];
    for (x, w) in cases {
        let inputs = [randn(x, &mut rng), randn(w, &mut rng), randn(&[w[0]], &mut rng)];
        check(&format!("linear {x:?} {w:?}"), &inputs, |_, v| v[0].linear(v[1], Some(v[2])));
        check(&format!("linear without bias {x:?} {w:?}"), &inputs[..2], |_, v| v[0].linear(v[1], None));
        check(&format!("tanh(linear) {x:?} {w:?}"), &inputs, |_, v| v[0].linear(v[1], Some(v[2])).tanh());
    }
}

// ---------------------------------------------------------------------------
// Layout: swap_axes, reshape, broadcast_to, sum_to
// ---------------------------------------------------------------------------

#[test]
fn swap_axes_and_reshape_second_derivatives_match_finite_differences() {
    let mut rng = rng(70);
    for (a, b) in [(0, 1), (0, 2), (-1, -2)] {
        check(&format!("swap_axes({a}, {b})"), &[randn(&[2, 3, 4], &mut rng)], move |_, v| {
            let y = v[0].swap_axes(a, b);
            y * y.tanh()
        });
    }
    check("transpose", &[randn(&[3, 5], &mut rng)], |_, v| v[0].transpose().matmul(v[0]));
    check("reshape", &[randn(&[2, 6], &mut rng)], |_, v| v[0].reshape([3, 4]).exp());
}

#[test]
fn broadcast_to_and_sum_to_second_derivatives_match_finite_differences() {
    let mut rng = rng(71);
    let cases: [(&[usize], &[usize]); 4] =
        [(&[3], &[2, 3]), (&[3, 1], &[3, 4]), (&[], &[2, 2]), (&[2, 1, 4], &[2, 3, 4])];
    for (small, big) in cases {
        check(&format!("broadcast_to {small:?} -> {big:?}"), &[randn(small, &mut rng)], move |_, v| {
            let y = v[0].broadcast_to(big);
            y * y
        });
        check(&format!("sum_to {big:?} -> {small:?}"), &[randn(big, &mut rng)], move |_, v| {
            let y = v[0].sum_to(small);
            y * y
        });
    }
}

// ---------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------

#[test]
fn sum_and_mean_second_derivatives_match_finite_differences() {
    check_unary("sum", 80, randn, |_, v| v[0].sum());
    check_unary("mean", 81, randn, |_, v| v[0].mean());
    check_unary("sum² ", 82, randn, |_, v| v[0].sum() * v[0].sum());
    check_unary("mean(x²)", 83, randn, |_, v| (v[0] * v[0]).mean());
}

/// Every axis of a 3-D value with and without `keepdim`, squared so that
/// the reduction's gradient meets a nonzero second derivative.
fn check_reduce_axis(name: &str, seed: u64, f: for<'t> fn(Var<'t, f64>, isize, bool) -> Var<'t, f64>) {
    let mut rng = rng(seed);
    for axis in [0, 1, -1] {
        for keepdim in [false, true] {
            // Pairwise distinct values: max has no ties.
            let x = distinct(&[2, 3, 4], &mut rng);
            check(&format!("{name}(axis={axis}, keepdim={keepdim})"), &[x], move |_, v| {
                let y = f(v[0], axis, keepdim);
                y * y
            });
        }
    }
}

#[test]
fn sum_axis_mean_axis_max_axis_second_derivatives_match_finite_differences() {
    check_reduce_axis("sum_axis", 84, |x, axis, keepdim| x.sum_axis(axis, keepdim));
    check_reduce_axis("mean_axis", 85, |x, axis, keepdim| x.mean_axis(axis, keepdim));
    check_reduce_axis("max_axis", 86, |x, axis, keepdim| x.max_axis(axis, keepdim));
    check_reduce_axis("min_axis", 89, |x, axis, keepdim| x.min_axis(axis, keepdim));
}

/// The variance's gradient depends on `x` through the lane's mean too: the
/// second derivative `2 (I - 1/n) / (n - c)` is checked with and without
/// the squaring downstream.
#[test]
fn var_axis_and_std_axis_second_derivatives_match_finite_differences() {
    check_reduce_axis("var_axis(correction=1)", 91, |x, axis, keepdim| x.var_axis(axis, 1, keepdim));
    check_reduce_axis("var_axis(correction=0)", 92, |x, axis, keepdim| x.var_axis(axis, 0, keepdim));
    check_reduce_axis("std_axis(correction=1)", 93, |x, axis, keepdim| x.std_axis(axis, 1, keepdim));
    let x = randn(&[3, 5], &mut rng(94));
    check("var_axis alone", &[x], |_, v| v[0].var_axis(-1, 1, false));
}

// ---------------------------------------------------------------------------
// Indexing: index_select, gather (and their adjoints, index_add and
// scatter_add, which the gradient graphs record)
// ---------------------------------------------------------------------------

fn indices(values: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), shape)
}

/// Squared after the pick, so the picked elements' gradients meet a nonzero
/// second derivative; indices repeat, so the adjoint adds.
#[test]
fn index_select_and_gather_second_derivatives_match_finite_differences() {
    let mut rng = rng(87);
    for axis in [0isize, 1, -1] {
        let idx = indices(&[1.0, 0.0, 1.0], &[3]);
        check(&format!("index_select(axis={axis})²"), &[randn(&[2, 3, 4], &mut rng)], move |tape, v| {
            let y = v[0].index_select(axis, tape.constant(idx.clone()));
            y * y
        });
    }
    let idx = indices(&[2.0, 0.0, 2.0, 3.0, 1.0, 1.0], &[3, 2]);
    check("gather(axis=1)²", &[randn(&[3, 4], &mut rng)], move |tape, v| {
        let y = v[0].gather(1, tape.constant(idx.clone()));
        y * y.exp()
    });
    let idx = indices(&[1.0, 1.0, 0.0, 2.0], &[2, 2]);
    check("gather(axis=0) of [3, 2]", &[randn(&[3, 2], &mut rng)], move |tape, v| {
        let y = v[0].gather(0, tape.constant(idx.clone()));
        y * y
    });
}

// ---------------------------------------------------------------------------
// Cutting and joining: cat, stack, slice (and pad, the slice's gradient)
// ---------------------------------------------------------------------------

#[test]
fn cat_stack_slice_second_derivatives_match_finite_differences() {
    let mut rng = rng(88);
    let pieces =
        [randn(&[2, 3], &mut rng), randn(&[1, 3], &mut rng), randn(&[2, 3], &mut rng), randn(&[1, 3], &mut rng)];
    check("cat of four", &pieces, |_, v| {
        let y = Var::cat(v, 0);
        y * y.tanh()
    });
    let same = [randn(&[2, 3], &mut rng), randn(&[2, 3], &mut rng)];
    check("stack(axis=1)", &same, |_, v| {
        let y = Var::stack(v, 1);
        y * y
    });
    check("slice", &[randn(&[3, 4], &mut rng)], |_, v| {
        let y = v[0].slice(&[1..3, 0..3]);
        y * y.exp()
    });
    check("narrow then cat back", &[randn(&[4, 3], &mut rng)], |_, v| {
        let y = Var::cat(&[v[0].narrow(0, 2, 2), v[0].narrow(0, 0, 2)], 0);
        y * v[0]
    });
}

// ---------------------------------------------------------------------------
// Softmax and log-softmax
// ---------------------------------------------------------------------------

#[test]
fn softmax_and_log_softmax_second_derivatives_match_finite_differences() {
    let mut rng = rng(90);
    for (shape, axis) in [(&[2, 3, 4][..], 0), (&[2, 3, 4], 1), (&[2, 3, 4], -1), (&[6], 0)] {
        let x = Tensor::from_fn(shape, {
            let x = randn(shape, &mut rng);
            move |i| 2.0 * x.data()[i]
        });
        check(&format!("softmax(axis={axis}) of {shape:?}"), std::slice::from_ref(&x), move |_, v| v[0].softmax(axis));
        check(&format!("log_softmax(axis={axis}) of {shape:?}"), &[x], move |_, v| v[0].log_softmax(axis));
    }
}

// ---------------------------------------------------------------------------
// The fused losses
// ---------------------------------------------------------------------------

#[test]
fn mse_and_bce_second_derivatives_match_finite_differences_in_both_operands() {
    let mut rng = rng(100);
    let inputs = [randn(&[4, 3], &mut rng), randn(&[4, 3], &mut rng)];
    check("mse_loss", &inputs, |_, v| loss::mse_loss(v[0], v[1]));
    let inputs = [randn(&[6, 1], &mut rng).map(|x| 3.0 * x), uniform(&[6, 1], 0.0, 1.0, &mut rng)];
    check("bce_with_logits", &inputs, |_, v| loss::bce_with_logits(v[0], v[1]));
}

#[test]
fn loss_reductions_second_derivatives_match_finite_differences() {
    let mut rng = rng(104);
    let inputs = [randn(&[4, 3], &mut rng), randn(&[4, 3], &mut rng)];
    for reduction in [Reduction::Sum, Reduction::None] {
        check(&format!("mse_loss {reduction:?}"), &inputs, |_, v| loss::mse_loss_with(v[0], v[1], reduction));
        check(&format!("bce_with_logits {reduction:?}"), &inputs, |_, v| {
            loss::bce_with_logits_with(v[0], v[1], reduction)
        });
        check(&format!("softmax_cross_entropy {reduction:?}"), &inputs[..1], |tape, v| {
            let labels = tape.constant(Tensor::from_vec(vec![0.0, 2.0, 1.0, 1.0], [4]));
            loss::softmax_cross_entropy_with(v[0], labels, reduction)
        });
    }
}

#[test]
fn softmax_cross_entropy_second_derivative_matches_finite_differences() {
    let logits = randn(&[5, 4], &mut rng(101)).map(|x| 2.0 * x);
    check("softmax_cross_entropy", &[logits], |tape, v| {
        let labels = tape.constant(Tensor::from_vec(vec![0.0, 3.0, 1.0, 1.0, 2.0], [5]));
        loss::softmax_cross_entropy(v[0], labels)
    });
}

/// The hinge loss is piecewise linear in the scores; squared, its gradient
/// meets a nonzero second derivative. No `1 - y s` is near 0. (The labels
/// must stay exactly ±1, which the loss checks, so they are not perturbed;
/// their second derivatives are checked against PyTorch's.)
#[test]
fn svm_max_margin_second_derivative_matches_finite_differences_away_from_the_hinge() {
    let scores = Tensor::from_vec(vec![0.3, -2.0, 1.7, -0.4, 2.5, 0.1], [6, 1]);
    let labels = Tensor::from_vec(vec![1.0, -1.0, -1.0, 1.0, 1.0, -1.0], [6, 1]);
    check("svm_max_margin", &[scores], |tape, v| {
        let l = loss::svm_max_margin(v[0], tape.constant(labels.clone()));
        l * l
    });
}

// ---------------------------------------------------------------------------
// Composites
// ---------------------------------------------------------------------------

/// A two-layer network written with `linear`, its weights as inputs: the
/// Hessian of a training loss with respect to the parameters.
#[test]
fn mlp_loss_second_derivatives_match_finite_differences() {
    let mut rng = rng(110);
    let inputs = [randn(&[4, 3], &mut rng), randn(&[5, 3], &mut rng), randn(&[5], &mut rng), randn(&[2, 5], &mut rng)];
    check("mlp", &inputs, |tape, v| {
        let hidden = v[0].linear(v[1], Some(v[2])).gelu();
        let labels = tape.constant(Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], [4]));
        loss::softmax_cross_entropy(hidden.linear(v[3], None), labels)
    });
}

/// `detach` cuts the graph at every order: the first gradient of `d x²`
/// (with `d` a detached copy of `x`) is `2 d x`, its second `2 d`, though
/// finite differences, which move `d` with `x`, would say `6 x`.
#[test]
fn detach_cuts_second_derivatives_too() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![0.5, -1.5, 2.0], [3]));
    let y = (x.detach() * x * x).sum();
    let first = grad(y, &[x], true)[0];
    let second = grad(first.sum(), &[x], false)[0];
    assert_eq!(first.value().data(), &[0.5, 4.5, 8.0]); // 2 d x
    assert_eq!(second.value().data(), &[1.0, -3.0, 4.0]); // 2 d
    first_gradients_agree("detach", &[x.value()], &|_, v| v[0].detach() * v[0] * v[0]);
}

// ---------------------------------------------------------------------------
// Third derivatives, against closed forms
// ---------------------------------------------------------------------------

/// `[f', f'', f''']` of the elementwise `f` at `x`, each by a `grad` of the
/// sum of the previous one (which is elementwise, so the sum separates).
fn three_derivatives(x: &[f64], f: for<'t> fn(Var<'t, f64>) -> Var<'t, f64>) -> [Vec<f64>; 3] {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(x.to_vec(), [x.len()]));
    let d1 = grad(f(x).sum(), &[x], true)[0];
    let d2 = grad(d1.sum(), &[x], true)[0];
    let d3 = grad(d2.sum(), &[x], false)[0];
    [d1, d2, d3].map(|d| d.value().into_vec())
}

fn assert_close(what: &str, actual: &[f64], expected: &[f64]) {
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!((a - e).abs() <= 1e-12 * e.abs().max(1.0), "{what}[{k}]: {a} against {e}");
    }
}

#[test]
fn tanh_third_derivative_is_the_closed_form() {
    let x: [f64; 5] = [-1.5, -0.3, 0.0, 0.8, 2.0];
    let [d1, d2, d3] = three_derivatives(&x, |x| x.tanh());
    let t: Vec<f64> = x.iter().map(|x| x.tanh()).collect();
    assert_close("tanh'", &d1, &t.iter().map(|t| 1.0 - t * t).collect::<Vec<_>>());
    assert_close("tanh''", &d2, &t.iter().map(|t| -2.0 * t * (1.0 - t * t)).collect::<Vec<_>>());
    assert_close("tanh'''", &d3, &t.iter().map(|t| (1.0 - t * t) * (6.0 * t * t - 2.0)).collect::<Vec<_>>());
}

#[test]
fn exp_third_derivative_is_exp() {
    let x: [f64; 4] = [-2.0, 0.0, 0.7, 3.0];
    let e: Vec<f64> = x.iter().map(|x| x.exp()).collect();
    for (order, d) in three_derivatives(&x, |x| x.exp()).iter().enumerate() {
        assert_close(&format!("exp derivative {}", order + 1), d, &e);
    }
}

/// `x² y`: `∂/∂x = 2xy`, `∂²/∂x² = 2y`, `∂³/∂x²∂y = 2`, and every third
/// derivative in `x` alone is 0.
#[test]
fn mul_third_derivatives_are_the_closed_forms() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::scalar(1.5));
    let y = tape.var(Tensor::scalar(-0.5));
    let f = x * x * y;
    let dx = grad(f, &[x], true)[0];
    let dxx = grad(dx, &[x], true)[0];
    let [dxxx, dxxy] = grad(dxx, &[x, y], false)[..] else { panic!("two gradients") };
    assert_eq!((dx.item(), dxx.item(), dxxx.item(), dxxy.item()), (-1.5, -1.0, 0.0, 2.0));
}

// ---------------------------------------------------------------------------
// Hessians of known functions
// ---------------------------------------------------------------------------

#[test]
fn rosenbrock_hessian_at_the_minimum_is_802_400_200() {
    let h = hessian(&Tape::<f64>::new(), &[Tensor::scalar(1.0), Tensor::scalar(1.0)], |_, v| {
        let (x, y) = (v[0], v[1]);
        (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x)
    });
    assert_eq!(h.shape(), &[2, 2]);
    assert_eq!(h.data(), &[802.0, -400.0, -400.0, 200.0]);
}

/// `xᵀ A x` has the Hessian `A + Aᵀ`, everywhere.
#[test]
fn quadratic_form_hessian_is_a_plus_a_transposed() {
    let mut rng = rng(120);
    let a = randn(&[4, 4], &mut rng);
    let x = randn(&[4, 1], &mut rng);
    let h = hessian(&Tape::new(), &[x], |tape, v| v[0].transpose().matmul(tape.constant(a.clone())).matmul(v[0]).sum());
    let expected = Tensor::from_fn([4, 4], |k| a.data()[k] + a.data()[(k % 4) * 4 + k / 4]);
    assert!(h.all_close(&expected, 1e-14, 1e-14), "{h} against {expected}");
}

/// `ln Σ e^x` has the Hessian `diag(p) - p pᵀ` with `p = softmax(x)`.
#[test]
fn log_sum_exp_hessian_is_diag_p_minus_p_p_transposed() {
    let x = randn(&[5], &mut rng(121));
    let h = hessian(&Tape::new(), std::slice::from_ref(&x), |_, v| v[0].exp().sum().ln());
    let total: f64 = x.data().iter().map(|x| x.exp()).sum();
    let p: Vec<f64> = x.data().iter().map(|x| x.exp() / total).collect();
    let expected = Tensor::from_fn([5, 5], |k| if k / 5 == k % 5 { p[k / 5] } else { 0.0 } - p[k / 5] * p[k % 5]);
    assert!(h.all_close(&expected, 1e-14, 1e-15), "{h} against {expected}");
}
