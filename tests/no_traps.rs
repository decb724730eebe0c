//! The traps a new user fell into (issue "no traps"), one test each, written
//! as that user would write the program: with `use tapegrad::prelude::*`
//! only, no turbofish, no `rand` of their own.

use tapegrad::prelude::*;

// 1. Modules that compose.

#[test]
fn a_sequential_holds_layers_and_activations_as_boxed_modules() {
    let mut rng = StdRng::seed_from_u64(0);
    let layers: Vec<Box<dyn Module + Send>> =
        vec![Box::new(Linear::new(2, 4, &mut rng)), Box::new(Activation::Relu), Box::new(Linear::new(4, 1, &mut rng))];
    let mut net = Sequential::new();
    for layer in layers {
        net = net.layer(layer);
    }
    let names: Vec<&str> = net.params().map(|p| p.name()).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
    assert_eq!(net.predict(&Tensor::zeros([5, 2])).shape(), [5, 1]);
}

/// A custom module's parameters are one line.
struct Neuron {
    w: Param,
    b: Param,
}

impl Module for Neuron {
    fn forward<'t>(&self, x: Var<'t>) -> Var<'t> {
        let tape = x.tape();
        (x.matmul(tape.param(&self.w)) + tape.param(&self.b)).tanh()
    }
    tapegrad::params!(w, b);
}

#[test]
fn a_custom_module_lists_its_parameters_in_one_line_and_trains() {
    let mut neuron = Neuron {
        w: Param::new("w", Tensor::from_vec(vec![0.5, -0.5], [2, 1])),
        b: Param::new("b", Tensor::zeros([1])),
    };
    let x = Tensor::from_vec(vec![1.0, 2.0, -1.0, 0.5], [2, 2]);
    let y = Tensor::from_vec(vec![0.8, -0.8], [2, 1]);
    let mut opt = Sgd::new(0.5);
    let mut tape = Tape::new();
    let mut losses = Vec::new();
    for _ in 0..50 {
        tape.clear();
        let loss = loss::mse_loss(neuron.forward(tape.constant(x.clone())), tape.constant(y.clone()));
        losses.push(loss.item());
        let grads = loss.backward();
        assert_eq!(opt.step(&mut neuron, &grads), 2);
    }
    assert!(losses[49] < 0.01 * losses[0], "{} -> {}", losses[0], losses[49]);
}

#[test]
fn layers_are_built_from_given_weights() {
    let weight = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [3, 2]);
    let bias = Tensor::from_vec(vec![0.5, 0.0, -0.5], [3]);
    let layer = Linear::from_weights(weight, bias);
    let y = layer.predict(&Tensor::from_vec(vec![1.0, 1.0], [1, 2]));
    assert_eq!(y.data(), [3.5, 7.0, 10.5]);

    let mlp = Mlp::from_layers(
        vec![layer.clone(), Linear::from_weights(Tensor::ones([1, 3]), Tensor::zeros([1]))],
        Activation::Relu,
    );
    assert_eq!(mlp.predict(&Tensor::from_vec(vec![1.0, 1.0], [1, 2])).item(), 21.0);
}

#[test]
fn linear_new_initialises_like_pytorch_without_an_init() {
    let mut rng = StdRng::seed_from_u64(3);
    let layer: Linear = Linear::new(100, 50, &mut rng); // the one annotation: f32
    let bound = 1.0 / 10.0; // 1/sqrt(in), as nn.Linear
    let weights = layer.weight().value().data();
    assert!(weights.iter().all(|w| w.abs() <= bound));
    assert!(weights.iter().any(|w| w.abs() > 0.9 * bound), "uses the whole range");
}

#[test]
#[should_panic(expected = "Linear: sizes must be positive, got 0 inputs and 3 outputs")]
fn a_linear_layer_with_no_inputs_is_an_error() {
    let _: Linear = Linear::new(0, 3, &mut StdRng::seed_from_u64(0));
}

// 2. Arithmetic on plain tensors.

#[test]
fn plain_tensors_do_arithmetic_without_a_tape() {
    let mut rng = StdRng::seed_from_u64(0);
    let noise = Tensor::randn([2, 3], &mut rng) * 0.5;
    assert_eq!(noise.shape(), [2, 3]);
    let a: Tensor = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]);
    let row = Tensor::from_vec(vec![10.0, 20.0, 30.0], [3]);
    assert_eq!((&a + &row).data(), [11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
    assert_eq!((2.0 * &a - 1.0).data(), [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]);
    assert_eq!((&a / &a).data(), [1.0; 6]);
    assert_eq!(a.matmul(&a.transpose()).data(), [14.0, 32.0, 32.0, 77.0]);
    assert_eq!(a.map(|v| v * v).sum().item(), 91.0);
    assert_eq!(a.mean_axis(0, false).data(), [2.5, 3.5, 4.5]);
}

// 3. Type inference: the first programs compile without turbofish. A
// graph of scalars infers f64 from its literals; where nothing else fixes
// the float type, one annotation does (`let data: Dataset`, `let model:
// Mlp`, `let x: Tensor`: f32 by default), as the docs show.

#[test]
fn a_scalar_graph_infers_its_float_type() {
    let tape = Tape::new();
    let b = tape.var(Tensor::scalar(2.0));
    let z = b * b;
    let w = z / 2.0;
    let grads = w.backward();
    assert_eq!(grads.wrt(b).item(), 2.0); // d(b²/2)/db = b
}

#[test]
fn one_annotation_fixes_a_data_sets_float_type() {
    let mut rng = StdRng::seed_from_u64(0);
    let data: Dataset = toy::moons(100, 0.1, &mut rng); // f32
    let model = Mlp::new(&[2, 8, 1], Activation::Tanh, &mut rng); // f32, from the data
    assert!((0.0..=1.0).contains(&metrics::binary_accuracy(&model.predict(data.x()), data.y())));
}

// 4. rand: the crate's own, re-exported.

#[test]
fn the_rand_the_crate_uses_is_reexported() {
    use tapegrad::rand::{SeedableRng, rngs::StdRng};
    let data: Dataset<f64> = toy::spirals(10, 3, 0.1, &mut StdRng::seed_from_u64(1));
    assert_eq!(data.len(), 30);
}

// 5. PyTorch-parity ops (values from torch 2.x: F.gelu, F.gelu(approximate="tanh")).

#[test]
fn gelu_is_exact_by_default_and_the_tanh_form_is_named() {
    let x = Tensor::from_vec(vec![1.0f64, -0.5], [2]);
    let exact = x.gelu();
    let tanh = x.gelu_tanh();
    assert!((exact.data()[0] - 0.8413447460685429).abs() < 1e-15);
    assert!((exact.data()[1] - -0.15426876936299344).abs() < 1e-15);
    assert!((tanh.data()[0] - 0.8411919906082768).abs() < 1e-15);
}

#[test]
fn matmul_takes_vectors_as_numpy_does() {
    let v = Tensor::from_vec(vec![1.0, 2.0], [2]);
    let m = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], [2, 2]);
    assert_eq!(v.matmul(&v).shape(), [] as [usize; 0]);
    assert_eq!(v.matmul(&v).item(), 5.0);
    assert_eq!(m.matmul(&v).data(), [5.0, 11.0]);
    assert_eq!(v.matmul(&m).data(), [7.0, 10.0]);
}

#[test]
fn losses_reduce_by_mean_sum_or_not_at_all() {
    let tape = Tape::new();
    let (p, t) = (tape.var(Tensor::from_vec(vec![1.0, 3.0], [2])), tape.constant(Tensor::zeros([2])));
    assert_eq!(loss::mse_loss(p, t).item(), 5.0);
    assert_eq!(loss::mse_loss_with(p, t, Reduction::Sum).item(), 10.0);
    assert_eq!(loss::mse_loss_with(p, t, Reduction::None).value().data(), [1.0, 9.0]);
}

#[test]
fn warmup_from_zero_is_hugging_faces() {
    let hf = Warmup::from_zero(10, Constant::new(1.0));
    let ours = Warmup::new(10, Constant::new(1.0));
    assert_eq!((hf.lr(0), hf.lr(5), hf.lr(10)), (0.0, 0.5, 1.0));
    assert_eq!((ours.lr(0), ours.lr(9)), (0.1, 1.0));
}

// 6. No silent wrong results.

#[test]
#[should_panic(expected = "Adam: learning rate must be finite and >= 0, got NaN")]
fn a_nan_learning_rate_is_rejected_when_set() {
    Adam::<f32>::new(0.1).set_lr(f64::NAN);
}

#[test]
#[should_panic(expected = "Sgd: learning rate must be finite and >= 0, got -0.1")]
fn a_negative_learning_rate_is_rejected_when_set() {
    Sgd::<f32>::new(0.1).set_lr(-0.1);
}

#[test]
#[should_panic(expected = "svm_max_margin: label 0 at index 0 is not -1 or +1 (for 0/1 labels pass 2y - 1)")]
fn svm_loss_rejects_zero_one_labels() {
    let tape = Tape::new();
    let scores = tape.var(Tensor::from_vec(vec![0.3, -0.2], [2, 1]));
    let _ = loss::svm_max_margin(scores, tape.constant(Tensor::from_vec(vec![0.0, 1.0], [2, 1])));
}

#[test]
fn a_step_says_how_many_parameters_it_updated() {
    let mut p = Param::new("p", Tensor::from_vec(vec![1.0], [1]));
    let tape = Tape::new();
    // Bound as a plain variable, not with tape.param: no gradient reaches p.
    let copy = tape.var(p.value().clone());
    let grads = (copy * 2.0).sum().backward();
    assert_eq!(Sgd::new(0.1).step([&mut p], &grads), 0);
    assert_eq!(p.value().item(), 1.0);
    drop(tape);

    let tape = Tape::new();
    let grads = (tape.param(&p) * 2.0).sum().backward();
    assert_eq!(Sgd::new(0.1).step([&mut p], &grads), 1);
    assert!((p.value().item() - 0.8).abs() < 1e-7);
}

#[test]
fn a_shape_too_large_to_count_is_an_error_not_an_index_panic() {
    let err = Tensor::<f32>::new(vec![0.0; 4], [(1 << 63) + 1, 2]).unwrap_err();
    assert!(matches!(err, tapegrad::TensorError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("more elements than fit in memory"), "{err}");
}

#[test]
#[should_panic(expected = "Tensor::zeros: shape [18446744073709551615, 3] has more elements than fit in memory")]
fn zeros_of_a_shape_too_large_to_count_names_it() {
    let _ = Tensor::<f32>::zeros([usize::MAX, 3]);
}

#[test]
#[should_panic(
    expected = "gemm: a is a [3, 2] view with strides (9223372036854775808, 1): its last offset overflows usize"
)]
fn gemm_refuses_strides_that_wrap_around() {
    use tapegrad::linalg::{MatMut, MatRef, gemm};
    let (a, b, mut c) = ([1.0f32; 6], [1.0f32; 4], [0.0f32; 6]);
    let wrapping = MatRef { data: &a, rows: 3, cols: 2, row_stride: 1 << 63, col_stride: 1 };
    gemm(1.0, wrapping, MatRef::row_major(&b, 2, 2), 0.0, MatMut::row_major(&mut c, 3, 2));
}

// 7. Files: one argument order (model, [optimizer, step,] path), errors that
// name the path, a checkpoint loaded as weights, symlinks and read-only
// files: tests/io.rs. Here, the order as a newcomer writes it.

#[test]
fn files_take_the_model_first_everywhere() {
    let mut rng = StdRng::seed_from_u64(0);
    let dir = std::env::temp_dir().join(format!("tapegrad-no-traps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (weights, checkpoint) = (dir.join("model.safetensors"), dir.join("run.ckpt"));
    let mut model: Mlp = Mlp::new(&[2, 4, 1], Activation::Tanh, &mut rng);
    let mut opt = Adam::new(1e-3);
    save_weights(&model, &weights).unwrap();
    save_checkpoint(&model, &opt, 7, &checkpoint).unwrap();
    load_weights(&mut model, &weights).unwrap();
    assert_eq!(load_checkpoint(&mut model, &mut opt, &checkpoint).unwrap(), 7);
    std::fs::remove_dir_all(&dir).unwrap();
}
