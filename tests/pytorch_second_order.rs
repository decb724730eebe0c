//! Gradients of gradients agree with PyTorch's double backward (float64) to
//! 1e-10 relative, on the fixtures that
//! `scripts/pytorch_second_order_fixtures.py` generated: every expression of
//! the first-order fixtures and a few more.
//!
//! For each case, with `L = Σ w ⊙ f(x)`: the first gradients `∂L/∂x_i`
//! recorded as a graph (`grad(L, x, true)`), then the gradient of
//! `h = Σ_i ⟨∂L/∂x_i, u_i⟩` with respect to the inputs (`H u`) and to the
//! weights `w` (`J u`), `w` being a variable as in PyTorch.

mod common;

use common::expressions::expression;
use common::{assert_agrees, case_inputs, load_fixture, tensor};
use serde_json::Value;
use tapegrad::{Tape, Var, grad};

const REL: f64 = 1e-10;

/// One fixture case, checked: the first gradients, `H u` and `J u`.
fn check_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let constants: Vec<u64> = case["constants"].as_array().unwrap().iter().map(|i| i.as_u64().unwrap()).collect();
    let tape = Tape::<f64>::new();
    let inputs = case_inputs(&tape, case);
    let wanted: Vec<usize> = (0..inputs.len()).filter(|i| !constants.contains(&(*i as u64))).collect();
    let vars: Vec<Var<'_, f64>> = wanted.iter().map(|&i| inputs[i]).collect();
    let weights = tape.var(tensor(&case["weights"]));

    let first = grad((expression(name, &inputs) * weights).sum(), &vars, true);
    let directions: Vec<Var<'_, f64>> = wanted.iter().map(|&i| tape.constant(tensor(&case["directions"][i]))).collect();
    let h = first.iter().zip(&directions).map(|(&g, &u)| (g * u).sum()).reduce(|a, b| a + b).expect("an input");
    let second = h.backward();

    for (&i, (&x, g)) in wanted.iter().zip(vars.iter().zip(&first)) {
        assert_agrees(&format!("{name}: first gradient of input {i}"), &g.value(), &tensor(&case["first"][i]), REL);
        let hu = second.get(x).cloned().unwrap_or_else(|| tapegrad::Tensor::zeros(x.shape()));
        assert_agrees(&format!("{name}: H u for input {i}"), &hu, &tensor(&case["second"][i]), REL);
    }
    for i in constants {
        assert!(case["second"][i as usize].is_null(), "{name}: input {i} is data and has no second derivative");
    }
    assert_agrees(
        &format!("{name}: J u (gradient of the weights)"),
        second.wrt(weights),
        &tensor(&case["weights_grad"]),
        REL,
    );
}

#[test]
fn every_op_agrees_with_pytorch_double_backward() {
    let fixture = load_fixture("pytorch_second_order.json");
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 100, "expected about 103 cases, found {}", cases.len());
    for case in cases {
        check_case(case);
    }
}

/// The fixtures cover every case of the first-order fixtures, so an op added
/// there gets a double-backward fixture when this one is regenerated.
#[test]
fn second_order_fixtures_cover_every_first_order_case() {
    let first = load_fixture("pytorch_ops.json");
    let second = load_fixture("pytorch_second_order.json");
    let names = |f: &Value| -> Vec<String> {
        f["cases"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
    };
    let covered = names(&second);
    for name in names(&first) {
        assert!(covered.contains(&name), "{name} has no double-backward fixture: rerun the generator");
    }
}
