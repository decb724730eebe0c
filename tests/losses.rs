//! Losses: gradient checks, finite values and exact gradients at logits of
//! ±1000, label validation, and the accuracy metrics.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::loss::{bce_with_logits, l2_penalty, mse_loss, softmax_cross_entropy, svm_max_margin};
use tapegrad::nn::metrics::{binary_accuracy, multiclass_accuracy};
use tapegrad::nn::{Activation, Mlp, Module};
use tapegrad::{Tape, Tensor, check_gradients};

fn rng() -> StdRng {
    StdRng::seed_from_u64(7)
}

#[test]
fn mse_gradient_matches_finite_differences_for_both_operands() {
    let mut rng = rng();
    let inputs = [Tensor::randn([4, 3], &mut rng), Tensor::randn([4, 3], &mut rng)];
    let report = check_gradients(&Tape::new(), &inputs, 1e-6, |_, v| mse_loss(v[0], v[1]));
    assert!(report.passes(1e-8, 1e-6), "{report}");
}

#[test]
fn bce_with_logits_gradient_matches_finite_differences_for_logits_and_targets() {
    let mut rng = rng();
    let logits = Tensor::randn([6, 1], &mut rng).map(|x| 3.0 * x);
    let targets = Tensor::uniform([6, 1], 0.0, 1.0, &mut rng);
    let report = check_gradients(&Tape::new(), &[logits, targets], 1e-6, |_, v| bce_with_logits(v[0], v[1]));
    assert!(report.passes(1e-8, 1e-6), "{report}");
}

#[test]
fn softmax_cross_entropy_gradient_matches_finite_differences() {
    let mut rng = rng();
    let logits = Tensor::randn([5, 4], &mut rng);
    let report = check_gradients(&Tape::new(), &[logits], 1e-6, |tape, v| {
        let labels = tape.constant(Tensor::from_vec(vec![0.0, 3.0, 1.0, 1.0, 2.0], [5]));
        softmax_cross_entropy(v[0], labels)
    });
    assert!(report.passes(1e-8, 1e-6), "{report}");
}

#[test]
fn svm_max_margin_gradient_matches_finite_differences_away_from_the_hinge() {
    // Scores chosen so that no 1 - y*s is near 0, where the loss has a kink.
    let scores = Tensor::from_vec(vec![0.3, -2.0, 1.7, -0.4, 2.5, 0.1], [6, 1]);
    let labels = Tensor::from_vec(vec![1.0, -1.0, -1.0, 1.0, 1.0, -1.0], [6, 1]);
    // The labels stay exact (±1 is checked), so only the scores are perturbed.
    let report =
        check_gradients(&Tape::new(), &[scores], 1e-6, |tape, v| svm_max_margin(v[0], tape.constant(labels.clone())));
    assert!(report.passes(1e-8, 1e-6), "{report}");
}

#[test]
#[should_panic(expected = "svm_max_margin: label 0 at index 1 is not -1 or +1 (for 0/1 labels pass 2y - 1)")]
fn svm_max_margin_refuses_zero_one_labels() {
    let tape = Tape::<f32>::new();
    let scores = tape.var(Tensor::from_vec(vec![0.5, -0.5], [2]));
    let _ = svm_max_margin(scores, tape.constant(Tensor::from_vec(vec![1.0, 0.0], [2])));
}

#[test]
fn l2_penalty_is_lambda_times_the_sum_of_squares() {
    let mut rng = rng();
    let model = Mlp::<f64>::new(&[2, 3, 1], Activation::Relu, &mut rng);
    let expected: f64 = model.params().flat_map(|p| p.value().data().to_vec()).map(|x| x * x).sum::<f64>() * 1e-4;
    let tape = Tape::new();
    let penalty = l2_penalty(&model, &tape, 1e-4);
    assert!((penalty.item() - expected).abs() < 1e-15);
    let grads = penalty.backward();
    for p in model.params() {
        let want = p.value().map(|x| 2e-4 * x);
        assert!(grads.param(p).unwrap().all_close(&want, 1e-12, 0.0), "{}", p.name());
    }
}

#[test]
fn bce_with_logits_stays_finite_and_exact_at_logits_of_a_thousand() {
    let tape = Tape::<f32>::new();
    let logits = tape.var(Tensor::from_vec(vec![1000.0, -1000.0, 1000.0, -1000.0], [4, 1]));
    let targets = tape.constant(Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], [4, 1]));
    let loss = bce_with_logits(logits, targets);
    // Two rows right with certainty (loss 0), two wrong by 1000 each.
    assert_eq!(loss.item(), 500.0);
    let g = loss.backward();
    // d/dx = (sigmoid(x) - y) / N
    assert_eq!(g.wrt(logits).data(), &[0.0, 0.0, 0.25, -0.25]);
}

#[test]
fn softmax_cross_entropy_stays_finite_and_exact_at_logits_of_a_thousand() {
    let tape = Tape::<f32>::new();
    let logits = tape.var(Tensor::from_vec(vec![1000.0, 0.0, -1000.0, -1000.0, 1000.0, 0.0], [2, 3]));
    let labels = tape.constant(Tensor::from_vec(vec![2.0, 1.0], [2]));
    let loss = softmax_cross_entropy(logits, labels);
    // Row 0 puts its label 2000 below the maximum, row 1 is right.
    assert_eq!(loss.item(), 1000.0);
    let g = loss.backward();
    assert_eq!(g.wrt(logits).data(), &[0.5, 0.0, -0.5, 0.0, 0.0, 0.0]);
    assert!(logits.log_softmax(-1).is_finite());
}

#[test]
fn mse_and_svm_stay_finite_for_large_inputs() {
    let tape = Tape::<f32>::new();
    let s = tape.var(Tensor::from_vec(vec![1000.0, -1000.0], [2, 1]));
    let y = tape.constant(Tensor::from_vec(vec![1.0, 1.0], [2, 1]));
    let hinge = svm_max_margin(s, y);
    assert_eq!(hinge.item(), 1001.0 / 2.0);
    assert_eq!(hinge.backward().wrt(s).data(), &[0.0, -0.5]);
    let mse = mse_loss(s, y);
    assert!(mse.item().is_finite());
}

#[test]
#[should_panic(expected = "softmax_cross_entropy: label 3 of row 1 is not a class index in [0, 3)")]
fn softmax_cross_entropy_rejects_a_label_out_of_range() {
    let tape = Tape::<f32>::new();
    let logits = tape.var(Tensor::zeros([2, 3]));
    softmax_cross_entropy(logits, tape.constant(Tensor::from_vec(vec![0.0, 3.0], [2])));
}

#[test]
#[should_panic(expected = "softmax_cross_entropy: logits [2, 3] and labels [3] do not fit")]
fn softmax_cross_entropy_rejects_labels_of_the_wrong_length() {
    let tape = Tape::<f32>::new();
    softmax_cross_entropy(tape.var(Tensor::zeros([2, 3])), tape.constant(Tensor::zeros([3])));
}

#[test]
#[should_panic(expected = "bce_with_logits: prediction [4, 1] and target [4] have different shapes")]
fn bce_with_logits_rejects_targets_of_another_shape() {
    let tape = Tape::<f32>::new();
    bce_with_logits(tape.var(Tensor::zeros([4, 1])), tape.constant(Tensor::zeros([4])));
}

#[test]
#[should_panic(expected = "mse_loss: prediction [2] and target [3] have different shapes")]
fn mse_loss_rejects_targets_of_another_shape() {
    let tape = Tape::<f32>::new();
    mse_loss(tape.var(Tensor::zeros([2])), tape.constant(Tensor::zeros([3])));
}

#[test]
fn accuracy_counts_the_sign_or_the_argmax() {
    let logits = Tensor::from_vec(vec![2.0f32, -1.0, 0.5, -0.1], [4, 1]);
    let targets = Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0], [4, 1]);
    assert_eq!(binary_accuracy(&logits, &targets), 0.75);
    let logits = Tensor::from_vec(vec![0.1f32, 0.9, 0.0, 3.0, 1.0, 2.0], [2, 3]);
    let labels = Tensor::from_vec(vec![1.0, 2.0], [2]);
    assert_eq!(multiclass_accuracy(&logits, &labels), 0.5);
}
