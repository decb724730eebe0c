//! Gradient clipping: the global norm over all parameters (not per tensor,
//! as PyTorch's `clip_grad_norm_`), clipping by value, and an optimizer step
//! that uses the clipped gradients.

use tapegrad::optim::clip::{clip_grad_norm, clip_grad_value};
use tapegrad::optim::{Optimizer, Sgd};
use tapegrad::{Gradients, Param, Tape, Tensor, Var};

/// `sum(p * c)`: its gradient with respect to `p` is `c`.
fn linear_in<'t>(tape: &'t Tape<f64>, p: &'t Param<f64>, c: &[f64]) -> Var<'t, f64> {
    (tape.param(p) * tape.constant(Tensor::from_vec(c.to_vec(), [c.len()]))).sum()
}

fn grad(grads: &Gradients<f64>, p: &Param<f64>) -> Vec<f64> {
    grads.param(p).expect("parameter gradient").data().to_vec()
}

fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-12 * w.abs() + 1e-15, "{what}[{i}]: got {g}, expected {w}");
    }
}

#[test]
fn clips_the_global_norm_not_each_tensor() {
    // Gradients [3, 4] (norm 5) and [0.3, 0.4] (norm 0.5): global norm sqrt(25.25).
    let a = Param::new("a", Tensor::from_vec(vec![0.0f64; 2], [2]));
    let b = Param::new("b", Tensor::from_vec(vec![0.0f64; 2], [2]));
    let tape = Tape::new();
    let loss = linear_in(&tape, &a, &[3.0, 4.0]) + linear_in(&tape, &b, &[0.3, 0.4]);
    let mut grads = loss.backward();

    let norm = clip_grad_norm(&mut grads, 1.0);
    let global = 25.25f64.sqrt();
    assert!((norm - global).abs() < 1e-14, "norm {norm}, expected {global}");

    // Global: both scaled by the same factor, the direction kept.
    let factor = 1.0 / (global + 1e-6);
    assert_close("a", &grad(&grads, &a), &[3.0 * factor, 4.0 * factor]);
    assert_close("b", &grad(&grads, &b), &[0.3 * factor, 0.4 * factor]);
    assert!((grads.params_norm() - 1.0).abs() < 1e-6);

    // Per tensor would have given a = [0.6, 0.8] and left b = [0.3, 0.4]
    // (its norm 0.5 is under the max): not what we do.
    let b_after = grad(&grads, &b);
    assert!((b_after[0] - 0.3).abs() > 0.2, "b was left alone, as per-tensor clipping would: {b_after:?}");
    let a_after = grad(&grads, &a);
    assert!((a_after[0] - 0.6).abs() > 1e-3, "a was clipped alone, as per-tensor clipping would: {a_after:?}");
}

#[test]
fn returns_the_norm_before_clipping() {
    let a = Param::new("a", Tensor::from_vec(vec![0.0f64; 3], [3]));
    let b = Param::new("b", Tensor::from_vec(vec![0.0f64; 1], [1]));
    let tape = Tape::new();
    // Norm sqrt(1 + 4 + 4 + 16) = 5.
    let loss = linear_in(&tape, &a, &[1.0, 2.0, -2.0]) + linear_in(&tape, &b, &[4.0]);
    let mut grads = loss.backward();
    assert_eq!(grads.params_norm(), 5.0);
    assert_eq!(clip_grad_norm(&mut grads, 2.5), 5.0);
    assert!((grads.params_norm() - 2.5).abs() < 1e-6);
    // A second clip sees the clipped norm, just under 2.5.
    let again = clip_grad_norm(&mut grads, 2.5);
    assert!((again - 2.5).abs() < 1e-6);
}

#[test]
fn leaves_gradients_under_the_max_unchanged() {
    let a = Param::new("a", Tensor::from_vec(vec![0.0f64; 2], [2]));
    let b = Param::new("b", Tensor::from_vec(vec![0.0f64; 2], [2]));
    let tape = Tape::new();
    let loss = linear_in(&tape, &a, &[0.3, -0.4]) + linear_in(&tape, &b, &[0.0, 1.2]);
    let mut grads = loss.backward();
    let norm = clip_grad_norm(&mut grads, 2.0);
    assert!((norm - 1.3).abs() < 1e-14);
    assert_eq!(grad(&grads, &a), [0.3, -0.4]);
    assert_eq!(grad(&grads, &b), [0.0, 1.2]);

    // An infinite max never clips; a max of 0 zeroes the gradients (as in PyTorch).
    assert!((clip_grad_norm(&mut grads, f64::INFINITY) - 1.3).abs() < 1e-14);
    assert_eq!(grad(&grads, &a), [0.3, -0.4]);
    clip_grad_norm(&mut grads, 0.0);
    assert_eq!(grad(&grads, &a), [0.0, 0.0]);
    assert_eq!(grad(&grads, &b), [0.0, 0.0]);
}

#[test]
fn only_parameter_gradients_are_clipped() {
    let a = Param::new("a", Tensor::from_vec(vec![1.0f64, 1.0], [2]));
    let tape = Tape::new();
    let x = tape.var(Tensor::from_vec(vec![30.0, 40.0], [2])); // a plain var, not a parameter
    let loss = (tape.param(&a) * x).sum();
    let mut grads = loss.backward();
    let norm = clip_grad_norm(&mut grads, 1.0);
    assert_eq!(norm, 50.0); // the norm of d/da = x, x's own gradient not counted
    assert_eq!(grads.wrt(x).data(), &[1.0, 1.0]);
    assert_close("a", &grad(&grads, &a), &[30.0 / (50.0 + 1e-6), 40.0 / (50.0 + 1e-6)]);
}

#[test]
fn works_in_f32() {
    let a = Param::new("a", Tensor::from_vec(vec![0.0f32; 2], [2]));
    let b = Param::new("b", Tensor::from_vec(vec![0.0f32; 1], [1]));
    let tape = Tape::new();
    let ca = tape.constant(Tensor::from_vec(vec![6.0f32, 0.0], [2]));
    let loss = (tape.param(&a) * ca).sum() + (tape.param(&b) * 8.0f32).sum();
    let mut grads = loss.backward();
    assert_eq!(clip_grad_norm(&mut grads, 5.0), 10.0);
    let (ga, gb) = (grads.param(&a).unwrap().data().to_vec(), grads.param(&b).unwrap().data().to_vec());
    assert!((ga[0] - 3.0).abs() < 1e-5 && ga[1] == 0.0 && (gb[0] - 4.0).abs() < 1e-5, "{ga:?} {gb:?}");
}

#[test]
fn a_non_finite_norm_is_returned_and_the_gradients_are_left_alone() {
    let a = Param::new("a", Tensor::from_vec(vec![0.0f64; 2], [2]));
    let b = Param::new("b", Tensor::from_vec(vec![0.0f64; 1], [1]));
    let tape = Tape::new();
    let loss = linear_in(&tape, &a, &[f64::INFINITY, 1.0]) + linear_in(&tape, &b, &[2.0]);
    let mut grads = loss.backward();
    assert_eq!(clip_grad_norm(&mut grads, 1.0), f64::INFINITY);
    assert_eq!(grad(&grads, &a), [f64::INFINITY, 1.0]);
    assert_eq!(grad(&grads, &b), [2.0]);

    let tape = Tape::new();
    let loss = linear_in(&tape, &a, &[f64::NAN, 1.0]) + linear_in(&tape, &b, &[2.0]);
    let mut grads = loss.backward();
    assert!(clip_grad_norm(&mut grads, 1.0).is_nan());
    assert_eq!(grad(&grads, &b), [2.0]);
}

#[test]
fn a_huge_but_finite_norm_does_not_overflow() {
    let a = Param::new("a", Tensor::from_vec(vec![0.0f64; 2], [2]));
    let tape = Tape::new();
    let loss = linear_in(&tape, &a, &[3e200, 4e200]);
    let mut grads = loss.backward();
    let norm = clip_grad_norm(&mut grads, 1.0);
    assert!((norm / 5e200 - 1.0).abs() < 1e-15, "{norm:e}");
    assert_close("a", &grad(&grads, &a), &[0.6, 0.8]);
}

#[test]
fn clip_by_value_clamps_every_element() {
    let a = Param::new("a", Tensor::from_vec(vec![0.0f64; 4], [2, 2]));
    let b = Param::new("b", Tensor::from_vec(vec![0.0f64; 2], [2]));
    let tape = Tape::new();
    let ca = tape.constant(Tensor::from_vec(vec![-3.0, 0.25, 0.5, 7.0], [2, 2]));
    let loss = (tape.param(&a) * ca).sum() + linear_in(&tape, &b, &[f64::NEG_INFINITY, -0.5]);
    let mut grads = loss.backward();
    clip_grad_value(&mut grads, 0.5);
    assert_eq!(grad(&grads, &a), [-0.5, 0.25, 0.5, 0.5]);
    assert_eq!(grad(&grads, &b), [-0.5, -0.5]);

    // NaN stays NaN (as torch.clamp); a clip of 0 zeroes everything else.
    let tape = Tape::new();
    let loss = linear_in(&tape, &b, &[f64::NAN, 2.0]);
    let mut grads = loss.backward();
    clip_grad_value(&mut grads, 0.0);
    let g = grad(&grads, &b);
    assert!(g[0].is_nan() && g[1] == 0.0, "{g:?}");
}

#[test]
fn the_optimizer_steps_with_the_clipped_gradients() {
    let mut a = Param::new("a", Tensor::from_vec(vec![1.0f64, 1.0], [2]));
    let mut b = Param::new("b", Tensor::from_vec(vec![1.0f64], [1]));
    let mut opt = Sgd::new(0.5);
    let grads = {
        let tape = Tape::new();
        let loss = linear_in(&tape, &a, &[6.0, 0.0]) + linear_in(&tape, &b, &[8.0]);
        let mut grads = loss.backward();
        assert_eq!(clip_grad_norm(&mut grads, 1.0), 10.0);
        grads
    };
    opt.step([&mut a, &mut b], &grads);
    // x -= 0.5 * g with g = [6, 0] / (10 + 1e-6) and [8] / (10 + 1e-6), not the raw [6, 0], [8].
    let factor = 1.0 / (10.0 + 1e-6);
    assert_close("a", a.value().data(), &[1.0 - 0.5 * 6.0 * factor, 1.0]);
    assert_close("b", b.value().data(), &[1.0 - 0.5 * 8.0 * factor]);

    // The same with clipping by value.
    let grads = {
        let tape = Tape::new();
        let loss = linear_in(&tape, &a, &[-6.0, 0.1]) + linear_in(&tape, &b, &[8.0]);
        let mut grads = loss.backward();
        clip_grad_value(&mut grads, 1.0);
        grads
    };
    let (a0, b0) = (a.value().data().to_vec(), b.value().data()[0]);
    opt.step([&mut a, &mut b], &grads);
    assert_close("a by value", a.value().data(), &[a0[0] + 0.5, a0[1] - 0.05]);
    assert_close("b by value", b.value().data(), &[b0 - 0.5]);
}

#[test]
fn clipping_a_clone_leaves_the_original_alone() {
    let a = Param::new("a", Tensor::from_vec(vec![0.0f64; 2], [2]));
    let tape = Tape::new();
    let loss = linear_in(&tape, &a, &[30.0, 40.0]);
    let original = loss.backward();
    let mut clipped = original.clone();
    clip_grad_norm(&mut clipped, 1.0);
    assert_eq!(grad(&original, &a), [30.0, 40.0]);
    assert!((clipped.params_norm() - 1.0).abs() < 1e-6);
}

#[test]
#[should_panic(expected = "clip_grad_norm: max_norm must be >= 0, got -1")]
fn clip_grad_norm_rejects_a_negative_max() {
    let a = Param::new("a", Tensor::from_vec(vec![0.0f64], [1]));
    let tape = Tape::new();
    let mut grads = linear_in(&tape, &a, &[1.0]).backward();
    clip_grad_norm(&mut grads, -1.0);
}

#[test]
#[should_panic(expected = "clip_grad_value: clip must be >= 0, got NaN")]
fn clip_grad_value_rejects_nan() {
    let a = Param::new("a", Tensor::from_vec(vec![0.0f64], [1]));
    let tape = Tape::new();
    let mut grads = linear_in(&tape, &a, &[1.0]).backward();
    clip_grad_value(&mut grads, f64::NAN);
}

#[test]
fn the_norm_of_an_f32_model_is_an_f32_like_its_max_norm() {
    let w = Param::new("w", Tensor::from_vec(vec![0.0f32, 0.0], [2]));
    let tape = Tape::new();
    let mut grads = (tape.param(&w) * tape.constant(Tensor::from_vec(vec![30.0, 40.0], [2]))).sum().backward();
    let max_norm = 5.0;
    let norm = clip_grad_norm(&mut grads, max_norm);
    // What a newcomer wrote first, which did not compile when the norm was an f64.
    assert_eq!(norm.max(max_norm), 50.0f32);
    assert!((grads.params_norm() - 5.0).abs() < 1e-5);
}
