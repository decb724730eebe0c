//! [`Embedding`]: a table of vectors, looked up by index.

use std::fmt;

use rand::Rng;

use super::{Field, FieldMut, Module};
use crate::float::Float;
use crate::param::Param;
use crate::tape::Var;
use crate::tensor::Tensor;

/// A table of `num` vectors of `dim` values (the `weight`, `[num, dim]`),
/// looked up by index: PyTorch's `nn.Embedding(num, dim)`. The input holds
/// indices as whole numbers of the element type (as class labels do in
/// this crate), of any shape `[...]`; the output is `[..., dim]`. The
/// lookup is [`Var::index_select`] on the table, so the gradient adds each
/// output row's gradient into the row it came from.
///
/// ```
/// use tapegrad::nn::{Embedding, Module};
/// use tapegrad::{Tape, Tensor};
///
/// let table = Tensor::from_vec(vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5], [3, 2]);
/// let embedding = Embedding::<f64>::from_weights(table);
/// // Two contexts of two characters each: [2, 2] indices give [2, 2, 2] vectors.
/// let y = embedding.predict(&Tensor::from_vec(vec![2.0, 0.0, 1.0, 1.0], [2, 2]));
/// assert_eq!(y.shape(), &[2, 2, 2]);
/// assert_eq!(y.data(), &[2.0, 2.5, 0.0, 0.5, 1.0, 1.5, 1.0, 1.5]);
/// ```
#[derive(Clone, Debug)]
pub struct Embedding<T: Float = f32> {
    weight: Param<T>,
}

impl<T: Float> Embedding<T> {
    /// A table of `num` vectors of `dim` values drawn from `N(0, 1)`
    /// (PyTorch's initialisation).
    ///
    /// # Panics
    /// If either size is 0.
    #[track_caller]
    pub fn new<R: Rng + ?Sized>(num: usize, dim: usize, rng: &mut R) -> Self {
        assert!(num > 0 && dim > 0, "Embedding: sizes must be positive, got {num} vectors of {dim}");
        Self::from_weights(Tensor::randn([num, dim], rng))
    }

    /// A table with the given vectors, one per row of `weight` (`[num, dim]`).
    ///
    /// # Panics
    /// If `weight` is not 2-D.
    #[track_caller]
    pub fn from_weights(weight: Tensor<T>) -> Self {
        assert!(weight.ndim() == 2, "Embedding: the weight must be [num, dim], got {:?}", weight.shape());
        Embedding { weight: Param::new("weight", weight) }
    }

    /// Number of vectors.
    pub fn num(&self) -> usize {
        self.weight.shape()[0]
    }

    /// Length of each vector.
    pub fn dim(&self) -> usize {
        self.weight.shape()[1]
    }

    /// The table, `[num, dim]`.
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }
}

impl<T: Float> Module<T> for Embedding<T> {
    /// # Panics
    /// If an index is not a whole number in `[0, num)`.
    fn forward<'t>(&self, indices: Var<'t, T>) -> Var<'t, T> {
        let shape = indices.shape();
        let flat = indices.reshape([shape.iter().product::<usize>()]);
        let rows = indices.tape().param(&self.weight).index_select(0, flat);
        let mut out = shape;
        out.push(self.dim());
        rows.reshape(out)
    }

    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        visit("weight", Field::Param(&self.weight));
    }

    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        visit("weight", FieldMut::Param(&mut self.weight));
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl<T: Float> fmt::Display for Embedding<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Embedding({}, {})", self.num(), self.dim())
    }
}
