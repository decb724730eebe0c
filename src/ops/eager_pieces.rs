//! The methods of [`Tensor`] that cut, join and index: `index_select`,
//! `gather`, `cat`, `stack`, `narrow`, `slice`, `split`, `split_sizes`,
//! `chunk`; each runs the op's kernel as a recorded op would
//! (`ops/index.rs`, `ops/slicing.rs`).

use std::borrow::Borrow;
use std::ops::Range;

use super::eager::eager;
use super::{Cat, Op, Slice};
use crate::float::Float;
use crate::shape::resolve_axis;
use crate::tensor::Tensor;

impl<T: Float> Tensor<T> {
    /// The slices along `axis` at `indices` (0-D or 1-D, whole numbers), in
    /// their order: PyTorch's `index_select`. Indices are tensors of the
    /// element type, like class labels (see [`Var::index_select`](crate::Var::index_select)).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let table = Tensor::from_vec(vec![0.0, 0.1, 1.0, 1.1, 2.0, 2.1], [3, 2]);
    /// let rows = table.index_select(0, &Tensor::from_vec(vec![2.0, 0.0, 2.0], [3]));
    /// assert_eq!(rows.data(), &[2.0, 2.1, 0.0, 0.1, 2.0, 2.1]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range, the indices have more than one axis, or
    /// an index is not a whole number in `[0, extent)`, e.g.
    /// `index_select: index 3 at position [1] is out of bounds for axis 0 with extent 3`.
    #[track_caller]
    pub fn index_select(&self, axis: isize, indices: &Tensor<T>) -> Tensor<T> {
        eager(Op::index_select(self.shape(), axis), &[self, indices])
    }

    /// `out[p] = self[p with p[axis] = indices[p]]`, shaped like `indices`
    /// (whole numbers, the same rank as `self`, no larger extent on the
    /// other axes): PyTorch's `gather`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]);
    /// let picked = x.gather(1, &Tensor::from_vec(vec![2.0, 0.0], [2, 1]));
    /// assert_eq!(picked.data(), &[3.0, 4.0]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not fit or an index is out of bounds, e.g.
    /// `gather: index 3 at position [1, 0] is out of bounds for axis 1 with extent 3`.
    #[track_caller]
    pub fn gather(&self, axis: isize, indices: &Tensor<T>) -> Tensor<T> {
        eager(Op::gather(self.shape(), axis), &[self, indices])
    }

    /// The pieces joined along `axis`: PyTorch's `cat`. They must have one
    /// rank and differ in extent only along `axis`. Takes owned or borrowed
    /// tensors (`&[a, b]` or `&[&a, &b]`).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0], [1, 2]);
    /// let b = Tensor::from_vec(vec![3.0, 4.0, 5.0, 6.0], [2, 2]);
    /// assert_eq!(Tensor::cat(&[&a, &b], 0).shape(), &[3, 2]);
    /// assert_eq!(Tensor::cat(&[&a, &a], 1).data(), &[1.0, 2.0, 1.0, 2.0]);
    /// ```
    ///
    /// # Panics
    /// If there are no pieces, the axis is out of range, or the shapes do not
    /// fit, e.g. `cat: piece 1 has shape [2, 3] and piece 0 [1, 2]; they may differ only along axis 0`.
    #[track_caller]
    pub fn cat(pieces: &[impl Borrow<Tensor<T>>], axis: isize) -> Tensor<T> {
        join(pieces, axis, false)
    }

    /// The pieces, all of one shape, stacked along a new axis inserted at
    /// `axis`: PyTorch's `stack`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0], [2]);
    /// let b = Tensor::from_vec(vec![3.0, 4.0], [2]);
    /// assert_eq!(Tensor::stack(&[&a, &b], 0).data(), &[1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(Tensor::stack(&[&a, &b], 1).data(), &[1.0, 3.0, 2.0, 4.0]);
    /// ```
    ///
    /// # Panics
    /// If there are no pieces, the axis is out of range, or the shapes differ.
    #[track_caller]
    pub fn stack(pieces: &[impl Borrow<Tensor<T>>], axis: isize) -> Tensor<T> {
        join(pieces, axis, true)
    }

    /// `len` entries of `axis` from `start`, the other axes whole (PyTorch's
    /// `narrow`), as a copy.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_fn([2, 4], |i| i as f32);
    /// assert_eq!(x.narrow(1, 1, 2).data(), &[1.0, 2.0, 5.0, 6.0]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or `start + len` exceeds its extent.
    #[track_caller]
    pub fn narrow(&self, axis: isize, start: usize, len: usize) -> Tensor<T> {
        let axis = resolve_axis("narrow", axis, self.shape());
        eager(Op::Slice(Slice::narrow("narrow", self.shape(), axis, start, len)), &[self])
    }

    /// The block `ranges[d]` of each leading axis `d`, the following axes
    /// whole, as a copy: `x.slice(&[0..2, 1..3])` is PyTorch's `x[0:2, 1:3]`.
    /// (Ranges are `start..end` with `end` past the last entry; a range per
    /// axis up to the last one sliced. For one axis, [`narrow`](Self::narrow)
    /// says it without a one-range array, which clippy's
    /// `single_range_in_vec_init` questions.)
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_fn([3, 4], |i| i as f32);
    /// assert_eq!(x.slice(&[1..3, 2..4]).data(), &[6.0, 7.0, 10.0, 11.0]);
    /// assert_eq!(x.slice(&[2..3]).data(), &[8.0, 9.0, 10.0, 11.0]);
    /// ```
    ///
    /// # Panics
    /// If there are more ranges than axes, or a range is reversed or out of
    /// bounds, e.g. `slice: range 1..5 is out of bounds for axis 1 with extent 4 (shape [3, 4])`.
    #[track_caller]
    pub fn slice(&self, ranges: &[Range<usize>]) -> Tensor<T> {
        eager(Op::Slice(Slice::ranges(self.shape(), ranges)), &[self])
    }

    /// Pieces of `size` entries along `axis`, the last one shorter if `size`
    /// does not divide the extent: PyTorch's `split` with an integer.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let pieces = Tensor::from_fn([5], |i| i as f32).split(2, 0);
    /// let lens: Vec<usize> = pieces.iter().map(|p| p.len()).collect();
    /// assert_eq!(lens, [2, 2, 1]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range, or `size` is 0 along a non-empty axis.
    #[track_caller]
    pub fn split(&self, size: usize, axis: isize) -> Vec<Tensor<T>> {
        let axis = resolve_axis("split", axis, self.shape());
        Slice::split("split", self.shape(), axis, size).into_iter().map(|s| eager(Op::Slice(s), &[self])).collect()
    }

    /// Pieces of the given sizes along `axis`: PyTorch's `split` with a list.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let pieces = Tensor::from_fn([2, 5], |i| i as f32).split_sizes(&[1, 4], 1);
    /// assert_eq!(pieces[0].data(), &[0.0, 5.0]);
    /// assert_eq!(pieces[1].shape(), &[2, 4]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or the sizes do not add up to its extent.
    #[track_caller]
    pub fn split_sizes(&self, sizes: &[usize], axis: isize) -> Vec<Tensor<T>> {
        let axis = resolve_axis("split_sizes", axis, self.shape());
        Slice::split_sizes(self.shape(), axis, sizes).into_iter().map(|s| eager(Op::Slice(s), &[self])).collect()
    }

    /// At most `chunks` pieces along `axis`, each `ceil(extent / chunks)`
    /// long but the last: PyTorch's `chunk` (which can give fewer pieces).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f32>::zeros([6]).chunk(4, 0).len(), 3); // 2 + 2 + 2
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or `chunks` is 0.
    #[track_caller]
    pub fn chunk(&self, chunks: usize, axis: isize) -> Vec<Tensor<T>> {
        let axis = resolve_axis("chunk", axis, self.shape());
        Slice::chunk(self.shape(), axis, chunks).into_iter().map(|s| eager(Op::Slice(s), &[self])).collect()
    }
}

/// `cat` or `stack` of plain tensors.
#[track_caller]
fn join<T: Float>(pieces: &[impl Borrow<Tensor<T>>], axis: isize, stack: bool) -> Tensor<T> {
    let pieces: Vec<&Tensor<T>> = pieces.iter().map(Borrow::borrow).collect();
    let cat = Cat::along(pieces.first().map(|p| p.shape()), axis, stack);
    eager(Op::Cat(cat), &pieces)
}
