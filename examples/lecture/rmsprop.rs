//! "RMSProp: tasa de aprendizaje adaptativa por parámetro; reduce
//! oscilaciones en superficies con curvatura desigual." On the bowl where
//! SGD zig-zags (the conditioning slide's, κ = 100), each coordinate's
//! effective rate `|Δθ| / |g|` over time: SGD gives every coordinate the same
//! one; RMSProp divides by each coordinate's own running gradient size.

use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::contour::Path;
use crate::common::figure::Figure;
use crate::common::race::{Formula, Surface, Trajectory, descend};
use tapegrad::optim::{RmsProp, Sgd};

const KAPPA: f64 = 100.0;
/// SGD's fastest rate on this bowl (stable below 2, the steep curvature is 1).
const SGD_LR: f64 = 1.8;
const RMSPROP_LR: f64 = 0.1;
const RHO: f64 = 0.9;
/// Where the oscillation is counted: the first updates, before either
/// optimizer is near the minimum.
const EARLY: usize = 30;

fn bowl() -> Surface {
    Surface {
        name: format!("(x²/{KAPPA} + y²)/2"),
        formula: Formula::Quadratic { a: 0.5 / KAPPA, b: 0.5 },
        start: (-KAPPA.sqrt(), 1.0),
        minimum: 0.0,
        bounds: (-11.0, 2.0, -1.6, 1.6),
        levels: (0..10).map(|k| 0.01 * 2f64.powi(k)).collect(),
    }
}

/// The slide's two runs on the uneven bowl.
pub struct PerParameter {
    pub sgd: Trajectory,
    pub rmsprop: Trajectory,
}

impl PerParameter {
    /// How many times the steep coordinate y changed direction in the first
    /// [`EARLY`] updates: the oscillation across the valley.
    pub fn reversals(run: &Trajectory) -> usize {
        let moves: Vec<f64> = run.path.windows(2).take(EARLY).map(|w| w[1].1 - w[0].1).collect();
        moves.windows(2).filter(|m| m[0] * m[1] < 0.0).count()
    }

    /// The mean effective rate of each coordinate (x, y) over the first
    /// [`EARLY`] updates.
    pub fn mean_rates(run: &Trajectory) -> (f64, f64) {
        let rates: Vec<(f64, f64)> = (0..EARLY).map(|k| run.effective_rates(k)).collect();
        let n = rates.len() as f64;
        (rates.iter().map(|r| r.0).sum::<f64>() / n, rates.iter().map(|r| r.1).sum::<f64>() / n)
    }

    /// Updates until the loss stays below 1e-3 of its start.
    pub fn settled(run: &Trajectory) -> Option<usize> {
        run.settles_below(1e-3 * run.losses[0])
    }
}

impl Experiment for PerParameter {
    const FILE: &'static str = "rmsprop.svg";

    fn run(size: Size, _seed: u64) -> Self {
        let steps = size.pick(200, 300);
        let surface = bowl();
        let sgd = descend(surface.formula, surface.start, &mut Sgd::new(SGD_LR), steps, None);
        let rmsprop = descend(surface.formula, surface.start, &mut RmsProp::new(RMSPROP_LR).rho(RHO), steps, None);
        PerParameter { sgd, rmsprop }
    }

    fn report(&self) -> String {
        let mut text = format!(
            "bowl (x²/{KAPPA} + y²)/2 from (-10, 1): y is {KAPPA} times steeper than x; SGD lr {SGD_LR}, RMSProp lr {RMSPROP_LR} rho {RHO}\n"
        );
        text += &format!(
            "                 mean effective rate |Δθ|/|g| over the first {EARLY} updates   y reversals   updates to 1e-3 of the start loss   final loss\n"
        );
        for (name, run) in [("SGD", &self.sgd), ("RMSProp", &self.rmsprop)] {
            let (x, y) = Self::mean_rates(run);
            let settled = Self::settled(run).map_or("never".into(), |n| n.to_string());
            text += &format!(
                "{name:<8} x (shallow) {x:>9.3}   y (steep) {y:>9.3}   ratio x/y {:>7.1}   {:>11}   {settled:>33}   {:>10.2e}\n",
                x / y,
                Self::reversals(run),
                run.final_loss()
            );
        }
        text.pop();
        text
    }

    fn figure(&self) -> Figure<'_> {
        let surface = bowl();
        let path = |name: &str, run: &Trajectory, color: usize| {
            let chart = surface.chart(format!("{name}: {} reversals of y in {EARLY} updates", Self::reversals(run)));
            chart.path(Path::new("", run.path.clone()).color(color).markers_every(10))
        };
        let steps = self.rmsprop.gradients.len().min(100);
        let rates = |run: &Trajectory, pick: fn((f64, f64)) -> f64| -> Vec<(f64, f64)> {
            (0..steps).map(|k| (k as f64, pick(run.effective_rates(k)))).collect()
        };
        let chart = LineChart::new("effective rate |Δθ| / |g| of each coordinate", "update", "|Δθ| / |g|")
            .log_y()
            .series(Series::line("RMSProp, x (shallow)", rates(&self.rmsprop, |r| r.0)).color(1))
            .series(Series::line("RMSProp, y (steep)", rates(&self.rmsprop, |r| r.1)).color(1).dashed())
            .series(Series::line("SGD, x and y", rates(&self.sgd, |r| r.0)).color(0));
        Figure::new()
            .title(format!(
                "Uneven curvature (y is {KAPPA}× steeper than x): RMSProp gives each parameter its own rate"
            ))
            .plot_size(520, 420)
            .panel(path("SGD", &self.sgd, 0))
            .panel(path("RMSProp", &self.rmsprop, 1))
            .panel(chart)
    }
}
