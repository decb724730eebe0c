//! Trains a 2-16-16-1 MLP on two moons with shuffled mini-batches (AdamW,
//! linear warmup then cosine decay), prints one line per epoch, and writes
//! `moons.svg`: the decision boundary with the points.
//!
//!     cargo run --release --example moons               # train and draw
//!     cargo run --release --example moons -- --inspect  # also gradient norms, update ratios, saturation per epoch
//!     cargo run --release --example moons -- --report   # also moons-report.html and its data as CSV (steps, epochs, noise)
//!     cargo run --release --example moons -- --report --sharpness 50   # the report also charts the sharpness
//!     cargo run --release --example moons -- --epochs 60 --seed 3 --lr 0.02
//!     cargo run --release --example moons -- --sgd      # plain SGD at a constant rate instead
//!     cargo run --release --example moons -- --help     # every flag

mod common;

use std::time::Instant;

use common::cli::{self, Flag};
use common::plot;
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{Dataset, toy};
use tapegrad::diagnostics::{
    ActivationKind, Diagnostics, EpochMetrics, GradientNoise, Histograms, NoiseScale, Sharpness, StepMetrics, StepRow,
    TrainingLog,
};
use tapegrad::nn::loss::{self, Reduction};
use tapegrad::nn::metrics::binary_accuracy;
use tapegrad::nn::{Activation, Mlp, Module};
use tapegrad::optim::{AdamW, Constant, Cosine, Optimizer, Schedule, Sgd, Warmup};
use tapegrad::report::{DecisionBoundary, GraphPicture, Report};
use tapegrad::{Gradients, Tape, Tensor};

const ABOUT: &str = "Trains a 2-16-16-1 tanh MLP on two moons and draws its decision boundary (moons.svg).";

const FLAGS: &[Flag] = &[
    Flag::value("--epochs", "N", "epochs to train (default 40)"),
    Flag::value("--seed", "N", "seed of the data, the split, the weights and the batches (default 0)"),
    Flag::value("--batch", "N", "mini-batch size (default 32)"),
    Flag::value("--lr", "RATE", "peak learning rate of AdamW (default 0.01)"),
    Flag::switch("--sgd", "plain SGD at the constant rate 0.5 instead of AdamW with warmup and cosine decay"),
    Flag::switch(
        "--inspect",
        "after each epoch, each parameter's gradient L2 norm and update ratio and each activation's saturation",
    ),
    Flag::switch(
        "--report",
        "write the training report moons-report.html (with the gradient noise scale of every batch), and its data \
         as moons-steps.csv, moons-epochs.csv and moons-noise.csv",
    ),
    Flag::value(
        "--sharpness",
        "K",
        "with --report: measure the sharpness (top Hessian eigenvalue of the training loss) every K steps and chart it",
    ),
];

const REPORT: &str = "moons-report.html";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = cli::from_env(ABOUT, "moons", FLAGS);
    let value = |name, default| args.value(name, default).unwrap_or_else(|e| cli::fail(&e));
    let (epochs, seed, batch_size) = (value("--epochs", 40), value("--seed", 0) as u64, value("--batch", 32));
    let lr: f64 = args.value("--lr", 0.01).unwrap_or_else(|e| cli::fail(&e));
    let (inspect, write_report, sgd) = (args.is_set("--inspect"), args.is_set("--report"), args.is_set("--sgd"));
    if epochs == 0 || batch_size == 0 {
        cli::fail("--epochs and --batch must be at least 1");
    }
    let sharpness_every = value("--sharpness", 0);
    if sharpness_every > 0 && !write_report {
        cli::fail("--sharpness needs --report, which charts it");
    }

    let mut rng = StdRng::seed_from_u64(seed);
    let data = toy::moons::<f32, _>(1000, 0.1, &mut rng);
    let (train, test) = data.split(0.2, &mut rng);
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    let steps_per_epoch = train.len().div_ceil(batch_size);
    let total_steps = epochs * steps_per_epoch;
    // The design's recipe: AdamW, linear warmup, then cosine decay to 0 over
    // the remaining steps. `--sgd` trains with plain SGD at a constant rate.
    let warmup = 100.min(total_steps / 10);
    let (mut opt, schedule): (Box<dyn Optimizer>, Box<dyn Schedule>) = if sgd {
        (Box::new(Sgd::new(0.5)), Box::new(Constant::new(0.5)))
    } else {
        let schedule = Warmup::new(warmup, Cosine::new(lr, total_steps - warmup));
        (Box::new(AdamW::new(lr).weight_decay(1e-4)), Box::new(schedule))
    };
    let recipe = if sgd {
        "SGD at lr 0.5".to_string()
    } else {
        format!("AdamW (wd 1e-4), {warmup} warmup steps then cosine from lr {lr}")
    };
    let setup = format!(
        "two moons (noise 0.1): {} training and {} test points, batch {batch_size}, {total_steps} steps, {recipe}",
        train.len(),
        test.len()
    );
    println!("{model}\n{setup}\n");

    // Diagnostics are measured only when something shows them.
    let watch = inspect || write_report;
    let mut diagnostics = Diagnostics::new();
    let mut log = TrainingLog::with_capacity(total_steps, epochs, model.params().count(), 2);
    // Histograms of every step for the report: room for all of them, so
    // recording allocates nothing after the first.
    let mut histograms = Histograms::with_capacity(if write_report { total_steps } else { 0 });
    // The curvature example's measurement (100 products, tolerance 1e-3),
    // on the whole training set, every `--sharpness` steps.
    let mut sharpness = Sharpness::new(100, 1e-3);
    let mut report = Report::new("tapegrad: a 2-16-16-1 tanh MLP learns two moons");
    report.note(setup).note(format!("seed {seed}, {} parameters", model.num_params()));
    let boundary_at = snapshot_epochs(epochs);
    let capture =
        |model: &Mlp, label: String| DecisionBoundary::capture(label, data.x(), data.y(), |g| model.predict(g));
    if write_report {
        report.add_boundary(capture(&model, "before training".into()));
    }

    // The report tracks the gradient noise scale: every batch's per-sample
    // gradients (on a tape of their own, before the step), averaged as
    // McCandlish et al. do.
    let (mut noise_tape, mut noise, mut noise_scale) = (Tape::new(), GradientNoise::new(), NoiseScale::new(0.99));
    let (mut tape, mut grads) = (Tape::new(), Gradients::new());
    let mut step = 0;
    let started = Instant::now();
    let mut test_accuracy = 0.0;
    for epoch in 1..=epochs {
        let epoch_start = Instant::now();
        let (mut loss_sum, mut seen) = (0.0, 0);
        for batch in train.batches(batch_size, &mut rng) {
            if sharpness_every > 0 && step % sharpness_every == 0 {
                sharpness.measure(step, &model, |tape, model| {
                    let logits = model.forward(tape.constant(train.x().clone()));
                    loss::bce_with_logits(logits, tape.constant(train.y().clone()))
                });
            }
            let n = batch.x.shape()[0];
            if write_report && n > 1 {
                noise_tape.clear();
                let logits = model.forward(noise_tape.constant_from_slice(batch.x.data(), batch.x.shape()));
                let targets = noise_tape.constant_from_slice(batch.y.data(), batch.y.shape());
                noise.measure(loss::bce_with_logits_with(logits, targets, Reduction::None));
                noise_scale.update(noise.total());
                log.record_noise(&noise_scale, n);
            }
            tape.clear();
            let logits = model.forward(tape.constant(batch.x).named("x")).named("logits");
            let loss = loss::bce_with_logits(logits, tape.constant(batch.y).named("y")).named("loss");
            let value = loss.item() as f64;
            loss_sum += value * n as f64;
            seen += n;
            loss.backward_into(&mut grads);
            opt.set_lr(schedule.lr(step));
            opt.step(&mut model, &grads);
            if watch {
                diagnostics.measure(&tape, &grads, &model);
            }
            if write_report {
                histograms.record(step, &tape, &grads);
            }
            log.record_step(StepMetrics { loss: value, lr: opt.lr() }, watch.then_some(&diagnostics));
            step += 1;
        }
        let train_accuracy = binary_accuracy(&model.predict(train.x()), train.y());
        test_accuracy = binary_accuracy(&model.predict(test.x()), test.y());
        let train_loss = loss_sum / seen as f64;
        let test_loss = mean_bce(&model, &test);
        log.record_epoch(EpochMetrics {
            train_loss,
            train_accuracy: Some(train_accuracy),
            test_loss: Some(test_loss),
            test_accuracy: Some(test_accuracy),
        });
        println!(
            "epoch {epoch:3}  loss {train_loss:.4}  test loss {test_loss:.4}  train acc {:5.1}%  test acc {:5.1}%  ({:.1} ms)",
            100.0 * train_accuracy,
            100.0 * test_accuracy,
            epoch_start.elapsed().as_secs_f64() * 1e3
        );
        if inspect {
            print_epoch_diagnostics(&log, epoch);
        }
        if write_report {
            println!("    gradient noise scale B_noise, averaged: {}", noise_scale_text(noise_scale.noise_scale()));
        }
        if write_report && boundary_at.contains(&epoch) {
            report.add_boundary(capture(&model, format!("after epoch {epoch}")));
        }
    }
    println!("\ntrained in {:.2} s; test accuracy {:.1}%", started.elapsed().as_secs_f64(), 100.0 * test_accuracy);

    let points: Vec<(f32, f32, usize)> = (0..data.len())
        .map(|i| (data.x().get(&[i, 0]), data.x().get(&[i, 1]), data.y().get(&[i, 0]) as usize))
        .collect();
    let title = format!("tapegrad: 2-16-16-1 MLP on two moons, test accuracy {:.1}%", 100.0 * test_accuracy);
    plot::decision_boundary("moons.svg", &title, &points, |grid| {
        let x = Tensor::from_fn([grid.len(), 2], |i| if i % 2 == 0 { grid[i / 2].0 } else { grid[i / 2].1 });
        let logits = model.predict(&x);
        logits
            .data()
            .iter()
            .map(|&z| {
                let p = 1.0 / (1.0 + (-z).exp());
                ((p > 0.5) as usize, (2.0 * p - 1.0).abs())
            })
            .collect()
    })?;
    println!("wrote moons.svg");

    if write_report {
        // The tape still holds the last step, with the values the
        // parameters had before it and the gradients of its sweep.
        report.set_graph(GraphPicture::capture(&tape, Some(&grads)));
        report.set_histograms(histograms);
        if sharpness_every > 0 {
            report.set_sharpness(sharpness);
        }
        report.write(REPORT, &log)?;
        log.write_steps_csv("moons-steps.csv")?;
        log.write_epochs_csv("moons-epochs.csv")?;
        log.write_noise_csv("moons-noise.csv")?;
        println!("wrote {REPORT} (open it in a browser), moons-steps.csv, moons-epochs.csv and moons-noise.csv");
    }
    Ok(())
}

/// A noise scale as text: the number, or why there is none (the averaged
/// estimate of |G|² fell to zero or below: the true gradient is lost in the
/// noise of its estimate, near a minimum).
fn noise_scale_text(b_noise: f64) -> String {
    if b_noise > 0.0 && b_noise.is_finite() {
        format!("{b_noise:.0} samples")
    } else {
        "beyond measure (|G|² lost in the noise of its estimate)".into()
    }
}

/// The epochs after which the report shows the decision boundary: an
/// early one, one a third of the way, and the last.
fn snapshot_epochs(epochs: usize) -> Vec<usize> {
    let mut at = vec![(epochs / 10).max(1), (epochs / 3).max(1), epochs];
    at.dedup();
    at
}

/// The mean binary cross-entropy of the model on a data set, on a tape of
/// its own (the training tape keeps the last step for the report).
fn mean_bce(model: &Mlp, data: &Dataset) -> f64 {
    let tape = Tape::new();
    let logits = tape.constant(model.predict(data.x()));
    loss::bce_with_logits(logits, tape.constant(data.y().clone())).item() as f64
}

/// Prints, for the epoch just ended, what `--inspect` promises: each
/// parameter's gradient L2 norm and update ratio, and each activation's
/// saturated fraction, as means over the epoch's steps.
fn print_epoch_diagnostics(log: &TrainingLog, epoch: usize) {
    let rows: Vec<_> = log.step_rows().filter(|r| r.epoch() == epoch).collect();
    // A ratio is not finite where a zero bias moved: left out of the mean.
    let mean = |value: &dyn Fn(&StepRow<'_>) -> f64| {
        let finite: Vec<f64> = rows.iter().map(value).filter(|v| v.is_finite()).collect();
        finite.iter().sum::<f64>() / finite.len().max(1) as f64
    };
    println!("    means over the epoch's {} steps:   gradient L2 norm |g|   update ratio |Δw|/|w|", rows.len());
    for (k, name) in log.param_names().iter().enumerate() {
        println!("    {name:<34} {:>18.5} {:>21.2e}", mean(&|r| r.grad_norm(k)), mean(&|r| r.update_ratio(k)));
    }
    for (k, (name, kind)) in log.activation_names().iter().zip(log.activation_kinds()).enumerate() {
        // Saturation counts outputs; death counts units (columns).
        let counted = if matches!(kind, ActivationKind::Relu | ActivationKind::Gelu) { "units" } else { "outputs" };
        let share = 100.0 * mean(&|r| r.saturation(k));
        let what = kind.saturation_name();
        println!("    {name:<34} {share:5.1}% of {counted} {what}, output std {:.3}", mean(&|r| r.activation_std(k)));
    }
}
