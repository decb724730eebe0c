//! The learning-rate range test (`tapegrad::probe::LrRangeTest`): its
//! schedule, smoothing and stopping rule as fastai defines them, its three
//! readings of the curve, and the claim that matters: the rate it suggests
//! trains the moons model (`examples/lr_range.rs`) to at least 97% test
//! accuracy, at several seeds, on every SIMD level.

#[path = "../examples/common/moons_task.rs"]
#[allow(dead_code)]
mod moons_task;

use moons_task::MoonsTask;
use tapegrad::nn::{Linear, Module, loss};
use tapegrad::optim::{Adam, Sgd};
use tapegrad::probe::{LrRangeTest, ParamVector, Suggestion};
use tapegrad::{Tensor, Var};

/// How many seeds the moons claim is checked at, unless `LR_RANGE_SEEDS`
/// asks for more (`LR_RANGE_SEEDS=12 cargo test --release --test lr_range`).
fn seeds() -> u64 {
    std::env::var("LR_RANGE_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5)
}

/// Adam's range test on the moons task of seed `seed`, its valley reading,
/// and the test accuracy of 40 epochs at that rate from the same weights.
fn suggested_rate_and_accuracy(seed: u64) -> (f64, f64) {
    let mut task = MoonsTask::new(seed);
    let lr = task.range_test(LrRangeTest::new(), Adam::new(1.0)).suggestion().expect("a readable curve");
    (lr, task.train(&mut Adam::new(lr), 40, |_, _| {}))
}

#[test]
fn the_suggested_rate_trains_the_moons_model_to_97_percent() {
    // Over seeds 0-11 at scalar, AVX2 and AVX-512 the valley suggested the
    // same Adam rates at every level (4.4e-3 to 2.3e-2) and every run reached
    // 99.0% or more (the lowest, seeds 6 and 8: 2 of 200 test points
    // wrong); 97% is the bar.
    let results: Vec<(u64, f64, f64)> = (0..seeds())
        .map(|seed| {
            let (lr, accuracy) = suggested_rate_and_accuracy(seed);
            println!("seed {seed}: suggested lr {lr:.3e}, test accuracy {:.1}%", 100.0 * accuracy);
            (seed, lr, accuracy)
        })
        .collect();
    let short: Vec<_> = results.iter().filter(|r| r.2 < 0.97).collect();
    assert!(short.is_empty(), "below 97% (seed, lr, accuracy): {short:?}");
}

/// A one-weight linear model fit by MSE to `y = 2x`: the loss at `w` is
/// `(w - 2)² · mean(x²)`, so the curve is known.
fn line_model() -> (Linear<f64>, Tensor<f64>, Tensor<f64>) {
    let model = Linear::from_weights(Tensor::from_vec(vec![0.0], [1, 1]), Tensor::zeros([1]));
    let x = Tensor::from_vec(vec![1.0, -1.0], [2, 1]);
    let y = Tensor::from_vec(vec![2.0, -2.0], [2, 1]);
    (model, x, y)
}

#[test]
fn rates_grow_exponentially_and_the_loss_is_smoothed_with_bias_correction() {
    let (mut model, x, y) = line_model();
    let test = LrRangeTest::new().rates(1e-4, 1.0).steps(8).divergence(f64::INFINITY);
    let range = test.run(&mut model, Sgd::new(0.0), |tape, m| {
        loss::mse_loss(m.forward(tape.constant(x.clone())), tape.constant(y.clone()))
    });
    let points = range.points();
    assert_eq!(points.len(), 8);
    assert!(!range.diverged());
    // lr(i) = 1e-4 · 1e4^(i/8): the last step is short of 1.
    for (i, p) in points.iter().enumerate() {
        assert!((p.lr - 1e-4 * 10f64.powf(i as f64 / 2.0)).abs() < 1e-12 * p.lr, "{i}: {}", p.lr);
    }
    // The loss of each step by hand: gradient descent on (w - 2)², w from 0.
    let (mut w, mut average) = (0.0f64, 0.0);
    for (i, p) in points.iter().enumerate() {
        let loss = (w - 2.0).powi(2);
        assert!((p.loss - loss).abs() < 1e-12, "step {i}: {} vs {loss}", p.loss);
        average = 0.98 * average + 0.02 * loss;
        assert!((p.smoothed - average / (1.0 - 0.98f64.powi(i as i32 + 1))).abs() < 1e-12);
        w -= p.lr * 2.0 * (w - 2.0);
    }
    assert_eq!(ParamVector::of(&model).as_slice(), &[0.0, 0.0], "the weights are put back");
}

#[test]
fn the_test_stops_once_the_smoothed_loss_exceeds_four_times_its_best() {
    // Rates up to 10 on a loss of curvature 2: beyond lr = 1 every step
    // overshoots further, and the loss explodes.
    let (mut model, x, y) = line_model();
    let range =
        LrRangeTest::new().rates(1e-3, 10.0).steps(60).smoothing(0.0).run(&mut model, Sgd::new(0.0), |tape, m| {
            loss::mse_loss(m.forward(tape.constant(x.clone())), tape.constant(y.clone()))
        });
    assert!(range.diverged());
    let points = range.points();
    assert!(points.len() < 60);
    // The best so far at each step; the test stops at the first step above
    // four times it.
    let mut best = f64::INFINITY;
    for (i, p) in points.iter().enumerate() {
        best = best.min(p.smoothed);
        assert_eq!(p.smoothed > 4.0 * best, i == points.len() - 1, "step {i}: {} against best {best}", p.smoothed);
    }
}

#[test]
fn the_three_readings_follow_fastai() {
    // A made-up curve through a closure that returns a fixed loss per step:
    // flat, a descent, a minimum, a blow-up.
    let curve = [
        1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, // the first tenth, skipped
        1.0, 0.99, 0.95, 0.9, 0.8, 0.6, 0.5, 0.45, 0.42, 0.4, 0.41, 0.5, 0.9, 2.0, 3.0, //
        3.5, 3.6, 3.7, 3.8, 3.9, // the last five, skipped
    ];
    let test = LrRangeTest::new().rates(1e-5, 1.0).steps(100).smoothing(0.0).divergence(f64::INFINITY);
    let mut step = 0;
    let mut model = Linear::from_weights(Tensor::<f64>::zeros([1, 1]), Tensor::zeros([1]));
    let range = test.run(&mut model, Sgd::new(0.0), |tape, m| {
        let value = *curve.get(step).unwrap_or(&f64::NAN);
        step += 1;
        // 0 · (the model's output) + value: a loss that has a gradient.
        let out: Var<'_, f64> = m.forward(tape.constant(Tensor::zeros([1, 1])));
        (out * 0.0 + value).sum()
    });
    // The 31st step's loss is NaN: it stops there.
    assert_eq!(range.points().len(), 31);
    let lr = |i: usize| test.lr_at(i);
    // Considered: steps 10..26 (without the last five of the 31 recorded,
    // which include the NaN). The longest descent runs from step 10 (1.0)
    // to step 19 (0.4), 10 points: fastai's start is 9, sections 10/3,
    // index 9 + 3 + 1 = 13 of the whole curve.
    assert_eq!(range.suggest(Suggestion::Valley), Some(lr(13)));
    assert_eq!(range.suggestion(), Some(lr(13)));
    // Steepest: the largest fall per step is 0.8 -> 0.6 (steps 14 -> 15).
    assert_eq!(range.suggest(Suggestion::Steepest), Some(lr(14)));
    // The minimum, 0.4 at step 19, divided by 10.
    assert_eq!(range.suggest(Suggestion::MinimumOverTen), Some(lr(19) / 10.0));
}
