//! Trains an MLP on scikit-learn's 8 x 8 handwritten digits (1797 images,
//! 10 classes), prints its test accuracy beside scikit-learn's baselines,
//! and writes `digits-report.html`: the training curves, the confusion
//! matrix, and the misclassified test digits drawn as images with their
//! true and predicted labels.
//!
//!     cargo run --release --example digits               # one stratified 80/20 split, the report
//!     cargo run --release --example digits -- --seeds 10 # ten splits: mean and spread, as the baselines
//!     cargo run --release --example digits -- --help     # every flag

mod common;

use std::time::Instant;

use common::cli::{self, Flag};
use common::fit::{Trainer, mean_loss};
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::Tensor;
use tapegrad::data::{Classification, Dataset, sklearn};
use tapegrad::diagnostics::{EpochMetrics, TrainingLog};
use tapegrad::nn::metrics::{argmax, multiclass_accuracy};
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{AdamW, Cosine, Warmup};
use tapegrad::report::{ConfusionMatrix, GraphPicture, Misclassified, Report};

const ABOUT: &str = "Trains a 64-128-10 MLP on the 8x8 digits and writes digits-report.html.";

const FLAGS: &[Flag] = &[
    Flag::value("--seeds", "N", "train on N stratified splits (seeds 0..N) and print the mean (default 1)"),
    Flag::value("--seed", "N", "the first seed: of the split, the weights and the batches (default 0)"),
    Flag::value("--epochs", "N", "epochs to train (default 40)"),
    Flag::value("--hidden", "N", "units of the hidden layer (default 128)"),
    Flag::value("--lr", "RATE", "peak learning rate of AdamW (default 0.003)"),
    Flag::switch(
        "--shift",
        "also train on each training image moved by one pixel up, down, left and right (5x the data)",
    ),
];

const REPORT: &str = "digits-report.html";
const BATCH: usize = 32;

/// What one run leaves: its test accuracy, its training time, and for the
/// report what it saw.
struct Run {
    accuracy: f64,
    seconds: f64,
    log: TrainingLog,
    model: Mlp,
    test: Dataset,
    /// The test images as they are (pixels 0..16), for the picture.
    raw_test: Tensor,
    graph: GraphPicture,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = cli::from_env(ABOUT, "digits", FLAGS);
    let value = |name, default| args.value(name, default).unwrap_or_else(|e| cli::fail(&e));
    let (seeds, first, epochs, hidden) =
        (value("--seeds", 1), value("--seed", 0), value("--epochs", 40), value("--hidden", 128));
    let lr: f64 = args.value("--lr", 0.003).unwrap_or_else(|e| cli::fail(&e));
    if seeds == 0 || epochs == 0 || hidden == 0 {
        cli::fail("--seeds, --epochs and --hidden must be at least 1");
    }

    let digits: Classification = sklearn::digits();
    println!("{digits}");
    println!("{}\n", digits.about().expect("a bundled set").citation);
    println!(
        "64-{hidden}-10 ReLU MLP, AdamW (lr {lr}, weight decay 1e-4, warmup then cosine), batch {BATCH}, {epochs} \
         epochs; stratified 80/20 split, features standardized on the training side; one thread"
    );

    let mut runs = Vec::new();
    for seed in first..first + seeds {
        let run = train(&digits, seed as u64, epochs, hidden, lr, seeds == 1, args.is_set("--shift"));
        println!("seed {seed}: test accuracy {:.2}% after {:.2} s of training", 100.0 * run.accuracy, run.seconds);
        runs.push(run);
    }
    let accuracies: Vec<f64> = runs.iter().map(|r| r.accuracy).collect();
    let (mean, std) = common::baseline::mean_std(&accuracies);
    println!(
        "\ntapegrad MLP: {:.2}% ± {:.2} over {} split(s) (min {:.2}%), {:.2} s of training a run on average",
        100.0 * mean,
        100.0 * std,
        runs.len(),
        100.0 * accuracies.iter().copied().fold(f64::INFINITY, f64::min),
        runs.iter().map(|r| r.seconds).sum::<f64>() / runs.len() as f64
    );
    common::baseline::print("digits", true);

    let run = &runs[0];
    let logits = run.model.predict(run.test.x());
    let names = digits.class_names();
    let confusion = ConfusionMatrix::capture(names, run.test.y(), &logits);
    let wrong = Misclassified::capture(names, &run.raw_test, run.test.y(), &logits).images(8, 8);
    let pairs: Vec<String> = wrong
        .indices()
        .iter()
        .map(|&i| format!("{}→{}", run.test.y().data()[i], argmax(&logits.data()[10 * i..10 * (i + 1)])))
        .collect();
    println!("\n{} misclassified test digits (true→predicted, most confident first): {}", wrong.len(), pairs.join(" "));

    let mut report = Report::new(format!("tapegrad: a 64-{hidden}-10 MLP reads handwritten digits"));
    report
        .note(format!("{digits}; seed {first}: {} training and {} test images", digits.len() - run.test.len(), run.test.len()))
        .note(format!(
            "64-{hidden}-10 ReLU MLP ({} parameters), AdamW (lr {lr}, weight decay 1e-4, warmup then cosine), batch {BATCH}, {epochs} epochs, {:.2} s of training",
            run.model.num_params(),
            run.seconds
        ))
        .note(format!("test accuracy {:.2}%; scikit-learn baselines on the same protocol: {}", 100.0 * run.accuracy, common::baseline::summary("digits", true)))
        .add_confusion_matrix(confusion)
        .add_misclassified(wrong)
        .set_graph(run.graph.clone());
    report.write(REPORT, &run.log)?;
    println!("wrote {REPORT} (open it in a browser)");
    Ok(())
}

/// One split, one model: trains and measures. The report's training log
/// records the test accuracy after each epoch when `watch` is set.
fn train(digits: &Classification, seed: u64, epochs: usize, hidden: usize, lr: f64, watch: bool, shift: bool) -> Run {
    let mut rng = StdRng::seed_from_u64(seed);
    let (train, test) = digits.stratified_split(0.2, &mut rng);
    let raw_test = test.x().clone();
    let (mut train, mut test) = (train.into_data(), test.into_data());
    if shift {
        train = with_shifted_copies(&train);
    }
    let scaler = train.standardizer();
    scaler.apply(&mut train);
    scaler.apply(&mut test);

    let mut model = Mlp::new(&[64, hidden, 10], Activation::Relu, &mut rng);
    let steps = epochs * train.len().div_ceil(BATCH);
    let warmup = steps / 20;
    let schedule = Warmup::new(warmup, Cosine::new(lr, steps - warmup));
    let mut opt = AdamW::new(lr).weight_decay(1e-4);
    let mut log = TrainingLog::with_capacity(steps, epochs, 4, 0);
    let mut trainer = Trainer::default();
    let mut seconds = 0.0;
    for _ in 0..epochs {
        let started = Instant::now();
        let train_loss =
            trainer.epoch(&mut model, &train, BATCH, &mut opt, &schedule, loss::softmax_cross_entropy, &mut rng, |m| {
                log.record_step(m, None)
            });
        seconds += started.elapsed().as_secs_f64();
        if watch {
            let accuracy = |d: &Dataset| multiclass_accuracy(&model.predict(d.x()), d.y());
            log.record_epoch(EpochMetrics {
                train_loss,
                train_accuracy: Some(accuracy(&train)),
                test_loss: Some(mean_loss(&model, &test, loss::softmax_cross_entropy)),
                test_accuracy: Some(accuracy(&test)),
            });
        }
    }
    let accuracy = multiclass_accuracy(&model.predict(test.x()), test.y());
    Run { accuracy, seconds, log, model, test, raw_test, graph: trainer.last_step() }
}

/// The images of `data` and each moved by one pixel in the four directions
/// (the pixel that enters is blank).
fn with_shifted_copies(data: &Dataset) -> Dataset {
    let n = data.len();
    let moves = [(0i32, 0i32), (1, 0), (-1, 0), (0, 1), (0, -1)];
    let x = Tensor::from_fn([moves.len() * n, 64], |k| {
        let (copy, image, pixel) = (k / (64 * n), (k / 64) % n, k % 64);
        let (dr, dc) = moves[copy];
        let (r, c) = ((pixel / 8) as i32 - dr, (pixel % 8) as i32 - dc);
        if (0..8).contains(&r) && (0..8).contains(&c) {
            data.x().data()[image * 64 + (r * 8 + c) as usize]
        } else {
            0.0
        }
    });
    let y = Tensor::from_fn([moves.len() * n], |k| data.y().data()[k % n]);
    Dataset::new(x, y).expect("five copies of each example")
}
