//! Ops that cut a block out of a tensor or join pieces: `slice` (a range
//! per axis; `narrow`, `split` and `chunk` are slices), its adjoint `pad`
//! (the block put back into zeros), and `cat` / `stack`. A slice's gradient
//! is a pad and a pad's a slice; a piece's share of a `cat`'s gradient is
//! the slice it was copied to.

use super::loops::add_assign;
use super::{Graph, Kernel, Op};
use crate::float::Float;
use crate::shape::{Shape, contiguous_strides, for_each_row, numel};
use crate::tensor::Tensor;

/// Where a block sits in a larger tensor: the start along each axis.
pub(crate) type Starts = Shape;

/// Calls `f(big, small, n)` for every innermost row of a block of shape
/// `small` placed at `starts` in a tensor of shape `big`: the row's offsets
/// in both and its length.
fn for_each_block_row(small: &[usize], big: &[usize], starts: &[usize], mut f: impl FnMut(usize, usize, usize)) {
    let big_strides = contiguous_strides(big);
    let small_strides = contiguous_strides(small);
    let offset: usize = starts.iter().zip(&big_strides).map(|(s, d)| s * d).sum();
    let n = small.last().copied().unwrap_or(1);
    for_each_row(small, [&big_strides, &small_strides], |[b, s]| f(offset + b, s, n));
}

/// The block `starts .. starts + shape` of the input (every axis, resolved
/// and in bounds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Slice {
    pub starts: Starts,
    pub shape: Shape,
}

impl<T: Float> Kernel<T> for Slice {
    fn name(&self) -> String {
        let ranges: Vec<String> = self.starts.iter().zip(&self.shape).map(|(s, n)| format!("{s}..{}", s + n)).collect();
        format!("slice({})", ranges.join(", "))
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let x = inputs[0];
        let fits =
            x.len() == self.shape.len() && self.starts.iter().zip(&self.shape).zip(x).all(|((s, n), x)| s + n <= *x);
        assert!(fits, "slice: the block {} does not fit shape {x:?}", Kernel::<T>::name(self));
        self.shape.clone()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        for_each_block_row(&self.shape, inputs[0].shape(), &self.starts, |big, _, n| {
            out.extend_from_slice(&x[big..big + n])
        });
    }

    /// Adds `g` into the block it was cut from.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        for_each_block_row(&self.shape, inputs[0].shape(), &self.starts, |big, small, n| {
            add_assign(&mut target[big..big + n], &g[small..small + n])
        });
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        Some(g.apply(Op::Pad(Pad { starts: self.starts.clone(), shape: inputs[0].shape() }), &[]))
    }
}

/// The adjoint of [`Slice`]: zeros of `shape` with the input placed at
/// `starts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pad {
    pub starts: Starts,
    pub shape: Shape,
}

impl<T: Float> Kernel<T> for Pad {
    fn name(&self) -> String {
        format!("pad(at {:?} in {:?})", self.starts.as_slice(), self.shape.as_slice())
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let x = inputs[0];
        let fits = x.len() == self.shape.len()
            && self.starts.iter().zip(x).zip(&self.shape).all(|((s, n), big)| s + n <= *big);
        assert!(fits, "pad: {x:?} at {:?} does not fit {:?}", self.starts.as_slice(), self.shape.as_slice());
        self.shape.clone()
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let x = inputs[0].data();
        out.resize(numel(&self.shape), T::ZERO);
        for_each_block_row(inputs[0].shape(), &self.shape, &self.starts, |big, small, n| {
            out[big..big + n].copy_from_slice(&x[small..small + n])
        });
    }

    /// The input receives the gradient of its block.
    fn backward(&self, _: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        for_each_block_row(inputs[0].shape(), &self.shape, &self.starts, |big, small, n| {
            add_assign(&mut target[small..small + n], &g[big..big + n])
        });
    }

    fn backward_graph<G: Graph<T>>(&self, _: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        Some(g.apply(Op::Slice(Slice { starts: self.starts.clone(), shape: inputs[0].shape() }), &[]))
    }
}

/// Pieces joined along `axis` (PyTorch's `cat`), or with `stack` along a
/// new axis inserted at `axis` (PyTorch's `stack`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cat {
    pub axis: usize,
    pub stack: bool,
}

impl Cat {
    fn op_name(self) -> &'static str {
        if self.stack { "stack" } else { "cat" }
    }

    /// How many rows of `inner` elements piece `shape` gives per block of
    /// the output: its extent along the axis, or 1 when stacking.
    fn rows(self, shape: &[usize]) -> usize {
        if self.stack { 1 } else { shape[self.axis] }
    }

    /// `(outer, inner)`: the blocks before the axis, and the elements of one
    /// row after it, for pieces of shape `shape`.
    fn lanes(self, shape: &[usize]) -> (usize, usize) {
        let after = if self.stack { self.axis } else { self.axis + 1 };
        (numel(&shape[..self.axis]), numel(&shape[after..]))
    }
}

impl<T: Float> Kernel<T> for Cat {
    fn name(&self) -> String {
        format!("{}(axis={})", self.op_name(), self.axis)
    }

    /// # Panics
    /// If the pieces differ in rank, or in extent on another axis than
    /// `axis` (for `stack`, in shape at all).
    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (name, first) = (self.op_name(), inputs[0]);
        for (k, shape) in inputs.iter().enumerate().skip(1) {
            let fits = if self.stack {
                *shape == first
            } else {
                shape.len() == first.len()
                    && shape.iter().zip(first).enumerate().all(|(d, (a, b))| d == self.axis || a == b)
            };
            assert!(
                fits,
                "{name}: piece {k} has shape {shape:?} and piece 0 {first:?}; {}",
                if self.stack {
                    "stacked pieces must have one shape".to_string()
                } else {
                    format!("they may differ only along axis {}", self.axis)
                }
            );
        }
        let mut shape = Shape::from_slice(first);
        if self.stack {
            shape.insert(self.axis, inputs.len());
        } else {
            shape[self.axis] = inputs.iter().map(|s| s[self.axis]).sum();
        }
        shape
    }

    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let (outer, inner) = self.lanes(inputs[0].shape());
        for o in 0..outer {
            for x in inputs {
                let block = self.rows(x.shape()) * inner;
                out.extend_from_slice(&x.data()[o * block..][..block]);
            }
        }
    }

    /// Piece `input` receives the gradient of the rows it was copied to.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], _: &Tensor<T>, g: &[T], target: &mut [T]) {
        let (outer, inner) = self.lanes(inputs[0].shape());
        let before: usize = inputs[..input].iter().map(|x| self.rows(x.shape())).sum();
        let total: usize = inputs.iter().map(|x| self.rows(x.shape())).sum();
        let block = self.rows(inputs[input].shape()) * inner;
        for o in 0..outer {
            add_assign(&mut target[o * block..][..block], &g[(o * total + before) * inner..][..block]);
        }
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], out: G, g: G) -> Option<G> {
        let shapes: Vec<Shape> = inputs.iter().map(|x| x.shape()).collect();
        let before: usize = shapes[..input].iter().map(|s| self.rows(s)).sum();
        let mut starts = Starts::from_elem(0, out.shape().len());
        starts[self.axis] = before;
        let mut shape = out.shape();
        shape[self.axis] = self.rows(&shapes[input]);
        Some(g.apply(Op::Slice(Slice { starts, shape }), &[]).reshape(&shapes[input]))
    }
}

impl Slice {
    /// The block `ranges[d]` of each leading axis `d` of `shape`, the
    /// following axes whole.
    ///
    /// # Panics
    /// If there are more ranges than axes, or a range is reversed or out of
    /// bounds, naming it, its axis and the shape.
    #[track_caller]
    pub(crate) fn ranges(shape: &[usize], ranges: &[std::ops::Range<usize>]) -> Self {
        assert!(
            ranges.len() <= shape.len(),
            "slice: {} ranges for shape {shape:?} of {} axes",
            ranges.len(),
            shape.len()
        );
        let (mut starts, mut lens) = (Starts::from_elem(0, shape.len()), Shape::from_slice(shape));
        for (axis, range) in ranges.iter().enumerate() {
            assert!(range.start <= range.end, "slice: range {range:?} of axis {axis} ends before it starts");
            assert!(
                range.end <= shape[axis],
                "slice: range {range:?} is out of bounds for axis {axis} with extent {} (shape {shape:?})",
                shape[axis]
            );
            (starts[axis], lens[axis]) = (range.start, range.end - range.start);
        }
        Slice { starts, shape: lens }
    }

    /// `len` entries of `axis` (resolved) from `start`, the other axes whole.
    ///
    /// # Panics
    /// If `start + len` exceeds the axis's extent.
    #[track_caller]
    pub(crate) fn narrow(op: &str, shape: &[usize], axis: usize, start: usize, len: usize) -> Self {
        assert!(
            start.checked_add(len).is_some_and(|end| end <= shape[axis]),
            "{op}: start {start} + length {len} exceeds the extent {} of axis {axis} (shape {shape:?})",
            shape[axis]
        );
        let (mut starts, mut lens) = (Starts::from_elem(0, shape.len()), Shape::from_slice(shape));
        (starts[axis], lens[axis]) = (start, len);
        Slice { starts, shape: lens }
    }

    /// The pieces of `split(size)` along `axis` (resolved): PyTorch's, every
    /// piece `size` long but the last, which may be shorter.
    ///
    /// # Panics
    /// If `size` is 0 along a non-empty axis.
    #[track_caller]
    pub(crate) fn split(op: &str, shape: &[usize], axis: usize, size: usize) -> Vec<Self> {
        let extent = shape[axis];
        assert!(size > 0 || extent == 0, "{op}: pieces of size 0 cannot split axis {axis} of shape {shape:?}");
        if extent == 0 {
            return vec![Slice::narrow(op, shape, axis, 0, 0)];
        }
        (0..extent).step_by(size).map(|start| Slice::narrow(op, shape, axis, start, size.min(extent - start))).collect()
    }

    /// The pieces of `split_sizes(sizes)` along `axis` (resolved).
    ///
    /// # Panics
    /// If the sizes do not add up to the axis's extent.
    #[track_caller]
    pub(crate) fn split_sizes(shape: &[usize], axis: usize, sizes: &[usize]) -> Vec<Self> {
        let total: usize = sizes.iter().sum();
        assert!(
            total == shape[axis],
            "split_sizes: sizes {sizes:?} add up to {total}, not the extent {} of axis {axis} (shape {shape:?})",
            shape[axis]
        );
        let mut start = 0;
        sizes
            .iter()
            .map(|&len| {
                start += len;
                Slice::narrow("split_sizes", shape, axis, start - len, len)
            })
            .collect()
    }

    /// The pieces of `chunk(chunks)` along `axis` (resolved): PyTorch's,
    /// pieces of `ceil(extent / chunks)`, so there may be fewer than `chunks`.
    ///
    /// # Panics
    /// If `chunks` is 0.
    #[track_caller]
    pub(crate) fn chunk(shape: &[usize], axis: usize, chunks: usize) -> Vec<Self> {
        assert!(chunks > 0, "chunk: cannot cut axis {axis} of shape {shape:?} into 0 chunks");
        Slice::split("chunk", shape, axis, shape[axis].div_ceil(chunks))
    }
}

impl Cat {
    /// `cat` (or `stack`) of pieces whose first has shape `first`, along
    /// `axis` (negative counts from the end of the output's axes).
    ///
    /// # Panics
    /// If there are no pieces or the axis is out of range.
    #[track_caller]
    pub(crate) fn along(first: Option<&[usize]>, axis: isize, stack: bool) -> Self {
        let name = if stack { "stack" } else { "cat" };
        let Some(first) = first else { panic!("{name}: needs at least one piece") };
        let rank = first.len() + usize::from(stack);
        let resolved = if axis < 0 { axis + rank as isize } else { axis };
        assert!(
            (0..rank as isize).contains(&resolved),
            "{name}: axis {axis} is out of range for pieces of shape {first:?}"
        );
        Cat { axis: resolved as usize, stack }
    }
}
