//! The learning-rate range test (Smith 2017; fastai's `lr_find`) on the
//! moons task of `examples/moons.rs`: for Adam, SGD and Momentum, the loss
//! of 100 steps whose rate grows from 1e-7 to 10, the rates three readings
//! of the curve suggest (fastai's valley, the steepest descent, a tenth of
//! the minimum), and the test accuracy of a fresh model trained at each
//! suggested rate, constant, for 40 epochs. Writes `lr_range.svg`: the
//! curves with the suggestions marked.
//!
//!     cargo run --release --example lr_range
//!     cargo run --release --example lr_range -- --out docs/img/lr_range.svg   # the picture in the README
//!     cargo run --release --example lr_range -- --seed 3 --epochs 20

mod common;

use common::chart::{LineChart, Series};
use common::cli::{self, Flag};
use common::figure::Figure;
use common::moons_task::MoonsTask;
use tapegrad::optim::{Adam, Momentum, Optimizer, Sgd};
use tapegrad::probe::{LrRange, LrRangeTest, Suggestion};

const FLAGS: &[Flag] = &[
    Flag::value("--seed", "N", "seed of the data, the weights and the batches (default 0)"),
    Flag::value("--epochs", "N", "epochs of training at each suggested rate (default 40)"),
    Flag::value("--out", "FILE", "the picture to write (default lr_range.svg)"),
];

/// Makes an optimizer at a rate.
type Make = fn(f64) -> Box<dyn Optimizer>;

/// The optimizers tested.
const OPTIMIZERS: [(&str, Make); 3] = [
    ("Adam", |lr| Box::new(Adam::new(lr))),
    ("SGD", |lr| Box::new(Sgd::new(lr))),
    ("Momentum 0.9", |lr| Box::new(Momentum::new(lr, 0.9))),
];

const READINGS: [(Suggestion, &str); 3] =
    [(Suggestion::Valley, "valley"), (Suggestion::Steepest, "steepest"), (Suggestion::MinimumOverTen, "minimum / 10")];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = cli::from_env("The learning-rate range test on two moons (lr_range.svg).", "lr_range", FLAGS);
    let seed: u64 = args.value("--seed", 0).unwrap_or_else(|e| cli::fail(&e));
    let epochs: usize = args.value("--epochs", 40).unwrap_or_else(|e| cli::fail(&e));
    let out: String = args.value("--out", "lr_range.svg".to_string()).unwrap_or_else(|e| cli::fail(&e));
    let test = LrRangeTest::new();
    println!(
        "two moons, 2-16-16-1 tanh MLP, batch {}; range test: 100 steps from 1e-7 to 10, smoothing 0.98, stop at 4x the \
         best; then {epochs} epochs at each suggested rate (constant), from the same initial weights",
        common::moons_task::BATCH
    );
    let mut figure = Figure::new().title("The learning-rate range test on two moons").columns(1).plot_size(640, 330);
    for (name, make) in OPTIMIZERS {
        let range = MoonsTask::new(seed).range_test(test, make(1.0));
        let last = range.points().last().expect("a step");
        println!(
            "\n{name}: {} steps, {}; last rate {:.3e}",
            range.points().len(),
            if range.diverged() { "stopped: the smoothed loss diverged" } else { "ran to the end" },
            last.lr
        );
        let mut chart = chart(name, &range);
        for (k, (method, reading)) in READINGS.into_iter().enumerate() {
            let Some(lr) = range.suggest(method) else {
                println!("  {reading:>13}: the curve is too short to read");
                continue;
            };
            let mut task = MoonsTask::new(seed);
            let accuracy = task.train(&mut make(lr), epochs, |_, _| {});
            println!("  {reading:>13}: lr {lr:.3e}, test accuracy after {epochs} epochs {:.1}%", 100.0 * accuracy);
            let at = (lr, smoothed_near(&range, lr));
            chart = chart.series(Series::dots(format!("{reading}: {lr:.1e}"), vec![at]).color(k + 1));
        }
        figure = figure.panel(chart);
    }
    figure.save(&out)?;
    println!("\nwrote {out}");
    Ok(())
}

/// The loss of each step (gray) and its smoothed value against the rate,
/// on a log axis, cut above where the smoothed curve ends.
fn chart(name: &str, range: &LrRange) -> LineChart {
    let points = range.points();
    let highest = points.iter().map(|p| p.smoothed).filter(|v| v.is_finite()).fold(0.0, f64::max);
    LineChart::new(format!("{name}: loss against the rate"), "learning rate", "BCE loss")
        .log_x()
        .x_limits(1e-7, 10.0)
        .y_limits(0.0, 1.25 * highest)
        .series(Series::line("loss of the step", points.iter().map(|p| (p.lr, p.loss)).collect()).color(7))
        .series(Series::line("smoothed (β = 0.98)", points.iter().map(|p| (p.lr, p.smoothed)).collect()).color(0))
}

/// The smoothed loss at the step whose rate is nearest `lr` (on a log scale).
fn smoothed_near(range: &LrRange, lr: f64) -> f64 {
    let distance = |p: &&tapegrad::probe::LrPoint| (p.lr.ln() - lr.ln()).abs();
    range.points().iter().min_by(|a, b| distance(a).total_cmp(&distance(b))).map_or(f64::NAN, |p| p.smoothed)
}
