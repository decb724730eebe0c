//! The example's model, makemore part 3's network with BatchNorm, and what
//! is done with it: training, the loss on a split, sampling names.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tapegrad::diagnostics::{Diagnostics, StepMetrics, TrainingLog};
use tapegrad::nn::{Activation, BatchNorm1d, Embedding, Flatten, Linear, Module, Sequential, loss};
use tapegrad::optim::{Optimizer, Sgd};
use tapegrad::{Gradients, Tape, Tensor};

use super::data::{BLOCK, Contexts, VOCAB, char_of};

/// Examples per mini-batch (makemore's).
pub const BATCH: usize = 32;
/// Characters are vectors of this many numbers.
pub const EMBED: usize = 10;
/// Units of the hidden layer.
pub const HIDDEN: usize = 200;
/// makemore part 3's loss log after "add batch norm layer" (train,
/// validation): the same network, 200,000 steps of batch 32 at rate 0.1,
/// then 0.01 after 100,000. From its notebook,
/// `lectures/makemore/makemore_part3_bn.ipynb` in karpathy/nn-zero-to-hero.
pub const PUBLISHED: (f64, f64) = (2.0668, 2.1048);
/// The longest name sampled (the longest in `names.txt` has 15 letters).
const LONGEST: usize = 30;

/// A linear layer `fan_in -> fan_out` with weights `N(0, 1) * scale` and a
/// zero bias, or none.
pub fn linear(fan_in: usize, fan_out: usize, scale: f32, bias: bool, rng: &mut StdRng) -> Linear {
    let layer = Linear::from_weights(Tensor::randn([fan_out, fan_in], rng) * scale, Tensor::zeros([fan_out]));
    if bias { layer } else { layer.without_bias() }
}

/// Kaiming's scale for a tanh layer of `fan_in` inputs: `(5/3) / sqrt(fan_in)`.
pub fn kaiming(fan_in: usize) -> f32 {
    (5.0 / 3.0) / (fan_in as f32).sqrt()
}

/// The model: `Embedding -> Flatten -> Linear -> BatchNorm1d -> tanh ->
/// Linear`, started as part 3 starts it (Kaiming's scale for the hidden
/// layer, whose bias BatchNorm makes useless; a small output layer). The
/// running statistics average over about a thousand batches (momentum
/// 0.001, part 3's `0.999` running average) rather than PyTorch's ten: at
/// batch 32, ten batches estimate them poorly.
pub fn model(rng: &mut StdRng) -> Sequential {
    let fan_in = EMBED * BLOCK;
    Sequential::new()
        .layer_named("emb", Embedding::from_weights(Tensor::randn([VOCAB, EMBED], rng)))
        .layer_named("flatten", Flatten::new())
        .layer_named("hidden", linear(fan_in, HIDDEN, kaiming(fan_in), false, rng))
        .layer_named("bn", BatchNorm1d::new(HIDDEN).momentum(Some(0.001)))
        .layer_named("h", Activation::Tanh)
        .layer_named("out", linear(HIDDEN, VOCAB, 0.01, true, rng))
}

/// makemore's rate: 0.1 for the first half of `steps`, then 0.01.
pub fn step_decay(steps: usize) -> impl Fn(usize) -> f64 {
    move |step| if step < steps / 2 { 0.1 } else { 0.01 }
}

/// `steps` SGD steps on mini-batches of `data` drawn with `rng`, at the
/// rate `lr(step)`. With a log, the diagnostics of every step go into it;
/// without, the loss is printed every `report_every` steps (0: never).
pub fn train(
    model: &mut Sequential,
    data: &Contexts,
    steps: usize,
    lr: impl Fn(usize) -> f64,
    rng: &mut StdRng,
    mut log: Option<&mut TrainingLog>,
    report_every: usize,
) {
    let (mut tape, mut grads, mut diagnostics) = (Tape::new(), Gradients::new(), Diagnostics::new());
    let (mut xb, mut yb) = (vec![0.0; BATCH * BLOCK], vec![0.0; BATCH]);
    let mut opt = Sgd::new(lr(0));
    for step in 0..steps {
        tape.clear();
        data.sample_into(rng, &mut xb, &mut yb);
        let logits = model.forward(tape.constant_from_slice(&xb, [BATCH, BLOCK]));
        let loss = loss::softmax_cross_entropy(logits, tape.constant_from_slice(&yb, [BATCH]));
        loss.backward_into(&mut grads);
        opt.set_lr(lr(step));
        opt.step(&mut *model, &grads);
        if let Some(log) = log.as_deref_mut() {
            diagnostics.measure(&tape, &grads, &*model);
            log.record_step(StepMetrics { loss: loss.item() as f64, lr: opt.lr() }, Some(&diagnostics));
        } else if report_every > 0 && step % report_every == 0 {
            println!("  step {step:>7}/{steps}: loss {:.4}", loss.item());
        }
    }
}

/// The mean cross-entropy of the model on every context of `data`, in eval
/// mode (BatchNorm's running statistics).
pub fn split_loss(model: &Sequential, data: &Contexts) -> f64 {
    let logits = model.predict(&data.x);
    let tape = Tape::new();
    loss::softmax_cross_entropy(tape.constant(logits), tape.constant(data.y.clone())).item() as f64
}

/// A name drawn from the model, one character at a time, until it draws
/// `.` (or the name reaches 30 letters).
pub fn sample(model: &Sequential, rng: &mut StdRng) -> String {
    let mut context = [0usize; BLOCK];
    let mut name = String::new();
    while name.len() < LONGEST {
        let x = Tensor::from_fn([1, BLOCK], |i| context[i] as f32);
        let probs = model.predict(&x).softmax(1);
        let mut u: f32 = rng.random();
        let next = probs.data().iter().position(|&p| {
            u -= p;
            u < 0.0
        });
        // Rounding can leave u a hair above the total: the last character.
        let next = next.unwrap_or(VOCAB - 1);
        if next == 0 {
            break;
        }
        name.push(char_of(next));
        context.rotate_left(1);
        context[BLOCK - 1] = next;
    }
    name
}

/// `count` names drawn from the model with a generator seeded by `seed`.
pub fn samples(model: &Sequential, count: usize, seed: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(|_| sample(model, &mut rng)).collect()
}
