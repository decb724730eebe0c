//! The diagnostics against values computed by hand on two-layer nets: a
//! gradient norm, a value norm, update ratios under SGD and Adam, a tanh
//! saturation fraction, a dead-ReLU fraction; and the log that keeps them.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::diagnostics::{ActivationKind, Diagnostics, EpochMetrics, StepMetrics, TrainingLog};
use tapegrad::nn::{Activation, Mlp, Module, Sequential, loss};
use tapegrad::optim::{Adam, Optimizer, Sgd};
use tapegrad::{Tape, Tensor};

/// A 2-2-1 net with the given weights, biases and activation.
fn two_layer_net(activation: Activation, values: [Tensor<f64>; 4]) -> Mlp<f64> {
    let mut model = Mlp::new(&[2, 2, 1], activation, &mut StdRng::seed_from_u64(0));
    for (param, value) in model.params_mut().zip(values) {
        param.set_value(value);
    }
    model
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

fn norm(values: &[f64]) -> f64 {
    values.iter().map(|v| v * v).sum::<f64>().sqrt()
}

#[test]
fn tanh_net_gradient_norms_update_ratios_and_saturation_match_the_hand_computation() {
    let w0 = [[3.0, 0.0], [0.5, -0.25]];
    let b0 = [0.0, 0.1];
    let w1 = [1.0, -2.0];
    let b1 = 0.5;
    let x = [[1.0, 2.0], [-1.0, 0.0]];
    let t = [1.0, 0.0];
    let mut model = two_layer_net(
        Activation::Tanh,
        [
            Tensor::from_vec(w0.concat(), [2, 2]),
            Tensor::from_vec(b0.to_vec(), [2]),
            Tensor::from_vec(w1.to_vec(), [1, 2]),
            Tensor::from_vec(vec![b1], [1]),
        ],
    );

    // By hand: h = tanh(x W0ᵀ + b0), out = h W1ᵀ + b1, L = mean((out - t)²).
    let h: Vec<[f64; 2]> =
        x.iter().map(|xn| [0, 1].map(|j| (w0[j][0] * xn[0] + w0[j][1] * xn[1] + b0[j]).tanh())).collect();
    let out: Vec<f64> = h.iter().map(|hn| hn[0] * w1[0] + hn[1] * w1[1] + b1).collect();
    let d_out: Vec<f64> = (0..2).map(|n| 2.0 * (out[n] - t[n]) / 2.0).collect();
    let d_pre: Vec<[f64; 2]> = (0..2).map(|n| [0, 1].map(|j| d_out[n] * w1[j] * (1.0 - h[n][j] * h[n][j]))).collect();
    let d_w0: Vec<f64> = (0..2)
        .flat_map(|j| (0..2).map(move |i| (j, i)))
        .map(|(j, i)| d_pre[0][j] * x[0][i] + d_pre[1][j] * x[1][i])
        .collect();
    let d_w1 = [0, 1].map(|j| d_out[0] * h[0][j] + d_out[1] * h[1][j]);
    let hs: Vec<f64> = h.iter().flatten().copied().collect();
    let mean = hs.iter().sum::<f64>() / 4.0;
    let std = (hs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
    // Units of pre-activation ±3 saturate (|tanh 3| = 0.995); 0.1 and -0.4 do not.
    let saturated = hs.iter().filter(|v| v.abs() > 0.97).count() as f64 / 4.0;
    assert_eq!(saturated, 0.5);

    let lr = 0.1;
    let mut opt = Sgd::new(lr);
    let tape = Tape::new();
    let prediction = model.forward(tape.constant(Tensor::from_vec(x.concat(), [2, 2])));
    let grads = loss::mse_loss(prediction, tape.constant(Tensor::from_vec(t.to_vec(), [2, 1]))).backward();
    opt.step(&mut model, &grads);
    let mut diagnostics = Diagnostics::new();
    diagnostics.measure(&tape, &grads, &model);

    let first = diagnostics.param("layers.0.weight").unwrap();
    assert!(close(first.grad_norm, norm(&d_w0)), "{} vs {}", first.grad_norm, norm(&d_w0));
    assert!(close(first.value_norm, norm(&w0.concat())));
    // SGD moves w by lr g.
    assert!(close(first.update_ratio(), lr * norm(&d_w0) / norm(&w0.concat())));
    let second = diagnostics.param("layers.1.weight").unwrap();
    assert!(close(second.grad_norm, norm(&d_w1)));
    assert!(close(second.update_ratio(), lr * norm(&d_w1) / norm(&w1)));
    let bias = diagnostics.param("layers.1.bias").unwrap();
    assert!(close(bias.grad_norm, (d_out[0] + d_out[1]).abs()));
    let names: Vec<&str> = diagnostics.params().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);

    let [tanh] = diagnostics.activations() else { panic!("one activation node") };
    assert_eq!((tanh.name.as_str(), tanh.kind, tanh.node), ("layers.0.tanh", ActivationKind::Tanh, 4));
    assert!(close(tanh.mean, mean) && close(tanh.std, std));
    assert_eq!(tanh.saturation, saturated);
}

#[test]
fn adam_first_step_update_ratio_is_lr_times_the_sign_over_the_norm() {
    let w0 = [[0.5, -1.0], [2.0, 0.25]];
    let mut model = two_layer_net(
        Activation::Tanh,
        [
            Tensor::from_vec(w0.concat(), [2, 2]),
            Tensor::from_vec(vec![0.1, -0.1], [2]),
            Tensor::from_vec(vec![1.0, 1.0], [1, 2]),
            Tensor::from_vec(vec![0.0], [1]),
        ],
    );
    let lr = 1e-2;
    let mut opt = Adam::new(lr);
    let tape = Tape::new();
    let prediction = model.forward(tape.constant(Tensor::from_vec(vec![1.0, 2.0, -0.5, 1.0], [2, 2])));
    let grads = loss::mse_loss(prediction, tape.constant(Tensor::from_vec(vec![1.0, -1.0], [2, 1]))).backward();
    let g = grads.named("layers.0.weight").unwrap().clone();
    opt.step(&mut model, &grads);
    let mut diagnostics = Diagnostics::new();
    diagnostics.measure(&tape, &grads, &model);
    // Adam's first step, bias-corrected: m̂ = g, v̂ = g², so Δw = -lr g / (|g| + eps).
    let step: Vec<f64> = g.data().iter().map(|g| lr * g / (g.abs() + 1e-8)).collect();
    let stats = diagnostics.param("layers.0.weight").unwrap();
    assert!(close(stats.update_norm, norm(&step)), "{} vs {}", stats.update_norm, norm(&step));
    assert!(close(stats.update_ratio(), norm(&step) / norm(&w0.concat())));
    assert!((stats.update_ratio() - lr * 2.0 / norm(&w0.concat())).abs() < 1e-8, "about lr √4 / |w|");
    // The output bias started at zero and moved: an infinite ratio, not a panic.
    assert_eq!(diagnostics.param("layers.1.bias").unwrap().update_ratio(), f64::INFINITY);
}

#[test]
fn a_relu_unit_negative_for_the_whole_batch_is_dead() {
    let mut model = two_layer_net(
        Activation::Relu,
        [
            Tensor::from_vec(vec![1.0, 0.0, -1.0, 0.0], [2, 2]),
            Tensor::from_vec(vec![0.0, 0.0], [2]),
            Tensor::from_vec(vec![1.0, 1.0], [1, 2]),
            Tensor::from_vec(vec![0.0], [1]),
        ],
    );
    // Unit 0 computes x₀ (positive for both rows), unit 1 -x₀ (never positive).
    let x = Tensor::from_vec(vec![1.0, -1.0, 2.0, 1.0], [2, 2]);
    let mut opt = Sgd::new(0.1);
    let tape = Tape::new();
    let prediction = model.forward(tape.constant(x));
    let grads = loss::mse_loss(prediction, tape.constant(Tensor::zeros([2, 1]))).backward();
    opt.step(&mut model, &grads);
    let mut diagnostics = Diagnostics::new();
    diagnostics.measure(&tape, &grads, &model);
    let relu = diagnostics.activation("layers.0.relu").unwrap();
    assert_eq!((relu.kind, relu.kind.saturation_name()), (ActivationKind::Relu, "dead"));
    assert_eq!(relu.saturation, 0.5);
    // Outputs [1, 0, 2, 0]: mean 0.75, variance (0.25² + 0.75² + 1.25² + 0.75²) / 4 = 0.6875.
    assert!(close(relu.mean, 0.75) && close(relu.std, 0.6875f64.sqrt()));
    // A dead unit gets no gradient: its row of W0 did not move.
    assert_eq!(&model.params().next().unwrap().value().data()[2..], &[-1.0, 0.0]);
}

#[test]
fn sigmoid_saturates_like_tanh_and_gelu_counts_dead_units_and_names_win() {
    let tape = Tape::<f64>::new();
    // σ(5) = 0.9933 and σ(-5) = 0.0067 are saturated (|2σ - 1| > 0.97); σ(1) = 0.73 is not.
    let x = tape.var(Tensor::from_vec(vec![5.0, 1.0, -5.0, 1.0], [2, 2]));
    let s = x.sigmoid().named("gate");
    let g = (x - 3.0).gelu();
    let total = (s.sum() + g.sum()).named("total");
    let grads = total.backward();
    let mut diagnostics = Diagnostics::new();
    diagnostics.measure(&tape, &grads, &Sequential::<f64>::new());
    assert!(diagnostics.params().is_empty());
    let gate = diagnostics.activation("gate").unwrap();
    assert_eq!((gate.kind, gate.saturation), (ActivationKind::Sigmoid, 0.5));
    // gelu(x - 3): column 0 sees 2 and -8 (alive), column 1 sees -2 twice (dead).
    let gelu = diagnostics.activation(&format!("#{} gelu", g.index())).unwrap();
    assert_eq!(gelu.saturation, 0.5);
}

#[test]
fn the_log_keeps_steps_and_epochs_and_writes_them_as_csv() {
    let mut model = two_layer_net(
        Activation::Tanh,
        [
            Tensor::from_vec(vec![0.5, -0.5, 1.0, 2.0], [2, 2]),
            Tensor::from_vec(vec![0.1, 0.2], [2]),
            Tensor::from_vec(vec![1.0, -1.0], [1, 2]),
            Tensor::from_vec(vec![0.3], [1]),
        ],
    );
    let mut opt = Sgd::new(0.05);
    let mut tape = Tape::new();
    let mut diagnostics = Diagnostics::new();
    let mut log = TrainingLog::new();
    log.record_step(StepMetrics { loss: 9.0, lr: 0.0 }, None);
    let mut measured = Vec::new();
    for _ in 0..3 {
        tape.clear();
        let prediction = model.forward(tape.constant(Tensor::from_vec(vec![1.0, 0.5, -1.0, 0.0], [2, 2])));
        let loss = loss::mse_loss(prediction, tape.constant(Tensor::from_vec(vec![1.0, 0.0], [2, 1])));
        let value = loss.item();
        let grads = loss.backward();
        opt.step(&mut model, &grads);
        diagnostics.measure(&tape, &grads, &model);
        log.record_step(StepMetrics { loss: value, lr: opt.lr() }, Some(&diagnostics));
        measured.push(diagnostics.clone());
    }
    log.record_epoch(EpochMetrics {
        train_loss: 0.5,
        train_accuracy: Some(0.75),
        test_loss: None,
        test_accuracy: Some(1.0),
    });

    assert_eq!((log.steps(), log.epochs()), (4, 1));
    assert_eq!(log.param_names(), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
    assert_eq!(log.activation_names(), ["layers.0.tanh"]);
    let rows: Vec<_> = log.step_rows().collect();
    assert!(rows[0].grad_norm(0).is_nan(), "the step before diagnostics has none");
    for (row, d) in rows[1..].iter().zip(&measured) {
        assert_eq!(row.grad_norm(2), d.params()[2].grad_norm);
        assert_eq!(row.update_ratio(0), d.params()[0].update_ratio());
        assert_eq!(row.saturation(0), d.activations()[0].saturation);
        assert_eq!((row.epoch(), row.lr()), (1, 0.05));
    }

    let csv = log.steps_csv();
    let lines: Vec<&str> = csv.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header.len(), 4 + 3 * 4 + 3);
    assert_eq!(
        &header[..7],
        [
            "step",
            "epoch",
            "lr",
            "loss",
            "layers.0.weight.grad_norm",
            "layers.0.weight.value_norm",
            "layers.0.weight.update_ratio"
        ]
    );
    assert_eq!(header.last(), Some(&"layers.0.tanh.saturated"));
    assert_eq!(lines[1], format!("0,1,0,9{}", ",".repeat(15)));
    let third: Vec<f64> = lines[3].split(',').map(|v| v.parse().unwrap()).collect();
    assert_eq!(third[4], measured[1].params()[0].grad_norm, "CSV numbers read back exactly");
    assert_eq!(third[6], measured[1].params()[0].update_ratio());
    assert_eq!(log.epochs_csv(), "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy\n1,4,0.5,0.75,,1\n");

    let dir = std::env::temp_dir().join(format!("tapegrad-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    log.write_steps_csv(dir.join("steps.csv")).unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("steps.csv")).unwrap(), csv);
    let missing = dir.join("no such dir").join("epochs.csv");
    let error = log.write_epochs_csv(&missing).unwrap_err();
    assert!(error.to_string().starts_with(&missing.display().to_string()), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Mean and standard deviation (`1/n`), the two-pass way.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (mean, (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt())
}

#[test]
fn statistics_hold_for_lengths_that_are_not_a_multiple_of_four_and_for_a_large_mean() {
    let tape = Tape::<f64>::new();
    // Seven outputs: tanh(±3), tanh(2.5) = 0.987 and tanh(4) are saturated, the rest are not.
    let inputs = [3.0, -3.0, 0.1, 2.5, -0.2, 4.0, 0.0];
    let t = tape.var(Tensor::from_vec(inputs.to_vec(), [7, 1])).tanh();
    // Outputs about 1e6 with a spread of about 1: a one-pass formula on raw
    // values would lose the spread to cancellation.
    let big = [1e6 + 1.0, 1e6 - 1.0, 1e6 + 2.0, 1e6, 1e6 - 0.5];
    let r = tape.var(Tensor::from_vec(big.to_vec(), [1, 5])).relu();
    let grads = (t.sum() + r.sum()).backward();
    let mut diagnostics = Diagnostics::new();
    diagnostics.measure(&tape, &grads, &Sequential::<f64>::new());
    let [tanh, relu] = diagnostics.activations() else { panic!("two activations") };
    let outputs: Vec<f64> = inputs.iter().map(|v: &f64| v.tanh()).collect();
    let (mean, std) = mean_std(&outputs);
    assert!(close(tanh.mean, mean) && close(tanh.std, std), "{tanh:?} against {mean} {std}");
    assert_eq!(tanh.saturation, 4.0 / 7.0);
    let (mean, std) = mean_std(&big);
    assert!(close(relu.mean, mean) && (relu.std - std).abs() < 1e-9 * std, "{relu:?} against {mean} {std}");
    assert_eq!(relu.saturation, 0.0, "no unit is dead");
}
