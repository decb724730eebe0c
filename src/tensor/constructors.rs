//! Constructors that PyTorch users reach for: `arange`, `linspace`, `eye`,
//! `zeros_like`, `ones_like`; and `t[[i, j]]` indexing of one element.

use std::ops::{Index, IndexMut};

use super::Tensor;
use crate::float::Float;

impl<T: Float> Tensor<T> {
    /// `start, start + step, ...` up to but excluding `end`, as a 1-D tensor
    /// of `ceil((end - start) / step)` elements: PyTorch's `arange(start,
    /// end, step)` (for `arange(n)` write `Tensor::arange(0.0, n as f32, 1.0)`).
    /// Element `i` is `start + i * step`, computed in `f64`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::arange(0.0, 5.0, 1.0).data(), &[0.0f32, 1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(Tensor::arange(1.0, 0.0, -0.25).data(), &[1.0f64, 0.75, 0.5, 0.25]);
    /// ```
    ///
    /// # Panics
    /// If `step` is 0, a bound is not finite, or `step` points away from `end`.
    #[track_caller]
    pub fn arange(start: T, end: T, step: T) -> Self {
        let (s, e, d) = (start.to_f64(), end.to_f64(), step.to_f64());
        assert!(s.is_finite() && e.is_finite(), "arange: bounds {start} and {end} must be finite");
        assert!(d != 0.0 && d.is_finite(), "arange: step {step} must be finite and nonzero");
        assert!((e - s) * d >= 0.0, "arange: step {step} points away from {end} (start {start})");
        let n = ((e - s) / d).ceil() as usize;
        Tensor::from_fn([n], |i| T::from_f64(s + i as f64 * d))
    }

    /// `steps` evenly spaced values from `start` to `end`, both included:
    /// PyTorch's `linspace` (one step gives `[start]`). Computed in `f64`
    /// from both ends, so the last value is `end` exactly.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::linspace(0.0, 1.0, 5).data(), &[0.0f32, 0.25, 0.5, 0.75, 1.0]);
    /// ```
    pub fn linspace(start: T, end: T, steps: usize) -> Self {
        let (s, e) = (start.to_f64(), end.to_f64());
        let step = if steps > 1 { (e - s) / (steps - 1) as f64 } else { 0.0 };
        // As PyTorch: the first half counted from `start`, the second from `end`.
        let half = steps / 2;
        Tensor::from_fn([steps], |i| {
            T::from_f64(if i < half || steps == 1 { s + step * i as f64 } else { e - step * (steps - 1 - i) as f64 })
        })
    }

    /// The `n x n` identity matrix: PyTorch's `eye(n)`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::eye(2).data(), &[1.0, 0.0, 0.0, 1.0]);
    /// ```
    pub fn eye(n: usize) -> Self {
        Tensor::from_fn([n, n], |i| if i / n == i % n { T::ONE } else { T::ZERO })
    }

    /// Zeros of this tensor's shape: PyTorch's `zeros_like`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3, 1]);
    /// assert_eq!(x.zeros_like(), Tensor::zeros([3, 1]));
    /// assert_eq!(x.ones_like(), Tensor::ones([3, 1]));
    /// ```
    pub fn zeros_like(&self) -> Self {
        Tensor::zeros(self.shape())
    }

    /// Ones of this tensor's shape: PyTorch's `ones_like`.
    pub fn ones_like(&self) -> Self {
        Tensor::ones(self.shape())
    }

    /// The row-major offset of a multi-index.
    ///
    /// # Panics
    /// If the index has the wrong rank or is out of range, naming both.
    #[track_caller]
    fn offset(&self, index: &[usize]) -> usize {
        let shape = self.shape();
        assert!(
            index.len() == shape.len() && index.iter().zip(shape).all(|(i, n)| i < n),
            "index {index:?} is out of range for shape {shape:?}"
        );
        index.iter().zip(shape).fold(0, |acc, (i, n)| acc * n + i)
    }
}

/// `t[[i, j]]`: the element at a multi-index, as PyTorch's `t[i, j]`.
///
/// ```
/// use tapegrad::Tensor;
/// let mut t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]);
/// assert_eq!(t[[1, 0]], 4.0);
/// t[[0, 2]] = -1.0;
/// assert_eq!(t.data(), &[1.0, 2.0, -1.0, 4.0, 5.0, 6.0]);
/// ```
///
/// # Panics
/// If the index has the wrong rank or is out of range, e.g.
/// `index [2, 0] is out of range for shape [2, 3]`.
impl<T: Float, const N: usize> Index<[usize; N]> for Tensor<T> {
    type Output = T;

    #[track_caller]
    fn index(&self, index: [usize; N]) -> &T {
        &self.data()[self.offset(&index)]
    }
}

impl<T: Float, const N: usize> IndexMut<[usize; N]> for Tensor<T> {
    #[track_caller]
    fn index_mut(&mut self, index: [usize; N]) -> &mut T {
        let offset = self.offset(&index);
        &mut self.data_mut()[offset]
    }
}
