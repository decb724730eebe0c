//! [`Tensor`]: an n-dimensional array, contiguous and row-major. No autodiff
//! here; the [`Tape`](crate::Tape) records operations on tensors.
#![forbid(unsafe_code)]

mod constructors;
mod display;

use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};

use crate::error::TensorError;
use crate::float::Float;
use crate::kernels::pages;
use crate::shape::{Shape, checked_numel, numel, shape_of};

/// An n-dimensional array of `T` (`f32` by default), stored contiguously in
/// row-major order.
///
/// ```
/// use tapegrad::Tensor;
/// let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]);
/// assert_eq!(t.shape(), &[2, 3]);
/// assert_eq!(t.get(&[1, 0]), 4.0);
/// assert!(Tensor::<f32>::new(vec![1.0, 2.0], [3]).is_err());
/// ```
#[derive(Clone, PartialEq)]
pub struct Tensor<T: Float = f32> {
    shape: Shape,
    data: Vec<T>,
}

impl<T: Float> Tensor<T> {
    /// Builds a tensor from row-major data, or explains why the data does not
    /// fit the shape.
    pub fn new(data: Vec<T>, shape: impl AsRef<[usize]>) -> Result<Self, TensorError> {
        let shape = shape_of(shape);
        let Some(len) = Self::len_of(&shape) else { return Err(TensorError::TooLarge { shape }) };
        if data.len() != len {
            return Err(TensorError::LengthMismatch { len: data.len(), shape });
        }
        Ok(Tensor { shape, data })
    }

    /// Builds a tensor from row-major data.
    ///
    /// # Panics
    /// If `data.len()` is not the number of elements of `shape`; use
    /// [`Tensor::new`] for a `Result` instead.
    #[track_caller]
    pub fn from_vec(data: Vec<T>, shape: impl AsRef<[usize]>) -> Self {
        match Self::new(data, shape) {
            Ok(t) => t,
            Err(e) => panic!("Tensor::from_vec: {e}"),
        }
    }

    /// A tensor of shape `shape` whose element at each row-major position `i`
    /// is `f(i)`.
    ///
    /// # Panics
    /// If the shape has more elements than fit in memory, or the memory
    /// cannot be had (the message names the shape and the bytes).
    #[track_caller]
    pub fn from_fn(shape: impl AsRef<[usize]>, f: impl FnMut(usize) -> T) -> Self {
        Self::generated("Tensor::from_fn", shape, f)
    }

    /// [`from_fn`](Self::from_fn), its panic naming the constructor called.
    #[track_caller]
    fn generated(what: &str, shape: impl AsRef<[usize]>, f: impl FnMut(usize) -> T) -> Self {
        let shape = shape_of(shape);
        let mut data = Self::allocate(what, &shape);
        data.extend((0..numel(&shape)).map(f));
        Tensor { shape, data }
    }

    /// The number of elements of `shape`, if that many `T`s fit in memory
    /// (at most `isize::MAX` bytes, as for any allocation).
    fn len_of(shape: &[usize]) -> Option<usize> {
        let len = checked_numel(shape)?;
        (len.checked_mul(std::mem::size_of::<T>())? <= isize::MAX as usize).then_some(len)
    }

    /// An empty buffer with room for the elements of `shape` (on huge pages
    /// if it is large).
    ///
    /// # Panics
    /// As [`reserve`](Self::reserve).
    #[track_caller]
    pub(crate) fn allocate(what: &str, shape: &[usize]) -> Vec<T> {
        match Self::len_of(shape).map(|len| (len, pages::try_with_capacity(len))) {
            Some((_, Ok(data))) => data,
            Some((len, Err(_))) => out_of_memory::<T>(what, shape, Some(len)),
            None => out_of_memory::<T>(what, shape, None),
        }
    }

    /// Makes room in the empty `buffer` for the elements of a tensor of
    /// `shape` (nothing to do when it has the capacity already, as a reused
    /// buffer does), so that a shape too large for memory is a panic naming
    /// it rather than the process aborting. `what` names the caller; it is
    /// only called to build the message.
    ///
    /// # Panics
    /// If the shape has more elements than fit in memory, or the allocator
    /// refuses the bytes: "`what`: cannot allocate 4000000000000 bytes for
    /// a float32 tensor of shape [1000000000000]".
    #[track_caller]
    #[inline]
    pub(crate) fn reserve(buffer: &mut Vec<T>, shape: &[usize], what: impl FnOnce() -> String) {
        // The steady state of a training step: a reused buffer that is large
        // enough (and so within `isize::MAX` bytes) costs a count and a compare.
        if checked_numel(shape).is_some_and(|len| len <= buffer.capacity()) {
            return;
        }
        match Self::len_of(shape) {
            Some(len) if buffer.try_reserve_exact(len).is_ok() => {}
            len => out_of_memory::<T>(&what(), shape, len),
        }
    }

    /// A scalar: a tensor of shape `[]` holding one value.
    pub fn scalar(value: T) -> Self {
        Tensor { shape: Shape::new(), data: vec![value] }
    }

    /// Every element equal to `value`.
    ///
    /// # Panics
    /// If the shape has more elements than fit in memory, or the memory
    /// cannot be had (the message names the shape and the bytes).
    #[track_caller]
    pub fn full(shape: impl AsRef<[usize]>, value: T) -> Self {
        Self::filled("Tensor::full", shape, value)
    }

    /// All zeros.
    ///
    /// # Panics
    /// If the shape has more elements than fit in memory, or the memory
    /// cannot be had: `Tensor::zeros([1_000_000_000_000])` panics with
    /// "cannot allocate 4000000000000 bytes for a float32 tensor of shape
    /// [1000000000000]" where the allocator refuses that much.
    #[track_caller]
    pub fn zeros(shape: impl AsRef<[usize]>) -> Self {
        Self::filled("Tensor::zeros", shape, T::ZERO)
    }

    /// All ones.
    ///
    /// # Panics
    /// As [`zeros`](Self::zeros).
    #[track_caller]
    pub fn ones(shape: impl AsRef<[usize]>) -> Self {
        Self::filled("Tensor::ones", shape, T::ONE)
    }

    /// [`full`](Self::full), its panic naming the constructor called.
    #[track_caller]
    fn filled(what: &str, shape: impl AsRef<[usize]>, value: T) -> Self {
        let shape = shape_of(shape);
        let mut data = Self::allocate(what, &shape);
        data.resize(numel(&shape), value);
        Tensor { shape, data }
    }

    /// Samples from the normal distribution `N(mean, std²)` with the caller's RNG.
    ///
    /// # Panics
    /// If `std` is negative or not finite, or as [`zeros`](Self::zeros).
    #[track_caller]
    pub fn normal<R: Rng + ?Sized>(shape: impl AsRef<[usize]>, mean: T, std: T, rng: &mut R) -> Self {
        Self::sampled_normal("Tensor::normal", shape, mean, std, rng)
    }

    /// [`normal`](Self::normal), its panics naming the constructor called.
    #[track_caller]
    fn sampled_normal<R: Rng + ?Sized>(what: &str, shape: impl AsRef<[usize]>, mean: T, std: T, rng: &mut R) -> Self {
        // rand_distr accepts a negative std (it samples mean + std * z), so check here.
        assert!(std >= T::ZERO && std.is_finite(), "{what}: std must be finite and >= 0, got {std}");
        let normal = match Normal::new(mean.to_f64(), std.to_f64()) {
            Ok(normal) => normal,
            Err(e) => panic!("{what}: invalid parameters mean {mean}, std {std}: {e}"),
        };
        Self::generated(what, shape, |_| T::from_f64(normal.sample(rng)))
    }

    /// Samples from the standard normal distribution `N(0, 1)`.
    ///
    /// # Panics
    /// As [`zeros`](Self::zeros).
    #[track_caller]
    pub fn randn<R: Rng + ?Sized>(shape: impl AsRef<[usize]>, rng: &mut R) -> Self {
        Self::sampled_normal("Tensor::randn", shape, T::ZERO, T::ONE, rng)
    }

    /// Samples uniformly from `[low, high)`.
    ///
    /// # Panics
    /// If `low >= high` or either bound is not finite, or as
    /// [`zeros`](Self::zeros).
    #[track_caller]
    pub fn uniform<R: Rng + ?Sized>(shape: impl AsRef<[usize]>, low: T, high: T, rng: &mut R) -> Self {
        let uniform = match Uniform::new(low.to_f64(), high.to_f64()) {
            Ok(uniform) => uniform,
            Err(e) => panic!("Tensor::uniform: invalid range [{low}, {high}): {e}"),
        };
        Self::generated("Tensor::uniform", shape, |_| T::from_f64(uniform.sample(rng)))
    }

    /// The extent of each axis, outermost first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// `true` if the tensor holds no elements (some extent is 0).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements in row-major order.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The elements in row-major order, mutably.
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// Takes the elements out, in row-major order.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// The value of a one-element tensor (of any shape: `[]`, `[1]`, `[1, 1]`...).
    ///
    /// # Panics
    /// If the tensor does not hold exactly one element.
    #[track_caller]
    pub fn item(&self) -> T {
        assert!(self.data.len() == 1, "item: tensor of shape {:?} has {} elements, not 1", self.shape, self.data.len());
        self.data[0]
    }

    /// The element at a multi-index.
    ///
    /// # Panics
    /// If the index has the wrong rank or is out of range.
    #[track_caller]
    pub fn get(&self, index: &[usize]) -> T {
        assert!(
            index.len() == self.shape.len() && index.iter().zip(&self.shape).all(|(i, n)| i < n),
            "get: index {index:?} is out of range for shape {:?}",
            self.shape
        );
        let offset = index.iter().zip(&self.shape).fold(0, |acc, (i, n)| acc * n + i);
        self.data[offset]
    }

    /// The same elements under a new shape with the same number of elements.
    ///
    /// # Panics
    /// If the element counts differ.
    #[track_caller]
    pub fn reshape(mut self, shape: impl AsRef<[usize]>) -> Self {
        let shape = shape_of(shape);
        assert!(numel(&shape) == self.data.len(), "reshape: cannot reshape {:?} into {shape:?}", self.shape);
        self.shape = shape;
        self
    }

    /// Applies `f` to every element.
    pub fn map(&self, f: impl Fn(T) -> T) -> Self {
        Tensor { shape: self.shape.clone(), data: self.data.iter().map(|&x| f(x)).collect() }
    }

    /// Converts every element to another float type.
    pub fn cast<U: Float>(&self) -> Tensor<U> {
        Tensor { shape: self.shape.clone(), data: self.data.iter().map(|x| U::from_f64(x.to_f64())).collect() }
    }

    /// Like `torch.allclose`: same shape, and `|a - b| <= atol + rtol * |b|`
    /// for every pair of elements. NaN is never close to anything.
    pub fn all_close(&self, other: &Self, rtol: T, atol: T) -> bool {
        self.shape == other.shape
            && self.data.iter().zip(&other.data).all(|(&a, &b)| (a - b).abs() <= atol + rtol * b.abs())
    }

    /// Norm `sqrt(sum(x²))` of all elements, accumulated in `f64`.
    pub fn norm(&self) -> T {
        T::from_f64(self.data.iter().map(|x| x.to_f64() * x.to_f64()).sum::<f64>().sqrt())
    }

    pub(crate) fn from_parts(shape: Shape, data: Vec<T>) -> Self {
        debug_assert_eq!(numel(&shape), data.len());
        Tensor { shape, data }
    }

    pub(crate) fn into_parts(self) -> (Shape, Vec<T>) {
        (self.shape, self.data)
    }

    /// Gives this tensor `shape`, keeping its elements if it has as many
    /// (stale values, for a caller that writes every one), else as zeros;
    /// returns whether it was zeroed.
    pub(crate) fn reshape_unzeroed(&mut self, shape: &[usize]) -> bool {
        if self.data.len() == numel(shape) {
            self.shape.clear();
            self.shape.extend_from_slice(shape);
            false
        } else {
            self.reset_zeros(shape);
            true
        }
    }

    /// Makes this tensor a zero tensor of `shape`, reusing its allocation.
    pub(crate) fn reset_zeros(&mut self, shape: &[usize]) {
        self.shape.clear();
        self.shape.extend_from_slice(shape);
        self.data.clear();
        self.data.resize(numel(shape), T::ZERO);
    }
}

/// The panic of a tensor that cannot be allocated: `len` elements of `T`
/// (`None`: more than can be counted or addressed).
#[cold]
#[track_caller]
fn out_of_memory<T: Float>(what: &str, shape: &[usize], len: Option<usize>) -> ! {
    match len {
        Some(len) => panic!(
            "{what}: cannot allocate {} bytes for a {} tensor of shape {shape:?}: out of memory",
            len * std::mem::size_of::<T>(),
            T::DTYPE
        ),
        None => panic!("{what}: shape {shape:?} has more elements than fit in memory"),
    }
}

impl<T: Float> From<T> for Tensor<T> {
    fn from(value: T) -> Self {
        Tensor::scalar(value)
    }
}
