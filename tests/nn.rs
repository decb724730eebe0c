//! Modules: parameter names and counts, display, initialisation statistics,
//! and gradients that reach every parameter.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::{Activation, Init, Linear, Mlp, Module, Sequential, loss};
use tapegrad::{Tape, Tensor, check_gradients};

#[test]
fn an_mlp_names_and_counts_its_parameters() {
    let mut rng = StdRng::seed_from_u64(0);
    let model = Mlp::<f32>::new(&[2, 16, 16, 1], Activation::Relu, &mut rng);
    let names: Vec<&str> = model.params().map(|p| p.name()).collect();
    assert_eq!(
        names,
        ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"]
    );
    assert_eq!(model.num_params(), 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1);
    assert_eq!(model.param_named("layers.1.weight").unwrap().shape(), &[16, 16]);
    assert!(model.param_named("layers.3.weight").is_none());
    // Every parameter has its own id, and a cloned model gets new ones.
    let copy = model.clone();
    for (a, b) in model.params().zip(copy.params()) {
        assert_ne!(a.id(), b.id());
        assert_eq!(a.value(), b.value());
    }
}

#[test]
fn an_mlp_prints_its_layers_and_parameter_count() {
    let mut rng = StdRng::seed_from_u64(0);
    let model = Mlp::<f32>::new(&[2, 4, 1], Activation::Tanh, &mut rng);
    assert_eq!(
        model.to_string(),
        "Mlp(\n  (layers.0): Linear(in=2, out=4) -> Tanh\n  (layers.1): Linear(in=4, out=1)\n) 17 parameters"
    );
}

#[test]
fn a_sequential_names_an_mlp_inside_it_as_an_mlp() {
    let mut rng = StdRng::seed_from_u64(0);
    let inner = Sequential::new().layer(Linear::<f32>::new(1, 2, &mut rng)).layer(Activation::Relu);
    let net = Sequential::new()
        .layer(Mlp::<f32>::new(&[2, 4, 1], Activation::Tanh, &mut rng))
        .layer(Activation::Sigmoid)
        .layer(inner);
    assert_eq!(
        net.to_string(),
        "Sequential(\n  (0): Mlp(Linear(in=2, out=4), Tanh, Linear(in=4, out=1))\n  (1): Sigmoid\n  \
         (2): Sequential(Linear(in=1, out=2), ReLU)\n) 21 parameters"
    );
}

#[test]
fn initialisations_have_the_documented_spread() {
    let mut rng = StdRng::seed_from_u64(1);
    let (fan_in, fan_out) = (400, 200);
    let stats = |t: &Tensor<f64>| {
        let n = t.len() as f64;
        let mean = t.data().iter().sum::<f64>() / n;
        let std = (t.data().iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        let max = t.data().iter().fold(0.0f64, |m, x| m.max(x.abs()));
        (mean, std, max)
    };
    let shape = [fan_in, fan_out];
    let cases = [
        (Init::XavierUniform, (6.0 / 600.0f64).sqrt(), true),
        (Init::XavierNormal, (2.0 / 600.0f64).sqrt(), false),
        (Init::HeUniform, (6.0 / 400.0f64).sqrt(), true),
        (Init::HeNormal, (2.0 / 400.0f64).sqrt(), false),
    ];
    for (init, scale, uniform) in cases {
        let (mean, std, max) = stats(&init.sample(shape, fan_in, fan_out, &mut rng));
        // A uniform on [-a, a] has std a/√3.
        let expected_std = if uniform { scale / 3.0f64.sqrt() } else { scale };
        assert!(mean.abs() < 0.01 * expected_std * 10.0, "{init:?}: mean {mean}");
        assert!((std / expected_std - 1.0).abs() < 0.02, "{init:?}: std {std}, expected {expected_std}");
        if uniform {
            assert!(max <= scale, "{init:?}: {max} outside ±{scale}");
        }
    }
    let (_, _, max) = stats(&Init::Uniform(-1.0, 1.0).sample([1000], 1, 1, &mut rng));
    assert!(max <= 1.0 && max > 0.99);
}

#[test]
fn the_same_seed_builds_the_same_model() {
    let build = || Mlp::<f32>::new(&[3, 5, 2], Activation::Gelu, &mut StdRng::seed_from_u64(9));
    let (a, b) = (build(), build());
    assert!(a.params().zip(b.params()).all(|(p, q)| p.value() == q.value()));
}

/// Every activation, the leaky ReLU with slope 0.1.
const ACTIVATIONS: [Activation; 6] = [
    Activation::Relu,
    Activation::Tanh,
    Activation::Sigmoid,
    Activation::LeakyRelu(0.1),
    Activation::Gelu,
    Activation::GeluTanh,
];

#[test]
fn every_activation_trains_through_an_mlp_with_correct_gradients() {
    for activation in ACTIVATIONS {
        let mut rng = StdRng::seed_from_u64(2);
        let model = Mlp::<f64>::new(&[3, 4, 2], activation, &mut rng);
        let x = Tensor::randn([5, 3], &mut rng);
        // Check the gradient with respect to the input through the whole model.
        let report = check_gradients(&Tape::new(), &[x], 1e-6, |_, v| model.forward(v[0]));
        assert!(report.passes(1e-7, 1e-5), "{activation}: {report}");
        // And every parameter receives a gradient of its own shape.
        let tape = Tape::new();
        let out = model.forward(tape.constant(Tensor::randn([5, 3], &mut rng)));
        let grads = loss::mse_loss(out, tape.constant(Tensor::zeros([5, 2]))).backward();
        for p in model.params() {
            assert_eq!(grads.param(p).unwrap().shape(), p.shape(), "{activation}: {}", p.name());
        }
    }
}

#[test]
fn a_linear_layer_computes_x_w_plus_b() {
    // W is [out, in], as in PyTorch: row j holds the weights of output j.
    let layer = Linear::from_weights(
        Tensor::from_vec(vec![1.0f32, 3.0, 5.0, 2.0, 4.0, 6.0], [2, 3]),
        Tensor::from_vec(vec![0.5, -0.5], [2]),
    );
    let tape = Tape::new();
    let y = layer.forward(tape.constant(Tensor::from_vec(vec![1.0, 0.0, -1.0], [1, 3])));
    assert_eq!(y.value().data(), &[1.0 - 5.0 + 0.5, 2.0 - 6.0 - 0.5]);
    assert_eq!(layer.to_string(), "Linear(in=3, out=2)");
}

#[test]
#[should_panic(expected = "Mlp: need at least two positive sizes (inputs and outputs), got [3]")]
fn an_mlp_needs_inputs_and_outputs() {
    let _ = Mlp::<f32>::new(&[3], Activation::Relu, &mut StdRng::seed_from_u64(0));
}

#[test]
#[should_panic(expected = "linear: cannot apply weight [8, 2] to input [4, 3] (weight is [out, in])")]
fn feeding_the_wrong_width_names_the_shapes() {
    let model = Mlp::<f32>::new(&[2, 8, 1], Activation::Relu, &mut StdRng::seed_from_u64(0));
    let tape = Tape::new();
    let _ = model.forward(tape.constant(Tensor::zeros([4, 3])));
}

#[test]
fn predict_without_a_tape_equals_the_taped_forward_pass() {
    for activation in ACTIVATIONS {
        let mut rng = StdRng::seed_from_u64(4);
        let model = Mlp::<f32>::new(&[3, 8, 5, 2], activation, &mut rng);
        let x = Tensor::randn([7, 3], &mut rng);
        let tape = Tape::new();
        let taped = model.forward(tape.constant(x.clone())).value();
        assert_eq!(model.predict(&x), taped, "{activation}");
        // The default implementation (through a tape) agrees too.
        let layer = model.layers().next().unwrap();
        assert_eq!(layer.predict(&x), layer.forward(tape.constant(x.clone())).value());
    }
}

#[test]
#[should_panic(expected = "Linear::predict: cannot apply weight [8, 3] to input [2, 4] (weight is [out, in])")]
fn predict_names_the_shapes_that_do_not_fit() {
    let model = Mlp::<f32>::new(&[3, 8, 1], Activation::Relu, &mut StdRng::seed_from_u64(0));
    let _ = model.predict(&Tensor::zeros([2, 4]));
}
