//! "Linear Warmup: las tasas de aprendizaje altas al inicio pueden hacer que
//! la pérdida explote; el warmup lineal evita esto aumentando LR desde 0 de
//! forma progresiva." A deeper network trained by Adam at a high rate, with
//! and without a linear warmup to it, from several initialisations.

use super::measure::mean;
use super::training::{Curve, Moons, Plan, dataset_loss, mlp, train_observed};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use tapegrad::optim::{Adam, Constant, Schedule, Warmup as LinearWarmup};

const SIZES: [usize; 6] = [2, 64, 64, 64, 64, 1];
const BATCH: usize = 32;
/// High for Adam on this network (its usual 1e-3 gives no blow-up).
const LR: f64 = 0.03;
const WARMUP: usize = 100;
/// The early phase: the highest loss in these updates is what blows up.
const EARLY: usize = 200;

/// The two runs from one initialisation.
pub struct Pair {
    pub seed: u64,
    pub without: Curve,
    pub with: Curve,
    /// The loss on the held-out points after each update (the start
    /// first), without and with warmup: smooth where batch losses are not.
    pub held_out: (Vec<f64>, Vec<f64>),
}

/// The highest batch loss in the first [`EARLY`] updates.
pub fn early_peak(curve: &Curve) -> f64 {
    curve.step_losses.iter().take(EARLY).copied().fold(f64::NEG_INFINITY, f64::max)
}

/// The mean batch loss of the last 100 updates.
pub fn late_loss(curve: &Curve) -> f64 {
    curve.final_loss(100)
}

/// The slide's runs: with and without warmup, for several seeds.
pub struct Warmup {
    pub steps: usize,
    pub pairs: Vec<Pair>,
}

impl Experiment for Warmup {
    const FILE: &'static str = "warmup.svg";

    fn run(size: Size, seed: u64) -> Self {
        let moons = Moons::new(1000, 0.2, seed);
        let steps = size.pick(300, 1000);
        let run = |init: u64, schedule: &dyn Schedule| {
            let plan = Plan::new(BATCH, steps, schedule).seeded(seed);
            let mut model = mlp(&SIZES, init);
            let mut held_out = vec![dataset_loss(&model, &moons.test)];
            let curve = train_observed(&mut model, &moons.train, &mut Adam::new(LR), &plan, |_, m| {
                held_out.push(dataset_loss(m, &moons.test))
            });
            (curve, held_out)
        };
        let count = size.pick(3, 6);
        let pairs = (seed * count..(seed + 1) * count)
            .map(|seed| {
                let (without, held_out_without) = run(seed, &Constant::new(LR));
                let (with, held_out_with) = run(seed, &LinearWarmup::new(WARMUP, Constant::new(LR)));
                Pair { seed, without, with, held_out: (held_out_without, held_out_with) }
            })
            .collect();
        Warmup { steps, pairs }
    }

    fn report(&self) -> String {
        let mut text = format!(
            "{SIZES:?} tanh MLP on moons, Adam at lr {LR}, batch {BATCH}, {} updates; warmup: {WARMUP} updates from lr/{WARMUP} up to lr\n",
            self.steps
        );
        text += "seed   start loss   highest loss in the first 200 updates: without  with   mean loss of the last 100: without  with\n";
        for p in &self.pairs {
            text += &format!(
                "{:>4}   {:>10.3}   {:>47.3}  {:>5.3}   {:>34.4}  {:.4}\n",
                p.seed,
                p.without.start_loss,
                early_peak(&p.without),
                early_peak(&p.with),
                late_loss(&p.without),
                late_loss(&p.with)
            );
        }
        let ratios: Vec<f64> = self.pairs.iter().map(|p| early_peak(&p.without) / early_peak(&p.with)).collect();
        let better = self.pairs.iter().filter(|p| late_loss(&p.with) < late_loss(&p.without)).count();
        text += &format!(
            "the early peak is {:.1}-{:.1} times higher without warmup (mean {:.1}); the late loss is lower with warmup for {better} of {} seeds",
            ratios.iter().copied().fold(f64::INFINITY, f64::min),
            ratios.iter().copied().fold(0.0, f64::max),
            mean(&ratios),
            self.pairs.len()
        );
        text
    }

    fn figure(&self) -> Figure<'_> {
        let first = &self.pairs[0];
        // Update 0 (the start) is drawn at 0.5 on the log axis.
        let points = |losses: &[f64]| losses.iter().enumerate().map(|(k, &l)| ((k as f64).max(0.5), l)).collect();
        let curves = LineChart::new(
            format!("seed {}: loss on 200 held-out points after each update", first.seed),
            "update (log scale; the start at 0.5)",
            "loss",
        )
        .log_x()
        .log_y()
        .mark(WARMUP as f64, "warmup ends")
        .series(Series::line(format!("no warmup, lr {LR} from the start"), points(&first.held_out.0)))
        .series(Series::line(format!("linear warmup over {WARMUP} updates"), points(&first.held_out.1)));
        let peaks =
            |pick: fn(&Pair) -> &Curve| self.pairs.iter().map(|p| (p.seed as f64, early_peak(pick(p)))).collect();
        let starts = self.pairs.iter().map(|p| (p.seed as f64, p.without.start_loss)).collect();
        let by_seed =
            LineChart::new(format!("highest batch loss in the first {EARLY} updates"), "initialisation seed", "loss")
                .log_y()
                .series(Series::dots("no warmup", peaks(|p| &p.without)))
                .series(Series::dots("warmup", peaks(|p| &p.with)))
                .series(Series::reference("loss at the start", starts));
        Figure::new()
            .title(format!(
                "Adam at lr {LR} on a 4-hidden-layer MLP: without warmup the loss jumps early; with it, it does not"
            ))
            .plot_size(560, 440)
            .panel(curves)
            .panel(by_seed)
    }
}
