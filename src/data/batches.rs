//! [`Batch`] and [`Batches`], the iterator over one shuffled epoch.

use std::iter::FusedIterator;

use crate::data::Dataset;
use crate::float::Float;
use crate::tensor::Tensor;

/// Some examples of a [`Dataset`]: `x` is `[B, D]`, `y` is `[B, ...]` like
/// the data set's targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<T: Float = f32> {
    /// The inputs, `[B, D]`.
    pub x: Tensor<T>,
    /// The targets, `[B, ...]`.
    pub y: Tensor<T>,
}

impl<T: Float> Batch<T> {
    /// Number of examples, `B`.
    pub fn len(&self) -> usize {
        self.x.shape()[0]
    }

    /// `true` if the batch holds no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One epoch of mini-batches over a [`Dataset`], made by
/// [`Dataset::batches`]. The order is fixed when the iterator is made; each
/// batch is copied out of the data set as it is reached.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::{Tensor, data::Dataset};
///
/// let data = Dataset::new(Tensor::<f32>::zeros([10, 3]), Tensor::zeros([10])).unwrap();
/// let mut rng = StdRng::seed_from_u64(7);
///
/// let sizes: Vec<usize> = data.batches(4, &mut rng).map(|b| b.len()).collect();
/// assert_eq!(sizes, [4, 4, 2]);
///
/// let epoch = data.batches(4, &mut rng).drop_last();
/// assert_eq!(epoch.len(), 2);
/// assert_eq!(epoch.indices().len(), 10);
/// ```
#[derive(Debug, Clone)]
pub struct Batches<'a, T: Float = f32> {
    data: &'a Dataset<T>,
    order: Vec<usize>,
    batch_size: usize,
    next: usize,
    end: usize,
}

impl<'a, T: Float> Batches<'a, T> {
    pub(crate) fn new(data: &'a Dataset<T>, order: Vec<usize>, batch_size: usize) -> Self {
        let end = order.len();
        Batches { data, order, batch_size, next: 0, end }
    }

    /// Leaves out the last batch if it would be shorter than the others, so
    /// every batch has exactly `batch_size` examples.
    pub fn drop_last(mut self) -> Self {
        self.end = self.order.len() / self.batch_size * self.batch_size;
        self
    }

    /// The epoch's order: a permutation of `0..len`, batch `k` being the
    /// examples at `indices()[k * batch_size..]`. It covers the whole data
    /// set even after [`drop_last`](Self::drop_last).
    pub fn indices(&self) -> &[usize] {
        &self.order
    }
}

impl<T: Float> Iterator for Batches<'_, T> {
    type Item = Batch<T>;

    fn next(&mut self) -> Option<Batch<T>> {
        if self.next >= self.end {
            return None;
        }
        let stop = (self.next + self.batch_size).min(self.end);
        let batch = self.data.gather(&self.order[self.next..stop]);
        self.next = stop;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.saturating_sub(self.next).div_ceil(self.batch_size);
        (n, Some(n))
    }
}

impl<T: Float> ExactSizeIterator for Batches<'_, T> {}

impl<T: Float> FusedIterator for Batches<'_, T> {}
