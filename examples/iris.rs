//! A tiny MLP on Fisher's iris flowers, measured as scikit-learn's
//! baseline is: ten repetitions of stratified 5-fold cross-validation, so
//! every flower is a test flower once per repetition. Prints the mean test
//! accuracy over the 50 folds beside scikit-learn's `LogisticRegression`.
//!
//!     cargo run --release --example iris               # 10 x 5 folds
//!     cargo run --release --example iris -- --report   # also iris-report.html
//!     cargo run --release --example iris -- --help     # every flag

mod common;

use common::cli::{self, Flag};
use common::fit::Trainer;
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::Tensor;
use tapegrad::data::{Classification, Dataset, sklearn};
use tapegrad::diagnostics::{EpochMetrics, TrainingLog};
use tapegrad::nn::metrics::multiclass_accuracy;
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{AdamW, Cosine};
use tapegrad::report::{ConfusionMatrix, Misclassified, Report};

const ABOUT: &str = "Cross-validates a 4-8-3 MLP on iris against scikit-learn's LogisticRegression.";

const FLAGS: &[Flag] = &[
    Flag::value("--repeats", "N", "repetitions of the cross-validation, seeds 0..N (default 10)"),
    Flag::value("--folds", "K", "folds per repetition (default 5)"),
    Flag::value("--epochs", "N", "epochs per fold (default 100)"),
    Flag::switch(
        "--report",
        "write iris-report.html: the first fold's training, and the first repetition's predictions",
    ),
];

const REPORT: &str = "iris-report.html";
const HIDDEN: usize = 8;
const BATCH: usize = 16;
const LR: f64 = 0.01;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = cli::from_env(ABOUT, "iris", FLAGS);
    let value = |name, default| args.value(name, default).unwrap_or_else(|e| cli::fail(&e));
    let (repeats, k, epochs) = (value("--repeats", 10), value("--folds", 5), value("--epochs", 100));
    if repeats == 0 || !(2..=50).contains(&k) || epochs == 0 {
        cli::fail("--repeats and --epochs must be at least 1, --folds in 2..=50");
    }

    let iris: Classification = sklearn::iris();
    println!("{iris}\n{}\n", iris.about().expect("a bundled set").citation);
    println!(
        "4-{HIDDEN}-3 tanh MLP, AdamW (lr {LR}, weight decay 1e-4, cosine), batch {BATCH}, {epochs} epochs a fold; \
         {repeats} x stratified {k}-fold cross-validation, features standardized on each training side\n"
    );

    let mut accuracies = Vec::new();
    let mut first_repeat = None;
    for repeat in 0..repeats {
        let mut rng = StdRng::seed_from_u64(repeat as u64);
        // Each flower's logits from the fold that tested it.
        let mut out_of_fold = Tensor::zeros([iris.len(), 3]);
        let mut log = TrainingLog::new();
        let mut scores = Vec::new();
        for (f, fold) in iris.stratified_kfold(k, &mut rng).into_iter().enumerate() {
            let watch = (repeat == 0 && f == 0).then_some(&mut log);
            let (model, test) =
                train_fold(&iris.select(&fold.train), &iris.select(&fold.test), epochs, &mut rng, watch);
            let logits = model.predict(test.x());
            scores.push(multiclass_accuracy(&logits, test.y()));
            for (row, &i) in fold.test.iter().enumerate() {
                out_of_fold.data_mut()[3 * i..3 * i + 3].copy_from_slice(&logits.data()[3 * row..3 * row + 3]);
            }
        }
        let mean = scores.iter().sum::<f64>() / k as f64;
        println!("repetition {repeat}: fold accuracies {}  mean {:.1}%", percents(&scores), 100.0 * mean);
        accuracies.extend(scores);
        first_repeat.get_or_insert((out_of_fold, log));
    }
    let (mean, std) = common::baseline::mean_std(&accuracies);
    println!(
        "\ntapegrad 4-{HIDDEN}-3 MLP: {:.1}% ± {:.1} over {} test folds",
        100.0 * mean,
        100.0 * std,
        accuracies.len()
    );
    common::baseline::print("iris", true);

    if args.is_set("--report") {
        let (logits, log) = first_repeat.expect("at least one repetition");
        let names = iris.class_names();
        let mut report = Report::new(format!("tapegrad: a 4-{HIDDEN}-3 MLP on Fisher's iris"));
        report
            .note(iris.to_string())
            .note(format!(
                "{repeats} x stratified {k}-fold cross-validation: {:.1}% ± {:.1} over {} test folds; scikit-learn's \
                 LogisticRegression on the same protocol: {}",
                100.0 * mean,
                100.0 * std,
                accuracies.len(),
                common::baseline::summary("iris", true)
            ))
            .note("The curves: the first fold of the first repetition. The predictions: every flower once, from the fold of the first repetition that tested it.")
            .add_confusion_matrix(ConfusionMatrix::capture(names, iris.y(), &logits))
            .add_misclassified(
                Misclassified::capture(names, iris.x(), iris.y(), &logits).feature_names(iris.feature_names()),
            );
        report.write(REPORT, &log)?;
        println!("wrote {REPORT}");
    }
    Ok(())
}

/// Trains a fresh model on one fold's training side, standardized with its
/// own statistics; returns it and the standardized test side. With a log,
/// records every step and each epoch's accuracies.
fn train_fold(
    train: &Classification,
    test: &Classification,
    epochs: usize,
    rng: &mut StdRng,
    mut log: Option<&mut TrainingLog>,
) -> (Mlp, Dataset) {
    let (mut train, mut test) = (train.data().clone(), test.data().clone());
    let scaler = train.standardizer();
    scaler.apply(&mut train);
    scaler.apply(&mut test);
    let mut model = Mlp::new(&[4, HIDDEN, 3], Activation::Tanh, rng);
    let mut opt = AdamW::new(LR).weight_decay(1e-4);
    let mut trainer = Trainer::default();
    let schedule = Cosine::new(LR, epochs * train.len().div_ceil(BATCH));
    for _ in 0..epochs {
        let loss =
            trainer.epoch(&mut model, &train, BATCH, &mut opt, &schedule, loss::softmax_cross_entropy, rng, |m| {
                if let Some(log) = log.as_deref_mut() {
                    log.record_step(m, None);
                }
            });
        if let Some(log) = log.as_deref_mut() {
            let accuracy = |d: &Dataset| multiclass_accuracy(&model.predict(d.x()), d.y());
            let (train_accuracy, test_accuracy) = (Some(accuracy(&train)), Some(accuracy(&test)));
            log.record_epoch(EpochMetrics { train_loss: loss, train_accuracy, test_loss: None, test_accuracy });
        }
    }
    (model, test)
}

fn percents(values: &[f64]) -> String {
    values.iter().map(|v| format!("{:5.1}%", 100.0 * v)).collect::<Vec<_>>().join(" ")
}
