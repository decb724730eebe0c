//! What per-sample gradients and the statistics built on them cost, against
//! an ordinary training step, on the W1 and W2 shapes (as defined in
//! `benches/workloads.rs`: W1 a 2-16-16-1 tanh MLP, BCE with logits, batch
//! 32 of two moons; W2 a 784-256-128-10 ReLU MLP, softmax cross-entropy,
//! batch 128; both with Adam). Each variant records its own forward pass:
//!
//! * `step`: the training step (forward, backward, Adam);
//! * `per-sample gradients`: forward with `Reduction::None`, then every
//!   parameter's `[B, ..]` per-sample gradients (buffers reused);
//! * `per-sample norms`: the same forward, then each sample's gradient norm
//!   per parameter (Goodfellow's, without the gradients);
//! * `gradient noise`: the same forward, then `GradientNoise::measure`
//!   (per parameter and in total: mean gradient, variance, SNR, B_noise);
//! * `gradient noise, elementwise`: `GradientNoise::measure_elementwise`,
//!   which adds each element's variance.
//!
//! Run with:
//!
//!     cargo bench --bench per_sample
//!     cargo bench --bench per_sample -- --count-steps 1000 w1 noise   # only steps, for callgrind (BENCHMARKS.md)

use criterion::Criterion;
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::toy;
use tapegrad::diagnostics::GradientNoise;
use tapegrad::nn::loss::{self, Reduction};
use tapegrad::nn::{Activation, Mlp, Module};
use tapegrad::optim::{Adam, Optimizer};
use tapegrad::{Gradients, PerSampleGradients, PerSampleNorms, Tape, Tensor, Var};

/// The variants, by their names in criterion's report and on the command line.
const VARIANTS: [(&str, &str); 5] = [
    ("step", "step"),
    ("per-sample gradients", "grads"),
    ("per-sample norms", "norms"),
    ("gradient noise", "noise"),
    ("gradient noise, elementwise", "elementwise"),
];

/// A workload with every buffer its variants reuse.
struct Workload {
    x: Tensor,
    y: Tensor,
    /// BCE with logits (W1) or softmax cross-entropy (W2).
    binary: bool,
    model: Mlp,
    opt: Adam,
    tape: Tape,
    grads: Gradients,
    per_sample: PerSampleGradients,
    norms: PerSampleNorms,
    noise: GradientNoise,
}

impl Workload {
    fn w1() -> Self {
        let mut rng = StdRng::seed_from_u64(0);
        let data = toy::moons::<f32, _>(32, 0.1, &mut rng);
        let model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
        Self::new(data.x().clone(), data.y().clone(), true, model, 1e-2)
    }

    fn w2() -> Self {
        let mut rng = StdRng::seed_from_u64(1);
        let x = Tensor::<f32>::randn([128, 784], &mut rng);
        let labels = Tensor::from_fn([128], |_| (rand::RngExt::random_range(&mut rng, 0..10)) as f32);
        let model = Mlp::new(&[784, 256, 128, 10], Activation::Relu, &mut rng);
        Self::new(x, labels, false, model, 1e-3)
    }

    fn new(x: Tensor, y: Tensor, binary: bool, model: Mlp, lr: f64) -> Self {
        Workload {
            x,
            y,
            binary,
            model,
            opt: Adam::new(lr),
            tape: Tape::new(),
            grads: Gradients::new(),
            per_sample: PerSampleGradients::new(),
            norms: PerSampleNorms::new(),
            noise: GradientNoise::new(),
        }
    }

    /// Records the forward pass on a cleared tape and returns the loss
    /// with `reduction`.
    fn forward<'t>(
        tape: &'t mut Tape,
        model: &'t Mlp,
        x: &Tensor,
        y: &Tensor,
        binary: bool,
        reduction: Reduction,
    ) -> Var<'t> {
        tape.clear();
        let tape: &'t Tape = tape;
        let out = model.forward(tape.constant_from_slice(x.data(), x.shape()));
        let y = tape.constant_from_slice(y.data(), y.shape());
        if binary {
            loss::bce_with_logits_with(out, y, reduction)
        } else {
            loss::softmax_cross_entropy_with(out, y, reduction)
        }
    }

    /// Runs variant `variant` (an index into [`VARIANTS`]) once.
    fn run(&mut self, variant: usize) {
        let Workload { x, y, binary, model, opt, tape, grads, per_sample, norms, noise } = self;
        if variant == 0 {
            Self::forward(tape, model, x, y, *binary, Reduction::Mean).backward_into(grads);
            opt.step(&mut *model, grads);
            return;
        }
        let terms = Self::forward(tape, model, x, y, *binary, Reduction::None);
        match variant {
            1 => per_sample.compute(terms),
            2 => norms.compute(terms),
            3 => noise.measure(terms),
            _ => noise.measure_elementwise(terms),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--count-steps") {
        let usage = "--count-steps N w1|w2 step|grads|norms|noise|elementwise";
        let steps: usize = args.get(at + 1).and_then(|n| n.parse().ok()).expect(usage);
        let mut workload = match args.get(at + 2).map(String::as_str) {
            Some("w1") => Workload::w1(),
            Some("w2") => Workload::w2(),
            _ => panic!("{usage}"),
        };
        let variant = VARIANTS.iter().position(|v| args.get(at + 3).map(String::as_str) == Some(v.1)).expect(usage);
        for _ in 0..steps {
            workload.run(variant);
        }
        std::hint::black_box(&workload.model);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    for (name, mut workload) in [("W1", Workload::w1()), ("W2", Workload::w2())] {
        for (variant, (what, _)) in VARIANTS.iter().enumerate() {
            c.bench_function(&format!("{name} {what}"), |b| b.iter(|| workload.run(variant)));
        }
    }
    c.final_summary();
}
