//! [`PerSampleNorms`]: each sample's gradient norm, without the gradients
//! where a layer allows it.

use super::{GradientMoments, Moment, PerSampleMethod};
use crate::float::Float;
use crate::param::Param;
use crate::tape::{Gradients, Var};

/// The squared L2 norm of each sample's gradient, per parameter and over
/// all of them (BackPACK's `BatchL2Grad`; what Opacus clips). For a
/// `linear` layer the norms come from its input and output gradient alone
/// (Goodfellow 2015: `|g_i|² = |a_i|² |δ_i|²` for the weight of an MLP
/// layer), so no `[B, out, in]` tensor is formed; other parameters take one
/// sweep per sample ([`PerSampleMethod::Sweeps`]).
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::nn::{Activation, Mlp, Module, loss::{self, Reduction}};
/// use tapegrad::{PerSampleNorms, Tape, Tensor};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let model = Mlp::<f64>::new(&[3, 4, 2], Activation::Relu, &mut rng);
/// let tape = Tape::new();
/// let logits = model.forward(tape.constant(Tensor::randn([6, 3], &mut rng)));
/// let labels = tape.constant(Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0, 1.0, 0.0], [6]));
/// let terms = loss::softmax_cross_entropy_with(logits, labels, Reduction::None);
///
/// let mut norms = PerSampleNorms::new();
/// norms.compute(terms);
/// // The same numbers as the norms of the per-sample gradients themselves.
/// let per_sample = terms.per_sample_gradients();
/// let w = per_sample.named("layers.1.weight").unwrap();
/// for (i, &squared) in norms.named("layers.1.weight").unwrap().iter().enumerate() {
///     let row: f64 = w.data()[i * 8..(i + 1) * 8].iter().map(|g| g * g).sum();
///     assert!((squared - row).abs() < 1e-12 * row.max(1.0));
/// }
/// assert_eq!(norms.total().len(), 6);
/// ```
#[derive(Clone, Debug, Default)]
pub struct PerSampleNorms<T: Float = f32> {
    moments: GradientMoments<T>,
    total: Vec<f64>,
}

impl<T: Float> PerSampleNorms<T> {
    /// Empty, to compute into.
    pub fn new() -> Self {
        Self::default()
    }

    /// Computes the norms for `terms` (one term, or row of terms, per
    /// sample along the first axis), reusing the buffers of the last call.
    ///
    /// # Panics
    /// As [`PerSampleGradients::compute`](super::PerSampleGradients::compute).
    #[track_caller]
    pub fn compute(&mut self, terms: Var<'_, T>) {
        self.moments.compute("PerSampleNorms::compute", terms, Moment::SquaredNorms);
        self.total.clear();
        self.total.resize(self.moments.batch(), 0.0);
        for e in self.moments.entries() {
            self.total.iter_mut().zip(&e.value.squared_norms).for_each(|(t, v)| *t += v);
        }
    }

    /// Each sample's squared gradient norm over every parameter.
    pub fn total(&self) -> &[f64] {
        &self.total
    }

    /// Each sample's squared gradient norm for `param`, if it was bound.
    pub fn param(&self, param: &Param<T>) -> Option<&[f64]> {
        self.moments.entries().iter().find(|e| e.id == param.id()).map(|e| e.value.squared_norms.as_slice())
    }

    /// Each sample's squared gradient norm for the parameter named `name`.
    pub fn named(&self, name: &str) -> Option<&[f64]> {
        self.moments.entries().iter().find(|e| e.name == name).map(|e| e.value.squared_norms.as_slice())
    }

    /// Each parameter's name, how its norms were computed, and the norms.
    pub fn iter(&self) -> impl Iterator<Item = (&str, PerSampleMethod, &[f64])> {
        self.moments.iter().map(|(name, method, m, _)| (name, method, m.squared_norms.as_slice()))
    }

    /// The gradients of the summed terms, from the same sweep: for each
    /// parameter, the sum of the per-sample gradients.
    pub fn summed(&self) -> &Gradients<T> {
        self.moments.summed()
    }
}
