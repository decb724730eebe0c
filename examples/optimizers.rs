//! The optimizer race, the lecture's comparison slide: SGD, Momentum,
//! RMSProp, Adam and AdamW start from the same point on three 2-D surfaces
//! and follow the engine's own gradients.
//!
//! * an ill-conditioned quadratic, steep in y and shallow in x: SGD
//!   oscillates across the valley and crawls along it;
//! * a saddle at the origin with minima at (0, ±1): starting almost on the
//!   ridge, the gradient barely points away from it;
//! * Rosenbrock's banana valley.
//!
//! Prints a table (final loss, steps to reach the tolerance) and writes one
//! SVG per surface with contour lines and each optimizer's path.
//!
//!     cargo run --release --example optimizers

mod common;

use common::contour::surface_with_paths;
use tapegrad::optim::{Adam, AdamW, Momentum, Optimizer, RmsProp, Sgd};
use tapegrad::{Param, Tape, Tensor, Var};

/// A 2-D test surface, written once with `Var` ops (for gradients) and once
/// with plain floats (for the contour lines).
struct Surface {
    name: &'static str,
    file: &'static str,
    start: (f64, f64),
    minimum: f64,
    tolerance: f64,
    steps: usize,
    bounds: (f64, f64, f64, f64),
    levels: Vec<f64>,
    value: fn(f64, f64) -> f64,
    graph: for<'t> fn(Var<'t, f64>, Var<'t, f64>) -> Var<'t, f64>,
    /// Learning rates per optimizer, in the order of `optimizers`.
    rates: [f64; 5],
}

fn quadratic<'t>(x: Var<'t, f64>, y: Var<'t, f64>) -> Var<'t, f64> {
    (x * x * 0.05 + y * y * 2.0).sum()
}

fn saddle<'t>(x: Var<'t, f64>, y: Var<'t, f64>) -> Var<'t, f64> {
    (x * x * 0.5 + y.powf(4.0) * 0.25 - y * y * 0.5).sum()
}

fn rosenbrock<'t>(x: Var<'t, f64>, y: Var<'t, f64>) -> Var<'t, f64> {
    let a = 1.0 - x;
    let b = y - x * x;
    (a * a + b * b * 100.0).sum()
}

/// The five optimizers with the given learning rates.
fn optimizers(rates: [f64; 5]) -> Vec<(&'static str, Box<dyn Optimizer<f64>>)> {
    vec![
        ("SGD", Box::new(Sgd::new(rates[0]))),
        ("Momentum (rho 0.9)", Box::new(Momentum::new(rates[1], 0.9))),
        ("RMSProp (rho 0.9)", Box::new(RmsProp::new(rates[2]).rho(0.9))),
        ("Adam", Box::new(Adam::new(rates[3]))),
        ("AdamW (wd 0.01)", Box::new(AdamW::new(rates[4]).weight_decay(0.01))),
    ]
}

/// Runs one optimizer from the surface's start; returns the path and the
/// losses, one per step.
fn race(surface: &Surface, opt: &mut dyn Optimizer<f64>) -> (Vec<(f64, f64)>, Vec<f64>) {
    let mut x = Param::new("x", Tensor::from_vec(vec![surface.start.0], [1]));
    let mut y = Param::new("y", Tensor::from_vec(vec![surface.start.1], [1]));
    let mut tape = Tape::new();
    let mut path = vec![surface.start];
    let mut losses = Vec::new();
    for _ in 0..surface.steps {
        tape.clear();
        let loss = (surface.graph)(tape.param(&x), tape.param(&y));
        losses.push(loss.item());
        let grads = loss.backward();
        let (gx, gy) = (grads.param(&x).unwrap().clone(), grads.param(&y).unwrap().clone());
        opt.update(&mut x, &gx);
        opt.update(&mut y, &gy);
        path.push((x.value().item(), y.value().item()));
    }
    (path, losses)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let surfaces = [
        Surface {
            name: "ill-conditioned quadratic 0.05x² + 2y²",
            file: "race_quadratic.svg",
            start: (-9.0, 1.5),
            minimum: 0.0,
            tolerance: 1e-3,
            steps: 300,
            bounds: (-10.0, 2.0, -2.5, 2.5),
            levels: (0..12).map(|k| 0.02 * 2f64.powi(k)).collect(),
            value: |x, y| 0.05 * x * x + 2.0 * y * y,
            graph: quadratic,
            rates: [0.45, 0.05, 0.05, 0.2, 0.2],
        },
        Surface {
            name: "saddle 0.5x² + 0.25y⁴ - 0.5y²",
            file: "race_saddle.svg",
            start: (1.5, 1e-6),
            minimum: -0.25,
            tolerance: 1e-3,
            steps: 300,
            bounds: (-1.0, 2.0, -1.5, 1.5),
            levels: (0..14).map(|k| -0.24 + 0.06 * k as f64).collect(),
            value: |x, y| 0.5 * x * x + 0.25 * y.powi(4) - 0.5 * y * y,
            graph: saddle,
            rates: [0.1, 0.02, 0.01, 0.02, 0.02],
        },
        Surface {
            name: "Rosenbrock (1-x)² + 100(y-x²)²",
            file: "race_rosenbrock.svg",
            start: (-1.5, 2.0),
            minimum: 0.0,
            tolerance: 1e-3,
            steps: 5000,
            bounds: (-2.0, 2.0, -1.0, 3.0),
            levels: (0..12).map(|k| 0.05 * 3f64.powi(k)).collect(),
            value: |x, y| (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2),
            graph: rosenbrock,
            rates: [1e-3, 1e-4, 1e-3, 2e-2, 2e-2],
        },
    ];

    for surface in &surfaces {
        println!(
            "\n{} — start {:?}, {} steps, tolerance {:e}",
            surface.name, surface.start, surface.steps, surface.tolerance
        );
        println!("{:<20} {:>10} {:>14} {:>22}", "optimizer", "lr", "final loss", "steps to tolerance");
        let mut paths = Vec::new();
        for (i, (name, mut opt)) in optimizers(surface.rates).into_iter().enumerate() {
            let (path, losses) = race(surface, opt.as_mut());
            let reached = losses.iter().position(|&l| l - surface.minimum < surface.tolerance);
            let last = *losses.last().unwrap();
            let reached = reached.map_or("not reached".to_string(), |s| s.to_string());
            println!("{name:<20} {:>10} {last:>14.6e} {reached:>22}", surface.rates[i]);
            paths.push((name.to_string(), path));
        }
        surface_with_paths(
            surface.file,
            &format!("{} from {:?}", surface.name, surface.start),
            surface.bounds,
            surface.value,
            &surface.levels,
            &paths,
        )?;
        println!("wrote {}", surface.file);
    }
    Ok(())
}
