//! "Learning rate schedulers": step, cosine, linear and inverse square root
//! decay, each training the same network from the same start and the same
//! initial rate, against that rate kept constant.

use super::training::{Curve, Moons, Plan, dataset_loss, mlp, train};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use tapegrad::optim::{Constant, Cosine, InverseSqrt, LinearDecay, Schedule, Sgd, StepDecay};

const SIZES: [usize; 4] = [2, 16, 16, 1];
const BATCH: usize = 32;
const LR0: f64 = 1.0;

/// One schedule's run.
pub struct Run {
    pub name: String,
    pub schedule: Box<dyn Schedule>,
    pub curve: Curve,
    /// The loss on the whole training set after the last update.
    pub final_loss: f64,
}

/// The slide's runs, one per schedule.
pub struct Schedules {
    pub steps: usize,
    pub runs: Vec<Run>,
}

impl Schedules {
    /// The run whose name starts with `name`.
    pub fn run(&self, name: &str) -> &Run {
        self.runs.iter().find(|r| r.name.starts_with(name)).expect("a schedule of the slide")
    }
}

impl Experiment for Schedules {
    const FILE: &'static str = "schedules.svg";

    fn run(size: Size, seed: u64) -> Self {
        let moons = Moons::new(1000, 0.2, seed);
        let epochs = size.pick(30, 40);
        let steps_per_epoch = moons.train.len().div_ceil(BATCH);
        let steps = epochs * steps_per_epoch;
        let milestones = [3 * steps / 10, 6 * steps / 10, 9 * steps / 10];
        let schedules: Vec<(String, Box<dyn Schedule>)> = vec![
            ("constant".into(), Constant::new(LR0).boxed()),
            (format!("step (×0.1 at {milestones:?})"), StepDecay::new(LR0, milestones, 0.1).boxed()),
            ("cosine".into(), Cosine::new(LR0, steps).boxed()),
            ("linear".into(), LinearDecay::new(LR0, steps).boxed()),
            // The lecture's t counts epochs: lr0 / sqrt(1 + step / steps_per_epoch).
            ("inverse sqrt (per epoch)".into(), InverseSqrt::new(LR0).timescale(steps_per_epoch).boxed()),
        ];
        let runs = schedules
            .into_iter()
            .map(|(name, schedule)| {
                let mut model = mlp(&SIZES, seed);
                let curve = train(
                    &mut model,
                    &moons.train,
                    &mut Sgd::new(LR0),
                    &Plan::new(BATCH, steps, &schedule).seeded(seed),
                );
                Run { name, schedule, curve, final_loss: dataset_loss(&model, &moons.train) }
            })
            .collect();
        Schedules { steps, runs }
    }

    fn report(&self) -> String {
        let mut text =
            format!("2-16-16-1 tanh MLP on moons, SGD, batch {BATCH}, {} updates, lr0 = {LR0}\n", self.steps);
        text += "schedule                          lr at 1/2   lr at end   epoch 5 loss   final training loss\n";
        for run in &self.runs {
            text += &format!(
                "{:<32} {:>10.4} {:>11.4} {:>14.4} {:>21.4}\n",
                run.name,
                run.schedule.lr(self.steps / 2),
                run.schedule.lr(self.steps - 1),
                run.curve.epoch_losses.get(4).copied().unwrap_or(f64::NAN),
                run.final_loss
            );
        }
        text.pop();
        text
    }

    fn figure(&self) -> Figure<'_> {
        let rates = LineChart::new("learning rate", "update", "lr").log_y().with(self.runs.iter().map(|run| {
            Series::line(run.name.clone(), (0..self.steps).map(|t| (t as f64, run.schedule.lr(t))).collect())
        }));
        let losses = LineChart::new("training loss (mean per epoch)", "epoch", "loss").log_y().with(
            self.runs
                .iter()
                .map(|run| Series::line(format!("{} → {:.3}", run.name, run.final_loss), run.curve.per_epoch())),
        );
        Figure::new()
            .title(format!("Schedules from lr0 = {LR0} on the same network: each decay ends below the constant rate"))
            .plot_size(560, 440)
            .panel(rates)
            .panel(losses)
    }
}
