//! [`Dropout`]: zeroes random elements while training, inverted.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};

use super::{Field, FieldMut, Module};
use crate::float::Float;
use crate::tape::Var;
use crate::tensor::Tensor;

/// Inverted dropout (PyTorch's `nn.Dropout(p)`): in training mode each
/// element is zeroed with probability `p` and the others are scaled by
/// `1 / (1 - p)`, so that the expected output is the input; in eval mode
/// (and in [`predict`](Module::predict)) the input passes through
/// unchanged, recording nothing.
///
/// The masks are drawn from the layer's own seed and a count of its forward
/// passes, so a run repeats bit for bit from the same seed (PyTorch's
/// masks come from its global generator and cannot be reproduced here).
/// The mask is a constant of the graph: the gradient is the incoming one
/// times the mask.
///
/// ```
/// use tapegrad::nn::{Dropout, Module};
/// use tapegrad::{Tape, Tensor};
///
/// let mut dropout = Dropout::<f64>::with_seed(0.5, 7);
/// let tape = Tape::<f64>::new();
/// let y = dropout.forward(tape.var(Tensor::ones([1000]))).value();
/// // Half of the elements (about) are 0, the others 1 / (1 - 0.5) = 2.
/// assert!(y.data().iter().all(|&v| v == 0.0 || v == 2.0));
/// let kept = y.data().iter().filter(|&&v| v == 2.0).count();
/// assert!((450..550).contains(&kept));
///
/// dropout.eval();
/// assert_eq!(dropout.forward(tape.var(Tensor::ones([3]))).value().data(), &[1.0, 1.0, 1.0]);
/// ```
#[derive(Debug)]
pub struct Dropout<T: Float = f32> {
    p: f64,
    training: bool,
    seed: u64,
    /// Forward passes in training mode so far: each draws a new mask.
    calls: AtomicU64,
    element: PhantomData<fn() -> T>,
}

impl<T: Float> Dropout<T> {
    /// Dropout with probability `p` of zeroing an element, its masks seeded
    /// from `rng`.
    ///
    /// # Panics
    /// If `p` is not in `[0, 1]`.
    #[track_caller]
    pub fn new<R: Rng + ?Sized>(p: f64, rng: &mut R) -> Self {
        Self::with_seed(p, rng.next_u64())
    }

    /// Dropout with probability `p`, its masks drawn from `seed`.
    ///
    /// # Panics
    /// If `p` is not in `[0, 1]`.
    #[track_caller]
    pub fn with_seed(p: f64, seed: u64) -> Self {
        assert!((0.0..=1.0).contains(&p), "Dropout: p must be in [0, 1], got {p}");
        Dropout { p, training: true, seed, calls: AtomicU64::new(0), element: PhantomData }
    }

    /// The probability of zeroing an element.
    pub fn p(&self) -> f64 {
        self.p
    }
}

impl<T: Float> Clone for Dropout<T> {
    /// The same probability, seed, mode and count of forward passes: the
    /// copy draws the masks the original would have drawn next.
    fn clone(&self) -> Self {
        Dropout { calls: AtomicU64::new(self.calls.load(Ordering::Relaxed)), ..*self }
    }
}

impl<T: Float> Module<T> for Dropout<T> {
    fn forward<'t>(&self, x: Var<'t, T>) -> Var<'t, T> {
        let tape = x.tape();
        if !self.training || self.p == 0.0 || tape.is_inference() {
            return x;
        }
        let call = self.calls.fetch_add(1, Ordering::Relaxed);
        let mut rng = StdRng::seed_from_u64(self.seed ^ call.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // p = 1 zeroes everything (PyTorch's convention), not 0 * inf.
        let keep = if self.p < 1.0 { T::from_f64(1.0 / (1.0 - self.p)) } else { T::ZERO };
        let shape = x.shape();
        let mask = tape.constant_with(&shape, |mask| {
            let n = crate::shape::numel(&shape);
            mask.extend((0..n).map(|_| if rng.random::<f64>() < self.p { T::ZERO } else { keep }));
        });
        x * mask
    }

    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, T>)) {
        visit("training", Field::Training(self.training));
    }

    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, T>)) {
        visit("training", FieldMut::Training(&mut self.training));
    }

    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        x.clone()
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl<T: Float> fmt::Display for Dropout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dropout(p={})", self.p)
    }
}
