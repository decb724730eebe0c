//! "Adam estándar: aplica L2 dentro del gradiente ... puede tener un efecto
//! no deseado al ser escalado por momentos" against "AdamW: weight decay
//! desacoplado, x ← x·(1 − αλ)". A wide network on 100 noisy moons points
//! (it overfits), trained by each at several decays λ: the weights' norm and
//! the test accuracy at the end.

use super::training::{Moons, Plan, accuracy, mlp, train, weight_norm};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use tapegrad::nn::Mlp;
use tapegrad::optim::{Adam, AdamW, Constant, Optimizer};

const LR: f64 = 0.01;
const NOISE: f64 = 0.3;

/// The end of one run.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    pub decay: f64,
    pub weight_norm: f64,
    pub train_accuracy: f64,
    pub test_accuracy: f64,
}

/// The slide's sweeps: Adam + L2 and AdamW over the same decays.
pub struct Decay {
    pub sizes: Vec<usize>,
    pub steps: usize,
    /// Adam with the decay as an L2 term in the gradient, by decay.
    pub adam_l2: Vec<Outcome>,
    /// AdamW, by decay.
    pub adamw: Vec<Outcome>,
}

impl Decay {
    /// The first decay (of those tried) at which the weights' norm is at most
    /// `fraction` of the undecayed run's.
    pub fn decay_shrinking_to(runs: &[Outcome], fraction: f64) -> Option<f64> {
        let free = runs[0].weight_norm;
        runs.iter().find(|o| o.weight_norm <= fraction * free).map(|o| o.decay)
    }

    /// The run with the best test accuracy.
    pub fn best(runs: &[Outcome]) -> Outcome {
        *runs.iter().max_by(|a, b| a.test_accuracy.total_cmp(&b.test_accuracy)).expect("at least one run")
    }
}

/// Trains a fresh copy of the network with `opt` and measures it.
fn outcome(sizes: &[usize], moons: &Moons, decay: f64, mut opt: impl Optimizer, steps: usize, seed: u64) -> Outcome {
    let mut model: Mlp = mlp(sizes, seed);
    let schedule = Constant::new(LR);
    train(&mut model, &moons.train, &mut opt, &Plan::new(usize::MAX, steps, &schedule).seeded(seed));
    Outcome {
        decay,
        weight_norm: weight_norm(&model),
        train_accuracy: accuracy(&model, &moons.train),
        test_accuracy: accuracy(&model, &moons.test),
    }
}

impl Experiment for Decay {
    const FILE: &'static str = "weight_decay.svg";

    fn run(size: Size, seed: u64) -> Self {
        let sizes = size.pick(vec![2, 64, 64, 1], vec![2, 128, 128, 1]);
        let steps = size.pick(800, 2000);
        let decays: Vec<f64> = size.pick(
            vec![0.0, 1e-3, 1e-2, 1e-1, 1.0],
            vec![0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0],
        );
        let moons = Moons::sized(100, 2000, NOISE, 3 + seed);
        let sweep = |make: &dyn Fn(f64) -> Outcome| decays.iter().map(|&d| make(d)).collect::<Vec<_>>();
        let adam_l2 = sweep(&|d| outcome(&sizes, &moons, d, Adam::new(LR).weight_decay(d), steps, seed));
        let adamw = sweep(&|d| outcome(&sizes, &moons, d, AdamW::new(LR).weight_decay(d), steps, seed));
        Decay { sizes, steps, adam_l2, adamw }
    }

    fn report(&self) -> String {
        let mut text = format!(
            "{:?} tanh MLP, 100 moons points (noise {NOISE}), full batch, lr {LR}, {} steps; test on 2000 fresh points\n",
            self.sizes, self.steps
        );
        text += "    decay   Adam+L2: |W|  train  test    AdamW: |W|  train  test\n";
        for (l2, w) in self.adam_l2.iter().zip(&self.adamw) {
            text += &format!(
                "{:>9}   {:>12.2} {:>6.1} {:>5.1}   {:>11.2} {:>6.1} {:>5.1}\n",
                l2.decay,
                l2.weight_norm,
                100.0 * l2.train_accuracy,
                100.0 * l2.test_accuracy,
                w.weight_norm,
                100.0 * w.train_accuracy,
                100.0 * w.test_accuracy
            );
        }
        for (name, runs) in [("Adam+L2", &self.adam_l2), ("AdamW", &self.adamw)] {
            let half = Self::decay_shrinking_to(runs, 0.5).map_or("none tried".into(), |d| d.to_string());
            let best = Self::best(runs);
            text += &format!(
                "{name}: decay that halves |W|: {half}; best test accuracy {:.1}% at decay {}\n",
                100.0 * best.test_accuracy,
                best.decay
            );
        }
        text.pop();
        text
    }

    fn figure(&self) -> Figure<'_> {
        // A log axis has no 0: the undecayed runs are drawn as flat guides.
        let decayed = |runs: &[Outcome], value: fn(&Outcome) -> f64| -> Vec<(f64, f64)> {
            runs.iter().filter(|o| o.decay > 0.0).map(|o| (o.decay, value(o))).collect()
        };
        let flat = |runs: &[Outcome], value: fn(&Outcome) -> f64| -> Vec<(f64, f64)> {
            let (first, last) = (runs[1].decay, runs[runs.len() - 1].decay);
            vec![(first, value(&runs[0])), (last, value(&runs[0]))]
        };
        let panel = |title: &str, y_label: &str, value: fn(&Outcome) -> f64| {
            LineChart::new(title, "weight decay λ", y_label)
                .log_x()
                .series(Series::dots("Adam + L2 in the gradient", decayed(&self.adam_l2, value)))
                .series(Series::dots("AdamW (decoupled)", decayed(&self.adamw, value)))
                .series(Series::reference("no decay", flat(&self.adam_l2, value)))
        };
        Figure::new()
            .title(format!("Adam + L2 vs AdamW on a {:?} MLP that overfits 100 noisy moons points", self.sizes))
            .plot_size(560, 440)
            .panel(panel("norm of the weights at the end", "|W|", |o| o.weight_norm).log_y())
            .panel(panel("test accuracy (2000 fresh points)", "accuracy", |o| o.test_accuracy))
    }
}
