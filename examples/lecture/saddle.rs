//! "¿Qué pasa si la función de pérdida tiene mínimos locales o puntos de
//! silla?" The smallest network with a saddle point: two weights in a row,
//! `out = w2 · w1 · in`, fit to `out = in`. Its loss `(w1 w2 − 1)²` has a
//! saddle at `w = 0` (loss 1) and its minima on the hyperbola `w1 w2 = 1`.
//! Every start on the line `w1 = −w2` (the saddle's stable manifold) slides
//! straight into the saddle: the gradient there points along the line.

use rand::{SeedableRng, rngs::StdRng};

use super::measure::{indexed, steps_or_never};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::contour::Path;
use crate::common::figure::Figure;
use crate::common::race::{Formula, GradientNoise, Surface, Trajectory, descend};
use tapegrad::optim::{Momentum, Optimizer, Sgd};

const LR: f64 = 0.05;
const RHO: f64 = 0.9;
/// Standard deviation of the noise added to each gradient coordinate.
const NOISE: f64 = 0.1;
/// How far off the stable manifold the "nearby" starts are, along the
/// escape direction `(1, 1)`.
const OFFSET: f64 = 1e-3;
/// A run has escaped when its loss is below this (the saddle's is 1).
const ESCAPED: f64 = 0.1;

fn network() -> Surface {
    Surface {
        name: "(w1·w2 − 1)²".into(),
        formula: Formula::TwoLayerLinear,
        start: (1.2, -1.2),
        minimum: 0.0,
        bounds: (-1.6, 1.6, -1.6, 1.6),
        levels: vec![0.02, 0.1, 0.3, 0.6, 1.0, 1.5, 2.5, 4.0, 6.0],
    }
}

/// One way of running from a start.
pub struct Run {
    pub name: &'static str,
    pub start: (f64, f64),
    pub trajectory: Trajectory,
}

impl Run {
    /// Steps until the loss was below [`ESCAPED`], if it got there.
    pub fn escaped_after(&self) -> Option<usize> {
        self.trajectory.steps_to(ESCAPED)
    }

    /// The closest the run came to the saddle point.
    pub fn closest_to_saddle(&self) -> f64 {
        self.trajectory.path.iter().map(|p| p.0.hypot(p.1)).fold(f64::INFINITY, f64::min)
    }
}

/// The slide's runs: from the stable manifold and from just off it.
pub struct Saddle {
    pub steps: usize,
    pub runs: Vec<Run>,
}

impl Saddle {
    /// The run called `name`.
    pub fn run(&self, name: &str) -> &Run {
        self.runs.iter().find(|r| r.name == name).expect("a run of the saddle slide")
    }
}

impl Experiment for Saddle {
    const FILE: &'static str = "saddle.svg";

    fn run(size: Size, seed: u64) -> Self {
        let steps = size.pick(200, 300);
        let surface = network();
        let on = surface.start;
        let near = (on.0 + OFFSET, on.1 + OFFSET);
        let descend_from = |start, opt: &mut dyn Optimizer<f64>, noise: Option<&mut GradientNoise>| {
            descend(surface.formula, start, opt, steps, noise)
        };
        let mut noise = GradientNoise { std: NOISE, rng: StdRng::seed_from_u64(seed) };
        let runs = vec![
            Run { name: "SGD", start: on, trajectory: descend_from(on, &mut Sgd::new(LR), None) },
            Run { name: "Momentum", start: on, trajectory: descend_from(on, &mut Momentum::new(LR, RHO), None) },
            Run { name: "SGD + noise", start: on, trajectory: descend_from(on, &mut Sgd::new(LR), Some(&mut noise)) },
            Run { name: "SGD, start 1e-3 off", start: near, trajectory: descend_from(near, &mut Sgd::new(LR), None) },
            Run {
                name: "Momentum, start 1e-3 off",
                start: near,
                trajectory: descend_from(near, &mut Momentum::new(LR, RHO), None),
            },
        ];
        Saddle { steps, runs }
    }

    fn report(&self) -> String {
        let mut text = format!(
            "out = w2·w1·in fit to out = in: loss (w1 w2 - 1)², saddle at 0 (loss 1); lr {LR}, rho {RHO}, gradient noise std {NOISE}, {} steps\n",
            self.steps
        );
        text += "run                        start              closest to saddle   final loss   steps to loss < 0.1\n";
        for run in &self.runs {
            text += &format!(
                "{:<26} ({:>7.4}, {:>7.4})   {:>17.2e}   {:>10.4}   {:>19}\n",
                run.name,
                run.start.0,
                run.start.1,
                run.closest_to_saddle(),
                run.trajectory.final_loss(),
                steps_or_never(run.escaped_after())
            );
        }
        text.pop();
        text
    }

    fn figure(&self) -> Figure<'_> {
        let surface = network();
        let mut figure = Figure::new()
            .title("A saddle in a two-weight network: from its stable manifold w1 = −w2, SGD and Momentum stop at the saddle")
            .plot_size(480, 420)
            .columns(3);
        for (k, run) in self.runs.iter().enumerate() {
            let outcome = match run.escaped_after() {
                Some(n) => format!("escapes in {n} steps"),
                None => format!("loss {:.3} after {}", run.trajectory.final_loss(), self.steps),
            };
            let path = Path::new("", run.trajectory.path.clone()).color(k).markers_every(10);
            figure = figure.panel(surface.chart(format!("{}: {outcome}", run.name)).path(path).axes("w1", "w2"));
        }
        let losses = LineChart::new("loss vs step (the saddle's loss is 1)", "step", "loss")
            .log_y()
            .y_limits(1e-6, 20.0)
            .with(self.runs.iter().map(|run| Series::line(run.name, indexed(&run.trajectory.losses))));
        figure.panel(losses)
    }
}
