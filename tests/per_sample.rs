//! Per-sample gradients agree with B separate backward passes, one per
//! sample, in f64 to 1e-12; so do the per-sample norms and the gradient
//! moments behind the noise statistics. (`tests/pytorch_per_sample.rs`
//! compares them with `torch.func.vmap(grad(...))`.)

mod common;

use common::models::{Scaled, Sequence};
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::diagnostics::GradientNoise;
use tapegrad::nn::loss::{self, Reduction};
use tapegrad::nn::{Activation, Linear, Mlp, Module};
use tapegrad::{Param, PerSampleGradients, PerSampleMethod, PerSampleNorms, Tape, Tensor, Var};

/// A model and the loss of its output: the terms of a batch, one per sample.
struct Case<M> {
    name: &'static str,
    model: M,
    x: Tensor<f64>,
    y: Tensor<f64>,
    loss: for<'t> fn(Var<'t, f64>, Var<'t, f64>, Reduction) -> Var<'t, f64>,
}

impl<M: Module<f64>> Case<M> {
    fn terms<'t>(
        &'t self,
        tape: &'t Tape<f64>,
        x: &Tensor<f64>,
        y: &Tensor<f64>,
        reduction: Reduction,
    ) -> Var<'t, f64> {
        let out = self.model.forward(tape.constant(x.clone()));
        (self.loss)(out, tape.constant(y.clone()), reduction)
    }

    fn batch(&self) -> usize {
        self.x.shape()[0]
    }

    /// Each sample's gradient, by a backward pass over that sample alone
    /// (the batch cut to its row): what per-sample gradients mean for a
    /// model that treats samples separately.
    fn one_sample_at_a_time(&self, name: &str) -> Vec<Tensor<f64>> {
        (0..self.batch())
            .map(|i| {
                let tape = Tape::new();
                let terms = self.terms(&tape, &row(&self.x, i), &row(&self.y, i), Reduction::Sum);
                terms.backward().named(name).expect("the parameter is bound").clone()
            })
            .collect()
    }

    /// Each sample's gradient as the gradient of its term within the whole
    /// batch: the definition, for any model.
    fn one_term_at_a_time(&self, name: &str) -> Vec<Tensor<f64>> {
        (0..self.batch())
            .map(|i| {
                let tape = Tape::new();
                let terms = self.terms(&tape, &self.x, &self.y, Reduction::None);
                let shape = terms.shape();
                let row_len = terms.value().len() / shape[0];
                let seed = Tensor::from_fn(&shape, |k| if k / row_len == i { 1.0 } else { 0.0 });
                terms.backward_with(&seed).named(name).expect("the parameter is bound").clone()
            })
            .collect()
    }

    fn param_names(&self) -> Vec<String> {
        self.model.params().map(|p| p.name().to_string()).collect()
    }

    /// Checks the per-sample gradients, norms and moments of every
    /// parameter against `reference`, and that each parameter took `method`.
    fn check(&self, reference: impl Fn(&Self, &str) -> Vec<Tensor<f64>>, method: impl Fn(&str) -> PerSampleMethod) {
        let tape = Tape::new();
        let terms = self.terms(&tape, &self.x, &self.y, Reduction::None);
        let per_sample = terms.per_sample_gradients();
        let mut norms = PerSampleNorms::new();
        norms.compute(terms);
        let (mut noise, mut elementwise) = (GradientNoise::new(), GradientNoise::new());
        noise.measure(terms);
        elementwise.measure_elementwise(terms);
        assert_eq!(per_sample.batch(), self.batch());
        for name in self.param_names() {
            let what = format!("{}: {name}", self.name);
            assert_eq!(per_sample.method(&name), Some(method(&name)), "{what}: method");
            let got = per_sample.named(&name).unwrap_or_else(|| panic!("{what}: no per-sample gradients"));
            let expected = reference(self, &name);
            let per = got.len() / self.batch();
            assert_eq!(&got.shape()[1..], expected[0].shape(), "{what}: shape");
            for (i, e) in expected.iter().enumerate() {
                close(&format!("{what}, sample {i}"), &got.data()[i * per..(i + 1) * per], e.data());
                let squared: f64 = e.data().iter().map(|g| g * g).sum();
                close(&format!("{what}, norm of sample {i}"), &[norms.named(&name).unwrap()[i]], &[squared]);
            }
            // The moments behind the noise statistics: the mean and the variance over the samples.
            let b = self.batch() as f64;
            let mean: Vec<f64> = (0..per).map(|j| expected.iter().map(|e| e.data()[j]).sum::<f64>() / b).collect();
            let variance: Vec<f64> = (0..per)
                .map(|j| expected.iter().map(|e| (e.data()[j] - mean[j]).powi(2)).sum::<f64>() / (b - 1.0))
                .collect();
            let trace = variance.iter().sum();
            let stats = noise.param(&name).unwrap();
            close(&format!("{what}: mean"), stats.mean.data(), &mean);
            close(&format!("{what}: trace"), &[stats.estimate.trace], &[trace]);
            assert!(stats.variance.is_none(), "{what}: measure gives no variance per element");
            let stats = elementwise.param(&name).unwrap();
            close(&format!("{what}: variance"), stats.variance.as_ref().unwrap().data(), &variance);
            close(&format!("{what}: trace, elementwise"), &[stats.estimate.trace], &[trace]);
        }
    }
}

/// Row `i` of `t`, keeping the first axis (extent 1).
fn row(t: &Tensor<f64>, i: usize) -> Tensor<f64> {
    let per = t.len() / t.shape()[0];
    let mut shape = t.shape().to_vec();
    shape[0] = 1;
    Tensor::from_vec(t.data()[i * per..(i + 1) * per].to_vec(), shape)
}

/// Element by element to 1e-12, relative to the larger of the value and 1e-3.
fn close(what: &str, got: &[f64], expected: &[f64]) {
    assert_eq!(got.len(), expected.len(), "{what}: length");
    for (k, (&g, &e)) in got.iter().zip(expected).enumerate() {
        assert!((g - e).abs() <= 1e-12 * e.abs().max(1e-3), "{what}, element {k}: {g:e} against {e:e}");
    }
}

fn bce<'t>(out: Var<'t, f64>, y: Var<'t, f64>, r: Reduction) -> Var<'t, f64> {
    loss::bce_with_logits_with(out, y, r)
}

fn cross_entropy<'t>(out: Var<'t, f64>, y: Var<'t, f64>, r: Reduction) -> Var<'t, f64> {
    loss::softmax_cross_entropy_with(out, y, r)
}

fn mse<'t>(out: Var<'t, f64>, y: Var<'t, f64>, r: Reduction) -> Var<'t, f64> {
    loss::mse_loss_with(out, y, r)
}

fn hinge<'t>(out: Var<'t, f64>, y: Var<'t, f64>, r: Reduction) -> Var<'t, f64> {
    loss::svm_max_margin_with(out, y, r)
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(7)
}

fn labels(n: usize, classes: usize, shape: &[usize]) -> Tensor<f64> {
    Tensor::from_fn(shape, |i| ((i * 7 + 3) % n % classes) as f64)
}

#[test]
fn an_mlp_gives_each_sample_its_own_gradient_in_one_sweep() {
    let mut rng = rng();
    let outer = |_: &str| PerSampleMethod::OuterProduct;
    let case = Case {
        name: "tanh MLP, binary cross-entropy",
        model: Mlp::<f64>::new(&[2, 8, 8, 1], Activation::Tanh, &mut rng),
        x: Tensor::randn([7, 2], &mut rng),
        y: labels(7, 2, &[7, 1]),
        loss: bce,
    };
    case.check(Case::one_sample_at_a_time, outer);
    let case = Case {
        name: "ReLU MLP, softmax cross-entropy",
        model: Mlp::<f64>::new(&[3, 6, 4], Activation::Relu, &mut rng),
        x: Tensor::randn([9, 3], &mut rng),
        y: labels(9, 4, &[9]),
        loss: cross_entropy,
    };
    case.check(Case::one_sample_at_a_time, outer);
    let case = Case {
        name: "GELU MLP, two outputs, squared error (a row of terms per sample)",
        model: Mlp::<f64>::new(&[3, 5, 2], Activation::Gelu, &mut rng),
        x: Tensor::randn([6, 3], &mut rng),
        y: Tensor::randn([6, 2], &mut rng),
        loss: mse,
    };
    case.check(Case::one_sample_at_a_time, outer);
    let case = Case {
        name: "sigmoid MLP, hinge loss",
        model: Mlp::<f64>::new(&[2, 5, 1], Activation::Sigmoid, &mut rng),
        x: Tensor::randn([5, 2], &mut rng),
        y: Tensor::from_fn([5, 1], |i| if i % 2 == 0 { 1.0 } else { -1.0 }),
        loss: hinge,
    };
    case.check(Case::one_sample_at_a_time, outer);
}

#[test]
fn a_layer_over_a_sequence_sums_each_samples_outer_products() {
    let mut rng = rng();
    let model = Sequence::new(Linear::new(3, 4, &mut rng), Linear::new(4, 2, &mut rng));
    let case = Case {
        name: "sequence",
        model,
        x: Tensor::randn([5, 3, 3], &mut rng),
        y: Tensor::randn([5, 2], &mut rng),
        loss: mse,
    };
    case.check(Case::one_sample_at_a_time, |_| PerSampleMethod::OuterProduct);
}

#[test]
fn a_parameter_read_by_another_op_takes_a_sweep_per_sample_and_the_others_do_not() {
    let mut rng = rng();
    let model = Scaled {
        scale: Param::new("scale", Tensor::from_vec(vec![0.5, -1.5, 2.0], [3])),
        mlp: Mlp::new(&[3, 4, 1], Activation::Tanh, &mut rng),
    };
    let case =
        Case { name: "scaled inputs", model, x: Tensor::randn([6, 3], &mut rng), y: labels(6, 2, &[6, 1]), loss: bce };
    case.check(Case::one_sample_at_a_time, |name| {
        if name == "scale" { PerSampleMethod::Sweeps } else { PerSampleMethod::OuterProduct }
    });
}

/// A hidden layer centred on its batch mean: every sample's output depends
/// on every other sample, so no outer product is exact and every parameter
/// takes a sweep per sample.
struct Centered {
    first: Linear<f64>,
    second: Linear<f64>,
}

impl Module<f64> for Centered {
    fn forward<'t>(&self, x: Var<'t, f64>) -> Var<'t, f64> {
        let h = self.first.forward(x).tanh();
        self.second.forward(h - h.mean_axis(0, true))
    }
    tapegrad::params!(f64; first, second);
}

#[test]
fn a_graph_that_mixes_samples_falls_back_to_the_gradient_of_each_term() {
    let mut rng = rng();
    let mut model = Centered { first: Linear::new(2, 4, &mut rng), second: Linear::new(4, 1, &mut rng) };
    model.name_params(""); // the tape shows first.weight, ..., as the state dict does
    let case =
        Case { name: "batch-centred", model, x: Tensor::randn([5, 2], &mut rng), y: labels(5, 2, &[5, 1]), loss: bce };
    case.check(Case::one_term_at_a_time, |_| PerSampleMethod::Sweeps);
}

/// One square layer applied twice (tied weights): its weight is read by
/// two nodes, and takes a sweep per sample.
struct Tied {
    layer: Linear<f64>,
    unused: Linear<f64>,
}

impl Module<f64> for Tied {
    fn forward<'t>(&self, x: Var<'t, f64>) -> Var<'t, f64> {
        // Bound but never read by the output: its gradients are zero.
        let _ = x.tape().param(self.unused.weight());
        self.layer.forward(self.layer.forward(x).tanh())
    }
    tapegrad::params!(f64; layer, unused);
}

#[test]
fn tied_weights_take_sweeps_and_an_unused_parameter_gets_zeros() {
    let mut rng = rng();
    let mut model = Tied { layer: Linear::new(3, 3, &mut rng), unused: Linear::new(2, 2, &mut rng) };
    model.name_params(""); // the tape shows layer.weight and unused.weight
    let x = Tensor::randn([4, 3], &mut rng);
    let case = Case { name: "tied", model, x, y: Tensor::randn([4, 3], &mut rng), loss: mse };
    let tape = Tape::new();
    let terms = case.terms(&tape, &case.x, &case.y, Reduction::None);
    let per_sample = terms.per_sample_gradients();
    assert_eq!(per_sample.method("layer.weight"), Some(PerSampleMethod::Sweeps));
    assert_eq!(per_sample.method("unused.weight"), Some(PerSampleMethod::OuterProduct));
    assert!(per_sample.named("unused.weight").unwrap().data().iter().all(|&g| g == 0.0));
    assert_eq!(per_sample.named("unused.weight").unwrap().shape(), &[4, 2, 2]);
    assert!(per_sample.named("unused.bias").is_none(), "never bound");
    for name in ["layer.weight", "layer.bias"] {
        let expected = case.one_sample_at_a_time(name);
        let got = per_sample.named(name).unwrap();
        let per = got.len() / 4;
        for (i, e) in expected.iter().enumerate() {
            close(&format!("tied {name}, sample {i}"), &got.data()[i * per..(i + 1) * per], e.data());
        }
    }
}

#[test]
fn buffers_are_reused_across_batch_sizes_and_results_stay_exact() {
    let mut rng = rng();
    let model = Mlp::<f64>::new(&[2, 5, 1], Activation::Tanh, &mut rng);
    let mut per_sample = PerSampleGradients::new();
    for batch in [6, 3, 8] {
        let case = Case {
            name: "reuse",
            model: model.clone(),
            x: Tensor::randn([batch, 2], &mut rng),
            y: labels(batch, 2, &[batch, 1]),
            loss: bce,
        };
        let tape = Tape::new();
        per_sample.compute(case.terms(&tape, &case.x, &case.y, Reduction::None));
        let got = per_sample.named("layers.0.weight").unwrap();
        assert_eq!(got.shape(), &[batch, 5, 2]);
        for (i, e) in case.one_sample_at_a_time("layers.0.weight").iter().enumerate() {
            close(&format!("batch {batch}, sample {i}"), &got.data()[i * 10..(i + 1) * 10], e.data());
        }
    }
}

#[test]
fn f32_per_sample_gradients_match_f64_to_single_precision() {
    let mut rng = rng();
    let model = Mlp::<f64>::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    let x = Tensor::<f64>::randn([32, 2], &mut rng);
    let y = labels(32, 2, &[32, 1]);
    let narrow = Mlp::<f32>::from_layers(
        model
            .layers()
            .map(|l| {
                Linear::from_weights(
                    l.weight().value().cast(),
                    l.bias().expect("an MLP layer has a bias").value().cast(),
                )
            })
            .collect(),
        Activation::Tanh,
    );
    let tape = Tape::new();
    let wide =
        bce(model.forward(tape.constant(x.clone())), tape.constant(y.clone()), Reduction::None).per_sample_gradients();
    let tape32 = Tape::<f32>::new();
    let terms = loss::bce_with_logits_with(
        narrow.forward(tape32.constant(x.cast())),
        tape32.constant(y.cast()),
        Reduction::None,
    );
    let single = terms.per_sample_gradients();
    for ((name, a), (_, b)) in wide.iter().zip(single.iter()) {
        for (&p, &q) in a.data().iter().zip(b.data()) {
            assert!((p - q as f64).abs() < 1e-5 * p.abs().max(1e-2), "{name}: {p} against {q}");
        }
    }
}

#[test]
fn terms_without_a_sample_axis_are_refused_by_name() {
    let tape = Tape::<f64>::new();
    let w = Param::new("w", Tensor::from_vec(vec![1.0, 2.0], [2]));
    let mean = (tape.param(&w) * 2.0).mean();
    let message = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mean.per_sample_gradients()))
        .err()
        .and_then(|e| e.downcast_ref::<String>().cloned())
        .expect("a panic with a message");
    assert!(message.starts_with("per_sample_gradients: the terms have shape []"), "{message}");
    let one = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let terms = tape.param(&w).reshape([2, 1]).sum_axis(1, false).reshape([1, 2]);
        GradientNoise::new().measure(terms)
    }))
    .err()
    .and_then(|e| e.downcast_ref::<String>().cloned())
    .expect("a panic with a message");
    assert!(one.contains("needs two samples"), "{one}");
}
