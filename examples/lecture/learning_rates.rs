//! "P: ¿Cuál de estas tasas de aprendizaje es mejor usar?" The classic
//! picture of four learning rates on one network: one too high, one too
//! low, one high and one good.

use super::training::{Curve, Moons, Plan, mlp, train};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use tapegrad::optim::{Constant, Sgd};

const SIZES: [usize; 4] = [2, 16, 16, 1];
const BATCH: usize = 32;

/// One rate's run.
pub struct Run {
    pub label: &'static str,
    pub lr: f64,
    pub curve: Curve,
}

/// The slide's runs, one per learning rate.
pub struct Rates {
    pub epochs: usize,
    pub runs: Vec<Run>,
}

impl Rates {
    /// The run called `label`.
    pub fn run(&self, label: &str) -> &Run {
        self.runs.iter().find(|r| r.label == label).expect("a labelled rate")
    }

    /// The mean loss of a run's last epoch, infinite if it blew up.
    pub fn final_loss(run: &Run) -> f64 {
        if run.curve.diverged { f64::INFINITY } else { *run.curve.epoch_losses.last().unwrap_or(&f64::INFINITY) }
    }
}

impl Experiment for Rates {
    const FILE: &'static str = "learning_rates.svg";

    fn run(size: Size, seed: u64) -> Self {
        let moons = Moons::new(1000, 0.2, seed);
        let epochs = size.pick(15, 40);
        let steps = epochs * moons.train.len().div_ceil(BATCH);
        let rates = [("too high", 10.0), ("high", 3.0), ("good", 0.3), ("low", 1e-3)];
        let runs = rates
            .into_iter()
            .map(|(label, lr)| {
                let schedule = Constant::new(lr);
                let curve = train(
                    &mut mlp(&SIZES, seed),
                    &moons.train,
                    &mut Sgd::new(lr),
                    &Plan::new(BATCH, steps, &schedule).seeded(seed),
                );
                Run { label, lr, curve }
            })
            .collect();
        Rates { epochs, runs }
    }

    fn report(&self) -> String {
        let mut text = format!("2-16-16-1 tanh MLP on moons, SGD, batch {BATCH}, {} epochs\n", self.epochs);
        text += "rate        lr   start   epoch 1   epoch 5   last epoch   blew up\n";
        for run in &self.runs {
            let epoch = |k: usize| run.curve.epoch_losses.get(k).copied().unwrap_or(f64::NAN);
            text += &format!(
                "{:<8} {:>6}   {:>5.3}   {:>7.4}   {:>7.4}   {:>10.4}   {}\n",
                run.label,
                run.lr,
                run.curve.start_loss,
                epoch(0),
                epoch(4),
                Self::final_loss(run),
                if run.curve.diverged {
                    format!("yes, at update {}", run.curve.step_losses.len())
                } else {
                    "no".into()
                }
            );
        }
        text.pop();
        text
    }

    fn figure(&self) -> Figure<'_> {
        let chart = LineChart::new("training loss (epoch 0: before training)", "epoch", "mean loss over the epoch")
            .log_y()
            .with(
                self.runs
                    .iter()
                    .map(|run| Series::line(format!("{} (lr {})", run.label, run.lr), run.curve.per_epoch())),
            );
        Figure::new()
            .title("Which learning rate is best? SGD on a 2-16-16-1 MLP, four rates")
            .plot_size(720, 480)
            .panel(chart)
    }
}
