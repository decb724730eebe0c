//! The performance workloads W1-W4 (see BENCHMARKS.md), each a full training
//! step or optimizer step, exactly as defined in the performance issue; W2
//! and W4 also on two threads (`set_num_threads(2)`). W5, the matrix
//! products, is `benches/gemm.rs`. `benches/peers/pytorch_workloads.py` runs
//! the same workloads in PyTorch.
//!
//!     cargo bench --bench workloads

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::toy;
use tapegrad::nn::{Activation, Init, Mlp, Module, loss};
use tapegrad::optim::{Adam, Optimizer, Sgd};
use tapegrad::{Gradients, Param, Tape, Tensor, set_num_threads};

/// W1: MLP 2-16-16-1, tanh, mean BCE with logits, batch 32 of two moons
/// (noise 0.1), Adam at 1e-2.
fn w1_tiny(c: &mut Criterion) {
    let mut step = common::w1_step();
    c.bench_function("W1 tiny: 2-16-16-1 tanh, BCE, batch 32, Adam (step)", |b| b.iter(&mut step));
}

/// W2: MLP 784-256-128-10, ReLU, mean softmax cross-entropy over integer
/// labels, batch 128, inputs N(0, 1), random labels, Adam at 1e-3.
fn w2_mnist_sized(c: &mut Criterion) {
    let mut step = common::w2_step();
    for threads in [1, 2] {
        set_num_threads(threads);
        let name = format!("W2 mnist-sized: 784-256-128-10 ReLU, CE, batch 128, Adam (step, {threads} thread)");
        c.bench_function(&name, |b| b.iter(&mut step));
    }
    set_num_threads(1);
}

/// W3: micrograd's demo step: 2-16-16-1 ReLU, 100 moons points, SVM loss
/// plus 1e-4 L2, full-batch SGD.
fn w3_micrograd(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1337);
    let data = toy::moons::<f32, _>(100, 0.1, &mut rng);
    let labels = data.y().map(|y| 2.0 * y - 1.0);
    let mut model = Mlp::with_init(&[2, 16, 16, 1], Activation::Relu, Init::Uniform(-1.0, 1.0), &mut rng);
    let mut opt = Sgd::new(0.1);
    let (mut tape, mut grads) = (Tape::new(), Gradients::new());
    c.bench_function("W3 micrograd demo: 2-16-16-1 ReLU, SVM + L2, 100 points, SGD (step)", |b| {
        b.iter(|| {
            tape.clear();
            let scores = model.forward(tape.constant_from_slice(data.x().data(), data.x().shape()));
            let y = tape.constant_from_slice(labels.data(), labels.shape());
            let total = loss::svm_max_margin(scores, y) + loss::l2_penalty(&model, &tape, 1e-4);
            total.backward_into(&mut grads);
            opt.step(&mut model, &grads);
        })
    });
}

/// W4: one Adam (and AdamW) step over 10,000,000 f32 parameters. Throughput
/// counts 28 bytes a parameter: x, g, m, v read (16) and x, m, v written (12).
fn w4_optimizer(c: &mut Criterion) {
    let mut group = c.benchmark_group("W4 optimizer step, 10M f32 parameters");
    group.throughput(Throughput::BytesDecimal(28 * common::W4_PARAMS as u64));
    group.sample_size(20);
    let (mut adam, mut adamw) = (common::w4_step(false), common::w4_step(true));
    for threads in [1, 2] {
        set_num_threads(threads);
        group.bench_function(format!("Adam, {threads} thread"), |b| b.iter(&mut adam));
        group.bench_function(format!("AdamW, {threads} thread"), |b| b.iter(&mut adamw));
    }
    set_num_threads(1);
    group.finish();
}

/// W4's bandwidth references, over arrays of W4's size allocated as its
/// tensors are (`Tensor`, so the same pages), on the same pool shape as the
/// optimizers (one worker, the caller doing the last half, contiguous
/// halves): the triad `a = b + s * c` (STREAM's), and a stream with Adam's
/// traffic and no arithmetic to speak of (read x, g, m, v; write x, m, v).
/// The triad's throughput counts the bytes that really move: b and c read,
/// a read for ownership and written back, 16 bytes an element (STREAM
/// counts 12, which would make its figure 3/4 of the real bandwidth).
fn w4_bandwidth(c: &mut Criterion) {
    const N: usize = 10_000_000;
    let mut rng = StdRng::seed_from_u64(6);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("one worker");
    let halves = |threads: usize| if threads == 1 { N } else { N.div_ceil(2).div_ceil(16) * 16 };
    let mut a = Tensor::<f32>::zeros([N]);
    let (b, cc) = (Tensor::<f32>::randn([N], &mut rng), Tensor::<f32>::randn([N], &mut rng));
    let triad = |a: &mut [f32], b: &[f32], c: &[f32]| {
        for ((a, &b), &c) in a.iter_mut().zip(b).zip(c) {
            *a = b + 0.5 * c;
        }
    };
    let mut group = c.benchmark_group("W4 bandwidth reference, 10M f32 arrays");
    group.throughput(Throughput::BytesDecimal(16 * N as u64));
    group.sample_size(20);
    for threads in [1, 2] {
        let half = halves(threads);
        group.bench_function(format!("triad a = b + s*c, {threads} thread"), |bench| {
            bench.iter(|| {
                let (a0, a1) = a.data_mut().split_at_mut(half);
                let ((b0, b1), (c0, c1)) = (b.data().split_at(half), cc.data().split_at(half));
                pool.in_place_scope(|scope| {
                    if !a1.is_empty() {
                        scope.spawn(|_| triad(a0, b0, c0));
                        triad(a1, b1, c1);
                    } else {
                        triad(a0, b0, c0);
                    }
                });
            })
        });
    }
    group.finish();

    // Adam's traffic: 4 arrays read, 3 written, 28 bytes an element.
    let (mut x, g) = (Tensor::<f32>::randn([N], &mut rng), Tensor::<f32>::randn([N], &mut rng));
    let (mut m, mut v) = (Tensor::<f32>::zeros([N]), Tensor::<f32>::zeros([N]));
    let adam_like = |x: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]| {
        for (((x, &g), m), v) in x.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            *m = 0.9 * *m + g;
            *v = 0.5 * *v + g;
            *x -= 1e-9 * *m;
        }
    };
    let mut group = c.benchmark_group("W4 optimizer step, 10M f32 parameters");
    group.throughput(Throughput::BytesDecimal(28 * N as u64));
    group.sample_size(20);
    for threads in [1, 2] {
        let half = halves(threads);
        group.bench_function(format!("stream of Adam's traffic (4 read, 3 written), {threads} thread"), |bench| {
            bench.iter(|| {
                let (x0, x1) = x.data_mut().split_at_mut(half);
                let (m0, m1) = m.data_mut().split_at_mut(half);
                let (v0, v1) = v.data_mut().split_at_mut(half);
                let (g0, g1) = g.data().split_at(half);
                pool.in_place_scope(|scope| {
                    if !x1.is_empty() {
                        scope.spawn(|_| adam_like(x0, g0, m0, v0));
                        adam_like(x1, g1, m1, v1);
                    } else {
                        adam_like(x0, g0, m0, v0);
                    }
                });
            })
        });
    }
    group.finish();
}

/// The Adam step on parameters that stay in cache (200k and 1M elements),
/// beside W4's 10M, which streams from memory.
fn adam_in_cache(c: &mut Criterion) {
    let mut group = c.benchmark_group("Adam step, smaller parameters");
    for n in [200_000, 1_000_000] {
        let mut rng = StdRng::seed_from_u64(5);
        let grad = Tensor::<f32>::randn([n], &mut rng);
        let mut param = Param::new("w", Tensor::<f32>::randn([n], &mut rng));
        let mut adam = Adam::new(1e-3);
        group.throughput(Throughput::BytesDecimal(28 * n as u64));
        for threads in [1, 2] {
            set_num_threads(threads);
            group.bench_function(format!("{n} parameters, {threads} thread"), |b| {
                b.iter(|| adam.update(&mut param, &grad))
            });
        }
        set_num_threads(1);
    }
    group.finish();
}

/// Binding parameters to a tape: the cost `Module::forward` pays per step
/// for the W1 and W2 models (a copy of each value into a reused buffer).
fn param_binding(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let mut group = c.benchmark_group("binding all parameters, then clear");
    for sizes in [&[2, 16, 16, 1][..], &[784, 256, 128, 10][..]] {
        let model = Mlp::<f32>::new(sizes, Activation::Relu, &mut rng);
        let mut tape = Tape::new();
        group.bench_function(format!("{sizes:?} ({} parameters)", model.num_params()), |b| {
            b.iter(|| {
                for p in model.params() {
                    std::hint::black_box(tape.param(p));
                }
                tape.clear();
            })
        });
    }
    group.finish();
}

/// Inference: `Module::predict` (no tape) against the taped forward pass.
fn inference(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(4);
    let model = Mlp::<f32>::new(&[784, 256, 128, 10], Activation::Relu, &mut rng);
    let x = Tensor::<f32>::randn([128, 784], &mut rng);
    let mut group = c.benchmark_group("forward 784-256-128-10, batch 128");
    group.bench_function("predict (no tape)", |b| b.iter(|| model.predict(&x)));
    let mut tape = Tape::new();
    group.bench_function("taped forward on a reused tape", |b| {
        b.iter(|| {
            tape.clear();
            std::hint::black_box(model.forward(tape.constant_from_slice(x.data(), x.shape())).shape());
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    w1_tiny,
    w2_mnist_sized,
    w3_micrograd,
    w4_optimizer,
    w4_bandwidth,
    adam_in_cache,
    param_binding,
    inference
);
criterion_main!(benches);
