//! The methods of [`Var`] that cut, join and index: `index_select`,
//! `gather`, `cat`, `stack`, `narrow`, `slice`, `split`, `split_sizes`,
//! `chunk` (the kernels are in `ops/index.rs` and `ops/slicing.rs`).

use std::ops::Range;

use super::Var;
use crate::float::Float;
use crate::ops::{Cat, Op, Slice};
use crate::shape::resolve_axis;

impl<'t, T: Float> Var<'t, T> {
    /// The slices along `axis` at `indices`, in their order: PyTorch's
    /// `index_select`, and the lookup of an embedding table
    /// (`table.index_select(0, tokens)`). The indices are a 0-D or 1-D
    /// value of whole numbers, usually a constant; they get no gradient.
    /// The gradient adds each slice of the output's gradient back at its
    /// index (an index picked twice receives both).
    ///
    /// Indices are values of the element type, as class labels are in this
    /// crate (ARCHITECTURE.md, "Indices"): they reach the tape as ordinary
    /// constants, and [`argmax`](Var::argmax) gives them in that form.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let table = tape.var(Tensor::from_vec(vec![0.0, 0.1, 1.0, 1.1, 2.0, 2.1], [3, 2]));
    /// let tokens = tape.constant(Tensor::from_vec(vec![2.0, 0.0, 2.0], [3]));
    /// let rows = table.index_select(0, tokens);
    /// assert_eq!(rows.value().data(), &[2.0, 2.1, 0.0, 0.1, 2.0, 2.1]);
    /// let grads = rows.sum().backward();
    /// assert_eq!(grads.wrt(table).data(), &[1.0, 1.0, 0.0, 0.0, 2.0, 2.0]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range, the indices have more than one axis, or
    /// an index is not a whole number in `[0, extent)`, e.g.
    /// `index_select: index 3 at position [1] is out of bounds for axis 0 with extent 3`.
    #[track_caller]
    pub fn index_select(self, axis: isize, indices: Var<'t, T>) -> Self {
        self.apply(Op::index_select(&self.shape(), axis), &[indices])
    }

    /// `out[p] = self[p with p[axis] = indices[p]]`, shaped like `indices`:
    /// PyTorch's `gather`. The indices (whole numbers, usually a constant)
    /// have the rank of `self` and no larger extent on the other axes; they
    /// get no gradient. Picking each row's value at its label:
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let log_probs = tape.var(Tensor::from_vec(vec![-0.1, -2.0, -3.0, -1.5, -0.5, -2.5], [2, 3]));
    /// let labels = tape.constant(Tensor::from_vec(vec![0.0, 1.0], [2, 1]));
    /// let picked = log_probs.gather(1, labels);
    /// assert_eq!(picked.value().data(), &[-0.1, -0.5]);
    /// let grads = picked.sum().backward();
    /// assert_eq!(grads.wrt(log_probs).data(), &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not fit or an index is out of bounds, e.g.
    /// `gather: index 3 at position [1, 0] is out of bounds for axis 1 with extent 3`.
    #[track_caller]
    pub fn gather(self, axis: isize, indices: Var<'t, T>) -> Self {
        self.apply(Op::gather(&self.shape(), axis), &[indices])
    }

    /// The pieces joined along `axis` (PyTorch's `cat`), one node with a
    /// piece per input. They must have one rank and differ in extent only
    /// along `axis`; each receives the slice of the gradient it was copied to.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor, Var};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var(Tensor::from_vec(vec![1.0, 2.0], [1, 2]));
    /// let b = tape.var(Tensor::from_vec(vec![3.0, 4.0, 5.0, 6.0], [2, 2]));
    /// let ab = Var::cat(&[a, b], 0);
    /// assert_eq!(ab.shape().as_slice(), &[3, 2]);
    /// let grads = (ab * ab).sum().backward();
    /// assert_eq!(grads.wrt(a).data(), &[2.0, 4.0]);
    /// ```
    ///
    /// # Panics
    /// If there are no pieces, the axis is out of range, or the shapes do not
    /// fit, e.g. `cat: piece 1 has shape [2, 3] and piece 0 [1, 2]; they may differ only along axis 0`.
    #[track_caller]
    pub fn cat(pieces: &[Var<'t, T>], axis: isize) -> Self {
        Self::join(pieces, axis, false)
    }

    /// The pieces, all of one shape, stacked along a new axis inserted at
    /// `axis` (PyTorch's `stack`), one node.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor, Var};
    /// let tape = Tape::<f64>::new();
    /// let rows: Vec<Var<f64>> = (0..3).map(|i| tape.var(Tensor::full([2], i as f64))).collect();
    /// assert_eq!(Var::stack(&rows, 0).shape().as_slice(), &[3, 2]);
    /// assert_eq!(Var::stack(&rows, 1).value().data(), &[0.0, 1.0, 2.0, 0.0, 1.0, 2.0]);
    /// ```
    ///
    /// # Panics
    /// If there are no pieces, the axis is out of range, or the shapes differ.
    #[track_caller]
    pub fn stack(pieces: &[Var<'t, T>], axis: isize) -> Self {
        Self::join(pieces, axis, true)
    }

    #[track_caller]
    fn join(pieces: &[Var<'t, T>], axis: isize, stack: bool) -> Self {
        let cat = Cat::along(pieces.first().map(|p| p.shape()).as_deref(), axis, stack);
        pieces[0].apply(Op::Cat(cat), &pieces[1..])
    }

    /// `len` entries of `axis` from `start`, the other axes whole (PyTorch's
    /// `narrow`), as a copy; its gradient is zero outside the block.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_fn([2, 4], |i| i as f64));
    /// let middle = x.narrow(-1, 1, 2);
    /// assert_eq!(middle.value().data(), &[1.0, 2.0, 5.0, 6.0]);
    /// assert_eq!(middle.sum().backward().wrt(x).data(), &[0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or `start + len` exceeds its extent, e.g.
    /// `narrow: start 3 + length 2 exceeds the extent 4 of axis 1 (shape [2, 4])`.
    #[track_caller]
    pub fn narrow(self, axis: isize, start: usize, len: usize) -> Self {
        let shape = self.shape();
        let axis = resolve_axis("narrow", axis, &shape);
        self.apply(Op::Slice(Slice::narrow("narrow", &shape, axis, start, len)), &[])
    }

    /// The block `ranges[d]` of each leading axis `d`, the following axes
    /// whole: `x.slice(&[0..2, 1..3])` is PyTorch's `x[0:2, 1:3]` (ranges
    /// `start..end`, `end` past the last entry; for one axis,
    /// [`narrow`](Var::narrow)). One node; its gradient is zero outside the
    /// block.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_fn([3, 4], |i| i as f64));
    /// assert_eq!(x.slice(&[1..3, 2..4]).value().data(), &[6.0, 7.0, 10.0, 11.0]);
    /// ```
    ///
    /// # Panics
    /// If there are more ranges than axes, or a range is reversed or out of
    /// bounds, e.g. `slice: range 1..5 is out of bounds for axis 1 with extent 4 (shape [3, 4])`.
    #[track_caller]
    pub fn slice(self, ranges: &[Range<usize>]) -> Self {
        self.apply(Op::Slice(Slice::ranges(&self.shape(), ranges)), &[])
    }

    /// Pieces of `size` entries along `axis`, the last one shorter if `size`
    /// does not divide the extent (PyTorch's `split` with an integer): one
    /// slice node each.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_fn([5, 2], |i| i as f64));
    /// let lens: Vec<usize> = x.split(2, 0).iter().map(|p| p.shape()[0]).collect();
    /// assert_eq!(lens, [2, 2, 1]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range, or `size` is 0 along a non-empty axis.
    #[track_caller]
    pub fn split(self, size: usize, axis: isize) -> Vec<Self> {
        let shape = self.shape();
        let axis = resolve_axis("split", axis, &shape);
        Slice::split("split", &shape, axis, size).into_iter().map(|s| self.apply(Op::Slice(s), &[])).collect()
    }

    /// Pieces of the given sizes along `axis` (PyTorch's `split` with a list).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_fn([6, 2], |i| i as f64));
    /// let [a, b] = x.split_sizes(&[2, 4], 0)[..] else { unreachable!() };
    /// assert_eq!((a.shape().as_slice(), b.shape().as_slice()), (&[2, 2][..], &[4, 2][..]));
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or the sizes do not add up to its extent.
    #[track_caller]
    pub fn split_sizes(self, sizes: &[usize], axis: isize) -> Vec<Self> {
        let shape = self.shape();
        let axis = resolve_axis("split_sizes", axis, &shape);
        Slice::split_sizes(&shape, axis, sizes).into_iter().map(|s| self.apply(Op::Slice(s), &[])).collect()
    }

    /// At most `chunks` pieces along `axis`, each `ceil(extent / chunks)`
    /// long but the last (PyTorch's `chunk`, which can give fewer pieces).
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let qkv = tape.var(Tensor::zeros([4, 6]));
    /// let [q, k, v] = qkv.chunk(3, -1)[..] else { unreachable!() };
    /// assert_eq!((q.shape()[1], k.shape()[1], v.shape()[1]), (2, 2, 2));
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or `chunks` is 0.
    #[track_caller]
    pub fn chunk(self, chunks: usize, axis: isize) -> Vec<Self> {
        let shape = self.shape();
        let axis = resolve_axis("chunk", axis, &shape);
        Slice::chunk(&shape, axis, chunks).into_iter().map(|s| self.apply(Op::Slice(s), &[])).collect()
    }
}
