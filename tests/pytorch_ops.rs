//! Values and gradients agree with PyTorch (float64) to 1e-10 relative, on
//! the fixtures that `scripts/pytorch_op_fixtures.py` generated.

mod common;

use common::expressions::expression;
use common::{assert_agrees, case_inputs, load_fixture, tensor};
use tapegrad::Tape;

#[test]
fn every_op_agrees_with_pytorch_in_value_and_gradient() {
    let fixture = load_fixture("pytorch_ops.json");
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 90, "expected about 93 cases, found {}", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let tape = Tape::<f64>::new();
        let inputs = case_inputs(&tape, case);
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
