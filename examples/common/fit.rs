//! The training loop the data-set examples share: shuffled mini-batches, a
//! loss, backward, an optimizer step at the schedule's rate.

use rand::rngs::StdRng;
use tapegrad::data::Dataset;
use tapegrad::diagnostics::StepMetrics;
use tapegrad::nn::{Mlp, Module};
use tapegrad::optim::{Optimizer, Schedule};
use tapegrad::report::GraphPicture;
use tapegrad::{Gradients, Tape, Var};

/// A loss of a batch's outputs against its targets (`loss::softmax_cross_entropy`).
pub type Loss = for<'t> fn(Var<'t, f32>, Var<'t, f32>) -> Var<'t, f32>;

/// The loss of `model` on all of `data`, on a tape of its own.
pub fn mean_loss(model: &Mlp, data: &Dataset, loss: Loss) -> f64 {
    let tape = Tape::new();
    loss(tape.constant(model.predict(data.x())), tape.constant(data.y().clone())).item() as f64
}

/// The tape and gradients, reused from step to step, and the step count.
#[derive(Default)]
pub struct Trainer {
    tape: Tape<f32>,
    grads: Gradients<f32>,
    pub step: usize,
}

impl Trainer {
    /// One epoch over `data` in batches of `batch_size`, shuffled with
    /// `rng`; `record` sees each step's loss and rate. Returns the mean
    /// loss over the epoch's examples.
    #[allow(clippy::too_many_arguments)]
    pub fn epoch(
        &mut self,
        model: &mut Mlp,
        data: &Dataset,
        batch_size: usize,
        opt: &mut impl Optimizer,
        schedule: &dyn Schedule,
        loss: Loss,
        rng: &mut StdRng,
        mut record: impl FnMut(StepMetrics),
    ) -> f64 {
        let (mut sum, mut seen) = (0.0, 0);
        for batch in data.batches(batch_size, rng) {
            self.tape.clear();
            let n = batch.len();
            let outputs = model.forward(self.tape.constant(batch.x));
            let value = loss(outputs, self.tape.constant(batch.y));
            let v = value.item() as f64;
            value.backward_into(&mut self.grads);
            opt.set_lr(schedule.lr(self.step));
            opt.step(&mut *model, &self.grads);
            record(StepMetrics { loss: v, lr: opt.lr() });
            (sum, seen, self.step) = (sum + v * n as f64, seen + n, self.step + 1);
        }
        sum / seen.max(1) as f64
    }

    /// The last step's graph, with the values the parameters had before it
    /// and the gradients of its sweep, for the report.
    pub fn last_step(&self) -> GraphPicture {
        GraphPicture::capture(&self.tape, Some(&self.grads))
    }
}
