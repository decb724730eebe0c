//! The bad inputs a probe of the public API still found (issue "Trust on
//! every machine"), one test each, with the answer each gets now: a result
//! that makes sense, or a panic whose message names the function and the
//! values. A panic is reported at the caller's line, not inside the library
//! (`#[track_caller]`), which `refused!` checks for every one of them.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::toy;
use tapegrad::nn::metrics::{binary_accuracy, multiclass_accuracy};
use tapegrad::nn::{Activation, Linear, Mlp, Module, loss};
use tapegrad::optim::{Adam, AdamW, Optimizer, RmsProp};
use tapegrad::report::DecisionBoundary;
use tapegrad::{Param, Tape, Tensor, check_gradients, check_second_order, max_num_threads, set_num_threads};

thread_local! {
    /// The last panic on this thread: its message, file and line.
    static LAST_PANIC: RefCell<Option<(String, String, u32)>> = const { RefCell::new(None) };
}

/// Runs `call`, which must panic, checks that the panic was reported at
/// `file:line` (the line of the call), and returns its message.
fn panic_at(file: &str, line: u32, call: impl FnOnce()) -> String {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
            let (file, line) = info.location().map_or((String::new(), 0), |at| (at.file().to_string(), at.line()));
            LAST_PANIC.with(|last| *last.borrow_mut() = Some((message.unwrap_or_default(), file, line)));
            previous(info);
        }));
    });
    let outcome = panic::catch_unwind(AssertUnwindSafe(call));
    assert!(outcome.is_err(), "{file}:{line} returned instead of panicking");
    let (message, at_file, at_line) = LAST_PANIC.with(|last| last.borrow_mut().take()).expect("the hook saw it");
    assert_eq!((at_file.as_str(), at_line), (file, line), "`{message}` is reported inside the library");
    message
}

/// `refused!(call)`: `call` panics, and the panic points at this line.
/// Gives the message.
macro_rules! refused {
    ($call:expr) => {
        panic_at(file!(), line!(), || {
            let _ = $call;
        })
    };
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(19)
}

// ---------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------

/// The thread count is process-wide: tests that change it take turns.
static THREAD_SETTING: Mutex<()> = Mutex::new(());

#[test]
fn a_huge_thread_count_is_clamped_to_four_per_cpu_and_a_product_stays_fast() {
    let _turn = THREAD_SETTING.lock().unwrap();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(max_num_threads(), 4 * cpus);
    for asked in [1000, 100_000, 10_000_000, usize::MAX] {
        assert_eq!(set_num_threads(asked), 4 * cpus, "set_num_threads({asked})");
    }
    let a = Tensor::<f32>::randn([512, 512], &mut rng());
    let start = Instant::now();
    let product = a.matmul(&a);
    let took = start.elapsed();
    set_num_threads(1);
    assert!(product.all_close(&a.matmul(&a), 1e-5, 1e-4));
    // Before the clamp, 1000 threads took a second and 100,000 never
    // finished; the product itself takes milliseconds.
    assert!(took < Duration::from_millis(500), "a 512 x 512 product took {took:?}");
}

#[test]
fn zero_threads_are_refused() {
    let _turn = THREAD_SETTING.lock().unwrap();
    let message = refused!(set_num_threads(0));
    assert_eq!(message, "set_num_threads: need at least one thread, got 0");
}

// ---------------------------------------------------------------------------
// Allocations that cannot succeed
// ---------------------------------------------------------------------------

/// Whether the system refuses a 4 TB allocation outright. With Linux's
/// overcommit policy "always" (1) it would grant it and the zeros would
/// then fill memory, so there the tests only ask for 4 EB, which no
/// address space holds.
fn four_terabytes_are_refused() -> bool {
    cfg!(target_os = "linux")
        && std::fs::read_to_string("/proc/sys/vm/overcommit_memory").is_ok_and(|mode| mode.trim() != "1")
}

#[test]
fn zeros_too_large_for_memory_panic_naming_the_shape_and_the_bytes() {
    let message = refused!(Tensor::<f32>::zeros([1 << 60]));
    assert_eq!(
        message,
        "Tensor::zeros: cannot allocate 4611686018427387904 bytes for a float32 tensor of shape [1152921504606846976]: \
         out of memory"
    );
    if four_terabytes_are_refused() {
        let message = refused!(Tensor::<f32>::zeros([1_000_000_000_000]));
        assert_eq!(
            message,
            "Tensor::zeros: cannot allocate 4000000000000 bytes for a float32 tensor of shape [1000000000000]: out of memory"
        );
    }
}

#[test]
fn randn_too_large_for_memory_panics_naming_itself() {
    let message = refused!(Tensor::<f64>::randn([1 << 59, 1], &mut rng()));
    assert!(message.starts_with("Tensor::randn: cannot allocate 4611686018427387904 bytes for a float64 tensor"));
    if four_terabytes_are_refused() {
        let message = refused!(Tensor::<f32>::randn([1_000_000_000_000], &mut rng()));
        assert!(message.starts_with("Tensor::randn: cannot allocate 4000000000000 bytes"), "{message}");
    }
}

#[test]
fn a_shape_whose_count_overflows_is_refused_before_any_allocation() {
    let message = refused!(Tensor::<f32>::ones([usize::MAX, 2]));
    assert_eq!(message, "Tensor::ones: shape [18446744073709551615, 2] has more elements than fit in memory");
}

#[test]
fn an_op_whose_output_cannot_be_allocated_names_the_op() {
    let tape = Tape::<f32>::new();
    let x = tape.var(Tensor::ones([1, 1]));
    let message = refused!(x.broadcast_to([1 << 30, 1 << 29]));
    assert_eq!(
        message,
        "broadcast_to([1073741824, 536870912]): cannot allocate 2305843009213693952 bytes for a float32 tensor of \
         shape [1073741824, 536870912]: out of memory"
    );
    let message = refused!(x.broadcast_to([1 << 31, 1 << 31]));
    assert_eq!(
        message,
        "broadcast_to([2147483648, 2147483648]): shape [2147483648, 2147483648] has more elements than fit in memory"
    );
    if four_terabytes_are_refused() {
        let row = Tensor::<f32>::ones([1 << 20]);
        let column = row.clone().reshape([1 << 20, 1]);
        let message = refused!(&column + &row);
        assert!(message.starts_with("add: cannot allocate 4398046511104 bytes"), "{message}");
    }
}

#[test]
fn a_toy_data_set_too_large_for_memory_panics_naming_the_generator() {
    let message = refused!(toy::xor::<f32, _>(usize::MAX, 0.1, &mut rng()));
    assert_eq!(
        message,
        "xor: cannot allocate 18446744073709551615 points of 2 coordinates (442721857769029238760 bytes of f64): out \
         of memory"
    );
    let message = refused!(toy::spirals::<f32, _>(usize::MAX, 3, 0.1, &mut rng()));
    assert_eq!(message, "spirals: 18446744073709551615 points in each of 3 groups are more than can be counted");
}

// ---------------------------------------------------------------------------
// Empty axes, empty layers, empty batches
// ---------------------------------------------------------------------------

#[test]
fn broadcasting_over_an_empty_last_axis_gives_an_empty_result() {
    let sum = Tensor::<f32>::zeros([4, 0]) + Tensor::zeros([0]);
    assert_eq!(sum.shape(), [4, 0]);

    let tape = Tape::<f64>::new();
    let (a, b) = (tape.var(Tensor::zeros([4, 0])), tape.var(Tensor::zeros([0])));
    let product = a * b;
    assert_eq!(product.shape().as_slice(), [4, 0]);
    let grads = product.sum().backward();
    assert_eq!((grads.wrt(a).shape(), grads.wrt(b).shape()), (&[4, 0][..], &[0][..]));
}

#[test]
fn linear_with_no_output_gives_an_empty_output_as_pytorch_does() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::ones([5, 3]));
    let w = tape.var(Tensor::zeros([0, 3]));
    let y = x.linear(w, None);
    assert_eq!(y.shape().as_slice(), [5, 0]);
    let grads = y.sum().backward();
    assert_eq!(grads.wrt(x), &Tensor::zeros([5, 3]));
    assert_eq!(grads.wrt(w).shape(), [0, 3]);
}

#[test]
fn a_linear_layer_from_weights_refuses_zero_outputs_as_new_does() {
    let message = refused!(Linear::from_weights(Tensor::<f32>::zeros([0, 3]), Tensor::zeros([0])));
    assert_eq!(message, "Linear: sizes must be positive, got 3 inputs and 0 outputs");
    let message = refused!(Linear::<f32>::new(3, 0, &mut rng()));
    assert_eq!(message, "Linear: sizes must be positive, got 3 inputs and 0 outputs");
}

#[test]
fn softmax_cross_entropy_of_an_empty_batch_says_empty() {
    let tape = Tape::<f32>::new();
    let (logits, labels) = (tape.var(Tensor::zeros([0, 3])), tape.constant(Tensor::zeros([0])));
    let message = refused!(loss::softmax_cross_entropy(logits, labels));
    assert_eq!(message, "softmax_cross_entropy: the batch is empty (logits [0, 3], labels [0])");
}

#[test]
fn accuracy_of_no_prediction_says_empty() {
    let message = refused!(multiclass_accuracy(&Tensor::<f32>::zeros([0, 3]), &Tensor::zeros([0])));
    assert_eq!(message, "multiclass_accuracy: no prediction to score (logits [0, 3], labels [0] are empty)");
    let message = refused!(binary_accuracy(&Tensor::<f32>::zeros([0, 1]), &Tensor::zeros([0, 1])));
    assert_eq!(message, "binary_accuracy: no prediction to score (logits [0, 1] are empty)");
}

#[test]
fn a_decision_boundary_of_no_point_says_empty() {
    let (inputs, labels) = (Tensor::<f32>::zeros([0, 2]), Tensor::<f32>::zeros([0]));
    let message = refused!(DecisionBoundary::capture("empty", &inputs, &labels, |g| g.clone()));
    assert_eq!(message, "DecisionBoundary::capture: no point to draw (inputs [0, 2] are empty)");
}

// ---------------------------------------------------------------------------
// Hyper-parameters that give NaN
// ---------------------------------------------------------------------------

#[test]
fn adam_refuses_eps_zero_which_would_turn_a_weight_without_gradient_into_nan() {
    let message = refused!(Adam::<f32>::new(0.01).eps(0.0));
    assert_eq!(
        message,
        "Adam: eps must be finite and > 0 in float32, got 0 (with eps = 0, a weight whose gradient has been 0 at \
         every step would become 0/0 = NaN)"
    );
    // A positive eps that float32 rounds to 0 is the same trap.
    assert!(refused!(AdamW::<f32>::new(0.01).eps(1e-50)).starts_with("AdamW: eps must be finite and > 0 in float32"));
    assert!(refused!(RmsProp::<f64>::new(0.01).eps(-1e-8)).starts_with("RmsProp: eps must be finite and > 0"));
}

#[test]
fn with_the_smallest_eps_a_weight_without_gradient_stays_put() {
    // What eps = 0 would have done: m = v = 0, then 0 / 0.
    let mut w = Param::new("w", Tensor::from_vec(vec![0.5f32, -2.0], [2]));
    let mut adam = Adam::new(0.01).eps(f32::from_bits(1) as f64);
    for _ in 0..3 {
        adam.update(&mut w, &Tensor::zeros([2]));
    }
    assert_eq!(w.value().data(), &[0.5, -2.0]);
}

#[test]
fn check_gradients_refuses_a_step_that_is_not_positive() {
    let x = [Tensor::from_vec(vec![1.0, 2.0], [2])];
    for eps in [0.0, -1e-6, f64::NAN] {
        let message = refused!(check_gradients(&Tape::new(), &x, eps, |_, v| v[0] * v[0]));
        assert_eq!(message, format!("check_gradients: the step eps must be finite and > 0, got {eps}"));
    }
    let message = refused!(check_second_order(&Tape::new(), &x, 0.0, |_, v| v[0] * v[0]));
    assert_eq!(message, "check_second_order: the step eps must be finite and > 0, got 0");
}

#[test]
fn a_leaky_relu_slope_that_is_not_a_number_is_refused() {
    let message = refused!(Mlp::<f32>::new(&[2, 4, 1], Activation::LeakyRelu(f64::NAN), &mut rng()));
    assert_eq!(message, "Activation::LeakyRelu: the slope must be a finite float32, got NaN");
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![-1.0, 1.0], [2]));
    let message = refused!(Activation::LeakyRelu(f64::INFINITY).apply(x));
    assert_eq!(message, "Activation::LeakyRelu: the slope must be a finite float64, got inf");
}

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

#[test]
fn multiclass_accuracy_refuses_a_label_that_is_no_class() {
    let logits = Tensor::<f32>::from_vec(vec![0.2, 0.5, 0.3, 0.9, 0.05, 0.05], [2, 3]);
    let message = refused!(multiclass_accuracy(&logits, &Tensor::from_vec(vec![1.0, 7.0], [2])));
    assert_eq!(message, "multiclass_accuracy: label 7 of row 1 is not a class index in [0, 3)");
    let message = refused!(multiclass_accuracy(&logits, &Tensor::from_vec(vec![2.4, 0.0], [2])));
    assert_eq!(message, "multiclass_accuracy: label 2.4 of row 0 is not a class index in [0, 3)");
}

#[test]
fn a_model_whose_weights_are_nan_scores_zero_not_a_plausible_accuracy() {
    let data = toy::spirals::<f32, _>(30, 3, 0.1, &mut rng());
    let mut model = Mlp::new(&[2, 8, 3], Activation::Relu, &mut rng());
    for param in model.params_mut() {
        param.set_value(Tensor::full(param.shape(), f32::NAN));
    }
    // Before: 33% (every row's argmax fell on class 0).
    assert_eq!(multiclass_accuracy(&model.predict(data.x()), data.y()), 0.0);

    let data = toy::moons::<f32, _>(40, 0.1, &mut rng());
    let mut model = Mlp::new(&[2, 8, 1], Activation::Tanh, &mut rng());
    for param in model.params_mut() {
        param.set_value(Tensor::full(param.shape(), f32::NAN));
    }
    // Before: 50% (NaN > 0 is false: every row predicted class 0).
    assert_eq!(binary_accuracy(&model.predict(data.x()), data.y()), 0.0);
}

// ---------------------------------------------------------------------------
// Panics point at the caller's line
// ---------------------------------------------------------------------------

#[test]
fn shape_errors_of_ops_point_at_the_callers_line() {
    let tape = Tape::<f32>::new();
    let (a, b) = (tape.var(Tensor::zeros([32, 3])), tape.var(Tensor::zeros([4, 16])));
    assert_eq!(refused!(a.matmul(b)), "matmul: cannot multiply [32, 3] by [4, 16]");
    assert_eq!(refused!(a + b), "add: shapes [32, 3] and [4, 16] do not broadcast");
    assert_eq!(refused!(a.sum_axis(2, false)), "sum_axis: axis 2 is out of range for shape [32, 3]");
    assert_eq!(refused!(a.reshape([5])), "reshape: cannot reshape [32, 3] into [5]");
    assert!(refused!(a.item()).starts_with("item: tensor of shape [32, 3] has 96 elements"));
    assert!(refused!(a.backward()).starts_with("backward: the output has shape [32, 3]"));
    let (x, y) = (Tensor::<f32>::zeros([2, 3]), Tensor::<f32>::zeros([4]));
    assert_eq!(refused!(&x - &y), "sub: shapes [2, 3] and [4] do not broadcast");
    assert_eq!(refused!(x.matmul(&y)), "matmul: cannot multiply [2, 3] by [4]");
    let message = refused!(Tensor::from_vec(vec![1.0f32; 5], [2, 3]));
    assert_eq!(message, "Tensor::from_vec: cannot build a tensor of shape [2, 3] (6 elements) from 5 values");
}

#[test]
fn errors_in_losses_layers_and_optimizers_point_at_the_callers_line() {
    let tape = Tape::<f32>::new();
    let logits = tape.var(Tensor::zeros([2, 3]));
    let labels = tape.constant(Tensor::from_vec(vec![0.0, 3.0], [2]));
    let message = refused!(loss::softmax_cross_entropy(logits, labels));
    assert_eq!(message, "softmax_cross_entropy: label 3 of row 1 is not a class index in [0, 3)");
    let message = refused!(loss::svm_max_margin(logits, tape.constant(Tensor::zeros([2, 3]))));
    assert!(message.starts_with("svm_max_margin: label 0 at index 0 is not -1 or +1"), "{message}");

    let model = Mlp::<f32>::new(&[2, 4, 1], Activation::Tanh, &mut rng());
    let message = refused!(model.forward(tape.constant(Tensor::zeros([5, 3]))));
    assert_eq!(message, "linear: cannot apply weight [4, 2] to input [5, 3] (weight is [out, in])");
    let message = refused!(model.predict(&Tensor::zeros([5, 3])));
    assert!(message.starts_with("Linear::predict: cannot apply weight [4, 2] to input [5, 3]"), "{message}");
    assert!(refused!(Mlp::<f32>::new(&[2], Activation::Tanh, &mut rng())).starts_with("Mlp: need at least two"));

    let mut adam = Adam::<f32>::new(0.01);
    assert_eq!(refused!(adam.set_lr(f64::NAN)), "Adam: learning rate must be finite and >= 0, got NaN");
    let mut w = Param::new("w", Tensor::<f32>::zeros([2]));
    let message = refused!(adam.update(&mut w, &Tensor::zeros([3])));
    assert_eq!(message, "Adam: gradient of shape [3] for parameter w of shape [2]");
    assert!(refused!(Adam::<f32>::new(0.01).betas(1.0, 0.999)).starts_with("Adam: beta1 must be in [0, 1)"));
    assert!(refused!(toy::moons::<f32, _>(10, f64::NAN, &mut rng())).starts_with("moons: noise must be finite"));
}
