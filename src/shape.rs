//! Shapes, strides and NumPy broadcasting.
#![forbid(unsafe_code)]

use smallvec::SmallVec;

/// A tensor's shape: one extent per axis, outermost first. Up to four axes are
/// stored inline, so building a shape does not allocate.
pub type Shape = SmallVec<[usize; 4]>;

/// Builds a [`Shape`] from anything that looks like a list of extents.
pub(crate) fn shape_of(dims: impl AsRef<[usize]>) -> Shape {
    Shape::from_slice(dims.as_ref())
}

/// Number of elements of a tensor of this shape (1 for a scalar, shape `[]`).
///
/// # Panics
/// If the count does not fit in a `usize` (a shape like `[2^63 + 1, 2]`,
/// whose product would otherwise wrap around to a small number).
#[inline]
#[track_caller]
pub(crate) fn numel(shape: &[usize]) -> usize {
    match checked_numel(shape) {
        Some(n) => n,
        None => panic!("shape {shape:?}: the number of elements overflows usize"),
    }
}

/// Number of elements, or `None` if it does not fit in a `usize`.
#[inline]
pub(crate) fn checked_numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

/// Row-major strides, in elements, of a contiguous tensor of this shape.
pub(crate) fn contiguous_strides(shape: &[usize]) -> Shape {
    let mut strides: Shape = SmallVec::from_elem(0, shape.len());
    let mut stride = 1;
    for (s, &extent) in strides.iter_mut().zip(shape).rev() {
        *s = stride;
        stride *= extent;
    }
    strides
}

/// The shape two operands broadcast to, by NumPy's rule: align the shapes on
/// the right; each pair of extents must be equal or one of them 1.
///
/// Returns `None` if the shapes do not broadcast.
pub(crate) fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Shape> {
    let ndim = a.len().max(b.len());
    let mut out: Shape = SmallVec::from_elem(0, ndim);
    for i in 0..ndim {
        let da = if i < ndim - a.len() { 1 } else { a[i - (ndim - a.len())] };
        let db = if i < ndim - b.len() { 1 } else { b[i - (ndim - b.len())] };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// The strides with which an operand of shape `operand`, broadcast to `out`,
/// is read: the operand's own row-major strides, left-padded to `out`'s rank,
/// with 0 along every axis where the operand is broadcast.
pub(crate) fn broadcast_strides(operand: &[usize], out: &[usize]) -> Shape {
    debug_assert!(operand.len() <= out.len());
    let pad = out.len() - operand.len();
    let mut strides: Shape = SmallVec::from_elem(0, out.len());
    let mut stride = 1;
    for i in (0..operand.len()).rev() {
        if operand[i] != 1 {
            strides[pad + i] = stride;
        }
        stride *= operand[i];
    }
    strides
}

/// Resolves a possibly negative axis (`-1` is the last) against a rank.
///
/// Panics with a message naming `op` if the axis is out of range.
#[track_caller]
pub(crate) fn resolve_axis(op: &str, axis: isize, shape: &[usize]) -> usize {
    let ndim = shape.len() as isize;
    let resolved = if axis < 0 { axis + ndim } else { axis };
    if resolved < 0 || resolved >= ndim {
        panic!("{op}: axis {axis} is out of range for shape {shape:?}");
    }
    resolved as usize
}

/// Splits a shape around `axis` into `(outer, len, inner)`: the tensor is then
/// `outer` blocks of `len` lanes entries, consecutive entries of a lane being
/// `inner` apart.
pub(crate) fn lanes(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (numel(&shape[..axis]), shape[axis], numel(&shape[axis + 1..]))
}

/// The shape after reducing `axis`: that extent becomes 1 with `keepdim`, or
/// disappears without.
pub(crate) fn reduced_shape(shape: &[usize], axis: usize, keepdim: bool) -> Shape {
    let mut out = shape_of(shape);
    if keepdim {
        out[axis] = 1;
    } else {
        out.remove(axis);
    }
    out
}

/// Visits the row-major index space `shape` one innermost row at a time.
///
/// For each row, `row` receives the offset at which each of the `K` operands
/// starts the row, given each operand's strides over `shape`. The caller walks
/// the row itself with the innermost strides, which lets it pick a loop the
/// compiler can vectorise.
pub(crate) fn for_each_row<const K: usize>(shape: &[usize], strides: [&[usize]; K], mut row: impl FnMut([usize; K])) {
    let ndim = shape.len();
    if ndim == 0 {
        row([0; K]);
        return;
    }
    let outer = &shape[..ndim - 1];
    let rows = numel(outer);
    if rows == 0 || shape[ndim - 1] == 0 {
        return;
    }
    let mut index: SmallVec<[usize; 4]> = SmallVec::from_elem(0, ndim - 1);
    let mut offsets = [0usize; K];
    for _ in 0..rows {
        row(offsets);
        // Advance the odometer over the outer axes.
        for axis in (0..ndim - 1).rev() {
            index[axis] += 1;
            for (offset, s) in offsets.iter_mut().zip(&strides) {
                *offset += s[axis];
            }
            if index[axis] < outer[axis] {
                break;
            }
            for (offset, s) in offsets.iter_mut().zip(&strides) {
                *offset -= s[axis] * outer[axis];
            }
            index[axis] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shapes(&[3, 1], &[4]).unwrap().as_slice(), &[3, 4]);
        assert_eq!(broadcast_shapes(&[], &[2, 2]).unwrap().as_slice(), &[2, 2]);
        assert_eq!(broadcast_shapes(&[2, 1, 5], &[3, 1]).unwrap().as_slice(), &[2, 3, 5]);
        assert!(broadcast_shapes(&[3], &[4]).is_none());
    }

    #[test]
    fn broadcast_strides_are_zero_on_broadcast_axes() {
        assert_eq!(broadcast_strides(&[3, 1], &[2, 3, 4]).as_slice(), &[0, 1, 0]);
        assert_eq!(broadcast_strides(&[4], &[3, 4]).as_slice(), &[0, 1]);
        assert_eq!(broadcast_strides(&[1], &[1]).as_slice(), &[0]);
    }

    #[test]
    fn rows_visit_every_offset_once() {
        let shape = [2, 3, 4];
        let strides = contiguous_strides(&shape);
        let mut seen = vec![];
        for_each_row(&shape, [&strides], |[o]| seen.push(o));
        assert_eq!(seen, vec![0, 4, 8, 12, 16, 20]);
    }

    #[test]
    fn negative_axes_count_from_the_end() {
        assert_eq!(resolve_axis("sum", -1, &[2, 3]), 1);
        assert_eq!(lanes(&[2, 3, 4], 1), (2, 3, 4));
    }
}
