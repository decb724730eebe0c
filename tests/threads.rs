//! `set_num_threads`: the same training on one thread and on several.
//!
//! The thread count is a process-wide setting, so every test here holds
//! `SETTING` while it changes it (tests in one binary run side by side).

use std::sync::Mutex;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{Adam, AdamW, Optimizer};
use tapegrad::{Param, Tape, Tensor, num_threads, set_num_threads};

static SETTING: Mutex<()> = Mutex::new(());

/// Runs `f` with `threads` threads, then restores one.
fn with_threads<R>(threads: usize, f: impl FnOnce() -> R) -> R {
    set_num_threads(threads);
    let result = f();
    set_num_threads(1);
    result
}

/// Ten Adam steps of the W2 model (784-256-128-10, batch 128); the weights.
fn train_mnist_sized_mlp() -> Vec<Vec<f32>> {
    let mut rng = StdRng::seed_from_u64(1);
    let x = Tensor::<f32>::randn([128, 784], &mut rng);
    let labels = Tensor::from_fn([128], |i| (i % 10) as f32);
    let mut model = Mlp::new(&[784, 256, 128, 10], Activation::Relu, &mut rng);
    let mut opt = Adam::new(1e-3);
    let mut tape = Tape::new();
    for _ in 0..10 {
        tape.clear();
        let out = model.forward(tape.constant_from_slice(x.data(), x.shape()));
        let y = tape.constant_from_slice(labels.data(), labels.shape());
        let grads = loss::softmax_cross_entropy(out, y).backward();
        opt.step(&mut model, &grads);
    }
    model.params().map(|p| p.value().data().to_vec()).collect()
}

#[test]
fn training_on_two_and_three_threads_is_bit_identical_to_one_thread() {
    let _lock = SETTING.lock().unwrap();
    let one = with_threads(1, train_mnist_sized_mlp);
    for threads in [2, 3] {
        // A split product computes every element as the unsplit one does
        // (the same path and blocks for the whole product), and the Adam
        // split gives each element the same operations: whether and how the
        // work is split changes nothing in the result.
        let many = with_threads(threads, train_mnist_sized_mlp);
        assert!(one == many, "{threads} threads: the weights differ from one thread's");
    }
}

#[test]
fn a_large_adam_step_split_across_threads_is_bit_identical() {
    let _lock = SETTING.lock().unwrap();
    let mut rng = StdRng::seed_from_u64(2);
    let start = Tensor::<f32>::randn([1_000_003], &mut rng);
    let grad = Tensor::<f32>::randn([1_000_003], &mut rng);
    let run = |threads| {
        with_threads(threads, || {
            let mut param = Param::new("w", start.clone());
            let mut adam = AdamW::new(1e-2).weight_decay(0.1);
            for _ in 0..3 {
                adam.update(&mut param, &grad);
            }
            param.value().data().to_vec()
        })
    };
    let one = run(1);
    assert_ne!(one, start.data(), "the steps must move the parameter");
    assert_eq!(one, run(2));
    assert_eq!(one, run(5));
}

#[test]
fn the_setting_is_read_back_and_zero_is_refused() {
    let _lock = SETTING.lock().unwrap();
    with_threads(4, || assert_eq!(num_threads(), 4));
    assert_eq!(num_threads(), 1);
    let refused = std::panic::catch_unwind(|| set_num_threads(0));
    assert!(refused.is_err());
    assert_eq!(num_threads(), 1);
}
