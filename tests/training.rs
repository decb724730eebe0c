//! End-to-end training: models converge on the toy data sets, and training
//! is deterministic for a given seed.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{Dataset, toy};
use tapegrad::nn::metrics::{binary_accuracy, multiclass_accuracy};
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{Optimizer, Sgd};
use tapegrad::{Tape, Tensor};

/// Which loss a training run minimises.
#[derive(Clone, Copy)]
enum Task {
    Binary,
    Multiclass,
    Regression,
}

/// Trains `model` with mini-batch SGD and returns the last epoch's mean loss.
fn train(
    model: &mut Mlp,
    data: &Dataset,
    task: Task,
    opt: &mut impl Optimizer,
    epochs: usize,
    batch: usize,
    rng: &mut StdRng,
) -> f64 {
    let mut tape = Tape::new();
    let mut last = 0.0;
    for _ in 0..epochs {
        let (mut sum, mut count) = (0.0, 0);
        for b in data.batches(batch, rng) {
            tape.clear();
            let n = b.x.shape()[0];
            let out = model.forward(tape.constant(b.x));
            let target = tape.constant(b.y);
            let loss = match task {
                Task::Binary => loss::bce_with_logits(out, target),
                Task::Multiclass => loss::softmax_cross_entropy(out, target),
                Task::Regression => loss::mse_loss(out, target),
            };
            sum += loss.item() as f64 * n as f64;
            count += n;
            let grads = loss.backward();
            opt.step(&mut *model, &grads);
        }
        last = sum / count as f64;
    }
    last
}

#[test]
fn an_mlp_separates_two_moons() {
    let mut rng = StdRng::seed_from_u64(0);
    let (train_set, test_set) = toy::moons(1000, 0.1, &mut rng).split(0.2, &mut rng);
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    train(&mut model, &train_set, Task::Binary, &mut Sgd::new(0.5), 40, 32, &mut rng);
    let accuracy = binary_accuracy(&model.predict(test_set.x()), test_set.y());
    assert!(accuracy >= 0.97, "test accuracy {accuracy}");
}

#[test]
fn an_mlp_learns_xor_exactly() {
    let mut rng = StdRng::seed_from_u64(1);
    let data = toy::xor(200, 0.2, &mut rng);
    let mut model = Mlp::new(&[2, 8, 1], Activation::Tanh, &mut rng);
    train(&mut model, &data, Task::Binary, &mut Sgd::new(0.5), 60, 16, &mut rng);
    assert_eq!(binary_accuracy(&model.predict(data.x()), data.y()), 1.0);
}

#[test]
fn a_wider_mlp_separates_three_spiral_arms() {
    let mut rng = StdRng::seed_from_u64(2);
    let data = toy::spirals(100, 3, 0.2, &mut rng);
    let mut model = Mlp::new(&[2, 64, 64, 3], Activation::Relu, &mut rng);
    train(&mut model, &data, Task::Multiclass, &mut Sgd::new(0.2), 400, 32, &mut rng);
    let accuracy = multiclass_accuracy(&model.predict(data.x()), data.y());
    assert!(accuracy >= 0.95, "training accuracy {accuracy}");
}

#[test]
fn an_mlp_fits_a_noisy_sine() {
    let mut rng = StdRng::seed_from_u64(3);
    let (train_set, test_set) = toy::sine(500, 0.05, &mut rng).split(0.2, &mut rng);
    let mut model = Mlp::new(&[1, 32, 32, 1], Activation::Tanh, &mut rng);
    train(&mut model, &train_set, Task::Regression, &mut Sgd::new(0.1), 200, 32, &mut rng);
    let tape = Tape::new();
    let out = model.forward(tape.constant(test_set.x().clone()));
    let mse = loss::mse_loss(out, tape.constant(test_set.y().clone())).item();
    // The noise alone contributes 0.05² = 0.0025. This seed gives 0.0061 at
    // every SIMD level; seeds 3 to 12 gave 0.0057-0.018, hence the margin.
    assert!(mse < 0.02, "test MSE {mse}");
}

#[test]
fn the_same_seed_gives_bit_identical_weights() {
    let run = || {
        let mut rng = StdRng::seed_from_u64(42);
        let data = toy::moons(200, 0.1, &mut rng);
        let mut model = Mlp::new(&[2, 8, 1], Activation::Tanh, &mut rng);
        train(&mut model, &data, Task::Binary, &mut Sgd::new(0.3), 5, 16, &mut rng);
        model.params().map(|p| p.value().clone()).collect::<Vec<_>>()
    };
    let (first, second) = (run(), run());
    for (a, b) in first.iter().zip(&second) {
        let bits = |t: &Tensor| t.data().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(a), bits(b));
    }
}

#[test]
fn micrograds_demo_reaches_full_training_accuracy() {
    // 100 moons points, 2-16-16-1 ReLU with U(-1, 1) weights, SVM loss plus
    // 1e-4 L2, full-batch SGD at micrograd's rate 1 - 0.9 k / 100, 100 steps.
    // The claim is the demo's own, at its seed: 100% at every SIMD level
    // (other seeds give 99-100%).
    let mut rng = StdRng::seed_from_u64(1337);
    let data = toy::moons::<f32, _>(100, 0.1, &mut rng);
    let labels = data.y().map(|y| 2.0 * y - 1.0);
    let mut model = Mlp::with_init(&[2, 16, 16, 1], Activation::Relu, tapegrad::nn::Init::Uniform(-1.0, 1.0), &mut rng);
    let mut opt = Sgd::new(1.0);
    let mut tape = Tape::new();
    for k in 0..100 {
        tape.clear();
        let scores = model.forward(tape.constant(data.x().clone()));
        let total = loss::svm_max_margin(scores, tape.constant(labels.clone())) + loss::l2_penalty(&model, &tape, 1e-4);
        let grads = total.backward();
        opt.set_lr(1.0 - 0.9 * k as f64 / 100.0);
        opt.step(&mut model, &grads);
    }
    let scores = model.predict(data.x());
    assert_eq!(binary_accuracy(&scores, &data.y().clone()), 1.0);
}
