//! Histograms over time (`tapegrad::diagnostics::Histograms`) and the
//! sharpness log (`Sharpness`), checked by hand, and the report's panels
//! that draw them.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::diagnostics::{Bins, Histograms, Quantity, Sharpness, TrainingLog};
use tapegrad::nn::{Activation, Linear, Mlp, Module, loss};
use tapegrad::report::Report;
use tapegrad::{Tape, Tensor};

/// `x W1ᵀ` through tanh, then a sum: with `W1 = I` (2 x 2) and no bias, the
/// tanh outputs are `tanh(x)` and every gradient at them is 1.
fn identity_net() -> Mlp<f64> {
    let first = Linear::from_weights(Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], [2, 2]), Tensor::zeros([2]));
    let second = Linear::from_weights(Tensor::from_vec(vec![1.0, 1.0], [1, 2]), Tensor::zeros([1]));
    Mlp::from_layers(vec![first, second], Activation::Tanh)
}

/// The bin of `bins` whose range holds `v` (by search over the ranges,
/// not by the formula the histograms use), or the end bin it clamps to.
fn bin_of(bins: &Bins, v: f64) -> usize {
    let x = match bins {
        Bins::Octaves { .. } => v.abs(),
        Bins::Linear { .. } => v,
    };
    (0..bins.len()).find(|&k| bins.range(k).0 <= x && x < bins.range(k).1).unwrap_or(if x < bins.range(0).0 {
        0
    } else {
        bins.len() - 1
    })
}

fn expected(bins: &Bins, values: &[f64]) -> Vec<u32> {
    let mut counts = vec![0; bins.len() + 1];
    for &v in values {
        if v.is_finite() {
            counts[bin_of(bins, v)] += 1;
        } else {
            counts[bins.len()] += 1;
        }
    }
    counts
}

#[test]
fn counts_match_the_values_bin_by_bin() {
    let model = identity_net();
    let inputs = [0.0, 0.02, 0.3, -0.3, 100.0, -100.0, 0.97, -2.5];
    let tape = Tape::new();
    let x = tape.constant(Tensor::from_vec(inputs.to_vec(), [4, 2]));
    let out = model.forward(x);
    let grads = (out * 3.0).sum().backward();
    let mut histograms = Histograms::new();
    histograms.record(7, &tape, &grads);
    assert_eq!(histograms.steps(), &[7]);

    let series = histograms.series();
    let names: Vec<(&str, Quantity)> = series.iter().map(|s| (s.name.as_str(), s.quantity)).collect();
    assert_eq!(
        names,
        [
            ("layers.0.tanh", Quantity::Activation),
            ("layers.0.tanh", Quantity::ActivationGradient),
            ("layers.0.weight", Quantity::ParamGradient),
            ("layers.0.bias", Quantity::ParamGradient),
            ("layers.1.weight", Quantity::ParamGradient),
            ("layers.1.bias", Quantity::ParamGradient),
        ]
    );
    // tanh outputs: 40 bins over [-1, 1]; tanh(±100) = ±1 falls in the end bins.
    assert_eq!(series[0].bins, Bins::Linear { low: -1.0, high: 1.0, count: 40 });
    let outputs: Vec<f64> = inputs.iter().map(|v| v.tanh()).collect();
    assert_eq!(histograms.counts(0, 0), expected(&series[0].bins, &outputs).as_slice());
    assert_eq!(histograms.counts(0, 0)[20], 2, "tanh(0) and tanh(0.02) in [0, 0.05)");
    // The end bins: tanh(-100) = -1 and tanh(-2.5) = -0.987 in [-1, -0.95); tanh(100) = 1.
    assert_eq!((histograms.counts(0, 0)[0], histograms.counts(0, 0)[39]), (2, 1));
    // The gradient at each tanh output is 3 (the next layer's weight 1, times 3): bin [2, 4).
    let at_tanh = histograms.counts(0, 1);
    let bin = bin_of(&series[1].bins, 3.0);
    assert_eq!(series[1].bins.range(bin), (2.0, 4.0));
    assert_eq!(at_tanh[bin], 8);
    assert_eq!(at_tanh.iter().sum::<u32>(), 8);
    // The first layer's weight gradient: 3 (1 - tanh²) x, summed over the
    // batch; zero where the unit saturates or the input is 0.
    let d = |row: usize, col: usize| 3.0 * (1.0 - outputs[2 * row + col].powi(2));
    let dw: Vec<f64> = (0..2)
        .flat_map(|unit| (0..2).map(move |input| (unit, input)))
        .map(|(unit, input)| (0..4).map(|row| d(row, unit) * inputs[2 * row + input]).sum())
        .collect();
    let dw_grads = grads.named("layers.0.weight").unwrap().data().to_vec();
    for (a, b) in dw.iter().zip(&dw_grads) {
        assert!((a - b).abs() < 1e-9);
    }
    assert_eq!(histograms.counts(0, 2), expected(&series[2].bins, &dw_grads).as_slice());
    // The last bias: 3 for each of the 4 rows.
    assert_eq!(histograms.counts(0, 5), expected(&series[5].bins, &[12.0]).as_slice());
}

#[test]
fn octaves_put_zero_and_tiny_values_in_the_first_bin_and_large_ones_in_the_last() {
    let bins = Bins::Octaves { lowest: -40, highest: 10 };
    assert_eq!(bins.len(), 51);
    assert_eq!(bins.range(0), (0.0, 2f64.powi(-40)));
    assert_eq!(bins.range(41), (1.0, 2.0));
    assert_eq!(bins.range(50), (512.0, 1024.0));
    // Through a graph: a gradient of 0, of 1e-20, of 1e6, and NaN.
    let tape = Tape::<f64>::new();
    let w = tape.var(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], [4]));
    let scale = tape.constant(Tensor::from_vec(vec![0.0, 1e-20, 1e6, f64::NAN], [4]));
    let p = tapegrad::Param::new("p", Tensor::from_vec(vec![1.0, 1.0, 1.0, 1.0], [4]));
    let bound = tape.param(&p);
    let grads = (bound * w * scale).sum().backward();
    let mut histograms = Histograms::new();
    histograms.record(0, &tape, &grads);
    let [series] = histograms.series() else { panic!("one parameter, no activation: {:?}", histograms.series()) };
    assert_eq!((series.name.as_str(), series.quantity), ("p", Quantity::ParamGradient));
    let counts = histograms.counts(0, 0);
    // Gradients 0, 2e-20, 3e6, NaN.
    assert_eq!((counts[0], counts[50], counts[51]), (2, 1, 1));
    assert_eq!(counts.iter().sum::<u32>(), 4);
}

#[test]
fn the_series_are_those_of_the_first_step_and_a_missing_node_counts_nothing() {
    let mut rng = StdRng::seed_from_u64(1);
    let model = Mlp::<f32>::new(&[2, 4, 4, 1], Activation::Relu, &mut rng);
    let mut histograms = Histograms::new();
    let x = Tensor::randn([8, 2], &mut rng);
    let mut tape = Tape::new();
    let grads = model.forward(tape.constant(x.clone())).sum().backward();
    histograms.record(0, &tape, &grads);
    // ReLU outputs by magnitude, with their zeros in bin 0.
    assert!(matches!(histograms.series()[0].bins, Bins::Octaves { .. }));
    assert_eq!(histograms.series().len(), 2 + 2 + 6);
    // The next step runs only the first layer and its ReLU (another graph):
    // the second ReLU and the later parameters count nothing there.
    tape.clear();
    let grads = {
        // In the scope the Mlp gives its first layer, so that the ReLU has
        // the same label, at another place on the tape.
        let input = tape.constant(x.clone());
        let _scope = tape.scope("layers.0");
        let first = model.layers().next().unwrap().forward(input);
        first.relu().sum().backward()
    };
    histograms.record(1, &tape, &grads);
    let total = |series: usize| histograms.counts(1, series).iter().sum::<u32>();
    assert_eq!(total(0), 8 * 4, "layers.0.relu is there");
    assert_eq!((total(2), total(3)), (0, 0), "layers.1.relu is not");
    assert_eq!(total(4), 8, "layers.0.weight's gradient");
    assert_eq!(total(6), 0, "layers.1.weight was not bound");
}

#[test]
fn the_report_draws_histograms_as_heat_strips_and_the_sharpness_as_a_chart() {
    let mut rng = StdRng::seed_from_u64(2);
    let model = Mlp::<f32>::new(&[2, 8, 8, 1], Activation::Tanh, &mut rng);
    let x = Tensor::randn([16, 2], &mut rng);
    let y = Tensor::from_fn([16, 1], |i| (i % 2) as f32);
    let mut histograms = Histograms::with_capacity(30);
    let mut sharpness = Sharpness::new(50, 1e-3);
    let mut tape = Tape::new();
    for step in 0..30 {
        if step % 10 == 0 {
            sharpness.measure(step, &model, |tape, m| {
                loss::bce_with_logits(m.forward(tape.constant(x.clone())), tape.constant(y.clone()))
            });
        }
        tape.clear();
        let grads = loss::bce_with_logits(model.forward(tape.constant(x.clone())), tape.constant(y.clone())).backward();
        histograms.record(step, &tape, &grads);
    }
    assert_eq!(sharpness.points().iter().map(|p| p.step).collect::<Vec<_>>(), [0, 10, 20]);
    assert!(sharpness.points().iter().all(|p| p.value > 0.0 && p.value.is_finite()));

    let plain = Report::new("run").to_html(&TrainingLog::new());
    assert!(!plain.contains("heatstrip") && !plain.contains("id=\"sharpness\""));
    let mut report = Report::new("run");
    report.set_histograms(histograms).set_sharpness(sharpness);
    let html = report.to_html(&TrainingLog::new());
    assert_eq!(html.matches("data-kind=\"heatstrip\"").count(), 3, "activations, their gradients, parameter gradients");
    assert!(html.contains("data-strips=\"2\"") && html.contains("data-strips=\"6\""));
    assert!(html.contains("<section id=\"histograms\">") && html.contains("<section id=\"sharpness\">"));
    assert!(html.contains("href=\"#histograms\"") && html.contains("href=\"#sharpness\""));
    // Every strip has shaded cells, and the page still fetches nothing.
    assert!(html.matches("<path fill=\"#").count() >= 10);
    assert!(!html.contains("<script") && !html.contains(" src="));
}
