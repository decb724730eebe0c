//! What the diagnostics cost on the W1 training step (as defined in
//! `benches/workloads.rs`: 2-16-16-1 tanh MLP, BCE with logits, batch 32
//! of two moons, Adam at 1e-2): the step alone (parameter names and the
//! layers' scopes are always there), and the step with its input, targets,
//! logits and loss named, followed by `Diagnostics::measure` and
//! `TrainingLog::record_step`; and the step followed by
//! `Histograms::record` alone.
//!
//!     cargo bench --bench diagnostics                    # criterion, the three variants
//!     cargo bench --bench diagnostics -- --count-steps 1000 [--diagnostics | --histograms]
//!
//! The second form runs that many steps and nothing else, for
//! `valgrind --tool=callgrind`: the difference between two step counts is
//! the instructions of the steps alone (BENCHMARKS.md has the commands).

use criterion::Criterion;
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::toy;
use tapegrad::diagnostics::{Diagnostics, Histograms, StepMetrics, TrainingLog};
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{Adam, Optimizer};
use tapegrad::{Gradients, Tape, Tensor};

/// The W1 workload with the buffers its steps reuse.
struct W1 {
    x: Tensor,
    y: Tensor,
    model: Mlp,
    opt: Adam,
    tape: Tape,
    grads: Gradients,
    diagnostics: Diagnostics,
    log: TrainingLog,
    histograms: Histograms,
}

/// What a step measures besides training.
#[derive(Clone, Copy, PartialEq)]
enum Watch {
    Nothing,
    Diagnostics,
    Histograms,
}

impl W1 {
    /// `steps`: how many steps the log has room for.
    fn new(steps: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(0);
        let data = toy::moons::<f32, _>(32, 0.1, &mut rng);
        let model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
        W1 {
            x: data.x().clone(),
            y: data.y().clone(),
            model,
            opt: Adam::new(1e-2),
            tape: Tape::new(),
            grads: Gradients::new(),
            diagnostics: Diagnostics::new(),
            log: TrainingLog::with_capacity(steps, 0, 6, 2),
            histograms: Histograms::with_capacity(steps),
        }
    }

    /// One training step; with `Watch::Diagnostics`, its diagnostics
    /// measured and logged; with `Watch::Histograms`, its histograms
    /// recorded.
    fn step(&mut self, what: Watch) {
        let watch = what == Watch::Diagnostics;
        let W1 { x, y, model, opt, tape, grads, diagnostics, log, histograms } = self;
        tape.clear();
        let input = tape.constant_from_slice(x.data(), x.shape());
        let target = tape.constant_from_slice(y.data(), y.shape());
        let (input, target) = if watch { (input.named("x"), target.named("y")) } else { (input, target) };
        let logits = model.forward(input);
        let logits = if watch { logits.named("logits") } else { logits };
        let loss = loss::bce_with_logits(logits, target);
        let value = if watch { loss.named("loss").item() as f64 } else { 0.0 };
        loss.backward_into(grads);
        opt.step(&mut *model, grads);
        if watch {
            diagnostics.measure(tape, grads, model);
            log.record_step(StepMetrics { loss: value, lr: opt.lr() }, Some(diagnostics));
        }
        if what == Watch::Histograms {
            histograms.record(histograms.len(), tape, grads);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--count-steps") {
        let steps: usize = args.get(at + 1).and_then(|n| n.parse().ok()).expect("--count-steps N");
        let what = match (args.iter().any(|a| a == "--diagnostics"), args.iter().any(|a| a == "--histograms")) {
            (true, _) => Watch::Diagnostics,
            (false, true) => Watch::Histograms,
            (false, false) => Watch::Nothing,
        };
        let mut w1 = W1::new(steps);
        for _ in 0..steps {
            w1.step(what);
        }
        std::hint::black_box(&w1.model);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    // The log and the histograms grow by a row a step and criterion runs
    // millions of steps: they start over every 65,536 and 4,096 steps
    // (allocating then, never in between; a W1 step's histograms are 2 KB).
    let variants = [
        ("W1 step, diagnostics off", Watch::Nothing),
        ("W1 step, diagnostics on", Watch::Diagnostics),
        ("W1 step, histograms on", Watch::Histograms),
    ];
    for (name, what) in variants {
        let mut w1 = W1::new(1 << 16);
        w1.histograms = Histograms::with_capacity(1 << 12);
        c.bench_function(name, |b| {
            b.iter(|| {
                if w1.log.steps() == 1 << 16 {
                    w1.log = TrainingLog::with_capacity(1 << 16, 0, 6, 2);
                }
                if w1.histograms.len() == 1 << 12 {
                    w1.histograms = Histograms::with_capacity(1 << 12);
                }
                w1.step(what)
            })
        });
    }
    c.final_summary();
}
