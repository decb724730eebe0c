//! "Adam (90%)": `x −= α m / (√v + ε)` with `m` and `v` started at 0, against
//! Adam with bias correction `m̂ = m / (1 − β1^t)`, `v̂ = v / (1 − β2^t)`.
//! The slide says the correction is there "porque m0, v0 = 0". What the zero
//! start does to the first steps, measured twice: on the moons network, and
//! on one parameter whose gradient never changes, with each moment's zero
//! start switched on alone.

use super::training::{Moons, Plan, flatten, mlp, train_observed};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use tapegrad::optim::{Adam, Constant, Optimizer};
use tapegrad::{Param, Tape, Tensor};

/// The lecture's recommended rate and betas.
const LR: f64 = 1e-3;
const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const SIZES: [usize; 4] = [2, 16, 16, 1];

/// Steps of one run, each as the mean `|Δw_i|` over the parameters divided
/// by the rate: 1 means every parameter moved by about `lr`.
pub type Steps = Vec<f64>;

/// The slide's runs: the size of each of the first updates, by variant.
pub struct FirstSteps {
    pub updates: usize,
    /// The moons network, with and without bias correction.
    pub corrected: Steps,
    pub uncorrected: Steps,
    /// One parameter with a constant gradient: with correction; both
    /// moments from 0 uncorrected; only `m` from 0 (`β2 = 0`: `v` is `g²`
    /// at once); only `v` from 0 (`β1 = 0`: `m` is `g` at once).
    pub constant_corrected: Steps,
    pub constant_uncorrected: Steps,
    pub only_m_from_zero: Steps,
    pub only_v_from_zero: Steps,
}

/// The uncorrected step over the corrected one at update `t` (from 1) when
/// the gradient is constant: `(1 − β1^t) / √(1 − β2^t)`.
pub fn predicted_ratio(t: usize) -> f64 {
    (1.0 - BETA1.powi(t as i32)) / (1.0 - BETA2.powi(t as i32)).sqrt()
}

/// Mean `|Δw_i| / lr` of each of `updates` updates of the moons network.
fn network_steps(opt: Adam, updates: usize, seed: u64) -> Steps {
    let moons = Moons::new(1000, 0.2, seed);
    let mut model = mlp(&SIZES, seed);
    let schedule = Constant::new(LR);
    let mut before = flatten(&model);
    let mut steps = Vec::new();
    let plan = Plan::new(32, updates, &schedule).seeded(seed);
    train_observed(&mut model, &moons.train, &mut { opt }, &plan, |_, m| {
        let after = flatten(m);
        let moved: f64 = after.iter().zip(&before).map(|(a, b)| (a - b).abs()).sum();
        steps.push(moved / after.len() as f64 / LR);
        before = after;
    });
    steps
}

/// `|Δx| / lr` of each of `updates` updates of one parameter whose loss is
/// `2x` (gradient 2, always).
fn constant_gradient_steps(mut opt: Adam<f64>, updates: usize) -> Steps {
    let mut x = Param::new("x", Tensor::from_vec(vec![0.0f64], [1]));
    let mut tape = Tape::new();
    (0..updates)
        .map(|_| {
            tape.clear();
            let grads = (tape.param(&x) * 2.0).sum().backward();
            let gradient = grads.param(&x).expect("x is on the tape").clone();
            let before = x.value().item();
            opt.update(&mut x, &gradient);
            (x.value().item() - before).abs() / LR
        })
        .collect()
}

impl Experiment for FirstSteps {
    const FILE: &'static str = "adam_bias_correction.svg";

    fn run(size: Size, seed: u64) -> Self {
        let updates = size.pick(50, 50);
        let adam = || Adam::new(LR).betas(BETA1, BETA2);
        let probe = |b1, b2, correct| Adam::<f64>::new(LR).betas(b1, b2).bias_correction(correct);
        FirstSteps {
            updates,
            corrected: network_steps(adam(), updates, seed),
            uncorrected: network_steps(adam().bias_correction(false), updates, seed),
            constant_corrected: constant_gradient_steps(probe(BETA1, BETA2, true), updates),
            constant_uncorrected: constant_gradient_steps(probe(BETA1, BETA2, false), updates),
            only_m_from_zero: constant_gradient_steps(probe(BETA1, 0.0, false), updates),
            only_v_from_zero: constant_gradient_steps(probe(0.0, BETA2, false), updates),
        }
    }

    fn report(&self) -> String {
        let mut text = format!(
            "Adam lr {LR}, betas ({BETA1}, {BETA2}); a step is the mean |Δw_i| / lr (1 = every parameter moved by lr)\n"
        );
        text += "update   network: corrected  uncorrected  ratio  predicted   constant gradient: corrected  both from 0  only m from 0  only v from 0\n";
        for t in [1, 2, 5, 10, 20, 50].into_iter().filter(|&t| t <= self.updates) {
            let k = t - 1;
            text += &format!(
                "{t:>6}   {:>18.3}  {:>11.3}  {:>5.2}  {:>9.2}   {:>28.3}  {:>11.3}  {:>13.3}  {:>13.3}\n",
                self.corrected[k],
                self.uncorrected[k],
                self.uncorrected[k] / self.corrected[k],
                predicted_ratio(t),
                self.constant_corrected[k],
                self.constant_uncorrected[k],
                self.only_m_from_zero[k],
                self.only_v_from_zero[k],
            );
        }
        let larger = (0..self.updates).filter(|&k| self.uncorrected[k] > self.corrected[k]).count();
        text += &format!(
            "on the network the uncorrected step is the larger one in {larger} of the first {} updates",
            self.updates
        );
        text
    }

    fn figure(&self) -> Figure<'_> {
        let points = |steps: &Steps| steps.iter().enumerate().map(|(k, &s)| ((k + 1) as f64, s)).collect();
        let network = LineChart::new("moons network, batch 32: step of each update", "update t", "mean |Δw_i| / lr")
            .series(Series::line("with bias correction", points(&self.corrected)))
            .series(Series::line("without (the lecture's Adam 90%)", points(&self.uncorrected)))
            .series(Series::reference(
                "with × (1 − β1^t)/√(1 − β2^t)",
                (1..=self.updates).map(|t| (t as f64, self.corrected[t - 1] * predicted_ratio(t))).collect(),
            ));
        let constant =
            LineChart::new("one parameter, constant gradient: which zero start does what", "update t", "|Δx| / lr")
                .log_y()
                .series(Series::line("with bias correction", points(&self.constant_corrected)))
                .series(Series::line("without: m and v from 0", points(&self.constant_uncorrected)))
                .series(Series::line("only m from 0 (β2 = 0)", points(&self.only_m_from_zero)))
                .series(Series::line("only v from 0 (β1 = 0)", points(&self.only_v_from_zero)));
        Figure::new()
            .title("Adam without bias correction: m from 0 alone makes the first steps tiny, v from 0 alone huge; together 3.16× too large")
            .plot_size(560, 440)
            .panel(network)
            .panel(constant)
    }
}
