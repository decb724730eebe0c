//! Data to train on: [`Dataset`] (inputs and targets, one row per example),
//! shuffled mini-batches ([`Dataset::batches`]), a train/test
//! [`split`](Dataset::split), feature [`Standardizer`]s, and seeded [`toy`]
//! data sets (moons, circles, spirals, XOR, blobs, a sine curve).
//!
//! Real data: a [`Table`] is a data set with names, typed by its task
//! ([`Classification`] or [`Regression`]); [`folds`] makes stratified
//! splits and cross-validation folds. With the feature `csv`,
//! `csv::Csv` reads your own tables; with `datasets`, `sklearn` holds
//! scikit-learn's six toy data sets (iris, wine, breast cancer, digits,
//! diabetes, Linnerud), checked value by value against scikit-learn's files.
//!
//! Every random choice is drawn from the `Rng` the caller passes, in a fixed
//! order, so the same seed gives the same data and the same batches, bit for
//! bit.
//!
//! ```
//! use rand::{SeedableRng, rngs::StdRng};
//! use tapegrad::data::{Dataset, toy};
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let data: Dataset = toy::moons(200, 0.1, &mut rng);
//! let (mut train, mut test) = data.split(0.25, &mut rng);
//! assert_eq!((train.len(), test.len()), (150, 50));
//!
//! // Standardize both sides with the training set's statistics only.
//! let scaler = train.standardizer();
//! scaler.apply(&mut train);
//! scaler.apply(&mut test);
//!
//! for _epoch in 0..2 {
//!     for batch in train.batches(32, &mut rng) {
//!         assert_eq!(batch.x.shape()[1], 2);
//!         assert_eq!(batch.y.shape()[0], batch.x.shape()[0]);
//!     }
//! }
//! ```
#![forbid(unsafe_code)]

mod batches;
#[cfg(feature = "csv")]
pub mod csv;
pub mod folds;
#[cfg(feature = "datasets")]
pub mod sklearn;
mod standardize;
mod table;
pub mod toy;

use rand::Rng;

use crate::float::Float;
use crate::shape::shape_of;
use crate::tensor::Tensor;

pub use crate::error::DataError;
pub use batches::{Batch, Batches};
pub use folds::Fold;
pub use standardize::Standardizer;
pub use table::{About, Classes, Classification, Regression, Table, Values};

/// A supervised data set: inputs `x` of shape `[N, D]` and targets `y` whose
/// first axis is the same `N` (`[N]` for class indices, `[N, 1]` for a binary
/// label or a regression target, `[N, K]` for several outputs).
///
/// ```
/// use tapegrad::{Tensor, data::Dataset};
///
/// let x = Tensor::from_vec(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [3, 2]);
/// let y = Tensor::from_vec(vec![0.0, 1.0, 1.0], [3]);
/// let data = Dataset::new(x, y).unwrap();
/// assert_eq!((data.len(), data.input_dim()), (3, 2));
///
/// let batch = data.gather(&[2, 0]);
/// assert_eq!(batch.x.data(), &[4.0, 5.0, 0.0, 1.0]);
/// assert_eq!(batch.y.data(), &[1.0, 0.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<T: Float = f32> {
    x: Tensor<T>,
    y: Tensor<T>,
}

impl<T: Float> Dataset<T> {
    /// Pairs inputs with targets, or explains why they do not fit together:
    /// `x` must be 2-D, `y` must have at least one axis, and both must have
    /// the same first extent.
    ///
    /// ```
    /// use tapegrad::{Tensor, data::Dataset};
    ///
    /// let err = Dataset::new(Tensor::<f32>::zeros([4, 2]), Tensor::zeros([3, 1])).unwrap_err();
    /// assert_eq!(err.to_string(), "x has shape [4, 2] (4 examples) but y has shape [3, 1] (3 examples)");
    /// ```
    pub fn new(x: Tensor<T>, y: Tensor<T>) -> Result<Self, DataError> {
        if x.ndim() != 2 {
            return Err(DataError::XNotMatrix { x: shape_of(x.shape()) });
        }
        if y.ndim() == 0 {
            return Err(DataError::YScalar { y: shape_of(y.shape()) });
        }
        if x.shape()[0] != y.shape()[0] {
            return Err(DataError::ExampleCountMismatch { x: shape_of(x.shape()), y: shape_of(y.shape()) });
        }
        Ok(Dataset { x, y })
    }

    /// The inputs, `[N, D]`.
    pub fn x(&self) -> &Tensor<T> {
        &self.x
    }

    /// The targets, `[N, ...]`.
    pub fn y(&self) -> &Tensor<T> {
        &self.y
    }

    /// Number of examples, `N`.
    pub fn len(&self) -> usize {
        self.x.shape()[0]
    }

    /// `true` if there are no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of input features, `D`.
    pub fn input_dim(&self) -> usize {
        self.x.shape()[1]
    }

    /// The examples at `indices`, in that order (repeats allowed).
    ///
    /// # Panics
    /// If an index is not below [`len`](Self::len); the message names it.
    #[track_caller]
    pub fn gather(&self, indices: &[usize]) -> Batch<T> {
        let n = self.len();
        if let Some(&bad) = indices.iter().find(|&&i| i >= n) {
            panic!("Dataset::gather: index {bad} is out of range for a data set of {n} examples");
        }
        Batch { x: gather_rows(&self.x, indices), y: gather_rows(&self.y, indices) }
    }

    /// Shuffles the examples with `rng` and cuts them into `(train, test)`,
    /// the test side holding `round(test_fraction * len)` examples. Both sides
    /// keep the shuffled order.
    ///
    /// # Panics
    /// If `test_fraction` is not in `[0, 1]`.
    #[track_caller]
    pub fn split<R: Rng + ?Sized>(&self, test_fraction: f64, rng: &mut R) -> (Dataset<T>, Dataset<T>) {
        folds::check_fraction("Dataset::split", test_fraction);
        let (train, test) = folds::split(self.len(), test_fraction, rng);
        (self.select(&train), self.select(&test))
    }

    /// `k` folds of the examples' indices for cross-validation
    /// ([`folds::kfold`]); [`select`](Self::select) turns a side into a
    /// data set.
    ///
    /// ```
    /// use rand::{SeedableRng, rngs::StdRng};
    /// use tapegrad::{Tensor, data::Dataset};
    ///
    /// let data = Dataset::new(Tensor::<f32>::zeros([10, 2]), Tensor::zeros([10])).unwrap();
    /// let folds = data.kfold(3, &mut StdRng::seed_from_u64(0));
    /// let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
    /// assert_eq!(sizes, [4, 3, 3]);
    /// let first = data.select(&folds[0].train);
    /// assert_eq!(first.len(), 6);
    /// ```
    ///
    /// # Panics
    /// If `k < 2` or `k > len`.
    #[track_caller]
    pub fn kfold<R: Rng + ?Sized>(&self, k: usize, rng: &mut R) -> Vec<Fold> {
        folds::kfold(self.len(), k, rng)
    }

    /// The per-feature mean and standard deviation of `x`, to standardize
    /// this data set and others (a test set, new inputs) the same way.
    ///
    /// # Panics
    /// If the data set is empty.
    #[track_caller]
    pub fn standardizer(&self) -> Standardizer<T> {
        Standardizer::fit(&self.x)
    }

    /// One epoch of mini-batches of `batch_size` examples, in an order
    /// shuffled with `rng` at this call. The last batch is shorter when
    /// `batch_size` does not divide [`len`](Self::len), unless
    /// [`Batches::drop_last`] drops it.
    ///
    /// # Panics
    /// If `batch_size` is 0.
    #[track_caller]
    pub fn batches<R: Rng + ?Sized>(&self, batch_size: usize, rng: &mut R) -> Batches<'_, T> {
        assert!(batch_size > 0, "Dataset::batches: batch_size must be at least 1");
        Batches::new(self, self.permutation(rng), batch_size)
    }

    fn permutation<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<usize> {
        folds::permutation(self.len(), rng)
    }

    /// The examples at `indices`, in that order (repeats allowed), as a data
    /// set of their own: a side of a [`Fold`], for instance.
    ///
    /// # Panics
    /// If an index is not below [`len`](Self::len); the message names it.
    #[track_caller]
    pub fn select(&self, indices: &[usize]) -> Dataset<T> {
        // No re-validation: gathering rows keeps x 2-D and the first extents equal.
        let Batch { x, y } = self.gather(indices);
        Dataset { x, y }
    }

    fn x_mut(&mut self) -> &mut Tensor<T> {
        &mut self.x
    }
}

/// Copies rows (slices along the first axis) of `t` into a new tensor.
fn gather_rows<T: Float>(t: &Tensor<T>, indices: &[usize]) -> Tensor<T> {
    let mut shape = shape_of(t.shape());
    let row: usize = shape[1..].iter().product();
    let mut data = Vec::with_capacity(indices.len() * row);
    for &i in indices {
        data.extend_from_slice(&t.data()[i * row..(i + 1) * row]);
    }
    shape[0] = indices.len();
    Tensor::from_vec(data, shape)
}
