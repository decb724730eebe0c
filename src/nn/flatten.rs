//! [`Flatten`]: every axis after the first as one.

use std::marker::PhantomData;

use super::{Field, FieldMut, Module};
use crate::float::Float;
use crate::tape::Var;
use crate::tensor::Tensor;

/// Reshapes `[N, d1, d2, ...]` to `[N, d1 * d2 * ...]` (PyTorch's
/// `nn.Flatten()`): between an [`Embedding`](super::Embedding) of a
/// context of characters, `[N, context, dim]`, and a [`Linear`](super::Linear)
/// layer, as in makemore.
///
/// ```
/// use tapegrad::nn::{Flatten, Module};
/// use tapegrad::Tensor;
///
/// let flat = Flatten::<f32>::new().predict(&Tensor::zeros([4, 3, 10]));
/// assert_eq!(flat.shape(), &[4, 30]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Flatten<T: Float = f32> {
    element: PhantomData<fn() -> T>,
}

impl<T: Float> Flatten<T> {
    /// The layer.
    pub fn new() -> Self {
        Flatten { element: PhantomData }
    }
}

/// `[N, d1, d2, ...]` to `[N, d1 * d2 * ...]`.
///
/// # Panics
/// If `shape` has no axis.
fn flat_shape(shape: &[usize]) -> [usize; 2] {
    match shape.split_first() {
        Some((&n, rest)) => [n, rest.iter().product()],
        None => panic!("Flatten: the input has no axis (shape [])"),
    }
}

impl<T: Float> Module<T> for Flatten<T> {
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        x.reshape(flat_shape(&x.shape()))
    }

    fn visit_fields<'a>(&'a self, _: &mut dyn FnMut(&str, Field<'a, T>)) {}

    fn visit_fields_mut<'a>(&'a mut self, _: &mut dyn FnMut(&str, FieldMut<'a, T>)) {}

    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        x.clone().reshape(flat_shape(x.shape()))
    }

    fn describe(&self) -> String {
        "Flatten".into()
    }
}
