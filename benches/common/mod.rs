//! What several benches share: the W1, W2 and W4 steps as defined in
//! BENCHMARKS.md (so that criterion's timings, the plain-loop timings and
//! the callgrind counts measure the same step) and deterministic inputs.
// Each bench uses a part of this module.
#![allow(dead_code)]

use std::hint::black_box;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::toy;
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{Adam, AdamW, Optimizer};
use tapegrad::{Gradients, Param, Tape, Tensor};

/// W1: MLP 2-16-16-1, tanh, mean BCE with logits, batch 32 of two moons
/// (noise 0.1), Adam at 1e-2. One call is one training step.
pub fn w1_step() -> impl FnMut() {
    let mut rng = StdRng::seed_from_u64(0);
    let data = toy::moons::<f32, _>(32, 0.1, &mut rng);
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    let mut opt = Adam::new(1e-2);
    let (mut tape, mut grads) = (Tape::new(), Gradients::new());
    move || {
        tape.clear();
        let x = tape.constant_from_slice(data.x().data(), data.x().shape());
        let y = tape.constant_from_slice(data.y().data(), data.y().shape());
        loss::bce_with_logits(model.forward(x), y).backward_into(&mut grads);
        opt.step(&mut model, &grads);
    }
}

/// Steps after which W2 starts again from its first weights and a fresh
/// Adam. Trained longer on its one batch, the network fits the random labels
/// and its values underflow to subnormal floats, which the CPU computes
/// slowly: after about 12,000 steps a step took 3.5-3.9 ms instead of 1.4
/// (AVX-512 Xeon, one thread and two alike; gone with flush-to-zero set).
/// A bench that ran more steps would time that regime, not a training step.
pub const W2_RESTART: usize = 2_000;

/// W2: MLP 784-256-128-10, ReLU, mean softmax cross-entropy over integer
/// labels, batch 128, inputs N(0, 1), random labels, Adam at 1e-3; from the
/// start again every [`W2_RESTART`] steps.
pub fn w2_step() -> impl FnMut() {
    let mut rng = StdRng::seed_from_u64(1);
    let x = Tensor::<f32>::randn([128, 784], &mut rng);
    let labels = Tensor::from_fn([128], |_| (rand::RngExt::random_range(&mut rng, 0..10)) as f32);
    // Its own seed, so that every restart draws the same weights.
    let new_model = || Mlp::new(&[784, 256, 128, 10], Activation::Relu, &mut StdRng::seed_from_u64(11));
    let (mut model, mut opt) = (new_model(), Adam::new(1e-3));
    let (mut tape, mut grads) = (Tape::new(), Gradients::new());
    let mut steps = 0;
    move || {
        steps += 1;
        if steps % W2_RESTART == 0 {
            (model, opt) = (new_model(), Adam::new(1e-3));
        }
        tape.clear();
        let out = model.forward(tape.constant_from_slice(x.data(), x.shape()));
        let y = tape.constant_from_slice(labels.data(), labels.shape());
        loss::softmax_cross_entropy(out, y).backward_into(&mut grads);
        opt.step(&mut model, &grads);
        black_box(&grads);
    }
}

/// W4's size: 10M `f32` parameters.
pub const W4_PARAMS: usize = 10_000_000;

/// W4: one Adam (`decoupled: false`) or AdamW (weight decay 1e-2) step at
/// 1e-3 over [`W4_PARAMS`] parameters, the same gradient every step.
pub fn w4_step(decoupled: bool) -> impl FnMut() {
    let mut rng = StdRng::seed_from_u64(2);
    let grad = Tensor::<f32>::randn([W4_PARAMS], &mut rng);
    let mut param = Param::new("w", Tensor::<f32>::randn([W4_PARAMS], &mut rng));
    let (mut adam, mut adamw) = (Adam::new(1e-3), AdamW::new(1e-3).weight_decay(1e-2));
    move || {
        if decoupled {
            adamw.update(&mut param, &grad);
        } else {
            adam.update(&mut param, &grad);
        }
    }
}

/// Deterministic values in [-1, 1) (xorshift).
pub fn fill(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}
