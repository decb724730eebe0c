//! The loss landscape of the moons MLP (`examples/moons.rs`'s task) around
//! three optimizers' runs: SGD, Momentum and Adam, each from the same
//! initial weights, 40 epochs of batches of 32 at a constant rate. For each,
//! one picture (`landscape_sgd.svg`, `landscape_momentum.svg`,
//! `landscape_adam.svg`) of three panels:
//!
//! 1. the path of the weights, projected on the plane of its two principal
//!    directions through the final weights (Li et al. 2018, section 7),
//!    over the contour lines of the training loss on that plane;
//! 2. the training loss on a plane through the final weights along two
//!    random filter-normalised directions (Li et al., section 4; a row of a
//!    weight matrix plays a filter's part, biases stay);
//! 3. the training and test loss on the line from the initial to the final
//!    weights, `(1 - α) θ0 + α θ1` (Goodfellow et al. 2015).
//!
//! README.md says what each picture shows.
//!
//!     cargo run --release --example landscape
//!     cargo run --release --example landscape -- --dir docs/img   # the pictures in the README
//!     cargo run --release --example landscape -- --seed 2 --epochs 20 --every 2

mod common;

use std::path::PathBuf;

use common::chart::{LineChart, Series};
use common::cli::{self, Flag};
use common::contour::{Path, SurfaceChart};
use common::figure::Figure;
use common::moons_task::{MoonsTask, landscape_runs, mean_loss};
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::Mlp;
use tapegrad::probe::ParamVector;
use tapegrad::probe::landscape::{LossSurface, Plane, Trajectory, interpolate};

const FLAGS: &[Flag] = &[
    Flag::value("--seed", "N", "seed of the data, the weights, the batches and the directions (default 0)"),
    Flag::value("--epochs", "N", "epochs of training (default 40)"),
    Flag::value("--every", "N", "steps between two snapshots of the path (default 5)"),
    Flag::value("--dir", "DIR", "where to write the pictures (default .)"),
];

/// Cells per side of each loss surface: 61 × 61 evaluations of the
/// training loss.
const CELLS: usize = 60;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let about = "Loss landscapes of the moons MLP around SGD, Momentum and Adam runs (landscape_*.svg).";
    let args = cli::from_env(about, "landscape", FLAGS);
    let seed: u64 = args.value("--seed", 0).unwrap_or_else(|e| cli::fail(&e));
    let epochs: usize = args.value("--epochs", 40).unwrap_or_else(|e| cli::fail(&e));
    let every: usize = args.value("--every", 5).unwrap_or_else(|e| cli::fail(&e));
    let dir = PathBuf::from(args.value("--dir", ".".to_string()).unwrap_or_else(|e| cli::fail(&e)));
    if epochs == 0 || every == 0 {
        cli::fail("--epochs and --every must be at least 1");
    }
    println!(
        "two moons, 2-16-16-1 tanh MLP, BCE, batch 32, {epochs} epochs at a constant rate; a snapshot every {every} steps"
    );
    for (name, file, mut opt) in landscape_runs() {
        let mut task = MoonsTask::new(seed);
        let mut path = Trajectory::new();
        path.record(0, &task.model);
        let accuracy = task.train(&mut opt, epochs, |step, model| {
            if step % every == 0 {
                path.record(step, model);
            }
        });
        let MoonsTask { train, test, mut model, .. } = task;
        let train_loss = |m: &Mlp| mean_loss(m, &train);
        println!("\n{name}: test accuracy {:.1}%, training loss {:.4}", 100.0 * accuracy, train_loss(&model));

        // 1. The path on the plane of its principal directions.
        let pca = path.principal_plane();
        let [first, second] = pca.explained;
        println!(
            "  path: {} snapshots; the first two principal directions hold {:.1}% and {:.1}% of its variance",
            path.len(),
            100.0 * first,
            100.0 * second
        );
        let bounds = around(&pca.path, 0.25);
        let surface = pca.plane.loss_surface(&mut model, bounds, CELLS, train_loss);
        let along = path.points().iter().map(|p| {
            p.load_into(&mut model);
            train_loss(&model)
        });
        let along: Vec<f64> = along.collect();
        path.points().last().expect("a snapshot").load_into(&mut model);
        let off_plane =
            along.iter().zip(&pca.path).map(|(&l, &(a, b))| (l, point_loss(&pca.plane, a, b, &mut model, &train_loss)));
        let worst_gap = off_plane.map(|(l, p)| (l - p).abs()).fold(0.0, f64::max);
        println!("  the loss at a snapshot and at its projection on the plane differ by at most {worst_gap:.3}");
        let pca_chart = SurfaceChart::from_grid(
            format!("{name}: path on its principal plane"),
            bounds,
            surface.values().to_vec(),
            CELLS,
            levels(&surface),
        )
        .axes(format!("1st direction ({:.1}% of the variance)", 100.0 * first), format!("2nd ({:.1}%)", 100.0 * second))
        .path(
            Path::new(format!("path, a mark every {} steps", 20 * every), pca.path.clone()).color(3).markers_every(20),
        );

        // 2. Around the final weights, along two random filter-normalised directions.
        let mut rng = StdRng::seed_from_u64(seed + 100);
        let random = Plane::random(&model, &mut rng);
        let around_final = random.loss_surface(&mut model, (-1.0, 1.0, -1.0, 1.0), CELLS, train_loss);
        let (a, b, lowest) = around_final.min().expect("a finite loss");
        println!(
            "  random filter-normalised plane: loss {:.4} at the centre, lowest {lowest:.4} at ({a:.2}, {b:.2}); {:.3} at the \
             corners on average",
            around_final.at(CELLS / 2, CELLS / 2),
            [(0, 0), (0, CELLS), (CELLS, 0), (CELLS, CELLS)].iter().map(|&(i, j)| around_final.at(i, j)).sum::<f64>()
                / 4.0
        );
        let random_chart = SurfaceChart::from_grid(
            format!("{name}: around the final weights"),
            (-1.0, 1.0, -1.0, 1.0),
            around_final.values().to_vec(),
            CELLS,
            levels(&around_final),
        )
        .axes("random direction 1 (filter-normalised)", "random direction 2")
        .path(Path::new("final weights", vec![(0.0, 0.0)]).color(3));

        // 3. The straight line from the initial to the final weights.
        let (start, end) = (path.points()[0].clone(), ParamVector::of(&model));
        let alphas: Vec<f64> = (0..=60).map(|k| -0.25 + 1.5 * k as f64 / 60.0).collect();
        let on_train = interpolate(&mut model, &start, &end, &alphas, train_loss);
        let on_test = interpolate(&mut model, &start, &end, &alphas, |m: &Mlp| mean_loss(m, &test));
        let inside: Vec<f64> = on_train.iter().filter(|p| (0.0..=1.0).contains(&p.0)).map(|p| p.1).collect();
        let rises = inside.windows(2).filter(|w| w[1] > w[0]).count();
        let bump = inside.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
        println!(
            "  the line from the initial to the final weights: training loss {:.4} -> {:.4}, rising at {rises} of {} steps \
             in α (largest rise {bump:.4})",
            inside[0],
            inside[inside.len() - 1],
            inside.len() - 1
        );
        let line_chart = LineChart::new(format!("{name}: from the initial to the final weights"), "α", "BCE loss")
            .log_y()
            .series(Series::line("training loss", on_train))
            .series(Series::line("test loss", on_test))
            .mark(0.0, "initial")
            .mark(1.0, "final");

        let out = dir.join(format!("landscape_{file}.svg"));
        Figure::new()
            .title(format!("The loss landscape of the moons MLP around a {name} run"))
            .columns(3)
            .plot_size(520, 460)
            .panel(pca_chart)
            .panel(random_chart)
            .panel(line_chart)
            .save(&out)?;
        println!("  wrote {}", out.display());
    }
    Ok(())
}

/// The loss at coordinates `(a, b)` of `plane`.
fn point_loss(plane: &Plane, a: f64, b: f64, model: &mut Mlp, loss: &impl Fn(&Mlp) -> f64) -> f64 {
    let saved = ParamVector::of(model);
    plane.point(a, b).load_into(model);
    let value = loss(model);
    saved.load_into(model);
    value
}

/// A box around `points` with a margin of `margin` times its size on each
/// side, square in proportion to the longer side's at least a fifth.
fn around(points: &[(f64, f64)], margin: f64) -> (f64, f64, f64, f64) {
    let (x0, x1) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (y0, y1) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let longest = (x1 - x0).max(y1 - y0).max(1e-6);
    let pad = |low: f64, high: f64| {
        let extra = margin * longest + 0.5 * (longest / 5.0 - (high - low)).max(0.0);
        (low - extra, high + extra)
    };
    let ((x0, x1), (y0, y1)) = (pad(x0, x1), pad(y0, y1));
    (x0, x1, y0, y1)
}

/// Contour levels spaced evenly in log loss, from just above the lowest
/// loss on the surface to its 90th percentile: the basin gets most lines.
fn levels(surface: &LossSurface) -> Vec<f64> {
    let mut finite: Vec<f64> = surface.values().iter().copied().filter(|v| v.is_finite()).collect();
    finite.sort_by(f64::total_cmp);
    let (low, high) = (finite[0] * 1.05, finite[finite.len() * 9 / 10]);
    let count = 16;
    (0..count).map(|k| low * (high / low).powf(k as f64 / (count - 1) as f64)).collect()
}
