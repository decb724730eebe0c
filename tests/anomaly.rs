//! Anomaly detection finds the first node that produced NaN or infinity, in
//! the forward values or in the gradients, and keeps it out of the weights.

use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{Optimizer, Sgd};
use tapegrad::{Phase, Tape, Tensor};

#[test]
fn the_first_bad_forward_value_is_reported_with_its_inputs() {
    let tape = Tape::<f32>::new();
    tape.set_anomaly_detection(true);
    let x = tape.var(Tensor::from_vec(vec![1.0, -1.0], [2]));
    let y = x.ln(); // NaN at -1
    let z = (y.exp() * 2.0).sum(); // carries the NaN on, but is not the source
    let report = tape.anomaly().expect("ln(-1) is NaN");
    assert_eq!((report.phase, report.node, report.op.as_str()), (Phase::Forward, y.index(), "ln"));
    assert_eq!(report.shape.as_slice(), &[2]);
    assert_eq!(report.inputs.len(), 1);
    assert_eq!((report.inputs[0].0, report.inputs[0].1.as_slice(), report.inputs[0].2), (0, &[2][..], false));
    let err = z.try_backward().unwrap_err();
    assert_eq!(err, report);
    assert_eq!(err.to_string(), "anomaly: node #1 (ln, shape [2]) computed NaN or infinity; input #0 [2] was finite");
}

#[test]
fn bad_data_is_reported_at_its_leaf() {
    let tape = Tape::<f64>::new();
    tape.set_anomaly_detection(true);
    let w = tape.var(Tensor::from_vec(vec![1.0, 2.0], [2]));
    let x = tape.constant(Tensor::from_vec(vec![0.5, f64::NAN], [2]));
    let _ = (w * x).sum();
    let report = tape.anomaly().unwrap();
    assert_eq!((report.node, report.op.as_str()), (x.index(), "constant"));
    assert!(report.to_string().ends_with("it is a leaf: the data given to it is not finite"));
}

#[test]
fn a_gradient_that_becomes_infinite_is_reported_at_the_backward_rule() {
    let tape = Tape::<f64>::new();
    tape.set_anomaly_detection(true);
    let x = tape.var(Tensor::from_vec(vec![0.0, 4.0], [2]));
    let y = x.sqrt().sum(); // sqrt(0) = 0 is fine; its derivative 1/(2 sqrt 0) is not
    assert!(tape.anomaly().is_none(), "the forward pass is finite");
    let report = y.try_backward().unwrap_err();
    assert_eq!(report.phase, Phase::Backward);
    assert_eq!(report.op, "sqrt");
    assert_eq!(report.backward, Some((true, x.index())));
    assert!(report.to_string().contains("gave a NaN or infinite gradient to input #0"), "{report}");
}

#[test]
#[should_panic(expected = "backward: anomaly: node #1 (ln, shape [1]) computed NaN or infinity")]
fn backward_refuses_to_return_gradients_of_an_anomalous_graph() {
    let tape = Tape::<f32>::new();
    tape.set_anomaly_detection(true);
    let x = tape.var(Tensor::from_vec(vec![-2.0], [1]));
    let _ = x.ln().sum().backward();
}

#[test]
fn without_detection_nan_flows_silently() {
    let tape = Tape::<f32>::new();
    let x = tape.var(Tensor::from_vec(vec![-2.0], [1]));
    let grads = x.ln().sum().backward();
    assert!(tape.anomaly().is_none());
    assert!(!tape.anomaly_detection());
    // ln's gradient 1/x is finite here; the NaN is in the value.
    assert!(grads.wrt(x).data()[0].is_finite());
}

#[test]
fn a_poisoned_batch_is_caught_before_it_reaches_the_weights() {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
    let mut model = Mlp::<f32>::new(&[2, 4, 1], Activation::Tanh, &mut rng);
    let mut opt = Sgd::new(0.1);
    let mut tape = Tape::new();
    tape.set_anomaly_detection(true);
    let before: Vec<Tensor> = model.params().map(|p| p.value().clone()).collect();
    let batches = [(vec![0.1, 0.2, f32::INFINITY, 0.4], "poisoned"), (vec![0.1, 0.2, 0.3, 0.4], "clean")];
    let mut skipped = 0;
    for (x, _) in batches {
        tape.clear(); // also forgets the last anomaly
        let out = model.forward(tape.constant(Tensor::from_vec(x, [2, 2])));
        let loss = loss::mse_loss(out, tape.constant(Tensor::zeros([2, 1])));
        match loss.try_backward() {
            Ok(grads) => assert_eq!(opt.step(&mut model, &grads), 4),
            Err(report) => {
                assert_eq!(report.op, "constant");
                skipped += 1;
            }
        }
    }
    assert_eq!(skipped, 1);
    let after: Vec<Tensor> = model.params().map(|p| p.value().clone()).collect();
    assert!(after.iter().flat_map(|t| t.data()).all(|v| v.is_finite()));
    assert_ne!(before, after, "the clean batch trained");
}
