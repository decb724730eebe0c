//! The curvature the lecture talks about, measured on a network: full-batch
//! gradient descent on the moons MLP at a few learning rates, with the
//! largest eigenvalue of the loss's Hessian with respect to all the
//! parameters (the *sharpness*) every few steps, by Lanczos on
//! Hessian-vector products (`tapegrad::hessian_max_eigenvalue`).
//!
//! Gradient descent at rate `lr` on a quadratic with curvature `λ` is
//! stable only if `λ < 2 / lr`. Cohen et al. (2021, "Gradient descent on
//! neural networks typically occurs at the edge of stability") found that
//! full-batch training raises the sharpness until it reaches `2 / lr`, and
//! that it then hovers there while the loss keeps falling, unevenly. This
//! example shows what happens here, on two data sets: the moons of
//! `examples/moons.rs` (noise 0.1, which a network separates, so the
//! cross-entropy goes to 0 and its curvature with it) and moons that overlap
//! (noise 0.25, where the loss cannot reach 0). It prints, per rate, where
//! the sharpness starts, peaks and settles, and writes `curvature.svg`
//! (sharpness against step with the `2 / lr` lines, and the loss).
//!
//!     cargo run --release --example curvature
//!     cargo run --release --example curvature -- --out docs/img/curvature.svg   # the picture in docs/lecture.md
//!     cargo run --release --example curvature -- --steps 6000 --rates 0.25,0.5 --noise 0.3 --every 20

mod common;

use std::time::Instant;

use common::chart::{LineChart, Series};
use common::cli::{self, Flag};
use common::figure::Figure;
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{Dataset, toy};
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{Optimizer, Sgd};
use tapegrad::{Tape, Var, hessian_max_eigenvalue};

/// The budget of Hessian-vector products per estimate, and its tolerance
/// (the bound on the eigenvalue's error, relative to it). Lanczos takes 11
/// products here: the 10 steps it takes at least, and one to measure.
const MAX_PRODUCTS: usize = 100;
const TOLERANCE: f64 = 1e-3;

/// One full-batch run at one rate.
struct Run {
    lr: f64,
    /// `(step, sharpness)`, every few steps.
    sharpness: Vec<(f64, f64)>,
    /// `(step, loss)`, every step.
    losses: Vec<(f64, f64)>,
    /// Estimates that ran out of products before settling.
    unconverged: usize,
    /// Hessian-vector products, all estimates together.
    products: usize,
}

const FLAGS: &[Flag] = &[
    Flag::value("--steps", "N", "gradient-descent steps per run (default 3000)"),
    Flag::value("--every", "N", "steps between two sharpness estimates (default 25)"),
    Flag::value("--seed", "N", "seed of the data and the weights (default 0)"),
    Flag::value("--points", "N", "points in each data set (default 400)"),
    Flag::value("--rates", "LIST", "learning rates, comma-separated (default 0.5,1,2)"),
    Flag::value("--noise", "LIST", "the moons' noise levels, comma-separated (default 0.1,0.25)"),
    Flag::value("--out", "FILE", "the picture to write (default curvature.svg)"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let about = "Sharpness (top Hessian eigenvalue) of the moons MLP's loss over full-batch gradient descent.";
    let args = cli::from_env(about, "curvature", FLAGS);
    let steps: usize = args.value("--steps", 3000).unwrap_or_else(|e| cli::fail(&e));
    let every: usize = args.value("--every", 25).unwrap_or_else(|e| cli::fail(&e));
    let seed: u64 = args.value("--seed", 0).unwrap_or_else(|e| cli::fail(&e));
    let points: usize = args.value("--points", 400).unwrap_or_else(|e| cli::fail(&e));
    let text = |name, default: &str| args.value(name, default.to_string()).unwrap_or_else(|e| cli::fail(&e));
    let rates = list(&text("--rates", "0.5,1,2"), "--rates");
    let noises = list(&text("--noise", "0.1,0.25"), "--noise");
    let out = text("--out", "curvature.svg");

    println!(
        "two moons, {points} points, full batch; 2-16-16-1 tanh MLP, BCE loss; plain gradient descent, {steps} steps; \
         sharpness (top Hessian eigenvalue) every {every} steps"
    );
    let started = Instant::now();
    let mut figure = Figure::new()
        .title("Full-batch gradient descent on two moons: the sharpness against 2/lr")
        .columns(2)
        .plot_size(640, 420);
    for noise in noises {
        let data = toy::moons::<f32, _>(points, noise, &mut StdRng::seed_from_u64(seed));
        println!("\nnoise {noise}:");
        let runs: Vec<Run> = rates.iter().map(|&lr| train(&data, lr, steps, every, seed)).collect();
        for run in &runs {
            println!("{}", run.summary(steps));
        }
        let (sharpness, losses) = charts(&runs, steps, &format!("noise {noise}"));
        figure = figure.panel(sharpness).panel(losses);
    }
    println!("\n({:.1} s)", started.elapsed().as_secs_f64());
    figure.save(&out)?;
    println!("wrote {out}");
    Ok(())
}

/// A comma-separated list of numbers from the command line.
fn list(text: &str, name: &str) -> Vec<f64> {
    text.split(',').map(|r| r.parse().unwrap_or_else(|_| cli::fail(&format!("{name}: {r} is not a number")))).collect()
}

impl Run {
    /// One line: where the sharpness starts, peaks and settles, against 2/lr.
    fn summary(&self, steps: usize) -> String {
        let threshold = 2.0 / self.lr;
        let reached = self.sharpness.iter().find(|&&(_, s)| s >= 0.9 * threshold).map(|&(step, _)| step);
        let late: Vec<f64> =
            self.sharpness.iter().filter(|&&(step, _)| step >= steps as f64 / 2.0).map(|p| p.1).collect();
        let (low, high) = late.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        format!(
            "  lr {}: 2/lr = {threshold:.2}; sharpness {:.2} at the start, peak {:.2}, {low:.2}..{high:.2} over the second half; \
             first within 10% of 2/lr {}; loss {:.4} at the end; {} of {} estimates unconverged, {:.1} products each",
            self.lr,
            self.sharpness[0].1,
            self.sharpness.iter().map(|p| p.1).fold(0.0, f64::max),
            reached.map_or("never".to_string(), |s| format!("at step {s}")),
            self.losses.last().expect("a loss").1,
            self.unconverged,
            self.sharpness.len(),
            self.products as f64 / self.sharpness.len() as f64,
        )
    }
}

/// The sharpness of each run with its `2 / lr` line (dashed, same color),
/// and the losses.
fn charts(runs: &[Run], steps: usize, data: &str) -> (LineChart, LineChart) {
    let mut sharpness = LineChart::new(format!("{data}: top eigenvalue of the loss's Hessian"), "step", "sharpness");
    for (k, run) in runs.iter().enumerate() {
        let threshold = vec![(0.0, 2.0 / run.lr), (steps as f64, 2.0 / run.lr)];
        sharpness = sharpness
            .series(Series::line(format!("lr {}", run.lr), run.sharpness.clone()).color(k))
            .series(Series::line(format!("2/lr = {}", 2.0 / run.lr), threshold).dashed().color(k));
    }
    let losses = LineChart::new(format!("{data}: training loss"), "step", "BCE").log_y().with(
        runs.iter().enumerate().map(|(k, run)| Series::line(format!("lr {}", run.lr), run.losses.clone()).color(k)),
    );
    (sharpness, losses)
}

/// Trains a fresh model (the same for every rate) by full-batch gradient
/// descent at rate `lr`, measuring the sharpness every `every` steps.
fn train(data: &Dataset<f32>, lr: f64, steps: usize, every: usize, seed: u64) -> Run {
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut StdRng::seed_from_u64(seed + 1));
    let mut opt = Sgd::new(lr);
    let mut tape = Tape::new();
    let mut run = Run { lr, sharpness: Vec::new(), losses: Vec::new(), unconverged: 0, products: 0 };
    for step in 0..=steps {
        tape.clear();
        let logits = model.forward(tape.constant(data.x().clone()));
        let loss = loss::bce_with_logits(logits, tape.constant(data.y().clone()));
        run.losses.push((step as f64, loss.item() as f64));
        if step % every == 0 {
            let params: Vec<Var<'_, f32>> = model.params().map(|p| tape.param(p)).collect();
            let top = hessian_max_eigenvalue(loss, &params, MAX_PRODUCTS, TOLERANCE);
            run.unconverged += usize::from(!top.converged);
            run.products += top.products;
            run.sharpness.push((step as f64, top.value));
        }
        if step == steps {
            break;
        }
        let grads = loss.backward();
        opt.step(model.params_mut(), &grads);
    }
    run
}
