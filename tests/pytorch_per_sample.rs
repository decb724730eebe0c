//! Per-sample gradients agree with PyTorch's `torch.func.vmap(grad(...))`
//! (float64) to 1e-12 relative, on the fixtures that
//! `scripts/pytorch_per_sample_fixtures.py` generated: MLPs with three
//! activations and losses, a linear layer over a sequence, and a parameter
//! that takes the one-sweep-per-sample fallback.

mod common;

use common::models::{Scaled, Sequence};
use common::{assert_agrees, load_fixture, tensor};
use serde_json::Value;
use tapegrad::nn::loss::{self, Reduction};
use tapegrad::nn::{Activation, Linear, Mlp, Module};
use tapegrad::{Param, PerSampleMethod, Tape, Tensor};

/// The linear layer whose parameters the case names `name.weight` and `name.bias`.
fn layer(case: &Value, name: &str) -> Linear<f64> {
    let param = |part: &str| tensor(&case["params"][format!("{name}.{part}")]);
    Linear::from_weights(param("weight"), param("bias"))
}

/// The MLP of the case's `layers.k` parameters, with `activation` between them.
fn mlp(case: &Value, activation: Activation) -> Mlp<f64> {
    let count = case["params"].as_object().unwrap().keys().filter(|k| k.ends_with(".weight")).count();
    Mlp::from_layers((0..count).map(|k| layer(case, &format!("layers.{k}"))).collect(), activation)
}

#[test]
fn per_sample_gradients_agree_with_pytorch_vmap_of_grad() {
    let fixture = load_fixture("pytorch_per_sample.json");
    let cases = fixture["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (x, y) = (tensor(&case["x"]), tensor(&case["y"]));
        let model: Box<dyn Module<f64>> = match name {
            "tanh_mlp_bce" => Box::new(mlp(case, Activation::Tanh)),
            "relu_mlp_cross_entropy" => Box::new(mlp(case, Activation::Relu)),
            "gelu_mlp_mse_two_outputs" => Box::new(mlp(case, Activation::Gelu)),
            "linear_over_a_sequence" => Box::new(Sequence::new(layer(case, "layer"), layer(case, "head"))),
            "scaled_inputs" => Box::new(Scaled {
                scale: Param::new("scale", tensor(&case["params"]["scale"])),
                mlp: mlp(case, Activation::Tanh),
            }),
            other => panic!("unknown case {other}"),
        };
        let tape = Tape::new();
        let out = model.forward(tape.constant(x));
        let y = tape.constant(y);
        let terms = match name {
            "tanh_mlp_bce" | "scaled_inputs" => loss::bce_with_logits_with(out, y, Reduction::None),
            "relu_mlp_cross_entropy" => loss::softmax_cross_entropy_with(out, y, Reduction::None),
            _ => loss::mse_loss_with(out, y, Reduction::None),
        };
        let per_sample = terms.per_sample_gradients();
        let expected = case["per_sample"].as_object().unwrap();
        assert_eq!(per_sample.iter().count(), expected.len(), "{name}: parameters");
        for (param, value) in expected {
            let got = per_sample.named(param).unwrap_or_else(|| panic!("{name}: no {param}"));
            assert_agrees(&format!("{name}: {param}"), got, &tensor(value), 1e-12);
            let method = if param == "scale" { PerSampleMethod::Sweeps } else { PerSampleMethod::OuterProduct };
            assert_eq!(per_sample.method(param), Some(method), "{name}: {param}");
        }
        // Their sum is the gradient of the summed loss.
        let sum = terms.sum().backward();
        for (param, got) in per_sample.iter() {
            let batch = got.shape()[0];
            let per = got.len() / batch;
            let summed = Tensor::from_fn(&got.shape()[1..], |j| (0..batch).map(|i| got.data()[i * per + j]).sum());
            assert_agrees(&format!("{name}: sum of {param}"), &summed, sum.named(param).unwrap(), 1e-12);
        }
    }
}
