//! Regression on scikit-learn's diabetes data (442 patients, 10 features,
//! disease progression after a year): a linear model and a small MLP, each
//! trained by tapegrad on 20 random 80/20 splits, with R² on the held-out
//! patients beside scikit-learn's `LinearRegression` (ordinary least
//! squares) on the same protocol.
//!
//!     cargo run --release --example diabetes               # 20 splits
//!     cargo run --release --example diabetes -- --report   # also diabetes-report.html (the first split)
//!     cargo run --release --example diabetes -- --help     # every flag

mod common;

use common::cli::{self, Flag};
use common::fit::{Trainer, mean_loss};
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::Tensor;
use tapegrad::data::{Dataset, Regression, sklearn};
use tapegrad::diagnostics::{EpochMetrics, TrainingLog};
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{AdamW, Cosine};
use tapegrad::report::{PredictedVsTrue, Report};

const ABOUT: &str = "Fits a linear model and a 10-16-1 MLP to the diabetes data; R² against scikit-learn's OLS.";

const FLAGS: &[Flag] = &[
    Flag::value("--splits", "N", "random 80/20 splits, seeds 0..N (default 20)"),
    Flag::value("--epochs", "N", "epochs of the MLP (default 50)"),
    Flag::switch("--report", "write diabetes-report.html for the first split"),
];

const REPORT: &str = "diabetes-report.html";
const HIDDEN: usize = 16;

/// How to train one of the two models.
struct Recipe {
    sizes: &'static [usize],
    epochs: usize,
    batch: usize,
    lr: f64,
    weight_decay: f64,
}

/// Ordinary least squares found by gradient descent: full batches, no
/// decay, long enough to converge.
const LINEAR: Recipe = Recipe { sizes: &[10, 1], epochs: 1000, batch: usize::MAX, lr: 0.05, weight_decay: 0.0 };

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = cli::from_env(ABOUT, "diabetes", FLAGS);
    let value = |name, default| args.value(name, default).unwrap_or_else(|e| cli::fail(&e));
    let (splits, epochs) = (value("--splits", 20), value("--epochs", 50));
    if splits == 0 || epochs == 0 {
        cli::fail("--splits and --epochs must be at least 1");
    }
    let mlp = Recipe { sizes: &[10, HIDDEN, 1], epochs, batch: 32, lr: 0.01, weight_decay: 0.1 };

    let diabetes: Regression = sklearn::diabetes();
    println!("{diabetes}\n{}\n", diabetes.about().expect("a bundled set").citation);
    println!(
        "linear: 10-1, AdamW full batch, lr {}, {} epochs (least squares by gradient descent)\n\
         MLP: 10-{HIDDEN}-1 tanh, AdamW (lr {}, weight decay {}, cosine), batch {}, {epochs} epochs\n\
         {splits} random 80/20 splits; features and target standardized on the training side\n",
        LINEAR.lr, LINEAR.epochs, mlp.lr, mlp.weight_decay, mlp.batch
    );

    let (mut linear_r2, mut mlp_r2) = (Vec::new(), Vec::new());
    let mut first = None;
    for seed in 0..splits as u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let (train, test) = diabetes.split(0.2, &mut rng);
        let split = Split::new(train.data(), test.data());
        let mut log = TrainingLog::new();
        let linear = split.fit(&LINEAR, &mut rng, None);
        let network = split.fit(&mlp, &mut rng, (seed == 0).then_some(&mut log));
        let (a, b) = (split.panel("linear model", &linear), split.panel(&format!("10-{HIDDEN}-1 MLP"), &network));
        println!("split {seed:2}: R² linear {:.3}   MLP {:.3}", a.r2(), b.r2());
        linear_r2.push(a.r2());
        mlp_r2.push(b.r2());
        first.get_or_insert((a, b, log));
    }
    println!();
    for (name, r2) in [("linear model", &linear_r2), ("10-16-1 MLP", &mlp_r2)] {
        let (mean, std) = common::baseline::mean_std(r2);
        println!("tapegrad {name:13} R² {mean:.3} ± {std:.3} over {} splits", r2.len());
    }
    common::baseline::print("diabetes", false);

    if args.is_set("--report") {
        let (linear, network, log) = first.expect("at least one split");
        let mut report = Report::new("tapegrad: regression on the diabetes data");
        report
            .note(diabetes.to_string())
            .note(format!(
                "The first of {splits} random 80/20 splits (seed 0). Over all of them: linear R² {:.3}, MLP R² {:.3}; \
                 scikit-learn's LinearRegression {}.",
                common::baseline::mean_std(&linear_r2).0,
                common::baseline::mean_std(&mlp_r2).0,
                common::baseline::summary("diabetes", false)
            ))
            .note(format!(
                "The curves are the MLP's (10-{HIDDEN}-1 tanh, AdamW, weight decay {}), in standardized units.",
                mlp.weight_decay
            ))
            .add_predicted_vs_true(linear)
            .add_predicted_vs_true(network);
        report.write(REPORT, &log)?;
        println!("wrote {REPORT}");
    }
    Ok(())
}

/// One split, standardized with the training side's statistics (the target
/// too, so that the loss starts near 1 whatever its units).
struct Split {
    train: Dataset,
    test: Dataset,
    /// The training target's mean and standard deviation, to undo the scaling.
    y_mean: f32,
    y_std: f32,
    /// The test target in its units.
    test_y: Tensor,
}

impl Split {
    fn new(train: &Dataset, test: &Dataset) -> Self {
        let (mut train, mut test) = (train.clone(), test.clone());
        let scaler = train.standardizer();
        scaler.apply(&mut train);
        scaler.apply(&mut test);
        let y = train.y().data();
        let y_mean = y.iter().sum::<f32>() / y.len() as f32;
        let y_std = (y.iter().map(|v| (v - y_mean).powi(2)).sum::<f32>() / y.len() as f32).sqrt();
        let test_y = test.y().clone();
        let scale = |d: Dataset| Dataset::new(d.x().clone(), d.y().map(|v| (v - y_mean) / y_std)).expect("same shapes");
        Split { train: scale(train), test: scale(test), y_mean, y_std, test_y }
    }

    /// Trains a fresh model as `recipe` says; with a log, records every step
    /// and each epoch's training and test losses.
    fn fit(&self, recipe: &Recipe, rng: &mut StdRng, mut log: Option<&mut TrainingLog>) -> Mlp {
        let mut model = Mlp::new(recipe.sizes, Activation::Tanh, rng);
        let batch = recipe.batch.min(self.train.len());
        let schedule = Cosine::new(recipe.lr, recipe.epochs * self.train.len().div_ceil(batch));
        let mut opt = AdamW::new(recipe.lr).weight_decay(recipe.weight_decay);
        let mut trainer = Trainer::default();
        for _ in 0..recipe.epochs {
            let train_loss =
                trainer.epoch(&mut model, &self.train, batch, &mut opt, &schedule, loss::mse_loss, rng, |m| {
                    if let Some(log) = log.as_deref_mut() {
                        log.record_step(m, None);
                    }
                });
            if let Some(log) = log.as_deref_mut() {
                let test_loss = Some(mean_loss(&model, &self.test, loss::mse_loss));
                log.record_epoch(EpochMetrics { train_loss, train_accuracy: None, test_loss, test_accuracy: None });
            }
        }
        model
    }

    /// The model's test predictions, in the target's units, against the truth.
    fn panel(&self, name: &str, model: &Mlp) -> PredictedVsTrue {
        let predicted = model.predict(self.test.x()).map(|v| v * self.y_std + self.y_mean);
        PredictedVsTrue::capture(
            format!("{name}, {} test patients", self.test.len()),
            "progression",
            &self.test_y,
            &predicted,
        )
    }
}
