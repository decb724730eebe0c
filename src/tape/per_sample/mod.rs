//! Per-sample gradients: for a loss that keeps one term per sample
//! (`Reduction::None`), the gradient of each sample's term with respect to
//! every parameter, and two things computed from them without forming
//! them: each sample's gradient norm, and the mean and second moment of the
//! gradients over the samples.
//!
//! One backward sweep from the sum of the terms gives every `linear`
//! layer's per-sample gradients as outer products (`linear.rs`), where the
//! graph keeps the samples apart (`plan.rs`). Any other parameter, or any
//! graph that mixes samples, takes the exact fallback: one sweep per
//! sample, seeded with that sample's term. [`PerSampleMethod`] says which a
//! parameter took.

mod linear;
mod moments;
mod norms;
mod plan;

pub(crate) use moments::{GradientMoments, Moment};
pub use norms::PerSampleNorms;

use linear::Signals;
use plan::{Plan, Rule};

use super::{Gradients, Var, backward};
use crate::float::Float;
use crate::param::{Param, ParamId};
use crate::shape::{Shape, numel};
use crate::tensor::Tensor;

/// How a parameter's per-sample gradients were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerSampleMethod {
    /// From the one backward sweep: the outer product of each sample's
    /// input to a `linear` layer and the gradient at its output (or the
    /// parameter is unused, and every sample's gradient is zero).
    OuterProduct,
    /// One backward sweep per sample: the parameter is read by another op
    /// than `linear`, read twice, or the graph mixes samples (a mean over
    /// the batch, a product across it).
    Sweeps,
}

/// What one parameter's per-sample computation is told before it starts.
struct Start<'a> {
    pub id: ParamId,
    pub name: &'a str,
    pub shape: &'a [usize],
    pub method: PerSampleMethod,
}

/// What is computed from the per-sample gradients: materialised, reduced
/// to norms, or to moments. The driver, [`Sweeper::run`], hands each
/// parameter's gradients over in one of two forms.
trait Sink<T: Float> {
    /// Sets up for `batch` samples; `k` numbers the parameter, in binding order.
    fn start(&mut self, k: usize, batch: usize, start: Start<'_>);
    /// Parameter `k` is a `linear` node's weight (`slot` 1) or bias (2), with these signals.
    fn linear(&mut self, k: usize, slot: usize, signals: &Signals<'_, T>);
    /// Parameter `k` has no gradient from any sample.
    fn unused(&mut self, k: usize);
    /// Sample `i`'s gradient of parameter `k`, from its own sweep.
    fn sample(&mut self, k: usize, i: usize, gradient: &Tensor<T>);
    /// Every parameter was handed over: `count` of them.
    fn finish(&mut self, count: usize);
}

/// The buffers every per-sample computation reuses: the plan, the
/// gradients of its sweeps and their seed.
#[derive(Clone, Debug, Default)]
struct Sweeper<T: Float> {
    plan: Plan,
    /// The sweep from the sum of the terms: the sum of the per-sample gradients.
    summed: Gradients<T>,
    /// The sweeps from one sample's terms, for the fallback.
    one: Gradients<T>,
    seed: Vec<T>,
}

impl<T: Float> Sweeper<T> {
    /// Computes the per-sample gradients of `terms` for every parameter
    /// bound to its tape and hands them to `sink`. Returns the batch size.
    #[track_caller]
    pub fn run(&mut self, what: &str, terms: Var<'_, T>, sink: &mut impl Sink<T>) -> usize {
        let tape = terms.tape;
        let shape = terms.shape();
        let batch = match shape.first() {
            Some(&b) if b > 0 => b,
            _ => panic!(
                "{what}: the terms have shape {shape:?}; expected one term (or row of terms) per sample along \
                 the first axis, as a loss with Reduction::None gives"
            ),
        };
        let root = terms.index();
        {
            let inner = tape.inner.borrow();
            self.plan.make(&inner.nodes, &inner.bound, root, batch);
        }
        Self::sweep(&mut self.seed, &mut self.summed, terms, &shape, None);
        {
            let inner = tape.inner.borrow();
            for (k, &(id, node, rule)) in self.plan.params.iter().enumerate() {
                let method = if rule == Rule::Sweeps { PerSampleMethod::Sweeps } else { PerSampleMethod::OuterProduct };
                let name = self.summed.name_of(node as usize).unwrap_or("");
                let param = &inner.nodes[node as usize].value;
                sink.start(k, batch, Start { id, name, shape: param.shape(), method });
                match rule {
                    Rule::Unused => sink.unused(k),
                    Rule::Linear { node, slot } => {
                        let linear = &inner.nodes[node as usize];
                        let x = &inner.nodes[linear.inputs[0] as usize].value;
                        match self.summed.by_index(node as usize) {
                            Some(g) => sink.linear(k, slot, &Signals::new(x, g, batch)),
                            None => sink.unused(k),
                        }
                    }
                    Rule::Sweeps => {}
                }
            }
        }
        if self.plan.needs_sweeps() {
            for i in 0..batch {
                Self::sweep(&mut self.seed, &mut self.one, terms, &shape, Some(i));
                for (k, &(_, node, rule)) in self.plan.params.iter().enumerate() {
                    if rule == Rule::Sweeps {
                        sink.sample(k, i, self.one.by_index(node as usize).expect("a bound parameter"));
                    }
                }
            }
        }
        sink.finish(self.plan.params.len());
        batch
    }

    /// One backward sweep from `terms` into `grads`, seeded with ones:
    /// everywhere, or in the row of sample `only`.
    fn sweep(seed: &mut Vec<T>, grads: &mut Gradients<T>, terms: Var<'_, T>, shape: &[usize], only: Option<usize>) {
        let n = numel(shape);
        let row = n / shape[0];
        seed.clear();
        match only {
            None => seed.resize(n, T::ONE),
            Some(i) => {
                seed.resize(n, T::ZERO);
                seed[i * row..(i + 1) * row].fill(T::ONE);
            }
        }
        let tensor = Tensor::from_parts(Shape::from_slice(shape), std::mem::take(seed));
        let result = backward::sweep(terms, Some(&tensor), grads);
        *seed = tensor.into_parts().1;
        result.unwrap_or_else(|anomaly| panic!("per-sample gradients: {anomaly}"));
    }

    /// The gradients of the summed terms, from the last run.
    pub fn summed(&self) -> &Gradients<T> {
        &self.summed
    }
}

/// One entry per parameter of a per-sample result: its id, name and
/// method, and what was computed for it. Reused from one computation to
/// the next.
#[derive(Clone, Debug)]
struct Entry<V> {
    pub id: ParamId,
    pub name: String,
    pub method: PerSampleMethod,
    pub value: V,
}

/// The `k`-th entry of `entries`, made for the parameter `start` describes
/// (a new one with value `empty()` on first use; otherwise its value is
/// left as it was, for the caller to reset).
fn entry<'e, V>(
    entries: &'e mut Vec<Entry<V>>,
    k: usize,
    start: &Start<'_>,
    empty: impl FnOnce() -> V,
) -> &'e mut Entry<V> {
    if entries.len() <= k {
        entries.push(Entry { id: start.id, name: String::new(), method: start.method, value: empty() });
    }
    let e = &mut entries[k];
    e.id = start.id;
    e.name.clear();
    e.name.push_str(start.name);
    e.method = start.method;
    e
}

/// Makes `t` a tensor of `shape` without clearing what it held: for a
/// caller that writes every element. Reuses the allocation when it is
/// large enough; a new one of 4 MB or more asks for huge pages, and one that
/// cannot be had is a panic naming the shape.
#[track_caller]
fn reshape_for_overwrite<T: Float>(t: &mut Tensor<T>, shape: &[usize]) {
    let n = numel(shape);
    let (mut shape_buf, mut data) = std::mem::replace(t, Tensor::from_parts(Shape::new(), Vec::new())).into_parts();
    if data.capacity() < n {
        data = Tensor::<T>::allocate("per-sample gradients", shape);
    }
    data.resize(n, T::ZERO);
    shape_buf.clear();
    shape_buf.extend_from_slice(shape);
    *t = Tensor::from_parts(shape_buf, data);
}

/// The per-sample gradients of a set of terms: for every parameter bound to
/// the tape, a tensor `[B, ..shape]` whose row `i` is the gradient of
/// sample `i`'s term alone (BackPACK's `BatchGrad`, Opacus's `grad_sample`,
/// `torch.func.vmap(grad(f))`). The sum over the rows is the gradient of
/// the summed terms.
///
/// Computed by [`Var::per_sample_gradients`], or into buffers reused from a
/// previous call by [`PerSampleGradients::compute`].
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::nn::{Activation, Mlp, Module, loss::{self, Reduction}};
/// use tapegrad::{PerSampleMethod, Tape, Tensor};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let model = Mlp::<f64>::new(&[2, 8, 1], Activation::Tanh, &mut rng);
/// let x = Tensor::randn([5, 2], &mut rng);
/// let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0, 1.0], [5, 1]);
///
/// let tape = Tape::new();
/// let logits = model.forward(tape.constant(x.clone()));
/// let terms = loss::bce_with_logits_with(logits, tape.constant(y.clone()), Reduction::None);
/// let per_sample = terms.per_sample_gradients();
/// let w = per_sample.named("layers.0.weight").unwrap();
/// assert_eq!(w.shape(), &[5, 8, 2]);
/// assert_eq!(per_sample.method("layers.0.weight"), Some(PerSampleMethod::OuterProduct));
///
/// // Row 3 is the gradient of sample 3's loss alone.
/// let alone = Tape::new();
/// let x3 = alone.constant(Tensor::from_vec(x.data()[6..8].to_vec(), [1, 2]));
/// let y3 = alone.constant(Tensor::from_vec(vec![0.0], [1, 1]));
/// let grads = loss::bce_with_logits(model.forward(x3), y3).backward();
/// let expected = grads.named("layers.0.weight").unwrap();
/// for (a, b) in w.data()[3 * 16..4 * 16].iter().zip(expected.data()) {
///     assert!((a - b).abs() < 1e-12);
/// }
/// ```
#[derive(Clone, Debug, Default)]
pub struct PerSampleGradients<T: Float = f32> {
    batch: usize,
    entries: Vec<Entry<Tensor<T>>>,
    len: usize,
    sweeper: Sweeper<T>,
}

impl<T: Float> PerSampleGradients<T> {
    /// Empty, to compute into.
    pub fn new() -> Self {
        Self::default()
    }

    /// Computes the per-sample gradients of `terms` (one term, or one row
    /// of terms, per sample along the first axis: a loss with
    /// `Reduction::None`) for every parameter bound to its tape, reusing
    /// the buffers of the previous call.
    ///
    /// # Panics
    /// If `terms` is a scalar or has no samples, or if anomaly detection is
    /// on and a sweep meets a NaN.
    #[track_caller]
    pub fn compute(&mut self, terms: Var<'_, T>) {
        let mut sink = Materialise { entries: &mut self.entries, len: &mut self.len };
        self.batch = self.sweeper.run("per_sample_gradients", terms, &mut sink);
    }

    /// The number of samples.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Each parameter's name and per-sample gradients, in binding order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tensor<T>)> {
        self.entries[..self.len].iter().map(|e| (e.name.as_str(), &e.value))
    }

    /// The per-sample gradients of `param`, `[B, ..shape]`, if it was bound.
    pub fn param(&self, param: &Param<T>) -> Option<&Tensor<T>> {
        self.entries[..self.len].iter().find(|e| e.id == param.id()).map(|e| &e.value)
    }

    /// The per-sample gradients of the parameter named `name`.
    pub fn named(&self, name: &str) -> Option<&Tensor<T>> {
        self.entries[..self.len].iter().find(|e| e.name == name).map(|e| &e.value)
    }

    /// How the parameter named `name` was computed.
    pub fn method(&self, name: &str) -> Option<PerSampleMethod> {
        self.entries[..self.len].iter().find(|e| e.name == name).map(|e| e.method)
    }
}

/// The sink that writes every sample's gradient.
struct Materialise<'a, T: Float> {
    entries: &'a mut Vec<Entry<Tensor<T>>>,
    len: &'a mut usize,
}

impl<T: Float> Sink<T> for Materialise<'_, T> {
    fn start(&mut self, k: usize, batch: usize, start: Start<'_>) {
        let mut shape = Shape::from_slice(&[batch]);
        shape.extend_from_slice(start.shape);
        reshape_for_overwrite(&mut entry(self.entries, k, &start, || Tensor::zeros([0])).value, &shape);
    }

    fn linear(&mut self, k: usize, slot: usize, signals: &Signals<'_, T>) {
        signals.gradients_into(slot, self.entries[k].value.data_mut());
    }

    fn unused(&mut self, k: usize) {
        self.entries[k].value.data_mut().fill(T::ZERO);
    }

    fn sample(&mut self, k: usize, i: usize, gradient: &Tensor<T>) {
        let g = gradient.data();
        self.entries[k].value.data_mut()[i * g.len()..(i + 1) * g.len()].copy_from_slice(g);
    }

    fn finish(&mut self, count: usize) {
        *self.len = count;
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// The per-sample gradients of these terms (one per sample along the
    /// first axis: a loss with `Reduction::None`) with respect to every
    /// parameter bound to the tape. See [`PerSampleGradients`].
    ///
    /// # Panics
    /// As [`PerSampleGradients::compute`].
    #[track_caller]
    pub fn per_sample_gradients(self) -> PerSampleGradients<T> {
        let mut result = PerSampleGradients::new();
        result.compute(self);
        result
    }
}
