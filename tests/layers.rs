//! The layers of `nn` beyond `Linear`: `LayerNorm`, `BatchNorm1d`,
//! `Embedding`, `Dropout`, `Flatten`. Each agrees with PyTorch in float64
//! (values, first and second derivatives, running statistics; fixtures from
//! `scripts/pytorch_layer_fixtures.py`), passes gradient checks by central
//! differences for its input and its parameters, and a second-order check;
//! then what each layer does in training and in eval mode.

mod common;

use common::{assert_agrees, load_fixture, tensor};
use rand::{SeedableRng, rngs::StdRng};
use serde_json::Value;
use tapegrad::nn::{BatchNorm1d, Dropout, Embedding, Flatten, LayerNorm, Linear, Module, Sequential, StateValue};
use tapegrad::{Tape, Tensor, Var, check_gradients, check_second_order, grad};

/// Agreement with PyTorch, as for the ops.
const REL: f64 = 1e-10;

// ---------------------------------------------------------------------------
// PyTorch fixtures
// ---------------------------------------------------------------------------

/// The layer a fixture case names, e.g. `BatchNorm1d(3, momentum=None)`.
fn build(layer: &str) -> Box<dyn Module<f64> + Send> {
    match layer {
        "LayerNorm(5)" => Box::new(LayerNorm::new(5)),
        "LayerNorm(4)" => Box::new(LayerNorm::new(4)),
        "LayerNorm(3, eps=0.1)" => Box::new(LayerNorm::new(3).eps(0.1)),
        "BatchNorm1d(4)" => Box::new(BatchNorm1d::new(4)),
        "BatchNorm1d(3)" => Box::new(BatchNorm1d::new(3)),
        "BatchNorm1d(2)" => Box::new(BatchNorm1d::new(2)),
        "BatchNorm1d(3, momentum=None)" => Box::new(BatchNorm1d::new(3).momentum(None)),
        "Embedding(7, 3)" => Box::new(Embedding::from_weights(Tensor::zeros([7, 3]))),
        "Dropout(0.3)" => Box::new(Dropout::with_seed(0.3, 0)),
        other => panic!("no layer {other} in this test"),
    }
}

/// A fixture's state dict: tensors, and counts (`num_batches_tracked`).
fn state(value: &Value) -> Vec<(String, StateValue<f64>)> {
    let mut state: Vec<(String, StateValue<f64>)> = value
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, v)| match v.get("count") {
            Some(n) => (name.clone(), StateValue::Count(n.as_u64().unwrap())),
            None => (name.clone(), StateValue::Tensor(tensor(v))),
        })
        .collect();
    state.sort_by(|a, b| a.0.cmp(&b.0));
    state
}

fn sorted(mut state: Vec<(String, StateValue<f64>)>) -> Vec<(String, StateValue<f64>)> {
    state.sort_by(|a, b| a.0.cmp(&b.0));
    state
}

fn assert_state_agrees(case: &str, actual: Vec<(String, StateValue<f64>)>, expected: Vec<(String, StateValue<f64>)>) {
    let names = |s: &[(String, StateValue<f64>)]| s.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&actual), names(&expected), "{case}: state names");
    for ((name, a), (_, e)) in actual.iter().zip(&expected) {
        match (a, e) {
            (StateValue::Tensor(a), StateValue::Tensor(e)) => assert_agrees(&format!("{case}: {name}"), a, e, REL),
            (a, e) => assert_eq!(a, e, "{case}: {name}"),
        }
    }
}

#[test]
fn every_layer_agrees_with_pytorch_in_values_gradients_second_derivatives_and_running_statistics() {
    let fixture = load_fixture("pytorch_layers.json");
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut layer = build(case["layer"].as_str().unwrap());
        layer.load_named(state(&case["state"])).unwrap_or_else(|e| panic!("{name}: {e}"));
        layer.set_training(case["training"].as_bool().unwrap());
        let tape = Tape::<f64>::new();
        for batch in case["batches"].as_array().unwrap() {
            layer.forward(tape.constant(tensor(batch)));
        }
        let indices = case["indices"].as_bool().unwrap();
        let x = if indices { tape.constant(tensor(&case["input"])) } else { tape.var(tensor(&case["input"])) };
        let out = layer.forward(x);
        assert_agrees(&format!("{name}: output"), &out.value(), &tensor(&case["output"]), REL);

        // First derivatives, by the graph (so they can be differentiated
        // again) and by the fast sweep.
        let loss = (out * tape.constant(tensor(&case["w"]))).sum();
        let named: Vec<(String, Var<f64>)> =
            layer.named_params().into_iter().map(|(n, p)| (n, tape.param(p))).collect();
        let wrt: Vec<(String, Var<f64>)> =
            if indices { named } else { [("input".to_string(), x)].into_iter().chain(named).collect() };
        let vars: Vec<Var<f64>> = wrt.iter().map(|(_, v)| *v).collect();
        let first = grad(loss, &vars, true);
        let fast = loss.backward();
        for ((key, var), g) in wrt.iter().zip(&first) {
            let expected = tensor(&case["grads"][key.as_str()]);
            assert_agrees(&format!("{name}: d/d{key}"), &g.value(), &expected, REL);
            assert_agrees(&format!("{name}: d/d{key}, fast sweep"), fast.wrt(*var), &expected, REL);
        }
        // Second derivatives: the gradient of h = Σ <dL/dv, u_v>.
        let h = wrt
            .iter()
            .zip(&first)
            .map(|((key, _), &g)| (g * tape.constant(tensor(&case["u"][key.as_str()]))).sum())
            .reduce(|a, b| a + b)
            .unwrap();
        let second = h.backward();
        for (key, var) in &wrt {
            let hvp = second.get(*var).cloned().unwrap_or_else(|| Tensor::zeros(var.shape()));
            assert_agrees(&format!("{name}: hvp {key}"), &hvp, &tensor(&case["hvp"][key.as_str()]), REL);
        }
        assert_state_agrees(name, sorted(layer.named_tensors()), state(&case["state_after"]));
    }
}

// ---------------------------------------------------------------------------
// Gradient checks by central differences
// ---------------------------------------------------------------------------

const EPS: f64 = 1e-6;
const ABS_TOL: f64 = 1e-7;
const REL_TOL: f64 = 1e-6;

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Builds a fresh copy of one layer.
type MakeLayer = Box<dyn Fn() -> Box<dyn Module<f64>>>;

/// A layer of each kind (its name, how to build it, an input for it), its
/// parameters away from their initial values.
fn layers() -> Vec<(&'static str, MakeLayer, Tensor<f64>)> {
    let mut r = rng(1);
    let (w5, b5) = (Tensor::randn([5], &mut r) * 0.5 + 1.0, Tensor::randn([5], &mut r) * 0.5);
    let (w3, b3) = (Tensor::randn([3], &mut r) * 0.5 + 1.0, Tensor::randn([3], &mut r) * 0.5);
    let with_params = move |mut m: Box<dyn Module<f64>>, w: &Tensor<f64>, b: &Tensor<f64>| {
        let mut params = m.params_mut();
        params.next().unwrap().set_value(w.clone());
        params.next().unwrap().set_value(b.clone());
        drop(params);
        m
    };
    let (lw, lb, bw, bb) = (w5.clone(), b5.clone(), w3.clone(), b3.clone());
    let (ew, eb) = (w3.clone(), b3.clone());
    vec![
        (
            "LayerNorm",
            Box::new(move || with_params(Box::new(LayerNorm::new(5)), &lw, &lb)),
            Tensor::randn([4, 5], &mut r) * 2.0,
        ),
        (
            "BatchNorm1d, training, [N, C]",
            Box::new(move || with_params(Box::new(BatchNorm1d::new(3)), &bw, &bb)),
            Tensor::randn([6, 3], &mut r) + 0.5,
        ),
        (
            "BatchNorm1d, eval, [N, C, L]",
            Box::new(move || {
                let mut m = with_params(Box::new(BatchNorm1d::new(3)), &ew, &eb);
                m.eval();
                m
            }),
            Tensor::randn([2, 3, 4], &mut r),
        ),
        (
            "Dropout, training (one seed, so one mask, per evaluation)",
            Box::new(|| Box::new(Dropout::with_seed(0.4, 3))),
            Tensor::randn([4, 5], &mut r),
        ),
    ]
}

#[test]
fn gradients_with_respect_to_the_input_match_central_differences() {
    for (name, make, x) in layers() {
        let report = check_gradients(&Tape::new(), std::slice::from_ref(&x), EPS, |_, v| make().forward(v[0]));
        assert!(report.passes(ABS_TOL, REL_TOL), "{name}:\n{report}");
    }
}

#[test]
fn second_derivatives_with_respect_to_the_input_match_central_differences() {
    for (name, make, x) in layers() {
        let report = check_second_order(&Tape::new(), std::slice::from_ref(&x), EPS, |_, v| make().forward(v[0]));
        assert!(report.passes(1e-6, 1e-5), "{name}:\n{report}");
    }
}

/// `Σ w ⊙ layer(x)` for a fresh layer from `make` whose parameter `k` has
/// had `delta` added to element `j`.
fn perturbed_loss(
    make: &dyn Fn() -> Box<dyn Module<f64>>,
    x: &Tensor<f64>,
    w: &Tensor<f64>,
    k: usize,
    j: usize,
    delta: f64,
) -> f64 {
    let mut layer = make();
    layer.params_mut().nth(k).unwrap().value_mut().data_mut()[j] += delta;
    let tape = Tape::new();
    let out = layer.forward(tape.constant(x.clone())).value();
    out.data().iter().zip(w.data()).map(|(a, b)| a * b).sum()
}

#[test]
fn gradients_with_respect_to_the_parameters_match_central_differences() {
    let embedding_table = Tensor::randn([6, 3], &mut rng(2));
    let mut cases = layers();
    cases.push((
        "Embedding",
        Box::new(move || Box::new(Embedding::from_weights(embedding_table.clone()))),
        Tensor::from_vec(vec![0.0, 5.0, 5.0, 2.0, 1.0, 0.0], [2, 3]),
    ));
    for (name, make, x) in cases {
        let layer = make();
        let tape = Tape::new();
        let out = layer.forward(tape.constant(x.clone()));
        let w = Tensor::randn(out.shape(), &mut rng(3));
        let grads = (out * tape.constant(w.clone())).sum().backward();
        for (k, (pname, param)) in layer.named_params().into_iter().enumerate() {
            let analytic = grads.param(param).unwrap_or_else(|| panic!("{name}: no gradient for {pname}"));
            for j in 0..param.value().len() {
                let numeric = (perturbed_loss(&make, &x, &w, k, j, EPS) - perturbed_loss(&make, &x, &w, k, j, -EPS))
                    / (2.0 * EPS);
                let a = analytic.data()[j];
                assert!(
                    (a - numeric).abs() <= ABS_TOL.max(REL_TOL * numeric.abs()),
                    "{name}: d/d{pname}[{j}] is {a}, central differences give {numeric}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Training and eval mode
// ---------------------------------------------------------------------------

#[test]
fn dropout_zeroes_with_probability_p_and_scales_the_rest_by_one_over_one_minus_p() {
    let tape = Tape::<f64>::new();
    let dropout = Dropout::with_seed(0.25, 11);
    let x = tape.var(Tensor::full([100, 100], 3.0));
    let y = dropout.forward(x);
    let values = y.value();
    let kept = values.data().iter().filter(|&&v| v != 0.0).count();
    assert!(values.data().iter().all(|&v| v == 0.0 || v == 4.0), "3 / (1 - 0.25) = 4");
    // 10,000 draws with p = 0.75 kept: the count is within 4 standard deviations (43) of 7,500.
    assert!((7_330..7_670).contains(&kept), "{kept} kept");
    // The gradient is the mask: 0 or 1 / (1 - p), where the value is.
    let grads = y.sum().backward();
    for (g, v) in grads.wrt(x).data().iter().zip(values.data()) {
        assert_eq!(*g, if *v == 0.0 { 0.0 } else { 4.0 / 3.0 });
    }
}

#[test]
fn dropout_draws_a_new_mask_each_pass_and_the_same_masks_from_the_same_seed() {
    let masks = |seed| {
        let dropout = Dropout::<f64>::with_seed(0.5, seed);
        let tape = Tape::new();
        (0..3).map(|_| dropout.forward(tape.constant(Tensor::ones([64]))).value()).collect::<Vec<_>>()
    };
    let (a, b, c) = (masks(1), masks(1), masks(2));
    assert_eq!(a, b, "same seed, same masks");
    assert_ne!(a[0], a[1], "each pass draws its own mask");
    assert_ne!(a, c, "another seed, other masks");
}

#[test]
fn dropout_passes_the_input_through_in_eval_mode_in_predict_and_at_p_zero_and_zeroes_everything_at_p_one() {
    let x = Tensor::randn([5, 4], &mut rng(4));
    let mut dropout = Dropout::<f64>::with_seed(0.5, 0);
    assert_eq!(dropout.predict(&x), x, "predict runs in eval mode");
    dropout.eval();
    let tape = Tape::new();
    let v = tape.var(x.clone());
    assert_eq!(dropout.forward(v).index(), v.index(), "eval mode records nothing");
    assert_eq!(Dropout::<f64>::with_seed(0.0, 0).forward(v).index(), v.index());
    let all = Dropout::<f64>::with_seed(1.0, 0).forward(v).value();
    assert!(all.data().iter().all(|&y| y == 0.0));
}

#[test]
fn batchnorm_updates_its_running_statistics_in_training_mode_only() {
    let mut norm = BatchNorm1d::<f64>::new(2);
    let x = Tensor::from_vec(vec![1.0, 10.0, 3.0, 20.0, 5.0, 30.0], [3, 2]);
    let tape = Tape::new();
    norm.forward(tape.constant(x.clone()));
    // Batch mean [3, 20]; unbiased variance [4, 100]; a tenth of the way from [0, 0] and [1, 1].
    let close = |a: &Tensor<f64>, b: [f64; 2]| a.data().iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-13);
    assert!(close(&norm.running_mean(), [0.3, 2.0]), "{}", norm.running_mean());
    assert!(close(&norm.running_var(), [0.9 + 0.4, 0.9 + 10.0]), "{}", norm.running_var());
    assert_eq!(norm.num_batches_tracked(), 1);
    // predict is eval mode: it leaves them.
    let before = norm.named_tensors();
    let y = norm.predict(&x);
    assert_eq!(norm.named_tensors(), before);
    // ... and normalises with them, not with the batch.
    let expected = (x.data()[0] - 0.3) / (1.3f64 + 1e-5).sqrt();
    assert!((y.data()[0] - expected).abs() < 1e-14);
    norm.eval();
    norm.forward(tape.constant(x));
    assert_eq!(norm.named_tensors(), before, "eval mode leaves the running statistics");
}

#[test]
#[should_panic(expected = "BatchNorm1d: training needs more than one value per channel, got input [1, 2]")]
fn batchnorm_refuses_a_batch_of_one_in_training_mode() {
    let tape = Tape::<f64>::new();
    BatchNorm1d::new(2).forward(tape.constant(Tensor::ones([1, 2])));
}

#[test]
#[should_panic(expected = "BatchNorm1d: input [4, 3] is not [N, 2] or [N, 2, L]")]
fn batchnorm_names_the_shapes_it_takes() {
    let tape = Tape::<f64>::new();
    BatchNorm1d::new(2).forward(tape.constant(Tensor::ones([4, 3])));
}

#[test]
#[should_panic(expected = "LayerNorm: input [2, 3] does not end with the 4 features the layer normalises")]
fn layernorm_names_the_shapes_it_takes() {
    let tape = Tape::<f64>::new();
    LayerNorm::new(4).forward(tape.constant(Tensor::ones([2, 3])));
}

#[test]
#[should_panic(expected = "index_select: index 7 at position [2] is out of bounds for axis 0 with extent 4")]
fn an_embedding_names_an_index_out_of_range() {
    let tape = Tape::<f64>::new();
    Embedding::new(4, 2, &mut rng(0)).forward(tape.constant(Tensor::from_vec(vec![0.0, 3.0, 7.0], [3])));
}

#[test]
fn eval_and_train_reach_every_layer_of_a_model_through_sequential_boxes_and_custom_modules() {
    struct Block {
        norm: BatchNorm1d<f64>,
        drop: Dropout<f64>,
    }
    impl Module<f64> for Block {
        fn forward<'t>(&self, x: Var<'t, f64>) -> Var<'t, f64> {
            self.drop.forward(self.norm.forward(x))
        }
        tapegrad::params!(f64; norm, drop);
    }
    let mut r = rng(5);
    let mut net = Sequential::<f64>::new()
        .layer(Linear::new(3, 4, &mut r))
        .layer(Block { norm: BatchNorm1d::new(4), drop: Dropout::new(0.5, &mut r) })
        .layer(Flatten::new());
    assert!(net.is_training());
    net.eval();
    assert!(!net.is_training());
    let x = Tensor::randn([8, 3], &mut r);
    let tape = Tape::new();
    // In eval mode the forward pass equals predict: no dropout, running statistics.
    assert_eq!(net.forward(tape.constant(x.clone())).value(), net.predict(&x));
    net.train();
    assert!(net.is_training());
    assert_ne!(net.forward(tape.constant(x.clone())).value(), net.predict(&x));
}

#[test]
fn flatten_joins_every_axis_after_the_first() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::randn([2, 3, 4], &mut rng(6)));
    let y = Flatten::new().forward(x);
    assert_eq!(y.shape().as_slice(), &[2, 12]);
    assert_eq!(y.value().data(), x.value().data());
}
