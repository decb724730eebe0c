//! The habits of a PyTorch user, written the way such a user writes them
//! first, in Rust syntax, with `use tapegrad::prelude::*` only (issue 20:
//! each of these failed to compile before). Every test checks its result
//! against what PyTorch gives for the same inputs, in float64
//! (`tests/fixtures/pytorch_habits.json`, from
//! `scripts/pytorch_habit_fixtures.py`).

mod common;

use common::models::{Block, Net};
use common::{assert_agrees, load_fixture, tensor};
use serde_json::Value;
use tapegrad::prelude::*;

const REL: f64 = 1e-12;

fn pytorch(name: &str) -> Value {
    load_fixture("pytorch_habits.json")["values"][name].clone()
}

fn expect(name: &str, actual: &Tensor<f64>) {
    assert_agrees(name, actual, &tensor(&pytorch(name)), REL);
}

/// `[rows, cols]` of `(i * cols + j) * scale + shift`, as the script builds them.
fn grid(rows: usize, cols: usize, scale: f64, shift: f64) -> Tensor<f64> {
    Tensor::from_fn([rows, cols], |k| k as f64 * scale + shift)
}

/// `sin(1 + 0.7 k)` over the elements, as the script builds them.
fn wave(shape: &[usize]) -> Tensor<f64> {
    Tensor::from_fn(shape, |k| (1.0 + 0.7 * k as f64).sin())
}

#[test]
fn cat_stack_on_tensors_and_on_vars() {
    let x = grid(2, 3, 0.5, -1.0);
    expect("cat0", &Tensor::cat(&[&x, &(&x * 2.0)], 0));
    expect("stack1", &Tensor::stack(&[&x, &-&x], 1));
    let tape = Tape::new();
    let v = tape.var(x.clone());
    expect("cat0", &Var::cat(&[v, v * 2.0], 0).value());
    expect("stack1", &Var::stack(&[v, -v], 1).value());
}

#[test]
fn arange_and_eye() {
    expect("arange", &Tensor::arange(0.0, 2.0, 0.5));
    expect("eye", &Tensor::eye(3));
}

#[test]
fn sin_and_cos() {
    let x = grid(2, 3, 0.5, -1.0);
    expect("sin_cos", &(x.sin() + x.cos()));
}

#[test]
fn slicing_and_indexing() {
    let x = grid(2, 3, 0.5, -1.0);
    expect("slice", &x.slice(&[0..2, 1..3])); // x[:, 1:3]
    expect("slice", &x.narrow(1, 1, 2));
    assert_eq!(x[[1, 2]], pytorch("item_1_2").as_f64().unwrap()); // x[1, 2]
}

#[test]
fn clamp() {
    let x = grid(2, 3, 0.5, -1.0);
    expect("clamp", &x.clamp(-0.5, 0.5));
    let tape = Tape::new();
    expect("clamp", &tape.var(x).clamp(-0.5, 0.5).value());
}

#[test]
fn argmax_along_an_axis() {
    expect("argmax1", &wave(&[3, 4]).argmax(1, false));
}

#[test]
fn dropout() {
    let mut rng = StdRng::seed_from_u64(0);
    let dropout = Dropout::new(0.5, &mut rng);
    let tape = Tape::new();
    let y = dropout.forward(tape.var(Tensor::<f64>::ones([1000]))).value();
    let mut kept: Vec<f64> = y.data().to_vec();
    kept.sort_by(f64::total_cmp);
    kept.dedup();
    let expected: Vec<f64> =
        pytorch("dropout_kept_values").as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(kept, expected, "zeroed, or scaled by 1 / (1 - p)");
}

#[test]
fn layer_norm() {
    let norm = LayerNorm::new(3);
    let tape = Tape::new();
    expect("layernorm", &norm.forward(tape.var(wave(&[4, 3]) * 2.0)).value());
}

#[test]
fn batch_norm_1d_and_model_train_and_model_eval() {
    let mut bn = BatchNorm1d::new(3);
    let h = wave(&[4, 3]) * 2.0;
    let tape = Tape::new();
    bn.train();
    expect("batchnorm_train", &bn.forward(tape.var(h.clone())).value());
    bn.eval();
    expect("batchnorm_eval", &bn.forward(tape.var(h)).value());
    expect("batchnorm_running_var", &bn.running_var());
}

#[test]
fn embedding() {
    let emb = Embedding::from_weights(wave(&[5, 2]));
    let tape = Tape::new();
    let tokens = tape.constant(Tensor::from_vec(vec![4.0, 0.0, 1.0, 1.0], [2, 2]));
    expect("embedding", &emb.forward(tokens).value());
}

fn net(rng: &mut StdRng) -> Net {
    Net {
        emb: Embedding::new(5, 2, rng),
        fc: Linear::new(4, 3, rng),
        bn: BatchNorm1d::new(3),
        res: Block { inner: Linear::new(3, 3, rng), norm: LayerNorm::new(3) },
        drop: Dropout::new(0.1, rng),
        out: Linear::new(3, 2, rng),
    }
}

#[test]
fn state_dict_and_load_state_dict() {
    let mut rng = StdRng::seed_from_u64(0);
    let model = net(&mut rng);
    let state_dict = model.named_tensors();
    let names: Vec<&str> = state_dict.iter().map(|(name, _)| name.as_str()).collect();
    let expected: Vec<String> =
        pytorch("state_dict_names").as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!(names, expected);

    let mut other = net(&mut rng);
    other.load_named(state_dict).unwrap();
    let x = Tensor::from_vec(vec![0.0, 4.0, 2.0, 3.0, 1.0, 1.0], [3, 2]);
    assert_eq!(other.predict(&x), model.predict(&x));
}

/// The script's Sequential: Linear(3, 4), Tanh, Linear(4, 2), given weights.
fn sequential() -> Sequential<f64> {
    Sequential::new()
        .layer(Linear::from_weights(wave(&[4, 3]) * 0.5, wave(&[4]) * 0.1))
        .layer(Activation::Tanh)
        .layer(Linear::from_weights(wave(&[2, 4]) * 0.5, wave(&[2]) * 0.1))
}

/// Three SGD steps on the script's batch; the loss of each, read after its step.
fn train(net: &mut Sequential<f64>) -> Vec<f64> {
    let xs = grid(5, 3, 0.3, -2.0);
    let ys = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0, 1.0], [5]);
    let mut opt = Sgd::new(0.5);
    let mut losses = Vec::new();
    for _ in 0..3 {
        let tape = Tape::new();
        let loss = loss::softmax_cross_entropy(net.forward(tape.constant(xs.clone())), tape.constant(ys.clone()));
        let grads = loss.backward();
        opt.step(&mut *net, &grads);
        losses.push(loss.item()); // after the step, as PyTorch users write it
    }
    losses
}

fn pytorch_losses() -> Vec<f64> {
    pytorch("sequential_losses").as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

#[test]
fn reading_the_loss_after_the_optimizer_step() {
    let mut net = sequential();
    let losses = train(&mut net);
    for (ours, theirs) in losses.iter().zip(pytorch_losses()) {
        assert!((ours - theirs).abs() <= REL * theirs, "{ours} against PyTorch's {theirs}");
    }
    expect("sequential_final_weight", net.params().nth(2).unwrap().value());
}

#[test]
fn a_sequential_of_boxed_send_modules_trains_on_a_spawned_thread() {
    let layers: Vec<Box<dyn Module<f64> + Send>> = vec![
        Box::new(Linear::from_weights(wave(&[4, 3]) * 0.5, wave(&[4]) * 0.1)),
        Box::new(Activation::Tanh),
        Box::new(Linear::from_weights(wave(&[2, 4]) * 0.5, wave(&[2]) * 0.1)),
    ];
    let mut net: Sequential<f64> = layers.into_iter().collect();
    let worker = std::thread::spawn(move || {
        let losses = train(&mut net);
        (net, losses)
    });
    let (net, losses) = worker.join().unwrap();
    assert_eq!(losses, train(&mut sequential()), "the same run as on this thread");
    expect("sequential_final_weight", net.params().nth(2).unwrap().value());
}

#[test]
fn stepping_a_list_of_parameters() {
    // The habit is a `Vec<Param>`, as a PyTorch user keeps a list of tensors.
    #[allow(clippy::useless_vec)]
    let mut params = vec![Param::new("w", Tensor::<f64>::zeros([3, 1])), Param::new("b", Tensor::zeros([1]))];
    let mut opt = Sgd::new(0.1);
    let (xs, target) = (grid(5, 3, 0.3, -2.0), grid(5, 1, 0.4, 1.0));
    for _ in 0..2 {
        let tape = Tape::new();
        let prediction = tape.constant(xs.clone()).matmul(tape.param(&params[0])) + tape.param(&params[1]);
        let grads = loss::mse_loss(prediction, tape.constant(target.clone())).backward();
        opt.step(params.iter_mut(), &grads);
    }
    expect("list_step_w", params[0].value());
    expect("list_step_b", params[1].value());
}

#[test]
fn freezing_a_layer_and_parameter_groups() {
    let mut net = sequential();
    net[0].freeze(); // net[0].requires_grad_(False)
    let mut opt = AdamW::new(0.01).weight_decay(0.1);
    opt.add_group(net.param_named("2.weight"), ParamGroup::new().lr_scale(10.0)); // lr 0.1
    opt.add_group(net.param_named("2.bias"), ParamGroup::new().weight_decay(0.0));
    let (xs, ys) = (grid(5, 3, 0.3, -2.0), Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0, 1.0], [5]));
    let frozen = net.params().next().unwrap().value().clone();
    for _ in 0..3 {
        let tape = Tape::new();
        let loss = loss::softmax_cross_entropy(net.forward(tape.constant(xs.clone())), tape.constant(ys.clone()));
        let grads = loss.backward();
        assert_eq!(opt.step(&mut net, &grads), 2, "the frozen layer has no gradient and is not stepped");
    }
    expect("frozen_weight", &frozen);
    expect("frozen_weight", net.params().next().unwrap().value());
    expect("groups_weight", net.param_named("2.weight").unwrap().value());
    expect("groups_bias", net.param_named("2.bias").unwrap().value());
}
