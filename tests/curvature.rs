//! The curvature functions built on gradients of gradients: `hvp`,
//! `hessian` and `jacobian` (of a closure or of a recorded output), and the
//! extreme eigenvalues of a Hessian by Lanczos, on functions whose answers
//! are known in closed form and on the moons MLP against its full Hessian;
//! and their panics on bad input.

mod common;

use common::sample::{randn, rng};
use tapegrad::data::{Dataset, toy};
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::{
    Eigenpair, Float, Tape, Tensor, Var, hessian, hessian_max_eigenvalue, hessian_min_eigenvalue, hessian_of, hvp,
    jacobian, jacobian_of,
};

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

/// The Hessian and the Jacobian of an output already recorded, with
/// respect to parameters bound with `tape.param` (the nodes the model's
/// forward pass used), are those of the same function given as a closure;
/// the tape ends as it began.
#[test]
fn hessian_and_jacobian_of_a_recorded_output_with_bound_parameters() {
    let (model, x, y) = mlp_and_batch();
    let tape = Tape::new();
    let logits = model.forward(tape.constant(x.clone()));
    let loss = loss::bce_with_logits(logits, tape.constant(y.clone()));
    let params: Vec<Var<'_, f64>> = model.params().map(|p| tape.param(p)).collect();
    let length = tape.len();
    let h = hessian_of(loss, &params);
    let j = jacobian_of(logits, &params);
    assert_eq!(tape.len(), length, "hessian_of and jacobian_of roll back what they record");

    let values: Vec<Tensor<f64>> = model.params().map(|p| p.value().clone()).collect();
    let expected_h = hessian(&Tape::new(), &values, |tape, v| network_loss(tape, v, &x, &y));
    assert_eq!(h.shape(), &[21, 21]);
    assert_close("Hessian of the recorded loss", &h, &expected_h, 1e-12);
    let expected_j = jacobian(&Tape::new(), &values, |tape, v| {
        tape.constant(x.clone()).linear(v[0], Some(v[1])).tanh().linear(v[2], Some(v[3]))
    });
    assert_eq!(j.shape(), &[8, 21]);
    assert_close("Jacobian of the recorded logits", &j, &expected_j, 1e-12);
}

/// An input the output does not depend on has zero rows and columns.
#[test]
fn hessian_of_with_an_unused_input() {
    let tape = Tape::<f64>::new();
    let (x, unused) = (tape.var(Tensor::from_vec(vec![1.0, 2.0], [2])), tape.var(Tensor::ones([1])));
    let h = hessian_of((x * x * x).sum(), &[x, unused]);
    assert_eq!(h.data(), &[6.0, 0.0, 0.0, 0.0, 12.0, 0.0, 0.0, 0.0, 0.0]);
}

// ---------------------------------------------------------------------------
// Eigenvalues by Lanczos
// ---------------------------------------------------------------------------

/// The eigenvalues of a symmetric matrix, ascending, by cyclic Jacobi
/// rotations: a reference independent of the crate's Lanczos and QL code.
/// Its own error is a few `n ε |A|`.
fn jacobi_eigenvalues(matrix: &Tensor<f64>) -> Vec<f64> {
    let n = matrix.shape()[0];
    let mut a = matrix.data().to_vec();
    let norm2: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..50 {
        let off2: f64 = (0..n * n).filter(|k| k / n != k % n).map(|k| a[k] * a[k]).sum();
        if off2 <= 1e-32 * norm2 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                // The rotation that zeroes a[p][q] (Numerical Recipes' form):
                // t is the tangent of its angle, the smaller root.
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + theta.hypot(1.0));
                let c = 1.0 / t.hypot(1.0);
                let s = t * c;
                let tau = s / (1.0 + c);
                for k in (0..n).filter(|&k| k != p && k != q) {
                    // Rows p and q, read and written in place; the columns mirror them.
                    let (kp, kq) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = kp - s * (kq + tau * kp);
                    a[q * n + k] = kq + s * (kp - tau * kq);
                    a[k * n + p] = a[p * n + k];
                    a[k * n + q] = a[q * n + k];
                }
                a[p * n + p] -= t * apq;
                a[q * n + q] += t * apq;
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
            }
        }
    }
    let mut values: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
    values.sort_by(f64::total_cmp);
    values
}

#[test]
fn jacobi_reference_finds_known_eigenvalues() {
    let eigenvalues = [-3.0, -0.25, 0.0, 1e-3, 2.0, 7.5];
    let found = jacobi_eigenvalues(&symmetric_with_eigenvalues(&eigenvalues));
    for (f, e) in found.iter().zip(eigenvalues) {
        assert!((f - e).abs() < 1e-14, "{found:?}");
    }
}

/// `value` is a Rayleigh quotient, so it never passes the end it
/// approaches; a converged `error_bound` bounds its distance to the true
/// end eigenvalue (`slack` allows for the reference's own rounding).
fn assert_honest(what: &str, pair: &Eigenpair<f64>, exact: f64, smallest: bool, slack: f64) {
    let error = pair.value - exact;
    let outside = if smallest { error < -slack } else { error > slack };
    assert!(!outside, "{what}: {} is beyond the end eigenvalue {exact}", pair.value);
    if pair.converged {
        assert!(error.abs() <= pair.error_bound + slack, "{what}: error {error:e} above the bound, {pair:?}");
    }
    let v = &pair.vector;
    let length: f64 = v.iter().map(|t| t.data().iter().map(|x| x * x).sum::<f64>()).sum::<f64>().sqrt();
    assert!((length - 1.0).abs() < 1e-12, "{what}: |v| = {length}");
}

#[test]
fn lanczos_finds_the_largest_and_smallest_eigenvalues() {
    let a = symmetric_with_eigenvalues(&[5.0, 3.0, 1.0, -0.5, -2.0]);
    let tape = Tape::new();
    let x = tape.var(randn(&[5], &mut rng(4)));
    let f = quadratic(&a, x);
    let length = tape.len();
    let top = hessian_max_eigenvalue(f, &[x], 500, 1e-10);
    let bottom = hessian_min_eigenvalue(f, &[x], 500, 1e-10);
    assert_eq!(tape.len(), length, "the eigenvalue searches roll back what they record");
    assert!(top.converged && bottom.converged, "{top:?} {bottom:?}");
    assert!((top.value - 5.0).abs() < 1e-10 && (bottom.value + 2.0).abs() < 1e-10, "{top:?} {bottom:?}");
    // Five Lanczos vectors span the space; one more product measures.
    assert!(top.products <= 6 && bottom.products <= 6, "{} and {} products", top.products, bottom.products);
    for pair in [&top, &bottom] {
        let v = &pair.vector[0];
        let hv = hvp(f, &[x], std::slice::from_ref(v)).remove(0);
        assert_close("H v against λ v", &hv, &v.map(|e| pair.value * e), 1e-8);
        let residual = (&hv - &v.map(|e| pair.value * e)).norm();
        assert!((residual - pair.residual).abs() < 1e-15, "the residual is measured: {residual} and {pair:?}");
    }
}

/// The dominant eigenvalue is negative (power iteration's hard case, which
/// needed a second, shifted run); Lanczos sees both ends at once.
#[test]
fn largest_eigenvalue_when_the_dominant_one_is_negative() {
    let a = symmetric_with_eigenvalues(&[1.0, 0.5, -4.0]);
    let tape = Tape::new();
    let x = tape.var(Tensor::zeros([3]));
    let f = quadratic(&a, x);
    let top = hessian_max_eigenvalue(f, &[x], 500, 1e-10);
    assert!(top.converged && (top.value - 1.0).abs() < 1e-10, "{top:?}");
    let bottom = hessian_min_eigenvalue(f, &[x], 500, 1e-10);
    assert!(bottom.converged && (bottom.value + 4.0).abs() < 1e-10, "{bottom:?}");
}

/// `λ = ±2` have the same magnitude: power iteration's iterate flips
/// between the two eigenvectors forever; Lanczos separates them.
#[test]
fn eigenvalues_of_equal_magnitude_and_opposite_sign() {
    let a = symmetric_with_eigenvalues(&[2.0, -2.0, 1.0]);
    let tape = Tape::new();
    let x = tape.var(Tensor::ones([3]));
    let f = quadratic(&a, x);
    let top = hessian_max_eigenvalue(f, &[x], 300, 1e-10);
    let bottom = hessian_min_eigenvalue(f, &[x], 300, 1e-10);
    assert!(top.converged && (top.value - 2.0).abs() < 1e-10, "{top:?}");
    assert!(bottom.converged && (bottom.value + 2.0).abs() < 1e-10, "{bottom:?}");
}

/// Forty eigenvalues: at every budget the call takes at most that many
/// products in all (one budget, also for the smallest), its value stays
/// inside the spectrum, and once converged its error bound holds.
#[test]
fn one_budget_and_an_honest_bound_at_every_budget() {
    let eigenvalues: Vec<f64> = (0..40).map(|i| if i == 0 { -1.0 } else { -0.97 + 0.05 * i as f64 }).collect();
    let (lowest, highest) = (-1.0, eigenvalues[39]);
    let a = symmetric_with_eigenvalues(&eigenvalues);
    let tape = Tape::new();
    let x = tape.var(Tensor::zeros([40]));
    let f = quadratic(&a, x);
    let mut converged_at = None;
    for budget in 2..=41 {
        let bottom = hessian_min_eigenvalue(f, &[x], budget, 1e-10);
        let top = hessian_max_eigenvalue(f, &[x], budget, 1e-10);
        assert!(bottom.products <= budget && top.products <= budget, "budget {budget}: {bottom:?} {top:?}");
        assert_honest(&format!("smallest, budget {budget}"), &bottom, lowest, true, 1e-13);
        assert_honest(&format!("largest, budget {budget}"), &top, highest, false, 1e-13);
        if !bottom.converged {
            assert_eq!(bottom.products, budget, "an unconverged search spends its whole budget");
        }
        converged_at = converged_at.or(bottom.converged.then_some(budget));
    }
    // At least 10 Lanczos steps before a search may settle, then one to measure.
    let converged_at = converged_at.expect("converged within 41 products");
    assert!((11..=41).contains(&converged_at), "the smallest settled at budget {converged_at}");
}

/// Too few products: the result says so. Two Lanczos steps have not seen
/// the top pair (1 and 0.99) apart from the rest, so the gap they estimate
/// is not a gap, and the bound is not one either: only `converged` makes
/// it one.
#[test]
fn too_small_a_budget_is_reported() {
    let a = symmetric_with_eigenvalues(&[1.0, 0.99, 0.5, 0.1, -0.3, -0.31]);
    let tape = Tape::new();
    let x = tape.var(Tensor::zeros([6]));
    let top = hessian_max_eigenvalue(quadratic(&a, x), &[x], 3, 1e-9);
    assert!(!top.converged && top.products == 3, "{top:?}");
    assert!(top.error_bound > 1e-9 * top.value.abs(), "not converged means the bound is above the tolerance");
    assert!(top.value < 1.0 - top.error_bound, "an unconverged bound is an estimate: {top:?}");
    assert_honest("largest, 3 products", &top, 1.0, false, 1e-14);
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
/// (several tensors), in `f32` and `f64` on the same numbers (all exact in
/// `f32`): the two agree within their error bounds, whose rounding term is
/// what makes the `f32` one honest.
#[test]
fn sharpness_of_a_network_loss_in_f32_and_f64() {
    let (model, x, y) = mlp_and_batch();
    let x = x.cast::<f32>().cast::<f64>();
    let values: Vec<Tensor<f64>> = model.params().map(|p| p.value().cast::<f32>().cast()).collect();

    let tape = Tape::new();
    let params: Vec<Var<'_, f64>> = values.iter().map(|p| tape.var(p.clone())).collect();
    let out = network_loss(&tape, &params, &x, &y);
    let top = hessian_max_eigenvalue(out, &params, 100, 1e-10);
    assert!(top.converged && top.value > 0.0, "{top:?}");
    let hv = hvp(out, &params, &top.vector);
    for (hv, v) in hv.iter().zip(&top.vector) {
        assert_close("H v against λ v", hv, &v.map(|e| top.value * e), 1e-5);
    }

    let tape32 = Tape::<f32>::new();
    let params32: Vec<Var<'_, f32>> = values.iter().map(|p| tape32.var(p.cast())).collect();
    let top32 = hessian_max_eigenvalue(network_loss(&tape32, &params32, &x, &y), &params32, 100, 1e-4);
    assert!(top32.converged, "{top32:?}");
    let difference = (top32.value - top.value).abs();
    assert!(difference <= top32.error_bound + top.error_bound, "f32 {top32:?} against f64 {top:?}");
}

/// The network of `examples/curvature.rs`: a 2-16-16-1 tanh MLP (337
/// parameters) on 400 two-moons points, here in `f64`, at its initial
/// weights, where both ends of the spectrum are interesting: the loss is
/// not convex there (`λ_min ≈ -0.71`, `λ_max ≈ 1.41`).
fn moons_mlp() -> (Mlp<f64>, Dataset<f64>) {
    let data = toy::moons(400, 0.1, &mut rng(0));
    (Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng(1)), data)
}

/// The smallest eigenvalue of the moons MLP's Hessian to 1e-8 relative in
/// at most 150 products, checked against the eigenvalues of the full
/// Hessian (`hessian_of` on the bound parameters, then Jacobi). Power
/// iteration with a shifted second run took 1,137 products here (34 for
/// the dominant eigenvalue, the largest, then 1,103 on `H - λ_max I`).
#[test]
fn extreme_eigenvalues_of_the_moons_mlp_against_the_full_hessian() {
    let (model, data) = moons_mlp();
    let tape = Tape::new();
    let loss = loss::bce_with_logits(model.forward(tape.constant(data.x().clone())), tape.constant(data.y().clone()));
    let params: Vec<Var<'_, f64>> = model.params().map(|p| tape.param(p)).collect();
    let h = hessian_of(loss, &params);
    assert_eq!(h.shape(), &[337, 337]);
    let spectrum = jacobi_eigenvalues(&h);
    let (lowest, highest) = (spectrum[0], spectrum[336]);
    // Jacobi's own error, a few n ε |H|.
    let slack = 337.0 * f64::EPSILON * highest;

    let bottom = hessian_min_eigenvalue(loss, &params, 150, 1e-8);
    let top = hessian_max_eigenvalue(loss, &params, 150, 1e-8);
    for (what, pair, exact) in [("smallest", &bottom, lowest), ("largest", &top, highest)] {
        assert!(pair.converged, "{what}: {pair:?}");
        assert!(pair.products <= 150, "{what}: {} products", pair.products);
        let relative = (pair.value - exact).abs() / exact.abs();
        assert!(relative <= 1e-8, "{what}: {} against {exact}: {relative:e} relative", pair.value);
        assert_honest(what, pair, exact, what == "smallest", slack);
    }
    assert!(lowest < -0.5 && bottom.products <= 40, "{lowest}: {} products", bottom.products);
    assert!(top.products <= 25, "largest: {} products", top.products);
}

/// The moons MLP's loss with its parameters given as variables.
fn moons_loss<'t, T: Float>(tape: &'t Tape<T>, params: &[Var<'t, T>], data: &Dataset<f64>) -> Var<'t, T> {
    let hidden = tape.constant(data.x().cast()).linear(params[0], Some(params[1])).tanh();
    let hidden = hidden.linear(params[2], Some(params[3])).tanh();
    loss::bce_with_logits(hidden.linear(params[4], Some(params[5])), tape.constant(data.y().cast()))
}

/// In `f32`, a tolerance below the products' rounding (`√n ε |H|`, about
/// 2e-6 relative here) is not met however many products are allowed: the
/// search stops once rounding dominates its bound, says it did not
/// converge, and the bound still covers the distance to the `f64` answer
/// on the same numbers.
#[test]
fn a_tolerance_below_f32_rounding_is_not_met_and_stops_early() {
    let (model, data) = moons_mlp();
    let data = Dataset::new(data.x().cast::<f32>().cast(), data.y().clone()).expect("the same shapes");
    let values: Vec<Tensor<f64>> = model.params().map(|p| p.value().cast::<f32>().cast()).collect();

    let tape = Tape::new();
    let params: Vec<Var<'_, f64>> = values.iter().map(|p| tape.var(p.clone())).collect();
    let top = hessian_max_eigenvalue(moons_loss(&tape, &params, &data), &params, 400, 1e-10);
    assert!(top.converged, "{top:?}");

    let tape32 = Tape::<f32>::new();
    let params32: Vec<Var<'_, f32>> = values.iter().map(|p| tape32.var(p.cast())).collect();
    let strict = hessian_max_eigenvalue(moons_loss(&tape32, &params32, &data), &params32, 400, 1e-9);
    assert!(!strict.converged && strict.error_bound > 1e-6 * strict.value, "{strict:?}");
    assert!(strict.products <= 40, "stops once rounding dominates the bound: {} products", strict.products);
    let difference = (strict.value - top.value).abs();
    assert!(difference <= strict.error_bound, "f32 {} against f64 {}: {strict:?}", strict.value, top.value);
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
#[should_panic(expected = "hessian_max_eigenvalue: max_products is 1; it needs at least 2 (a Lanczos step and the \
                           product that measures the residual)")]
fn eigenvalue_search_panics_on_a_budget_below_two() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    hessian_max_eigenvalue((x * x).sum(), &[x], 1, 1e-6);
}

/// No inputs: no Hessian, no eigenvalue (this returned 0 and `converged`).
#[test]
#[should_panic(
    expected = "hessian_max_eigenvalue: the inputs have no elements (0 inputs, shapes []); a Hessian of size 0 has no \
                eigenvalue"
)]
fn eigenvalue_search_panics_on_no_inputs() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::ones([2]));
    hessian_max_eigenvalue((x * x).sum(), &[], 100, 1e-6);
}

#[test]
#[should_panic(
    expected = "hessian_min_eigenvalue: the inputs have no elements (1 inputs, shapes [[0, 3]]); a Hessian of size 0 \
                has no eigenvalue"
)]
fn eigenvalue_search_panics_on_inputs_without_elements() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([0, 3]));
    hessian_min_eigenvalue(x.sum(), &[x], 100, 1e-6);
}

/// A NaN loss: the search stops at the first product and says so.
#[test]
fn eigenvalue_search_on_a_nan_loss_is_nan_and_not_converged() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::ones([3]));
    let top = hessian_max_eigenvalue((x * x).sum() * f64::NAN, &[x], 100, 1e-6);
    assert!(top.value.is_nan() && top.error_bound.is_nan() && !top.converged, "{top:?}");
    assert_eq!(top.products, 1);
}

#[test]
#[should_panic(expected = "jacobian_of: input 0 belongs to another tape than the output")]
fn jacobian_of_panics_on_an_input_of_another_tape() {
    let (tape, other) = (Tape::<f64>::new(), Tape::<f64>::new());
    let (x, stranger) = (tape.var(Tensor::ones([2])), other.var(Tensor::ones([2])));
    jacobian_of(x * x, &[stranger]);
}

#[test]
#[should_panic(expected = "hessian_of: the output has shape [2]; it needs one element")]
fn hessian_of_panics_on_an_output_with_several_elements() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    hessian_of(x * x, &[x]);
}

#[test]
#[should_panic(expected = "hessian_min_eigenvalue: tolerance must be finite and >= 0, got -1")]
fn eigenvalue_search_panics_on_a_negative_tolerance() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros([2]));
    hessian_min_eigenvalue((x * x).sum(), &[x], 10, -1.0);
}

/// Where a call panicked: the file of the location the panic reports,
/// caught on this thread.
fn panic_file(call: impl FnOnce() + std::panic::UnwindSafe) -> String {
    use std::cell::RefCell;
    thread_local!(static FILE: RefCell<String> = const { RefCell::new(String::new()) });
    std::panic::set_hook(Box::new(|info| {
        let file = info.location().map_or_else(String::new, |l| l.file().to_string());
        FILE.with(|f| *f.borrow_mut() = file);
    }));
    let result = std::panic::catch_unwind(call);
    drop(std::panic::take_hook());
    assert!(result.is_err(), "the call did not panic");
    FILE.with(|f| f.borrow().clone())
}

/// A panic on bad arguments points at the caller's line, not into the
/// library (`#[track_caller]` down to the check).
#[test]
fn panics_point_at_the_caller() {
    let here = file!();
    let no_inputs = panic_file(|| {
        let tape = Tape::<f64>::new();
        let x = tape.var(Tensor::ones([2]));
        hessian_min_eigenvalue((x * x).sum(), &[], 100, 1e-6);
    });
    assert_eq!(no_inputs, here, "no inputs");
    let budget = panic_file(|| {
        let tape = Tape::<f64>::new();
        let x = tape.var(Tensor::ones([2]));
        hessian_max_eigenvalue((x * x).sum(), &[x], 1, 1e-6);
    });
    assert_eq!(budget, here, "a budget of 1");
    let several = panic_file(|| {
        let tape = Tape::<f64>::new();
        let x = tape.var(Tensor::ones([2]));
        hessian_of(x * x, &[x]);
    });
    assert_eq!(several, here, "hessian_of of an output of two elements");
    let shape = panic_file(|| {
        let tape = Tape::<f64>::new();
        let x = tape.var(Tensor::ones([2]));
        hvp((x * x).sum(), &[x], &[Tensor::ones([3])]);
    });
    assert_eq!(shape, here, "hvp with a vector of the wrong shape");
    let stranger = panic_file(|| {
        let (tape, other) = (Tape::<f64>::new(), Tape::<f64>::new());
        jacobian_of(tape.var(Tensor::ones([2])), &[other.var(Tensor::ones([2]))]);
    });
    assert_eq!(stranger, here, "jacobian_of with an input of another tape");
}
