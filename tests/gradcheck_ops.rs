//! Gradient checks for every op on `Var`: the tape's gradients against
//! central finite differences (`tapegrad::check_gradients`, `f64`).
//!
//! Each test reads like an example: it samples inputs from a seeded RNG and
//! calls `check(name, inputs, |tape, v| ...)`. Inputs are chosen away from
//! the points where an op is not differentiable (kinks of `abs`/`relu`, ties
//! of `max_axis`, zeros of denominators, non-positive arguments of `ln`,
//! `sqrt` and fractional powers).

mod common;

use common::sample::{away_from_zero, distinct, randn, rng, uniform};
use rand::rngs::StdRng;
use tapegrad::{GradCheck, Tape, Tensor, Var, check_gradients};

/// Step of the central differences. Truncation error is `O(eps²)` ≈ 1e-12;
/// rounding error is about `ulp(loss) / eps` ≈ 1e-10 for losses of order 1.
const EPS: f64 = 1e-6;
/// Default tolerances: an element passes if it is within `ABS_TOL`
/// absolutely or `REL_TOL` relatively.
const ABS_TOL: f64 = 1e-7;
const REL_TOL: f64 = 1e-6;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Runs the gradient check of `f` at `inputs`, asserts that it passes the
/// default tolerances and that each gradient has its input's shape, and
/// returns the report.
fn check<F>(name: &str, inputs: &[Tensor<f64>], f: F) -> GradCheck
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape()).collect();
    let report = check_gradients(&Tape::new(), inputs, EPS, f);
    assert_eq!(report.inputs.len(), inputs.len(), "{name}: one check per input");
    for (i, (input, c)) in inputs.iter().zip(&report.inputs).enumerate() {
        assert_eq!(c.analytic.shape(), input.shape(), "{name}: gradient of input {i} has the wrong shape");
        assert_eq!(c.numeric.shape(), input.shape(), "{name}: numeric gradient of input {i} has the wrong shape");
        assert!(c.analytic.data().iter().all(|g| g.is_finite()), "{name}: non-finite gradient of input {i}");
    }
    assert!(report.passes(ABS_TOL, REL_TOL), "{name} at input shapes {shapes:?}:\n{report}");
    report
}

/// Shapes every elementwise op is checked on: a scalar, a vector, a matrix
/// and a 3-D value.
const ELEMENTWISE_SHAPES: [&[usize]; 4] = [&[], &[5], &[3, 4], &[2, 3, 4]];

/// Checks a unary op on every shape of `ELEMENTWISE_SHAPES`, sampling its
/// input with `sample`.
fn check_unary<S, F>(name: &str, seed: u64, mut sample: S, f: F)
where
    S: FnMut(&[usize], &mut StdRng) -> Tensor<f64>,
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let mut rng = rng(seed);
    for shape in ELEMENTWISE_SHAPES {
        let x = sample(shape, &mut rng);
        check(name, &[x], &f);
    }
}

/// Every pair of shapes the binary ops are checked on, each tried in both
/// orders by [`check_binary`].
const BROADCAST_PAIRS: [(&[usize], &[usize]); 14] = [
    (&[3, 4], &[3, 4]),
    (&[3, 4], &[4]),
    (&[3, 1], &[1, 4]),
    (&[2, 3, 4], &[3, 1]),
    (&[], &[2, 3]),
    (&[], &[]),
    (&[1], &[5]),
    (&[2, 1, 4], &[3, 1]),
    (&[2, 3, 4], &[4]),
    (&[2, 3, 4], &[2, 1, 1]),
    // Both operands broadcast along the last axis, or neither has extent > 1 there.
    (&[2, 1, 1], &[3, 1]),
    (&[3, 1], &[1]),
    // Rows longer than 8 (vectorised inner loops) and more than four axes.
    (&[3, 19], &[19]),
    (&[2, 1, 3, 1, 2], &[5, 3, 4, 1]),
];

/// Checks a binary op on every pair of `BROADCAST_PAIRS`, in both orders. The
/// right operand is sampled away from zero (it is the denominator of `div`).
fn check_binary<F>(name: &str, seed: u64, f: F)
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let mut rng = rng(seed);
    for (a, b) in BROADCAST_PAIRS {
        for (left, right) in [(a, b), (b, a)] {
            let x = randn(left, &mut rng);
            let y = away_from_zero(right, 0.5, 2.0, &mut rng);
            check(&format!("{name} {left:?} with {right:?}"), &[x, y], &f);
        }
    }
}

// ---------------------------------------------------------------------------
// Binary ops, Var with Var, with broadcasting
// ---------------------------------------------------------------------------

#[test]
fn add_gradient_matches_finite_differences() {
    check_binary("add", 1, |_, v| v[0] + v[1]);
}

#[test]
fn sub_gradient_matches_finite_differences() {
    check_binary("sub", 2, |_, v| v[0] - v[1]);
}

#[test]
fn mul_gradient_matches_finite_differences() {
    check_binary("mul", 3, |_, v| v[0] * v[1]);
}

#[test]
fn div_gradient_matches_finite_differences() {
    check_binary("div", 4, |_, v| v[0] / v[1]);
}

/// Random operands never tie; ties are checked against PyTorch's
/// convention (half each) in `pytorch_ops.rs` and below.
#[test]
fn maximum_gradient_matches_finite_differences() {
    check_binary("maximum", 6, |_, v| v[0].maximum(v[1]));
}

#[test]
fn minimum_gradient_matches_finite_differences() {
    check_binary("minimum", 7, |_, v| v[0].minimum(v[1]));
}

#[test]
fn maximum_and_minimum_split_the_gradient_at_a_tie() {
    let tape = Tape::<f64>::new();
    let a = tape.var(Tensor::from_vec(vec![1.0, 2.0, 3.0], [3]));
    let b = tape.var(Tensor::scalar(2.0));
    let grads = (a.maximum(b) + a.minimum(b) * 3.0).sum().backward();
    assert_eq!(grads.wrt(a).data(), &[3.0, 2.0, 1.0]);
    assert_eq!(grads.wrt(b).item(), 1.0 + 2.0 + 3.0);
}

/// The condition broadcasts against both operands, which broadcast against
/// each other; each operand's gradient is summed back to its shape.
#[test]
fn where_cond_gradient_matches_finite_differences() {
    let mut rng = rng(8);
    let cond = Tensor::from_vec(vec![1.0, 0.0, 1.0], [3, 1]);
    let inputs = [randn(&[3, 4], &mut rng), randn(&[4], &mut rng)];
    check("where_cond([3, 1], [3, 4], [4])", &inputs, |tape, v| {
        Var::where_cond(tape.constant(cond.clone()), v[0], v[1]).tanh()
    });
    let mask = Tensor::from_vec(vec![0.0, 1.0, 0.0, 0.0, 1.0, 1.0], [2, 3]);
    check("masked_fill", &[randn(&[2, 3], &mut rng)], |tape, v| {
        v[0].masked_fill(tape.constant(mask.clone()), -1.0).exp()
    });
}

/// Broadcasting an operand against a var that is itself the result of a
/// broadcast, with a constant in the graph: the constant gets no gradient and
/// the vars get theirs with their own shapes.
#[test]
fn broadcast_chain_with_constant_gradient_matches_finite_differences() {
    let mut rng = rng(5);
    let c = away_from_zero(&[3, 1], 0.5, 2.0, &mut rng);
    let inputs = [randn(&[2, 3, 4], &mut rng), randn(&[4], &mut rng), away_from_zero(&[1, 4], 0.5, 2.0, &mut rng)];
    check("broadcast chain", &inputs, |tape, v| {
        let c = tape.constant(c.clone());
        ((v[0] * c + v[1]) / v[2] - c) * v[1]
    });
}

// ---------------------------------------------------------------------------
// Scalar forms, on both sides
// ---------------------------------------------------------------------------

#[test]
fn add_scalar_gradient_matches_finite_differences() {
    check_unary("x + 2.0", 10, randn, |_, v| v[0] + 2.0);
}

#[test]
fn scalar_add_gradient_matches_finite_differences() {
    check_unary("2.0 + x", 11, randn, |_, v| 2.0 + v[0]);
}

#[test]
fn sub_scalar_gradient_matches_finite_differences() {
    check_unary("x - 1.5", 12, randn, |_, v| v[0] - 1.5);
}

#[test]
fn scalar_sub_gradient_matches_finite_differences() {
    check_unary("2.0 - x", 13, randn, |_, v| 2.0 - v[0]);
}

#[test]
fn mul_scalar_gradient_matches_finite_differences() {
    check_unary("x * 3.0", 14, randn, |_, v| v[0] * 3.0);
}

#[test]
fn scalar_mul_gradient_matches_finite_differences() {
    check_unary("3.0 * x", 15, randn, |_, v| 3.0 * v[0]);
}

#[test]
fn div_scalar_gradient_matches_finite_differences() {
    check_unary("x / 4.0", 16, randn, |_, v| v[0] / 4.0);
}

#[test]
fn scalar_div_gradient_matches_finite_differences() {
    check_unary("3.0 / x", 17, |s, r| away_from_zero(s, 0.5, 2.0, r), |_, v| 3.0 / v[0]);
}

/// Scalar forms combined in one expression, each operand reused.
#[test]
fn mixed_scalar_forms_gradient_matches_finite_differences() {
    check_unary(
        "mixed scalar forms",
        18,
        |s, r| away_from_zero(s, 0.5, 2.0, r),
        |_, v| (2.0 - v[0] * 3.0) / 4.0 + 3.0 / v[0] - (v[0] + 2.0) * 0.5 - 1.5,
    );
}

// ---------------------------------------------------------------------------
// Unary ops
// ---------------------------------------------------------------------------

#[test]
fn neg_gradient_matches_finite_differences() {
    check_unary("neg", 20, randn, |_, v| -v[0]);
}

#[test]
fn exp_gradient_matches_finite_differences() {
    check_unary("exp", 21, randn, |_, v| v[0].exp());
}

#[test]
fn ln_gradient_matches_finite_differences() {
    check_unary("ln", 22, |s, r| uniform(s, 0.1, 3.0, r), |_, v| v[0].ln());
}

#[test]
fn sqrt_gradient_matches_finite_differences() {
    check_unary("sqrt", 23, |s, r| uniform(s, 0.1, 3.0, r), |_, v| v[0].sqrt());
}

#[test]
fn powf_gradient_matches_finite_differences() {
    // Non-integer and negative exponents need positive inputs.
    for (i, p) in [2.5, 0.5, -1.5, 1.0 / 3.0].into_iter().enumerate() {
        check_unary(&format!("powf({p})"), 24 + i as u64, |s, r| uniform(s, 0.2, 2.0, r), move |_, v| v[0].powf(p));
    }
    // Integer exponents are defined for negative inputs too.
    for (i, p) in [2.0, 3.0, -2.0].into_iter().enumerate() {
        check_unary(
            &format!("powf({p}) on signed inputs"),
            30 + i as u64,
            |s, r| away_from_zero(s, 0.3, 2.0, r),
            move |_, v| v[0].powf(p),
        );
    }
}

#[test]
fn abs_gradient_matches_finite_differences() {
    check_unary("abs", 40, |s, r| away_from_zero(s, 0.1, 2.0, r), |_, v| v[0].abs());
}

#[test]
fn tanh_gradient_matches_finite_differences() {
    check_unary("tanh", 41, |s, r| uniform(s, -3.0, 3.0, r), |_, v| v[0].tanh());
}

#[test]
fn sigmoid_gradient_matches_finite_differences() {
    // Wide range: both branches of the stable sigmoid (x >= 0 and x < 0).
    check_unary("sigmoid", 42, |s, r| uniform(s, -6.0, 6.0, r), |_, v| v[0].sigmoid());
}

#[test]
fn relu_gradient_matches_finite_differences() {
    check_unary("relu", 43, |s, r| away_from_zero(s, 0.1, 2.0, r), |_, v| v[0].relu());
}

#[test]
fn leaky_relu_gradient_matches_finite_differences() {
    for (i, slope) in [0.01, 0.2, -0.5].into_iter().enumerate() {
        check_unary(
            &format!("leaky_relu({slope})"),
            44 + i as u64,
            |s, r| away_from_zero(s, 0.1, 2.0, r),
            move |_, v| v[0].leaky_relu(slope),
        );
    }
}

#[test]
fn gelu_gradient_matches_finite_differences() {
    check_unary("gelu", 48, |s, r| uniform(s, -4.0, 4.0, r), |_, v| v[0].gelu());
    check_unary("gelu_tanh", 49, |s, r| uniform(s, -4.0, 4.0, r), |_, v| v[0].gelu_tanh());
}

#[test]
fn erf_and_sign_gradients_match_finite_differences() {
    check_unary("erf", 50, |s, r| uniform(s, -3.0, 3.0, r), |_, v| v[0].erf());
    check_unary("sign", 51, |s, r| away_from_zero(s, 0.1, 2.0, r), |_, v| v[0].sign() * v[0]);
}

#[test]
fn sin_cos_gradients_match_finite_differences() {
    check_unary("sin", 52, |s, r| uniform(s, -4.0, 4.0, r), |_, v| v[0].sin());
    check_unary("cos", 53, |s, r| uniform(s, -4.0, 4.0, r), |_, v| v[0].cos());
}

/// Both sides of softplus's threshold (20), away from it.
#[test]
fn softplus_gradient_matches_finite_differences() {
    check_unary("softplus", 54, |s, r| uniform(s, -8.0, 8.0, r), |_, v| v[0].softplus());
    check_unary("softplus above the threshold", 55, |s, r| uniform(s, 20.5, 30.0, r), |_, v| v[0].softplus());
}

#[test]
fn log1p_expm1_square_rsqrt_gradients_match_finite_differences() {
    check_unary("log1p", 56, |s, r| uniform(s, -0.7, 3.0, r), |_, v| v[0].log1p());
    check_unary("expm1", 57, randn, |_, v| v[0].expm1());
    check_unary("square", 58, randn, |_, v| v[0].square());
    check_unary("rsqrt", 59, |s, r| uniform(s, 0.2, 3.0, r), |_, v| v[0].rsqrt());
}

/// Inputs on both sides of each bound, none within a step of it.
#[test]
fn clamp_gradients_match_finite_differences() {
    check_unary("clamp_min(0)", 60, |s, r| away_from_zero(s, 0.1, 2.0, r), |_, v| v[0].clamp_min(0.0));
    check_unary("clamp_max(0)", 61, |s, r| away_from_zero(s, 0.1, 2.0, r), |_, v| v[0].clamp_max(0.0));
    check_unary("clamp(-1, 1)", 62, |s, r| away_from_zero(s, 0.1, 3.0, r), |_, v| v[0].clamp(-1.0, 1.0));
}

// ---------------------------------------------------------------------------
// Matrix products
// ---------------------------------------------------------------------------

/// Checks `a.matmul(b)` for random `a` of shape `a` and `b` of shape `b`.
fn check_matmul(seed: u64, pairs: &[(&[usize], &[usize])]) {
    let mut rng = rng(seed);
    for &(a, b) in pairs {
        let inputs = [randn(a, &mut rng), randn(b, &mut rng)];
        check(&format!("matmul {a:?} x {b:?}"), &inputs, |_, v| v[0].matmul(v[1]));
    }
}

#[test]
fn matmul_2d_gradient_matches_finite_differences() {
    check_matmul(
        50,
        &[(&[3, 4], &[4, 5]), (&[1, 3], &[3, 1]), (&[5, 1], &[1, 6]), (&[4, 7], &[7, 2]), (&[1, 1], &[1, 1])],
    );
    // Large enough for the GEMM kernel's blocked paths.
    check_matmul(55, &[(&[9, 17], &[17, 13])]);
}

#[test]
fn matmul_batched_3d_gradient_matches_finite_differences() {
    check_matmul(51, &[(&[2, 3, 4], &[2, 4, 5]), (&[1, 3, 2], &[1, 2, 3]), (&[3, 1, 4], &[3, 4, 1])]);
}

#[test]
fn matmul_3d_by_2d_gradient_matches_finite_differences() {
    check_matmul(52, &[(&[2, 3, 4], &[4, 5]), (&[3, 1, 2], &[2, 4]), (&[4, 2, 3], &[3, 1]), (&[2, 9, 11], &[11, 10])]);
}

#[test]
fn matmul_2d_by_3d_gradient_matches_finite_differences() {
    check_matmul(53, &[(&[3, 4], &[2, 4, 5]), (&[1, 2], &[3, 2, 4]), (&[2, 3], &[4, 3, 1])]);
}

#[test]
fn matmul_with_vectors_gradient_matches_finite_differences() {
    check_matmul(
        57,
        &[(&[4], &[4]), (&[3, 4], &[4]), (&[4], &[4, 5]), (&[2, 3, 4], &[4]), (&[4], &[2, 4, 5]), (&[1], &[1])],
    );
}

#[test]
fn matmul_with_vectors_has_numpy_shapes() {
    let tape = Tape::<f64>::new();
    let shape = |a: &[usize], b: &[usize]| {
        let (a, b) = (tape.var(Tensor::zeros(a)), tape.var(Tensor::zeros(b)));
        a.matmul(b).shape().to_vec()
    };
    assert_eq!(shape(&[4], &[4]), Vec::<usize>::new());
    assert_eq!(shape(&[3, 4], &[4]), [3]);
    assert_eq!(shape(&[4], &[4, 5]), [5]);
    assert_eq!(shape(&[2, 3, 4], &[4]), [2, 3]);
    assert_eq!(shape(&[4], &[2, 4, 5]), [2, 5]);
    let v = Tensor::from_vec(vec![1.0, 2.0, 3.0], [3]);
    assert_eq!(v.matmul(&v).item(), 14.0);
}

#[test]
fn linear_gradient_matches_finite_differences_for_input_weight_and_bias() {
    let mut rng = rng(56);
    // (input, weight [out, in]): 2-D and 3-D inputs, one output, one input.
    let cases: [(&[usize], &[usize]); 5] =
        [(&[4, 3], &[5, 3]), (&[1, 2], &[1, 2]), (&[2, 3, 4], &[2, 4]), (&[6, 1], &[3, 1]), (&[9, 17], &[13, 17])];
    for (x_shape, w_shape) in cases {
        let bias_shape = [w_shape[0]];
        let inputs = [randn(x_shape, &mut rng), randn(w_shape, &mut rng), randn(&bias_shape, &mut rng)];
        check(&format!("linear {x_shape:?} {w_shape:?}"), &inputs, |_, v| v[0].linear(v[1], Some(v[2])));
        check(&format!("linear without bias {x_shape:?} {w_shape:?}"), &inputs[..2], |_, v| v[0].linear(v[1], None));
    }
}

/// A product of a value with itself (both operands are the same node) and
/// with its own transpose.
#[test]
fn matmul_same_var_gradient_matches_finite_differences() {
    let mut rng = rng(54);
    check("x.matmul(x)", &[randn(&[4, 4], &mut rng)], |_, v| v[0].matmul(v[0]));
    check("x.matmul(xᵀ)", &[randn(&[3, 5], &mut rng)], |_, v| v[0].matmul(v[0].transpose()));
    check("batched x.matmul(xᵀ)", &[randn(&[2, 3, 4], &mut rng)], |_, v| v[0].matmul(v[0].transpose()));
}

// ---------------------------------------------------------------------------
// Layout: transpose, swap_axes, reshape
// ---------------------------------------------------------------------------

#[test]
fn transpose_gradient_matches_finite_differences() {
    let mut rng = rng(60);
    for shape in [&[3, 4][..], &[1, 5], &[5, 1], &[2, 3, 4], &[2, 2, 3, 2]] {
        check("transpose", &[randn(shape, &mut rng)], |_, v| v[0].transpose());
    }
}

#[test]
fn swap_axes_gradient_matches_finite_differences() {
    let mut rng = rng(61);
    for (axis0, axis1) in [(0, 1), (0, 2), (1, 2), (2, 0), (-1, 0), (-3, -2), (1, 1)] {
        let x = randn(&[2, 3, 4], &mut rng);
        check(&format!("swap_axes({axis0}, {axis1})"), &[x], move |_, v| v[0].swap_axes(axis0, axis1));
    }
}

#[test]
fn reshape_gradient_matches_finite_differences() {
    let mut rng = rng(62);
    let cases: [(&[usize], &[usize]); 5] =
        [(&[2, 3, 4], &[6, 4]), (&[2, 3, 4], &[24]), (&[2, 3, 4], &[4, 3, 2]), (&[], &[1, 1]), (&[6], &[2, 1, 3])];
    for (from, to) in cases {
        check(&format!("reshape {from:?} into {to:?}"), &[randn(from, &mut rng)], move |_, v| v[0].reshape(to));
    }
}

// ---------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------

#[test]
fn sum_gradient_matches_finite_differences() {
    check_unary("sum", 70, randn, |_, v| v[0].sum());
}

#[test]
fn mean_gradient_matches_finite_differences() {
    check_unary("mean", 71, randn, |_, v| v[0].mean());
}

/// Every axis of a 3-D value (positive and negative), with and without
/// `keepdim`, and the axes of a 2-D and a 1-D value.
const REDUCE_CASES: [(&[usize], isize); 13] = [
    (&[2, 3, 4], 0),
    (&[2, 3, 4], 1),
    (&[2, 3, 4], 2),
    (&[2, 3, 4], -1),
    (&[2, 3, 4], -2),
    (&[2, 3, 4], -3),
    (&[3, 5], 0),
    (&[3, 5], 1),
    (&[3, 5], -1),
    (&[6], 0),
    (&[4, 1, 3], 1),
    // Lanes longer than 8 (the summation kernel's unrolled path).
    (&[3, 21], 1),
    (&[21, 3], 0),
];

/// Checks a reduction along an axis on every case of `REDUCE_CASES`, with
/// and without `keepdim`; inputs are pairwise distinct.
fn check_reduce_axis(name: &str, seed: u64, f: for<'t> fn(Var<'t, f64>, isize, bool) -> Var<'t, f64>) {
    let mut rng = rng(seed);
    for (shape, axis) in REDUCE_CASES {
        for keepdim in [false, true] {
            let x = distinct(shape, &mut rng);
            check(&format!("{name}(axis={axis}, keepdim={keepdim}) of {shape:?}"), &[x], move |_, v| {
                f(v[0], axis, keepdim)
            });
        }
    }
}

#[test]
fn sum_axis_gradient_matches_finite_differences() {
    check_reduce_axis("sum_axis", 72, |x, axis, keepdim| x.sum_axis(axis, keepdim));
}

#[test]
fn mean_axis_gradient_matches_finite_differences() {
    check_reduce_axis("mean_axis", 73, |x, axis, keepdim| x.mean_axis(axis, keepdim));
}

#[test]
fn max_axis_gradient_matches_finite_differences() {
    check_reduce_axis("max_axis", 74, |x, axis, keepdim| x.max_axis(axis, keepdim));
}

#[test]
fn min_axis_gradient_matches_finite_differences() {
    check_reduce_axis("min_axis", 76, |x, axis, keepdim| x.min_axis(axis, keepdim));
}

/// `var_axis` (or with `std`, `std_axis`) on every case of `REDUCE_CASES`
/// whose axis has more entries than `correction` (fewer give a division by
/// zero, as in PyTorch).
fn check_var_axis(correction: usize, std: bool, seed: u64) {
    let mut rng = rng(seed);
    for (shape, axis) in REDUCE_CASES {
        let extent = shape[axis.rem_euclid(shape.len() as isize) as usize];
        if extent <= correction {
            continue;
        }
        for keepdim in [false, true] {
            let x = distinct(shape, &mut rng);
            let name = if std { "std_axis" } else { "var_axis" };
            check(
                &format!("{name}(axis={axis}, correction={correction}, keepdim={keepdim}) of {shape:?}"),
                &[x],
                move |_, v| {
                    if std {
                        v[0].std_axis(axis, correction, keepdim)
                    } else {
                        v[0].var_axis(axis, correction, keepdim)
                    }
                },
            );
        }
    }
}

#[test]
fn var_axis_gradient_matches_finite_differences_for_every_correction() {
    for correction in [0, 1, 2] {
        check_var_axis(correction, false, 77 + correction as u64);
    }
}

#[test]
fn std_axis_gradient_matches_finite_differences() {
    // `distinct` values: no lane is constant, so no standard deviation is 0.
    check_var_axis(1, true, 80);
}

/// The reduced value is used again downstream (broadcast back against the
/// input), as in a numerically stable softmax written by hand.
#[test]
fn max_axis_keepdim_broadcast_back_gradient_matches_finite_differences() {
    let mut rng = rng(75);
    let x = distinct(&[2, 3, 4], &mut rng);
    check("x - x.max_axis(1, true)", &[x], |_, v| (v[0] - v[0].max_axis(1, true)).exp());
}

// ---------------------------------------------------------------------------
// Softmax and log-softmax
// ---------------------------------------------------------------------------

/// Every axis of a 3-D value (including the non-last ones), positive and
/// negative, and the axes of a 2-D and a 1-D value.
const SOFTMAX_CASES: [(&[usize], isize); 11] = [
    (&[2, 3, 4], 0),
    (&[2, 3, 4], 1),
    (&[2, 3, 4], 2),
    (&[2, 3, 4], -1),
    (&[2, 3, 4], -2),
    (&[2, 3, 4], -3),
    (&[3, 5], 0),
    (&[3, 5], 1),
    (&[6], 0),
    (&[4, 1, 3], 1),
    (&[2, 17], -1),
];

fn check_softmax(name: &str, seed: u64, f: for<'t> fn(Var<'t, f64>, isize) -> Var<'t, f64>) {
    let mut rng = rng(seed);
    for (shape, axis) in SOFTMAX_CASES {
        // Scaled to spread the probabilities well away from uniform.
        let x = Tensor::from_fn(shape, {
            let x = randn(shape, &mut rng);
            move |i| 2.0 * x.data()[i]
        });
        check(&format!("{name}(axis={axis}) of {shape:?}"), &[x], move |_, v| f(v[0], axis));
    }
}

#[test]
fn softmax_gradient_matches_finite_differences() {
    check_softmax("softmax", 80, |x, axis| x.softmax(axis));
}

#[test]
fn log_softmax_gradient_matches_finite_differences() {
    check_softmax("log_softmax", 81, |x, axis| x.log_softmax(axis));
}

/// Large logits: the stable forms must still produce correct gradients.
#[test]
fn softmax_and_log_softmax_large_logits_gradient_matches_finite_differences() {
    let mut rng = rng(82);
    let x = uniform(&[3, 4], 50.0, 60.0, &mut rng);
    check("softmax of large logits", std::slice::from_ref(&x), |_, v| v[0].softmax(-1));
    check("log_softmax of large logits", &[x], |_, v| v[0].log_softmax(-1));
}

// ---------------------------------------------------------------------------
// Indexing: index_select and gather (indices are constants of whole numbers)
// ---------------------------------------------------------------------------

/// `(input shape, axis, indices, shape of the indices)`.
type IndexCase = (&'static [usize], isize, &'static [usize], &'static [usize]);

/// A constant index tensor of `shape` holding `values`.
fn indices(values: &[usize], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(values.iter().map(|&i| i as f64).collect(), shape)
}

/// Every axis of a 3-D value, an index picked twice (its gradient is the sum
/// of both), an index left out (its gradient is zero), and a 0-D index.
#[test]
fn index_select_gradient_matches_finite_differences() {
    let mut rng = rng(110);
    let cases: [IndexCase; 6] = [
        (&[4, 3], 0, &[2, 0, 2], &[3]),
        (&[4, 3], 1, &[1, 1, 0, 2, 1], &[5]),
        (&[2, 3, 4], 1, &[2, 0], &[2]),
        (&[2, 3, 4], -1, &[3, 3, 0], &[3]),
        (&[2, 3, 4], 0, &[1], &[]),
        (&[5], 0, &[4, 0, 4, 2], &[4]),
    ];
    for (shape, axis, picked, index_shape) in cases {
        let idx = indices(picked, index_shape);
        let x = randn(shape, &mut rng);
        check(&format!("index_select(axis={axis}, {picked:?}) of {shape:?}"), &[x], move |tape, v| {
            v[0].index_select(axis, tape.constant(idx.clone()))
        });
    }
}

#[test]
fn gather_gradient_matches_finite_differences() {
    let mut rng = rng(111);
    let cases: [IndexCase; 5] = [
        // Each row's element at its label, as a loss picks it.
        (&[3, 4], 1, &[2, 0, 3], &[3, 1]),
        (&[3, 4], 0, &[2, 0, 1, 1, 2, 2, 0, 0], &[2, 4]),
        // Indices smaller than x along another axis, repeated indices.
        (&[2, 3, 4], 2, &[1, 1, 0, 3, 2, 2, 3, 0, 1, 0, 0, 0], &[2, 2, 3]),
        (&[2, 3, 4], -2, &[2, 2, 0, 1, 0, 1, 2, 2], &[2, 1, 4]),
        (&[5], 0, &[4, 4, 0], &[3]),
    ];
    for (shape, axis, picked, index_shape) in cases {
        let idx = indices(picked, index_shape);
        let x = randn(shape, &mut rng);
        check(&format!("gather(axis={axis}) of {shape:?} at {index_shape:?}"), &[x], move |tape, v| {
            v[0].gather(axis, tape.constant(idx.clone()))
        });
    }
}

/// Indices recorded as a variable get a zero gradient, as labels do (the
/// index is a step function of its value), and `x`'s gradient is the same.
#[test]
fn index_ops_give_the_indices_no_gradient() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![1.0, 2.0, 3.0], [3]));
    let idx = tape.var(Tensor::from_vec(vec![2.0, 2.0], [2]));
    let grads = (x.index_select(0, idx) + x.gather(0, idx)).sum().backward();
    assert_eq!(grads.wrt(x).data(), &[0.0, 0.0, 4.0]);
    assert_eq!(grads.wrt(idx).data(), &[0.0, 0.0]);
}

// ---------------------------------------------------------------------------
// Cutting and joining: cat, stack, narrow, slice, split, chunk
// ---------------------------------------------------------------------------

/// Two to five pieces (more than three inputs take the tape's other path)
/// along every axis, each piece weighted differently downstream.
#[test]
fn cat_gradient_matches_finite_differences() {
    let mut rng = rng(120);
    let cases: [(&[&[usize]], isize); 5] = [
        (&[&[2, 3], &[1, 3]], 0),
        (&[&[2, 1], &[2, 3], &[2, 2]], 1),
        (&[&[2, 1, 4], &[2, 3, 4], &[2, 2, 4], &[2, 1, 4], &[2, 1, 4]], -2),
        (&[&[3], &[2], &[1], &[4]], 0),
        (&[&[2, 3, 1], &[2, 3, 2]], 2),
    ];
    for (shapes, axis) in cases {
        let inputs: Vec<Tensor<f64>> = shapes.iter().map(|s| randn(s, &mut rng)).collect();
        check(&format!("cat(axis={axis}) of {shapes:?}"), &inputs, move |_, v| {
            let joined = Var::cat(v, axis);
            joined * joined.tanh()
        });
    }
}

#[test]
fn stack_gradient_matches_finite_differences() {
    let mut rng = rng(121);
    for axis in [0isize, 1, 2, -1] {
        let inputs: Vec<Tensor<f64>> = (0..4).map(|_| randn(&[2, 3], &mut rng)).collect();
        check(&format!("stack(axis={axis}) of four [2, 3]"), &inputs, move |_, v| {
            let stacked = Var::stack(v, axis);
            stacked * stacked.exp()
        });
    }
}

#[test]
fn narrow_and_slice_gradients_match_finite_differences() {
    let mut rng = rng(122);
    let x = randn(&[3, 4, 5], &mut rng);
    for (axis, start, len) in [(0isize, 1, 2), (1, 0, 4), (-1, 2, 3), (2, 4, 1), (1, 2, 0)] {
        check(&format!("narrow({axis}, {start}, {len})"), std::slice::from_ref(&x), move |_, v| {
            v[0].narrow(axis, start, len).exp()
        });
    }
    check("slice(1..3, 0..2, 1..4)", std::slice::from_ref(&x), |_, v| v[0].slice(&[1..3, 0..2, 1..4]).exp());
    #[allow(clippy::single_range_in_vec_init)] // one range: the leading axis only
    check("slice(0..2) of leading axis only", std::slice::from_ref(&x), |_, v| v[0].slice(&[0..2]).tanh());
    check("overlapping slices", &[x], |_, v| v[0].slice(&[0..2, 1..3]) * v[0].slice(&[1..3, 2..4]));
}

/// The pieces of `split` and `chunk` joined back in another order: every
/// element of the input reaches the output once.
#[test]
fn split_and_chunk_gradients_match_finite_differences() {
    let mut rng = rng(123);
    let x = randn(&[5, 3], &mut rng);
    check("split(2)", std::slice::from_ref(&x), |_, v| {
        let pieces = v[0].split(2, 0);
        Var::cat(&[pieces[2], pieces[0], pieces[1]], 0).exp() * pieces[0].sum()
    });
    check("split_sizes([1, 2])", std::slice::from_ref(&x), |_, v| {
        let pieces = v[0].split_sizes(&[1, 2], 1);
        pieces[0] * pieces[1].sum_axis(1, true)
    });
    check("chunk(3)", &[x], |_, v| {
        let pieces = v[0].chunk(3, 0);
        assert_eq!(pieces.len(), 3);
        Var::cat(&[pieces[1], pieces[0], pieces[2]], 0).tanh()
    });
}

// ---------------------------------------------------------------------------
// Graph structure: reuse, the same var on both sides, long chains
// ---------------------------------------------------------------------------

#[test]
fn reused_value_gradient_matches_finite_differences() {
    let mut rng = rng(90);
    for shape in ELEMENTWISE_SHAPES {
        let x = randn(shape, &mut rng);
        check("x*x + x.exp()*x", std::slice::from_ref(&x), |_, v| v[0] * v[0] + v[0].exp() * v[0]);
        check("y = tanh(x); y*y + y", &[x], |_, v| {
            let y = v[0].tanh();
            y * y + y
        });
    }
}

#[test]
fn same_var_on_both_sides_gradient_matches_finite_differences() {
    let mut rng = rng(91);
    for shape in ELEMENTWISE_SHAPES {
        // Away from zero: `x / x` divides by x.
        let x = away_from_zero(shape, 0.5, 2.0, &mut rng);
        check("x + x", std::slice::from_ref(&x), |_, v| v[0] + v[0]);
        check("x - x", std::slice::from_ref(&x), |_, v| v[0] - v[0]);
        check("x * x", std::slice::from_ref(&x), |_, v| v[0] * v[0]);
        check("x / x", std::slice::from_ref(&x), |_, v| v[0] / v[0]);
        check("(x * x) / x + x * (x - x)", &[x], |_, v| (v[0] * v[0]) / v[0] + v[0] * (v[0] - v[0]));
    }
}

/// A chain of 50 ops: ten times sigmoid, `* 4.0`, `- 2.0`, tanh and a product
/// with a second (broadcast) var, checked end to end. `4 sigmoid(h) - 2` is
/// `2 tanh(h / 2)`, so each block has a gain of about `w` near 0 and the
/// gradient neither vanishes nor explodes over the chain.
#[test]
fn chain_of_50_ops_gradient_matches_finite_differences() {
    let mut rng = rng(92);
    let x = uniform(&[3, 4], -1.0, 1.0, &mut rng);
    let w = uniform(&[4], 0.9, 1.2, &mut rng);
    let report = check("chain of 50 ops", &[x, w], |tape, v| {
        let (x, w) = (v[0], v[1]);
        let start = tape.len();
        let mut h = x;
        for _ in 0..10 {
            h = h.sigmoid();
            h = h * 4.0;
            h = h - 2.0;
            h = h.tanh();
            h = h * w;
        }
        assert_eq!(tape.len() - start, 50, "the chain records 50 ops");
        h
    });
    // The chain must not squash the gradients to nothing, or the check above
    // would pass on its absolute tolerance alone.
    for (i, c) in report.inputs.iter().enumerate() {
        let smallest = c.analytic.data().iter().fold(f64::INFINITY, |m, g| m.min(g.abs()));
        assert!(smallest > 1e-3, "chain of 50 ops: gradient of input {i} is vanishingly small ({smallest:e})");
    }
}

/// A small MLP-like graph using most ops at once: matmul, broadcast add,
/// activations, softmax cross-entropy style reduction.
#[test]
fn mlp_like_graph_gradient_matches_finite_differences() {
    let mut rng = rng(93);
    let inputs = [
        randn(&[4, 3], &mut rng), // x
        randn(&[3, 5], &mut rng), // w1
        randn(&[5], &mut rng),    // b1
        randn(&[5, 2], &mut rng), // w2
    ];
    check("mlp", &inputs, |_, v| {
        let h = (v[0].matmul(v[1]) + v[2]).gelu();
        let logits = h.matmul(v[3]);
        -logits.log_softmax(-1).mean_axis(0, false).sum()
    });
}

// ---------------------------------------------------------------------------
// The harness itself
// ---------------------------------------------------------------------------

/// The check must be able to fail: `x * detach(x)` has the analytic gradient
/// `x` (nothing flows through the detached copy) while finite differences,
/// which move both factors, see `2x`.
#[test]
fn gradient_check_detects_a_wrong_gradient() {
    let mut rng = rng(100);
    let x = away_from_zero(&[3, 4], 0.5, 2.0, &mut rng);
    let report = check_gradients(&Tape::new(), &[x], EPS, |_, v| v[0] * v[0].detach());
    assert!(!report.passes(ABS_TOL, REL_TOL), "a detached factor must make the check fail:\n{report}");
    let c = &report.inputs[0];
    for (a, n) in c.analytic.data().iter().zip(c.numeric.data()) {
        assert!((2.0 * a - n).abs() < 1e-6, "analytic {a} should be half of numeric {n}");
    }
}
