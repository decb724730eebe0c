//! Normalisation layers: [`LayerNorm`] (over each example's features) and
//! [`BatchNorm1d`] (over the batch, with running statistics for eval mode).
//! Both are composed of the tape's ops (mean, subtraction, square root,
//! division), so their gradients of any order come from those ops' rules.

use std::fmt;

use super::{Buffer, Field, FieldMut, Module};
use crate::float::Float;
use crate::param::{Param, StateValue};
use crate::shape::Shape;
use crate::tape::Var;
use crate::tensor::Tensor;

/// `(x - mean) / sqrt(var + eps)` of `x` given its centred values `xc` and
/// the (biased) variance.
fn normalize<'t, T: Float>(xc: Var<'t, T>, var: Var<'t, T>, eps: f64) -> Var<'t, T> {
    xc / (var + T::from_f64(eps)).sqrt()
}

/// Layer normalisation over the last axis (PyTorch's
/// `nn.LayerNorm(features)`): each row of `features` values is shifted to
/// mean 0 and scaled to variance 1 (the biased variance, as PyTorch), then
/// multiplied by `weight` and shifted by `bias` (both `[features]`,
/// starting at 1 and 0). The same in training and eval mode.
///
/// ```
/// use tapegrad::nn::{LayerNorm, Module};
/// use tapegrad::Tensor;
///
/// let norm = LayerNorm::<f64>::new(4);
/// let y = norm.predict(&Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], [1, 4]));
/// let mean = y.data().iter().sum::<f64>() / 4.0;
/// let var = y.data().iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0;
/// assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-4); // 1 - var = eps / (var(x) + eps)
/// ```
#[derive(Clone, Debug)]
pub struct LayerNorm<T: Float = f32> {
    weight: Param<T>,
    bias: Param<T>,
    eps: f64,
}

impl<T: Float> LayerNorm<T> {
    /// Normalisation over a last axis of `features` values, `eps = 1e-5`
    /// (PyTorch's default).
    ///
    /// # Panics
    /// If `features` is 0.
    #[track_caller]
    pub fn new(features: usize) -> Self {
        assert!(features > 0, "LayerNorm: features must be positive");
        LayerNorm {
            weight: Param::new("weight", Tensor::ones([features])),
            bias: Param::new("bias", Tensor::zeros([features])),
            eps: 1e-5,
        }
    }

    /// The same layer with another `eps` (added to the variance).
    ///
    /// # Panics
    /// If `eps` is negative or not finite.
    #[track_caller]
    pub fn eps(mut self, eps: f64) -> Self {
        assert!(eps.is_finite() && eps >= 0.0, "LayerNorm: eps must be finite and >= 0, got {eps}");
        self.eps = eps;
        self
    }

    /// Number of features normalised.
    pub fn features(&self) -> usize {
        self.weight.shape()[0]
    }
}

impl<T: Float> Module<T> for LayerNorm<T> {
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        let shape = x.shape();
        assert!(
            shape.last() == Some(&self.features()),
            "LayerNorm: input {shape:?} does not end with the {} features the layer normalises",
            self.features()
        );
        let tape = x.tape();
        let xc = x - x.mean_axis(-1, true);
        let var = (xc * xc).mean_axis(-1, true);
        normalize(xc, var, self.eps) * tape.param(&self.weight) + tape.param(&self.bias)
    }

    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        visit("weight", Field::Param(&self.weight));
        visit("bias", Field::Param(&self.bias));
    }

    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        visit("weight", FieldMut::Param(&mut self.weight));
        visit("bias", FieldMut::Param(&mut self.bias));
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl<T: Float> fmt::Display for LayerNorm<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LayerNorm({}, eps={:e})", self.features(), self.eps)
    }
}

/// Batch normalisation of `[N, C]` or `[N, C, L]` inputs over the batch
/// (and length) axes, per channel `C` (PyTorch's `nn.BatchNorm1d(C)`).
///
/// In training mode each channel is normalised by the batch's mean and
/// (biased) variance, then scaled by `weight` and shifted by `bias` (both
/// `[C]`, starting at 1 and 0), and the running statistics are updated:
/// `running = (1 - momentum) running + momentum batch`, with the batch's
/// *unbiased* variance for `running_var` (PyTorch's rule), and
/// `num_batches_tracked` counts the batches; with `momentum(None)` the
/// running statistics are the plain average over all batches so far. In
/// eval mode (and in [`predict`](Module::predict)) the running statistics
/// normalise instead and are left as they are.
///
/// The running statistics are buffers, not parameters: optimizers never
/// see them; the state dict, weight files and checkpoints hold them under
/// PyTorch's names (`running_mean`, `running_var`, `num_batches_tracked`).
///
/// ```
/// use tapegrad::nn::{BatchNorm1d, Module};
/// use tapegrad::{Tape, Tensor};
///
/// let mut norm = BatchNorm1d::<f64>::new(1);
/// let tape = Tape::new();
/// let y = norm.forward(tape.constant(Tensor::from_vec(vec![1.0, 3.0], [2, 1])));
/// assert!((y.value().data()[0] + 1.0).abs() < 1e-4 && (y.value().data()[1] - 1.0).abs() < 1e-4);
/// // The running mean moved a tenth of the way to 2; the running variance to 2 (unbiased).
/// assert_eq!(norm.running_mean().data(), &[0.2]);
/// assert_eq!(norm.running_var().data(), &[0.9 + 0.1 * 2.0]);
/// norm.eval();
/// let z = norm.predict(&Tensor::from_vec(vec![0.2], [1, 1]));
/// assert_eq!(z.data(), &[0.0]);
/// ```
#[derive(Clone, Debug)]
pub struct BatchNorm1d<T: Float = f32> {
    weight: Param<T>,
    bias: Param<T>,
    running_mean: Buffer<T>,
    running_var: Buffer<T>,
    num_batches_tracked: Buffer<T>,
    eps: f64,
    momentum: Option<f64>,
    training: bool,
}

impl<T: Float> BatchNorm1d<T> {
    /// Normalisation of `channels` channels, `eps = 1e-5`, `momentum = 0.1`
    /// (PyTorch's defaults), in training mode.
    ///
    /// # Panics
    /// If `channels` is 0.
    #[track_caller]
    pub fn new(channels: usize) -> Self {
        assert!(channels > 0, "BatchNorm1d: channels must be positive");
        BatchNorm1d {
            weight: Param::new("weight", Tensor::ones([channels])),
            bias: Param::new("bias", Tensor::zeros([channels])),
            running_mean: Buffer::tensor(Tensor::zeros([channels])),
            running_var: Buffer::tensor(Tensor::ones([channels])),
            num_batches_tracked: Buffer::count(0),
            eps: 1e-5,
            momentum: Some(0.1),
            training: true,
        }
    }

    /// The same layer with another `eps` (added to the variance).
    ///
    /// # Panics
    /// If `eps` is negative or not finite.
    #[track_caller]
    pub fn eps(mut self, eps: f64) -> Self {
        assert!(eps.is_finite() && eps >= 0.0, "BatchNorm1d: eps must be finite and >= 0, got {eps}");
        self.eps = eps;
        self
    }

    /// The same layer with another momentum for the running statistics, or
    /// `None` for their plain average over all batches (PyTorch's
    /// `momentum=None`).
    ///
    /// # Panics
    /// If the momentum is not in `[0, 1]`.
    #[track_caller]
    pub fn momentum(mut self, momentum: Option<f64>) -> Self {
        if let Some(m) = momentum {
            assert!((0.0..=1.0).contains(&m), "BatchNorm1d: momentum must be in [0, 1], got {m}");
        }
        self.momentum = momentum;
        self
    }

    /// Number of channels.
    pub fn channels(&self) -> usize {
        self.weight.shape()[0]
    }

    /// The running mean, `[C]`.
    pub fn running_mean(&self) -> Tensor<T> {
        self.running_mean.tensor_value()
    }

    /// The running (unbiased) variance, `[C]`.
    pub fn running_var(&self) -> Tensor<T> {
        self.running_var.tensor_value()
    }

    /// How many batches have updated the running statistics.
    pub fn num_batches_tracked(&self) -> u64 {
        self.num_batches_tracked.count_value()
    }

    /// The shape per-channel values take to broadcast with the input:
    /// `[C]` for `[N, C]`, `[C, 1]` for `[N, C, L]`.
    #[track_caller]
    fn channel_shape(&self, input: &[usize]) -> Shape {
        let c = self.channels();
        match input {
            [_, channels] if *channels == c => Shape::from_slice(&[c]),
            [_, channels, _] if *channels == c => Shape::from_slice(&[c, 1]),
            _ => panic!("BatchNorm1d: input {input:?} is not [N, {c}] or [N, {c}, L]"),
        }
    }

    /// Mean and biased variance of `x` over every axis but the channels',
    /// keeping the axes, and `x` centred.
    fn batch_stats<'t>(&self, x: Var<'t, T>) -> (Var<'t, T>, Var<'t, T>, Var<'t, T>) {
        let over_batch = |v: Var<'t, T>| match v.shape().len() {
            2 => v.mean_axis(0, true),
            _ => v.mean_axis(2, true).mean_axis(0, true),
        };
        let mean = over_batch(x);
        let xc = x - mean;
        let var = over_batch(xc * xc);
        (mean, xc, var)
    }

    /// Moves the running statistics towards the batch's (`mean` and the
    /// biased `var` of `values` per channel) and counts the batch.
    fn update_running(&self, mean: Var<'_, T>, var: Var<'_, T>, values: usize) {
        let batches = self.num_batches_tracked.update(|n| match n {
            StateValue::Count(n) => {
                *n += 1;
                *n
            }
            StateValue::Tensor(_) => unreachable!("num_batches_tracked holds a count"),
        });
        let factor = self.momentum.unwrap_or(1.0 / batches as f64);
        let (keep, take) = (T::from_f64(1.0 - factor), T::from_f64(factor));
        let unbiased = T::from_f64(values as f64 / (values - 1) as f64);
        mean.tape().with_nodes(|nodes| {
            let (mean, var) = (nodes[mean.index()].value.data(), nodes[var.index()].value.data());
            self.running_mean.update(|running| blend(running, mean, keep, take, T::ONE));
            self.running_var.update(|running| blend(running, var, keep, take, unbiased));
        });
    }
}

/// `running = keep * running + take * scale * batch`, elementwise.
fn blend<T: Float>(running: &mut StateValue<T>, batch: &[T], keep: T, take: T, scale: T) {
    let StateValue::Tensor(running) = running else { unreachable!("running statistics hold tensors") };
    for (r, &b) in running.data_mut().iter_mut().zip(batch) {
        *r = keep * *r + take * (scale * b);
    }
}

impl<T: Float> Module<T> for BatchNorm1d<T> {
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        let shape = x.shape();
        let per_channel = self.channel_shape(&shape);
        let tape = x.tape();
        let normalized = if self.training && !tape.is_inference() {
            let values = shape.iter().product::<usize>() / self.channels();
            assert!(values > 1, "BatchNorm1d: training needs more than one value per channel, got input {shape:?}");
            let (mean, xc, var) = self.batch_stats(x);
            self.update_running(mean, var, values);
            normalize(xc, var, self.eps)
        } else {
            let constant = |buffer: &Buffer<T>| {
                buffer.with(|value| {
                    let StateValue::Tensor(t) = value else { unreachable!("running statistics hold tensors") };
                    tape.constant_from_slice(t.data(), &per_channel)
                })
            };
            normalize(x - constant(&self.running_mean), constant(&self.running_var), self.eps)
        };
        let param = |p: &Param<T>| {
            let v = tape.param(p);
            if per_channel.len() == 2 { v.reshape(&per_channel) } else { v }
        };
        normalized * param(&self.weight) + param(&self.bias)
    }

    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        visit("weight", Field::Param(&self.weight));
        visit("bias", Field::Param(&self.bias));
        visit("running_mean", Field::Buffer(&self.running_mean));
        visit("running_var", Field::Buffer(&self.running_var));
        visit("num_batches_tracked", Field::Buffer(&self.num_batches_tracked));
        visit("training", Field::Training(self.training));
    }

    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        visit("weight", FieldMut::Param(&mut self.weight));
        visit("bias", FieldMut::Param(&mut self.bias));
        visit("running_mean", FieldMut::Buffer(&mut self.running_mean));
        visit("running_var", FieldMut::Buffer(&mut self.running_var));
        visit("num_batches_tracked", FieldMut::Buffer(&mut self.num_batches_tracked));
        visit("training", FieldMut::Training(&mut self.training));
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl<T: Float> fmt::Display for BatchNorm1d<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BatchNorm1d({}, eps={:e}, momentum=", self.channels(), self.eps)?;
        match self.momentum {
            Some(m) => write!(f, "{m})"),
            None => write!(f, "None)"),
        }
    }
}
