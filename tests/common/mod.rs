//! Helpers shared by the integration tests: reading the PyTorch fixtures
//! (and, in `expressions`, what each of their cases computes), (in
//! `sample`) seeded inputs for the gradient checks, and (in `models`) small
//! models the per-sample tests share.
#![allow(dead_code)]

pub mod expressions;
pub mod models;
pub mod sample;

use serde_json::Value;
use tapegrad::{Tape, Tensor, Var};

/// Parses a fixture file from `tests/fixtures/`.
pub fn load_fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

/// A `{"shape": [...], "data": [...]}` object as a tensor.
pub fn tensor(value: &Value) -> Tensor<f64> {
    let shape: Vec<usize> =
        value["shape"].as_array().expect("shape").iter().map(|d| d.as_u64().unwrap() as usize).collect();
    let data: Vec<f64> = value["data"].as_array().expect("data").iter().map(|x| x.as_f64().unwrap()).collect();
    Tensor::from_vec(data, shape)
}

/// Asserts that `actual` matches `expected` in shape and, element by element,
/// to `rel` relative error (with an absolute floor of `1e-13` for values that
/// are zero up to rounding).
pub fn assert_agrees(what: &str, actual: &Tensor<f64>, expected: &Tensor<f64>, rel: f64) {
    assert_eq!(actual.shape(), expected.shape(), "{what}: shape");
    for (i, (&a, &e)) in actual.data().iter().zip(expected.data()).enumerate() {
        let tol = rel * e.abs() + 1e-13;
        assert!((a - e).abs() <= tol, "{what}: element {i}: tapegrad {a:e}, PyTorch {e:e} (diff {:e})", (a - e).abs());
    }
}

/// A fixture case's inputs on `tape`: variables, except those listed in its
/// `constants` (data such as labels), which are constants.
pub fn case_inputs<'t>(tape: &'t Tape<f64>, case: &Value) -> Vec<Var<'t, f64>> {
    let constants: Vec<u64> = case["constants"].as_array().unwrap().iter().map(|i| i.as_u64().unwrap()).collect();
    case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, x)| if constants.contains(&(i as u64)) { tape.constant(tensor(x)) } else { tape.var(tensor(x)) })
        .collect()
}
