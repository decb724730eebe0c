//! [`Standardizer`]: shift and scale each input feature to mean 0 and
//! standard deviation 1.

use crate::data::Dataset;
use crate::float::Float;
use crate::tensor::Tensor;

/// The per-feature mean and standard deviation of a data set's inputs, made
/// by [`Dataset::standardizer`]; [`apply`](Self::apply) maps each feature to
/// `(x - mean) / std`.
///
/// Fit it on the training set and apply the same statistics to the test set
/// and to new inputs, so that the model sees them on the scale it was trained
/// on.
///
/// ```
/// use tapegrad::{Tensor, data::Dataset};
///
/// let x = Tensor::from_vec(vec![1.0, 10.0, 3.0, 10.0], [2, 2]);
/// let mut data = Dataset::new(x, Tensor::zeros([2])).unwrap();
/// let scaler = data.standardizer();
/// assert_eq!(scaler.mean(), &[2.0, 10.0]);
/// assert_eq!(scaler.std(), &[1.0, 1.0]); // the constant feature keeps scale 1
/// scaler.apply(&mut data);
/// assert_eq!(data.x().data(), &[-1.0, 0.0, 1.0, 0.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer<T: Float = f32> {
    mean: Vec<T>,
    std: Vec<T>,
}

impl<T: Float> Standardizer<T> {
    /// Mean and population standard deviation (divisor `N`, as sklearn's
    /// `StandardScaler`) of each column of `x`, `[N, D]`.
    pub(crate) fn fit(x: &Tensor<T>) -> Self {
        let (n, d) = (x.shape()[0], x.shape()[1]);
        assert!(n > 0, "Dataset::standardizer: the data set is empty, so its features have no mean");
        if d == 0 {
            return Standardizer { mean: Vec::new(), std: Vec::new() };
        }
        // Accumulating in f64 keeps f32 data sets of many rows accurate; two
        // passes avoid the cancellation of sum(x^2) - N * mean^2.
        let mut sum = vec![0.0f64; d];
        for row in x.data().chunks_exact(d) {
            sum.iter_mut().zip(row).for_each(|(s, v)| *s += v.to_f64());
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n as f64).collect();
        let mut sq = vec![0.0f64; d];
        for row in x.data().chunks_exact(d) {
            sq.iter_mut().zip(row).zip(&mean).for_each(|((s, v), m)| *s += (v.to_f64() - m).powi(2));
        }
        let std = sq
            .iter()
            .map(|s| {
                // A constant feature would divide by zero; scale 1 leaves it
                // centred at 0 instead. Checked after rounding to T, where a
                // tiny f64 deviation can become 0.
                let std = T::from_f64((s / n as f64).sqrt());
                if std == T::ZERO { T::ONE } else { std }
            })
            .collect();
        Standardizer { mean: mean.into_iter().map(T::from_f64).collect(), std }
    }

    /// The mean of each feature.
    pub fn mean(&self) -> &[T] {
        &self.mean
    }

    /// The standard deviation of each feature (1 where it was 0).
    pub fn std(&self) -> &[T] {
        &self.std
    }

    /// Standardizes the inputs of `data` in place; the targets are untouched.
    ///
    /// # Panics
    /// If `data` has a different number of features.
    #[track_caller]
    pub fn apply(&self, data: &mut Dataset<T>) {
        self.apply_tensor(data.x_mut());
    }

    /// Standardizes a `[N, D]` tensor of inputs in place.
    ///
    /// # Panics
    /// If `x` is not 2-D with as many columns as there are features.
    #[track_caller]
    pub fn apply_tensor(&self, x: &mut Tensor<T>) {
        let d = self.mean.len();
        assert!(
            x.ndim() == 2 && x.shape()[1] == d,
            "Standardizer: fitted on {d} features, cannot apply to inputs of shape {:?} (expected [N, {d}])",
            x.shape()
        );
        if d == 0 {
            return;
        }
        for row in x.data_mut().chunks_exact_mut(d) {
            for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }
}
