//! "¿Qué pasa si la función de pérdida cambia rápidamente en una dirección
//! y lentamente en otra?" SGD and Momentum on the bowl
//! `f = (x²/κ + y²) / 2` for condition numbers κ = 1, 10, 100, at the same
//! learning rate, near the largest SGD tolerates in the steep direction.

use super::measure::{indexed, steps_or_never};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::contour::Path;
use crate::common::figure::Figure;
use crate::common::race::{Formula, Surface, Trajectory, descend};
use tapegrad::optim::{Momentum, Optimizer, Sgd};

/// SGD is stable below 2 (the steep curvature is 1), so at 1.8 it
/// overshoots the valley floor at every step: its fastest rate here.
const LR: f64 = 1.8;
/// Momentum's steps build up to `lr / (1 - rho)` times the gradient, ten
/// times its rate, so it runs at a lower one. (At 1.8 too it reaches the
/// target on κ = 100 in 61 steps, but its path leaves the picture.)
const MOMENTUM_LR: f64 = 0.5;
const RHO: f64 = 0.9;
/// A run has arrived when its loss is this fraction of the starting loss.
const ARRIVED: f64 = 1e-3;

/// The bowl with condition number `kappa`, started at `(-√κ, 1)` so that
/// both directions hold the same loss (1/2 each) at the start.
fn bowl(kappa: f64) -> Surface {
    let x0 = -kappa.sqrt();
    Surface {
        name: format!("(x²/{kappa} + y²)/2"),
        formula: Formula::Quadratic { a: 0.5 / kappa, b: 0.5 },
        start: (x0, 1.0),
        minimum: 0.0,
        bounds: (x0 - 1.0, 2.0, -1.6, 1.6),
        levels: (0..10).map(|k| 0.01 * 2f64.powi(k)).collect(),
    }
}

/// SGD and Momentum at one condition number.
pub struct Pair {
    pub kappa: f64,
    pub sgd: Trajectory,
    pub momentum: Trajectory,
}

impl Pair {
    /// Steps until SGD's loss is [`ARRIVED`] times its start.
    pub fn sgd_steps(&self) -> Option<usize> {
        self.sgd.settles_below(ARRIVED * self.sgd.losses[0])
    }

    /// Steps until Momentum's loss is [`ARRIVED`] times its start.
    pub fn momentum_steps(&self) -> Option<usize> {
        self.momentum.settles_below(ARRIVED * self.momentum.losses[0])
    }
}

/// The slide's runs: SGD and Momentum on each bowl.
pub struct Conditioning {
    pub pairs: Vec<Pair>,
    /// How many times SGD's y crossed the valley floor (changed sign) in
    /// its first 20 steps at the largest κ: the zig-zag.
    pub sgd_crossings: usize,
}

impl Conditioning {
    /// The pair at condition number `kappa`.
    pub fn at(&self, kappa: f64) -> &Pair {
        self.pairs.iter().find(|p| p.kappa == kappa).expect("a measured condition number")
    }
}

impl Experiment for Conditioning {
    const FILE: &'static str = "conditioning.svg";

    fn run(size: Size, _seed: u64) -> Self {
        let steps = size.pick(400, 600);
        let pairs: Vec<Pair> = [1.0, 10.0, 100.0]
            .into_iter()
            .map(|kappa| {
                let surface = bowl(kappa);
                let run = |opt: &mut dyn Optimizer<f64>| descend(surface.formula, surface.start, opt, steps, None);
                Pair { kappa, sgd: run(&mut Sgd::new(LR)), momentum: run(&mut Momentum::new(MOMENTUM_LR, RHO)) }
            })
            .collect();
        let ys: Vec<f64> = pairs.last().expect("three bowls").sgd.path.iter().take(21).map(|p| p.1).collect();
        let sgd_crossings = ys.windows(2).filter(|w| w[0] * w[1] < 0.0).count();
        Conditioning { pairs, sgd_crossings }
    }

    fn report(&self) -> String {
        let mut text = format!(
            "f = (x²/κ + y²)/2 from (-√κ, 1), SGD lr {LR}, Momentum lr {MOMENTUM_LR} rho {RHO}; steps until the loss stays below {ARRIVED:e} of its start\n"
        );
        text += "    κ      SGD   Momentum\n";
        for pair in &self.pairs {
            text += &format!(
                "{:>5}   {:>6}   {:>8}\n",
                pair.kappa,
                steps_or_never(pair.sgd_steps()),
                steps_or_never(pair.momentum_steps())
            );
        }
        text += &format!(
            "SGD's y changed sign {} times in its first 20 steps at κ = 100 (the zig-zag)",
            self.sgd_crossings
        );
        text
    }

    fn figure(&self) -> Figure<'_> {
        let worst = self.pairs.last().expect("three bowls");
        let surface = bowl(worst.kappa);
        let path_panel = |name: &str, run: &Trajectory, color: usize| {
            let path = Path::new("", run.path.clone()).color(color).markers_every(10);
            surface.chart(format!("{name} on κ = {}: ○ every 10 steps", worst.kappa)).path(path)
        };
        // Down to 1e-8 of the start: below that the curves are rounding noise.
        let points = |run: &Trajectory| -> Vec<(f64, f64)> {
            let shown = run.losses.iter().take_while(|&&l| l > 1e-8 * run.losses[0]).count();
            indexed(&run.losses[..shown])
        };
        let horizon = self.pairs.iter().flat_map(|p| [&p.sgd, &p.momentum]).map(|r| points(r).len()).max().unwrap_or(1);
        let losses = |name: &str, run: fn(&Pair) -> &Trajectory| {
            let chart = LineChart::new(format!("{name}: loss vs step"), "step", "loss")
                .log_y()
                .x_limits(0.0, horizon as f64)
                .y_limits(1e-8, 2.0);
            chart.with(self.pairs.iter().map(|pair| Series::line(format!("κ = {}", pair.kappa), points(run(pair)))))
        };
        Figure::new()
            .title(format!(
                "Steep in y, shallow in x: SGD (lr {LR}) zig-zags and crawls, Momentum (lr {MOMENTUM_LR}, rho {RHO}) builds up speed"
            ))
            .plot_size(560, 400)
            .columns(2)
            .panel(path_panel("SGD", &worst.sgd, 0))
            .panel(path_panel("Momentum", &worst.momentum, 1))
            .panel(losses("SGD", |pair| &pair.sgd))
            .panel(losses("Momentum", |pair| &pair.momentum))
    }
}
