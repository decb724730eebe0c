//! The curvature functions built on gradients of gradients: `hvp`,
//! `hessian`, `jacobian`, and the extreme eigenvalues of a Hessian by power
//! iteration, on functions whose answers are known in closed form; and
//! their panics on bad input.

mod common;

use common::sample::{randn, rng};
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::{Float, Tape, Tensor, Var, hessian, hessian_max_eigenvalue, hessian_min_eigenvalue, hvp, jacobian};

/// `Q diag(eigenvalues) Q` with `Q = I - 2 n nᵀ / |n|²` (a reflection:
/// orthogonal and symmetric), so the eigenvalues are known and the
/// eigenvectors are not the axes.
fn symmetric_with_eigenvalues(eigenvalues: &[f64]) -> Tensor<f64> {
    let n = eigenvalues.len();
    let normal: Vec<f64> = (0..n).map(|i| 1.0 + 0.3 * i as f64).collect();
    let norm2: f64 = normal.iter().map(|x| x * x).sum();
    let q = |i: usize, j: usize| f64::from(u8::from(i == j)) - 2.0 * normal[i] * normal[j] / norm2;
    Tensor::from_fn([n, n], |k| (0..n).map(|m| q(k / n, m) * eigenvalues[m] * q(m, k % n)).sum())
}

/// `½ xᵀ A x` for `x` of shape `[n]`: its Hessian is `A` (symmetric).
fn quadratic<'t>(a: &Tensor<f64>, x: Var<'t, f64>) -> Var<'t, f64> {
    let n = a.shape()[0];
    let row = x.reshape([1, n]);
    row.matmul(x.tape().constant(a.clone())).matmul(row.transpose()).sum() * 0.5
}

fn assert_close(what: &str, actual: &Tensor<f64>, expected: &Tensor<f64>, tolerance: f64) {
    assert_eq!(actual.shape(), expected.shape(), "{what}: shape");
    for (k, (a, e)) in actual.data().iter().zip(expected.data()).enumerate() {
        assert!((a - e).abs() <= tolerance * e.abs().max(1.0), "{what}[{k}]: {a} against {e}");
    }
}

/// A small tanh network's loss, `f64`, on a fixed batch.
fn mlp_and_batch() -> (Mlp<f64>, Tensor<f64>, Tensor<f64>) {
    let mut rng = rng(7);
    let model = Mlp::new(&[2, 5, 1], Activation::Tanh, &mut rng);
    let x = randn(&[8, 2], &mut rng);
    let y = Tensor::from_fn([8, 1], |i| (i % 2) as f64);
    (model, x, y)
}

// ---------------------------------------------------------------------------
// hvp, hessian, jacobian
// ---------------------------------------------------------------------------

/// A function of two inputs whose Hessian has off-diagonal blocks.
fn coupled<'t>(v: &[Var<'t, f64>]) -> Var<'t, f64> {
    (v[0] * v[1]).tanh().sum() + (v[1] * v[1] * v[1]).sum()
}

/// `H v` from `hvp` is the full Hessian times `v`, for a function of two
/// inputs (so the off-diagonal blocks count), and the tape ends as it began.
#[test]
fn hvp_is_the_hessian_times_the_vector() {
    let mut rng = rng(1);
    let (a, b) = (randn(&[2, 3], &mut rng), randn(&[3], &mut rng));
    let h = hessian(&Tape::new(), &[a.clone(), b.clone()], |_, v| coupled(v));
    assert_eq!(h.shape(), &[9, 9]);

    let tape = Tape::new();
    let (x, y) = (tape.var(a), tape.var(b));
    let out = coupled(&[x, y]);
    let (u, w) = (randn(&[2, 3], &mut rng), randn(&[3], &mut rng));
    let length = tape.len();
    let hv = hvp(out, &[x, y], &[u.clone(), w.clone()]);
    assert_eq!(tape.len(), length, "hvp rolls back what it records");

    let v: Vec<f64> = u.data().iter().chain(w.data()).copied().collect();
    let expected = Tensor::from_fn([9], |i| (0..9).map(|j| h.data()[i * 9 + j] * v[j]).sum());
    let actual = Tensor::from_vec(hv[0].data().iter().chain(hv[1].data()).copied().collect(), [9]);
    assert_close("H v", &actual, &expected, 1e-12);
}

/// The Hessian of a network's loss is symmetric; the rows `hessian` builds
/// one at a time are each a separate backward sweep, so this is not automatic.
#[test]
fn hessian_of_a_network_loss_is_symmetric() {
    let (model, x, y) = mlp_and_batch();
    let weights = model.param_named("layers.0.weight").expect("first layer").value().clone();
    let h = hessian(&Tape::new(), &[weights], |tape, v| {
        let hidden = tape.constant(x.clone()).linear(v[0], None).tanh();
        let logits = hidden.linear(tape.param(model.param_named("layers.1.weight").unwrap()), None);
        loss::bce_with_logits(logits, tape.constant(y.clone()))
    });
    let n = 10;
    assert_eq!(h.shape(), &[n, n]);
    for i in 0..n {
        for j in 0..i {
            let (a, b) = (h.data()[i * n + j], h.data()[j * n + i]);
            assert!((a - b).abs() <= 1e-14, "H[{i}][{j}] = {a}, H[{j}][{i}] = {b}");
        }
    }
    assert!(h.data().iter().any(|&x| x.abs() > 1e-3), "a Hessian that is not all zeros");
}

/// `softmax` has the Jacobian `diag(p) - p pᵀ`.
#[test]
fn jacobian_of_softmax_is_diag_p_minus_p_p_transposed() {
    let x = randn(&[4], &mut rng(2));
    let j = jacobian(&Tape::new(), std::slice::from_ref(&x), |_, v| v[0].softmax(0));
    let total: f64 = x.data().iter().map(|x| x.exp()).sum();
    let p: Vec<f64> = x.data().iter().map(|x| x.exp() / total).collect();
    let expected = Tensor::from_fn([4, 4], |k| if k / 4 == k % 4 { p[k / 4] } else { 0.0 } - p[k / 4] * p[k % 4]);
    assert_close("Jacobian of softmax", &j, &expected, 1e-15);
}

/// `A x` with respect to `(A, x)`: the columns for `x` are `A`, those for
/// `A_ik` are `x_k` in row `i`.
#[test]
fn jacobian_of_a_matrix_vector_product_with_respect_to_both_operands() {
    let mut rng = rng(3);
    let (a, x) = (randn(&[2, 3], &mut rng), randn(&[3, 1], &mut rng));
    let j = jacobian(&Tape::new(), &[a.clone(), x.clone()], |_, v| v[0].matmul(v[1]));
    assert_eq!(j.shape(), &[2, 9]);
    let expected = Tensor::from_fn([2, 9], |k| {
        let (row, col) = (k / 9, k % 9);
        match col {
            0..6 if col / 3 == row => x.data()[col % 3],
            0..6 => 0.0,
            _ => a.data()[row * 3 + col - 6],
        }
    });
    assert_eq!(j, expected);
}

// ---------------------------------------------------------------------------
// Eigenvalues by power iteration
// ---------------------------------------------------------------------------

#[test]
fn power_iteration_finds_the_largest_and_smallest_eigenvalues() {
    let a = symmetric_with_eigenvalues(&[5.0, 3.0, 1.0, -0.5, -2.0]);
    let tape = Tape::new();
    let x = tape.var(randn(&[5], &mut rng(4)));
    let f = quadratic(&a, x);
    let length = tape.len();
    let top = hessian_max_eigenvalue(f, &[x], 500, 1e-10);
    let bottom = hessian_min_eigenvalue(f, &[x], 500, 1e-10);
    assert_eq!(tape.len(), length, "the eigenvalue searches roll back what they record");
    assert!(top.converged && bottom.converged, "{top:?} {bottom:?}");
    assert!((top.value - 5.0).abs() < 1e-9, "largest {}", top.value);
    assert!((bottom.value + 2.0).abs() < 1e-9, "smallest {}", bottom.value);
    // Each is an eigenpair: H v = λ v, with |v| = 1.
    for pair in [&top, &bottom] {
        let v = &pair.vector[0];
        assert!((v.norm() - 1.0).abs() < 1e-12);
        let hv = hvp(f, &[x], std::slice::from_ref(v)).remove(0);
        assert_close("H v against λ v", &hv, &v.map(|e| pair.value * e), 1e-8);
    }
}

/// The dominant eigenvalue is negative: power iteration finds it first, and
/// the largest needs the shifted second run.
#[test]
fn largest_eigenvalue_when_the_dominant_one_is_negative() {
    let a = symmetric_with_eigenvalues(&[1.0, 0.5, -4.0]);
    let tape = Tape::new();
    let x = tape.var(Tensor::zeros([3]));
    let f = quadratic(&a, x);
    let top = hessian_max_eigenvalue(f, &[x], 500, 1e-10);
    assert!(top.converged && (top.value - 1.0).abs() < 1e-9, "{top:?}");
    let bottom = hessian_min_eigenvalue(f, &[x], 500, 1e-10);
    assert!(bottom.converged && (bottom.value + 4.0).abs() < 1e-9, "{bottom:?}");
    assert!(bottom.iterations < top.iterations, "the smallest is the dominant one: one run");
}

/// `λ = ±2` have the same magnitude: plain power iteration never settles
/// (its iterate flips between the two eigenvectors); the search notices and
/// shifts by the spectral radius.
#[test]
fn eigenvalues_of_equal_magnitude_and_opposite_sign() {
    let a = symmetric_with_eigenvalues(&[2.0, -2.0, 1.0]);
    let tape = Tape::new();
    let x = tape.var(Tensor::ones([3]));
    let f = quadratic(&a, x);
    let top = hessian_max_eigenvalue(f, &[x], 300, 1e-10);
    let bottom = hessian_min_eigenvalue(f, &[x], 300, 1e-10);
    assert!(top.converged && (top.value - 2.0).abs() < 1e-8, "{top:?}");
    assert!(bottom.converged && (bottom.value + 2.0).abs() < 1e-8, "{bottom:?}");
}

/// Too few iterations: the result says it did not converge (after a second,
/// shifted run of as many iterations, which does not help here either).
#[test]
fn power_iteration_reports_when_it_did_not_converge() {
    // Top two eigenvalues 1% apart: about 2000 iterations for 1e-9.
    let a = symmetric_with_eigenvalues(&[1.0, 0.99, 0.1]);
    let tape = Tape::new();
    let x = tape.var(Tensor::zeros([3]));
    let top = hessian_max_eigenvalue(quadratic(&a, x), &[x], 20, 1e-9);
    assert!(!top.converged, "{top:?}");
    assert_eq!(top.iterations, 40);
    assert!(top.value <= 1.0 + 1e-12 && top.value > 0.98, "a Rayleigh quotient is within the spectrum: {}", top.value);
}

/// A 2-5-1 tanh network's loss on a fixed batch, its parameters given as
/// variables (any element type).
fn network_loss<'t, T: Float>(
    tape: &'t Tape<T>,
    params: &[Var<'t, T>],
    x: &Tensor<f64>,
    y: &Tensor<f64>,
) -> Var<'t, T> {
    let hidden = tape.constant(x.cast()).linear(params[0], Some(params[1])).tanh();
    loss::bce_with_logits(hidden.linear(params[2], Some(params[3])), tape.constant(y.cast()))
}

/// The sharpness of a network's loss with respect to all its parameters
/// (several tensors), in `f32` and `f64`: the two agree, and `H v = λ v`.
#[test]
fn sharpness_of_a_network_loss_in_f32_and_f64() {
    let (model, x, y) = mlp_and_batch();
    let values: Vec<Tensor<f64>> = model.params().map(|p| p.value().clone()).collect();

    let tape = Tape::new();
    let params: Vec<Var<'_, f64>> = values.iter().map(|p| tape.var(p.clone())).collect();
    let out = network_loss(&tape, &params, &x, &y);
    let top = hessian_max_eigenvalue(out, &params, 1000, 1e-6);
    assert!(top.converged && top.value > 0.0, "{top:?}");
    let hv = hvp(out, &params, &top.vector);
    for (hv, v) in hv.iter().zip(&top.vector) {
        assert_close("H v against λ v", hv, &v.map(|e| top.value * e), 1e-5);
    }

    let tape32 = Tape::<f32>::new();
    let params32: Vec<Var<'_, f32>> = values.iter().map(|p| tape32.var(p.cast())).collect();
    let top32 = hessian_max_eigenvalue(network_loss(&tape32, &params32, &x, &y), &params32, 1000, 1e-4);
    assert!((top32.value - top.value).abs() < 1e-3 * top.value, "f32 {} against f64 {}", top32.value, top.value);
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "hvp: vector 0 has shape [3] for an input of shape [2]")]
fn hvp_panics_on_a_vector_of_the_wrong_shape() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    hvp((x * x).sum(), &[x], &[Tensor::zeros([3])]);
}

#[test]
#[should_panic(expected = "hvp: 2 vectors for 1 inputs; give one per input")]
fn hvp_panics_on_a_missing_or_extra_vector() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    hvp((x * x).sum(), &[x], &[Tensor::zeros([2]), Tensor::zeros([2])]);
}

#[test]
#[should_panic(expected = "hvp: the output has shape [2]; it needs one element")]
fn hvp_panics_on_an_output_with_several_elements() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    hvp(x * x, &[x], &[Tensor::zeros([2])]);
}

#[test]
#[should_panic(expected = "hessian: the output has shape [2]; it needs one element")]
fn hessian_panics_on_an_output_with_several_elements() {
    hessian(&Tape::<f64>::new(), &[Tensor::zeros([2])], |_, v| v[0] * v[0]);
}

#[test]
#[should_panic(expected = "hessian_max_eigenvalue: max_iterations must be at least 1")]
fn eigenvalue_search_panics_on_zero_iterations() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    hessian_max_eigenvalue((x * x).sum(), &[x], 0, 1e-6);
}

#[test]
#[should_panic(expected = "hessian_min_eigenvalue: tolerance must be finite and >= 0, got -1")]
fn eigenvalue_search_panics_on_a_negative_tolerance() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    hessian_min_eigenvalue((x * x).sum(), &[x], 10, -1.0);
}
