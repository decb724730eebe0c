//! "Comparación" (the lecture points at gradient_descent_viz): the race's
//! optimizers on Rosenbrock's valley, each at its own best rate from a
//! sweep, drawn as small multiples so that each path, its speed (a marker
//! every 100 steps) and where it stops can be told apart.

use super::measure::{indexed, steps_or_never};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use crate::common::race::{Surface, Tuned, racers, tune};

/// Arrived: loss within this of the minimum (0).
const TOLERANCE: f64 = 1e-3;
const MARKER_EVERY: usize = 100;

/// One racer at its tuned rate.
pub struct Entry {
    pub name: &'static str,
    pub tuned: Tuned,
}

/// The slide's race: every racer at its best rate.
pub struct Race {
    pub steps: usize,
    /// The rates each racer was tried at.
    pub rates: Vec<f64>,
    pub entries: Vec<Entry>,
}

impl Race {
    /// The entry of the racer called `name`.
    pub fn entry(&self, name: &str) -> &Entry {
        self.entries.iter().find(|e| e.name == name).expect("a racer")
    }
}

impl Experiment for Race {
    const FILE: &'static str = "comparison.svg";

    fn run(size: Size, _seed: u64) -> Self {
        let steps = size.pick(3000, 5000);
        // 1e-5 to 1, three rates a decade (1, 2, 5).
        let rates: Vec<f64> =
            (-5..=0).flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e))).filter(|&lr| lr <= 1.0).collect();
        let surface = Surface::rosenbrock();
        let entries = racers()
            .into_iter()
            .filter_map(|racer| {
                let tuned = tune(&surface, racer.make, &rates, steps, TOLERANCE)?;
                Some(Entry { name: racer.name, tuned })
            })
            .collect();
        Race { steps, rates, entries }
    }

    fn report(&self) -> String {
        let mut text = format!(
            "Rosenbrock from (-1.5, 2), {} steps; each optimizer at the best of {} rates from 1e-5 to 1 (soonest within {TOLERANCE:e} of the minimum and still there at the end)\n",
            self.steps,
            self.rates.len()
        );
        text += &format!("{:<20} {:>8} {:>12} {:>20}\n", "optimizer", "best lr", "final loss", "steps to tolerance");
        for e in &self.entries {
            text += &format!(
                "{:<20} {:>8} {:>12.2e} {:>20}\n",
                e.name,
                e.tuned.lr,
                e.tuned.run.final_loss(),
                steps_or_never(e.tuned.arrived)
            );
        }
        text.pop();
        text
    }

    fn figure(&self) -> Figure<'_> {
        let surface = Surface::rosenbrock();
        let runs: Vec<(String, _)> = self
            .entries
            .iter()
            .map(|e| {
                let outcome = match e.tuned.arrived {
                    Some(n) => format!("arrives in {n} steps"),
                    None => format!("loss {:.1e} after {}", e.tuned.run.final_loss(), self.steps),
                };
                (format!("{} lr {}: {outcome}", e.name, e.tuned.lr), e.tuned.run.clone())
            })
            .collect();
        let losses = LineChart::new("loss vs step (below 1e-8 drawn at 1e-8)", "step", "loss")
            .log_y()
            .y_limits(1e-8, 1e3)
            .with(self.entries.iter().map(|e| Series::line(e.name, indexed(&e.tuned.run.losses))));
        surface
            .small_multiples(&runs, MARKER_EVERY)
            .title(format!(
                "Rosenbrock, each optimizer at its best rate: ○ every {MARKER_EVERY} steps, ● where it is after {}",
                self.steps
            ))
            .panel(losses)
    }
}
