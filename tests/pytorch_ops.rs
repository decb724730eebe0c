//! Values and gradients agree with PyTorch (float64) to 1e-10 relative, on
//! the fixtures that `scripts/pytorch_op_fixtures.py` generated.

mod common;

use common::{assert_agrees, load_fixture, tensor};
use tapegrad::nn::loss;
use tapegrad::{Tape, Var};

/// Builds the expression a fixture case is named after; the same definitions
/// as in the generator script.
fn expression<'t>(name: &str, v: &[Var<'t, f64>]) -> Var<'t, f64> {
    match name {
        "add_broadcast_row" | "add_scalar_tensor" => v[0] + v[1],
        "sub_broadcast_outer" => v[0] - v[1],
        "mul_broadcast_3d" => v[0] * v[1],
        "div_broadcast" => v[0] / v[1],
        "scalar_ops" => {
            let x = v[0];
            (2.0 - x) * 3.0 + x / 4.0 - 1.5 + 3.0 / x + (x + 2.0) * 0.5
        }
        "neg" => -v[0],
        "exp" => v[0].exp(),
        "ln" => v[0].ln(),
        "sqrt" => v[0].sqrt(),
        "powf" => v[0].powf(2.5),
        "abs" => v[0].abs(),
        "tanh" => v[0].tanh(),
        "sigmoid_extreme" => v[0].sigmoid(),
        "relu" => v[0].relu(),
        "leaky_relu" => v[0].leaky_relu(0.05),
        "gelu" => v[0].gelu_tanh(),
        "matmul_2d" | "matmul_batched" | "matmul_3d_by_2d" | "matmul_2d_by_3d" => v[0].matmul(v[1]),
        "linear" => v[0].linear(v[1], Some(v[2])),
        "linear_3d_no_bias" => v[0].linear(v[1], None),
        "transpose" => v[0].transpose(),
        "swap_axes_3d" => v[0].swap_axes(0, 2),
        "reshape" => {
            let tape = v[0].tape();
            let ramp = tape.constant(tapegrad::Tensor::from_fn([3, 4], |i| i as f64));
            v[0].reshape([3, 4]) * ramp
        }
        "sum" => (v[0] * v[0]).sum(),
        "mean" => (v[0] * v[0]).mean(),
        "sum_axis1_keepdim" => v[0].sum_axis(1, true),
        "mean_axis0" => v[0].mean_axis(0, false),
        "max_axis_last_keepdim" => v[0].max_axis(-1, true),
        "max_axis0" => v[0].max_axis(0, false),
        "softmax_last" => v[0].softmax(-1),
        "softmax_axis0" => v[0].softmax(0),
        "log_softmax_extreme" => v[0].log_softmax(-1),
        "log_softmax_middle_axis" => v[0].log_softmax(1),
        "neuron" => (v[0].matmul(v[1]) + v[2]).tanh().mean(),
        "mlp_log_softmax" => {
            let hidden = (v[0].matmul(v[1]) + v[2]).gelu_tanh();
            (hidden.matmul(v[3]) + v[4]).log_softmax(-1).mean()
        }
        "reused_branches" => {
            let y = v[0].tanh();
            y * y + y + v[0].exp() * v[0]
        }
        "mse_loss" => loss::mse_loss(v[0], v[1]),
        "bce_with_logits" | "bce_with_logits_extreme" => loss::bce_with_logits(v[0], v[1]),
        "softmax_cross_entropy" | "softmax_cross_entropy_extreme" => loss::softmax_cross_entropy(v[0], v[1]),
        "svm_max_margin" => loss::svm_max_margin(v[0], v[1]),
        other => panic!("fixture case {other} has no tapegrad expression: add it here"),
    }
}

#[test]
fn every_op_agrees_with_pytorch_in_value_and_gradient() {
    let fixture = load_fixture("pytorch_ops.json");
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 30, "expected about 30 cases, found {}", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let tape = Tape::<f64>::new();
        let constants: Vec<u64> = case["constants"].as_array().unwrap().iter().map(|i| i.as_u64().unwrap()).collect();
        let inputs: Vec<Var<'_, f64>> = case["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, x)| if constants.contains(&(i as u64)) { tape.constant(tensor(x)) } else { tape.var(tensor(x)) })
            .collect();
        let out = expression(name, &inputs);
        assert_agrees(&format!("{name}: value"), &out.value(), &tensor(&case["output"]), 1e-10);
        let grads = out.backward_with(&tensor(&case["seed"]));
        for (i, (var, expected)) in inputs.iter().zip(case["grads"].as_array().unwrap()).enumerate() {
            if expected.is_null() {
                assert!(grads.get(*var).is_none(), "{name}: input {i} is data and needs no gradient");
                continue;
            }
            assert_agrees(&format!("{name}: gradient of input {i}"), grads.wrt(*var), &tensor(expected), 1e-10);
        }
    }
}
