//! A training step in steady state allocates nothing: the tape reuses its
//! buffers after `clear`, the backward sweep reuses the buffers of the
//! `Gradients` it sweeps into (`backward_into`), the
//! GEMM reuses its packing buffers, and optimizer state is created once. A
//! counting global allocator proves it, so that it cannot regress; it also
//! measures peak memory and shows that a long run does not grow.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::toy;
use tapegrad::diagnostics::{Diagnostics, Histograms, StepMetrics, TrainingLog};
use tapegrad::nn::{
    Activation, BatchNorm1d, Dropout, Embedding, Flatten, LayerNorm, Linear, Mlp, Module, Sequential, loss,
};
use tapegrad::optim::{Adam, Optimizer, Sgd};
use tapegrad::{Gradients, Tape, Tensor};

/// Counts the allocations of the current thread only, so that the test
/// harness's other threads cannot disturb the count.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Bytes allocated and not yet freed by this thread (frees of memory
    /// another thread allocated can take it below zero).
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// The largest `LIVE` since the last reset.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the thread-local may already be gone while a thread exits.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn track(bytes: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + bytes;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// only addition is a counter in a const-initialised thread-local `Cell`,
// which neither allocates nor runs a destructor.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        track(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        track(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        track(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        track(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made on this thread while running `f`.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn live_bytes() -> isize {
    LIVE.with(Cell::get)
}

/// Resets the peak to the current live bytes and returns them.
fn reset_peak() -> isize {
    let now = live_bytes();
    PEAK.with(|p| p.set(now));
    now
}

/// Which loss the step minimises.
#[derive(Clone, Copy)]
enum Loss {
    BceWithLogits,
    SoftmaxCrossEntropy,
}

/// A reused tape and the gradients reused by every sweep.
#[derive(Default)]
struct Buffers {
    tape: Tape,
    grads: Gradients,
}

/// One training step on reused buffers, feeding the batch without allocating.
fn train_step<M: Module + ?Sized>(
    buffers: &mut Buffers,
    model: &mut M,
    opt: &mut impl Optimizer,
    x: &Tensor,
    y: &Tensor,
    kind: Loss,
) -> f32 {
    let Buffers { tape, grads } = buffers;
    tape.clear();
    let out = model.forward(tape.constant_from_slice(x.data(), x.shape()));
    let target = tape.constant_from_slice(y.data(), y.shape());
    let loss = match kind {
        Loss::BceWithLogits => loss::bce_with_logits(out, target),
        Loss::SoftmaxCrossEntropy => loss::softmax_cross_entropy(out, target),
    };
    let value = loss.item();
    loss.backward_into(grads);
    opt.step(&mut *model, grads);
    value
}

/// Runs a few warm-up steps, then asserts that 50 more allocate nothing.
fn assert_steady_state_allocates_nothing<M: Module + ?Sized>(
    name: &str,
    model: &mut M,
    opt: &mut impl Optimizer,
    x: &Tensor,
    y: &Tensor,
    kind: Loss,
) {
    let mut tape = Buffers::default();
    let first = train_step(&mut tape, model, opt, x, y, kind);
    for _ in 0..3 {
        train_step(&mut tape, model, opt, x, y, kind);
    }
    let mut last = first;
    let count = allocations_during(|| {
        for _ in 0..50 {
            last = train_step(&mut tape, model, opt, x, y, kind);
        }
    });
    assert!(last < first, "{name}: the steps must be real training steps (loss {first} -> {last})");
    assert_eq!(count, 0, "{name}: {count} allocations in 50 steady-state steps");
}

#[test]
fn w1_tiny_mlp_training_steps_allocate_nothing() {
    let mut rng = StdRng::seed_from_u64(0);
    let data = toy::moons::<f32, _>(32, 0.1, &mut rng);
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    let mut opt = Sgd::new(0.1);
    assert_steady_state_allocates_nothing("W1", &mut model, &mut opt, data.x(), data.y(), Loss::BceWithLogits);
}

#[test]
fn w2_mnist_sized_mlp_training_steps_allocate_nothing() {
    let mut rng = StdRng::seed_from_u64(1);
    let x = Tensor::randn([128, 784], &mut rng);
    let y = Tensor::from_fn([128], |i| (i * 7 % 10) as f32);
    let mut model = Mlp::new(&[784, 256, 128, 10], Activation::Relu, &mut rng);
    let mut opt = Sgd::new(0.01);
    assert_steady_state_allocates_nothing("W2", &mut model, &mut opt, &x, &y, Loss::SoftmaxCrossEntropy);
}

#[test]
fn w1_and_w2_with_adam_allocate_nothing_after_the_first_step() {
    let mut rng = StdRng::seed_from_u64(2);
    let data = toy::moons::<f32, _>(32, 0.1, &mut rng);
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    assert_steady_state_allocates_nothing(
        "W1, Adam",
        &mut model,
        &mut Adam::new(1e-2),
        data.x(),
        data.y(),
        Loss::BceWithLogits,
    );
    let x = Tensor::randn([128, 784], &mut rng);
    let y = Tensor::from_fn([128], |i| (i * 3 % 10) as f32);
    let mut model = Mlp::new(&[784, 256, 128, 10], Activation::Relu, &mut rng);
    assert_steady_state_allocates_nothing(
        "W2, Adam",
        &mut model,
        &mut Adam::new(1e-3),
        &x,
        &y,
        Loss::SoftmaxCrossEntropy,
    );
}

#[test]
fn a_model_with_layernorm_and_dropout_trains_without_allocating() {
    let mut rng = StdRng::seed_from_u64(3);
    let data = toy::moons::<f32, _>(64, 0.1, &mut rng);
    let mut model = Sequential::new()
        .layer(Linear::new(2, 32, &mut rng))
        .layer(LayerNorm::new(32))
        .layer(Activation::Tanh)
        .layer(Dropout::new(0.1, &mut rng))
        .layer(Linear::new(32, 1, &mut rng));
    let mut opt = Adam::new(1e-2);
    assert_steady_state_allocates_nothing(
        "LayerNorm, Dropout",
        &mut model,
        &mut opt,
        data.x(),
        data.y(),
        Loss::BceWithLogits,
    );
}

#[test]
fn makemores_model_trains_without_allocating() {
    // Embedding -> Flatten -> Linear -> BatchNorm1d -> tanh -> Linear, on
    // contexts of three characters of 27.
    let mut rng = StdRng::seed_from_u64(4);
    let x = Tensor::from_fn([32, 3], |i| (i * 7 % 27) as f32);
    let y = Tensor::from_fn([32], |i| (i * 5 % 27) as f32);
    let mut model = Sequential::new()
        .layer(Embedding::new(27, 10, &mut rng))
        .layer(Flatten::new())
        .layer(Linear::new(30, 64, &mut rng).without_bias())
        .layer(BatchNorm1d::new(64))
        .layer(Activation::Tanh)
        .layer(Linear::new(64, 27, &mut rng));
    let mut opt = Sgd::new(0.1);
    assert_steady_state_allocates_nothing("makemore", &mut model, &mut opt, &x, &y, Loss::SoftmaxCrossEntropy);
}

/// A W1 step that names its nodes and measures the diagnostics into a log.
fn inspected_step(
    buffers: &mut Buffers,
    model: &mut Mlp,
    opt: &mut impl Optimizer,
    (x, y): (&Tensor, &Tensor),
    diagnostics: &mut Diagnostics,
    log: &mut TrainingLog,
) -> f32 {
    let Buffers { tape, grads } = buffers;
    tape.clear();
    let input = tape.constant_from_slice(x.data(), x.shape()).named("x");
    let logits = model.forward(input).named(format_args!("logits"));
    let loss = loss::bce_with_logits(logits, tape.constant_from_slice(y.data(), y.shape())).named("loss");
    let value = loss.item();
    loss.backward_into(grads);
    assert!(grads.named("layers.2.bias").is_some());
    opt.step(&mut *model, grads);
    diagnostics.measure(tape, grads, model);
    log.record_step(StepMetrics { loss: value as f64, lr: opt.lr() }, Some(diagnostics));
    value
}

#[test]
fn names_scopes_and_diagnostics_allocate_nothing_per_step() {
    let mut rng = StdRng::seed_from_u64(5);
    let data = toy::moons::<f32, _>(32, 0.1, &mut rng);
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    let mut opt = Adam::new(1e-2);
    let (mut buffers, mut diagnostics) = (Buffers::default(), Diagnostics::new());
    let mut log = TrainingLog::with_capacity(54, 0, 6, 2);
    let batch = (data.x(), data.y());
    let first = inspected_step(&mut buffers, &mut model, &mut opt, batch, &mut diagnostics, &mut log);
    for _ in 0..3 {
        inspected_step(&mut buffers, &mut model, &mut opt, batch, &mut diagnostics, &mut log);
    }
    let mut last = first;
    let count = allocations_during(|| {
        for _ in 0..50 {
            last = inspected_step(&mut buffers, &mut model, &mut opt, batch, &mut diagnostics, &mut log);
        }
    });
    assert!(last < first, "real training steps (loss {first} -> {last})");
    assert_eq!((log.steps(), log.param_names().len(), log.activation_names().len()), (54, 6, 2));
    assert!(log.step_rows().all(|row| row.update_ratio(0) > 0.0 && row.saturation(1) >= 0.0));
    assert_eq!(count, 0, "{count} allocations in 50 steps with names and diagnostics");
}

#[test]
fn histograms_recorded_every_step_allocate_nothing_after_the_first() {
    let mut rng = StdRng::seed_from_u64(6);
    let data = toy::moons::<f32, _>(32, 0.1, &mut rng);
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    let mut opt = Adam::new(1e-2);
    let mut buffers = Buffers::default();
    let mut histograms = Histograms::with_capacity(54);
    let (x, y) = (data.x(), data.y());
    let step = |buffers: &mut Buffers, model: &mut Mlp, opt: &mut Adam, histograms: &mut Histograms, k: usize| {
        train_step(buffers, model, opt, x, y, Loss::BceWithLogits);
        histograms.record(k, &buffers.tape, &buffers.grads);
    };
    // The first record fixes the series and reserves room for all 54 (102
    // allocations: names, series, rows); the training step itself
    // allocates a little in its second step, as its buffers settle.
    for k in 0..4 {
        step(&mut buffers, &mut model, &mut opt, &mut histograms, k);
    }
    let count = allocations_during(|| {
        for k in 4..54 {
            step(&mut buffers, &mut model, &mut opt, &mut histograms, k);
        }
    });
    // Two tanh layers (outputs, gradients) and six parameters' gradients.
    assert_eq!((histograms.len(), histograms.series().len()), (54, 10));
    assert_eq!(histograms.counts(53, 0).iter().sum::<u32>(), 32 * 16);
    assert_eq!(count, 0, "{count} allocations in 50 steps recording histograms");
}

#[test]
fn w2_peak_memory_stays_under_one_and_a_half_times_what_training_must_hold() {
    // The data set exists before training; what training adds is measured.
    let mut rng = StdRng::seed_from_u64(3);
    let x = Tensor::randn([128, 784], &mut rng);
    let y = Tensor::from_fn([128], |i| (i * 3 % 10) as f32);
    let before = reset_peak();
    let mut model = Mlp::new(&[784, 256, 128, 10], Activation::Relu, &mut rng);
    let mut opt = Adam::new(1e-3);
    let mut tape = Buffers::default();
    for _ in 0..5 {
        train_step(&mut tape, &mut model, &mut opt, &x, &y, Loss::SoftmaxCrossEntropy);
    }
    let peak = (PEAK.with(Cell::get) - before) as f64;
    // What training must hold: parameters, their gradients, Adam's two
    // moments, and the activations: the batch on the tape, each layer's
    // output and its activation, the logits and the labels.
    let params: usize = model.params().map(|p| p.value().len()).sum();
    let activations = 128 * (784 + 2 * 256 + 2 * 128 + 10) + 128;
    let needed = (4 * params + activations) as f64 * 4.0;
    let ratio = peak / needed;
    eprintln!("W2 peak {:.2} MB, needed {:.2} MB, ratio {ratio:.3}", peak / 1e6, needed / 1e6);
    assert!(ratio < 1.5, "peak {peak} bytes is {ratio:.2} times the {needed} bytes training needs");
}

#[test]
fn a_hundred_thousand_steps_on_one_tape_do_not_grow_memory() {
    let mut rng = StdRng::seed_from_u64(4);
    let data = toy::moons::<f32, _>(32, 0.1, &mut rng);
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    let mut opt = Adam::new(1e-3);
    let mut tape = Buffers::default();
    for _ in 0..1_000 {
        train_step(&mut tape, &mut model, &mut opt, data.x(), data.y(), Loss::BceWithLogits);
    }
    let after_warm_up = live_bytes();
    let mut last = 0.0;
    for _ in 0..99_000 {
        last = train_step(&mut tape, &mut model, &mut opt, data.x(), data.y(), Loss::BceWithLogits);
    }
    assert!(last.is_finite());
    assert_eq!(live_bytes(), after_warm_up, "memory grew over 99,000 steps");
}
