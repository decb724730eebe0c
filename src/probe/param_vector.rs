//! [`ParamVector`]: all of a model's parameters as one vector.

use crate::float::Float;
use crate::nn::Module;

/// A model's parameters as one flat vector of `f64`, in the order
/// [`Module::visit_params`] walks them: a point of the parameter space (the
/// weights at one moment of training) or a direction in it.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::nn::{Activation, Mlp, Module};
/// use tapegrad::probe::ParamVector;
///
/// let mut model = Mlp::<f32>::new(&[2, 3, 1], Activation::Tanh, &mut StdRng::seed_from_u64(0));
/// let start = ParamVector::of(&model);
/// assert_eq!(start.len(), model.num_params());
/// ParamVector::from_vec(vec![0.5; start.len()]).load_into(&mut model);
/// assert!(model.params().all(|p| p.value().data().iter().all(|&w| w == 0.5)));
/// start.load_into(&mut model);
/// assert_eq!(ParamVector::of(&model), start);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ParamVector {
    values: Vec<f64>,
}

impl ParamVector {
    /// The model's parameters now.
    pub fn of<T: Float, M: Module<T> + ?Sized>(model: &M) -> Self {
        let mut values = Vec::with_capacity(model.num_params());
        model.visit_params(&mut |p| values.extend(p.value().data().iter().map(|v| v.to_f64())));
        ParamVector { values }
    }

    /// A vector of these values (in the order of [`Module::visit_params`]).
    pub fn from_vec(values: Vec<f64>) -> Self {
        ParamVector { values }
    }

    /// `len` zeros.
    pub fn zeros(len: usize) -> Self {
        ParamVector { values: vec![0.0; len] }
    }

    /// The number of scalar parameters.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// `true` for a model without parameters.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values.
    pub fn as_slice(&self) -> &[f64] {
        &self.values
    }

    /// The values, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// The dot product.
    ///
    /// # Panics
    /// If the lengths differ.
    #[track_caller]
    pub fn dot(&self, other: &ParamVector) -> f64 {
        self.check_len("dot", other);
        self.values.iter().zip(&other.values).map(|(a, b)| a * b).sum()
    }

    /// The L2 norm.
    pub fn norm(&self) -> f64 {
        self.dot(self).sqrt()
    }

    /// `self - other`: the direction from `other` to `self`.
    ///
    /// # Panics
    /// If the lengths differ.
    #[track_caller]
    pub fn minus(&self, other: &ParamVector) -> ParamVector {
        self.check_len("minus", other);
        ParamVector { values: self.values.iter().zip(&other.values).map(|(a, b)| a - b).collect() }
    }

    /// Writes these values into the model's parameters (rounded to its
    /// element type).
    ///
    /// # Panics
    /// If the model has another number of scalar parameters.
    #[track_caller]
    pub fn load_into<T: Float, M: Module<T> + ?Sized>(&self, model: &mut M) {
        self.load_combination_into(model, &[]);
    }

    /// Writes `self + Σ coefficient · direction` into the model's
    /// parameters, without a vector of its own: how a loss surface visits
    /// its points.
    ///
    /// # Panics
    /// If a direction's length or the model's number of parameters differs
    /// from `self`'s.
    #[track_caller]
    pub(crate) fn load_combination_into<T: Float, M: Module<T> + ?Sized>(
        &self,
        model: &mut M,
        terms: &[(f64, &ParamVector)],
    ) {
        for (_, direction) in terms {
            self.check_len("load_combination_into", direction);
        }
        let count = model.num_params();
        assert!(
            count == self.len(),
            "ParamVector::load_into: the vector has {} values, the model {count} parameters",
            self.len()
        );
        let mut at = 0;
        model.visit_params_mut(&mut |p| {
            for (k, w) in p.value_mut().data_mut().iter_mut().enumerate() {
                let i = at + k;
                let value = terms.iter().fold(self.values[i], |sum, &(c, d)| sum + c * d.values[i]);
                *w = T::from_f64(value);
            }
            at += p.value().len();
        });
    }

    #[track_caller]
    fn check_len(&self, what: &str, other: &ParamVector) {
        assert!(self.len() == other.len(), "ParamVector::{what}: lengths {} and {} differ", self.len(), other.len());
    }
}
