//! "Regla empírica: si aumentas el batch en N, aumenta LR en N." (Goyal et
//! al.) The same network trained by SGD for the same number of epochs at
//! batch B and rate lr, at batch 4B and rate 4·lr, and at batch 4B and rate lr.

use super::training::{Curve, Moons, Plan, mlp, train};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use tapegrad::optim::{Constant, Sgd, scale_lr_for_batch};

const SIZES: [usize; 4] = [2, 16, 16, 1];
const BATCH: usize = 8;
const LR: f64 = 0.05;
const N: usize = 4;

/// One (batch, rate) run.
pub struct Run {
    pub batch: usize,
    pub lr: f64,
    pub curve: Curve,
}

/// The slide's three runs: (B, lr), (4B, 4 lr), (4B, lr).
pub struct Scaling {
    pub epochs: usize,
    pub base: Run,
    pub scaled: Run,
    pub unscaled: Run,
}

impl Scaling {
    /// How far `run`'s loss per epoch is from the base run's: the mean over
    /// epochs of `|ln(loss / base loss)|` (0.1 is about 10% apart).
    pub fn gap(&self, run: &Run) -> f64 {
        let pairs = run.curve.epoch_losses.iter().zip(&self.base.curve.epoch_losses);
        pairs.map(|(a, b)| (a / b).ln().abs()).sum::<f64>() / self.epochs as f64
    }
}

impl Experiment for Scaling {
    const FILE: &'static str = "batch_scaling.svg";

    fn run(size: Size, seed: u64) -> Self {
        let moons = Moons::new(1000, 0.2, seed);
        let epochs = size.pick(15, 40);
        let run = |batch: usize, lr: f64| {
            let steps = epochs * moons.train.len().div_ceil(batch);
            let schedule = Constant::new(lr);
            let curve = train(
                &mut mlp(&SIZES, seed),
                &moons.train,
                &mut Sgd::new(lr),
                &Plan::new(batch, steps, &schedule).seeded(seed),
            );
            Run { batch, lr, curve }
        };
        let big = N * BATCH;
        Scaling {
            epochs,
            base: run(BATCH, LR),
            scaled: run(big, scale_lr_for_batch(LR, BATCH, big)),
            unscaled: run(big, LR),
        }
    }

    fn report(&self) -> String {
        let mut text = format!("2-16-16-1 tanh MLP on moons, SGD, {} epochs\n", self.epochs);
        text += "batch     lr   updates   loss after epoch 1   5      last   distance from the base curve\n";
        for run in [&self.base, &self.scaled, &self.unscaled] {
            let epoch = |k: usize| run.curve.epoch_losses.get(k).copied().unwrap_or(f64::NAN);
            text += &format!(
                "{:>5} {:>6} {:>9} {:>20.4} {:>6.4} {:>9.4} {:>30.3}\n",
                run.batch,
                run.lr,
                run.curve.step_losses.len(),
                epoch(0),
                epoch(4),
                epoch(self.epochs - 1),
                self.gap(run)
            );
        }
        text.pop();
        text
    }

    fn figure(&self) -> Figure<'_> {
        let name = |run: &Run, note: &str| format!("batch {}, lr {} {note}", run.batch, run.lr);
        let chart = LineChart::new("training loss per epoch", "epoch", "mean loss over the epoch")
            .log_y()
            .series(Series::line(name(&self.base, "(B, lr)"), self.base.curve.per_epoch()))
            .series(Series::line(name(&self.scaled, "(4B, 4 lr): scaled"), self.scaled.curve.per_epoch()))
            .series(Series::line(name(&self.unscaled, "(4B, lr): not scaled"), self.unscaled.curve.per_epoch()));
        Figure::new()
            .title(format!("Batch × {N} needs rate × {N}: then the loss per epoch follows the small-batch run"))
            .plot_size(720, 480)
            .panel(chart)
    }
}
