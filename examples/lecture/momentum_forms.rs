//! "SGD + Momentum (forma 1)" `v = ρv − αg; x += v` against "(forma 2)"
//! `v = ρv + g; x −= αv`: the same network trained on the whole training
//! set at each step (no batch noise to hide the difference), the rate
//! divided by 10 halfway through.

use super::training::{Curve, Moons, Plan, distance, flatten, mlp, train_observed};
use super::{Experiment, Size};
use crate::common::chart::{LineChart, Series};
use crate::common::figure::Figure;
use tapegrad::optim::{Momentum, MomentumForm, StepDecay};

const LR: f64 = 0.3;
const RHO: f64 = 0.9;
const SIZES: [usize; 4] = [2, 16, 16, 1];

/// One form's run.
pub struct Run {
    pub curve: Curve,
    /// The weights after each update (the start first).
    pub weights: Vec<Vec<f64>>,
}

impl Run {
    /// How far update `k` (counting from 0) moved the weights.
    pub fn step_length(&self, k: usize) -> f64 {
        distance(&self.weights[k + 1], &self.weights[k])
    }
}

/// The slide's two runs, one per momentum form, with the rate drop.
pub struct Forms {
    /// Updates before the rate drops; as many after.
    pub drop_at: usize,
    pub velocity: Run,
    pub gradient_sum: Run,
}

impl Forms {
    /// How far apart the two runs' weights are after `k` updates.
    pub fn gap(&self, k: usize) -> f64 {
        distance(&self.velocity.weights[k], &self.gradient_sum.weights[k])
    }

    /// The largest gap before the rate drops.
    pub fn gap_before_drop(&self) -> f64 {
        (0..=self.drop_at).map(|k| self.gap(k)).fold(0.0, f64::max)
    }

    /// The gap after the last update.
    pub fn final_gap(&self) -> f64 {
        self.gap(2 * self.drop_at)
    }

    /// A run's first step at the new rate over its last at the old one:
    /// 0.1 if the step follows the rate at once.
    pub fn step_ratio_at_drop(&self, run: &Run) -> f64 {
        run.step_length(self.drop_at) / run.step_length(self.drop_at - 1)
    }

    /// Updates after the drop until `run`'s steps are within 10% of
    /// `reference`'s (the other form, already at the new scale).
    pub fn steps_to_catch_up(&self, run: &Run, reference: &Run) -> usize {
        (self.drop_at..2 * self.drop_at)
            .position(|k| run.step_length(k) <= 1.1 * reference.step_length(k))
            .unwrap_or(self.drop_at)
    }
}

impl Experiment for Forms {
    const FILE: &'static str = "momentum_forms.svg";

    fn run(size: Size, seed: u64) -> Self {
        let moons = Moons::new(1000, 0.2, seed);
        let drop_at = size.pick(100, 200);
        let schedule = StepDecay::new(LR, [drop_at], 0.1);
        let plan = Plan::new(usize::MAX, 2 * drop_at, &schedule);
        let run = |form| {
            let mut model = mlp(&SIZES, seed);
            let mut weights = vec![flatten(&model)];
            let mut opt = Momentum::new(LR, RHO).form(form);
            let curve = train_observed(&mut model, &moons.train, &mut opt, &plan, |_, m| weights.push(flatten(m)));
            Run { curve, weights }
        };
        Forms { drop_at, velocity: run(MomentumForm::Velocity), gradient_sum: run(MomentumForm::GradientSum) }
    }

    fn report(&self) -> String {
        let mut text = format!(
            "2-16-16-1 MLP on moons, full batch, rho {RHO}, lr {LR} then {} from update {}\n",
            LR / 10.0,
            self.drop_at
        );
        text += &format!(
            "largest distance between the two runs' weights before the drop: {:.2e}\n",
            self.gap_before_drop()
        );
        text += &format!("distance after the last update:                                 {:.2e}\n", self.final_gap());
        let (one, two) = (&self.velocity, &self.gradient_sum);
        text += &format!(
            "first step at the new rate / last at the old: form 1 (Velocity) {:.2}, form 2 (GradientSum) {:.2}\n",
            self.step_ratio_at_drop(one),
            self.step_ratio_at_drop(two)
        );
        text +=
            &format!("form 1's steps come within 10% of form 2's after {} updates\n", self.steps_to_catch_up(one, two));
        text += &format!(
            "final training loss: form 1 {:.4}, form 2 {:.4}",
            one.curve.final_loss(1),
            two.curve.final_loss(1)
        );
        text
    }

    fn figure(&self) -> Figure<'_> {
        let updates = 2 * self.drop_at;
        let drop = self.drop_at as f64;
        let step_lengths = |run: &Run| (0..updates).map(|k| (k as f64, run.step_length(k))).collect();
        let steps = LineChart::new("how far each update moves the weights", "update", "|Δw|")
            .log_y()
            .mark(drop, "lr ÷ 10")
            .series(Series::line("form 1: v = ρv − αg; w += v", step_lengths(&self.velocity)))
            .series(Series::line("form 2: v = ρv + g; w −= αv", step_lengths(&self.gradient_sum)));
        let gap = LineChart::new("distance between the two runs' weights", "update", "|w₁ − w₂|")
            .log_y()
            .mark(drop, "lr ÷ 10")
            .series(Series::line("|w₁ − w₂|", (1..=updates).map(|k| (k as f64, self.gap(k))).collect()).color(2));
        Figure::new()
            .title("Momentum forms 1 and 2: the same path at a constant rate, different ones after the rate drops")
            .plot_size(520, 420)
            .panel(steps)
            .panel(gap)
    }
}
